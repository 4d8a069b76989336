"""Arbitrary text must give a tree or a ParseError, never another exception; the
highlighter never raises and covers the text; whatever parses also round-trips."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyshell.errors import ParseError
from pyshell.syntax import format, iter_commands, parse
from pyshell.syntax.lexer import HIGHLIGHT_KINDS, highlight_spans

SHELL_PIECES = [
    "echo", "a", "x=1", "$x", "${x", "${x:-", "${#x}", "}", "{", "(", ")", "$(", "$((", "))",
    "`", "'", '"', "\\", "\n", " ", "\t", ";", ";;", "&", "&&", "|", "||", "|&", "!", "<", ">",
    ">>", "2>&1", "<<", "<<-", "EOF", "<<<", "&>", "#", "if", "then", "elif", "else", "fi",
    "while", "until", "do", "done", "for", "in", "case", "esac", "function", "f()", "~", "*",
    "=", "-", "1", "$?", "$@", "\\\n",
]

shell_like = st.lists(st.sampled_from(SHELL_PIECES), max_size=30).map("".join)
any_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
texts = st.one_of(shell_like, any_text)

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def _check_spans(text):
    spans = highlight_spans(text)
    position = 0
    for start, end, kind in spans:
        assert start == position and end > start, (text, spans)
        assert kind in HIGHLIGHT_KINDS
        position = end
    assert position == len(text), (text, spans)


@FUZZ
@given(texts)
def test_parse_raises_only_parse_errors_and_round_trips(text):
    try:
        tree = parse(text)
    except ParseError as error:
        assert isinstance(error.line, int) and isinstance(error.col, int)
        assert str(error).startswith("-c:")
    else:
        assert parse(format(tree)) == tree


@FUZZ
@given(texts)
def test_highlight_never_raises_and_covers_the_text(text):
    _check_spans(text)


@FUZZ
@given(shell_like)
def test_iter_commands_agrees_with_parse(text):
    try:
        whole = parse(text)
    except ParseError:
        return
    # Running line by line may only fail where parse() would (it never does here).
    statements = tuple(s for script in iter_commands(text) for s in script.body)
    assert statements == whole.body
