// lint_test.cpp — one case per trap, with the exact text the user sees.
#include "filters/procmail/lint.h"

#include <doctest/doctest.h>

#include <string>

using namespace mail::procmail;

namespace {

// A stand-in for the regex module: an unbalanced `(` is invalid.
std::optional<std::string> fake_check(std::string_view p) {
    int depth = 0;
    for (char c : p) {
        if (c == '(') ++depth;
        if (c == ')' && --depth < 0) return std::string("unmatched )");
    }
    if (depth > 0) return std::string("missing )");
    return std::nullopt;
}

std::string run(std::string_view rc, LintOptions o = {}) {
    o.file = "rc";
    if (!o.check_regex) o.check_regex = fake_check;
    std::string out;
    for (const auto& m : lint(parse_rcfile(rc), o)) out += m.format() + "\n";
    return out;
}

struct Case {
    const char* name;
    const char* rc;
    const char* want;
};

}  // namespace

TEST_SUITE("procmail.lint") {

TEST_CASE("each trap, with its exact message") {
    const Case cases[] = {
        {"a clean rcfile says nothing",
         "MAILDIR=$HOME/Mail\nLOCKFILE=$HOME/.lock\n:0:\n* ^Subject:.*report\nreports\n:0 fhw\n| formail -I X-F\n"
         ":0\n{\n  :0 c\n  ! a@b\n}\nLOCKFILE\n",
         ""},
        {"B=two words", "B=two words here\n",
         "rc:1: warning: the value of B is one word, \"two\"; `words` and `here` after it unset variables of those "
         "names (quote the value: B=\"two words here\")\n"},
        {"bare words", "this is garbage\nfoo\n",
         "rc:1: warning: bare words `this`, `is` and `garbage` unset variables of those names\n"
         "rc:2: warning: bare word `foo` unsets the variable of that name (write `foo=` if that is meant)\n"},
        {"skipped text", "foo-bar\n",
         "rc:1: warning: procmail skips \"foo\" (not an assignment, recipe or brace)\n"
         "rc:1: warning: procmail skips \"-bar\" (not an assignment, recipe or brace)\n"},
        {"unknown flag", ":0 Xc:\n/dev/null\n",
         "rc:1: warning: unknown flag `X` in \":0 Xc:\": procmail skips \"Xc:\" and any flag or lock in it "
         "(procmail: \"Skipped\")\n"},
        {"E with e", ":0\n* a\nx\n:0 Ee\n/dev/null\n",
         "rc:4: warning: flags E and e conflict: procmail ignores E (\"Conflicting else-if-flag suppressed\")\n"},
        {"e with a", ":0\n* a\nx\n:0 ea\n/dev/null\n",
         "rc:4: warning: flags e and a conflict: procmail ignores a (\"Conflicting also-if-succeeded-flag "
         "suppressed\")\n"},
        {"f on a folder", ":0 f\nbox\n",
         "rc:1: warning: flag f on a folder does nothing (procmail: \"Extraneous filter-flag ignored\")\n"},
        {"c on a filter and on a capture", ":0 cfw\n| cat\n:0 c\nV=| cat\n",
         "rc:1: warning: flag c on a filter does nothing (procmail: \"Extraneous copy-flag ignored\")\n"
         "rc:3: warning: flag c on a capture does nothing (procmail: \"Extraneous copy-flag ignored\")\n"},
        {"h b i r and a lock on a block", ":0 hir:\n{\n}\n:0 bf\n{\n}\n",
         "rc:1: warning: flag h on a block does nothing (procmail: \"Extraneous deliver-head flag ignored\")\n"
         "rc:1: warning: flag i on a block does nothing (procmail: \"Extraneous ignore-write-error flag ignored\")\n"
         "rc:1: warning: flag r on a block does nothing (procmail: \"Extraneous raw-mode flag ignored\")\n"
         "rc:1: warning: a lock on a block without c does nothing (procmail: \"Extraneous locallockfile ignored\")\n"
         "rc:4: warning: flag f on a block does nothing (procmail: \"Extraneous filter-flag ignored\")\n"
         "rc:4: warning: flag b on a block does nothing (procmail: \"Extraneous deliver-body flag ignored\")\n"},
        {"delivering pipe without w (E10)", ":0\n| prog\n:0 c\n| copy\n:0:x.lock\n| locked\n:0 W\n| quiet\n",
         "rc:2: warning: delivering pipe without w: procmail takes the mail as delivered even when the program "
         "fails, so the mail can be lost (add w)\n"},
        {"filter without w", ":0 f\n| tr a-z A-Z\n",
         "rc:2: warning: filter without w: if the program fails, its output (perhaps nothing) still replaces the "
         "message\n"},
        {"h only and b only", ":0 h\nheaders\n:0 bw\n| prog\n:0 hc\ncopy\n",
         "rc:2: warning: h without b on a delivering recipe: only the header is delivered and the body is lost\n"
         "rc:4: warning: b without h on a delivering recipe: only the body is delivered and the header is lost\n"},
        {"stray }", "}\n",
         "rc:1: error: `}` without an open block (procmail: \"Closing brace unexpected\")\n"},
        {"a recipe whose action is }", ":0\n* ^Subject: x\n}\n",
         "rc:3: error: the action is a folder named `}`: the `{` of a block is missing\n"},
        {"unterminated block", "A=1\n:0\n{\n:0\nbox\n",
         "rc:2: error: this recipe's `{` is never closed (procmail: \"Missing closing brace\")\n"},
        {":0: on a pipe without >>", ":0:\n| prog -o out\n:0:\n| cat >> $HOME/box\n",
         "rc:2: warning: `:0:` on a pipe needs `>>` in the command to name the lock file (procmail: \"Couldn't "
         "determine implicit lockfile\"); name one: `:0:file.lock`\n"},
        {"invalid regexp", ":0\n* ^Subject:.*(unbalanced\n/dev/null\n",
         "rc:2: error: invalid regular expression \"^Subject:.*(unbalanced\": missing ) (procmail: \"Invalid "
         "regexp\")\n"},
        {"comment on a condition line", ":0\n* ^From:.*boss # my boss\n* $ ${X} # too\n* ? test -f x # fine\nbox\n",
         "rc:2: warning: `#` on a condition line is not a comment: \"# my boss\" is part of the regular expression\n"
         "rc:3: warning: `#` on a condition line is not a comment: \"# too\" is part of the condition\n"},
        {"a CR after a header is an unknown flag", ":0\r\nbox\n",
         "rc:1: warning: unknown flag `\\r` in \":0\\r\": procmail skips \"\\r\" and any flag or lock in it "
         "(procmail: \"Skipped\")\n"
         "rc:1: warning: line ends in a carriage return: procmail takes it as part of the text, not as a blank; use "
         "Unix line ends\n"},
        {"CR at line ends", "A=1\r\nB=2\r\nC=3\r\n",
         "rc:1: warning: line ends in a carriage return (and 2 more lines): procmail takes it as part of the text, "
         "not as a blank; use Unix line ends\n"},
        {"missing action", ":0\n* a\n\n:0\nbox\n",
         "rc:4: error: the recipe above has no action before this recipe (procmail: \"Missing action\")\n"},
        {"incomplete recipe", ":0\n* a\n",
         "rc:3: error: the file ends before the recipe's action (procmail: \"Incomplete recipe\")\n"},
        {"a header taken as an action", ":0\n* a\n:0\nbox\n",
         "rc:3: warning: the action is a folder named \":0\": a recipe line right after the conditions is taken as the "
         "previous recipe's action\n"
         "rc:4: warning: bare word `box` unsets the variable of that name (write `box=` if that is meant)\n"},
        {"no number in the header", ":fw\n| prog\n",
         "rc:1: warning: recipe header without a number: procmail reads the next line as a condition even without "
         "`*` (write `:0`)\n"
         "rc:3: error: the file ends before the recipe's action (procmail: \"Incomplete recipe\")\n"},
        {"old :N syntax", ":1\n^Subject\nbox\n",
         "rc:1: warning: old `:1` syntax: the next 1 line(s) are conditions even without `*` (write `:0` and `*` "
         "lines)\n"},
        {"expansion in the header", ":0:$HOME/x.lock\nbox\n",
         "rc:1: warning: recipe header \":0:$HOME/x.lock\" uses $ or a backquote: its flags and lock are decided at "
         "run time\n"},
        {"open quote", "A=\"x\n",
         "rc:1: error: a quote or backquote is still open at the end of the file (procmail: \"Unexpected EOL\")\n"},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) { CHECK(run(c.rc) == std::string(c.want)); }
    }
}

TEST_CASE("lines longer than LINEBUF") {
    std::string rc = "A=" + std::string(2100, 'x') + "\nB=1\n";
    CHECK(run(rc) ==
          "rc:1: warning: line is 2102 bytes, longer than LINEBUF (2048): procmail fails or stops here (\"Exceeded "
          "LINEBUF\")\n");
    LintOptions o;
    o.linebuf = 8192;
    CHECK(run(rc, o).empty());
}

TEST_CASE("messages are in line order; has_errors") {
    auto msgs = lint(parse_rcfile("}\nfoo bar\n"));
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[0].line == 1);
    CHECK(msgs[0].format() == "procmailrc:1: error: `}` without an open block (procmail: \"Closing brace unexpected\")");
    CHECK(msgs[1].line == 2);
    CHECK(has_errors(msgs));
    CHECK_FALSE(has_errors(lint(parse_rcfile("foo bar\n"))));
}

TEST_CASE("without a regex callback, regexps are not checked") {
    LintOptions o;
    o.file = "rc";
    CHECK(lint(parse_rcfile(":0\n* (\nbox\n"), o).empty());
}

}  // TEST_SUITE
