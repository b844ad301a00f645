// abstract.h — the log abstract procmail writes after a delivery, and that
// `formail -l` prints instead of a message.
//
//   From alice@example.com  Mon Jan  6 10:00:00 2025      only with a From_ line
//    Subject: Quarterly report with tab                    only with a Subject:
//     Folder: reports<TAB×7>    502                        always
//
// The exact layout (reference procmail.md §1.12, experiments E1 and E17):
//  * the From line is the message's whole first line when it starts with
//    "From " (cut at a NUL byte);
//  * the Subject line is " " + the first header line that starts with
//    "Subject:" (any case), at most 78 bytes of it, TAB, VT, FF and CR turned
//    into spaces;
//  * the Folder line is "  Folder: " + the folder name cut to 60 bytes
//    (cut at a NUL, control whitespace → space), then TABs: with i = the text's length
//    rounded down to a multiple of 8, one TAB per 8 columns until column 72
//    (always at least one), then the size right-aligned in 7 columns
//    (printf's %7lu) and a newline.  mailstat(1) parses this.
//
// SECURITY: pure functions; the message and the folder name are untrusted
// bytes and are only copied, never interpreted.
// STANDARDS: none (procmail's log format).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mail::filters {

// The "  Folder: …" line, newline included.  procmail cuts the folder name
// to 60 bytes; formail -l cuts it to 61 (both observed on Debian 3.22-27),
// hence `max_folder`.
std::string abstract_folder_line(std::string_view folder, uint64_t bytes, size_t max_folder = 60);

// The " Subject: …" line (newline included) for the given header field text
// ("Subject: text", without its newline): the first 78 bytes, cut at a NUL,
// control whitespace turned into spaces.
std::string abstract_subject_line(std::string_view subject_field);

// The whole abstract for `message` (raw bytes as delivered, From_ line
// first if any) delivered to `folder` with `bytes` written.
std::string log_abstract(std::string_view message, std::string_view folder, uint64_t bytes);

}  // namespace mail::filters
