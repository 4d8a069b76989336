"""highlight_spans: the parser's own lexer, telling the REPL what each piece of text is."""

import pytest

from pyshell.syntax.lexer import highlight_spans

TABLE = [
    ("if true; then echo \"hi $USER\" >out; fi # done",
     [("if", "keyword"), ("true", "command"), (";", "operator"), ("then", "keyword"),
      ("echo", "command"), ('"', "string"), ("hi ", "string"), ("$USER", "variable"),
      ('"', "string"), (">", "redirect"), ("out", "word"), (";", "operator"), ("fi", "keyword"),
      ("# done", "comment")]),
    ("a=1 ls -l 2>&1 | grep ${x:-y} &",
     [("a=1", "assignment"), ("ls", "command"), ("-l", "word"), ("2", "number"), (">&", "redirect"),
      ("1", "word"), ("|", "operator"), ("grep", "command"), ("${x:-", "variable"), ("y", "word"),
      ("}", "variable"), ("&", "operator")]),
    ("echo $(ls 'a') $((1+2))",
     [("echo", "command"), ("$(", "operator"), ("ls", "command"), ("'a'", "string"),
      (")", "operator"), ("$((", "operator"), ("1+2", "number"), ("))", "operator")]),
    ("echo if then", [("echo", "command"), ("if", "word"), ("then", "word")]),
    ("for i in 1 2; do :; done",
     [("for", "keyword"), ("i", "word"), ("in", "keyword"), ("1", "number"), ("2", "number"),
      (";", "operator"), ("do", "keyword"), (":", "command"), (";", "operator"), ("done", "keyword")]),
    ("cat <<EOF\nbody $x\nEOF\necho",
     [("cat", "command"), ("<<", "redirect"), ("EOF", "word"), ("body $x\nEOF\n", "string"),
      ("echo", "command")]),
    # Incomplete input: what is open is coloured as a string; rejected input as an error.
    ('echo "open $x', [("echo", "command"), ('"', "string"), ("open ", "string"), ("$x", "variable")]),
    ("echo 'open", [("echo", "command"), ("'open", "string")]),
    ("echo ${x@Z}", [("echo", "command"), ("${x@Z}", "error")]),
    ("echo ${x^^[a-c]}", [("echo", "command"), ("${x^^", "variable"), ("[a-c]", "word"), ("}", "variable")]),
    ("echo ${x/a/b} ${x: -1:2}",
     [("echo", "command"), ("${x/", "variable"), ("a", "word"), ("/", "variable"), ("b", "word"),
      ("}", "variable"), ("${x:", "variable"), (" -1", "word"), (":", "variable"), ("2", "word"),
      ("}", "variable")]),
    ("echo $'a\\tb'x", [("echo", "command"), ("$'a\\tb'", "string"), ("x", "word")]),
    ("echo $'open", [("echo", "command"), ("$'open", "string")]),
    ("((i++)) && [[ -f $x || a == b ]]",
     [("((", "operator"), ("i++", "number"), ("))", "operator"), ("&&", "operator"),
      ("[[", "keyword"), ("-f", "operator"), ("$x", "variable"), ("||", "operator"), ("a", "word"),
      ("==", "operator"), ("b", "word"), ("]]", "keyword")]),
    ("((echo a); b)", [("(", "operator"), ("(", "operator"), ("echo", "command"), ("a", "word"),
                       (")", "operator"), (";", "operator"), ("b", "command"), (")", "operator")]),
    ("ec\\\nho", [("ec\\\nho", "command")]),
]


@pytest.mark.parametrize("text,expected", TABLE)
def test_kinds(text, expected):
    spans = highlight_spans(text)
    assert [(text[a:b], kind) for a, b, kind in spans if kind != "whitespace"] == expected
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))


def test_blank_text():
    assert highlight_spans("") == []
    assert highlight_spans("  ") == [(0, 2, "whitespace")]


def test_keywords_only_where_the_parser_sees_them():
    spans = highlight_spans("case in in in) echo esac;; esac")
    kinds = [kind for _, _, kind in spans if kind != "whitespace"]
    assert kinds == ["keyword", "word", "keyword", "word", "operator", "command", "word",
                     "operator", "keyword"]
