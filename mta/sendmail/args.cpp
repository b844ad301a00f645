// args.cpp — see args.h.
#include "mta/sendmail/args.h"

#include "libmail/config/config.h"
#include "libmail/util/strings.h"

#include <fmt/format.h>

namespace mail::sendmail {

namespace {

Error usage(std::string what) { return make_error(EX_USAGE, std::move(what)); }

std::string basename_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status set_mode(Invocation& inv, std::string_view arg) {
    static const std::pair<std::string_view, Mode> modes[] = {
        {"m", Mode::Deliver},       {"s", Mode::Smtp},        {"d", Mode::Daemon},
        {"D", Mode::DaemonForeground}, {"p", Mode::PrintQueue}, {"i", Mode::InitAliases},
        {"v", Mode::Verify},        {"t", Mode::AddressTest}, {"h", Mode::HostStatus},
        {"H", Mode::PurgeHostStatus}, {"C", Mode::CheckConfig},
    };
    for (auto [name, mode] : modes) {
        if (arg == name) {
            inv.mode = mode;
            return {};
        }
    }
    return usage(fmt::format("Invalid operation mode {}", arg));
}

// -q, -q30m, -qI<id>, -qR<rcpt>, -qS<sender>, -qf, -qp (persistent = -q with interval 0s? accepted as -q).
Status set_queue(Invocation& inv, std::string_view arg) {
    inv.queue_run = true;
    if (arg.empty() || arg == "f" || arg == "p") return {};
    char kind = arg[0];
    if (kind == 'I' || kind == 'R' || kind == 'S') {
        std::string value(arg.substr(1));
        if (value.empty()) return usage(fmt::format("-q{} needs a substring", kind));
        auto& list = kind == 'I' ? inv.filter.ids : kind == 'R' ? inv.filter.recipients : inv.filter.senders;
        list.push_back(value);
        return {};
    }
    if (kind == '!') return usage("negated queue filters (-q!…) are not supported");
    auto d = config::parse_duration(arg, 'm');
    if (!d) return usage(fmt::format("Invalid queue interval \"{}\"", arg));
    inv.queue_interval = *d;
    return {};
}

Status set_notify(Invocation& inv, std::string_view arg) {
    std::string up;
    for (const auto& w : split(arg, ",")) {
        std::string u = to_lower(trim(w));
        if (u != "never" && u != "success" && u != "failure" && u != "delay")
            return usage(fmt::format("Invalid -N argument \"{}\"", arg));
        if (!up.empty()) up += ",";
        for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        up += u;
    }
    if (up.find("NEVER") != std::string::npos && up != "NEVER") return usage("-N never cannot be combined");
    inv.notify = up;
    return {};
}

}  // namespace

std::string usage_text() {
    return "usage: sendmail [-t] [-i] [-f sender] [-F name] [-v] [-bm|-bp|-bi|-bv|-bd|-bD|-bC] [-q[time]]\n"
           "                [-C file] [-O option=value] [-oX value] [-N dsn] [-R ret] [-V envid] [-B type]\n"
           "                [-X file] [-XV[xy]] [--] [recipient ...]";
}

Result<Invocation> parse_args(const std::vector<std::string>& argv) {
    Invocation inv;
    if (!argv.empty()) {
        std::string name = basename_of(argv[0]);
        if (name == "mailq") inv.mode = Mode::PrintQueue;
        if (name == "newaliases") inv.mode = Mode::InitAliases;
        if (name == "hoststat") inv.mode = Mode::HostStatus;
        if (name == "purgestat") inv.mode = Mode::PurgeHostStatus;
    }
    // Letters that take an argument (attached or the next word), and those
    // whose argument must be attached (it is optional).
    constexpr std::string_view with_arg = "ABbCFfhLNOoRrVX";
    constexpr std::string_view optional_attached = "qd";
    constexpr std::string_view ignored_flags = "GnUmsIc";  // -s (old: save From lines) and -c are ignored too
    size_t i = 1;
    for (; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a.size() < 2 || a[0] != '-') break;  // first recipient
        for (size_t j = 1; j < a.size(); ++j) {
            char c = a[j];
            std::string rest = a.substr(j + 1);
            if (optional_attached.find(c) != std::string_view::npos) {
                if (c == 'q') {
                    if (Status s = set_queue(inv, rest); !s) return s.error();
                } else {
                    inv.debug_version = true;  // -d0.1 and friends: print version
                }
                break;
            }
            if (with_arg.find(c) != std::string_view::npos) {
                std::string value = rest;
                if (value.empty()) {
                    if (i + 1 >= argv.size()) return usage(fmt::format("option requires an argument -- '{}'", c));
                    value = argv[++i];
                }
                switch (c) {
                case 'b':
                    if (Status s = set_mode(inv, value); !s) return s.error();
                    break;
                case 'B': {
                    std::string up = to_lower(value);
                    if (up != "7bit" && up != "8bitmime") return usage(fmt::format("Invalid -B argument \"{}\"", value));
                    inv.bodytype = up == "7bit" ? "7BIT" : "8BITMIME";
                    break;
                }
                case 'C': inv.config_file = value; break;
                case 'F': inv.full_name = value; break;
                case 'f':
                case 'r': inv.sender = value; break;
                case 'N':
                    if (Status s = set_notify(inv, value); !s) return s.error();
                    break;
                case 'O': inv.cf_options.push_back(value); break;
                case 'o':
                    // -oi is the classic spelling of -i; keep it in the list too.
                    if (value == "i") inv.ignore_dots = true;
                    inv.letter_options.emplace_back(value[0], value.substr(1));
                    break;
                case 'R': {
                    std::string l = to_lower(value);
                    if (l != "full" && l != "hdrs") return usage(fmt::format("Invalid -R argument \"{}\"", value));
                    inv.ret = l == "full" ? "FULL" : "HDRS";
                    break;
                }
                case 'V': inv.envid = value; break;
                case 'X':
                    if (value[0] == 'V' && value.size() <= 3) {
                        std::string delims = value.size() == 1 ? std::string(queue::k_verp_default) : value.substr(1);
                        if (!queue::verp_delimiters_ok(delims))
                            return usage(fmt::format(
                                "-XV: VERP delimiters must be two characters, each one of \"-=+\" (got \"{}\")",
                                delims));
                        inv.verp = delims;
                    } else {
                        inv.transcript_file = value;
                    }
                    break;
                case 'A':
                    if (value != "c" && value != "m") return usage(fmt::format("Invalid -A argument \"{}\"", value));
                    break;
                case 'h':
                case 'L': break;  // hop count, syslog label: accepted, ignored
                }
                break;  // the argument consumed the rest of this word
            }
            switch (c) {
            case 't': inv.read_recipients = true; break;
            case 'i': inv.ignore_dots = true; break;
            case 'v': inv.verbose = true; break;
            default:
                if (ignored_flags.find(c) != std::string_view::npos) {
                    if (c == 'I') inv.mode = Mode::InitAliases;
                    break;
                }
                return usage(fmt::format("invalid option -- '{}'", c));
            }
        }
    }
    for (; i < argv.size(); ++i) inv.recipients.push_back(argv[i]);
    if (inv.queue_run && inv.mode == Mode::Deliver) inv.mode = Mode::QueueRun;
    if (inv.debug_version && inv.mode == Mode::Deliver && inv.recipients.empty() && !inv.read_recipients)
        inv.mode = Mode::Version;
    if (inv.verp) {
        // VERP rewrites the envelope sender of a message submitted here; in
        // any other mode, or with the null sender, there is nothing to rewrite.
        if (inv.mode != Mode::Deliver) return usage("-XV applies only to a message submitted on the command line (-bm)");
        if (inv.sender) {
            std::string f(trim(*inv.sender));
            if (f.size() >= 2 && f.front() == '<' && f.back() == '>') f = std::string(trim(f.substr(1, f.size() - 2)));
            if (f.empty() || f == "MAILER-DAEMON")
                return usage("-XV needs an envelope sender to rewrite; the null sender <> has none");
        }
    }
    return inv;
}

}  // namespace mail::sendmail
