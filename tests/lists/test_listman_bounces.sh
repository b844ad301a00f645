#!/bin/bash
# test_listman_bounces.sh — bounces end to end (issue 6, done-when 3): a VERP
# list whose member `ghost` is an alias to a program that fails with 67.
# Each post is handed to our sendmail with -XV; the failed delivery makes
# our MTA send a DSN to team-bounces+ghost=test.example@test.example, which
# the +detail rule delivers to `listman bounces team`; the VERP address
# names the member.  Five posts on five days (the fake clock) disable ghost,
# who is told, and so is the owner.  A non-standard (Postfix-text) bounce
# for another member, through its VERP address, is scored too.
. "$MAILROOM_SRC/tests/lib.sh"

I=$T/inst
make_instance "$I"
as() { in_instance "$I" "$@"; }  # as USER COMMAND...
lm() { as john listman "$@"; }
BASE=1800000000  # Fri Jan 15 2027, 08:00 UTC
export MAILROOM_FAKE_TIME=$BASE

echo 'ghost: "|exit 67"' >> "$I/aliases"
lm create team --owner john@test.example --aliases "$I/aliases" > /dev/null || fail "listman create failed"
lm set team verp yes || fail "set verp"
lm members add team john@test.example ghost@test.example tony@test.example > /dev/null || fail "members add"

for day in 0 1 2 3 4; do
    export MAILROOM_FAKE_TIME=$((BASE + day * 86400))
    as john sh -c "echo 'post of day $day' | mail -s 'day $day' team@test.example" || fail "post on day $day"
    wait_for "grep -q 'team: hard bounce for ghost@test.example (post $((day + 1))), score $((day + 1)).0' '$I/log/maillog'" 20 ||
        { tail -30 "$I/log/maillog" >&2; fail "the bounce of day $day was not scored"; }
    ok
done
# The score's log line comes just before the member is disabled: wait.
wait_for "grep -q 'team: delivery to ghost@test.example disabled: bounce score 5.0' '$I/log/maillog'" 20 ||
    fail "ghost was not disabled at score 5.0"
ok
wait_for "grep -q 'Subject: team: delivery to ghost@test.example disabled' '$I/spool/john'" 20 ||
    fail "the owner was not told"
ok
expect_contains <(lm members export team) "ghost@test.example,ghost@test.example,"
expect_eq "$(lm members export team --format json | grep -c '"disabled": 0')" 2 "john and tony are still enabled"
# The VERP return path reached the program's bounce: the DSN went to the
# member's own bounce address.
expect_contains "$I/log/maillog" "orig_to=<team-bounces+ghost=test.example@test.example>"

# A disabled member gets no more posts: the next post is not sent to ghost.
export MAILROOM_FAKE_TIME=$((BASE + 5 * 86400))
as john sh -c "echo 'after' | mail -s 'day 5' team@test.example" || fail "post on day 5"
wait_for "grep -q 'team: post 6 sent to 2 members' '$I/log/maillog'" 20 || { tail -20 "$I/log/maillog" >&2; fail "post 6 was not sent to the two enabled members"; }
ok

# A Postfix-style text bounce (no DSN) for tony, through his VERP address.
printf '%s\n' "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)" "To: team-bounces@test.example" \
    "Subject: Undelivered Mail Returned to Sender" "" \
    "This is the mail system at host mx.example.net." "" \
    "I'm sorry to have to inform you that your message could not" \
    "be delivered to one or more recipients. It's attached below." "" \
    "                   The mail system" "" \
    "<tony@test.example>: host mx.example.net[192.0.2.1] said: 550 5.1.1" \
    "    <tony@test.example>: Recipient address rejected: User unknown (in reply to" \
    "    RCPT TO command)" > "$T/textbounce"
as john sh -c "sendmail -oi -f '' team-bounces+tony=test.example@test.example < '$T/textbounce'" || fail "text bounce not sent"
wait_for "grep -q 'team: hard bounce for tony@test.example' '$I/log/maillog'" 20 || { tail -20 "$I/log/maillog" >&2; fail "the text bounce was not scored"; }
ok
finish
