"""test_procmail_regex.py — our procmail regex dialect (filters/procmail/regex)
against Debian's procmail 3.22-27, live: every probe (pattern, flags, area)
is run by the real procmail — an rcfile whose recipes LOG the outcome, MATCH
and $= per probe — and by pmregex_probe, and the answers must be equal.

Probes: hand-written ones for every construct and quirk (docs/procmail.md
"Regex dialect"), seeded random patterns over the whole dialect (with and
without \\/) on random areas, the four macros on realistic headers, D flag,
header/body areas and weighted scoring counts.  Prints "N probes, M differ"
and fails on any difference not in ALLOWED (reason given for each).

procmail is run as ourselves with an absolute rcfile and DEFAULT, ORGMAIL,
MAILDIR and LOGFILE inside a temp dir, so it never touches /var/mail."""
import os
import random
import re
import subprocess
import sys
import tempfile

SRC = os.environ.get("MAILROOM_SRC", os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
BUILD = os.environ.get("MAILROOM_BUILD", os.path.join(SRC, "build"))
PEERS = os.environ.get("MAILROOM_PEERS", os.path.join(SRC, "var/peers"))
PROCMAIL = os.path.join(PEERS, "procmail/usr/bin/procmail")
PROBE = os.path.join(BUILD, "filters/pmregex_probe")
MAX32 = 2147483647

# Differences we accept, keyed by (pattern, area); each with the reason.
# Besides these, one class is accepted by rule: procmail never finishes
# (its matcher spins on an epsilon cycle its loop clean-up missed) and our
# Regex flags the pattern with procmail_spins() — we answer instead.
ALLOWED = {
}

if not os.access(PROCMAIL, os.X_OK):
    print(f"FAIL: the reference procmail is missing: {PROCMAIL}\n"
          "      (unpack it with scripts/fetch-peers.sh)", file=sys.stderr)
    sys.exit(1)
if not os.access(PROBE, os.X_OK):
    print(f"FAIL: {PROBE} is not built (cmake --build build --target pmregex_probe)", file=sys.stderr)
    sys.exit(1)


class Probe:
    """kind: var (AREA ?? pattern), head (H), body (B); mode: s (search) or
    c (scoring with 1^1); area: for var/body the searched bytes, for head the
    raw header lines (From_ line first, continuations unjoined)."""

    def __init__(self, kind, mode, flags, pattern, area, note=""):
        self.kind, self.mode, self.flags, self.pattern, self.area, self.note = kind, mode, flags, pattern, area, note

    def searched(self):
        """The bytes procmail searches, as the engine will pass them."""
        if self.kind == "head":
            return re.sub(r"\n(?=[ \t])", " ", self.area) + "\n"
        return self.area


def usable(pattern):
    """Can the pattern be written on a condition line as it is?"""
    if "\n" in pattern or "\x02" in pattern or "\x03" in pattern:
        return False
    if pattern != pattern.strip(" \t") or pattern.endswith("\\"):
        return False
    return True


def on_line(pattern):
    """The pattern as written after `* ` (or `* AREA ?? `): procmail strips one
    leading backslash there (it quotes !, $, ?, <, >, a weight...), so a
    pattern that starts with one of those, or with a backslash, gets one."""
    if pattern[:1] in ("!", "$", "?", "<", ">", "\\") or re.match(r"^[-+.,0-9]", pattern):
        return "\\" + pattern
    return pattern


# ---------------------------------------------------------------- probes
def hand_probes():
    P = []

    def s(pattern, *areas, flags=""):
        for a in areas:
            P.append(Probe("var", "s", flags, pattern, a))

    def c(pattern, *areas, flags=""):
        for a in areas:
            P.append(Probe("var", "c", flags, pattern, a))

    # ^ and $ consume a newline; virtual newlines around the area
    s("^abc", "abc", "xabc", "x\nabc")
    s("abc$", "abc", "abcx", "abc\nx")
    s("a$$", "xa", "xa\n", "a\n\n")
    s("()$", "abc", "", "abc\n")
    s("^", "", "abc")
    s("()^$", "", "\n", "a", "a\n\nb")
    s("x$^y", "x\ny", "x\n\ny")
    s("tab$X", "tab\nX")
    s("^^x", "xy", "yx")
    s("^^y", "xy")
    s("y^^", "xy", "yx")
    s("x^^", "xy")
    s("^^", "", "abc")
    s("^^^^", "", "a")
    s("^^^a", "a", "\na")
    s("a^^|b", "ab", "ba")
    s("(^^a|b)", "ab", "ba", "ca")
    s("(a^^)", "ba", "ab")
    s("a(^^)?", "ab", "ba")
    s("(^^)*a", "ba")
    # . and classes
    s("a.b", "a\nb", "axb")
    s("a[^x]b", "a\nb", "ayb", "axb")
    s("[]a]", "]", "a", "b")
    s("[^]a]", "]", "b")
    s("[-a]", "-", "b")
    s("[a-]", "-", "a", "b")
    s("[z-a]", "a", "z", "m")
    s("[a-c-e]", "d", "e", "-")
    s("[[:alpha:]]", "a", "a]", ":]")
    s("abc[[:]", "abc[", "abc:")
    s("[\\]", "\\", "]")
    s("[\\-a]", "]", "_", "a")
    s("[", "", "a")
    s("x[", "x")
    s("[^", "a", "\n")
    s("[abc", "b", "d")
    s("[A-Z]", "q", "Q")
    s("[A-Z]", "q", "Q", flags="D")
    s("[^a-z]", "Q", "1")
    s("[^a-z]", "Q", "1", flags="D")
    s("[Z-a]", "z", "A", "_")
    s("[Z-a]", "z", "A", "_", flags="D")
    # \< \> and escapes
    s("\\<report\\>", "a report.", "report", "reports", "a\nreport\n")
    s("\\<\\/with\\>", "report with tab")
    s("a\\<b", "a\nb", "a b", "a_b")
    s("a\\tb", "atb", "a\tb")
    s("a\\.b", "a.b", "axb")
    s("\\(a\\)", "(a)")
    s("a\\|b", "a|b", "a")
    s("\\^a", "^a", "a")
    s("\\$a", "$a")
    s("\\a\\b\\d\\w\\s", "abdws")
    s("a{2}", "a{2}", "aa")
    s("\\/a+", "a{2}")
    # literal operators
    s("*a", "*a", "a")
    s("a**", "a*", "aa", "a")
    s("a+*", "aa*", "aa")
    s("a?+", "a+", "+")
    s("(*a)", "*a")
    s("a|*b", "*b", "b")
    s("a|+", "+")
    # groups, empty alternatives
    s("a(b|)c", "ac", "abc")
    s("(|x)y", "y", "xy")
    s("(x|)y", "y")
    s("()", "", "a")
    s("(())", "")
    s("a||b", "b", "c")
    s("|", "")
    s("(a|b|)", "c")
    s("(a*)*b", "aab", "b", "c")
    s("(a|)*b", "ab", "b")
    s("(a?)+b", "aab", "b")
    s("(a*)+b", "aab", "b")
    s("((a*)*)*b", "aab")
    s("(a|b)*c", "ababc", "c", "abab")
    # unbalanced
    s("(abc", "abc", "ab")
    s("abc)", "abc", "xbc")
    s("a)zz", "abc")
    s("((a)", "a")
    s("(a))", "a", "b")
    s("a(b", "ab")
    s("^Subject:.*(unbalanced", "Subject: an unbalanced one")
    # case
    s("HELLO", "hello", "HeLLo")
    s("HELLO", "hello", "HELLO", flags="D")
    s("hello", "HELLO", flags="D")
    s("\xc4", "\xe4", "\xc4")
    s("[\xc4]", "\xe4")
    # empty regex
    s("", "", "abc")
    # \/ extraction
    s("^Subject:[ ]*\\/.*", "Subject: Quarterly report\twith tab", "Subject:  two")
    s("^Subject:[ ]+\\/.*", "Subject:  two spaces", "Subject: one")
    s("^Subject: *\\/[^ ].*", "Subject:   x y")
    s("^Subject:\\/.*$", "Subject: hi\nX: y", "Subject: end")
    s("\\/(Q|Quarterly)", "Quarterly")
    s("\\/(Quarterly|Q)", "Quarterly")
    s("\\/(report|with)+", "report with tab")
    s("\\/Q.*r", "Quarterly report")
    s("Q.*\\/r.*", "Quarterly report\twith tab")
    s("\\/[0-9]+", "ab 123 45", "20250106100000")
    s("x\\/^y.", "x\nyz\nw")
    s("b\\/$", "ab", "ab\n", "ab\nc")
    s("a\\/", "a", "ba")
    s("\\/", "", "abc")
    s("\\/^", "", "abc")
    s("\\/^^", "", "abc")
    s("\\/$", "abc", "abc\n")
    s("a+\\/b*", "aab", "ab", "aabb")
    s("a+\\/a*", "aaa", "aab")
    s("a*\\/a*", "aaa")
    s("a?\\/a+", "aaa")
    s("(a|ab)\\/b*", "abbb")
    s("[ ]+\\/[^ ]+", "x   y z")
    s("(\\/|a)b", "b", "ab")
    s("(a|\\/)b", "b", "ab")
    s("a\\/|c", "a", "c", "ac")
    s("a|b\\/c", "a", "bc")
    s("x(\\/a)?b", "xab", "xb")
    s("a\\/b\\/c", "abc")
    s("\\/a\\/", "a")
    s("^From:.*\\/[a-z.]+@[a-z.]+", "From: Alice Ex <Alice.Ex@Example.COM>")
    s("^Date:\\/.*", "Date: Mon, 6 Jan 2025")
    s("\\/.*", "", "\n", "a\nb")
    s("\\/.+", "\nabc")
    s("\\/[^\n]*", "abc")
    s("(x\\/y)*z", "xyxyz", "z")
    s("^\\/^", "\n\nx")
    # scoring
    c("^.*$", "line1\nline2\nline3\n", "line1\nline2", "", "\n", "\n\n")
    c("a", "banana", "b", "", "aaa")
    c("an", "banana")
    c("a*", "banana", "aaa")
    c("", "abc", "")
    c("^", "a\nb\n", "")
    c("$", "a\nb\n", "ab")
    c("()$", "a\nb\n", "ab", "a\n")
    c("^^", "abc")
    c("^^a", "aaa")
    c("a^^", "aaa")
    c("b*a", "abaab")
    c("\\<", "a b c", "abc")
    c("[a-z]+", "ab cd  ef", "AB cd", flags="D")
    c("\\/a", "banana")
    c("\\/an", "banana")
    c("b\\/.*", "bab\nbb\n")
    c("^\\/.", "ab\ncd\n")
    c("x$^", "x\n\nx\n\n")
    c("$^", "a\n\nb\n\n\n")
    return P


def random_probes(rng, count_search, count_score):
    atoms = ["a", "b", "A", "B", ".", "^", "$", "[ab]", "[^a]", "[a-b]", "\\<", "\\>", "^^", "x", "[]a]",
             "()", "\\.", "[^\n]"]
    alphabet = ["a", "b", "A", "B", " ", "\n", "x", ".", "\t"]

    def atom(depth):
        r = rng.random()
        if r < 0.18 and depth < 2:
            t = "(" + alternation(depth + 1, allow_bom=False) + ")"
        else:
            t = rng.choice(atoms)
        if rng.random() < 0.35:
            t += rng.choice("*+?")
        return t

    def sequence(depth, allow_bom):
        units = [atom(depth) for _ in range(rng.randint(1, 4))]
        if allow_bom and rng.random() < 0.45:
            units.insert(rng.randint(0, len(units)), "\\/")
        return "".join(units)

    def alternation(depth, allow_bom):
        n = 1 if rng.random() < 0.8 else 2
        alts = [sequence(depth, allow_bom) if rng.random() > 0.08 else "" for _ in range(n)]
        return "|".join(alts)

    def area():
        n = rng.randint(0, 10)
        return "".join(rng.choice(alphabet) for _ in range(n))

    P = []
    while len(P) < count_search:
        pat = alternation(0, allow_bom=True)
        if not usable(pat):
            continue
        P.append(Probe("var", "s", "D" if rng.random() < 0.2 else "", pat, area()))
        P.append(Probe("var", "s", "", pat, area()))
    n_score = 0
    while n_score < count_score:
        pat = alternation(0, allow_bom=rng.random() < 0.3)
        if not usable(pat):
            continue
        P.append(Probe("var", "c", "", pat, area()))
        n_score += 1
    return P


HEADERS = [
    "From alice@example.com  Mon Jan  6 10:00:00 2025\n"
    "Return-Path: <alice@example.com>\n"
    "Received: from mx.example.com\n\tby mail.example.org; Mon, 6 Jan 2025\n"
    "From: Alice Ex <Alice.Ex@Example.COM>\n"
    "To: Bob <bob@example.org>\n"
    "Cc: carol@example.net, dave@example.net\n"
    "Subject: Quarterly report\twith tab\n"
    "X-Brace: a{2}\n",

    "From MAILER-DAEMON@mx.example.net  Tue Jan  7 09:05:00 2025\n"
    "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n"
    "To: bob@example.org\n"
    "Subject: Undelivered Mail Returned to Sender\n",

    "From owner-list@lists.example.com  Tue Jan  7 09:00:00 2025\n"
    "From: Someone <someone@example.com>\n"
    "Sender: owner-list@lists.example.com\n"
    "Precedence: bulk\n"
    "Resent-To: bob@example.org\n"
    "Subject: [list] hello\n",

    "From x@y  Tue Jan  7 09:00:00 2025\n"
    "X-Envelope-To: Bob@Example.org\n"
    "Apparently-Resent-To: alice@example.com\n"
    "Original-Cc: robert.bob@example.org\n"
    "Bcc: bob\n"
    "Subject: misc\n",

    "From postmaster@example.org  Tue Jan  7 09:00:00 2025\n"
    "From: postmaster@example.org (Mail System)\n"
    "To: Multiple recipients of list FOO <foo@x>\n"
    "Mailing-List: contact foo-help@x\n"
    "Subject: x\n",

    "From a@b  Tue Jan  7 09:00:00 2025\n"
    "From: root@host.example (Cron Daemon)\n"
    "To: bob@example.org,\n    alice@example.com\n"
    "Subject: Cron <root@host> job\n",
]

HEAD_PATTERNS = [
    "^TO_bob@example\\.org", "^TObob", "^TO_ob@example", "^TO_alice", "^TOalice", "^TO_(bob|alice)",
    "^TO_\\/[^@]+", "^TO\\/.*", "^FROM_DAEMON", "^FROM_MAILER", "!^FROM_DAEMON", "\\^TO_bob",
    "^TO_BOB@EXAMPLE\\.ORG", "^FROM_DAEMON\\/.*", "^TO_foo|^FROM_MAILER",
    "^Subject: *\\/[^ ].*", "^Subject:[ ]*\\/.*", "^From:.*\\/[a-z.]+@[a-z.]+", "^Received:\\/.*",
    "^^From alice", "^^Return-Path", "^Return-Path", "^X-Brace: a{2}", "tab$", "tab$^X-Brace",
    "^Subject:.*report", "^From .*2025$", "\\<report\\>", "^$", "^^From", "\\/^$", "^To:.*,$",
    "^To:.*, alice", "Daemon\\)$",
]


def head_probes():
    P = []
    for h in HEADERS:
        for pat in HEAD_PATTERNS:
            if pat.startswith("!"):
                continue
            P.append(Probe("head", "s", "", pat, h))
            if rng_flags(pat):
                P.append(Probe("head", "s", "D", pat, h))
        P.append(Probe("head", "c", "", "^.*$", h))
        P.append(Probe("head", "c", "", "^[A-Z]", h))
        P.append(Probe("head", "c", "", "^TO_", h))
    return P


def rng_flags(pat):
    return "TO" in pat or "FROM" in pat or "Subject" in pat


BODIES = ["Hi there,\nline2\nline3\n", "no final newline", "", "\n\n", "From here\nX\n"]
BODY_PATTERNS = ["^^Hi", "^line3$", "line3$^^", "^\\/.*", "^^\\/.*", "here$", "\\/[^\n]+$", "^^$", "()$"]


def body_probes():
    P = []
    for b in BODIES:
        for pat in BODY_PATTERNS:
            P.append(Probe("body", "s", "", pat, b))
        P.append(Probe("body", "c", "", "^.*$", b))
        P.append(Probe("body", "c", "", "e", b))
    return P


# ---------------------------------------------------------------- running
def q(s):
    """A double-quoted procmail string holding s literally."""
    out = []
    for ch in s:
        if ch in '"\\$`':
            out.append("\\" + ch)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def recipe(k, p, cond_prefix, flags):
    lines = []
    if p.mode == "s":
        lines.append("MATCH=@@unset@@")
        lines.append(f":0 {flags}")
        lines.append(f"* {cond_prefix}{on_line(p.pattern)}")
        lines.append('{ LOG="\x02' + str(k) + ':Y:$MATCH:' + str(k) + '\x03" }')
        lines.append(":0 E")
        lines.append('{ LOG="\x02' + str(k) + ':N::' + str(k) + '\x03" }')
    else:
        lines.append("MATCH=@@unset@@")
        lines.append(f":0 {flags}")
        lines.append(f"* 1^1 {cond_prefix}{on_line(p.pattern)}")
        lines.append("{ }")
        lines.append('LOG="\x02' + str(k) + ':C:$=:$MATCH:' + str(k) + '\x03"')
    return lines


def run_procmail(tmp, probes, message, name, timeout=8):
    """Runs one rcfile holding all `probes` on `message`; returns the raw
    results (None for a probe that logged nothing), or None when procmail
    did not finish in time."""
    rc = ["LINEBUF=65536"]
    # (the rcfile ends by delivering to /dev/null: a first delivery to a new
    # mbox makes procmail sleep a second — the "NFS atime hack")
    for k, p in enumerate(probes):
        if p.kind == "var":
            assert "'" not in p.area
            rc.append(f"AREA='{p.area}'")
            rc += recipe(k, p, "AREA ?? ", p.flags)
        elif p.kind == "head":
            rc += recipe(k, p, "", p.flags)
        else:
            rc += recipe(k, p, "", "B" + p.flags)
    rc += [":0", "/dev/null"]
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "rc"), "wb") as f:
        f.write(("\n".join(rc) + "\n").encode("latin-1"))
    log = os.path.join(d, "log")
    env = {"PATH": "/usr/bin:/bin", "HOME": d, "TZ": "UTC"}
    try:
        subprocess.run([PROCMAIL, f"DEFAULT={d}/default", f"ORGMAIL={d}/orgmail", f"MAILDIR={d}", f"LOGFILE={log}",
                        os.path.join(d, "rc")], input=message.encode("latin-1"), env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    text = open(log, "rb").read().decode("latin-1") if os.path.exists(log) else ""
    out = []
    for k in range(len(probes)):
        a = text.find(f"\x02{k}:")
        b = text.find(f":{k}\x03", a)
        out.append(None if a < 0 or b < 0 else text[a + len(f"\x02{k}:"):b])
    return out


HANGS = "procmail did not finish"


def run_group(tmp, probes, message, name):
    """run_procmail, and when procmail hangs (it spins forever on some
    epsilon loops), each probe alone to find the ones that hang."""
    got = run_procmail(tmp, probes, message, name)
    if got is not None:
        return got
    out = []
    for j, p in enumerate(probes):
        one = run_procmail(tmp, [p], message, f"{name}.{j}", timeout=3)
        out.append(HANGS if one is None else one[0])
    return out


def theirs_of(p, raw):
    if raw == HANGS:
        return HANGS
    if raw is None:
        return "no result logged"
    if p.mode == "s":
        kind, _, m = raw.partition(":")
        if kind == "N":
            return "N"
        return "Y " + ("~" if m == "@@unset@@" else m)
    _, _, rest = raw.partition(":")
    score, _, m = rest.partition(":")
    return f"C {score} " + ("~" if m == "@@unset@@" else m)


def ours_all(probes):
    lines = []
    for p in probes:
        h = lambda s: s.encode("latin-1").hex() or "-"
        flags = p.flags + ("Q" if on_line(p.pattern) != p.pattern else "")
        lines.append(f"{p.mode} {flags or '-'} {h(p.pattern)} {h(p.searched())}")
    r = subprocess.run([PROBE], input=("\n".join(lines) + "\n").encode(), capture_output=True, check=True, timeout=300)
    return r.stdout.decode().splitlines()


def ours_of(p, line):
    f = line.split(" ")
    unhex = lambda s: "" if s == "-" else bytes.fromhex(s).decode("latin-1")
    extra = [x for x in f if x in ("W", "L", "S", "DISAGREE")]
    if f[0] == "N":
        return "N", extra
    if f[0] == "Y":
        return "Y " + ("~" if f[1] == "~" else unhex(f[1])), extra
    count, empty, m = int(f[1]), f[2] == "1", f[3]
    score = 0 if count == 0 else (MAX32 if empty else count)
    return f"C {score} " + ("~" if m == "~" else unhex(m)), extra


def main():
    rng = random.Random(20250106)
    global_probes = hand_probes() + random_probes(rng, 500, 160) + head_probes() + body_probes()
    probes = [p for p in global_probes if usable(p.pattern) or p.pattern == ""]
    ours = ours_all(probes)
    results = [None] * len(probes)
    with tempfile.TemporaryDirectory(prefix="mailroom-pmregex.") as tmp:
        var_idx = [i for i, p in enumerate(probes) if p.kind == "var"]
        for c in range(0, len(var_idx), 120):
            chunk = var_idx[c:c + 120]
            msg = "From a@b  Mon Jan  6 10:00:00 2025\nSubject: x\n\nbody\n"
            got = run_group(tmp, [probes[i] for i in chunk], msg, f"var{c}")
            for i, g in zip(chunk, got):
                results[i] = g
        groups = {}
        for i, p in enumerate(probes):
            if p.kind == "head":
                groups.setdefault(("head", p.area), []).append(i)
            elif p.kind == "body":
                groups.setdefault(("body", p.area), []).append(i)
        for n, ((kind, area), idx) in enumerate(groups.items()):
            if kind == "head":
                msg = area + "\nbody line\n"
            else:
                msg = "From a@b  Mon Jan  6 10:00:00 2025\nSubject: x\n\n" + area
            got = run_group(tmp, [probes[i] for i in idx], msg, f"{kind}{n}")
            for i, g in zip(idx, got):
                results[i] = g
    differ = []
    disagree = []
    warned = 0
    for p, raw, line in zip(probes, results, ours):
        theirs = theirs_of(p, raw)
        mine, extra = ours_of(p, line)
        if "DISAGREE" in extra:
            disagree.append(p)
        if "W" in extra:
            warned += 1
        if theirs != mine:
            differ.append((p, theirs, mine, theirs == HANGS and "S" in extra))
    allowed = [d for d in differ if (d[0].pattern, d[0].area) in ALLOWED or d[3]]
    bad = [d for d in differ if not ((d[0].pattern, d[0].area) in ALLOWED or d[3])]
    print(f"{len(probes)} probes, {len(differ)} differ ({len(allowed)} allowed); "
          f"{warned} invalid-regexp warnings; {len(disagree)} PCRE2/automaton disagreements")
    for p, theirs, mine, _ in allowed:
        why = ALLOWED.get((p.pattern, p.area), "procmail spins forever on this pattern; we answer")
        print(f"allowed: pattern={p.pattern!r} area={p.area!r}: {why}")
    for p, theirs, mine, _ in bad[:40]:
        print(f"DIFF {p.kind}/{p.mode}/{p.flags or '-'} pattern={p.pattern!r} area={p.area!r}\n"
              f"     procmail: {theirs!r}\n     ours:     {mine!r}", file=sys.stderr)
    for p in disagree[:10]:
        print(f"DISAGREE pattern={p.pattern!r} area={p.area!r}", file=sys.stderr)
    if bad or disagree:
        print(f"FAIL: {len(bad)} unexplained differences, {len(disagree)} disagreements", file=sys.stderr)
        sys.exit(1)
    print(f"{len(probes)} passed, 0 failed")


main()
