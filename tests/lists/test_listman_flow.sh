#!/bin/bash
# test_listman_flow.sh — a list's life in an instance, through the real
# sendmail, queue, mail.local and mailx (issue 6, done-when 1); nothing is
# faked and nothing is called behind the MTA's back:
#   - `listman create team --aliases` writes the alias block and runs
#     newaliases; john is added by the administrator, mary moderates;
#   - tony mails team-request "subscribe", finds the confirmation in his
#     mailbox, answers it with mailx's Reply (to team-confirm+TOKEN), and
#     gets the welcome;
#   - tony's post reaches every member with the list's headers;
#   - peter (not a member) posts: it is held, peter is told, mary gets the
#     moderation notice, answers it with mailx, and the post goes out;
#   - tony unsubscribes, gets the goodbye, and no further post reaches him.
. "$MAILROOM_SRC/tests/lib.sh"

I=$T/inst
make_instance "$I"
spool() { cat "$I/spool/$1" 2>/dev/null; }
as() { in_instance "$I" "$@"; }  # as USER COMMAND...
lm() { as john listman "$@"; }

# --- the list -------------------------------------------------------------
lm create team --owner mary@test.example --moderator mary@test.example --description "The team" \
    --aliases "$I/aliases" > "$T/create.out" 2>&1 || { cat "$T/create.out" >&2; fail "listman create failed"; }
expect_contains "$T/create.out" "The aliases for team were added to $I/aliases."
expect_contains "$I/aliases" "## team mailing list"
expect_contains "$I/aliases" "team:              \"|$I/bin/listman post team\""
expect_contains "$I/aliases" "team-unsubscribe:  \"|$I/bin/listman unsubscribe team\""
lm members add team john@test.example > /dev/null || fail "members add failed"
expect_eq "$(lm members list team)" "john@test.example" "the members after the administrator's add"

# --- tony subscribes by mail and confirms by replying with mailx -------------
as tony sh -c 'echo subscribe | mail -s subscribe team-request@test.example' || fail "tony's request was not sent"
wait_for 'spool tony | grep -q "^Subject: confirm [0-9a-f]\{32\}$"' 20 ||
    { tail -20 "$I/log/maillog" >&2; fail "no confirmation request reached tony"; }
ok
TOKEN=$(spool tony | sed -n 's/^Subject: confirm \([0-9a-f]\{32\}\)$/\1/p' | head -1)
expect_contains <(spool tony) "Reply-To: team-confirm+$TOKEN@test.example"
expect_contains <(spool tony) "From: team-request@test.example"
expect_contains <(spool tony) "Auto-Submitted: auto-replied"
expect_eq "$(lm members list team)" "john@test.example" "tony is not a member before confirming"
# The request also brings "The results of your email commands"; the two
# mails are delivered independently, in either order.  mailx: Reply to the
# confirmation goes to its Reply-To.
wait_for 'spool tony | grep -q "^Subject: The results of your email commands"' 20 ||
    fail "tony got no results of his commands"
N=$(spool tony | awk '/^From /{n++} /^Subject: confirm [0-9a-f]+$/{print n; exit}')
[ -n "$N" ] || fail "the confirmation has no message number"
printf 'Reply %s\nyes, please\n~.\nx\n' "$N" | as tony mail -N -n -~ > "$T/reply.out" 2>&1 ||
    { cat "$T/reply.out" >&2; fail "tony's mailx reply failed"; }
wait_for 'spool tony | grep -q "^Subject: Welcome to the \"team\" mailing list"' 20 ||
    { tail -20 "$I/log/maillog" >&2; fail "tony got no welcome"; }
ok
expect_eq "$(lm members list team | sort | tr '\n' ' ')" "john@test.example tony@test.example " "members after tony confirmed"
expect_contains "$I/log/maillog" "team: tony@test.example subscribed (confirmed)"

# --- tony posts -----------------------------------------------------------------
as tony sh -c 'echo "Hello from tony." | mail -s "first post" team@test.example' || fail "tony's post was not sent"
for u in john tony; do
    wait_for "spool $u | grep -q 'Hello from tony.'" 20 || { tail -20 "$I/log/maillog" >&2; fail "the post did not reach $u"; }
    ok
done
spool john > "$T/john.mbox"
expect_contains "$T/john.mbox" "Subject: [team] first post"
expect_contains "$T/john.mbox" "List-Id: The team <team.test.example>"
expect_contains "$T/john.mbox" "List-Post: <mailto:team@test.example>"
expect_contains "$T/john.mbox" "List-Unsubscribe: <mailto:team-leave@test.example>"
expect_contains "$T/john.mbox" "X-BeenThere: team@test.example"
expect_contains "$T/john.mbox" "Precedence: list"
expect_contains "$T/john.mbox" "To unsubscribe send an email to team-leave@test.example"
expect_contains "$T/john.mbox" "Return-Path: <team-bounces@test.example>"
expect_not_contains <(spool peter) "Hello from tony."

# --- peter is not a member: held, moderated by mail --------------------------------
as peter sh -c 'echo "Peter has news." | mail -s "news from outside" team@test.example' || fail "peter's post was not sent"
wait_for 'spool mary | grep -q "^Subject: confirm [0-9a-f]\{32\}$"' 20 ||
    { tail -20 "$I/log/maillog" >&2; fail "mary got no moderation notice"; }
ok
wait_for 'spool peter | grep -q "^Subject: Your message to team awaits moderator approval"' 20 ||
    fail "peter was not told his post is held"
ok
expect_contains <(lm held list team) "peter@test.example"
expect_not_contains <(spool john) "Peter has news."
expect_contains <(spool mary) "Reason:  Post by non-member to a members-only list"
printf 'Reply 1\napproved\n~.\nx\n' | as mary mail -N -n -~ > "$T/mod.out" 2>&1 ||
    { cat "$T/mod.out" >&2; fail "mary's mailx reply failed"; }
for u in john tony; do
    wait_for "spool $u | grep -q 'Peter has news.'" 20 || { tail -20 "$I/log/maillog" >&2; fail "the approved post did not reach $u"; }
    ok
done
expect_eq "$(lm held list team)" "" "nothing is held after the approval"
expect_contains "$I/log/maillog" "approved as post 2"

# --- tony leaves ------------------------------------------------------------------
as tony sh -c 'echo unsubscribe | mail -s unsubscribe team-request@test.example' || fail "tony's unsubscribe was not sent"
wait_for 'spool tony | grep -q "^Subject: You have been unsubscribed from the team mailing list"' 20 ||
    { tail -20 "$I/log/maillog" >&2; fail "tony got no goodbye"; }
ok
# The second results mail: this one answers the unsubscribe.
wait_for '[ "$(spool tony | grep -c "^Subject: The results of your email commands")" -ge 2 ]' 20 ||
    fail "tony got no command results"
ok
expect_eq "$(lm members list team)" "john@test.example" "members after tony left"
as john sh -c 'echo "After tony left." | mail -s "later" team@test.example' || fail "john's post was not sent"
wait_for "spool john | grep -q 'After tony left.'" 20 || fail "john's post did not reach john"
ok
sleep 1
expect_not_contains <(spool tony) "After tony left."
expect_eq "$(grep -c '^Subject: \[team\]' "$I/spool/tony")" 2 "tony got exactly the two posts made while he was a member"
finish
