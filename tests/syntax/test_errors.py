"""Error table: input -> where the error is, whether more input could complete it, and
what the message says. `incomplete` is what makes the REPL ask for a continuation line."""

import pytest

from pyshell.errors import ParseError
from pyshell.syntax import iter_commands, parse

ERRORS = [
    # source, line, col, incomplete, message contains
    ("echo 'abc", 1, 6, True, "unterminated quote"),
    ('echo "abc', 1, 6, True, "unterminated quote"),
    ('echo "a\nb', 1, 6, True, "unterminated quote"),
    ("echo `ls", 1, 6, True, "unterminated quote"),
    ("echo ${x", 1, 6, True, "unterminated parameter expansion"),
    ("echo ${x:-abc", 1, 6, True, "unterminated parameter expansion"),
    ("echo $(echo", 1, 6, True, "unterminated command substitution"),
    ("echo $((1+2", 1, 6, True, "unterminated arithmetic expansion"),
    ("echo \\", 1, 6, True, "end of file after \\"),
    ("echo a \\\n", 1, 8, True, "end of file after \\"),
    ("if true; then", 1, 14, True, "near end of file"),
    ("if true; then echo\n", 2, 1, True, "near end of file"),
    ("while true", 1, 11, True, "near end of file"),
    ("for x in a b", 1, 13, True, "near end of file"),
    ("case x in a)", 1, 13, True, "near end of file"),
    ("echo |", 1, 7, True, "near end of file"),
    ("a &&", 1, 5, True, "near end of file"),
    ("a ||\n", 2, 1, True, "near end of file"),
    ("( echo", 1, 7, True, "near end of file"),
    ("{ echo a", 1, 9, True, "near end of file"),
    ("f() ", 1, 5, True, "near end of file"),
    ("echo >", 1, 7, True, "near end of file"),
    ("cat <<EOF\nabc", 1, 5, True, "here-document"),
    ("cat <<EOF", 1, 5, True, "here-document"),
    ("echo $(cat <<EOF\nx\n)", 1, 12, True, "here-document"),
    ("fi", 1, 1, False, "syntax error near 'fi'"),
    ("echo a; )", 1, 9, False, "syntax error near ')'"),
    ("echo a\nfi\n", 2, 1, False, "syntax error near 'fi'"),
    ("echo a\n\nif then", 3, 4, False, "syntax error near 'then'"),
    ("echo a;;", 1, 7, False, "syntax error near ';;'"),
    ("| a", 1, 1, False, "syntax error near '|'"),
    ("a && && b", 1, 6, False, "syntax error near '&&'"),
    ("a\n&& b", 2, 1, False, "syntax error near '&&'"),
    ("if a; then; fi", 1, 11, False, "syntax error near ';'"),
    ("{ }", 1, 3, False, "syntax error near '}'"),
    ("()", 1, 2, False, "syntax error near ')'"),
    ("echo (", 1, 7, True, "near end of file"),   # could be `echo () { ...; }`
    ("echo a (", 1, 8, False, "syntax error near '('"),
    ("echo a >", 1, 9, True, "near end of file"),
    ("echo a > ;", 1, 10, False, "syntax error near ';'"),
    ("cat << ;", 1, 8, False, "syntax error near ';'"),
    ("echo ${x@Z}", 1, 6, False, "bad substitution"),     # not one of bash's transformations
    ("echo ${x@}", 1, 6, False, "bad substitution"),      # a transformation needs its letter
    ("echo ${x:}", 1, 6, False, "bad substitution"),      # bash: an empty offset is an error too
    ("echo ${x:1", 1, 6, True, "unterminated parameter expansion"),
    ("echo ${x/a", 1, 6, True, "unterminated parameter expansion"),
    ("echo $'abc", 1, 6, True, "unterminated quote"),
    ("[[ a", 1, 1, True, "unexpected end of file in [[ ]]"),
    ("[[ a b ]]", 1, 6, False, "syntax error in [[ ]] near 'b'"),
    ("[[ ]]", 1, 1, False, "an expression is expected in [[ ]]"),
    ("[[ a = ]]", 1, 6, False, "syntax error in [[ ]] near '='"),
    ("[[ a ; ]]", 1, 6, False, "syntax error in [[ ]] near ';'"),
    ("[[ ( a ]]", 1, 1, False, "unexpected ']]'"),
    ("((1)) x", 1, 7, False, "syntax error near 'x'"),
    ("for ((i=0; i<2)); do :; done", 1, 5, False, "for (( )) needs three expressions"),
    ("for ((i=0;", 1, 5, True, "unterminated for (( ))"),
    ("[[ -f ]]", 1, 4, False, "unexpected argument ']]' to conditional unary operator"),
    ("[[ -n && a ]]", 1, 7, False, "unexpected argument '&&' to conditional unary operator"),
    ("echo ${}", 1, 6, False, "bad substitution"),
    ("echo ${#x:-a}", 1, 6, False, "bad substitution"),
    ("echo $(if true)", 1, 15, False, "syntax error near ')'"),
    ("echo $(fi)", 1, 8, False, "syntax error near 'fi'"),
    ("for 1 in a; do :; done", 1, 5, False, "'1' is not a valid name"),
    ("for x in a b do :; done", 1, 20, False, "syntax error near 'done'"),  # `do` is a word there
    ("case x in a) ;; esac esac", 1, 22, False, "syntax error near 'esac'"),
    (") 'abc", 1, 1, False, "syntax error near ')'"),  # the earlier error wins
    ("echo a\n) 'abc", 2, 1, False, "syntax error near ')'"),
    ("'a'() { :; }", 1, 1, False, "not a valid function name"),
    ("x=1 f() { :; }", 1, 6, False, "syntax error near '('"),
    ("echo $(cat <<EOF)\nx\nEOF\n", 1, 17, False, "here-document not finished before ')'"),
]


@pytest.mark.parametrize("source,line,col,incomplete,message", ERRORS)
def test_parse_errors(source, line, col, incomplete, message):
    with pytest.raises(ParseError) as caught:
        parse(source, "script.sh")
    error = caught.value
    assert (error.line, error.col, error.incomplete) == (line, col, incomplete), str(error)
    assert message in error.message
    assert str(error).startswith(f"script.sh:{line}:{col}: ")
    assert error.filename == "script.sh"
    assert error.status == 2
    assert error.source_line == source.split("\n")[line - 1]


def test_error_token():
    with pytest.raises(ParseError) as caught:
        parse("echo a; fi")
    assert caught.value.token == "fi"
    with pytest.raises(ParseError) as caught:
        parse("echo a\n&& b")
    assert caught.value.token == "&&"


def test_iter_commands_runs_up_to_the_error():
    source = "echo 1\necho 2; echo 3\nif x; then\n  y\nfi\necho 4\nfi\necho 5\n"
    seen = []
    with pytest.raises(ParseError) as caught:
        for script in iter_commands(source, "f.sh"):
            seen.append(script)
    assert [len(s.body) for s in seen] == [1, 2, 1, 1]
    assert (caught.value.line, caught.value.col) == (7, 1)
    assert str(caught.value) == "f.sh:7:1: syntax error near 'fi'"


def test_iter_commands_lexer_error_comes_after_earlier_lines():
    seen = []
    with pytest.raises(ParseError) as caught:
        for script in iter_commands("echo 1\necho 'open\n"):
            seen.append(script)
    assert len(seen) == 1
    assert caught.value.incomplete and caught.value.line == 2
