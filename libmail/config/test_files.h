// test_files.h — a temporary directory for config unit tests (test-only).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace mail::config::testing {

// Created under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "mailroom-config-XXXXXX").string();
        if (char* p = mkdtemp(tmpl.data())) m_path = p;
    }
    ~TempDir() {
        std::error_code ec;
        if (!m_path.empty()) std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return m_path; }
    std::string file(const std::string& rel) const { return m_path + "/" + rel; }

    // Writes `text' to path()/rel, creating directories; returns the full path.
    std::string write(const std::string& rel, const std::string& text) const {
        std::filesystem::path p = file(rel);
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }

private:
    std::string m_path;
};

}  // namespace mail::config::testing
