// options.cpp — the option table (see options.h).  Add a row here and the
// reader, -O, the -bC dump and the man page check all learn about it.
#include "libmail/config/options.h"

#include "libmail/util/strings.h"

namespace mail::config {

namespace {

using T = Type;

// clang-format off
constexpr OptionDef k_options[] = {
    // --- identity and greeting
    {"confDOMAIN_NAME", "", T::String, "", 0, 0, "official host name ($j); default: the host's fully qualified name"},
    {"confCW_FILE", "", T::Path, "/etc/mail/local-host-names", 0, 0, "file of other names for this host (class w), read with FEATURE(use_cw_file)"},
    {"confSMTP_LOGIN_MSG", "SmtpGreetingMessage", T::String, "$j Sendmail $v/$Z; $b", 0, 0, "text of the SMTP 220 greeting"},
    {"confMAILER_NAME", "", T::String, "MAILER-DAEMON", 0, 0, "sender name of bounces"},
    {"confTRUSTED_USERS", "", T::List, "", 0, 0, "users who may set the envelope sender with -f without a warning header"},
    // --- privacy and logging
    {"confPRIVACY_FLAGS", "PrivacyOptions", T::List, "authwarnings,novrfy,noexpn", 0, 0, "SMTP privacy flags (see sendmail.mc(5))"},
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
    // --- delivery and queue
    {"confDELIVERY_MODE", "DeliveryMode", T::String, "background", 0, 0, "interactive, background, queueonly or deferred (i, b, q, d)"},
    {"confTO_QUEUEWARN", "Timeout.queuewarn", T::Duration, "4h", 0, 0, "age at which the sender gets a delay notice"},
    {"confTO_QUEUERETURN", "Timeout.queuereturn", T::Duration, "5d", 0, 0, "age at which an undeliverable message is returned"},
    {"confTO_INITIAL", "Timeout.initial", T::Duration, "5m", 0, 0, "wait for the SMTP greeting"},
    {"confTO_CONNECT", "Timeout.connect", T::Duration, "0s", 0, 0, "wait for a TCP connection; 0 = the system's limit"},
    {"confTO_COMMAND", "Timeout.command", T::Duration, "1h", 0, 0, "wait for the next SMTP command (server side)"},
    {"confTO_DATABLOCK", "Timeout.datablock", T::Duration, "1h", 0, 0, "wait for each block of DATA"},
    {"confTO_DATAFINAL", "Timeout.datafinal", T::Duration, "1h", 0, 0, "wait for the reply to the final dot"},
    {"confMIN_QUEUE_AGE", "MinQueueAge", T::Duration, "0s", 0, 0, "shortest time between two attempts of one message"},
    {"confDOUBLE_BOUNCE_ADDRESS", "DoubleBounceAddress", T::String, "postmaster", 0, 0, "where a bounce that cannot be returned goes"},
    {"confFORWARD_PATH", "ForwardPath", T::String, "$z/.forward", 0, 0, "colon-separated list of .forward files ($z = home, $w = host)"},
    {"confDEF_USER_ID", "DefaultUser", T::String, "daemon", 0, 0, "identity for files and programs named by root-owned aliases"},
    {"QUEUE_DIR", "QueueDirectory", T::Path, "/var/spool/mqueue", 0, 0, "the queue directory (holds the queue database)"},
    {"ALIAS_FILE", "AliasFile", T::List, "/etc/aliases", 0, 0, "aliases file(s); each is compiled to FILE.db by newaliases"},
    {"SMART_HOST", "", T::String, "", 0, 0, "relay all non-local mail through this [mailer:]host"},
    {"RELAY_MAILER", "", T::String, "relay", 0, 0, "mailer used to reach SMART_HOST"},
    {"RELAY_MAILER_ARGS", "", T::String, "TCP $h", 0, 0, "relay mailer arguments; `TCP $h 587' picks the port"},
    {"ESMTP_MAILER_ARGS", "", T::String, "TCP $h", 0, 0, "esmtp mailer arguments; `TCP $h PORT' picks the port"},
    {"LOCAL_MAILER_PATH", "", T::Path, "/usr/sbin/mail.local", 0, 0, "the local delivery agent"},
    {"LOCAL_MAILER_ARGS", "", T::String, "mail.local -l", 0, 0, "its arguments; -l makes it speak LMTP over one long-lived pipe"},
    // --- TLS and AUTH
    {"confAUTH_MECHANISMS", "AuthMechanisms", T::List, "EXTERNAL GSSAPI KERBEROS_V4 DIGEST-MD5 CRAM-MD5", 0, 0, "SASL mechanisms offered (intersected with Cyrus SASL's)"},
    {"confAUTH_OPTIONS", "AuthOptions", T::List, "", 0, 0, "AUTH option letters: A a p y"},
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
    {"MAILROOM_MAILBOX_FORMAT", "", T::String, "mbox", 0, 0, "mbox or maildir: format of new mailboxes in the spool"},
    {"MAILROOM_LOG_FILE", "", T::Path, "", 0, 0, "log file written besides syslog; empty = syslog only"},
    {"MAILROOM_SYSLOG", "", T::Bool, "true", 0, 0, "also log to syslog (facility mail)"},
    {"MAILROOM_LISTS_DIR", "", T::Path, "/var/lib/mailroom/lists", 0, 0, "listman's data directory"},
    {"MAILROOM_RETRY_MIN", "", T::Duration, "5m", 0, 0, "first retry delay of a deferred recipient; doubles each attempt"},
    {"MAILROOM_RETRY_MAX", "", T::Duration, "1h", 0, 0, "longest retry delay"},
    {"MAILROOM_LOCK_TIMEOUT", "", T::Duration, "5m", 0, 0, "age after which a mailbox dotlock is stale and removed"},
};
// clang-format on

}  // namespace

std::span<const OptionDef> option_table() { return k_options; }

const OptionDef* find_option(std::string_view name) {
    for (const OptionDef& o : k_options)
        if (o.name == name) return &o;
    for (const OptionDef& o : k_options)
        if (!o.cf_name.empty() && iequals(o.cf_name, name)) return &o;
    return nullptr;
}

}  // namespace mail::config
