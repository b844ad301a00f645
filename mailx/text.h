// text.h — small text helpers of the reader: From_ line fields, header
// values for display.
#pragma once

#include <string>
#include <string_view>

namespace mailx {

// "From alice@x  Fri May 10 09:15:02 2024" → "alice@x" / "Fri May 10 09:15:02 2024".
std::string from_line_sender(std::string_view from_line);
std::string from_line_date(std::string_view from_line);

// A header value for the screen: RFC 2047 words decoded to UTF-8, control
// characters (a terminal escape in a subject) replaced by '?'.
std::string decode_header_text(std::string_view value);

// The first address of a list ("a, b" → "a").
std::string split_first(std::string_view list);

// Expands a file name as mailx commands take it: "~/x", "+folder" (under
// the folder variable), "%" (the system mailbox), "%user", "#" (the
// previous file), "&" (MBOX).  `folder_dir` is absolute or "".
struct FileNameContext {
    std::string home;
    std::string folder_dir;
    std::string system_mailbox;
    std::string spool_dir;
    std::string previous;
    std::string mbox;
};
std::string expand_file_name(std::string_view name, const FileNameContext& ctx);

}  // namespace mailx
