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
    # bash additions: $'...', ${x:1:2}, ${x/a/b}, brace expansion, (( )), [[ ]]
    "$'", "\\t", "\\'", "${x:", "${x/", "${x//", "/", ":", ",", "{a,b}", "{1..3}", "((", "[[", "]]",
    "=~", "==", "-f", "-eq", "for ((i=0; i<2; i++))",
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


# ---------------------------------------------------------------- valid scripts, generated

NAMES = st.sampled_from(["a", "x", "PATH", "my_var", "_", "i1"])
PLAIN = st.sampled_from(["a", "echo", "-n", "file.txt", "*", "x=y", "~", "~/d", "1", "a#", "{", "}",
                         "if", "done", "esac", "in", "a,b", "%", "@", ":"])


def _words(scripts):
    param = st.one_of(
        st.builds(lambda n: "$" + n, st.sampled_from(["a", "x", "?", "$", "!", "#", "@", "*", "-", "0", "1"])),
        st.builds(lambda n: "${" + n + "}", NAMES),
        st.builds(lambda n: "${#" + n + "}", NAMES),
        st.builds(lambda n, op, w: "${" + n + op + w + "}", NAMES,
                  st.sampled_from([":-", "-", ":=", "=", ":?", "?", ":+", "+", "#", "##", "%", "%%"]),
                  st.sampled_from(["", "w", "a b", "'q'", '"d"', "$x", "*.c"])),
    )
    piece = st.one_of(
        PLAIN,
        st.builds(lambda t: "'" + t + "'", st.sampled_from(["", "a b", "$x", "\"", "\\", "\n"])),
        st.builds(lambda t: '"' + t + '"', st.sampled_from(["", "a b", "$x", "\\$", "\\\"", "'", "${x:-y}", "`a`"])),
        st.builds(lambda c: "\\" + c, st.sampled_from(["*", "$", " ", "\\", "'", "a", ";"])),
        param,
        st.builds(lambda s: "$(" + s + ")", scripts),
        st.builds(lambda s: "$( " + s + " )", scripts),
        st.builds(lambda e: "$((" + e + "))", st.sampled_from(["1+2", "x * (y - 1)", "$a + ${b}", "$(echo 1)"])),
        st.builds(lambda c: "`" + c + "`", st.sampled_from(["echo a", "ls $x", "a | b"])),
    )
    return st.lists(piece, min_size=1, max_size=3).map("".join)


def _scripts():
    def extend(inner):
        word = _words(inner)
        redirect = st.builds(lambda fd, op, w: fd + op + w, st.sampled_from(["", "2", "10"]),
                             st.sampled_from(["<", ">", ">>", ">|", "<>", ">&", "<&", "&>", "&>>", "<<<"]),
                             st.sampled_from(["f", "1", "-", "$x", "'a b'"]))
        simple = st.builds(
            lambda assigns, name, args, redirects: " ".join(assigns + [name] + args + redirects),
            st.lists(st.builds(lambda n, v: n + "=" + v, NAMES, st.sampled_from(["", "1", "$x", "'a b'"])), max_size=2),
            st.sampled_from(["echo", "cat", "true", "ls", "[", ":"]),
            st.lists(word, max_size=3), st.lists(redirect, max_size=2))
        body = inner.map(lambda s: s or "true")
        compound = st.one_of(
            st.builds(lambda b: "{ " + b + "; }", body),
            st.builds(lambda b: "( " + b + " )", body),
            st.builds(lambda c, b: f"if {c}; then {b}; fi", body, body),
            st.builds(lambda c, b, e: f"if {c}; then {b}; elif {c}; then :; else {e}; fi", body, body, body),
            st.builds(lambda c, b: f"while {c}; do {b}; done", body, body),
            st.builds(lambda c, b: f"until {c}\ndo\n{b}\ndone", body, body),
            st.builds(lambda n, ws, b: f"for {n} in {' '.join(ws)}; do {b}; done", NAMES, st.lists(word, max_size=3), body),
            st.builds(lambda n, b: f"for {n}; do {b}; done", NAMES, body),
            st.builds(lambda w, p, b: f"case {w} in {p}) {b};; *) ;; esac", word,
                      st.sampled_from(["a", "a|b", "(x", "(esac|y", "'q'|\"d\"", "*.c"]), body),
            st.builds(lambda n, b: f"{n}() {{ {b}; }}", st.sampled_from(["f", "g_1", "my-fn"]), body),
            st.builds(lambda b, d: f"{{ {b} && cat <<{d}\nline $x `y` \\$z\n\tEOF\nEOF\n}}", body,
                      st.sampled_from(["EOF", "'EOF'", "\\EOF", "-EOF"])),
        )
        command = st.one_of(simple, compound)
        pipeline = st.builds(lambda neg, cmds, ops: ("! " if neg else "") + "".join(
            c + (ops[i % len(ops)] if i < len(cmds) - 1 else "") for i, c in enumerate(cmds)),
            st.booleans(), st.lists(command, min_size=1, max_size=3),
            st.lists(st.sampled_from([" | ", "|", " |& ", " |\n"]), min_size=1, max_size=2))
        and_or = st.builds(lambda ps, ops: "".join(
            p + (ops[i % len(ops)] if i < len(ps) - 1 else "") for i, p in enumerate(ps)),
            st.lists(pipeline, min_size=1, max_size=3),
            st.lists(st.sampled_from([" && ", " || ", "&&\n", " ||\n\n"]), min_size=1, max_size=2))
        return st.builds(lambda items, seps: "".join(
            item + (seps[i % len(seps)] if i < len(items) - 1 else "") for i, item in enumerate(items)),
            st.lists(and_or, min_size=1, max_size=3),
            st.lists(st.sampled_from(["; ", "\n", " & ", "&", "\n\n# comment\n"]), min_size=1, max_size=2))
    return st.recursive(st.sampled_from(["true", "echo a", "x=1", "ls -l >out"]), extend, max_leaves=4)


VALID = _scripts()


# Generated scripts nest recursively and grow fast: fewer, smaller examples keep this test
# to seconds while still covering every construct (run with more examples by hand).
@settings(FUZZ, max_examples=120)
@given(VALID)
def test_generated_scripts_parse_and_round_trip(text):
    tree = parse(text)
    printed = format(tree)
    assert parse(printed) == tree, printed
    assert format(parse(printed)) == printed
    statements = tuple(s for script in iter_commands(text) for s in script.body)
    assert statements == tree.body
    _check_spans(text)
