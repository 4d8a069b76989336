"""Expansion, table-driven, in-process: real parser, real Shell state, one entry per context.

The field-splitting and globbing rows are also replayed through `bash --posix` (printing
each field in brackets), so the table cannot drift from the reference shell.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pyshell import expand
from pyshell.errors import ExpandError
from pyshell.expand import arith, glob
from pyshell.runtime.shell import Shell
from pyshell.syntax import parse


def words_of(source: str):
    return parse(source).body[0].command.words


def make_shell(**variables) -> Shell:
    shell = Shell("pysh", ["a b", "", "c"])
    for name, value in variables.items():
        shell.setvar(name, value)
    return shell


VARIABLES = {"x": "1  2", "e": "", "colons": "a::b:", "star": "*.txt", "path": "/usr/lib/x.so.1"}

# (words as written after `printf '[%s]'`, the fields expected)
FIELDS = [
    ("plain", ["plain"]),
    ("$x", ["1", "2"]),
    ('"$x"', ["1  2"]),
    ("pre$x", ["pre1", "2"]),
    ("$e", []),
    ('"$e"', [""]),
    ("''", [""]),
    ("$e$e", []),
    ('"$@"', ["a b", "", "c"]),
    ("$@", ["a", "b", "c"]),
    ('x"$@"y', ["xa b", "", "cy"]),
    ('"$*"', ["a b  c"]),
    ("${#x}", ["4"]),
    ("${nosuch:-a b}", ["a", "b"]),
    ('"${nosuch:-a b}"', ["a b"]),
    ("${e:-dflt} ${e-dflt}", ["dflt"]),
    ("${x:+set}", ["set"]),
    ("${path#*/} ${path##*/}", ["usr/lib/x.so.1", "x.so.1"]),
    ("${path%.*} ${path%%.*}", ["/usr/lib/x.so", "/usr/lib/x"]),
    ('${path%"*"}', ["/usr/lib/x.so.1"]),
    ("$((1 + 2 * 3)) $((x=4)) $x", ["7", "4", "4"]),
    ("$(echo a b) \"$(echo a b)\"", ["a", "b", "a b"]),
    ("*.txt", ["a.txt", "b.txt"]),
    ("'*'.txt", ["*.txt"]),
    ("$star", ["a.txt", "b.txt"]),
    ('"$star"', ["*.txt"]),
    ("*.none", ["*.none"]),
    ("[ab].txt [!a].txt", ["a.txt", "b.txt", "b.txt"]),
    ("sub/*", ["sub/one", "sub/two"]),
    ("*/", ["sub/"]),
    ("[", ["["]),
    ("\\*.txt", ["*.txt"]),
    ("~/x ~nosuchuser/x", [os.environ.get("HOME", "/root") + "/x", "~nosuchuser/x"]),
    # bash's brace expansion: before every other expansion, on unquoted text only
    ("a{b,c}d {1..3} {c..a} {08..10} {1..7..3}", ["abd", "acd", "1", "2", "3", "c", "b", "a",
                                                  "08", "09", "10", "1", "4", "7"]),
    ('{a,$x} {a,"$x"} "{a,b}" \\{a,b} {a} {} {a,b', ["a", "1", "2", "a", "1  2", "{a,b}", "{a,b}", "{a}",
                                                      "{}", "{a,b"]),
    ("{a,b}.txt {a,x}*.txt ~{,/x}", ["a.txt", "b.txt", "a.txt", "x*.txt",
                                     os.environ.get("HOME", "/root"), os.environ.get("HOME", "/root") + "/x"]),
    ("$e{,} {,} x{,}", ["x", "x"]),
    # bash's ${x:offset:length} and ${x/pattern/string}
    ("${x:1} \"${x:0:2}\" ${path: -4} ${path:1:-5}", ["2", "1 ", "so.1", "usr/lib/x"]),
    ("${path//\\//_} ${path/#\\/usr/~} ${path/%.1/&&} ${star/'*'/all}",
     ["_usr_lib_x.so.1", os.environ.get("HOME", "/root") + "/lib/x.so.1", "/usr/lib/x.so.1.1", "all.txt"]),
    ('"${@:2}" ${@: -1} ${@/b/X} "${*/#?/_}"', ["", "c", "c", "a", "X", "c", "_ b  _"]),
    # bash's $'...'
    ("$'a\\tb' $'\\x41'$'\\'' x$'\\n'", ["a\tb", "A'", "x\n"]),
]


@pytest.fixture
def fixture_dir(tmp_path, monkeypatch):
    for name in ("a.txt", "b.txt", "sub/one", "sub/two", ".hidden.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("source,expected", FIELDS, ids=[source for source, _ in FIELDS])
def test_fields(source, expected, fixture_dir):
    shell = make_shell(**VARIABLES)
    assert expand.fields(words_of("printf " + source)[1:], shell) == expected


@pytest.mark.parametrize("source,expected", [row for row in FIELDS if "$(" not in row[0]],
                         ids=[source for source, _ in FIELDS if "$(" not in source])
def test_fields_agree_with_bash(source, expected, fixture_dir):
    assignments = "; ".join(f"{name}='{value}'" for name, value in VARIABLES.items())
    code = f"{assignments}; set -- 'a b' '' c; printf '[%s]' {source}"
    done = subprocess.run(["bash", "--posix", "-c", code], capture_output=True, text=True,
                          env={"HOME": os.environ.get("HOME", "/root"), "LC_ALL": "C", "PATH": os.environ["PATH"]})
    printed = "".join(f"[{field}]" for field in expected)
    if not expected:
        printed = "[]"  # printf with no argument prints its format once
    assert done.stdout == printed


IFS_CASES = [
    # (IFS, value, fields) — POSIX 2.6.5, checked against bash below
    (" :", " :a", ["", "a"]),
    (" :", "a : b", ["a", "b"]),
    (":", "a::b:", ["a", "", "b"]),
    (":", ":a", ["", "a"]),
    ("", "a b", ["a b"]),
    (" \t\n", "  lead  trail  ", ["lead", "trail"]),
    ("x", "axbxxc", ["a", "b", "", "c"]),
]


@pytest.mark.parametrize("ifs,value,expected", IFS_CASES)
def test_field_splitting(ifs, value, expected):
    shell = make_shell(IFS=ifs, v=value)
    assert expand.fields(words_of("echo $v")[1:], shell) == expected
    code = f"IFS='{ifs}'; v='{value}'; printf '[%s]' $v"
    done = subprocess.run(["bash", "--posix", "-c", code], capture_output=True, text=True)
    assert done.stdout == "".join(f"[{f}]" for f in expected) or (not expected and done.stdout == "[]")


def test_brace_expansion_is_only_for_command_words(fixture_dir):
    shell = make_shell(**VARIABLES)
    assignment = parse("a={x,y}").body[0].command.assigns[0]
    assert expand.literal(assignment.value, shell) == "{x,y}"
    assert expand.pattern(words_of("echo {a,b}")[1], shell) == "{a,b}"


def test_brace_expansion_returns_the_word_itself_when_there_is_nothing_to_do():
    from pyshell.expand import braces

    for source in ("{a}", "x{}", "{a,b", "${x}"):
        word = words_of("echo " + source)[1]
        assert braces.expand(word) == [word] and braces.expand(word)[0] is word


def test_brace_expansion_refuses_too_many_words():
    shell = make_shell()
    with pytest.raises(ExpandError, match="too many words"):
        expand.fields(words_of("echo {1..2000000}"), shell)
    with pytest.raises(ExpandError, match="too many words"):
        expand.fields(words_of("echo " + "{a,b}" * 21), shell)


def test_substring_and_replacement_errors():
    shell = make_shell(x="abc")
    with pytest.raises(ExpandError, match="substring expression < 0"):
        expand.fields(words_of("echo ${x:2:-2}"), shell)
    with pytest.raises(ExpandError, match="substring expression < 0"):
        expand.fields(words_of("echo ${@:1:-1}"), shell)
    assert expand.literal(words_of("echo ${x//?/<&>}")[1], shell) == "<a><b><c>"


def test_regex_quoted_parts_are_literal():
    shell = make_shell(x="a.c")
    assert expand.regex(words_of('echo ^a"."c$')[1], shell).search("a.c")
    assert not expand.regex(words_of('echo ^a"."c$')[1], shell).search("abc")
    assert expand.regex(words_of("echo ^[[:digit:]]+$")[1], shell).search("123")
    with pytest.raises(ExpandError):
        expand.regex(words_of("echo [")[1], shell)


def test_literal_does_not_split_or_glob(fixture_dir):
    shell = make_shell(**VARIABLES)
    assignment = parse("y=$x*.txt").body[0].command.assigns[0]
    assert expand.literal(assignment.value, shell) == "1  2*.txt"
    assignment = parse("p=~/a:~/b").body[0].command.assigns[0]
    home = os.environ.get("HOME", "/root")
    assert expand.literal(assignment.value, shell, assignment=True) == f"{home}/a:{home}/b"


def test_pattern_escapes_quoted_parts():
    shell = make_shell(star="*")
    case = parse('case x in "*"|$star|\'?\') ;; esac').body[0].command
    patterns = [expand.pattern(word, shell) for word in case.items[0].patterns]
    assert patterns == ["\\*", "*", "\\?"]
    assert glob.matches(patterns[1], "anything") and not glob.matches(patterns[0], "anything")


def test_document_expands_but_never_splits():
    shell = make_shell(x="1  2")
    redirect = parse("cat <<EOF\n$x   $((2*3)) *\nEOF\n").body[0].command.redirects[0]
    assert expand.document(redirect.heredoc, shell) == "1  2   6 *\n"


@pytest.mark.parametrize("source,message", [
    ("${nosuch?is required}", "nosuch: is required"),
    ("${e:?}", "e: parameter null or not set"),
    ("$((1/0))", "division by 0"),
    ("$((1 +))", "1 +"),
])
def test_expansion_errors(source, message):
    shell = make_shell(e="")
    with pytest.raises(ExpandError, match=message.replace("?", r"\?").replace("(", r"\(").replace("+", r"\+")):
        expand.fields(words_of("echo " + source)[1:], shell)


def test_nounset():
    shell = make_shell()
    shell.options.nounset = True
    with pytest.raises(ExpandError, match="nosuch: parameter not set"):
        expand.fields(words_of("echo $nosuch")[1:], shell)
    assert expand.fields(words_of('echo ${nosuch:-ok} "$@"')[1:], shell) == ["ok", "a b", "", "c"]


def test_noglob(fixture_dir):
    shell = make_shell()
    shell.options.noglob = True
    assert expand.fields(words_of("echo *.txt")[1:], shell) == ["*.txt"]


ARITH = [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("2 ** 10", 1024), ("2 ** 3 ** 2", 512),
    ("-7 / 2", -3), ("-7 % 2", -1), ("7 / -2", -3), ("0x1f + 010 + 2#101", 31 + 8 + 5),
    ("1 < 2 && 2 < 3", 1), ("0 || 0", 0), ("!0 + ~0", 0), ("5 & 3 | 8 ^ 1", 9),
    ("1 << 4 >> 2", 4), ("1 ? 2 : 3", 2), ("0 ? 2 : 0 ? 3 : 4", 4), ("(1, 2, 3)", 3),
    ("n = 5, n += 2, n *= 3, n", 21), ("n = 1, n++ + n", 3), ("n = 1, ++n + n", 4),
    ("n = 10, n-- , n", 9), ("n = 6, n /= 4, n", 1), ("n = 7, n %= 4, n <<= 2, n", 12),
    ("9223372036854775807 + 1", -9223372036854775808), ("v", 42), ("w", 42), ("nosuch + 1", 1),
    ("0 && (z = 1)", 0), ("z", 0),
]


@pytest.mark.parametrize("expression,value", ARITH)
def test_arithmetic(expression, value):
    shell = make_shell(v="42", w="v")
    assert arith.evaluate(expression, shell) == value


def test_arithmetic_agrees_with_bash():
    expressions = [expression for expression, _ in ARITH]
    code = "v=42; w=v; " + "; ".join(f"echo $(( {e} ))" for e in expressions)
    done = subprocess.run(["bash", "--posix", "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == [str(value) for _, value in ARITH]


def test_strip_affix_table():
    cases = [("abcabc", "b*", "#", "abcabc"), ("abcabc", "a*c", "#", "abc"), ("abcabc", "a*c", "##", ""),
             ("abcabc", "b*", "%", "abca"), ("abcabc", "b*", "%%", "a"), ("file.tar.gz", ".*", "%", "file.tar")]
    for value, pattern_text, op, expected in cases:
        assert glob.strip_affix(value, pattern_text, op) == expected, (value, pattern_text, op)


def test_bracket_expressions():
    assert glob.matches("[[:digit:]]x", "5x")
    assert glob.matches("[!a-c]", "d") and not glob.matches("[!a-c]", "b")
    assert glob.matches("[]]", "]")
    assert glob.matches("[a-", "[a-")  # unclosed: literal


def test_expand_imports_only_syntax():
    code = "import sys, pyshell.expand; print(sorted(m for m in sys.modules if m.startswith('pyshell.')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = eval(done.stdout)  # a printed list of module names
    assert not [m for m in modules if m.startswith(("pyshell.runtime", "pyshell.builtins"))], modules
