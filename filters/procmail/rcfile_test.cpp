// rcfile_test.cpp — the rcfile reader.  Each case is an rcfile and the items
// we read from it, as a transcript; the cases marked "procmail:" were run
// through Debian's procmail 3.22-27 with VERBOSE=on and the comment says
// what it did.
#include "filters/procmail/rcfile.h"

#include <doctest/doctest.h>

#include <string>

using namespace mail::procmail;

namespace {

std::string vis(std::string_view s) {
    std::string o;
    for (char c : s) {
        if (c == '\n') o += "\\n";
        else if (c == '\t') o += "\\t";
        else if (c == '\r') o += "\\r";
        else if (c == '\0') o += "\\0";
        else o += c;
    }
    return o;
}

const char* issue_name(ParseIssue i) {
    switch (i) {
    case ParseIssue::StrayBrace: return "stray-brace";
    case ParseIssue::UnterminatedBlock: return "unterminated-block";
    case ParseIssue::MissingAction: return "missing-action";
    case ParseIssue::IncompleteRecipe: return "incomplete-recipe";
    case ParseIssue::SkippedText: return "skipped";
    case ParseIssue::UnterminatedQuote: return "unterminated-quote";
    case ParseIssue::LegacyCountPastEof: return "count-past-eof";
    }
    return "?";
}

// One line per item, condition, action and diagnostic.
std::string describe(const ParsedRcfile& p) {
    std::string o;
    for (std::size_t k = 0; k < p.items.size(); ++k) {
        const Item& it = p.items[k];
        o += std::to_string(it.line) + ": ";
        switch (it.kind) {
        case ItemKind::Assign: o += "assign " + std::string(it.name) + "=[" + vis(it.value) + "]\n"; break;
        case ItemKind::Unset: o += "unset " + std::string(it.name) + "\n"; break;
        case ItemKind::Skipped: o += "skipped [" + vis(it.value) + "]\n"; break;
        case ItemKind::CloseBrace:
            o += it.stray ? "} stray\n" : "} closes #" + std::to_string(it.open) + "\n";
            break;
        case ItemKind::Recipe: {
            const Recipe& r = it.recipe;
            const HeaderFields& f = r.header.fields;
            o += "#" + std::to_string(k) + " recipe [" + vis(r.header.raw) + "] count=" + std::to_string(f.count);
            if (!f.flags.empty()) o += " flags=" + f.flags;
            if (f.lock == LockKind::Implicit) o += " lock";
            if (f.lock == LockKind::Explicit) o += " lock=[" + f.lock_name + "]";
            if (!f.skipped.empty()) o += " skipped=[" + vis(f.skipped) + "]";
            if (r.header.dynamic) o += " dynamic";
            o += "\n";
            for (const auto& c : r.conditions)
                o += std::to_string(c.line) + ":   " + (c.legacy ? "legacy" : "*") + " [" + vis(c.text) + "]\n";
            const Action& a = r.action;
            o += std::to_string(a.line) + ":   ";
            if (!a.capture.empty()) o += "capture " + std::string(a.capture) + " ";
            switch (a.kind) {
            case ActionKind::Folder: o += "folder [" + vis(a.text) + "]\n"; break;
            case ActionKind::Pipe: o += "pipe [" + vis(a.text) + "]\n"; break;
            case ActionKind::Forward: o += "forward [" + vis(a.text) + "]\n"; break;
            case ActionKind::Block: o += "block to #" + std::to_string(a.block_end) + "\n"; break;
            case ActionKind::MissingAction: o += "missing action\n"; break;
            case ActionKind::Incomplete: o += "incomplete\n"; break;
            }
            break;
        }
        }
    }
    for (const auto& d : p.diagnostics)
        o += std::to_string(d.line) + ": diag " + issue_name(d.issue) + (d.text.empty() ? "" : " [" + vis(d.text) + "]") +
             "\n";
    return o;
}

struct Case {
    const char* name;
    const char* rc;
    const char* want;
};

void run_cases(const Case* cases, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) {
        SUBCASE(cases[k].name) {
            std::string got = describe(parse_rcfile(cases[k].rc));
            INFO("rcfile:\n" << std::string(cases[k].rc));
            CHECK(got == std::string(cases[k].want));
        }
    }
}

}  // namespace

TEST_SUITE("procmail.rcfile") {

TEST_CASE("assignments, unsets and what procmail skips (E8, E11)") {
    const Case cases[] = {
        {"E8 V8: B=two words unsets `words`", "B=two words\n",
         "1: assign B=[two]\n"
         "1: unset words\n"},
        {"blanks around = and a comment", "A = spaced # note\n  C=\"x y\"z\n",
         "1: assign A=[spaced]\n"
         "2: assign C=[\"x y\"z]\n"},
        {"E11: garbage becomes unsets", "this is garbage\n",
         "1: unset this\n"
         "1: unset is\n"
         "1: unset garbage\n"},
        // procmail: Skipped "foo", then Skipped "-bar=1"
        {"a name followed by another character", "foo-bar=1\n",
         "1: skipped [foo]\n"
         "1: skipped [-bar=1]\n"
         "1: diag skipped [foo]\n"
         "1: diag skipped [-bar=1]\n"},
        // procmail: Skipped "foo" (no newline after the last name)
        {"a name at the end of the file", "A=1\nfoo",
         "1: assign A=[1]\n"
         "2: skipped [foo]\n"
         "2: diag skipped [foo]\n"},
        {"a digit cannot start a name", "1abc=2\n",
         "1: skipped [1abc=2]\n"
         "1: diag skipped [1abc=2]\n"},
        // procmail: Assigning "CAP=|", then "echo" and "hi" unset
        {"a capture outside a recipe is an assignment", "CAP= | echo hi\n",
         "1: assign CAP=[|]\n"
         "1: unset echo\n"
         "1: unset hi\n"},
        {"a quoted value spans lines", "A=\"one\ntwo\" B\n",
         "1: assign A=[\"one\\ntwo\"]\n"
         "2: unset B\n"},
        {"a bad substitution eats the newline", "A=${S\nLOG=x\n",
         "1: assign A=[${S\\nLOG=x]\n"},
        {"${U:-a b} ends at the blank", "A=${U:-a b}\n",
         "1: assign A=[${U:-a]\n"
         "1: skipped [b]\n"
         "1: } stray\n"
         "1: diag skipped [b]\n"
         "1: diag stray-brace [}]\n"},
        {"CR is not a blank (KNOWN_BUGS)", "VERBOSE=on\r\nFOO\r\n",
         "1: assign VERBOSE=[on\\r]\n"
         "2: skipped [FOO]\n"
         "2: skipped [\\r]\n"
         "2: diag skipped [FOO]\n"
         "2: diag skipped [\\r]\n"},
        {"comments and blank lines", "# one\n\n   # two\n\t\nA=1#not a comment\n",
         "5: assign A=[1#not]\n"
         "5: unset a\n"
         "5: unset comment\n"},
        {"an open quote at the end", "A=\"never closed\n",
         "1: assign A=[\"never closed\\n]\n"
         "1: diag unterminated-quote [\"never closed\\n]\n"},
    };
    run_cases(cases, std::size(cases));
}

TEST_CASE("recipe headers: number, flags, locks, skipped text") {
    const Case cases[] = {
        {"plain", ":0\nbox\n",
         "1: #0 recipe [0] count=0\n"
         "2:   folder [box]\n"},
        {"flags with blanks and an implicit lock", ":0 Hb w:\nbox\n",
         "1: #0 recipe [0 Hb w:] count=0 flags=Hbw lock\n"
         "2:   folder [box]\n"},
        {"explicit lock, the rest skipped", ":0 c : lk extra\nbox\n",
         "1: #0 recipe [0 c : lk extra] count=0 flags=c lock=[lk] skipped=[extra]\n"
         "2:   folder [box]\n"
         "1: diag skipped [extra]\n"},
        // procmail: Skipped "Xc"; the c after the unknown X is not a flag
        {"E11: an unknown flag ends the flags", ":0 hXc:\nbox\n",
         "1: #0 recipe [0 hXc:] count=0 flags=h skipped=[Xc:]\n"
         "2:   folder [box]\n"
         "1: diag skipped [Xc:]\n"},
        {":0:c locks on a file named c", ":0:c\nbox\n",
         "1: #0 recipe [0:c] count=0 lock=[c]\n"
         "2:   folder [box]\n"},
        {"a comment after the header", ":0 c # copy\nbox\n",
         "1: #0 recipe [0 c # copy] count=0 flags=c\n"
         "2:   folder [box]\n"},
        {"a variable in the header", ":0:$HOME/x.lock\nbox\n",
         "1: #0 recipe [0:$HOME/x.lock] count=0 lock=[/x.lock] dynamic\n"
         "2:   folder [box]\n"},
        {"all the flags", ":0HBDAahbfcwWiEer\nbox\n",
         "1: #0 recipe [0HBDAahbfcwWiEer] count=0 flags=HBDAahbfcwWiEer\n"
         "2:   folder [box]\n"},
    };
    run_cases(cases, std::size(cases));
    CHECK(parse_header_words({"99999999999999999999"}).count == -1);  // strtol saturates; (int) keeps -1
    CHECK(parse_header_words({"-3c"}).count == -3);
    CHECK(parse_header_words({""}).count == -1);
    CHECK(parse_header_words({"0", ":", ""}).lock_name.empty());
    CHECK(parse_header_words({"0", ":", ""}).lock == LockKind::Explicit);
}

TEST_CASE("conditions: blanks, continuations, comments, the old :N syntax") {
    const Case cases[] = {
        {"trailing blanks go, inner ones stay", ":0\n*   ^Subject: a  b \t\nbox\n",
         "1: #0 recipe [0] count=0\n"
         "2:   * [^Subject: a  b]\n"
         "3:   folder [box]\n"},
        {"a backslash-newline keeps both; a lone backslash line is a newline", ":0\n* a\\\n  b\n* c\\\n\\\n d\nbox\n",
         "1: #0 recipe [0] count=0\n"
         "2:   * [a\\\\n  b]\n"
         "4:   * [c\\\\n\\n d]\n"
         "7:   folder [box]\n"},
        {"a comment on a condition line is part of it", ":0\n* ^Subject: hi # greeting\nbox\n",
         "1: #0 recipe [0] count=0\n"
         "2:   * [^Subject: hi # greeting]\n"
         "3:   folder [box]\n"},
        {"comment lines and blank lines between conditions", ":0\n* a\n# note\n\n* b\n\nbox\n",
         "1: #0 recipe [0] count=0\n"
         "2:   * [a]\n"
         "5:   * [b]\n"
         "7:   folder [box]\n"},
        // procmail: Match on "^Subject", Match on ! "^Nothing"
        {":2 takes two lines as conditions", ":2 c\n^Subject\n!^Nothing\nbox4\n",
         "1: #0 recipe [2 c] count=2 flags=c\n"
         "2:   legacy [^Subject]\n"
         "3:   legacy [!^Nothing]\n"
         "4:   folder [box4]\n"},
        {"no number: one old-style condition", ":fw\nfoo\nbar\n",
         "1: #0 recipe [fw] count=-1 flags=fw\n"
         "2:   legacy [foo]\n"
         "3:   folder [bar]\n"},
        {"no number with A: none", ":A\nbox\n",
         "1: #0 recipe [A] count=-1 flags=A\n"
         "2:   folder [box]\n"},
        {":N past the end", ":3\nonly\n",
         "1: #0 recipe [3] count=3\n"
         "2:   legacy [only]\n"
         "3:   incomplete\n"
         "3: diag count-past-eof\n"
         "3: diag incomplete-recipe\n"},
    };
    run_cases(cases, std::size(cases));
}

TEST_CASE("actions: folders, pipes, forwards, captures, and the traps") {
    const Case cases[] = {
        {"folders", ":0\n$MAILDIR/box other # two\n",
         "1: #0 recipe [0] count=0\n"
         "2:   folder [$MAILDIR/box other # two]\n"},
        {"pipe: leading blank and continuations kept", ":0 fw\n| sed -e s/a/b/ \\\n   -e s/c/d/\n",
         "1: #0 recipe [0 fw] count=0 flags=fw\n"
         "2:   pipe [ sed -e s/a/b/ \\\\n   -e s/c/d/]\n"},
        {"a bare pipe", ":0\n|\n",
         "1: #0 recipe [0] count=0\n"
         "2:   pipe []\n"},
        {"forward", ":0\n! -f \"$1\" \"$@\"\n",
         "1: #0 recipe [0] count=0\n"
         "2:   forward [ -f \"$1\" \"$@\"]\n"},
        {"E8 V20: capture", ":0 h\nSUBJ=| formail -xSubject:\n",
         "1: #0 recipe [0 h] count=0 flags=h\n"
         "2:   capture SUBJ pipe [ formail -xSubject:]\n"},
        {"capture with blanks; capture of a forward", ":0\nV = |cmd\n:0\nW=! a@b\n",
         "1: #0 recipe [0] count=0\n"
         "2:   capture V pipe [cmd]\n"
         "3: #1 recipe [0] count=0\n"
         "4:   capture W forward [ a@b]\n"},
        {"NAME=value as an action is a folder", ":0\nVAR=value\n",
         "1: #0 recipe [0] count=0\n"
         "2:   folder [VAR=value]\n"},
        // procmail: delivered to "foo"
        {"a # right after a name starts a comment", ":0\nfoo#bar\n",
         "1: #0 recipe [0] count=0\n"
         "2:   folder [foo]\n"},
        // procmail: delivered to "{x"
        {"{ needs a blank after it", ":0\n{x\n:0\n{}\n",
         "1: #0 recipe [0] count=0\n"
         "2:   folder [{x]\n"
         "3: #1 recipe [0] count=0\n"
         "4:   folder [{}]\n"},
        // procmail: delivered to a file named "}"
        {"E11: an action `}` is a folder", ":0\n}\n",
         "1: #0 recipe [0] count=0\n"
         "2:   folder [}]\n"},
        // procmail: Match on "^Subject", delivered to ":0" then unset box
        {"a header line right after conditions is the action", ":0 c\n* ^Subject\n# comment\n:0 c\nbox\n",
         "1: #0 recipe [0 c] count=0 flags=c\n"
         "2:   * [^Subject]\n"
         "4:   folder [:0 c]\n"
         "5: unset box\n"},
        // procmail: Match on "^Subject", Missing action, then box2
        {"a blank line, then a header: Missing action", ":0 c\n* ^Subject\n\n:0 c\nbox2\n",
         "1: #0 recipe [0 c] count=0 flags=c\n"
         "2:   * [^Subject]\n"
         "4:   missing action\n"
         "4: #1 recipe [0 c] count=0 flags=c\n"
         "5:   folder [box2]\n"
         "1: diag missing-action\n"},
        {"end of file instead of an action", ":0\n* x\n",
         "1: #0 recipe [0] count=0\n"
         "2:   * [x]\n"
         "3:   incomplete\n"
         "3: diag incomplete-recipe\n"},
    };
    run_cases(cases, std::size(cases));
}

TEST_CASE("blocks: nesting, one-line blocks, stray and missing braces") {
    const Case cases[] = {
        {"nested", ":0\n* a\n{\n  :0\n  {\n    A=1\n  }\n}\n",
         "1: #0 recipe [0] count=0\n"
         "2:   * [a]\n"
         "3:   block to #4\n"
         "4: #1 recipe [0] count=0\n"
         "5:   block to #3\n"
         "6: assign A=[1]\n"
         "7: } closes #1\n"
         "8: } closes #0\n"},
        // procmail: Assigning "A=1"; Assigning "B=2"
        {"on one line, and { with a tab", ":0\n{ A=1 }\n:0\n{\tB=2\n}\n",
         "1: #0 recipe [0] count=0\n"
         "2:   block to #2\n"
         "2: assign A=[1]\n"
         "2: } closes #0\n"
         "3: #3 recipe [0] count=0\n"
         "4:   block to #5\n"
         "4: assign B=[2]\n"
         "5: } closes #3\n"},
        {"stray }, text after it", "} A=1\n",
         "1: } stray\n"
         "1: assign A=[1]\n"
         "1: diag stray-brace [}]\n"},
        {"unterminated", ":0\n{\n:0\n{\nA=1\n",
         "1: #0 recipe [0] count=0\n"
         "2:   block to #3\n"
         "3: #1 recipe [0] count=0\n"
         "4:   block to #3\n"
         "5: assign A=[1]\n"
         "1: diag unterminated-block [{]\n"
         "3: diag unterminated-block [{]\n"},
    };
    run_cases(cases, std::size(cases));
}

TEST_CASE("line numbers and lengths") {
    auto p = parse_rcfile("A=1\n\n:0\n* x\\\n  y\nbox\nB=2");
    REQUIRE(p.items.size() == 3);
    CHECK(p.items[2].line == 7);
    CHECK(p.items[1].recipe.action.line == 6);
    CHECK(p.line_lengths == std::vector<std::size_t>{3, 0, 2, 4, 3, 3, 3});
    CHECK(parse_rcfile("").line_lengths.empty());
    CHECK(parse_rcfile("x\n").line_lengths == std::vector<std::size_t>{1});
}

TEST_CASE("hostile input: long lines, NUL bytes, deep nesting") {
    std::string line(1 << 20, 'a');
    auto p = parse_rcfile("A=" + line + "\n");
    REQUIRE(p.items.size() == 1);
    CHECK(p.items[0].value.size() == line.size());
    CHECK(p.line_lengths[0] == line.size() + 2);

    auto n = parse_rcfile(std::string("A=x\0y z\n:0\n* a\0b\n\0box\n", 23));
    CHECK_FALSE(n.items.empty());

    std::string deep;
    for (int k = 0; k < 10000; ++k) deep += ":0\n{\n";
    auto d = parse_rcfile(deep);
    CHECK(d.items.size() == 10000);
    CHECK(d.diagnostics.size() == 10000);
    std::string closed = deep + std::string(10000, '}');
    auto c = parse_rcfile(closed);
    CHECK(c.items.size() == 20000);
    CHECK(c.items[0].recipe.action.block_end == 19999);
    CHECK(c.diagnostics.empty());
}

TEST_CASE("parse_condition: prefixes in any order, then one kind") {
    auto r = parse_condition("^Subject:.*\\\n   more");
    CHECK(r.kind == ConditionKind::Regex);
    CHECK(r.body == "^Subject:.*more");
    CHECK_FALSE(r.negate);

    auto w = parse_condition("-1.5^0.5 ! ! B ?? ^^From");
    CHECK(w.weighted);
    CHECK(w.weight == -1.5);
    CHECK(w.exponent == 0.5);
    CHECK_FALSE(w.negate);
    CHECK(w.area == AreaKind::Body);
    CHECK(w.body == "^^From");

    // strtod in the C locale: a comma is no decimal point, so this is a
    // regular expression (procmail 3.22 agrees); exponents are numbers.
    auto comma = parse_condition("2,25^1 ^To");
    CHECK_FALSE(comma.weighted);
    CHECK(comma.body == "2,25^1 ^To");
    auto e = parse_condition("1e1^0 ^Subject");
    CHECK(e.weighted);
    CHECK(e.weight == 10);

    auto v = parse_condition("! MYVAR ?? $ ${X}");
    CHECK(v.negate);
    CHECK(v.area == AreaKind::Variable);
    CHECK(v.area_name == "MYVAR");
    CHECK(v.kind == ConditionKind::Dollar);
    CHECK(v.body == " ${X}");
    // the engine expands the body and goes on with what it has
    auto v2 = parse_condition("! foo", v);
    CHECK_FALSE(v2.negate);
    CHECK(v2.area_name == "MYVAR");
    CHECK(v2.body == "foo");

    CHECK(parse_condition("? test -f x").kind == ConditionKind::Program);
    CHECK(parse_condition("? test -f x").body == " test -f x");
    CHECK(parse_condition("> 1000").kind == ConditionKind::Greater);
    CHECK(parse_condition("< 1000").body == "< 1000");
    CHECK(parse_condition("HB ?? x").area == AreaKind::Message);
    CHECK(parse_condition("BH ?? x").area == AreaKind::Message);
    CHECK(parse_condition("H ?? x").area == AreaKind::Header);
    // not a weight: no digits, or no exponent
    CHECK(parse_condition("1234").kind == ConditionKind::Regex);
    CHECK(parse_condition(".*x").body == ".*x");
    CHECK(parse_condition("1^x").body == "1^x");
    CHECK(parse_condition("\\!x").body == "\\!x");
    CHECK(parse_condition("").kind == ConditionKind::Regex);
    CHECK(parse_condition("X").body == "X");
    CHECK(squeeze_continuations("a\\\n  b\n  c") == "ab\nc");
}

TEST_CASE("the items' texts outlive the input and the first copy") {
    ParsedRcfile copy;
    {
        std::string text = "A=one\n:0:\n* ^Subject:.*x\\\n  y  \nVAR\t=\tbox more\n:0\n| cat \\\n -n\n";
        ParsedRcfile p = parse_rcfile(text);
        text.assign(text.size(), '#');  // the parse has its own copy
        copy = p;
    }
    REQUIRE(copy.items.size() == 3);
    CHECK(copy.items[0].name == "A");
    CHECK(copy.items[0].value == "one");
    const Recipe& r = copy.items[1].recipe;
    CHECK(r.header.raw == "0:");
    REQUIRE(r.conditions.size() == 1);
    CHECK(r.conditions[0].text == "^Subject:.*x\\\n  y");
    CHECK(r.action.text == "VAR = box more");  // blanks around `=` as procmail rebuilds them
    CHECK(copy.items[2].recipe.conditions.empty());
    CHECK(copy.items[2].recipe.action.text == " cat \\\n -n");
}

}  // TEST_SUITE
