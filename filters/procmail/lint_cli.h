// lint_cli.h — `procmail --lint rcfile …`: the linter (lint.h) on files.
#pragma once

#include <string>
#include <vector>

namespace mail::procmail {

// Prints each finding as `file:line: warning|error: text` on stdout.
// Returns 0 when every file is clean, 1 when there were findings, 66
// (EX_NOINPUT) when a file cannot be read, 64 (EX_USAGE) without files.
int run_lint(const std::vector<std::string>& files);

}  // namespace mail::procmail
