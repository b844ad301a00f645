# test_smtp_clients.sh — real SMTP clients deliver through our daemon and
# through `sendmail -bs` (issue 4, done-when 1): swaks plain and with
# --pipeline, swaks --pipe 'sendmail -bs', Python's smtplib, and s-nail with
# mta=smtp://127.0.0.1:PORT; each message lands in the right mailbox.
. "$MAILROOM_SRC/tests/lib.sh"
command -v swaks >/dev/null || fail "swaks is not installed (scripts/install-deps.sh --test)"
PORT=$(free_port)
I=$T/inst
make_instance "$I" --port "$PORT"
use_instance "$I" john
S=$I/spool

sendmail -bD -q1m > "$T/daemon.log" 2>&1 &
DAEMON=$!
trap 'kill $DAEMON 2>/dev/null; wait $DAEMON 2>/dev/null; rm -rf "$T"' EXIT
wait_for "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $PORT), 1)' 2>/dev/null" 10 \
    || { cat "$T/daemon.log" >&2; fail "the daemon does not listen on $PORT"; }
ok

arrived() {  # arrived USER SUBJECT
    wait_for "grep -q 'Subject: $2' $S/$1 2>/dev/null" 20 || fail "'$2' did not reach $1"
    ok
}

# swaks, plain and pipelined
swaks --server 127.0.0.1 --port "$PORT" --from alice@example.org --to john@test.example \
      --header "Subject: swaks plain" --body "plain body" > "$T/s1.out" 2>&1 || { cat "$T/s1.out"; fail "swaks plain"; }
arrived john "swaks plain"
expect_contains "$T/s1.out" "250 2.0.0"
expect_contains "$T/s1.out" "Message accepted for delivery"
expect_contains "$T/s1.out" "250-PIPELINING"
swaks --server 127.0.0.1 --port "$PORT" --pipeline --from alice@example.org --to mary@test.example,tony@test.example \
      --header "Subject: swaks pipelined" > "$T/s2.out" 2>&1 || { cat "$T/s2.out"; fail "swaks --pipeline"; }
arrived mary "swaks pipelined"
arrived tony "swaks pipelined"

# swaks through sendmail -bs
swaks --pipe "$I/bin/sendmail -bs" --from john@test.example --to peter@test.example \
      --header "Subject: swaks bs" > "$T/s3.out" 2>&1 || { cat "$T/s3.out"; fail "swaks --pipe sendmail -bs"; }
arrived peter "swaks bs"

# -X: the whole session is written to a transcript file
swaks --pipe "$I/bin/sendmail -bs -X $T/x.log" --from john@test.example --to mary@test.example \
      --header "Subject: transcribed" > /dev/null 2>&1 || fail "swaks --pipe sendmail -bs -X"
arrived mary "transcribed"
expect_contains "$T/x.log" "<<< MAIL FROM:<john@test.example>"
expect_contains "$T/x.log" ">>> 250 2.1.5 <mary@test.example>... Recipient ok"
expect_contains "$T/x.log" ">>> 354 "

# an alias through SMTP
swaks --server 127.0.0.1 --port "$PORT" --from alice@example.org --to allteam@test.example \
      --header "Subject: smtp alias" > /dev/null 2>&1 || fail "swaks to allteam"
for u in john peter mary tony; do arrived $u "smtp alias"; done

# Python's smtplib
python3 - "$PORT" <<'PY' || fail "smtplib"
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "bob@example.org"
m["To"] = "tony@test.example"
m["Subject"] = "smtplib message"
m.set_content("Hello from smtplib.\n.leading dot line\n")
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20) as s:
    code, _ = s.ehlo("client.example")
    assert code == 250
    assert s.has_extn("pipelining") and s.has_extn("8bitmime") and s.has_extn("enhancedstatuscodes")
    refused = s.send_message(m)
    assert not refused, refused
PY
ok
arrived tony "smtplib message"
expect_contains "$S/tony" ".leading dot line"

# s-nail with its built-in SMTP client
SNAIL=$MAILROOM_PEERS/s-nail/usr/bin/s-nail
[ -x "$SNAIL" ] || "$MAILROOM_SRC/scripts/fetch-peers.sh"
echo "from s-nail" | env HOME="$T" "$SNAIL" -:/ -Sv15-compat -Smta="smtp://127.0.0.1:$PORT" \
    -Sfrom=carol@example.org -Ssmtp-auth=none -s "s-nail message" mary@test.example 2> "$T/snail.err" \
    || { cat "$T/snail.err"; fail "s-nail"; }
arrived mary "s-nail message"

# The log has sendmail's receive lines.
expect_contains "$I/log/maillog" "proto=ESMTP, daemon=MTA, relay="
finish
