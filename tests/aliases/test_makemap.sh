#!/bin/bash
# test_makemap.sh — makemap builds maps from the classic text formats and
# dumps them back (-u); bad input gives sendmail's messages and exit codes.
set -u
M="$MAILROOM_BUILD/mta/makemap"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() {  # check NAME GOT WANT
    if [ "$2" != "$3" ]; then
        echo "FAIL $1"; echo "  got:  $(printf '%q' "$2")"; echo "  want: $(printf '%q' "$3")"; fail=1
    else
        echo "ok   $1"
    fi
}

# access: keys folded, quoted values kept verbatim, comments skipped.
printf '%s\n' '# access' 'Connect:127.0.0.1 RELAY' 'From:Spammer@Example.COM REJECT' \
    'From:bad.example "550 5.7.1 We do not accept mail from you"' '' 'To:friend.example RELAY' \
    | "$M" hash "$T/access"
check "access exit" "$?" 0
check "access file" "$(ls "$T")" "access.db"
check "access dump" "$("$M" -u hash "$T/access")" "$(printf '%s\t%s\n' connect:127.0.0.1 RELAY \
    from:bad.example '"550 5.7.1 We do not accept mail from you"' from:spammer@example.com REJECT to:friend.example RELAY)"

# mailertable with -f keeps case; authinfo quoted fields.
printf '.Example.com smtp:[mail.example.com]\nspecial.example smtp:[10.0.0.5]\n' | "$M" -f btree "$T/mailertable"
check "mailertable -f dump" "$("$M" -u btree "$T/mailertable")" \
    "$(printf '.Example.com\tsmtp:[mail.example.com]\nspecial.example\tsmtp:[10.0.0.5]')"
printf 'AuthInfo:smtp.example.net "U:root" "I:user@example.net" "P:secret" "M:PLAIN"\n' | "$M" hash "$T/authinfo.db"
check "authinfo dump" "$("$M" -u hash "$T/authinfo")" \
    "$(printf 'authinfo:smtp.example.net\t"U:root" "I:user@example.net" "P:secret" "M:PLAIN"')"

# Round trip: the dump rebuilt gives the same dump (-t with a tab).
"$M" -u hash "$T/access" | "$M" -t "$(printf '\t')" sqlite "$T/copy"
check "round trip" "$("$M" -u sqlite "$T/copy")" "$("$M" -u hash "$T/access")"

# Bad lines: reported with sendmail's wording, good lines kept, exit 65.
err=$(printf 'good ok\nlonely\n  indented x\ngood again\n' | "$M" hash "$T/bad" 2>&1 >/dev/null)
rc=$?
check "bad exit" "$rc" 65
check "bad messages" "$err" "makemap: $T/bad: line 2: no RHS for LHS lonely
makemap: $T/bad: line 3: syntax error (leading space)
makemap: $T/bad: line 4: key good: duplicate key"
check "bad keeps good" "$("$M" -u hash "$T/bad")" "$(printf 'good\tok')"
printf 'k one\nk two\n' | "$M" -r hash "$T/rep"
check "-r replaces" "$("$M" -u hash "$T/rep")" "$(printf 'k\ttwo')"

# Usage errors.
"$M" cdb "$T/x" </dev/null 2>/dev/null; check "unknown type" "$?" 64
"$M" hash 2>/dev/null; check "missing name" "$?" 64
"$M" -Z hash "$T/x" </dev/null 2>/dev/null; check "unknown flag" "$?" 64
"$M" -u hash "$T/none" 2>/dev/null; check "dump missing" "$?" 66
printf 'a b\n' | "$M" hash "$T/no/such/dir/m" 2>/dev/null; check "unwritable" "$?" 73
check "-l" "$("$M" -l)" "$(printf 'hash\nbtree\ndbm\nsqlite')"
exit $fail
