// mbox_reader.h — splitting an mbox into messages (offsets only).
//
// Boundary rule (RFC 4155 §2, POSIX mailx): a line beginning with "From " at
// the start of the file or right after an empty line starts a message.  With
// SplitOptions::strict the From_ line must also carry a ctime(3)-like date
// ("Www Mmm"), as s-nail's mbox-rfc4155 does, so a body line "From the
// start..." after a blank line does not split a message that was written
// without quoting.  Damage is tolerated and reported, never fatal: bytes
// before the first From_ line and a missing final newline add a warning; a
// message without an empty line after its header is all header.
//
// The separator: the empty line before the next From_ line (or the final
// "\n" at the end of file) belongs to no message — body_size excludes it.
// Works on any byte string (NULs, no final newline); never throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mail::mailbox {

struct MboxMessage {
    std::size_t offset = 0;         // of the From_ line
    std::string_view from_line;     // without its "\n"
    std::size_t header_offset = 0;  // first header byte
    std::size_t header_size = 0;    // headers including their last "\n", not the blank line
    std::size_t body_offset = 0;    // first byte after the blank line
    std::size_t body_size = 0;      // up to, not including, the separator line
};

struct SplitOptions {
    bool strict = false;
};

struct MboxSplit {
    std::vector<MboxMessage> messages;
    std::vector<std::string> warnings;  // "offset N: what"
};

// The views in the result point into `data`, which must outlive them.
MboxSplit split_mbox(std::string_view data, const SplitOptions& opts = {});

// True if `line` (without "\n") is a From_ line under `opts`.
bool is_from_line(std::string_view line, const SplitOptions& opts = {});

}  // namespace mail::mailbox
