// vars.cpp — the variable table.  Defaults are POSIX's except the prompt
// ("& ", as every BSD mail and Debian's bsd-mailx) and `sendmail` (ours).
#include "mailx/vars.h"

#include <cstdlib>

namespace mailx {

namespace {

using K = VarKind;

const std::vector<VarInfo> k_vars = {
    {"allnet", K::Bool, "", false, "treat addresses with the same login name as the same person"},
    {"append", K::Bool, "", false, "append messages to MBOX instead of prepending them"},
    {"asksub", K::Bool, "", true, "prompt for a subject when none was given (also: ask)"},
    {"askbcc", K::Bool, "", false, "prompt for Bcc: after the message is typed"},
    {"askcc", K::Bool, "", false, "prompt for Cc: after the message is typed"},
    {"autoprint", K::Bool, "", false, "print the next message after delete and undelete"},
    {"bang", K::Bool, "", false, "'!' in shell commands means the previous command"},
    {"cmd", K::String, "", false, "default command for pipe"},
    {"crt", K::Number, "", false, "page messages longer than this many lines (empty: screen height)"},
    {"debug", K::Bool, "", false, "show what would be sent; send nothing"},
    {"dot", K::Bool, "", false, "a line with a single '.' ends a message"},
    {"escape", K::String, "~", true, "the tilde-escape character"},
    {"flipr", K::Bool, "", false, "swap the meanings of reply and Reply"},
    {"folder", K::String, "", false, "directory of folders (+name), relative to HOME"},
    {"from", K::String, "", false, "the From: address of outgoing mail (and sendmail -f)"},
    {"header", K::Bool, "", true, "print the header summary when a mailbox is opened"},
    {"hold", K::Bool, "", false, "keep read messages in the system mailbox"},
    {"ignore", K::Bool, "", false, "ignore interrupts while typing a message"},
    {"ignoreeof", K::Bool, "", false, "end of file does not end a message or the session"},
    {"indentprefix", K::String, "\t", true, "prefix of lines inserted with ~m"},
    {"keep", K::Bool, "", true, "truncate, never remove, an empty system mailbox"},
    {"keepsave", K::Bool, "", false, "saved messages also go to MBOX"},
    {"metoo", K::Bool, "", false, "keep yourself in alias expansions (sendmail -m)"},
    {"onehop", K::Bool, "", false, "accepted for POSIX; has no effect"},
    {"outfolder", K::Bool, "", false, "record files are under the folder directory"},
    {"page", K::Bool, "", false, "a form feed after each message given to pipe"},
    {"prompt", K::String, "& ", true, "the command prompt"},
    {"quiet", K::Bool, "", false, "do not print the banner"},
    {"quote", K::Bool, "", false, "replies start with the original message, indented"},
    {"record", K::String, "", false, "file that keeps a copy of every message sent"},
    {"save", K::Bool, "", true, "keep interrupted or undeliverable messages in DEAD"},
    {"screen", K::Number, "", false, "header summary lines per page"},
    {"sendmail", K::String, "", false, "the program that sends mail (default from the configuration)"},
    {"sendwait", K::Bool, "", true, "wait for the mail program to finish"},
    {"showto", K::Bool, "", false, "show the recipient of your own messages in summaries"},
    {"sign", K::String, "", false, "text inserted with ~a"},
    {"Sign", K::String, "", false, "text inserted with ~A"},
    {"toplines", K::Number, "5", true, "lines the top command prints"},
    {"verbose", K::Bool, "", false, "run the mail program with -v"},
    // From the environment (POSIX start-up step 3).
    {"DEAD", K::String, "", false, "file for interrupted messages (default ~/dead.letter)"},
    {"EDITOR", K::String, "ed", true, "editor for ~e and edit"},
    {"LISTER", K::String, "ls", true, "program that lists folders"},
    {"MBOX", K::String, "", false, "file for read messages (default ~/mbox)"},
    {"PAGER", K::String, "more", true, "program for long messages (crt)"},
    {"SHELL", K::String, "/bin/sh", true, "shell for ! and ~!"},
    {"VISUAL", K::String, "vi", true, "editor for ~v and visual"},
};

}  // namespace

const std::vector<VarInfo>& known_variables() { return k_vars; }

const VarInfo* find_variable(std::string_view name) {
    if (name == "ask") name = "asksub";
    for (const auto& v : k_vars)
        if (v.name == name) return &v;
    return nullptr;
}

std::string negated_name(std::string_view word) {
    if (word.size() > 2 && word.substr(0, 2) == "no" && find_variable(word.substr(2))) return std::string(word.substr(2));
    return "";
}

std::string Vars::canonical(std::string_view name) {
    return name == "ask" ? std::string("asksub") : std::string(name);
}

Vars Vars::with_defaults() {
    Vars v;
    for (const auto& info : k_vars)
        if (info.default_set) v.set(info.name, info.default_value);
    std::string home = std::getenv("HOME") ? std::getenv("HOME") : "";
    v.set("DEAD", home + "/dead.letter");
    v.set("MBOX", home + "/mbox");
    for (const char* name : {"DEAD", "EDITOR", "MBOX", "LISTER", "PAGER", "SHELL", "VISUAL"})
        if (const char* e = std::getenv(name); e && *e) v.set(name, e);
    return v;
}

void Vars::set(std::string_view name, std::string_view value) {
    m_values.insert_or_assign(canonical(name), std::string(value));
}

void Vars::unset(std::string_view name) {
    auto it = m_values.find(canonical(name));
    if (it != m_values.end()) m_values.erase(it);
}

bool Vars::is_set(std::string_view name) const { return m_values.find(canonical(name)) != m_values.end(); }

std::optional<std::string> Vars::get(std::string_view name) const {
    auto it = m_values.find(canonical(name));
    if (it == m_values.end()) return std::nullopt;
    return it->second;
}

std::string Vars::str(std::string_view name, std::string_view fallback) const {
    auto it = m_values.find(canonical(name));
    if (it == m_values.end() || it->second.empty()) return std::string(fallback);
    return it->second;
}

long Vars::number(std::string_view name, long fallback, long empty) const {
    auto it = m_values.find(canonical(name));
    if (it == m_values.end()) return fallback;
    if (it->second.empty()) return empty;
    char* end = nullptr;
    long n = std::strtol(it->second.c_str(), &end, 10);
    if (end == it->second.c_str() || n < 0) return fallback;
    return n;
}

std::vector<std::pair<std::string, std::string>> Vars::all() const {
    return {m_values.begin(), m_values.end()};
}

}  // namespace mailx
