// expand_test.cpp — procmail's expansions and quoting.  Every expected value
// was first produced by Debian's procmail 3.22-27 (VERBOSE=on, LOG=…) on the
// same text; rows V1–V21 are those of ../shared/reference/procmail.md E8.
#include "filters/procmail/expand.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

using namespace mail::procmail;

namespace {

struct FakeEnv final : ExpandEnv {
    std::map<std::string, std::string, std::less<>> vars;
    std::map<char, std::string> specials{{'$', "4242"}, {'?', "0"}, {'#', "0"}, {'-', ""},
                                         {'_', "./rc"}, {'=', "0"},   {'0', "procmail"}};
    std::vector<std::string> arguments;
    std::vector<Command> ran;
    std::map<std::string, std::string> outputs;  // by shell text or argv[0]
    std::vector<std::string> logged;

    const std::string* get(std::string_view name) override {
        auto it = vars.find(name);
        return it == vars.end() ? nullptr : &it->second;
    }
    std::string special(char c) override { return specials[c]; }
    const std::vector<std::string>& args() override { return arguments; }
    // `echo` (exec'd) is emulated; anything else answers from `outputs`
    std::string backquote(const Command& cmd) override {
        ran.push_back(cmd);
        if (!cmd.shell && cmd.argv.at(0) == "echo") {
            std::string out;
            for (std::size_t k = 1; k < cmd.argv.size(); ++k) out += (k > 1 ? " " : "") + cmd.argv[k];
            return out;
        }
        auto it = outputs.find(cmd.shell ? cmd.text : cmd.argv.at(0));
        return it == outputs.end() ? std::string() : it->second;
    }
    void log(std::string_view d) override { logged.emplace_back(d); }
};

std::string assign(FakeEnv& env, std::string_view raw) { return expand_assignment(raw, env).text; }
std::vector<std::string> args(FakeEnv& env, std::string_view raw) { return expand_args(raw, env).words; }

using Words = std::vector<std::string>;

}  // namespace

TEST_SUITE("procmail.expand") {

TEST_CASE("E8 V1-V4: ${X:-w} ${X-w} ${X:+w} ${X+w} for unset, empty and set X") {
    FakeEnv env;
    env.vars = {{"E", ""}, {"S", "set"}};
    struct Row {
        const char* raw;
        const char* want;
    };
    const Row rows[] = {
        {"[${U:-dflt}] [${E:-dflt}] [${S:-dflt}]", "[dflt] [dflt] [set]"},  // V1
        {"[${U-dflt}] [${E-dflt}] [${S-dflt}]", "[dflt] [] [set]"},         // V2
        {"[${U:+alt}] [${E:+alt}] [${S:+alt}]", "[] [] [alt]"},             // V3
        {"[${U+alt}] [${E+alt}] [${S+alt}]", "[] [alt] [alt]"},             // V4
    };
    for (const auto& row : rows) {
        SUBCASE(row.raw) {
            std::string raw = std::string("\"") + row.raw + "\"";
            CHECK(assign(env, raw) == row.want);
        }
    }
    CHECK(env.logged.empty());
}

TEST_CASE("E8 V5: $\\name escapes ( | ) * ? + . ^ $ [ \\ behind ()") {
    FakeEnv env;
    env.vars = {{"DOTS", "a.b*c"}, {"ALL", "(|)*?+.^$[\\]{}x"}, {"E", "backquote output"}};
    CHECK(assign(env, "$\\DOTS") == "()a\\.b\\*c");
    CHECK(assign(env, "$\\ALL") == "()\\(\\|\\)\\*\\?\\+\\.\\^\\$\\[\\\\]{}x");
    CHECK(assign(env, "$\\E") == "()backquote output");  // a blank is not special
    CHECK(regex_escape("a.b*c") == "()a\\.b\\*c");
    // never split, even in an argument list
    CHECK(args(env, "x $\\E y") == Words{"x", "()backquote output", "y"});
}

TEST_CASE("E8 V6: $$ $? $# $_ $- $= and $0 $1 come from the interpreter") {
    FakeEnv env;
    env.specials['-'] = "";
    env.specials['_'] = "/home/u/.procmailrc";
    CHECK(assign(env, "\"[$$] [$_] [$-] [$#] [$?] [$=]\"") == "[4242] [/home/u/.procmailrc] [] [0] [0] [0]");
    CHECK(assign(env, "${1-none}${0}") == "noneprocmail");
    env.arguments = {"one", "two words"};
    CHECK(assign(env, "$1/$2/$3") == "one/two words/");
    CHECK(assign(env, "${3-unset}") == "unset");
    CHECK(assign(env, "$10") == "one0");  // one digit only
    CHECK(args(env, "$2") == Words{"two", "words"});
    // $$ $? $# $= are copied, never split
    env.specials['='] = "1 2";
    CHECK(args(env, "$=") == Words{"1 2"});
}

TEST_CASE("E8 V8/V9: an assignment value is one word and is never split") {
    FakeEnv env;
    env.vars = {{"C", "two   words"}};
    auto e = expand_assignment("two", env);
    CHECK(e.text == "two");
    CHECK(assign(env, "$C") == "two   words");
    CHECK(assign(env, "\"two   words\"") == "two   words");
    // only the argument list splits an unquoted expansion
    CHECK(args(env, "$C") == Words{"two", "words"});
    CHECK(args(env, "\"$C\"") == Words{"two   words"});
}

TEST_CASE("E8 V11-V13: backquotes — exec or shell, trailing newlines, no splitting in assignments") {
    FakeEnv env;
    env.vars = {{"SHELLMETAS", "&|<>~;?*["}};
    env.outputs = {{"printf", "a   b\nc"}};
    // V11: no shell metacharacter: procmail splits the words itself
    CHECK(assign(env, "`echo   backquote   output`") == "backquote output");
    REQUIRE(env.ran.size() == 1);
    CHECK_FALSE(env.ran[0].shell);
    CHECK(env.ran[0].argv == Words{"echo", "backquote", "output"});
    // V12: inside double quotes; the single quotes are procmail's, so echo
    // gets the backslash-n literally
    CHECK(assign(env, "\"`echo 'multi\\nline'`\"") == "multi\\nline");
    CHECK(env.ran.back().argv == Words{"echo", "multi\\nline"});
    // V13: whatever the callback returns (newlines stripped) is kept whole
    CHECK(assign(env, "`printf 'a   b\\nc\\n\\n'`") == "a   b\nc");
    // with a metacharacter the raw text goes to the shell
    env.outputs["cat /etc/motd | wc -l"] = "3";
    CHECK(assign(env, "`cat /etc/motd | wc -l`") == "3");
    CHECK(env.ran.back().shell);
    CHECK(env.ran.back().text == "cat /etc/motd | wc -l");
    // `test` always goes to the shell (procmail has no built-in test)
    assign(env, "`test -f x`");
    CHECK(env.ran.back().shell);
    CHECK(env.ran.back().text == "test -f x");
    // in an argument list unquoted output is split, quoted output is not
    CHECK(args(env, "x `printf` y") == Words{"x", "a", "b", "c", "y"});
    CHECK(args(env, "x \"`printf`\" y") == Words{"x", "a   b\nc", "y"});
}

TEST_CASE("backquotes: escapes inside, nested runs, nothing run in a skipped ${…}") {
    FakeEnv env;
    env.vars = {{"S", "set"}};
    // procmail: A=`echo \$S \\ \x` ran echo,set," x" (the command text is
    // read a second time when procmail splits it itself)
    CHECK(assign(env, "`echo \\$S \\\\ \\x`") == "set  x");
    CHECK(env.ran.back().argv == Words{"echo", "set", " x"});
    // B=`echo \$S \` echo in \`` ran "echo in" first, then echo,set,in
    env.ran.clear();
    CHECK(assign(env, "`echo \\$S \\` echo in \\``") == "set in");
    REQUIRE(env.ran.size() == 2);
    CHECK(env.ran[0].argv == Words{"echo", "in"});
    env.ran.clear();
    CHECK(assign(env, "${S:-`echo never`}") == "set");
    CHECK(env.ran.empty());
    CHECK(assign(env, "${U:-`echo out`}") == "out");
    CHECK(env.ran.size() == 1);
}

TEST_CASE("backquotes: a `\"` ends an open backquote, and ends the quote only for a shell command") {
    FakeEnv env;
    env.vars = {{"SHELLMETAS", "&|<>~;?*["}};
    // procmail 3.22: C="a`echo" b<NL>D=x" assigned C="a b<NL>D=x" …
    CHECK(assign(env, "\"a`echo\" b\nD=x\"") == "a b\nD=x");
    CHECK(scan_extent("\"a`echo\" b\nD=x\"\n", 0, ScanMode::Assign).end == 15);
    // … but C="a`echo;" b assigned C="a" (the shell ran `echo;`)
    CHECK(assign(env, "\"a`echo;\" b") == "a");
    CHECK(env.ran.back().shell);
}

TEST_CASE("E8 V21 and quoting: backslashes, single and double quotes (§1.3)") {
    FakeEnv env;
    env.vars = {{"S", "set"}};
    struct Row {
        const char* raw;
        const char* want;
    };
    const Row rows[] = {
        {"\"a\\\nb\"", "ab"},                // V21: backslash-newline inside "…"
        {"a\\\nb", "ab"},                    // and outside
        {"'it''s'", "its"},                  // adjacent quotes make one word
        {"\"q\\\"d\"", "q\"d"},
        {"a\\ b", "a b"},                    // an escaped blank does not end the word
        {"\"x\\y\"", "x\\y"},                // inside "…" only \" \\ \$ \` are escapes
        {"'\\$x'", "\\$x"},                  // nothing is special inside '…'
        {"\"\\$S\"", "$S"},
        {"$S\"$S\"'$S'", "setset$S"},
        {"a\\#b", "a\\#b"},                  // \# inside a word keeps its backslash
        {"\\#c", "#c"},
        {"\"${S:-\"q r\"}\"", "set"},
        {"${U:-\"q r\"}", "q r"},            // quotes inside the ${…} word
        {"\"${U:-\"q r\"}\"", "\"q r\""},    // …but literal inside "…"
        {"$@", "@"},                         // "$@" needs its quotes
        {"\"$@\"", ""},
        {"\"a$@b\"", "ab"},
        {"$", "$"},
        {"\"$\"", "$"},
        {"$/", "$/"},
        {"$\\$", "$$"},
        {"${}", ""},
        {"x#y", "x#y"},                      // # only starts a comment at a word's start
        {"# comment", ""},
        {"\"multi\nline\"", "multi\nline"},
    };
    for (const auto& row : rows) {
        SUBCASE(row.raw) { CHECK(assign(env, row.raw) == row.want); }
    }
    CHECK(env.logged.empty());
}

TEST_CASE("bad substitutions are logged and eat the next character (procmail 3.22)") {
    FakeEnv env;
    env.vars = {{"S", "set"}};
    // procmail read `AH=${1x} AI=${S:x} AJ=${} AK=${S?x}` as AH="AI=}"…
    CHECK(assign(env, "${1x} AI=${S:x}") == "AI=}");
    CHECK(env.logged == Words{"Bad substitution of \"1x\"", "Bad substitution of \"S\""});
    CHECK(assign(env, "${S?x}") == "x}");
    // `${S` then a newline: the newline is eaten and the value goes on
    env.logged.clear();
    CHECK(assign(env, "${S\nnext") == "next");
    CHECK(env.logged == Words{"Bad substitution of \"S\""});
}

TEST_CASE("an open quote at the end logs Unexpected EOL") {
    FakeEnv env;
    CHECK(assign(env, "\"abc") == "abc");
    CHECK(env.logged == Words{"Unexpected EOL"});
    env.logged.clear();
    CHECK(assign(env, "abc\\") == "abc");
    CHECK(env.logged == Words{"Unexpected EOL"});
}

TEST_CASE("argument lists: splitting, comments, \"$@\" (procmail's All_args)") {
    FakeEnv env;
    env.vars = {{"V", " a  b "}, {"E", ""}};
    CHECK(args(env, "") == Words{""});
    CHECK(args(env, "   ") == Words{""});
    CHECK(args(env, "a b  c ") == Words{"a", "b", "c"});
    CHECK(args(env, "\"\" \"\"") == Words{"", ""});
    CHECK(args(env, "x$V") == Words{"x", "a", "b"});
    CHECK(args(env, "box # the inbox") == Words{"box"});
    CHECK(args(env, "a\tb\\\n c") == Words{"a", "b", "c"});
    // "$@": the word it ends is replaced by the arguments…
    auto e = expand_args("/bin/echo a \"$@\" b", env);
    CHECK(e.words == Words{"/bin/echo", "a", "", "b"});
    CHECK(e.all_args_word == 2);
    CHECK(insert_all_args(e, {}) == Words{"/bin/echo", "a", "", "b"});  // as procmail: an empty argument
    CHECK(insert_all_args(e, {"X", "Y"}) == Words{"/bin/echo", "a", "X", "Y", "b"});
    // …only when it ends a word
    auto f = expand_args("\"$@y\"", env);
    CHECK(f.all_args_word == -1);
    CHECK(insert_all_args(f, {"X"}) == Words{"y"});
}

TEST_CASE("make_command: procmail's metaparse") {
    FakeEnv env;
    env.vars = {{"F", "my file"}};
    env.arguments = {"one@y", "two@z"};
    const std::string metas = "&|<>~;?*[";
    auto c = make_command(" /usr/sbin/sendmail -oi \"$@\"", metas, env);
    CHECK_FALSE(c.shell);
    CHECK(c.argv == Words{"/usr/sbin/sendmail", "-oi", "one@y", "two@z"});
    auto d = make_command(" cat $F > out", metas, env);
    CHECK(d.shell);
    CHECK(d.text == " cat $F > out");  // unexpanded: the shell does it
    auto t = make_command(" test -n x", metas, env);
    CHECK(t.shell);
    CHECK(make_command(" cat $F", metas, env).argv == Words{"cat", "my", "file"});
    CHECK(has_shell_metas("a;b", metas));
    CHECK_FALSE(has_shell_metas("a b", metas));
    CHECK_FALSE(has_shell_metas("a;b", ""));
}

TEST_CASE("condition text: read as if in double quotes, words joined by one space") {
    FakeEnv env;
    env.vars = {{"X", "val"}, {"S", "set"}};
    // checked with `* $ …` conditions and VERBOSE=on
    CHECK(expand_condition(" \"x\"", env).text == "x");
    CHECK(expand_condition(" 'y' $X \"$X\" \\$X a\\\"b", env).text == "'y' val val $X a\"b");
    CHECK(expand_condition(" ${X:+\"q r\"} ${X:-s} z", env).text == "\"q r\" val z");
    CHECK(expand_condition(" ^From:.*$\\X", env).text == "^From:.*()val");
    CHECK(expand_joined("<  $S 1000", env).text == "< set 1000");
}

TEST_CASE("a limit cuts the output, sets overflow and stops backquotes") {
    FakeEnv env;
    env.vars = {{"L", std::string(100, 'x')}};
    env.outputs = {{"echo", "out"}};
    auto e = expand_assignment("$L`echo`", env, 50);
    CHECK(e.overflow);
    CHECK(e.text.size() == 50);
    CHECK(env.ran.empty());
    auto a = expand_args("a $L b", env, 20);
    CHECK(a.overflow);
}

TEST_CASE("scan_extent: where procmail stops reading") {
    struct Row {
        const char* text;
        ScanMode mode;
        const char* raw;  // what is kept
        const char* rest;  // what follows
    };
    const Row rows[] = {
        {"two words\nX", ScanMode::Assign, "two", "words\nX"},
        {"\"two words\" x", ScanMode::Assign, "\"two words\"", "x"},
        {"${U:-a b}c", ScanMode::Assign, "${U:-a", "b}c"},
        {"\"multi\nline\"\nX", ScanMode::Assign, "\"multi\nline\"", "X"},
        {"a\\\nb c", ScanMode::Assign, "a\\\nb", "c"},
        {"${S\nnext line\nX", ScanMode::Assign, "${S\nnext", "line\nX"},
        {"`cmd\nstill`x y", ScanMode::Assign, "`cmd\nstill`x", "y"},
        {"a b # c\nX", ScanMode::Args, "a b # c", "X"},
        {"a 'b\nc'\nX", ScanMode::Args, "a 'b\nc'", "X"},
        {"", ScanMode::Args, "", ""},
        // plain text (nothing quoted, escaped or substituted before the
        // newline) is answered without running the reader
        {"box0\n:0:\n", ScanMode::Args, "box0", ":0:\n"},
        {"two  words\t}\n$X \"q\"", ScanMode::Args, "two  words\t}", "$X \"q\""},
        {"no newline", ScanMode::Args, "no newline", ""},
        {"value\n# comment", ScanMode::Assign, "value", "# comment"},
        {"a}b", ScanMode::Assign, "a}b", ""},
        {"\n", ScanMode::Assign, "", ""},
    };
    for (const auto& row : rows) {
        SUBCASE(row.text) {
            std::string_view t = row.text;
            Extent e = scan_extent(t, 0, row.mode);
            CHECK(t.substr(0, e.end) == row.raw);
            CHECK(t.substr(e.next) == row.rest);
        }
    }
    // from a start inside the text, NUL bytes included
    const std::string nul("X=a\0b\nY", 8);
    Extent e = scan_extent(nul, 2, ScanMode::Assign);
    CHECK(e.end == 5);
    CHECK(e.next == 6);
    CHECK(scan_extent(nul, 9, ScanMode::Args).end == nul.size());
    CHECK(scan_extent("\"open", 0, ScanMode::Assign).unterminated_quote);
    CHECK_FALSE(scan_extent("\"closed\"", 0, ScanMode::Assign).unterminated_quote);
}

}  // TEST_SUITE
