// options.cpp — the option, FEATURE and macro tables (see options.h).  Add a
// row here and the reader, -O/-o, the -bC dump and the man-page check all
// learn about it.
//
// Defaults and cf names follow sendmail's cf/README "TWEAKING CONFIGURATION
// OPTIONS" and op.txt (reference/mta.md §2.3); where mailroom's default
// differs from sendmail's the doc says so.
#include "libmail/config/options.h"

#include "libmail/util/strings.h"

namespace mail::config {

namespace {

using T = Type;

constexpr std::string_view k_privacy_choices =
    "public needmailhelo needexpnhelo noexpn needvrfyhelo novrfy noetrn noverb restrictmailq "
    "restrictqrun restrictexpand noreceipts nobodyreturn goaway authwarnings noactualrecipient";

// clang-format off
constexpr OptionDef k_options[] = {
    // --- identity and greeting
    {"confDOMAIN_NAME", "", T::String, "", 0, 0, "official host name ($j); default: the host's fully qualified name"},
    {"confCW_FILE", "", T::Path, "/etc/mail/local-host-names", 0, 0, "file of other names for this host (class w), read with FEATURE(use_cw_file); `-o FILE' = optional"},
    {"confCT_FILE", "", T::Path, "/etc/mail/trusted-users", 0, 0, "file of trusted users (class t), read with FEATURE(use_ct_file); `-o FILE' = optional"},
    {"confSMTP_LOGIN_MSG", "SmtpGreetingMessage", T::String, "$j Sendmail $v/$Z; $b", 0, 0, "text of the SMTP 220 greeting"},
    {"confMAILER_NAME", "", T::String, "MAILER-DAEMON", 0, 0, "sender name of bounces"},
    {"confTRUSTED_USERS", "", T::List, "", 0, 0, "users who may set the envelope sender with -f without a warning header"},
    // --- privacy and logging
    {"confPRIVACY_FLAGS", "PrivacyOptions", T::List, "authwarnings,novrfy,noexpn", 0, 0, "SMTP privacy flags; mailroom's default adds novrfy,noexpn to sendmail's authwarnings", k_privacy_choices},
    {"confLOG_LEVEL", "LogLevel", T::Int, "9", 0, 99, "how much to log"},
    // --- limits
    {"confMAX_MESSAGE_SIZE", "MaxMessageSize", T::Size, "0", 0, 0, "largest message accepted, in bytes; 0 = no limit"},
    {"confMAX_RCPTS_PER_MESSAGE", "MaxRecipientsPerMessage", T::Int, "0", 0, 1000000, "most recipients per message; 0 = no limit"},
    {"confMAX_HOP", "MaxHopCount", T::Int, "25", 1, 1000, "Received: headers after which a message is treated as looping"},
    {"confMAX_ALIAS_RECURSION", "MaxAliasRecursion", T::Int, "10", 1, 100, "deepest alias expansion"},
    {"confMAX_HEADERS_LENGTH", "MaxHeadersLength", T::Size, "32768", 0, 0, "largest header section, in bytes; 0 = no limit"},
    {"confMAX_DAEMON_CHILDREN", "MaxDaemonChildren", T::Int, "0", 0, 100000, "most concurrent SMTP sessions; 0 = no limit"},
    {"confCONNECTION_RATE_THROTTLE", "ConnectionRateThrottle", T::Int, "0", 0, 100000, "connections accepted per second; 0 = no limit"},
    {"confMIN_FREE_BLOCKS", "MinFreeBlocks", T::Int, "100", 0, 1000000000, "refuse mail when fewer disk blocks are free"},
    // --- submission (sendmail command line)
    {"confDELIVERY_MODE", "DeliveryMode", T::String, "background", 0, 0, "interactive, background, queueonly or deferred (-odi, -odb, -odq, -odd)", "interactive background queueonly deferred"},
    {"confERROR_MODE", "ErrorMode", T::String, "print", 0, 0, "how command-line submission reports errors: print, quiet, mail, write, or exitzero (mail back and exit 0) (-oep, -oeq, -oem, -oew, -oee)", "print quiet mail write exitzero"},
    {"confIGNORE_DOTS", "IgnoreDots", T::Bool, "false", 0, 0, "a line with a lone dot does not end a message read from standard input (-i, -oi)"},
    {"confME_TOO", "MeToo", T::Bool, "true", 0, 0, "keep the sender in the expansion of an alias or list it is on (-om)"},
    {"Verbose", "Verbose", T::Bool, "false", 0, 0, "report each delivery on standard output (-v, -ov)"},
    // --- delivery and queue
    {"confTO_QUEUEWARN", "Timeout.queuewarn", T::Duration, "4h", 0, 0, "age at which the sender gets a delay notice; bare number = hours", "", 'h'},
    {"confTO_QUEUERETURN", "Timeout.queuereturn", T::Duration, "5d", 0, 0, "age at which an undeliverable message is returned; bare number = days", "", 'd'},
    {"confTO_INITIAL", "Timeout.initial", T::Duration, "5m", 0, 0, "wait for the SMTP greeting", "", 'm'},
    {"confTO_CONNECT", "Timeout.connect", T::Duration, "0s", 0, 0, "wait for a TCP connection; 0 = the system's limit", "", 'm'},
    {"confTO_ICONNECT", "Timeout.iconnect", T::Duration, "0s", 0, 0, "wait for the first TCP connection to a host; 0 = Timeout.connect", "", 'm'},
    {"confTO_HELO", "Timeout.helo", T::Duration, "5m", 0, 0, "wait for the reply to HELO or EHLO", "", 'm'},
    {"confTO_MAIL", "Timeout.mail", T::Duration, "10m", 0, 0, "wait for the reply to MAIL", "", 'm'},
    {"confTO_RCPT", "Timeout.rcpt", T::Duration, "1h", 0, 0, "wait for the reply to RCPT", "", 'm'},
    {"confTO_DATAINIT", "Timeout.datainit", T::Duration, "5m", 0, 0, "wait for the reply to DATA", "", 'm'},
    {"confTO_DATABLOCK", "Timeout.datablock", T::Duration, "1h", 0, 0, "wait for each block of DATA", "", 'm'},
    {"confTO_DATAFINAL", "Timeout.datafinal", T::Duration, "1h", 0, 0, "wait for the reply to the final dot", "", 'm'},
    {"confTO_RSET", "Timeout.rset", T::Duration, "5m", 0, 0, "wait for the reply to RSET", "", 'm'},
    {"confTO_QUIT", "Timeout.quit", T::Duration, "2m", 0, 0, "wait for the reply to QUIT", "", 'm'},
    {"confTO_MISC", "Timeout.misc", T::Duration, "2m", 0, 0, "wait for the reply to NOOP and VERB", "", 'm'},
    {"confTO_COMMAND", "Timeout.command", T::Duration, "1h", 0, 0, "wait for the next SMTP command (server side)", "", 'm'},
    {"confTO_IDENT", "Timeout.ident", T::Duration, "0s", 0, 0, "ident (RFC 1413) timeout; mailroom never sends ident queries, so only 0 is meaningful", "", 'm'},
    {"confMIN_QUEUE_AGE", "MinQueueAge", T::Duration, "0s", 0, 0, "shortest time between two attempts of one message", "", 'm'},
    {"confDOUBLE_BOUNCE_ADDRESS", "DoubleBounceAddress", T::String, "postmaster", 0, 0, "where a bounce that cannot be returned goes"},
    {"confFORWARD_PATH", "ForwardPath", T::String, "$z/.forward", 0, 0, "colon-separated list of .forward files ($z = home, $w = host)"},
    {"confRUN_AS_USER", "RunAsUser", T::String, "mail", 0, 0, "who the SMTP daemon's sessions run as after binding its ports, when started as root (user, or uid:gid); an instance uses it only if its sendmail.mc sets it"},
    {"confDEF_USER_ID", "DefaultUser", T::String, "daemon", 0, 0, "identity for files and programs named by root-owned aliases (user, or uid:gid)"},
    {"QUEUE_DIR", "QueueDirectory", T::Path, "/var/spool/mqueue", 0, 0, "the queue directory (holds the queue database)"},
    {"ALIAS_FILE", "AliasFile", T::List, "/etc/aliases", 0, 0, "aliases file(s); each is compiled to FILE.db by newaliases"},
    // --- mailers
    {"SMART_HOST", "", T::String, "", 0, 0, "relay all non-local mail through this [mailer:]host; [host] means no MX lookup"},
    {"RELAY_MAILER", "", T::String, "relay", 0, 0, "mailer used to reach SMART_HOST"},
    {"RELAY_MAILER_ARGS", "", T::String, "TCP $h", 0, 0, "relay mailer arguments; `TCP $h 587' picks the port"},
    {"SMTP_MAILER_ARGS", "", T::String, "TCP $h", 0, 0, "smtp mailer arguments; `TCP $h PORT' picks the port"},
    {"ESMTP_MAILER_ARGS", "", T::String, "TCP $h", 0, 0, "esmtp mailer arguments; `TCP $h PORT' picks the port"},
    {"LOCAL_MAILER_PATH", "", T::Path, "/usr/sbin/mail.local", 0, 0, "the local delivery agent"},
    {"LOCAL_MAILER_ARGS", "", T::String, "mail.local -l", 0, 0, "its arguments; -l makes it speak LMTP over one long-lived pipe"},
    {"LOCAL_MAILER_FLAGS", "", T::String, "Prmn9", 0, 0, "extra flags of the local mailer (sendmail's default Prmn9)"},
    // --- TLS and AUTH
    {"confAUTH_MECHANISMS", "AuthMechanisms", T::List, "EXTERNAL GSSAPI KERBEROS_V4 DIGEST-MD5 CRAM-MD5", 0, 0, "SASL mechanisms offered (intersected with Cyrus SASL's)"},
    {"confAUTH_OPTIONS", "AuthOptions", T::List, "", 0, 0, "AUTH option letters: A (AUTH= only when authenticated), a (fresh authentication), c, d, f, m, p (no plaintext mechanisms without TLS), u, y (no anonymous)", "A a c d f m p u y"},
    {"confSERVER_CERT", "ServerCertFile", T::Path, "", 0, 0, "server certificate (PEM)"},
    {"confSERVER_KEY", "ServerKeyFile", T::Path, "", 0, 0, "server private key (PEM)"},
    {"confCACERT", "CACertFile", T::Path, "", 0, 0, "CA certificates (PEM)"},
    {"confCACERT_PATH", "CACertPath", T::Path, "", 0, 0, "directory of hashed CA certificates"},
    {"confCLIENT_CERT", "ClientCertFile", T::Path, "", 0, 0, "client certificate for outbound STARTTLS"},
    {"confCLIENT_KEY", "ClientKeyFile", T::Path, "", 0, 0, "client key for outbound STARTTLS"},
    // --- mailroom's own
    {"MAILROOM_INSTANCE", "", T::Path, "", 0, 0, "instance directory; set means instance mode (one owner, users file)"},
    {"MAILROOM_USERS_FILE", "", T::Path, "", 0, 0, "instance users file (passwd format) instead of the password database"},
    {"MAILROOM_SPOOL_DIR", "", T::Path, "/var/mail", 0, 0, "directory of users' mailboxes"},
    {"MAILROOM_MAILRC", "", T::Path, "/etc/mail.rc", 0, 0, "mailx's system start-up file"},
    {"MAILROOM_PROCMAIL_PATH", "", T::Path, "/usr/bin/procmail", 0, 0, "the procmail mail.local hands a message to when the recipient has a ~/.procmailrc"},
    {"MAILROOM_SENDMAIL_PATH", "", T::Path, "/usr/sbin/sendmail", 0, 0, "the sendmail that user agents (mailx, procmail, listman) run"},
    {"MAILROOM_MAILBOX_FORMAT", "", T::String, "mbox", 0, 0, "format of new mailboxes in the spool", "mbox maildir"},
    {"MAILROOM_LOG_FILE", "", T::Path, "", 0, 0, "log file written besides syslog; empty = syslog only"},
    {"MAILROOM_SYSLOG", "", T::Bool, "true", 0, 0, "also log to syslog (facility mail)"},
    {"MAILROOM_LISTS_DIR", "", T::Path, "/var/lib/mailroom/lists", 0, 0, "listman's data directory"},
    {"MAILROOM_RETRY_MIN", "", T::Duration, "5m", 0, 0, "first retry delay of a deferred recipient; doubles each attempt"},
    {"MAILROOM_RETRY_MAX", "", T::Duration, "1h", 0, 0, "longest retry delay"},
    {"MAILROOM_LOCK_TIMEOUT", "", T::Duration, "5m", 0, 0, "age after which a mailbox dotlock is stale and removed"},
    {"MAILROOM_RESOLVER", "", T::List, "", 0, 0, "DNS servers asked for MX, A, AAAA and TXT records, `ip[:port]' or `[ipv6]:port' words; empty = the nameservers of /etc/resolv.conf"},
};

constexpr NameDoc k_features[] = {
    {"use_cw_file", "read confCW_FILE into class w (the names of this host)"},
    {"use_ct_file", "read confCT_FILE into class t (trusted users)"},
    {"access_db", "the access map (connect, from, to checks); argument: map spec"},
    {"mailertable", "per-domain mailer and host; argument: map spec"},
    {"virtusertable", "virtual users; argument: map spec"},
    {"genericstable", "outbound address rewriting; argument: map spec"},
    {"domaintable", "domain renames; argument: map spec"},
    {"authinfo", "client AUTH secrets (AuthInfo: entries); argument: map spec"},
    {"masquerade_envelope", "masquerade the envelope sender too, not only headers"},
    {"masquerade_entire_domain", "masquerade subdomains of MASQUERADE_DOMAIN too"},
    {"allmasquerade", "masquerade recipient headers too"},
    {"relay_entire_domain", "relay for every host in class m (our domains)"},
    {"relay_hosts_only", "RELAY_DOMAIN and access entries name hosts, not domains"},
    {"delay_checks", "run client and sender checks at RCPT"},
    {"dnsbl", "reject clients listed in a DNS block list; arguments: zone, message"},
    {"blocklist_recipients", "the access map may also reject recipients"},
    {"blacklist_recipients", "old name of blocklist_recipients"},
    {"greet_pause", "wait this many milliseconds before the greeting; reject early talkers"},
    {"nouucp", "no UUCP (!) address handling"},
    {"nopercenthack", "do not treat % as a routing operator"},
    {"always_add_domain", "qualify local addresses with $j even for local delivery"},
    {"no_default_msa", "no default MSA listener on port 587"},
    {"redirect", "aliases to ADDRESS.REDIRECT bounce with the new address"},
    {"local_procmail", "deliver local mail with procmail; arguments: path, argv, flags"},
    {"local_lmtp", "deliver local mail over LMTP; arguments: path, argv"},
    {"smrsh", "run |program deliveries through the restricted shell; argument: its path"},
};

constexpr NameDoc k_macros[] = {
    {"MASQUERADE_AS", "the domain outbound addresses are rewritten to"},
    {"MASQUERADE_DOMAIN", "other domains that are masqueraded (class M)"},
    {"MASQUERADE_DOMAIN_FILE", "file of such domains"},
    {"EXPOSED_USER", "users never masqueraded, e.g. root (class E)"},
    {"EXPOSED_USER_FILE", "file of such users"},
    {"LOCAL_DOMAIN", "more names of this host (class w)"},
    {"RELAY_DOMAIN", "domains we relay for (class R)"},
    {"RELAY_DOMAIN_FILE", "file of such domains"},
    {"GENERICS_DOMAIN", "domains genericstable applies to (class G)"},
    {"GENERICS_DOMAIN_FILE", "file of such domains"},
    {"VIRTUSER_DOMAIN", "domains virtusertable applies to (class VirtHost)"},
    {"VIRTUSER_DOMAIN_FILE", "file of such domains"},
    {"TRUST_AUTH_MECH", "SASL mechanisms that allow relaying once authenticated"},
    {"DAEMON_OPTIONS", "one SMTP listener: Name, Port, Addr, Family, M= modifiers"},
    {"CLIENT_OPTIONS", "outbound socket options: Family, Addr, Port, M="},
    {"MAILER", "a mailer: local, smtp or procmail"},
    {"INPUT_MAIL_FILTER", "a milter: name, `S=socket, F=flags, T=timeouts'"},
    {"MAIL_FILTER", "a milter declared but not enabled by default"},
};

constexpr std::string_view k_goaway[] = {
    "authwarnings", "needmailhelo", "needexpnhelo", "needvrfyhelo", "noexpn", "novrfy", "noverb",
};
// clang-format on

template <class Table>
const NameDoc* find_in(const Table& table, std::string_view name) {
    for (const NameDoc& d : table)
        if (d.name == name) return &d;
    return nullptr;
}

}  // namespace

std::span<const OptionDef> option_table() { return k_options; }

const OptionDef* find_option(std::string_view name) {
    for (const OptionDef& o : k_options)
        if (o.name == name) return &o;
    for (const OptionDef& o : k_options)
        if (!o.cf_name.empty() && iequals(o.cf_name, name)) return &o;
    return nullptr;
}

std::span<const NameDoc> feature_table() { return k_features; }
std::span<const NameDoc> macro_table() { return k_macros; }
const NameDoc* find_feature(std::string_view name) { return find_in(k_features, name); }
const NameDoc* find_macro(std::string_view name) { return find_in(k_macros, name); }
std::span<const std::string_view> goaway_flags() { return k_goaway; }

}  // namespace mail::config
