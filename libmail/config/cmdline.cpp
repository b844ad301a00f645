// cmdline.cpp — sendmail's -oX and -O Name=value command-line options.
//
// The one-letter names are sendmail's (op.txt "Option letters"); the letters
// MUAs and scripts actually pass (reference/mta.md §1.10: -oi, -oem, -odb,
// -odi, -odq) are all here.  A classic letter mailroom does not implement is
// an error naming it rather than a silent no-op (style.md §14).
#include "libmail/config/config.h"

#include "libmail/config/values.h"
#include "libmail/util/strings.h"

#include <fmt/format.h>

namespace mail::config {

namespace {

struct Letter {
    char letter;
    std::string_view sendmail_name;  // the long name sendmail gives it
    std::string_view option;         // our row; "" = not supported
};

// clang-format off
constexpr Letter k_letters[] = {
    {'A', "AliasFile", "ALIAS_FILE"},
    {'a', "AliasWait", ""},
    {'B', "BlankSub", ""},
    {'b', "MinFreeBlocks", "confMIN_FREE_BLOCKS"},  // b<blocks>[/<max message size>]
    {'C', "CheckpointInterval", ""},
    {'c', "HoldExpensive", ""},
    {'D', "AutoRebuildAliases", ""},
    {'d', "DeliveryMode", "confDELIVERY_MODE"},
    {'E', "ErrorHeader", ""},
    {'e', "ErrorMode", "confERROR_MODE"},
    {'F', "TempFileMode", ""},
    {'f', "SaveFromLine", ""},
    {'G', "MatchGECOS", ""},
    {'H', "HelpFile", ""},
    {'h', "MaxHopCount", "confMAX_HOP"},
    {'I', "ResolverOptions", ""},
    {'i', "IgnoreDots", "confIGNORE_DOTS"},
    {'J', "ForwardPath", "confFORWARD_PATH"},
    {'j', "SendMimeErrors", ""},
    {'K', "ConnectionCacheTimeout", ""},
    {'k', "ConnectionCacheSize", ""},
    {'L', "LogLevel", "confLOG_LEVEL"},
    {'l', "UseErrorsTo", ""},
    {'M', "(macro definition)", ""},
    {'m', "MeToo", "confME_TOO"},
    {'n', "CheckAliases", ""},
    {'O', "DaemonPortOptions", ""},
    {'o', "OldStyleHeaders", ""},
    {'P', "PostmasterCopy", ""},
    {'p', "PrivacyOptions", "confPRIVACY_FLAGS"},
    {'Q', "QueueDirectory", "QUEUE_DIR"},
    {'q', "QueueFactor", ""},
    {'R', "DontPruneRoutes", ""},
    {'r', "Timeout", ""},
    {'S', "StatusFile", ""},
    {'s', "SuperSafe", ""},
    {'T', "Timeout.queuereturn", "confTO_QUEUERETURN"},  // T<return>[/<warn>]
    {'t', "TimeZoneSpec", ""},
    {'U', "UserDatabaseSpec", ""},
    {'u', "DefaultUser", "confDEF_USER_ID"},
    {'V', "FallbackMXhost", ""},
    {'v', "Verbose", "Verbose"},
    {'w', "TryNullMXList", ""},
    {'X', "RefuseLA", ""},
    {'x', "QueueLA", ""},
    {'Y', "ForkEachJob", ""},
    {'y', "RecipientFactor", ""},
    {'Z', "RetryFactor", ""},
    {'z', "ClassFactor", ""},
    {'7', "SevenBitInput", ""},
    {'8', "EightBitMode", ""},
};
// clang-format on

Error usage(std::string text) { return make_error(EX_USAGE, std::move(text)); }

// Sets one option from the command line; errors are EX_USAGE and say how the
// user wrote the option (`label').
Status set_from_cmdline(Config& cfg, const OptionDef& def, std::string_view value, std::string_view label) {
    if (value.empty() && def.type == Type::Bool) value = "true";  // sendmail: a bare boolean is true
    if (trim(value).empty() && def.type != Type::String && def.type != Type::List)
        return usage(fmt::format("{}: needs a value", label));
    auto v = detail::check_value(def, value, label);
    if (!v) return usage(v.error().message);
    return cfg.set(def.name, *v);
}

}  // namespace

Status apply_option_letter(Config& cfg, char letter, std::string_view value) {
    const Letter* l = nullptr;
    for (const Letter& x : k_letters)
        if (x.letter == letter) l = &x;
    std::string label = fmt::format("-o{}", letter);
    if (!l) return usage(fmt::format("{}: unknown option letter", label));
    if (l->option.empty()) return usage(fmt::format("{} ({}): not supported by mailroom", label, l->sendmail_name));
    const OptionDef* def = find_option(l->option);
    if (!def) return usage(fmt::format("{}: internal error: no option {}", label, l->option));
    // Two letters carry two values separated by '/' (op.txt): b and T.
    if (letter == 'b' || letter == 'T') {
        auto slash = value.find('/');
        if (slash != std::string_view::npos) {
            const OptionDef* second = find_option(letter == 'b' ? "confMAX_MESSAGE_SIZE" : "confTO_QUEUEWARN");
            if (!second) return usage(fmt::format("{}: internal error", label));
            if (Status s = set_from_cmdline(cfg, *second, value.substr(slash + 1), label); !s) return s;
            value = value.substr(0, slash);
        }
    }
    return set_from_cmdline(cfg, *def, value, label);
}

Status apply_cf_option(Config& cfg, std::string_view name_value) {
    std::string_view nv = trim(name_value);
    auto eq = nv.find('=');
    std::string_view name = trim(nv.substr(0, eq));
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : trim(nv.substr(eq + 1));
    if (name.empty()) return usage(fmt::format("-O {}: missing option name", nv));
    const OptionDef* def = find_option(name);
    if (!def) return usage(fmt::format("-O {}: unknown option", name));
    return set_from_cmdline(cfg, *def, value, fmt::format("-O {}", name));
}

}  // namespace mail::config
