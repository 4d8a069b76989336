"""Parse and print tables: several spellings -> one tree; the first spelling is the
canonical print. Every input also round-trips: parse(format(tree)) == tree."""

import pytest

from pyshell.syntax import format, parse
from pyshell.syntax.ast import (AndOr, ArithCommand, ArithExp, ArithFor, BraceGroup, CondCommand, Case, CaseItem, CmdSubst, DblQuoted,
                                Escaped, For, FunctionDef, If, Lit, ParamExp, Script, SglQuoted,
                                Subshell, While, Word)

from .syntax_trees import A, ARITH, BG, C, DQ, P, R, S, SUB, V, W

def A_Q(text) -> SglQuoted:
    """A $'...' word part."""
    return SglQuoted(text, ansi=True)


TABLE = [
    # ------------------------------------------------------------ simple commands
    (["echo hello world", "echo  hello\tworld", "echo hello world;", "\n\necho hello world\n\n"],
     S(C("echo", "hello", "world"))),
    (["a=1 b=2", "a=1   b=2;"], S(C(assigns=[A("a", "1"), A("b", "2")]))),
    (["a= echo $a"], S(C("echo", W(V("a")), assigns=[A("a")]))),
    (["a=1 env b=2"], S(C("env", "b=2", assigns=[A("a", "1")]))),
    (["x=~/bin ls ~ ~user/a"], S(C("ls", "~", "~user/a", assigns=[A("x", "~/bin")]))),
    (["echo if then fi { } ! in do"], S(C("echo", "if", "then", "fi", "{", "}", "!", "in", "do"))),
    (["echo a#b $x#y", "echo a#b $x#y # a comment"], S(C("echo", "a#b", W(V("x"), "#y")))),
    (["echo", "echo # comment\n# another\n"], S(C("echo"))),
    (["", "\n\n", "# only a comment", " \t "], Script()),
    (["echo hi", "ec\\\nho hi", "echo \\\nhi"], S(C("echo", "hi"))),
    # ------------------------------------------------------------ quoting
    (["echo 'a b' \"c d\" \\e"],
     S(C("echo", W(SglQuoted("a b")), W(DQ("c d")), W(Escaped("e"))))),
    (["echo a'b'\"c\"\\d$e"],
     S(C("echo", W("a", SglQuoted("b"), DQ("c"), Escaped("d"), V("e"))))),
    (['echo "a\\$b\\"c\\\\d\\e"'],
     S(C("echo", W(DQ("a", Escaped("$"), "b", Escaped('"'), "c", Escaped("\\"), "d\\e"))))),
    (["echo ''", "echo ''\n"], S(C("echo", W(SglQuoted(""))))),
    (['echo "$x ${y} $(z)"'],
     S(C("echo", W(DQ(V("x"), " ", V("y", braced=True), " ", SUB(C("z"))))))),
    (["echo 'multi\nline'"], S(C("echo", W(SglQuoted("multi\nline"))))),
    (["echo $ a$"], S(C("echo", "$", "a$"))),
    # $'...' (ANSI-C quoting) is a SglQuoted holding the decoded text, marked ``ansi`` so
    # that it prints back as $'...', with escapes for what needs one.
    (["echo 'x' $'\\a'", "echo 'x' $'\\x07'", "echo 'x' $'\\007'", "echo 'x' $'\\cG'", "echo 'x' $'\\cg'"],
     S(C("echo", W(SglQuoted("x")), W(A_Q("\a"))))),
    (["echo $'x' $'x'", "echo $'x' $'\\170'", "echo $'\\x78' $'x'"], S(C("echo", W(A_Q("x")), W(A_Q("x"))))),
    (["echo $'it\\'s\\n' a$'\\t'b", "echo $'it\\x27s\\x0a' a$'\\x09'b", "echo $'it\\'s\\012' a$'\\11'b"],
     S(C("echo", W(A_Q("it's\n")), W("a", A_Q("\t"), "b")))),
    (["echo $'\\e[1m\\\\'", "echo $'\\E[1m\\x5c'"], S(C("echo", W(A_Q("\x1b[1m\\"))))),
    (["echo $'\\xe9\\x01A'"], S(C("echo", W(A_Q("\udce9\x01A"))))),   # a raw byte, as surrogateescape has it
    (["echo $'\u00e9\\\\q'", "echo $'\\u00e9\\q'", "echo $'\\U000000e9\\q'"], S(C("echo", W(A_Q("\u00e9\\q"))))),
    (["echo $'a'", "echo $'a\\0b'", "echo $'a\\x00b'"], S(C("echo", W(A_Q("a"))))),   # a NUL ends the text
    (["echo \"${x#$'it\\'s'}\" \"${x/$'\\t'/'b'}\" \"${x:+$'\\t'}\"",
      "echo \"${x#$'it\\x27s'}\" \"${x/$'\\x09'/'b'}\" \"${x:+$'\\t'}\""],
     S(C("echo", W(DQ(V("x", "#", W(A_Q("it's"))))),
         W(DQ(V("x", "/", W(A_Q("\t")), arg2=W(SglQuoted("b"))))), W(DQ(V("x", ":+", W("$'\\t'"))))))),
    (["echo ${x:-$'\\t'} \"${x:-$'\\t'}\""],
     S(C("echo", W(V("x", ":-", W(A_Q("\t")))), W(DQ(V("x", ":-", W("$'\\t'"))))))),
    # ------------------------------------------------------------ parameters
    (["echo $? $$ $! $# $@ $* $- $0 $1 ${10} $10"],
     S(C("echo", *[W(V(n)) for n in "?$!#@*-01"], W(V("10", braced=True)), W(V("1"), "0")))),
    (["echo ${x} ${#x} ${#}"],
     S(C("echo", W(V("x", braced=True)), W(V("x", "len")), W(V("#", braced=True))))),
    (["echo ${x:-a b} ${x-} ${x:=d} ${x=d} ${x:?msg} ${x?} ${x:+alt} ${x+alt}"],
     S(C("echo", W(V("x", ":-", W("a b"))), W(V("x", "-", W())), W(V("x", ":=", W("d"))),
         W(V("x", "=", W("d"))), W(V("x", ":?", W("msg"))), W(V("x", "?", W())),
         W(V("x", ":+", W("alt"))), W(V("x", "+", W("alt")))))),
    (["echo ${x#*/} ${x##*/} ${x%.c} ${x%%.*}"],
     S(C("echo", W(V("x", "#", W("*/"))), W(V("x", "##", W("*/"))), W(V("x", "%", W(".c"))),
         W(V("x", "%%", W(".*")))))),
    # bash's indirection: ${!name...}, any op
    (["echo ${!x} ${!1:-d} ${!x/a/b}"],
     S(C("echo", W(V("x", indirect=True)), W(V("1", ":-", W("d"), indirect=True)),
         W(V("x", "/", W("a"), arg2=W("b"), indirect=True))))),
    # bash's case changes: the pattern is the op's word (empty: any character)
    (["echo ${x^^} ${x^} ${x,,[A-C]} ${x,a}"],
     S(C("echo", W(V("x", "^^", W())), W(V("x", "^", W())), W(V("x", ",,", W("[A-C]"))),
         W(V("x", ",", W("a")))))),
    # bash's ${x:offset:length} and ${x/pattern/string}: two words, arg and arg2
    (["echo ${x:2} ${x: -2:1} ${x::3} ${x:1:} ${x:(-1)} ${x:$n:n+1}"],
     S(C("echo", W(V("x", ":", W("2"))), W(V("x", ":", W(" -2"), arg2=W("1"))),
         W(V("x", ":", W(), arg2=W("3"))), W(V("x", ":", W("1"), arg2=W())), W(V("x", ":", W("(-1)"))),
         W(V("x", ":", W(V("n")), arg2=W("n+1")))))),
    (["echo ${x/a/b} ${x//a} ${x/#a/} ${x/%a/b/c} ${x//} ${x///}"],
     S(C("echo", W(V("x", "/", W("a"), arg2=W("b"))), W(V("x", "//", W("a"))),
         W(V("x", "/#", W("a"), arg2=W())), W(V("x", "/%", W("a"), arg2=W("b/c"))),
         W(V("x", "//", W())), W(V("x", "//", W(), arg2=W()))))),
    (["echo ${x/\\/'/'/\"/\"} \"${x/'a'/'b'}\" ${@:1:2} ${*/a/b}"],
     S(C("echo", W(V("x", "/", W(Escaped("/"), SglQuoted("/")), arg2=W(DQ("/")))),
         W(DQ(V("x", "/", W(SglQuoted("a")), arg2=W(SglQuoted("b"))))),
         W(V("@", ":", W("1"), arg2=W("2"))), W(V("*", "/", W("a"), arg2=W("b")))))),
    (["echo ${x:-\"$y\"'z'${w:-v}}"],
     S(C("echo", W(V("x", ":-", W(DQ(V("y")), SglQuoted("z"), V("w", ":-", W("v")))))))),
    (['echo "${x:-\'a\'}" "${x#\'a\'}"'],
     S(C("echo", W(DQ(V("x", ":-", W("'a'")))), W(DQ(V("x", "#", W(SglQuoted("a")))))))),
    # ------------------------------------------------------------ substitutions
    (["echo $(echo $(echo hi))", "echo $( echo $(echo hi ) )"],
     S(C("echo", W(SUB(C("echo", W(SUB(C("echo", "hi")))))))),),
    (["echo `echo \\`echo hi\\``"],
     S(C("echo", W(SUB(C("echo", W(SUB(C("echo", "hi"), backquoted=True))), backquoted=True))))),
    (["echo `a $b`"], S(C("echo", W(SUB(C("a", W(V("b"))), backquoted=True))))),
    (["echo $(\n  case x in\n    a)\n      echo y\n      ;;\n  esac\n)",
      "echo $(case x in a) echo y;; esac)", "echo $(case x in (a) echo y;; esac)"],
     S(C("echo", W(CmdSubst(S(Case(W("x"), (CaseItem((W("a"),), S(C("echo", "y"))),)))))))),
    (["echo $(echo ')' \")\")"],
     S(C("echo", W(SUB(C("echo", W(SglQuoted(")")), W(DQ(")"))))))),),
    (["echo $( (a) )", "echo $((a) )"], S(C("echo", W(SUB(Subshell(S(C("a")))))))),
    (["echo $()"], S(C("echo", W(CmdSubst(Script()))))),
    (["echo $((1 + $x * (2 + 3)))", "echo $((1 + $x * (2 + 3)))"],
     S(C("echo", W(ARITH("1 + ", V("x"), " * (2 + 3)"))))),
    # `$((2 + 3) )` is not arithmetic: it is $( (2 + 3) ), the same as above only because
    # the subshell holds the same text; check the arithmetic case directly:
    (["echo $((x+1))"], S(C("echo", W(ARITH("x+1"))))),
    (["echo $(($(echo 1) + 2))"], S(C("echo", W(ArithExp(W(SUB(C("echo", "1")), " + 2")))))),
    # ------------------------------------------------------------ redirections
    (["cat <in >out 2>>err", "cat < in > out 2>> err", "<in cat >out 2>>err"],
     S(C("cat", redirects=[R("<", "in"), R(">", "out"), R(">>", "err", fd=2)]))),
    (["cmd >|f <>g 3<&0 4>&- 2>&1 <&-"],
     S(C("cmd", redirects=[R(">|", "f"), R("<>", "g"), R("<&", "0", fd=3), R(">&", "-", fd=4),
                           R(">&", "1", fd=2), R("<&", "-")]))),
    (["cmd &>log &>>log2 <<<word"],
     S(C("cmd", redirects=[R("&>", "log"), R("&>>", "log2"), R("<<<", "word")]))),
    (["echo a2 \"a\"2 2 >f >f >f", "echo a2>f \"a\"2>f 2 >f"],
     S(C("echo", "a2", W(DQ("a"), "2"), "2", redirects=[R(">", "f"), R(">", "f"), R(">", "f")]))),
    ([">f", "> f"], S(C(redirects=[R(">", "f")]))),
    (["a=1 >f"], S(C(assigns=[A("a", "1")], redirects=[R(">", "f")]))),
    # ------------------------------------------------------------ here-documents
    (["cat <<EOF\nhello $USER\nEOF\n", "cat <<EOF\nhello $USER\nEOF"],
     S(C("cat", redirects=[R("<<", "EOF", heredoc=W("hello ", V("USER"), "\n"))]))),
    (["cat <<'EOF'\nraw $x `y`\nEOF\n", "cat << 'EOF'\nraw $x `y`\nEOF\n"],
     S(C("cat", redirects=[R("<<", W(SglQuoted("EOF")), heredoc=W("raw $x `y`\n"))]))),
    (["cat <<\\EOF\n\\$x\nEOF\n"],
     S(C("cat", redirects=[R("<<", W(Escaped("E"), "OF"), heredoc=W("\\$x\n"))]))),
    (["cat <<EOF\na \\$x \\\\ \\n \"q\"\nEOF\n"],
     S(C("cat", redirects=[R("<<", "EOF", heredoc=W("a ", Escaped("$"), "x ", Escaped("\\"),
                                                    " \\n \"q\"\n"))]))),
    (["cat <<-EOF\ntabbed\nEOF\n", "cat <<-EOF\n\t\ttabbed\n\tEOF\n"],
     S(C("cat", redirects=[R("<<-", "EOF", heredoc=W("tabbed\n"))]))),
    (["cat <<A <<B\na\nA\nb\nB\n"],
     S(C("cat", redirects=[R("<<", "A", heredoc=W("a\n")), R("<<", "B", heredoc=W("b\n"))]))),
    (["cat <<A | cat <<B\na\nA\nb\nB\n"],
     S(P(C("cat", redirects=[R("<<", "A", heredoc=W("a\n"))]),
         C("cat", redirects=[R("<<", "B", heredoc=W("b\n"))])))),
    (["cat <<EOF\nEOF\n"], S(C("cat", redirects=[R("<<", "EOF", heredoc=W())]))),
    (["x=$(\n  cat <<EOF\nin $y\nEOF\n)", "x=$(cat <<EOF\nin $y\nEOF\n)"],
     S(C(assigns=[A("x", SUB(C("cat", redirects=[R("<<", "EOF", heredoc=W("in ", V("y"), "\n"))])))]))),
    (["if cat <<EOF; then\nbody\nEOF\n  echo\nfi"],
     S(If(((S(C("cat", redirects=[R("<<", "EOF", heredoc=W("body\n"))])), S(C("echo"))),)))),
    # ------------------------------------------------------------ pipelines and lists
    (["a | b | c", "a|b|c", "a |\nb |\n\nc"], S(P(C("a"), C("b"), C("c")))),
    (["a |& b", "a|&b"], S(P(C("a"), C("b"), stderr_too=[True]))),
    (["! a | b", "!  a|b"], S(P(C("a"), C("b"), negated=True))),
    (["! a"], S(P(C("a"), negated=True))),
    (["a && b || c", "a&&b||c", "a &&\nb ||\nc"],
     S(AndOr("||", AndOr("&&", C("a"), C("b")), C("c")))),
    (["a\nb &\nc", "a; b & c", "a;b&c"], S(C("a"), BG(C("b")), C("c"))),
    (["a &", "a&"], S(BG(C("a")))),
    (["a && b &"], S(BG(AndOr("&&", C("a"), C("b"))))),
    # ------------------------------------------------------------ compound commands
    (["(a; b)", "( a ; b )", "(\na\nb\n)"], S(Subshell(S(C("a"), C("b"))))),
    (["( (a) )", "( ( a ) )", "((a) )"], S(Subshell(S(Subshell(S(C("a"))))))),
    # bash's (( expr )): read like $(( )); if the parentheses do not close as )) it was
    # two subshells after all.
    (["((a))"], S(ArithCommand(W("a")))),
    (["((x = $y + (2 * 3)))", "((x = $y + (2 * 3)))\n"], S(ArithCommand(W("x = ", V("y"), " + (2 * 3)")))),
    (["(( (1) )) >f && ((i++))"],
     S(AndOr("&&", ArithCommand(W(" (1) "), redirects=(R(">", "f"),)), ArithCommand(W("i++"))))),
    (["( (echo a); echo b )", "((echo a); echo b)"],
     S(Subshell(S(Subshell(S(C("echo", "a"))), C("echo", "b"))))),
    (["if ((i < 3)); then\n  :\nfi", "if ((i < 3)) then :; fi"],
     S(If(((S(ArithCommand(W("i < 3"))), S(C(":"))),)))),
    (["echo $( ((1)) )", "echo $(((1)) )"], S(C("echo", W(SUB(ArithCommand(W("1"))))))),
    # bash's for ((init; cond; step))
    (["for ((i = 0; i < $n; i++)); do\n  echo $i\ndone", "for ((i = 0; i < $n; i++)) do echo $i; done",
      "for ((i = 0; i < $n; i++))\ndo\n  echo $i\ndone"],
     S(ArithFor(W("i = 0"), W(" i < ", V("n")), W(" i++"), S(C("echo", W(V("i"))))))),
    (["for ((;;)); do\n  break\ndone >f"], S(ArithFor(W(), W(), W(), S(C("break")), redirects=(R(">", "f"),)))),
    # bash's [[ expr ]]: words, && || ! ( ), unary and binary tests, a regex after =~
    (["[[ -f a && ! -d $b || ( x == y* ) ]] >/dev/null",
      "[[ -f a&&! -d $b||(x == y*) ]] >/dev/null", "[[\n-f a && ! -d $b\n|| ( x == y* ) ]] >/dev/null"],
     S(CondCommand(("||", ("&&", ("-f", W("a")), ("!", ("-d", W(V("b"))))),
                    ("()", ("==", W("x"), W("y*")))), redirects=(R(">", "/dev/null"),)))),
    (["[[ a < b ]]", "[[ a<b ]]"], S(CondCommand(("<", W("a"), W("b"))))),
    (["[[ $x =~ ^a(b|c)$ ]]"], S(CondCommand(("=~", W(V("x")), W("^a(b|c)$"))))),
    (["[[ \"$x\" ]]", "[[ \"$x\" ]];"], S(CondCommand(("word", W(DQ(V("x"))))))),
    (["[[ ! ]] || [[ -n = x ]]"],
     S(AndOr("||", CondCommand(("word", W("!"))), CondCommand(("=", W("-n"), W("x")))))),
    (["if [[ a ]]; then\n  :\nfi", "if [[ a ]] then :; fi"],
     S(If(((S(CondCommand(("word", W("a")))), S(C(":"))),)))),
    (["echo [[ a ]] b"], S(C("echo", "[[", "a", "]]", "b"))),
    (["{ a; b; }", "{ a\nb\n}", "{\n  a; b\n}"], S(BraceGroup(S(C("a"), C("b"))))),
    (["{ a & }", "{ a& }"], S(BraceGroup(S(BG(C("a")))))),
    (["{ a; } >out 2>&1"], S(BraceGroup(S(C("a")), redirects=(R(">", "out"), R(">&", "1", fd=2))))),
    (["if a; then\n  b\nfi", "if a; then b; fi", "if a\nthen b\nfi", "if a;then b;fi"],
     S(If(((S(C("a")), S(C("b"))),)))),
    (["if a; then\n  b\nelif c; then\n  d\nelif e; then\n  f\nelse\n  g\nfi",
      "if a; then b; elif c; then d; elif e; then f; else g; fi"],
     S(If(((S(C("a")), S(C("b"))), (S(C("c")), S(C("d"))), (S(C("e")), S(C("f")))), S(C("g"))))),
    (["if a & then\n  b\nfi"], S(If(((S(BG(C("a"))), S(C("b"))),)))),
    (["if { a; }; then\n  b\nfi >log"],
     S(If(((S(BraceGroup(S(C("a")))), S(C("b"))),), redirects=(R(">", "log"),)))),
    (["while a; do\n  b\ndone", "while a; do b; done", "while a\ndo\nb\ndone"],
     S(While(S(C("a")), S(C("b"))))),
    (["until a; do\n  b\ndone", "until a; do b; done"], S(While(S(C("a")), S(C("b")), until=True))),
    (["while read x; do\n  echo $x\ndone <file | sort"],
     S(P(While(S(C("read", "x")), S(C("echo", W(V("x")))), redirects=(R("<", "file"),)), C("sort")))),
    (["for x in a b; do\n  echo $x\ndone", "for x in a b; do echo $x; done",
      "for x in a b\ndo echo $x\ndone", "for x\nin a b\ndo\necho $x\ndone"],
     S(For("x", (W("a"), W("b")), S(C("echo", W(V("x"))))))),
    (["for x; do\n  b\ndone", "for x do b; done", "for x\ndo b\ndone", "for x; do b; done"],
     S(For("x", None, S(C("b"))))),
    (["for x in; do\n  b\ndone", "for x in; do b; done", "for x in\ndo b; done"],
     S(For("x", (), S(C("b"))))),
    (["for i in do done; do\n  :\ndone"], S(For("i", (W("do"), W("done")), S(C(":"))))),
    (["case $x in\n  a | b)\n    echo ab\n    ;;\n  *)\n    ;;\nesac",
      "case $x in a|b) echo ab;; *) ;; esac", "case $x in (a|b) echo ab;; (*) ;; esac",
      "case $x\nin\na | b)\necho ab\n;;\n*)\nesac", "case $x in a|b) echo ab;; *) esac"],
     S(Case(W(V("x")), (CaseItem((W("a"), W("b")), S(C("echo", "ab"))), CaseItem((W("*"),), Script()))))),
    (["case x in\nesac", "case x in esac", "case x\nin\nesac"], S(Case(W("x"), ()))),
    (["case x in\n  (esac)\n    ;;\nesac", "case x in (esac) ;; esac"],
     S(Case(W("x"), (CaseItem((W("esac"),), Script()),)))),
    (["case x in\n  if | then)\n    a\n    b\n    ;;\nesac", "case x in if|then) a; b;; esac"],
     S(Case(W("x"), (CaseItem((W("if"), W("then")), S(C("a"), C("b"))),)))),
    (["case x in\n  a)\n    case y in\n      b)\n        ;;\n    esac\n    ;;\nesac",
      "case x in a) case y in b) ;; esac;; esac"],
     S(Case(W("x"), (CaseItem((W("a"),), S(Case(W("y"), (CaseItem((W("b"),), Script()),)))),)))),
    # ------------------------------------------------------------ functions
    (["f() { echo hi; }", "f () { echo hi; }", "f()\n{\necho hi\n}", "function f { echo hi; }",
      "function f() { echo hi; }"],
     S(FunctionDef("f", BraceGroup(S(C("echo", "hi")))))),
    (["f() (echo hi)", "function f () ( echo hi )"], S(FunctionDef("f", Subshell(S(C("echo", "hi")))))),
    (["f() { a; } >log"], S(FunctionDef("f", BraceGroup(S(C("a")), redirects=(R(">", "log"),))))),
    (["f() if a; then\n  b\nfi"], S(FunctionDef("f", If(((S(C("a")), S(C("b"))),))))),
    (["function if() { a; }"], S(FunctionDef("if", BraceGroup(S(C("a")))))),
    # ------------------------------------------------------------ keywords are keywords only at command start
    (["{ echo }; }"], S(BraceGroup(S(C("echo", "}"))))),
    (["if true; then\n  { echo; }\nfi", "if true; then { echo; } fi"],
     S(If(((S(C("true")), S(BraceGroup(S(C("echo"))))),)))),
    (["echo {a,b} {}"], S(C("echo", "{a,b}", "{}"))),
    (["<a if b >c", "<a if >c b"], S(C("if", "b", redirects=[R("<", "a"), R(">", "c")]))),
    (["a=1 if >b"], S(C("if", assigns=[A("a", "1")], redirects=[R(">", "b")]))),
    (["'if' a", "\\if a"], None),  # quoted keywords are commands (trees differ: checked below)
]

CANONICAL = [spellings[0] for spellings, tree in TABLE]
ALL_INPUTS = [s for spellings, tree in TABLE for s in spellings]


@pytest.mark.parametrize("spellings,tree", [t for t in TABLE if t[1] is not None],
                         ids=lambda v: repr(v[0])[:40] if isinstance(v, list) else "")
def test_spellings_parse_to_tree(spellings, tree):
    for source in spellings:
        assert parse(source) == tree, source


@pytest.mark.parametrize("source", CANONICAL)
def test_canonical_print(source):
    assert format(parse(source)) == source


@pytest.mark.parametrize("source", ALL_INPUTS)
def test_round_trip(source):
    tree = parse(source)
    assert parse(format(tree)) == tree


def test_quoted_keyword_is_a_command_name():
    assert parse("'if' a") == S(C(W(SglQuoted("if")), "a"))
    assert parse("\\if a") == S(C(W(Escaped("i"), "f"), "a"))


def test_assignment_only_before_the_command_name():
    tree = parse("a=1 cmd b=2 'c=3'")
    assert tree == S(C("cmd", "b=2", W(SglQuoted("c=3")), assigns=[A("a", "1")]))
    assert parse('"a"=1') == S(C(W(DQ("a"), "=1")))


def test_positions():
    tree = parse("echo a\n  if b; then\n    c >f\n  fi")
    first, second = tree.body
    assert first.command.pos == first.command.words[1].pos.__class__(1, 1)
    assert (first.command.words[1].pos.line, first.command.words[1].pos.col) == (1, 6)
    assert (second.command.pos.line, second.command.pos.col) == (2, 3)
    inner = second.command.clauses[0][1].body[0].command
    assert (inner.pos.line, inner.pos.col) == (3, 5)
    assert (inner.redirects[0].pos.line, inner.redirects[0].pos.col) == (3, 7)


def test_aliases():
    aliases = {"ll": "ls -l", "say": "echo ", "x": "hi", "loop": "loop again", "g": "{ echo"}
    assert parse("ll /tmp", aliases=aliases) == S(C("ls", "-l", "/tmp"))
    assert parse("echo ll", aliases=aliases) == S(C("echo", "ll"))
    # A trailing blank makes the next word an alias too.
    assert parse("say x", aliases=aliases) == S(C("echo", "hi"))
    # An alias is not expanded inside its own expansion.
    assert parse("loop", aliases=aliases) == S(C("loop", "again"))
    # Aliases may hold reserved words.
    assert parse("g; }", aliases=aliases) == S(BraceGroup(S(C("echo"))))
    assert parse("a=1 ll", aliases=aliases) == S(C("ls", "-l", assigns=[A("a", "1")]))
    assert parse("'ll'", aliases=aliases) == S(C(W(SglQuoted("ll"))))
    assert parse("ll", aliases=None) == S(C("ll"))


def test_heredoc_in_command_substitution_then_outer_heredoc():
    source = "cat <<A $(cat <<B\nb\nB\n)\na\nA\n"
    tree = parse(source)
    assert tree == S(C("cat", W(SUB(C("cat", redirects=[R("<<", "B", heredoc=W("b\n"))]))),
                       redirects=[R("<<", "A", heredoc=W("a\n"))]))
    assert parse(format(tree)) == tree


def test_deep_nesting_is_parsed_or_refused_cleanly():
    from pyshell.errors import ParseError
    for depth in (100, 1000, 3000):
        source = "( " * depth + "true" + " )" * depth
        tree = parse(source)
        node = tree.body[0].command
        for _ in range(depth - 1):
            node = node.body.body[0].command
        assert isinstance(node, Subshell)
        try:
            text = format(tree)
        except ParseError:
            continue
        assert text.count("(") == depth
    for source in ("$(" * 1000 + ")" * 1000, "echo " + "${x:-" * 1000 + "}" * 1000,
                   "`" * 64, '"$(' * 1000, "{ " * 1000 + "true;" + " }" * 1000):
        try:
            parse(source)
        except ParseError:
            pass
