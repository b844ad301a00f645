// dsn.cpp — reading a message/delivery-status body (RFC 3464 §2).
//
// The body is a group of per-message fields, then one group of
// per-recipient fields for each recipient, groups separated by blank lines
// (§2.1).  Real reports bend this, so the reader is lenient:
//   - a Final-Recipient in a group that already has one starts a new group
//     (no blank line between recipients); so does an Original-Recipient
//     after the group's Final-Recipient and Action (RFC order puts
//     Original-Recipient first, Postfix puts it after Final-Recipient);
//   - per-message fields in a recipient's group, unknown fields and lines
//     without a colon are ignored; folded values are unfolded;
//   - a group without Action but with a 5.x.x Status counts as failed;
//   - the first of a repeated field wins.
// Only Final-Recipient, Original-Recipient, Action, Status and
// Diagnostic-Code matter here.
//
// SECURITY: the body is untrusted.  One pass over its lines; field values
// are cut at k_field_max bytes, so memory stays proportional to the number
// of recipients, which add_bounce() caps.
//
// STANDARDS: RFC 3464 §2.2 (per-message fields), §2.3.1 (Original-Recipient,
// address-type ";" generic-address), §2.3.2 (Final-Recipient), §2.3.3
// (Action: failed / delayed / delivered / relayed / expanded), §2.3.4
// (Status), §2.3.6 (Diagnostic-Code: diagnostic-type ";" text); RFC 3461
// §4 (xtext, as ORCPT carries the original address); RFC 6533 §3 (UTF-8
// addresses in message/global-delivery-status).
#include "lists/bounce/detail.h"

#include "libmail/util/strings.h"

namespace mail::lists::bounce::detail {

namespace {

constexpr size_t k_field_max = 2000;

struct Group {
    std::string final_rcpt;
    std::string original_rcpt;
    std::string action;
    std::string status;
    std::string diagnostic;
    bool has_final = false;
    bool has_original = false;
    bool has_action = false;
};

bool is_hex_upper(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}
int hex_value(char c) {
    return c <= '9' ? c - '0' : c - 'A' + 10;
}

// RFC 3461 §4: xtext writes '+', '=' and bytes outside 33..126 as "+XX"
// (upper-case hex).  Only those are decoded, so a literal "+ab" or "+41"
// in a plain address ("john+AB@x") survives.
std::string xtext_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+' && i + 2 < s.size() && is_hex_upper(s[i + 1]) && is_hex_upper(s[i + 2])) {
            int v = hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]);
            if (v == '+' || v == '=' || v < 33 || v > 126) {
                out += static_cast<char>(v);
                i += 2;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

// "smtp; 550 …" → "550 …": drops a diagnostic or address type (an atom of
// letters, digits and '-').
std::string_view after_type(std::string_view v) {
    size_t semi = v.find(';');
    if (semi == std::string_view::npos || semi == 0 || semi > 32) return v;
    for (char c : v.substr(0, semi)) {
        bool atom = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == ' ' || c == '\t';
        if (!atom) return v;
    }
    return trim(v.substr(semi + 1));
}

// The first word of a value, lower-cased ("Failed (permanent)" → "failed").
std::string first_word(std::string_view v) {
    v = trim(v);
    size_t end = 0;
    while (end < v.size() && v[end] != ' ' && v[end] != '\t' && v[end] != '(' && v[end] != ';') ++end;
    return to_lower(v.substr(0, end));
}

void append(std::string& to, std::string_view text) {
    if (to.size() >= k_field_max) return;
    to.append(text.substr(0, k_field_max - to.size()));
}

class Reader {
public:
    Reader(Report& r, size_t* failed) : m_report(r), m_failed(failed) {}

    void line(std::string_view l) {
        if (trim(l).empty()) {
            flush();
            return;
        }
        if (l[0] == ' ' || l[0] == '\t') {  // a continuation of the last field
            if (m_last) {
                append(*m_last, " ");
                append(*m_last, trim(l));
            }
            return;
        }
        m_last = nullptr;
        size_t colon = l.find(':');
        if (colon == std::string_view::npos) return;
        std::string_view name = trim(l.substr(0, colon));
        std::string_view value = trim(l.substr(colon + 1));
        if (iequals(name, "Final-Recipient")) {
            if (m_group.has_final) flush();
            m_group.has_final = true;
            set(m_group.final_rcpt, value);
        } else if (iequals(name, "Original-Recipient")) {
            if (m_group.has_final && (m_group.has_original || m_group.has_action)) flush();
            if (m_group.has_original) return;
            m_group.has_original = true;
            set(m_group.original_rcpt, value);
        } else if (iequals(name, "Action")) {
            if (m_group.has_action) return;
            m_group.has_action = true;
            set(m_group.action, value);
        } else if (iequals(name, "Status")) {
            if (m_group.status.empty()) set(m_group.status, value);
        } else if (iequals(name, "Diagnostic-Code")) {
            if (m_group.diagnostic.empty()) set(m_group.diagnostic, value);
        }
    }

    void flush() {
        Group g = std::move(m_group);
        m_group = Group{};
        m_last = nullptr;
        if (!g.has_final && !g.has_original) return;  // the per-message group, or noise
        ++m_groups;
        std::string action = first_word(g.action);
        std::string status = first_word(g.status);
        if (!valid_status(status) || status[0] == '2') status.clear();
        bool failed = action == "failed" || (!g.has_action && !status.empty() && status[0] == '5');
        if (!failed) return;
        ++*m_failed;
        std::optional<std::string> address;
        if (g.has_original) address = extract_address(xtext_decode(g.original_rcpt));
        if (!address && g.has_final) address = extract_address(g.final_rcpt);
        if (!address) return;
        std::string diagnostic = clean_diagnostic(after_type(g.diagnostic));
        if (status.empty()) {
            status = find_status(diagnostic);
            if (!status.empty() && status[0] == '2') status.clear();
        }
        Bounce b;
        b.address = std::move(*address);
        b.severity = severity_of(status, diagnostic, Severity::Hard);
        b.status = std::move(status);
        b.diagnostic = std::move(diagnostic);
        add_bounce(m_report, std::move(b));
    }

    size_t groups() const { return m_groups; }

private:
    void set(std::string& field, std::string_view value) {
        field.clear();
        append(field, value);
        m_last = &field;
    }

    Report& m_report;
    size_t* m_failed;
    Group m_group;
    std::string* m_last = nullptr;  // the field a continuation line extends
    size_t m_groups = 0;
};

}  // namespace

size_t parse_delivery_status(std::string_view body, Report& r, size_t* failed) {
    *failed = 0;
    Reader reader(r, failed);
    for (std::string_view l : lines_of(body)) reader.line(l);
    reader.flush();
    return reader.groups();
}

}  // namespace mail::lists::bounce::detail
