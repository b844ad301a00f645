#!/bin/bash
# test_listman_archive.sh — the archive and the digest contain every post
# (issue 6, done-when 4), through the real sendmail and mail.local:
#   - three posts (one a reply) land in the list's mbox archive;
#   - the HTML pages exist, pass HTML Tidy without a warning, link the reply
#     to its parent and both ways between neighbours, and escape a hostile
#     subject;
#   - peter, a digest member, gets no single posts and one MIME digest with
#     all of them, mary an RFC 1153 one; `listman digest` numbers the issues.
. "$MAILROOM_SRC/tests/lib.sh"
command -v tidy >/dev/null || fail "tidy is not installed (scripts/install-deps.sh --test installs it)"

I=$T/inst
make_instance "$I"
as() { in_instance "$I" "$@"; }  # as USER COMMAND...
lm() { as john listman "$@"; }
export MAILROOM_FAKE_TIME=1800000000  # January 2027
lm create team --owner john@test.example --aliases "$I/aliases" > /dev/null || fail "listman create failed"
lm members add team john@test.example tony@test.example > /dev/null || fail "members add"
lm members add team peter@test.example --digest > /dev/null || fail "digest member"
lm members add team mary@test.example > /dev/null || fail "member mary"
lm members set team mary@test.example digest plain > /dev/null || fail "mary's plain digest"

post() {  # post USER MESSAGE-ID SUBJECT [IN-REPLY-TO]
    local hdr="From: $1@test.example\nTo: team@test.example\nMessage-ID: <$2@test.example>\nSubject: $3\n"
    [ -n "${4:-}" ] && hdr="${hdr}In-Reply-To: <$4@test.example>\nReferences: <$4@test.example>\n"
    printf "${hdr}\nbody of %s\n" "$2" | as "$1" sendmail -oi -t || fail "post $2 not sent"
}
post john t1 "topic one"
post tony t2 "Re: [team] topic one" t1
post john t3 '<script>alert(1)</script> & "quotes"'
wait_for "[ \$(grep -c '^From ' '$I/lists/team/archive.mbox' 2>/dev/null || echo 0) -ge 3 ]" 20 ||
    { tail -20 "$I/log/maillog" >&2; fail "the archive does not hold three posts"; }
ok
for id in t1 t2 t3; do expect_contains "$I/lists/team/archive.mbox" "body of $id"; done
expect_eq "$(count_from_lines "$I/lists/team/archive.mbox")" 3 "posts in the archive"

H=$I/lists/team/html
M=$H/2027-01
# Each post is appended to the mbox before the pages are rebuilt: wait for
# the pages too.
wait_for "grep -q '<p>3 posts, by thread.</p>' '$M/index.html' 2>/dev/null" 20 ||
    fail "the month's page does not list three posts"
ok
for f in "$H/index.html" "$M/index.html" "$M/000001.html" "$M/000002.html" "$M/000003.html"; do
    [ -f "$f" ] || fail "missing page $f"
    tidy -q -e --show-warnings yes "$f" > "$T/tidy.out" 2>&1 || { cat "$T/tidy.out" >&2; fail "$f does not pass tidy"; }
    ok
done
# The three posts are delivered independently, so they may reach the
# archive in any order: find each one's page by its body.
page_of() { basename "$(grep -l "body of $1" "$M"/0*.html)"; }
P1=$(page_of t1) P2=$(page_of t2) P3=$(page_of t3)
[ -n "$P1" ] && [ -n "$P2" ] && [ -n "$P3" ] || fail "a post has no page"
expect_contains "$M/$P2" "In reply to: <a href=\"$P1\">"   # the reply links its parent
expect_contains "$M/$P1" "href=\"$P2\""                     # and the parent its reply
expect_contains "$M/index.html" "href=\"$P3\""
expect_contains "$H/index.html" '2027-01'
expect_not_contains "$M/$P3" "<script>"
expect_contains "$M/$P3" "&lt;script&gt;"
# In the month's thread list the reply is nested under its parent.
python3 - "$M/index.html" "$P1" "$P2" <<'PY' || fail "the reply is not nested under its parent in the thread list"
import sys
html = open(sys.argv[1]).read()
i1, i2 = html.find(sys.argv[2]), html.find(sys.argv[3])
between = html[i1:i2]
assert i1 >= 0 and i2 > i1, "both posts listed, parent first"
assert between.count("<ul") > between.count("</ul"), "a list opens between parent and reply"
PY
ok

# The digest member got no single posts; the digest holds all three.
wait_for "grep -q 'body of t3' '$I/spool/john'" 20 || fail "john did not get the third post"
ok
expect_not_contains <(cat "$I/spool/peter" 2>/dev/null) "body of t1"
lm digest team || fail "listman digest failed"
wait_for "grep -q '^Subject: team Digest, Vol 1, Issue 1' '$I/spool/peter'" 20 || { tail -20 "$I/log/maillog" >&2; fail "peter got no digest"; }
ok
for id in t1 t2 t3; do expect_contains "$I/spool/peter" "body of $id"; done
expect_contains "$I/spool/peter" "Content-Type: multipart/digest"
# mary chose plain digests: RFC 1153, every post, the trailer.
wait_for "grep -q '^Subject: team Digest, Vol 1, Issue 1' '$I/spool/mary'" 20 || fail "mary got no plain digest"
ok
for id in t1 t2 t3; do expect_contains "$I/spool/mary" "body of $id"; done
expect_contains "$I/spool/mary" "End of team Digest, Vol 1, Issue 1"
expect_not_contains "$I/spool/mary" "multipart/digest"
expect_eq "$(lm show team | sed -n 's/^digest_issue //p')" 2 "the next issue number"
lm digest team || fail "an empty digest run failed"
expect_eq "$(grep -c '^Subject: team Digest' "$I/spool/peter")" 1 "no digest without new posts"
lm archive team || fail "listman archive (rebuild) failed"
ok
finish
