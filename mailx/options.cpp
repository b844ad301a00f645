// options.cpp — see options.h.  Hand-parsed, getopt style: flags may be
// grouped (-inN), an option's argument may be attached (-sHello) or follow.
#include "mailx/options.h"

#include "mailx/aliases.h"
#include "mailx/vars.h"

#include <fmt/format.h>

namespace mailx {

std::string usage_text() {
    return "usage: mail [-EIinv] [-s subject] [-c cc-addr] [-b bcc-addr] [-a file] [-r from-addr] to-addr ...\n"
           "       mail [-HiNn] [-F] [-u user]\n"
           "       mail -f [-HiNn] [file]\n"
           "       mail -e\n";
}

mail::Result<Options> parse_options(const std::vector<std::string>& args) {
    Options o;
    std::size_t i = 0;
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a.size() < 2 || a[0] != '-') break;
        for (std::size_t j = 1; j < a.size(); ++j) {
            char c = a[j];
            auto value = [&]() -> std::optional<std::string> {
                if (j + 1 < a.size()) {
                    std::string v = a.substr(j + 1);
                    j = a.size();
                    return v;
                }
                if (i + 1 < args.size()) {
                    j = a.size();
                    return args[++i];
                }
                return std::nullopt;
            };
            switch (c) {
            case 'e': o.check_only = true; break;
            case 'H': o.headers_only = true; break;
            case 'N': o.no_summary = true; break;
            case 'n': o.no_system_rc = true; break;
            case 'i': o.ignore_interrupts = true; break;
            case 'F': o.record_by_author = true; break;
            case 'E': o.discard_empty = true; break;
            case 'I': o.interactive = true; break;
            case '~': o.tilde_escapes = true; break;
            case 'v': o.verbose = true; break;
            case 'd': o.debug = true; break;
            case 'f': o.file_mode = true; break;
            case 's': case 'c': case 'b': case 'a': case 'r': case 'u': case 'S': {
                auto v = value();
                if (!v) return mail::make_error(EX_USAGE, fmt::format("option requires an argument -- '{}'", c));
                if (c == 's') o.subject = *v;
                else if (c == 'c') for (auto& r : split_recipients(*v)) o.cc.push_back(r);
                else if (c == 'b') for (auto& r : split_recipients(*v)) o.bcc.push_back(r);
                else if (c == 'a') o.attachments.push_back(*v);
                else if (c == 'r') o.from = *v;
                else if (c == 'u') o.user = *v;
                else {
                    auto eq = v->find('=');
                    if (eq == std::string::npos && !negated_name(*v).empty()) o.set_vars.emplace_back(negated_name(*v), "\x01");
                    else if (eq == std::string::npos) o.set_vars.emplace_back(*v, "");
                    else o.set_vars.emplace_back(v->substr(0, eq), v->substr(eq + 1));
                }
                break;
            }
            default:
                return mail::make_error(EX_USAGE, fmt::format("invalid option -- '{}'", c));
            }
        }
    }
    std::vector<std::string> operands(args.begin() + static_cast<long>(i), args.end());
    if (o.file_mode) {
        if (operands.size() > 1) return mail::make_error(EX_USAGE, "-f takes at most one file");
        if (!operands.empty()) o.file = operands[0];
    } else {
        for (auto& op : operands)
            for (auto& r : split_recipients(op)) o.recipients.push_back(r);
    }
    bool send_opts = o.subject || !o.cc.empty() || !o.bcc.empty() || !o.from.empty() || !o.attachments.empty();
    if (o.recipients.empty() && send_opts)
        return mail::make_error(EX_USAGE, "You must specify to-addr recipients when using -s, -c, -b, -a or -r");
    if (!o.recipients.empty() && (o.check_only || o.headers_only || !o.user.empty()))
        return mail::make_error(EX_USAGE, "receive-mode options (-e, -H, -u) cannot be used with recipients");
    if (o.file_mode && !o.user.empty()) return mail::make_error(EX_USAGE, "-f and -u cannot be used together");
    return o;
}

}  // namespace mailx
