"""At run time pysh drives its PLY rules and PLY-generated tables with engines of its own
(lexengine.py, lr.py) so as not to import PLY. Here PLY's own lexer and parser run the same
rules and grammar over every text the tests know, and must agree lexeme for lexeme, tree
for tree, error for error."""

from pathlib import Path

import pytest
from ply import lex, yacc

from pyshell.errors import ParseError
from pyshell.syntax import grammar, lexengine, lexer, parse, parser

from . import test_errors, test_parse

HERE = Path(__file__).parent
SPEC = HERE.parent / "diff" / "spec"


def _spec_snippets() -> list[str]:
    """The code of every case of the differential spec files (tests/diff/spec/*.test.sh)."""
    snippets = []
    for path in sorted(SPEC.glob("*.test.sh")):
        code: list[str] = []
        for line in path.read_text().splitlines():
            if line.startswith("####"):
                snippets.append("\n".join(code))
                code = []
            elif not line.startswith("## "):
                code.append(line)
        snippets.append("\n".join(code))
    return [snippet for snippet in snippets if snippet.strip()]


TEXTS = ([path.read_text() for path in sorted((HERE / "corpus").glob("*.sh"))]
         + [spelling for spellings, _ in test_parse.TABLE for spelling in spellings]
         + [row[0] for row in test_errors.ERRORS]
         + _spec_snippets())


@pytest.fixture(scope="module")
def ply_lexer():
    return lex.lex(module=lexer, reflags=0, errorlog=lex.NullLogger())


@pytest.fixture(scope="module")
def ply_parser():
    return yacc.yacc(module=grammar, debug=False, write_tables=False, errorlog=yacc.NullLogger())


def test_there_are_many_texts():
    assert len(TEXTS) > 1000


def _lexemes(lexer_object, text, state):
    lexer_object.input(text)
    lexer_object.begin(state)
    found = []
    while (lexeme := lexer_object.token()) is not None:
        found.append((lexeme.type, lexeme.value, lexeme.lexpos))
    return found, lexer_object.lexpos


@pytest.mark.parametrize("state", [name for name, _ in lexer.states] + ["INITIAL"])
def test_same_lexemes_in_every_state(ply_lexer, state):
    ours = lexengine.RuleLexer(lexengine.RuleSet(lexer))
    theirs = ply_lexer.clone()
    for text in TEXTS:
        assert _lexemes(ours, text, state) == _lexemes(theirs, text, state), text


class _Feed:
    def __init__(self, tokens):
        self._tokens = iter(tokens)

    def token(self):
        return next(self._tokens, None)


def _outcome(text):
    try:
        return "tree", parse(text)
    except ParseError as error:
        return "error", str(error), error.line, error.col, error.incomplete, error.token


def test_same_trees_and_errors_as_ply(ply_lexer, ply_parser, monkeypatch):
    ours = [_outcome(text) for text in TEXTS]

    def ply_fresh_lexer(text):
        clone = ply_lexer.clone()
        clone.lexstatestack = []
        clone.begin("INITIAL")
        clone.input(text)
        return clone

    monkeypatch.setattr(lexer, "_fresh_lexer", ply_fresh_lexer)
    monkeypatch.setattr(parser, "_fresh_lexer", ply_fresh_lexer)
    monkeypatch.setattr(parser, "_run_grammar", lambda tokens: ply_parser.parse(lexer=_Feed(tokens)))
    theirs = [_outcome(text) for text in TEXTS]
    assert sum(outcome[0] == "error" for outcome in ours) > 50  # errors are compared too
    for text, mine, ply_result in zip(TEXTS, ours, theirs):
        assert mine == ply_result, text
