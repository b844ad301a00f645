// address.h — how formail finds the sender of a message: the address in
// each candidate field reduced to its minimal form, weighed by the field it
// came from and by how "real" it looks (reference procmail.md §2.2).
//
// The reduction is formail's skipwords(): comments and blanks are dropped,
// angle brackets are taken off, quoted strings and domain literals are kept
// as they are, a group keeps its members; only the first address of a list
// is used.  The weights, highest first:
//   envelope (from_ generation, -r, -D -r): From_ > Return-Path >
//     Errors-To > Return-Receipt-To > Path > Resent-Sender > Resent-From >
//     Resent-Reply-To > Sender > From > Reply-To
//   header (-r -t): Reply-To > From > Sender > Return-Path > From_ >
//     Errors-To > Return-Receipt-To > Path > Resent-*
//   header with Resent- (-r -t -a Resent-): Resent-Reply-To > Resent-From >
//     Resent-Sender > Reply-To > From > Sender > Return-Path > …
// A From_ line counts only as the first field, and loses 2 when it carries
// ">From" continuation lines.  Addresses without '@', '!' or '/' lose 48,
// ".UUCP" ones 36, user@host without a dot 24, bang paths 12.
// "Return-Path: <>" gives "<>" and beats everything.
//
// SECURITY: every byte here comes from the message.  formail's C code read
// past the end of its buffers on unterminated comments, quotes and a
// trailing backslash (CVE-2014-3618, Debian #769937); this code stops at the
// end instead, and nests comments without recursion.
// STANDARDS: RFC 822 §6 address syntax, as formail approximates it.
#pragma once

#include "filters/formail/fields.h"

#include <optional>
#include <string>

namespace mail::filters::formail {

// Reduces the address that starts at s[start] in place, the way formail's
// skipwords() does, NUL-terminating the result where it ends; returns where
// the scan stopped.  `s` is treated as a C string (its first NUL ends it)
// but may have bytes after that NUL, which are read as C would read them;
// reading beyond s.size() yields NUL.
size_t skip_words(std::string& s, size_t start);

enum class SenderMode {
    envelope,       // From_ generation, -r without -t, -D
    header,         // -r -t
    header_resent,  // -r -t -a Resent-
};

// Feeds a header's fields one by one, in order, and keeps the best sender.
class SenderPicker {
public:
    explicit SenderPicker(SenderMode mode) : m_mode(mode) {}

    // `first` says whether this is the header's first field (a From_ line
    // only counts there).
    void consider(const Field& f, bool first);

    const std::optional<std::string>& sender() const { return m_sender; }
    void reset() { m_sender.reset(); }

private:
    SenderMode m_mode;
    std::optional<std::string> m_sender;
    int m_weight = 0;
};

}  // namespace mail::filters::formail
