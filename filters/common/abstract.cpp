// abstract.cpp — see abstract.h.
#include "filters/common/abstract.h"

#include <cstdio>

namespace mail::filters {

namespace {

constexpr size_t k_max_subject = 78;  // MAXSUBJECTSHOW
constexpr size_t k_tab_width = 8;
constexpr size_t k_size_column = 72;  // TABWIDTH × LENtSTOP

// procmail's detab(): the C string up to its first NUL, with TAB, NL, VT, FF
// and CR replaced by spaces.
std::string detab(std::string_view text) {
    std::string out(text.substr(0, text.find('\0')));
    for (char& c : out)
        if (c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') c = ' ';
    return out;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        char a = s[i], b = prefix[i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

}  // namespace

std::string abstract_folder_line(std::string_view folder, uint64_t bytes, size_t max_folder) {
    std::string name = detab(folder.substr(0, max_folder));
    std::string line = "  Folder: " + name;
    size_t column = line.size();
    column -= column % k_tab_width;
    do {
        line += '\t';
        column += k_tab_width;
    } while (column < k_size_column);
    char size[32];
    std::snprintf(size, sizeof size, "%7llu", static_cast<unsigned long long>(bytes));
    line += size;
    line += '\n';
    return line;
}

std::string abstract_subject_line(std::string_view subject_field) {
    return " " + detab(subject_field.substr(0, k_max_subject)) + "\n";
}

std::string log_abstract(std::string_view message, std::string_view folder, uint64_t bytes) {
    // The header: everything up to and including the first empty line.
    size_t header_end = message.size();
    if (!message.empty() && message[0] == '\n') {
        header_end = 1;
    } else if (size_t blank = message.find("\n\n"); blank != std::string_view::npos) {
        header_end = blank + 2;
    }
    std::string_view header = message.substr(0, header_end);
    std::string out;
    size_t pos = 0;
    if (message.substr(0, 5) == "From ") {
        size_t nl = header.find('\n');
        std::string_view first = header.substr(0, nl);
        out.append(first.substr(0, first.find('\0')));
        out += '\n';
        pos = nl == std::string_view::npos ? header.size() : nl + 1;
    }
    while (pos < header.size()) {
        size_t nl = header.find('\n', pos);
        std::string_view line = header.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        if (starts_with_nocase(line, "subject:")) {
            out += abstract_subject_line(line);
            break;
        }
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    out += abstract_folder_line(folder, bytes);
    return out;
}

}  // namespace mail::filters
