// summary.h — the header summary line and the mailbox status line, in
// Debian bsd-mailx's layout (docs/mailx.md "Receive mode"):
//
//   >N  3 carol@example.org  Sun May 12 08:00   11/323   Subject text
//   "/var/mail/tony": 5 messages 3 new 4 unread
//
// The summary is printf("%c%c%3d %-17.17s  %16.16s %4d/%-5d %s") cut to the
// screen width: current mark, state letter, number, sender address, the
// From_ line's date, lines/bytes of the whole entry, and the subject, which
// we decode (RFC 2047) where bsd-mailx shows it raw.
#pragma once

#include "mailx/folder.h"

#include <string>
#include <string_view>

namespace mailx {

class Aliases;

// The state letter: M (mbox) > U (unread) > N (new) > P (preserved) >
// * (saved) > ' ', later tests winning as in bsd-mailx.
char state_letter(const MessageState& s);

// The sender as the summary shows it: the address of From: (else Sender:,
// else the From_ line's sender).
std::string sender_address(const Folder& f, std::size_t number);

struct SummaryOptions {
    std::size_t width = 80;      // the screen width; 0 = do not cut
    bool showto = false;
    std::string_view login;      // for showto
    const Aliases* aliases = nullptr;
    bool allnet = false;
};

std::string summary_line(const Folder& f, std::size_t number, bool current, const SummaryOptions& opts);

// "\"path\": 5 messages 3 new 4 unread" (plus " D deleted", " S saved",
// " [Read only]").
std::string status_line(const Folder& f, std::string_view shown_path);

// The first message to make current when a mailbox is opened: the first
// new one, else the first unread one, else 1 (0 for an empty folder).
std::size_t first_interesting(const Folder& f);

// Cuts `line` to `width` columns, counting a UTF-8 sequence as one column
// and never splitting one.
std::string cut_to_width(std::string_view line, std::size_t width);

}  // namespace mailx
