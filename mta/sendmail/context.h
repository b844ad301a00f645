// context.h — what every sendmail mode needs: the effective configuration
// (file, then -O and -o options), the local users, who is running us, and
// where verbose output goes.
#pragma once

#include "libmail/config/config.h"
#include "libmail/route/route.h"
#include "libmail/users/users.h"
#include "mta/sendmail/args.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

namespace mail::sendmail {

struct Context {
    config::Config cfg;
    users::Directory users;
    std::string login;      // the invoking user's login name
    bool trusted = false;   // may set the envelope sender without a warning
    FILE* verbose = nullptr;     // -v: the delivery dialogue goes here (stdout)
    FILE* transcript = nullptr;  // -X file: every mailer line, appended

    // The router, opened on first use (it may rebuild a stale alias map).
    Result<const route::Router*> router();

    // After fork(): forget the router without closing its SQLite handles,
    // which belong to the parent (SQLite connections must not cross fork).
    void abandon_router() { (void)m_router.release(); }

private:
    std::unique_ptr<route::Router> m_router;
};

// Loads the config named by -C, $MAILROOM_CONFIG or the default, applies
// -O and -o options (EX_USAGE for bad ones), reads the users.
Result<std::unique_ptr<Context>> make_context(const Invocation& inv);

// The DeliveryMode letter in effect: 'i', 'b', 'q' or 'd'.
char delivery_mode(const config::Config& cfg);

}  // namespace mail::sendmail
