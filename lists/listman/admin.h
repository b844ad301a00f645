// admin.h — listman's administrator subcommands (listman(8)): creating and
// removing lists (with their alias block), members, owners, held posts,
// options, digests and the archive.  Each function writes what the user
// sees to `out`/`err` and returns the exit status.
//
// SECURITY: run by whoever can write lists.db; argv is trusted only after
// validation (list names by check_list_name, addresses by the address
// parser, options by their table row).
#pragma once

#include "lists/listman/app.h"

#include <string>
#include <vector>

namespace mail::lists::admin {

struct Output {
    std::string out;
    std::string err;
};

// The alias block for a list, Mailman's layout.
std::string alias_block(const App& app, std::string_view list);
// Writes (or, with remove, deletes) the list's block in an aliases file;
// the file is replaced atomically.
Status edit_aliases_file(const App& app, const std::string& path, std::string_view list, bool remove);

struct CreateArgs {
    std::string list, host, description, aliases_file;
    std::vector<std::string> owners, moderators;
    bool run_newaliases = true;
};
int create(App& app, const CreateArgs& a, Output& o);
int remove(App& app, const std::string& list, const std::string& aliases_file, bool run_newaliases, Output& o);
int lists(App& app, Output& o);

struct MemberArgs {
    std::string list;
    std::vector<std::string> addresses;
    std::string file;  // one address per line ('#' comments); "-" = stdin text in `input`
    bool invite = false;  // send confirmations instead of adding
    bool digest = false;
    bool welcome = false;
};
int members_add(App& app, const MemberArgs& a, const std::string& input, Output& o);
int members_remove(App& app, const MemberArgs& a, const std::string& input, Output& o);
int members_list(App& app, const std::string& list, Output& o);
int members_export(App& app, const std::string& list, const std::string& format, Output& o);
int member_set(App& app, const std::string& list, const std::string& address, const std::string& option,
               const std::string& value, Output& o);

int owners_add(App& app, const std::string& list, const std::string& address, bool moderator, Output& o);
int owners_remove(App& app, const std::string& list, const std::string& address, Output& o);
int owners_list(App& app, const std::string& list, Output& o);

int held_list(App& app, const std::string& list, Output& o);
int held_show(App& app, const std::string& list, int64_t id, Output& o);
int held_decide(App& app, const std::string& list, int64_t id, const std::string& decision, const std::string& reason,
                Output& o);

int set_option(App& app, const std::string& list, const std::string& option, const std::string& value, Output& o);
int show(App& app, const std::string& list, Output& o);
int options(Output& o);
int digest(App& app, const std::string& list, Output& o);
int archive(App& app, const std::string& list, Output& o);

}  // namespace mail::lists::admin
