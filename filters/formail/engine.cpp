// engine.cpp — see engine.h.  The comments name formail's own routines
// (readhead, procfields, elimdups …) where a step mirrors one, so that the
// next reader can hold this next to the reference description.
#include "filters/formail/engine.h"

#include "filters/common/abstract.h"
#include "filters/common/fromline.h"
#include "filters/formail/address.h"
#include "libmail/proc/spawn.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <sysexits.h>

namespace mail::filters::formail {

namespace {

constexpr int k_eof = -1;
constexpr std::string_view k_unknown_sender = "foo@bar";
constexpr size_t k_max_subject_show = 78;
constexpr size_t k_max_fileno_width = 25;  // formail's FILENO buffer
constexpr int k_default_min_fields = 2;

// The fields formail knows when it looks for the start of a message
// (its header.h, as built into Debian's formail: 159 names).
constexpr std::string_view k_known_fields[] = {
    "Return-Path:", "Received:", "Reply-To:", "From:",
    "Sender:", "Resent-Reply-To:", "Resent-From:", "Resent-Sender:",
    "Date:", "Resent-Date:", "To:", "Resent-To:",
    "Cc:", "Resent-Cc:", "Bcc:", "Resent-Bcc:",
    "Message-ID:", "Resent-Message-ID:", "In-Reply-To:", "References:",
    "Keywords:", "Subject:", "Comments:", "Encrypted:",
    "Notice-Requested-Upon-Delivery-To:", "Final-Recipient:", "Remote-MTA:", "Diagnostic-Code:",
    "Last-Attempt-Date:", "Errors-To:", "Return-Receipt-To:", "Precedence:",
    "Full-Name:", "Posted-Date:", "Received-Date:", "Message:",
    "Text:", "Via:", "Apparently-To:", "Apparently-Resent-To:",
    "Delivered-To:", "Mailing-List:", "Autoforwarded:", "Content-Identifier:",
    "Conversion:", "Conversion-With-Loss:", "Delivery-Date:", "Discarded-X400-IPMS-Extensions:",
    "Discarded-X400-MTS-Extensions:", "DL-Expansion-History:", "Deferred-Delivery:", "Expiry-Date:",
    "Importance:", "Incomplete-Copy:", "Language:", "Latest-Delivery-Time:",
    "Message-Type:", "Obsoletes:", "Supersedes:", "Original-Encoded-Information-Types:",
    "Originator-Return-Address:", "Priority:", "Reply-By:", "Requested-Delivery-Method:",
    "Sensitivity:", "X400-Content-Type:", "X400-MTS-Identifier:", "X400-Originator:",
    "X400-Received:", "X400-Recipients:", "X400-Trace:", "Alternate-Recipient:",
    "Prevent-Nondelivery-Report:", "Generate-Delivery-Report:", "Disclose-Recipients:", "Content-Return:",
    "Auto-Submitted:", "PP-Warning:", "Fcc:", "Resent:",
    "Forwarded:", "Replied:", "Article:", "Path:",
    "Summary:", "Organisation:", "Organization:", "Newsgroups:",
    "Followup-To:", "Approved:", "Lines:", "Expires:",
    "Control:", "Distribution:", "Xref:", "Originator:",
    "NNTP-Posting-Host:", "Submitted-by:", "Posted-To:", "Mail-Copies-To:",
    "Title:", "Article-I.D.:", "Posted:", "Relay-Version:",
    "Sent-By:", "Content-Type:", "Encoding:", "Content-MD5:",
    "MIME-Version:", "Content-Transfer-Encoding:", "Content-ID:", "Content-Description:",
    "Content-Disposition:", "Accept:", "Public:", "Allow:",
    "Last-Modified:", "URI:", "Version:", "Derived-From:",
    "Content-Language:", "Cost:", "Server:", "WWW-Link:",
    "Acknowledge-To:", "Transport-Options:", "Default-Options:", "Content-Length:",
    "Reference:", "Auto-Forwarded-From:", "Auto-Forward-Count:", "End-of-Header:",
    "Original-From:", "Original-To:", "Original-Cc:", "Original-Auto-Forwarded-From:",
    "Original-Date:", "Not-Delivered-To:", "Report-Version:", "Original-Received:",
    "Status:", "Mail-from:", "Return-Receipt-Requested:", "MR-Received:",
    "App-Message-ID:", "Hop-count:", "From-warning:", "Request-Remailing-To:",
    "Anon-Send-To:", "Latent-Time:", "Cutmarks:", "Post-To:",
    "Anon-Post-To:", "Encrypt-Key:", "Read-Receipt-To:", "Fake-Sender:",
    "Envelope-To:", "User-Agent:", "NNTP-Posting-Date:",};

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string_view cstr(std::string_view s) { return s.substr(0, s.find('\0')); }

// formail's ultoan(): base 64 with the digits A–Z a–z 0–9 - _, least
// significant first.
std::string ultoan(unsigned long v) {
    static constexpr char k_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    do {
        out += k_digits[v & 0x3f];
    } while (v >>= 6);
    return out;
}

// A saved field content (formail's rex[]) as formail appends it: with a
// blank in front unless it starts with one.
std::string loadsaved(std::string_view content) {
    std::string out;
    if (content.empty() || (content[0] != ' ' && content[0] != '\t')) out += ' ';
    out.append(content);
    return out;
}

enum class Step { carry_on, only_head, done };

class Engine {
public:
    Engine(Options& o, Input& in, Context& ctx) : m_o(o), m_in(in), m_ctx(ctx) {}
    int run();

private:
    // --- input: formail's getline / readhead / addbuf ---
    int getline();
    bool readhead();
    void addbuf();
    bool digheadr() const;
    bool artheadr();
    // --- output ---
    void put(std::string_view s) { m_sink.put(s); }
    void put(char c) { m_sink.put(c); }
    // Under -l the message is only counted.
    void lput(std::string_view s) {
        if (m_o.log_folder)
            m_totallen += static_cast<long>(s.size());
        else
            m_sink.put(s);
    }
    void lput(char c) { lput(std::string_view(&c, 1)); }
    Sink stdout_sink() {
        return m_ctx.stdout_string ? Sink::to_string(m_ctx.stdout_string) : Sink::to_fd(m_ctx.stdout_fd, false);
    }
    void log(const std::string& text);
    void logfolder();
    bool closemine();
    void extract_field(const Field& f);
    void flush_fields(FieldList& list);
    void show_patterns(const PatternList& list);
    // --- the header ---
    void cleanheader();
    void procfields(bool reply_pass);
    Step process_header();
    std::optional<int> elimdups();
    void make_reply(const std::optional<std::string>& sender);
    // --- the body ---
    void copy_content_length(bool& lnl);
    bool at_message_start(bool lnl);
    // --- splitting ---
    void setup_fileno();
    void startprog();
    int finish();

    Options& m_o;
    Input& m_in;
    Context& m_ctx;
    Sink m_sink;

    std::string m_buf;      // formail's buf: the line(s) being read
    int m_last = k_eof;     // buflast: the look-ahead byte
    unsigned long m_rhash = 0;
    FieldList m_rd;         // rdheader
    FieldList m_added;      // nheader: -a fields to add
    std::string m_subject, m_references, m_message_id, m_date;  // rex[]
    std::optional<SenderPicker> m_sender;
    long m_totallen = 0;
    long m_ctlength = 0;
    int m_retval = 0;
    bool m_split_error = false;
    bool m_babyl_start = false;
    unsigned long m_msgid_serial = 0;  // h4
    // formail tests a From line that ended a header for a postmark through
    // a pointer (chp) last set elsewhere: these are the bytes it points to
    // (reading past them gives NUL, as fresh heap memory does).
    std::string m_chp;
    std::vector<std::string> m_env;
    std::optional<size_t> m_fileno_slot;
    int m_fileno_width = -1;
    long m_fileno = 0;
};

int Engine::getline() {
    if (m_last == k_eof) {
        m_buf += '\n';  // a fake empty line at the end
        return k_eof;
    }
    m_buf += static_cast<char>(m_last);
    if (m_last != '\n') {
        int ch;
        while ((ch = m_in.get()) != k_eof && ch != '\n') {
            m_rhash = m_rhash * 67067UL + static_cast<unsigned char>(ch);
            m_buf += static_cast<char>(ch);
        }
        m_buf += '\n';  // always ends in a newline, even at the end of the input
    }
    return m_last = m_in.get();
}

// Tries to read one field (with its continuation lines) onto m_rd.  On
// failure the line stays in m_buf.
bool Engine::readhead() {
    getline();
    int idlen = break_field(m_buf);
    if (idlen <= 0) return false;
    if (idlen == static_cast<int>(k_from_.size()) && starts_with(m_buf, k_from_)) {
        if (!m_rd.empty()) return false;  // a From_ line inside a header is a fake
        while (m_last == '>') getline();  // ">From" continuation lines
    } else {
        while (m_last == ' ' || m_last == '\t') getline();
    }
    addbuf();
    return true;
}

void Engine::addbuf() {
    bool first = m_rd.empty();
    m_rd.push_back(make_field(std::move(m_buf), first));
    m_buf.clear();
}

// Does the last field read look like a known header field?
bool Engine::digheadr() const {
    const Field& f = m_rd.back();
    const std::string& t = f.text;
    size_t j = f.id_len;
    while (j >= 2 && (t[j - 2] == ' ' || t[j - 2] == '\t')) --j;  // blanks before the colon
    if (j == 0) return false;
    for (std::string_view name : k_known_fields)
        if (name.size() == j && iequal_prefix(name, t, j - 1)) return true;
    return (j > 4 && iequal_prefix("Old-", t, 4)) || (j > 2 && iequal_prefix("X-", t, 2));
}

// Could this be the start of a news article ("Article 123 of group")?
bool Engine::artheadr() {
    if (m_rd.empty() && starts_with(m_buf, "Article ")) {
        addbuf();
        m_rd.back().id_len = 8;
        return true;
    }
    return false;
}

void Engine::log(const std::string& text) {
    if (m_ctx.stderr_string)
        *m_ctx.stderr_string += text;
    else
        (void)!::write(2, text.data(), text.size());
}

void Engine::logfolder() {
    if (m_o.log_folder) put(abstract_folder_line(*m_o.log_folder, static_cast<uint64_t>(m_totallen), 61));
}

// Ends the current message's output; false when a write failed.
bool Engine::closemine() {
    bool ok = m_sink.close();
    m_sink = Sink::discard();
    if (!ok && !m_o.quiet) log("formail: Couldn't write to stdout\n");
    return ok;
}

void Engine::extract_field(const Field& f) {
    if (!m_o.extract.empty() || !m_o.extract_keep.empty()) {
        if (find_pattern(f, m_o.extract) != m_o.extract.end()) {  // -x: the contents
            const std::string& t = f.text;
            size_t from = f.id_len, to = t.empty() ? 0 : t.size() - 1;
            if (from > to) from = to;
            if (m_o.zap) {
                while (from < to && (t[from] == ' ' || t[from] == '\t')) ++from;
                while (from < to && (t[to - 1] == ' ' || t[to - 1] == '\t')) --to;
            }
            put(std::string_view(t).substr(from, to - from));
            put('\n');
            return;
        }
        if (find_pattern(f, m_o.extract_keep) == m_o.extract_keep.end()) return;
    }
    lput(f.text);
}

void Engine::flush_fields(FieldList& list) {
    for (const Field& f : list) extract_field(f);
    list.clear();
}

void Engine::show_patterns(const PatternList& list) {
    for (const Pattern& p : list)
        if (p.field.id_len + 1 < p.field.text.size()) extract_field(p.field);
}

// Blanks between a field name and its colon go (first header only).
void Engine::cleanheader() {
    for (Field& f : m_rd) {
        std::string& t = f.text;
        if (f.id_len < 2 || t[f.id_len - 1] != ':' || (t[f.id_len - 2] != ' ' && t[f.id_len - 2] != '\t')) continue;
        size_t colon = f.id_len - 1;
        size_t q = colon - 1;
        while (q > 0 && (t[q - 1] == ' ' || t[q - 1] == '\t')) --q;
        t.erase(q, colon - q);
        f.id_len -= colon - q;
    }
}

// -i (rename to Old-), -I (delete), -R (rename), -u/-U (keep one), over the
// header.  `reply_pass` is formail's first pass under -r, when -i only
// protects fields and -I deletes only with a bare name.
void Engine::procfields(bool reply_pass) {
    for (auto it = m_rd.begin(); it != m_rd.end();) {
        Field& f = *it;
        bool renamed = false;
        if (!reply_pass) {
            auto p = find_pattern(f, m_o.rename_insert);
            if (p != m_o.rename_insert.end() && !(m_o.reply && f.id_len + 1 >= p->field.text.size())) {
                rename_field(f, 0, "Old-");
                renamed = true;
            }
        }
        if (!renamed) {
            auto p = find_pattern(f, m_o.delete_insert);
            if (p != m_o.delete_insert.end() && !(reply_pass && f.id_len + 1 < p->field.text.size())) {
                it = m_rd.erase(it);
                continue;
            }
            auto r = find_pattern(f, m_o.rename);
            if (r != m_o.rename.end())
                rename_field(f, r->field.id_len, std::string_view(r->field.text).substr(r->field.id_len));
        }
        auto first = find_pattern(f, m_o.first_unique, true);
        if (first != m_o.first_unique.end() && !first->keep && !first->keep_stale) {
            first->keep = it;  // the first one: keep it
        } else if (auto last = find_pattern(f, m_o.last_unique, true); last != m_o.last_unique.end()) {
            if (last->keep_stale) {
                // Under -r the kept field went with the old header and formail
                // deletes through a stale pointer (it may crash).  When that
                // pointer was the header's head, the new first field goes.
                if (last->keep && *last->keep == m_rd.begin() && m_rd.begin() != it) m_rd.erase(m_rd.begin());
                last->keep_stale = false;
            } else if (last->keep) {
                m_rd.erase(*last->keep);  // an earlier one goes
            }
            last->keep = it;
        } else if (first != m_o.first_unique.end()) {
            it = m_rd.erase(it);  // a later one of a -u field goes
            continue;
        }
        ++it;
    }
}

// Looks the key up in the -D cache (formail's elimdups()) and records it
// when new.  Returns the exit status when formail stops here (not
// splitting): 0 for a duplicate, 1 for a new key.
std::optional<int> Engine::elimdups() {
    std::optional<std::string> key;
    if (m_o.reply) {
        if (m_sender->sender()) key = *m_sender->sender();
    } else if (!m_message_id.empty()) {
        key = std::string(cstr(std::string_view(m_message_id).substr(0, m_message_id.size() - 1)));
    }
    bool dup = false;
    if (key) {
        size_t lead = key->find_first_not_of(' ');
        key->erase(0, lead == std::string::npos ? key->size() : lead);
        std::FILE* f = m_o.dup_cache.get();
        long maxlen = m_o.dup_maxlen;
        long insoffs = maxlen;
        // A ring of NUL-terminated keys; an empty key marks the end of the
        // data, where the next key goes.  formail compares getc()'s byte
        // with a plain (signed) char, so keys with bytes above 127 never
        // match: kept.
        auto want = [&](size_t i) {
            return i < key->size() ? static_cast<int>(static_cast<signed char>((*key)[i])) : 0;
        };
        bool at_eof = false;
        do {
            size_t p = 0;
            int j;
            while ((j = std::fgetc(f)) == want(p)) {
                if (j == 0) {
                    dup = true;
                    break;
                }
                ++p;
            }
            if (dup) break;
            bool skip_rest = j != 0;
            if (j == 0 && p == 0 && insoffs == maxlen) {  // the end marker
                insoffs = std::ftell(f) - 1;
                skip_rest = true;
            }
            if (skip_rest) {
                for (;;) {
                    int c = std::fgetc(f);
                    if (c == EOF) {
                        at_eof = true;
                        break;
                    }
                    if (c == 0) break;
                }
            }
        } while (!at_eof && std::ftell(f) < maxlen);
        if (dup) {
            if (!m_o.quiet) log("formail: Duplicate key found:" + *key + "\n");
        } else {
            if (insoffs >= maxlen) insoffs = 0;  // wrap around
            std::fseek(f, insoffs, SEEK_SET);
            std::fwrite(key->c_str(), 1, key->size() + 1, f);
            std::putc('\0', f);  // the new end marker
        }
        std::fseek(f, 0, SEEK_SET);
    }
    if (!m_o.split) return dup ? EXIT_SUCCESS : 1;
    if (dup) {  // a duplicate is not passed on
        if (!closemine()) return EX_IOERR;
    }
    return std::nullopt;
}

void Engine::make_reply(const std::optional<std::string>& sender) {
    // Only the fields named by a bare -i (and X-Loop:) stay.
    for (auto it = m_rd.begin(); it != m_rd.end();) {
        auto p = find_pattern(*it, m_o.rename_insert);
        if (p == m_o.rename_insert.end() || p->field.id_len + 1 < p->field.text.size())
            it = m_rd.erase(it);
        else
            ++it;
    }
    for (Pattern& p : m_o.first_unique) p.keep_stale = p.keep.has_value();
    for (Pattern& p : m_o.last_unique) p.keep_stale = p.keep.has_value();
    m_buf = "To: ";
    if (sender) {
        m_buf += *sender;
    } else {
        m_retval = EX_NOUSER;
        m_buf += k_unknown_sender;
    }
    m_buf += '\n';
    addbuf();
    if (!m_subject.empty()) {
        // formail compares 7 bytes with "Re:" (sizeof a pointer − 1), so it
        // sees an "Re:" only when a NUL follows it: "Re:" is always added.
        std::string_view s = cstr(m_subject);
        size_t b = s.find_first_not_of(" \t");
        s = b == std::string_view::npos ? std::string_view() : s.substr(b);
        m_buf = "Subject:";
        if (!(s.size() == 3 && iequal_prefix(s, "re:", 3))) m_buf += " Re:";
        m_buf += loadsaved(m_subject);
        m_chp = m_subject;
        addbuf();
    }
    if (!m_references.empty() || !m_message_id.empty()) {
        m_buf = "References:";
        if (!m_references.empty()) {
            std::string r = m_references;
            if (!m_message_id.empty()) r.pop_back();  // the Message-ID follows on this line
            m_buf += loadsaved(r);
        }
        if (!m_message_id.empty()) m_buf += loadsaved(m_message_id);
        addbuf();
    }
    if (!m_message_id.empty()) {
        m_buf = "In-Reply-To:" + loadsaved(m_message_id);
        addbuf();
    }
    procfields(false);
}

Step Engine::process_header() {
    cleanheader();
    if (!m_rd.empty()) {
        Field& f = m_rd.front();
        if (starts_with(f.text, "Article ")) {
            f.text[7] = ':';
        } else if (m_o.babyl && !m_o.force && starts_with(f.text, "Mail-from:")) {
            size_t p = 10;
            while (p < f.text.size() && (f.text[p] == ' ' || f.text[p] == '\t')) ++p;
            if (starts_with(std::string_view(f.text).substr(p), k_from_)) {
                f.id_len = k_from_.size();
                f.text.erase(0, p);
            }
        }
    }
    m_sender.emplace(m_o.reply && m_o.trust_header
                         ? (m_o.resent ? SenderMode::header_resent : SenderMode::header)
                         : SenderMode::envelope);
    m_totallen = 0;
    m_subject.clear();
    m_references.clear();
    m_message_id.clear();
    m_date.clear();
    for (Pattern& p : m_o.first_unique) p.keep.reset(), p.keep_stale = false;
    for (Pattern& p : m_o.last_unique) p.keep.reset(), p.keep_stale = false;
    bool had_from_line = !m_o.force && !m_rd.empty() && m_rd.front().is_from_line();
    procfields(m_o.reply);
    for (auto it = m_rd.begin(); it != m_rd.end();) {
        Field& f = *it;
        if (m_o.zap && f.id_len >= 1 && f.text[f.id_len - 1] == ':') {
            char c = f.id_len < f.text.size() ? f.text[f.id_len] : '\0';
            if (c != ' ' && c != '\t' && f.text.size() > f.id_len + 1) {
                f.text.insert(f.id_len, 1, ' ');
            } else if (f.text.size() <= f.id_len + 2) {  // empty, or a single blank
                m_chp = f.text.substr(f.id_len);
                it = m_rd.erase(it);
                continue;
            }
        }
        if (m_o.concatenate) concatenate(f);
        m_chp = f.text.substr(f.id_len);
        m_sender->consider(f, it == m_rd.begin());
        std::string_view name = f.name();
        std::string* slot = nullptr;
        if (name.size() == 8 && iequal_prefix(name, "Subject:", 8))
            slot = &m_subject;
        else if (name.size() == 11 && iequal_prefix(name, "References:", 11))
            slot = &m_references;
        else if (name.size() == 11 && iequal_prefix(name, "Message-ID:", 11))
            slot = &m_message_id;
        else if (name.size() == 5 && iequal_prefix(name, "Date:", 5))
            slot = &m_date;
        if (slot && f.text.size() - f.id_len > 1) *slot = f.text.substr(f.id_len);  // the last one wins
        ++it;
    }
    if (m_o.dup_cache) {
        if (auto code = elimdups()) {
            m_retval = *code;
            return Step::done;
        }
    }
    m_ctlength = 0;
    bool forget_length =
        m_o.digest || m_o.berkeley ||
        (m_o.keep_body &&
         (m_o.reply || (!m_o.extract_keep.empty() &&
                        find_pattern(make_field("Content-Length:"), m_o.extract_keep) == m_o.extract_keep.end())));
    if (!forget_length) {
        auto cl = find_field(make_field("Content-Length:"), m_rd);
        if (cl != m_rd.end()) {
            std::string digits = cl->text.size() > 16 ? cl->text.substr(15, cl->text.size() - 16) : std::string();
            m_ctlength = std::strtol(digits.c_str(), nullptr, 10);
            m_chp = "\n";
        }
    }
    std::string parked = std::move(m_buf);
    m_buf.clear();
    std::optional<std::string> sender = m_sender->sender();
    if (m_o.reply) {
        make_reply(sender);
    } else if (!m_o.force && (m_rd.empty() || !m_rd.front().is_from_line())) {
        Field from_name = make_field(std::string(k_from_));
        auto forced = find_pattern(from_name, m_o.add_if_not);
        bool make = (forced != m_o.add_if_not.end() && k_from_.size() + 1 >= forced->field.text.size()) ||
                    (!had_from_line && find_pattern(from_name, m_o.rename_insert) == m_o.rename_insert.end() &&
                     find_pattern(from_name, m_o.delete_insert) == m_o.delete_insert.end() &&
                     find_pattern(from_name, m_o.rename) == m_o.rename.end());
        if (make) {  // the missing From_ line
            std::string who(sender ? std::string_view(*sender) : k_unknown_sender);
            std::string line;
            if (m_date.empty() || find_pattern(make_field("Date:"), m_o.add_if_not) == m_o.add_if_not.end()) {
                time_t now = m_ctx.now();
                line = from_line(who, now) + "\n";
                m_chp = ctime_text(now) + "\n";  // formail's pointer stays on ctime()'s text
            } else {  // -a Date: makes formail copy the Date: text
                line = std::string(k_from_) + who + " " + loadsaved(m_date);
            }
            m_rd.push_front(make_field(std::move(line), true));
        }
    }
    for (const Pattern& p : m_o.add_if_not) {
        const Field& a = p.field;
        if (find_field(a, m_rd) != m_rd.end()) continue;
        std::string_view name = a.name();
        bool bare = a.id_len + 1 >= a.text.size();
        if (bare && ((name.size() == 11 && iequal_prefix(name, "Message-ID:", 11)) ||
                     (name.size() == 18 && iequal_prefix(name, "Resent-Message-ID:", 18)))) {
            // A made-up unique id: <input hash.serial.pid.time@host>.
            std::string id = std::string(name) + " <" + ultoan(m_rhash) + "." + ultoan(m_msgid_serial) + "." +
                             ultoan(static_cast<unsigned long>(m_ctx.pid)) + "." +
                             ultoan(static_cast<unsigned long>(m_ctx.now())) + "@" + m_ctx.hostname + ">\n";
            m_added.push_back(make_field(std::move(id)));
            ++m_msgid_serial;
            m_chp.clear();  // formail's pointer is left on the freed id
        } else {
            m_added.push_back(make_field(a.text));
        }
    }
    if (m_o.log_folder) {  // the abstract's From and Subject lines
        if (!m_rd.empty() && m_rd.front().is_from_line()) put(m_rd.front().text);
        auto s = find_field(make_field("Subject:"), m_rd);
        if (s != m_rd.end()) {
            concatenate(*s);
            std::string& t = s->text;
            size_t len = t.size() - 1;
            t[len] = '\0';
            m_chp = t;
            std::string_view shown = std::string_view(t).substr(0, std::min(len, k_max_subject_show));
            if (shown.find('\0') == std::string_view::npos) {
                put(abstract_subject_line(shown));
            } else {
                // formail detabs the C string (up to the NUL), then writes
                // the bytes as they are, NUL and all.
                std::string raw(shown);
                for (char& c : raw) {
                    if (c == '\0') break;
                    if (c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') c = ' ';
                }
                put(' ');
                put(raw);
                put('\n');
            }
        }
    }
    m_buf = std::move(parked);
    flush_fields(m_rd);
    flush_fields(m_added);
    show_patterns(m_o.add_always);
    show_patterns(m_o.rename_insert);
    show_patterns(m_o.delete_insert);
    bool extracting = !m_o.extract.empty() || !m_o.extract_keep.empty();
    if (m_o.keep_body || !extracting) lput('\n');  // the empty line after the header
    if (!m_o.keep_body && (m_o.reply || extracting)) {  // the body is not wanted
        logfolder();
        if (!m_o.split) return Step::only_head;
        if (!closemine()) {
            m_retval = EX_IOERR;
            return Step::done;
        }
    }
    return Step::carry_on;
}

// Content-Length: that many body bytes are copied without looking at them.
void Engine::copy_content_length(bool& lnl) {
    if (!m_buf.empty()) {
        lput(m_buf);
        m_ctlength -= static_cast<long>(m_buf.size());
        m_buf.clear();
        lnl = false;
    }
    int next = m_last, wrote = '\n';
    while (--m_ctlength >= 0 && next != k_eof) {
        lnl = wrote == next && wrote == '\n';
        lput(static_cast<char>(wrote = next));
        next = m_in.get();
    }
    if ((m_last = next) == '\n' && wrote != next) {  // finish the line
        lput('\n');
        m_last = m_in.get();
    }
    if (!m_o.quiet && m_ctlength > 0)
        log("formail: Content-Length: field exceeds actual length by " + std::to_string(m_ctlength) + " bytes\n");
}

// At a body line just read: does a new message start here?  Escapes a
// "From " line that does not.
bool Engine::at_message_start(bool lnl) {
    bool from_line = false, accumulate = false;
    bool may_start = m_o.split && (lnl || m_o.every);
    if (!m_rd.empty()) {
        if (m_rd.front().is_from_line()) {
            from_line = true;
            m_chp = m_rd.front().text;
        } else if (may_start && m_o.digest && digheadr()) {
            accumulate = true;
        }
    } else if (starts_with(m_buf, k_from_)) {
        // A From line that ended a header (or a run of fields): formail
        // checks it through its stale pointer, not the line itself.  Kept,
        // for the same output.
        addbuf();
        from_line = true;
    } else if (may_start && m_o.digest && artheadr()) {
        accumulate = true;
    }
    if (from_line) {
        // A postmark is "From", blanks, a word, blanks, something.
        if (may_start) {
            auto at = [&](size_t i) { return i < m_chp.size() ? m_chp[i] : '\0'; };
            size_t p = k_from_.size();
            while (at(p) == ' ' || at(p) == '\t') ++p;
            size_t k = p;
            while (at(k) != ' ' && at(k) != '\t' && at(k) != '\n' && at(k) != '\0') ++k;
            size_t q = k;
            while (at(q) == ' ' || at(q) == '\t') ++q;
            if (k > p && at(q) != '\n') accumulate = true;
            m_chp = p < m_chp.size() ? m_chp.substr(p) : std::string();
        }
        if (!accumulate && m_o.escape) lput(m_o.prefix);
    }
    if (!accumulate) return false;
    // Enough known fields must follow; those read stay in m_rd either way.
    int i = m_o.min_fields;
    while (--i && readhead() && digheadr()) {
    }
    return i == 0;
}

void Engine::setup_fileno() {
    for (const std::string& e : m_ctx.environment) m_env.push_back(e);
    for (size_t i = 0; i < m_env.size(); ++i)
        if (starts_with(m_env[i], "FILENO=")) m_fileno_slot = i;  // the last one
    if (!m_fileno_slot) {
        m_env.emplace_back("FILENO=000");
        m_fileno_slot = m_env.size() - 1;
    }
    std::string value = m_env[*m_fileno_slot].substr(7);
    m_fileno_width = static_cast<int>(std::min(value.size(), k_max_fileno_width));
    char* end = nullptr;
    m_fileno = std::strtol(value.c_str(), &end, 10);
    if (m_fileno < 0) --m_fileno_width;
    if (*end != '\0') m_fileno_width = -1;  // not a number: FILENO is left alone
}

void Engine::startprog() {
    if (m_o.skip > 0) {  // +skip: this one goes nowhere
        --m_o.skip;
        m_sink = Sink::discard();
        return;
    }
    if (m_o.total > 0) --m_o.total;
    if (m_o.program.empty() || !m_ctx.programs) {
        m_sink = stdout_sink();
        return;
    }
    if (m_fileno_width >= 0) {
        long v = m_fileno++;
        unsigned long mag = v < 0 ? 0UL - static_cast<unsigned long>(v) : static_cast<unsigned long>(v);
        std::string digits = std::to_string(mag);
        int width = m_fileno_width - (v < 0 ? 1 : 0);
        if (static_cast<int>(digits.size()) < width) digits.insert(0, static_cast<size_t>(width) - digits.size(), '0');
        m_env[*m_fileno_slot] = std::string("FILENO=") + (v < 0 ? "-" : "") + digits;
    }
    if (m_o.nowait && m_o.child_limit > 0) {
        int status;
        while (m_ctx.programs->running() >= static_cast<size_t>(m_o.child_limit) && m_ctx.programs->wait_oldest(status))
            if (status != 0) m_retval = status;
    }
    int fd = m_ctx.programs->start(m_o.program, m_env);
    if (fd < 0) {
        log("formail: Can't fork\n");
        m_sink = Sink::discard();
        m_retval = EX_OSERR;
        return;
    }
    m_sink = Sink::to_fd(fd, true);
}

int Engine::finish() {
    m_sink.close();
    if (m_o.split && m_ctx.programs) {
        int status;
        while (m_ctx.programs->wait_oldest(status))
            if (m_retval == 0 && status != 0) m_retval = status;
    }
    if (m_retval < 0) m_retval = EX_UNAVAILABLE;
    return m_retval != 0 ? m_retval : m_split_error ? EX_IOERR : EXIT_SUCCESS;
}

int Engine::run() {
    if (m_o.babyl) {  // the BABYL file header, up to "\037\f\n", and one more line
        bool eof = false;
        auto skip_line = [&] {
            int c;
            while ((c = m_in.get()) != '\n')
                if (c == k_eof) return void(eof = true);  // formail loops for ever here
        };
        for (;;) {
            int c = m_in.get();
            if (c == '\037' && (c = m_in.get()) == '\f' && (c = m_in.get()) == '\n') break;
            if (c == k_eof) {
                eof = true;
                break;
            }
            skip_line();
            if (eof) break;
        }
        if (!eof) skip_line();
    }
    while ((m_last = m_in.get()) == '\n') {  // leading empty lines
    }
    if (m_o.split) {
        if (m_last == k_eof) return EXIT_SUCCESS;  // nothing to split
        setup_fileno();
        if (m_o.total == 0) {  // formail closes its stdout twice here
            if (!m_o.quiet) log("formail: Couldn't write to stdout\n");
            return EX_IOERR;
        }
        startprog();
        if (m_o.min_fields == 0) m_o.min_fields = k_default_min_fields;
    } else {
        if (m_o.skip > 0 || m_o.total >= 0 || m_o.every || m_o.digest || m_o.min_fields || m_o.nowait) {
            log(k_usage);
            return EX_USAGE;
        }
        m_sink = stdout_sink();
    }
    bool extracting = !m_o.extract.empty() || !m_o.extract_keep.empty();
    if ((extracting && m_o.log_folder) || (m_o.keep_body && !(m_o.reply || extracting))) {
        log(k_usage);
        m_sink = Sink::discard();
        return EX_USAGE;
    }
    if (m_o.resent && !m_o.trust_header) {  // -a Resent- only modifies -r -t
        log(std::string("formail: Invalid field-name: \"Resent-\"\n") + k_usage);
        m_sink = Sink::discard();
        return EX_USAGE;
    }
    if (m_o.reply) {  // X-Loop: always survives a reply
        Pattern loop;
        loop.field = make_field("X-Loop:");
        m_o.rename_insert.push_back(std::move(loop));
    }

    bool first = true;
    for (;;) {  // one message per round
        if (first && !readhead()) {
            if (m_o.digest && artheadr())
                while (readhead()) {
                }
        } else {
            while (readhead()) {
            }
        }
        first = false;
        Step step = process_header();
        if (step == Step::done) return finish();
        if (step == Step::only_head) return closemine() ? finish() : EX_IOERR;
        bool lnl = true;  // the last line was empty
        if (m_buf.size() == 1) m_buf.clear();  // the header's empty line, already written
        if (m_o.babyl) {  // the BABYL pseudo header, up to an empty line
            int c, lc = 0;
            while ((c = m_in.get()) != k_eof && (c != '\n' || lc != '\n')) lc = c;
            m_last = c;
            m_babyl_start = false;
        }
        if (m_ctlength > 0) copy_content_length(lnl);
        bool next_message = false;
        while (!m_buf.empty() || !lnl || m_last != k_eof) {
            if (m_buf.empty()) readhead();
            if ((!m_o.babyl || m_babyl_start) && at_message_start(lnl)) {
                if (!lnl) lput('\n');
                logfolder();
                bool ok = m_sink.close();
                m_sink = Sink::discard();
                if (!ok) {
                    m_split_error = true;
                    if (!m_o.quiet) log("formail: Couldn't write to stdout, continuing...\n");
                }
                if (!m_o.nowait && !m_o.program.empty() && m_ctx.programs) {
                    int status = m_ctx.programs->wait_last();
                    if (status != 0 && m_retval == 0) m_retval = status;
                }
                if (m_o.total == 0) return finish();
                startprog();
                next_message = true;
                break;
            }
            lnl = m_buf.size() == 1;
            if (m_o.babyl && !m_buf.empty() && m_buf[0] == '\037') {  // the end of a BABYL message
                m_babyl_start = true;
                if (!closemine()) return EX_IOERR;
            }
            if (m_o.reply && m_o.escape) {  // -rk: quote the body
                if (!m_rd.empty()) {
                    for (const Field& f : m_rd) {
                        std::string_view t = f.text;
                        while (!t.empty()) {
                            size_t nl = t.find('\n');
                            size_t n = nl == std::string_view::npos ? t.size() : nl + 1;
                            lput(m_o.prefix);
                            lput(t.substr(0, n));
                            t.remove_prefix(n);
                        }
                    }
                    m_rd.clear();
                    m_chp.clear();
                    continue;
                }
                if (m_buf.size() > 1) lput(m_o.prefix);  // empty lines stay empty
            } else if (!m_rd.empty()) {
                for (const Field& f : m_rd) lput(f.text);
                m_rd.clear();
                continue;
            }
            lput(m_buf);
            m_buf.clear();
        }
        if (next_message) continue;
        logfolder();
        return closemine() ? finish() : EX_IOERR;
    }
}

}  // namespace

int FdInput::get() {
    if (m_pos == m_len) {
        if (m_eof) return k_eof;
        ssize_t n;
        do {
            n = ::read(m_fd, m_buf, sizeof m_buf);
        } while (n < 0 && errno == EINTR);
        if (n <= 0) {
            m_eof = true;
            return k_eof;
        }
        m_pos = 0;
        m_len = static_cast<size_t>(n);
    }
    return static_cast<unsigned char>(m_buf[m_pos++]);
}

Sink Sink::to_fd(int fd, bool owned) {
    Sink s;
    s.m_fd = fd;
    s.m_owned = owned;
    s.m_open = true;
    return s;
}

Sink Sink::to_string(std::string* out) {
    Sink s;
    s.m_out = out;
    s.m_open = true;
    return s;
}

Sink Sink::discard() {
    Sink s;
    s.m_open = true;
    return s;
}

Sink::Sink(Sink&& o) noexcept
    : m_fd(o.m_fd), m_owned(o.m_owned), m_out(o.m_out), m_buf(std::move(o.m_buf)), m_error(o.m_error),
      m_open(o.m_open) {
    o.m_open = false;
    o.m_owned = false;
}

Sink& Sink::operator=(Sink&& o) noexcept {
    if (this != &o) {
        close();
        m_fd = o.m_fd;
        m_owned = o.m_owned;
        m_out = o.m_out;
        m_buf = std::move(o.m_buf);
        m_error = o.m_error;
        m_open = o.m_open;
        o.m_open = false;
        o.m_owned = false;
    }
    return *this;
}

Sink::~Sink() { close(); }

void Sink::put(char c) {
    if (!m_open) return;
    m_buf += c;
    if (m_buf.size() >= 65536) flush();
}

void Sink::put(std::string_view s) {
    if (!m_open) return;
    m_buf.append(s);
    if (m_buf.size() >= 65536) flush();
}

void Sink::flush() {
    if (m_out)
        m_out->append(m_buf);
    else if (m_fd >= 0 && !m_error && !m_buf.empty() && !mail::proc::write_all(m_fd, m_buf))
        m_error = true;
    m_buf.clear();
}

bool Sink::close() {
    if (!m_open) return !m_error;
    flush();
    if (m_owned && m_fd >= 0 && ::close(m_fd) != 0) m_error = true;
    m_open = false;
    m_owned = false;
    return !m_error;
}

int run(Options& options, Input& in, Context& ctx) {
    Engine engine(options, in, ctx);
    return engine.run();
}

}  // namespace mail::filters::formail
