"""The lexer: source text -> parser tokens (and highlighting spans, from the same code).

It works in two layers:

1. **PLY rules** (the ``t_`` functions below, run by lexengine.py) cut the text into *lexemes*: an operator, a
   newline, a comment, or one piece of a word (a run of plain characters, ``'...'``, the
   opening ``"``, ``$name``, ``${``, ``$(``...). Each quoting context has its own PLY lexer
   state (``dquote``, ``heredoc``, ``braceword``...), because ``*`` or ``'`` or ``}`` mean
   different things inside ``"..."``, inside ``${x:-...}`` and outside.

2. **The Scanner**, hand-written, does what a regular lexer cannot: it joins adjacent pieces
   into a Word (no blank between them), descends into nested quotes and ``$( )`` (whose
   body is a whole script), reads here-document bodies after the newline, and decides from
   the position in the command whether ``if`` is a reserved word, ``a=1`` an assignment and
   ``ll`` an alias. The parser then sees ready tokens: WORD, ASSIGNMENT_WORD, IF, PIPE...

``highlight_spans`` runs the same Scanner and records what each piece of text was.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable, Iterator, Mapping

from ..errors import ParseError
from . import ast
from .ast import merge_lits as _merge
from .lexengine import RuleLexer, RuleSet
from .tokens import OPERATORS, REDIRECT_OPS, RESERVED, HereDoc, Token

# ================================================================ layer 1: PLY lexeme rules

tokens = (
    "LINE_CONT", "NEWLINE", "COMMENT", "IO_NUMBER", "IO_NAME", "EXTGLOB", "PROCSUB_OPEN", "OPERATOR",
    "LIT", "ESCAPE", "SQUOTE", "SQUOTE_OPEN", "ANSI", "ANSI_OPEN", "DQ_OPEN", "DQ_CLOSE",
    "PARAM", "DOLLAR", "BRACE_OPEN", "BRACE_LEN", "BRACE_BANG", "BRACE_NAME", "BRACE_OP", "BRACE_CLOSE",
    "BRACE_SEP", "SUB_OPEN", "SUB_CLOSE",
    "CMDSUB_OPEN", "ARITH_OPEN", "AR_OPEN", "AR_CLOSE",
    "BACKQUOTE", "BACKQUOTE_OPEN", "BACKSLASH_EOF",
)

states = (
    ("dquote", "exclusive"),     # inside "..."
    ("heredoc", "exclusive"),    # an unquoted here-document body: like "..." but " is plain
    ("braceword", "exclusive"),  # the word in ${name:-word}
    ("arith", "exclusive"),      # inside $(( ... ))
    ("bracename", "exclusive"),  # right after ${
    ("braceop", "exclusive"),    # after the name in ${name
    ("bracepat", "exclusive"),   # the pattern in ${name/pattern/string}, up to its /
    ("braceoffset", "exclusive"),  # the offset in ${name:offset:length}, up to its :
    ("bracesub", "exclusive"),   # the subscript in ${name[sub]} and name[sub]=, up to its ]
)

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_SPECIAL = r"[0-9?$!#@*-]"   # one-character parameters: $1 $? $$ $! $# $@ $* $-

t_ignore = " \t"
t_dquote_ignore = ""
t_heredoc_ignore = ""
t_braceword_ignore = ""
t_arith_ignore = ""
t_bracename_ignore = ""
t_braceop_ignore = ""
t_bracepat_ignore = ""
t_braceoffset_ignore = ""
t_bracesub_ignore = ""

# Rules are tried in the order they are written, so longer forms come first
# (``$((`` before ``$(`` before ``$``).


def pattern(regex):
    """Give a rule a regex built in code (PLY's ``@TOKEN``: a docstring cannot be computed)."""
    def set_regex(rule):
        rule.regex = regex
        return rule
    return set_regex


def t_INITIAL_dquote_heredoc_braceword_bracepat_braceoffset_arith_bracesub_LINE_CONT(t):
    r"\\\n"
    return t  # backslash-newline: removed, the word goes on on the next line


def t_NEWLINE(t):
    r"\n"
    return t


def t_COMMENT(t):
    r"\#[^\n]*"
    return t  # only at the start of a word; the Scanner turns a # inside a word back into text


def t_IO_NUMBER(t):
    r"[0-9]+(?=[<>])"
    return t  # the 2 of 2>file: digits touching a redirection operator


def t_IO_NAME(t):
    r"\{[A-Za-z_][A-Za-z0-9_]*\}(?=[<>])"
    return t  # bash's {fd}>file: the shell picks the fd and stores it in $fd


# bash's extglob groups @(a|b) !(x) *(x) +(x) ?(x), up to two levels deep, are text of
# the word (bash reads them so once `shopt -s extglob` is on; pysh always does).
_EXTGLOB = r"[@!*+?]\((?:[^()\n]|\((?:[^()\n])*\))*\)"


@pattern(_EXTGLOB)
def t_EXTGLOB(t):
    return t


def t_PROCSUB_OPEN(t):
    r"[<>]\("
    return t  # bash's <(cmd) and >(cmd): a word part, like $(cmd)


@pattern("|".join(re.escape(op) for op in OPERATORS))
def t_OPERATOR(t):
    return t


def t_INITIAL_braceword_bracepat_braceoffset_arith_bracesub_SQUOTE(t):
    r"'[^']*'"
    return t


def t_INITIAL_braceword_bracepat_braceoffset_arith_bracesub_SQUOTE_OPEN(t):
    r"'"
    return t  # a quote with no closing quote before the end of the text


def t_INITIAL_braceword_bracepat_braceoffset_arith_bracesub_DQ_OPEN(t):
    r'"'
    return t


def t_dquote_DQ_CLOSE(t):
    r'"'
    return t


def t_INITIAL_braceword_bracepat_braceoffset_arith_bracesub_ESCAPE(t):
    r"\\."
    return t


def t_dquote_ESCAPE(t):
    r'\\[$`"\\]'
    return t  # inside "...", a backslash only quotes $ ` " and \ (else it is a plain \)


def t_heredoc_ESCAPE(t):
    r"\\[$`\\]"
    return t


def t_INITIAL_braceword_bracepat_ANSI(t):
    r"\$'(?:[^'\\]|\\(?:.|\n))*'"
    return t  # $'a\tb': ANSI-C quoting, backslash escapes decoded (bash, ksh, zsh)


def t_INITIAL_braceword_bracepat_ANSI_OPEN(t):
    r"\$'"
    return t  # a $' with no closing quote


def t_INITIAL_dquote_heredoc_braceword_bracepat_braceoffset_arith_bracesub_ARITH_OPEN(t):
    r"\$\(\("
    return t


def t_INITIAL_dquote_heredoc_braceword_bracepat_braceoffset_arith_bracesub_CMDSUB_OPEN(t):
    r"\$\("
    return t


def t_INITIAL_dquote_heredoc_braceword_bracepat_braceoffset_arith_bracesub_BRACE_OPEN(t):
    r"\$\{"
    return t


@pattern(r"\$(?:" + _NAME + "|" + _SPECIAL + ")")
def t_INITIAL_dquote_heredoc_braceword_bracepat_braceoffset_arith_bracesub_PARAM(t):
    return t


def t_INITIAL_dquote_heredoc_braceword_bracepat_braceoffset_arith_bracesub_DOLLAR(t):
    r"\$"
    return t  # a $ that starts no expansion is a plain character


def t_INITIAL_dquote_heredoc_braceword_bracepat_braceoffset_arith_bracesub_BACKQUOTE(t):
    r"`(?:[^`\\]|\\(?:.|\n))*`"
    return t


def t_INITIAL_dquote_heredoc_braceword_bracepat_braceoffset_arith_bracesub_BACKQUOTE_OPEN(t):
    r"`"
    return t


def t_BACKSLASH_EOF(t):
    r"\\"
    return t  # a backslash with nothing after it


def t_LIT(t):
    r"""(?:[^ \t\n|&;<>()'"\\$`@!*+?]|[@!*+?](?!\())+"""
    return t


def t_dquote_LIT(t):
    r'[^"\\$`]+|\\'
    return t


def t_heredoc_LIT(t):
    r"[^\\$`]+|\\"
    return t


def t_braceword_LIT(t):
    r"""[^}\\$`'"]+|\\"""
    return t


def t_bracepat_LIT(t):
    r"""[^}/\\$`'"]+|\\"""
    return t


def t_braceoffset_LIT(t):
    r"""[^}:\\$`'"]+|\\"""
    return t


def t_bracepat_braceoffset_BRACE_SEP(t):
    r"[/:]"
    return t  # the / after the pattern of ${x/pat/string}, the : before the length of ${x:1:2}


def t_bracesub_LIT(t):
    r"""[^\[\]\\$`'"]+|\\"""
    return t


def t_bracesub_SUB_OPEN(t):
    r"\["
    return t  # brackets nest in a subscript: ${a[b[1]]}


def t_bracesub_SUB_CLOSE(t):
    r"\]"
    return t


def t_arith_AR_OPEN(t):
    r"\("
    return t


def t_arith_AR_CLOSE(t):
    r"\)"
    return t


def t_arith_LIT(t):
    r"""[^()\\$`'"]+|\\"""
    return t


@pattern(r"\#(?=(?:" + _NAME + r"[}\[]|(?:[0-9]+|" + _SPECIAL + r")\}))")
def t_bracename_BRACE_LEN(t):
    return t  # the # of ${#name}


def t_bracename_BRACE_BANG(t):
    r"!(?=[A-Za-z_0-9])"
    return t  # the ! of bash's ${!name}: indirection (a lone ${!} is $!)


@pattern(_NAME + r"|[0-9]+|" + _SPECIAL)
def t_bracename_BRACE_NAME(t):
    return t


def t_braceop_BRACE_OP(t):
    r":[-=?+]|[-=?+]|\#\#|\#|%%|%|//|/\#|/%|/|:|\^\^|\^|,,|,|@[QEPAaKkULu]"
    return t


def t_braceword_braceop_bracepat_braceoffset_BRACE_CLOSE(t):
    r"\}"
    return t


def t_ANY_error(t):
    t.value = t.value[0]
    t.lexer.skip(1)
    return t  # type "error": the Scanner reports it (only ${...} can hit this)


_rules = None


def _fresh_lexer(text: str) -> RuleLexer:
    """A lexer over ``text``, in state INITIAL. The rules are gathered once per process."""
    global _rules
    if _rules is None:
        _rules = RuleSet(sys.modules[__name__])
    return RuleLexer(_rules, text)


# ================================================================ layer 2: the Scanner

# Where the Scanner is in a command; decides what a word means.
COMMAND = "command"        # a command may start: reserved words, assignments, aliases
PREFIX = "prefix"          # after an assignment or a redirection, before the command name
ARGS = "args"              # after the command name: plain words
FOR_NAME = "for-name"      # after `for`
FOR_IN = "for-in"          # after `for NAME`: `in` and `do` are reserved
FOR_WORDS = "for-words"    # after `for NAME in`
CASE_WORD = "case-word"    # after `case`
CASE_IN = "case-in"        # after `case WORD`: `in` is reserved
PATTERN = "pattern"        # start of a case pattern: `esac` is reserved, `(` allowed
PATTERN_MORE = "pattern-more"  # inside a case pattern, before its `)`
FUNCTION_NAME = "function-name"  # after `function`

_KEYWORD_NEXT_MODE = {"FOR": FOR_NAME, "CASE": CASE_WORD, "FUNCTION": FUNCTION_NAME}
_OPENERS = {"IF", "WHILE", "UNTIL", "FOR", "CASE", "LBRACE"}
_CLOSERS = {"FI", "DONE", "ESAC", "RBRACE"}
_ASSIGNMENT = re.compile(_NAME + r"\+?=")
_NAME_START = re.compile(_NAME + "$")
_TIME_OPTION = re.compile(r"[ \t]+-p(?=[ \t\n;&|]|$)")
_SUBSCRIPTED = re.compile(_NAME + r"\[")


class Source:
    """A text being lexed, and how to turn an offset in it into a line:col position.

    The lexer deletes each backslash-newline from the text it reads (see
    Scanner._lexeme), so offsets in what it reads are mapped back to the original
    ``text`` through the list of places where two characters were removed.
    ``is_input`` is False for texts that are not the user's (an alias's value, the inside
    of backquotes, a here-document body): a backslash-newline may end those.
    """

    def __init__(self, text: str, filename: str = "-c", line: int = 1, col: int = 1,
                 is_input: bool = True):
        self.text = text
        self.filename = filename
        self.first_line = line
        self.first_col = col
        self.is_input = is_input
        self.removed: list[int] = []   # offsets (in the lexer's text) of deleted "\\\n"
        self._line_starts = None

    def original_offset(self, index: int) -> int:
        return index + 2 * bisect.bisect_right(self.removed, index)

    def end_pos(self) -> ast.Pos:
        return self._original_pos(len(self.text))

    def pos(self, index: int) -> ast.Pos:
        return self._original_pos(self.original_offset(index))

    def _original_pos(self, index: int) -> ast.Pos:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        row = bisect.bisect_right(self._line_starts, index) - 1
        col = index - self._line_starts[row] + 1
        if row == 0:
            col += self.first_col - 1
        return ast.Pos(self.first_line + row, col)

    def line_text(self, index: int) -> str:
        start = self.text.rfind("\n", 0, index) + 1
        end = self.text.find("\n", index)
        return self.text[start:] if end < 0 else self.text[start:end]

    def error(self, message: str, index: int, *, incomplete: bool = False,
              token: str | None = None) -> ParseError:
        pos = self.pos(index)
        return ParseError(message, filename=self.filename, line=pos.line, col=pos.col,
                          token=token, incomplete=incomplete,
                          source_line=self.line_text(self.original_offset(index)))


# The ${name<op>pattern} forms: trimming (# ## % %%) and bash's case changes (^^ ^ ,, ,).
_PATTERN_OPS = ("#", "##", "%", "%%", "^^", "^", ",,", ",")

ParseTokens = Callable[[list, "Token | None", Source], ast.Script]


class Scanner:
    """Turns one source (or the body of one ``$( )``) into parser Tokens.

    ``parse_tokens(tokens, closing, source)`` is the parser, passed in so that the body of a
    ``$( )`` can become a Script without the lexer importing the parser. ``spans``, when a
    list, receives (start, end, kind) for highlighting.
    """

    def __init__(self, lexer, source: Source, parse_tokens: ParseTokens, *,
                 aliases: Mapping[str, str] | None = None, spans: list | None = None,
                 in_cmdsubst: bool = False, opened_at: int = 0):
        self.lx = lexer
        self.source = source
        self.parse_tokens = parse_tokens
        self.aliases = aliases
        self.spans = spans
        self.in_cmdsubst = in_cmdsubst
        self.opened_at = opened_at  # offset of the `$(` whose body this is
        self.mode = COMMAND
        self.nesting = 0          # open if/while/case/{/( ... : a newline inside does not end a command
        self.paren_depth = 0      # open ( : in $( ), the ) that closes the body is found at depth 0
        self.last_type = None
        self._target_pending = False  # the next word is a redirection target
        self._mode_before_redirect = COMMAND
        self._pushback = None     # one lexeme read ahead to see where a word ends
        self._pending_heredocs: list[HereDoc] = []
        self._inputs = []         # alias expansion: where to come back to after the alias text
        self._expanding: set[str] = set()
        self._alias_next = False  # an alias ending in a blank makes the next word an alias too
        self._ansi_in_dquote = False  # decode $'...' inside "${x#...}" (see _read_brace)
        self._command_name = None  # the command word of the current simple command, if plain

    # ------------------------------------------------------------ the token stream

    def tokens(self) -> Iterator[Token]:
        """Yield the parser tokens, up to the end of the text or the ``)`` of a ``$( )``."""
        while True:
            raw = self._raw()
            if raw is None:
                if self.in_cmdsubst:
                    raise self.source.error("unterminated command substitution",
                                            self.opened_at, incomplete=True)
                self._check_no_heredoc_left()
                return
            kind = raw.type
            if kind == "COMMENT":
                self._span(raw.lexpos, raw.lexpos + len(raw.value), "comment")
                continue
            if kind == "NEWLINE":
                token = self._token("NEWLINE", None, raw)
                self._read_heredoc_bodies()
                self._after_newline()
                yield token
            elif kind == "OPERATOR":
                type = OPERATORS[raw.value]
                if (type == "RPAREN" and self.in_cmdsubst and self.paren_depth == 0
                        and self.mode not in (PATTERN, PATTERN_MORE)):
                    self.closing = self._token("RPAREN", None, raw)
                    self._span(raw.lexpos, raw.lexpos + 1, "operator")
                    if any(doc.delimiter is not None for doc in self._pending_heredocs):
                        raise self.source.error("here-document not finished before ')'",
                                                raw.lexpos, token=")")
                    return
                if (type == "LPAREN" and self.mode in (COMMAND, FOR_NAME)
                        and self.lx.lexdata.startswith("(", self.lx.lexpos)):
                    token = self._arith_command(raw)
                    if token is not None:
                        self.last_type = token.type
                        yield token
                        continue
                token = self._token(type, None, raw)
                if type in REDIRECT_OPS:
                    self._span(raw.lexpos, raw.lexpos + len(raw.value), "redirect")
                    if type in ("DLESS", "DLESSDASH"):
                        token.value = HereDoc(token.pos, raw.lexpos, strip_tabs=type == "DLESSDASH")
                        self._pending_heredocs.append(token.value)
                    self._expect_target()
                else:
                    self._span(raw.lexpos, raw.lexpos + len(raw.value), "operator")
                    self._after_operator(type)
                self.last_type = type
                yield token
            elif kind == "IO_NUMBER":
                self._span(raw.lexpos, raw.lexpos + len(raw.value), "number")
                yield self._token("IO_NUMBER", int(raw.value), raw)
            elif kind == "IO_NAME":   # the grammar sees an IO_NUMBER whose value is a name
                self._span(raw.lexpos, raw.lexpos + len(raw.value), "variable")
                yield self._token("IO_NUMBER", raw.value[1:-1], raw)
            else:
                token = self._word_token(raw)
                if token is not None:
                    self.last_type = token.type
                    yield token

    def _raw(self):
        """The next lexeme, from the read-ahead slot, the current input, or the input an
        alias expansion interrupted."""
        while True:
            if self._pushback is not None:
                raw, self._pushback = self._pushback, None
                return raw
            raw = self._lexeme()
            if raw is not None or not self._inputs:
                return raw
            finished = self._expanding_name
            (self.lx, self.source, self.spans, self._expanding_name,
             self._pushback) = self._inputs.pop()
            self._expanding.discard(finished)
            self._alias_next = self.aliases[finished][-1:] in (" ", "\t")

    _expanding_name = None

    def _lexeme(self):
        """The next lexeme of the current text.

        sh removes every backslash-newline before it cuts words (`ec\\<newline>ho` is
        `echo`, `$x\\<newline>y` is `$xy`, `&\\<newline>&` is `&&`). So wherever one is
        met, at the start of a lexeme or right after one, it is deleted from the text and
        the lexeme is read again. (Inside '...', a comment or a here-document body no
        lexeme starts, so those keep theirs.)
        """
        lx = self.lx
        while True:
            raw = lx.token()
            if raw is None:
                return None
            if raw.type == "LINE_CONT":
                self._remove_continuation(raw.lexpos)
                lx.lexpos = raw.lexpos
                continue
            if raw.type not in ("NEWLINE", "COMMENT") and lx.lexdata.startswith("\\\n", lx.lexpos):
                self._remove_continuation(lx.lexpos)
                lx.lexpos = raw.lexpos
                continue
            return raw

    def _remove_continuation(self, index):
        lx = self.lx
        data = lx.lexdata
        if index + 2 >= len(data) and self.source.is_input:
            # The user's text ends with a backslash-newline: the line goes on (REPL).
            raise self.source.error("unexpected end of file after \\", index, incomplete=True)
        lx.input(data[:index] + data[index + 2:])
        bisect.insort(self.source.removed, index)

    def _token(self, type, value, raw) -> Token:
        pos = self.source.pos(raw.lexpos)
        return Token(type, pos if value is None else value, raw.value, pos, raw.lexpos)

    # ------------------------------------------------------------ where we are in a command

    def _after_newline(self):
        self.last_type = "NEWLINE"
        if self.mode not in (FOR_IN, CASE_IN, PATTERN, PATTERN_MORE, CASE_WORD, FOR_NAME):
            self.mode = COMMAND

    def _expect_target(self):
        self._target_pending = True
        self._mode_before_redirect = self.mode

    def _after_operator(self, type):
        if self.mode in (PATTERN, PATTERN_MORE):
            # In a case pattern, ( | and ) belong to the pattern, not to subshells or pipes.
            if type == "LPAREN" and self.mode == PATTERN:
                self.mode = PATTERN_MORE
                return
            if type == "PIPE":
                self.mode = PATTERN_MORE
                return
            if type == "RPAREN":
                self.mode = COMMAND
                return
        if type == "DSEMI":
            self.mode = PATTERN
            return
        if type == "LPAREN":
            self.paren_depth += 1
            self.nesting += 1
        elif type == "RPAREN":
            self.paren_depth -= 1
            self.nesting -= 1
        self.mode = COMMAND

    def at_command_boundary(self) -> bool:
        """True right after a newline that ends a complete top-level command line."""
        return self.nesting <= 0 and self.mode == COMMAND and not self._pending_heredocs

    # ------------------------------------------------------------ words

    def _word_token(self, first) -> Token | None:
        own_spans: list[int] = []
        word, end = self._read_word(first, own_spans)
        text = self.lx.lexdata[first.lexpos:end]
        plain = word.parts[0].text if len(word.parts) == 1 and isinstance(word.parts[0], ast.Lit) else None
        mode = self.mode
        alias_next, self._alias_next = self._alias_next, False

        def token_of(type, value, kind):
            self._rekind(own_spans, kind)
            return Token(type, value, text, word.pos, first.lexpos)

        if self._target_pending:
            self._target_pending = False
            before = self._mode_before_redirect
            self.mode = PREFIX if before in (COMMAND, PREFIX) else before
            if self.last_type in ("DLESS", "DLESSDASH"):
                self._pending_heredocs[-1].delimiter = word
            return token_of("WORD", word, "word")

        if (plain is not None and self.aliases and (mode in (COMMAND, PREFIX) or alias_next)
                and plain in self.aliases and plain not in self._expanding):
            self._start_alias(plain, word.pos)
            self._rekind(own_spans, "command")
            return None

        if plain == "[[" and mode == COMMAND:
            self._rekind(own_spans, "keyword")
            from .cond import read_conditional  # only scripts using [[ ]] load it

            node, end = read_conditional(self, word.pos, first.lexpos)
            self.mode = COMMAND
            return Token("COND_CMD", node, self.lx.lexdata[first.lexpos:end], word.pos, first.lexpos)

        keyword = self._reserved(plain, mode)
        if keyword is not None:
            if keyword in _OPENERS:
                self.nesting += 1
            elif keyword in _CLOSERS:
                self.nesting -= 1
            if keyword == "IN":
                self.mode = PATTERN if mode == CASE_IN else FOR_WORDS
            else:
                self.mode = _KEYWORD_NEXT_MODE.get(keyword, COMMAND)
            if keyword == "TIME":   # `time -p`: the option belongs to the keyword
                option = _TIME_OPTION.match(self.lx.lexdata, end)
                if option and self._pushback is not None and self._pushback.lexpos < option.end():
                    self._pushback = None
                    self.lx.lexpos = option.end()
                    return token_of(keyword, "-p", "keyword")
            return token_of(keyword, word.pos, "keyword")

        if mode in (COMMAND, PREFIX):
            assignment = _assignment_of(word)
            if assignment is not None:
                self.mode = PREFIX
                if self._compound_follows(end, assignment):
                    assignment = assignment.replace(array=self._read_array(end))
                return token_of("ASSIGNMENT_WORD", assignment, "assignment")
            self.mode = ARGS
            self._command_name = plain
            return token_of("WORD", word, "command")

        if (mode == ARGS and self._command_name in DECLARATION_BUILTINS and plain is not None
                and _ASSIGNMENT.fullmatch(plain) and self._compound_follows(end, None)):
            # `declare -a x=(1 2)`: the array value is a part of the argument word
            array = self._read_array(end)
            word = ast.Word((ast.Lit(plain), array), pos=word.pos)
            return token_of("WORD", word, "word")

        if mode != ARGS:
            self._command_name = None
        self.mode = {FOR_NAME: FOR_IN, FOR_IN: ARGS, CASE_WORD: CASE_IN, CASE_IN: ARGS,
                     PATTERN: PATTERN_MORE, FUNCTION_NAME: COMMAND}.get(mode, mode)
        kind = "number" if plain is not None and plain.isdigit() else "word"
        return token_of("WORD", word, kind)

    def _compound_follows(self, end, assignment) -> bool:
        """Is the ``(`` of an array value (``x=(``) right after the word that ended at ``end``?"""
        following = self._pushback
        if (following is None or following.type != "OPERATOR" or following.value != "("
                or following.lexpos != end):
            return False
        return assignment is None or (not assignment.value.parts and assignment.index is None)

    def _read_array(self, end) -> ast.ArrayLit:
        """The words of ``( … )`` after ``name=``, up to the ``)``: newlines and comments
        may come between them; ``[key]=value`` items are told apart here."""
        self._pushback = None
        self._span(end, end + 1, "operator")
        items = []
        while True:
            raw = self._raw()
            if raw is None:
                raise self.source.error("unterminated array value", end, incomplete=True)
            if raw.type in ("NEWLINE", "COMMENT"):
                continue
            if raw.type == "OPERATOR":
                if raw.value != ")":
                    raise self.source.error(f"syntax error near '{raw.value}'", raw.lexpos,
                                            token=raw.value)
                self._span(raw.lexpos, raw.lexpos + 1, "operator")
                return ast.ArrayLit(tuple(items))
            if raw.type == "IO_NUMBER":
                raw.type = "LIT"
            word, _ = self._read_word(raw, [])
            items.append(_array_item(word))

    @staticmethod
    def _reserved(plain, mode):
        if plain is None:
            return None
        if mode == COMMAND:
            return RESERVED.get(plain)
        if mode == FOR_IN and plain in ("in", "do"):
            return RESERVED[plain]
        if mode == CASE_IN and plain == "in":
            return "IN"
        if mode == PATTERN and plain == "esac":
            return "ESAC"
        return None

    def _start_alias(self, name, here):
        """Go on lexing from the alias's text, then come back (bash does this in its lexer).
        Positions in the alias text count from where the alias name was written."""
        self._inputs.append((self.lx, self.source, self.spans, self._expanding_name,
                             self._pushback))
        self._pushback = None  # the lexeme read after the alias word comes after its text
        self._expanding.add(name)
        self._expanding_name = name
        self.lx = _fresh_lexer(self.aliases[name])
        self.source = Source(self.aliases[name], self.source.filename, here.line, here.col,
                             is_input=False)
        self.spans = None  # offsets in the alias text are not offsets in the highlighted text

    def _read_word(self, first, own_spans):
        """Read the word starting with lexeme ``first``: pieces with no blank between them
        (``a"b"$c``) make one word. Returns the Word and the offset just after it."""
        lx = self.lx
        parts: list = []
        raw = first
        while True:
            self._part(raw, parts, own_spans, in_dquote=False)
            end = lx.lexpos
            following = self._lexeme()
            if following is None:
                break
            if following.lexpos != end or following.type in ("NEWLINE", "OPERATOR"):
                self._pushback = following
                break
            if following.type == "COMMENT":
                # '#' starts a comment only at the start of a word: a#b, $x#y are words.
                lx.lexpos = following.lexpos + 1
                following.type, following.value = "LIT", "#"
            elif following.type in ("IO_NUMBER", "IO_NAME"):
                following.type = "LIT"  # "a"2>f: the 2 belongs to the word
            raw = following
        return ast.Word(_merge(parts), pos=self.source.pos(first.lexpos)), end

    def _part(self, raw, parts, own_spans, *, in_dquote, context="word"):
        """Turn one lexeme into word parts (descending into quotes and substitutions)."""
        kind = raw.type
        start = raw.lexpos
        if kind in ("LIT", "DOLLAR", "EXTGLOB"):
            parts.append(ast.Lit(raw.value))
            index = self._span(start, start + len(raw.value), context)
            if own_spans is not None and index is not None:
                own_spans.append(index)
        elif kind == "ESCAPE":
            parts.append(ast.Escaped(raw.value[1]))
            index = self._span(start, start + 2, context)
            if own_spans is not None and index is not None:
                own_spans.append(index)
        elif kind == "SQUOTE":
            parts.append(ast.SglQuoted(raw.value[1:-1]))
            self._span(start, start + len(raw.value), "string")
        elif kind == "ANSI":
            if in_dquote and not self._ansi_in_dquote:   # "${x:-$'a'}": plain text, as in bash
                parts.append(ast.Lit(raw.value))
            else:
                parts.append(ast.SglQuoted(ansi_c_text(raw.value[2:-1]), ansi=True))
            self._span(start, start + len(raw.value), "string")
        elif kind == "DQ_OPEN":
            self._span(start, start + 1, "string")
            inner = self._read_parts("dquote", "DQ_CLOSE", start, "string", in_dquote=True)
            parts.append(ast.DblQuoted(_merge(inner)))
        elif kind == "PARAM":
            parts.append(ast.ParamExp(raw.value[1:]))
            self._span(start, start + len(raw.value), "variable")
        elif kind == "BRACE_OPEN":
            parts.append(self._read_brace(raw, in_dquote))
        elif kind == "CMDSUB_OPEN":
            parts.append(self._read_cmdsubst(raw))
        elif kind == "PROCSUB_OPEN":
            substitution = self._read_cmdsubst(raw)
            parts.append(ast.ProcSubst(substitution.body, raw.value[0]))
        elif kind == "ARITH_OPEN":
            parts.append(self._read_arith(raw))
        elif kind == "BACKQUOTE":
            parts.append(self._read_backquote(raw, in_dquote))
        elif kind in ("SQUOTE_OPEN", "BACKQUOTE_OPEN", "ANSI_OPEN"):
            raise self.source.error("unterminated quote", start, incomplete=True)
        elif kind == "BACKSLASH_EOF":
            raise self.source.error("unexpected end of file after \\", start, incomplete=True)
        else:  # a lexeme that cannot be part of a word here
            raise self.source.error(f"syntax error near '{raw.value}'", start, token=raw.value)

    def _read_parts(self, state, closer, start, context, *, in_dquote):
        """Read pieces in lexer state ``state`` up to the lexeme ``closer`` (None: to the end)."""
        parts, _ = self._read_parts_until(state, (closer,), start, context, in_dquote=in_dquote)
        return parts

    def _read_parts_until(self, state, closers, start, context, *, in_dquote):
        """Like _read_parts, up to the first of several closing lexemes: (parts, which one)."""
        lx = self.lx
        lx.push_state(state)
        parts: list = []
        while True:
            raw = self._lexeme()
            if raw is None:
                if None in closers:
                    closed_by = None
                    break
                what = "quote" if state == "dquote" else "parameter expansion"
                raise self.source.error(f"unterminated {what}", start, incomplete=True)
            if raw.type in closers:
                closed_by = raw.type
                self._span(raw.lexpos, raw.lexpos + 1, "string" if state == "dquote" else "variable")
                break
            self._part(raw, parts, None, in_dquote=in_dquote, context=context)
        lx.pop_state()
        return parts, closed_by

    def _read_brace(self, raw, in_dquote) -> ast.ParamExp:
        """``${name}``, ``${#name}``, ``${name<op>word}``, each with an optional
        ``[subscript]`` after the name (bash's arrays)."""
        lx = self.lx
        start = raw.lexpos
        lx.push_state("bracename")
        piece = self._lexeme()
        length = piece is not None and piece.type == "BRACE_LEN"
        indirect = piece is not None and piece.type == "BRACE_BANG"
        if length or indirect:
            piece = self._lexeme()
        if piece is None:
            raise self.source.error("unterminated parameter expansion", start, incomplete=True)
        if piece.type != "BRACE_NAME":
            raise self.source.error("bad substitution", start, token=raw.value)
        name = piece.value
        index = None
        if lx.lexdata.startswith("[", lx.lexpos) and _NAME_START.match(name):
            lx.lexpos += 1
            index = self._read_subscript(start)
        elif indirect and lx.lexdata.startswith(("*}", "@}"), lx.lexpos):
            op = "prefix" + lx.lexdata[lx.lexpos]   # ${!prefix*}: the names starting so
            lx.lexpos += 2
            lx.pop_state()
            self._span(start, lx.lexpos, "variable")
            return ast.ParamExp(name, op, braced=True)
        lx.begin("braceop")
        piece = self._lexeme()
        if piece is None:
            raise self.source.error("unterminated parameter expansion", start, incomplete=True)
        if piece.type == "BRACE_CLOSE":
            lx.pop_state()
            self._span(start, piece.lexpos + 1, "variable")
            return ast.ParamExp(name, "len" if length else None, braced=True, indirect=indirect,
                                index=index)
        if length or piece.type != "BRACE_OP":
            raise self.source.error("bad substitution", start, token=raw.value)
        op = piece.value
        lx.pop_state()
        self._span(start, lx.lexpos, "variable")
        if op[0] == "@":   # ${x@Q}: a transformation, no word
            if not lx.lexdata.startswith("}", lx.lexpos):
                raise self.source.error("bad substitution", start, token=raw.value)
            lx.lexpos += 1
            return ast.ParamExp(name, op, braced=True, indirect=indirect, index=index)
        # Inside "...", a $'...' is decoded only in the words of the pattern forms.
        saved, self._ansi_in_dquote = self._ansi_in_dquote, op in _PATTERN_OPS or op[0] == "/"
        try:
            if op == ":" or op.startswith("/"):
                return self._read_brace_pair(name, op, start, raw, in_dquote).replace(
                    indirect=indirect, index=index)
            arg = self._read_parts("braceword", "BRACE_CLOSE", start, "word", in_dquote=in_dquote)
        finally:
            self._ansi_in_dquote = saved
        if in_dquote and op not in _PATTERN_OPS:
            # Inside "...", ${x:-'a'} gives 'a' with its quotes (they are plain characters).
            arg = [ast.Lit(f"'{p.text}'") if isinstance(p, ast.SglQuoted) else p for p in arg]
        return ast.ParamExp(name, op, ast.Word(_merge(arg)), braced=True, indirect=indirect,
                            index=index)

    def _read_subscript(self, start) -> ast.Word:
        """The subscript after ``[`` up to its ``]`` (brackets inside nest): a Word, whose
        text is arithmetic for an indexed array and a key for an associative one."""
        lx = self.lx
        lx.push_state("bracesub")
        parts: list = []
        depth = 0
        while True:
            piece = self._lexeme()
            if piece is None:
                raise self.source.error("unterminated parameter expansion", start, incomplete=True)
            if piece.type == "SUB_CLOSE":
                if depth == 0:
                    break
                depth -= 1
                parts.append(ast.Lit("]"))
            elif piece.type == "SUB_OPEN":
                depth += 1
                parts.append(ast.Lit("["))
            else:
                self._part(piece, parts, None, in_dquote=False, context="variable")
        lx.pop_state()
        return ast.Word(_merge(parts))

    def _read_brace_pair(self, name, op, start, raw, in_dquote) -> ast.ParamExp:
        """The two words of ``${name:offset:length}`` and ``${name/pattern/string}``
        (also ``//``, ``/#``, ``/%``). The second word and its separator may be left out:
        ``arg2`` is then None, which is not the same text as an empty ``${x/a/}``."""
        state = "braceoffset" if op == ":" else "bracepat"
        first, closed_by = self._read_parts_until(state, ("BRACE_CLOSE", "BRACE_SEP"), start,
                                                  "word", in_dquote=in_dquote)
        if op == ":" and not first and closed_by == "BRACE_CLOSE":
            raise self.source.error("bad substitution", start, token=raw.value)  # ${x:}
        second = None
        if closed_by == "BRACE_SEP":
            second = ast.Word(_merge(self._read_parts("braceword", "BRACE_CLOSE", start, "word",
                                                      in_dquote=in_dquote)))
        return ast.ParamExp(name, op, ast.Word(_merge(first)), braced=True, arg2=second)

    def _read_cmdsubst(self, raw) -> ast.CmdSubst:
        """``$( script )``: lex the body with a Scanner of its own, up to the ``)`` that
        closes it (parentheses of subshells and case patterns inside are told apart)."""
        lx = self.lx
        self._span(raw.lexpos, raw.lexpos + 2, "operator")
        lx.push_state("INITIAL")
        inner = Scanner(lx, self.source, self.parse_tokens, aliases=self.aliases,
                        spans=self.spans, in_cmdsubst=True, opened_at=raw.lexpos)
        body_tokens = list(inner.tokens())
        lx.pop_state()
        return ast.CmdSubst(self.parse_tokens(body_tokens, inner.closing, self.source))

    def _read_backquote(self, raw, in_dquote) -> ast.CmdSubst:
        """```script```: inside, a backslash quotes only $ ` \\ (and " within "..."); the
        text without those backslashes is then parsed as a script."""
        self._span(raw.lexpos, raw.lexpos + len(raw.value), "string")
        specials = '$`\\"' if in_dquote else "$`\\"
        text = re.sub(r"\\([" + re.escape(specials) + "])", r"\1", raw.value[1:-1])
        here = self.source.pos(raw.lexpos + 1)
        source = Source(text, self.source.filename, here.line, here.col, is_input=False)
        inner = Scanner(_fresh_lexer(text), source, self.parse_tokens, aliases=self.aliases)
        body = self.parse_tokens(list(inner.tokens()), None, source)
        return ast.CmdSubst(body, backquoted=True)

    def _read_arith(self, raw) -> ast.Part:
        """``$(( expr ))``; if the parentheses do not close as ``))`` it was ``$( (...) )``."""
        lx = self.lx
        start = raw.lexpos
        spans_before = len(self.spans) if self.spans is not None else 0
        self._span(start, start + 3, "operator")
        lx.push_state("arith")
        parts: list = []
        depth = 0
        while True:
            piece = self._lexeme()
            if piece is None:
                raise self.source.error("unterminated arithmetic expansion", start, incomplete=True)
            if piece.type == "AR_OPEN":
                depth += 1
                parts.append(ast.Lit("("))
                self._span(piece.lexpos, piece.lexpos + 1, "number")
            elif piece.type == "AR_CLOSE" and depth > 0:
                depth -= 1
                parts.append(ast.Lit(")"))
                self._span(piece.lexpos, piece.lexpos + 1, "number")
            elif piece.type == "AR_CLOSE":
                lx.pop_state()
                if lx.lexdata.startswith(")", lx.lexpos):
                    lx.lexpos += 1
                    self._span(piece.lexpos, lx.lexpos, "operator")
                    return ast.ArithExp(ast.Word(_merge(parts)))
                # Not arithmetic after all: read it again as $( (...) ... ).
                if self.spans is not None:
                    del self.spans[spans_before:]
                lx.lexpos = start + 1
                dollar_paren = self._lexeme()  # re-read "$(" as CMDSUB_OPEN
                return self._read_cmdsubst(dollar_paren)
            else:
                self._part(piece, parts, None, in_dquote=False, context="number")

    def _arith_command(self, raw) -> Token | None:
        """bash's ``(( expr ))`` at the start of a command, read like ``$(( ))``: a Token
        ARITH_CMD, or None when the parentheses do not close as ``))``, for then it was
        ``( (...) ... )``, two subshells (the caller reads the ``(`` again as one)."""
        lx = self.lx
        start = raw.lexpos
        spans_before = len(self.spans) if self.spans is not None else 0
        self._span(start, start + 2, "operator")
        lx.lexpos = start + 2
        states_before = len(lx.lexstatestack)
        lx.push_state("arith")
        parts: list = []
        depth = 0
        try:
            while True:
                piece = self._lexeme()
                if piece is None:
                    if self.mode == FOR_NAME:  # `for ((i=0;` then Enter: more is coming
                        raise self.source.error("unterminated for (( ))", start, incomplete=True)
                    break
                if piece.type == "AR_OPEN":
                    depth += 1
                    parts.append(ast.Lit("("))
                elif piece.type == "AR_CLOSE" and depth > 0:
                    depth -= 1
                    parts.append(ast.Lit(")"))
                elif piece.type == "AR_CLOSE":
                    if not lx.lexdata.startswith(")", lx.lexpos):
                        break
                    lx.pop_state()
                    lx.lexpos += 1
                    self._span(piece.lexpos, lx.lexpos, "operator")
                    self.mode = COMMAND
                    pos = self.source.pos(start)
                    node = ast.ArithCommand(ast.Word(_merge(parts)), pos=pos)
                    return Token("ARITH_CMD", node, lx.lexdata[start:lx.lexpos], pos, start)
                else:
                    self._part(piece, parts, None, in_dquote=False, context="number")
        except ParseError as error:
            if error.incomplete and self.mode == FOR_NAME:
                raise
            # not arithmetic after all: the subshells will report what is wrong
        del lx.lexstatestack[states_before + 1:]
        lx.pop_state()
        if self.spans is not None:
            del self.spans[spans_before:]
        lx.lexpos = start + 1
        return None

    # ------------------------------------------------------------ here-documents

    def _read_heredoc_bodies(self):
        """After a newline, the bodies of the here-documents opened on that line follow,
        in order, each up to a line holding only its delimiter."""
        pending, self._pending_heredocs = self._pending_heredocs, []
        lx = self.lx
        text = lx.lexdata
        for doc in pending:
            if doc.delimiter is None:
                continue  # `<<` with no word: the parser reports it
            delimiter, quoted = _delimiter_text(doc.delimiter)
            start = pos = lx.lexpos
            lines = []
            while True:
                if pos >= len(text):
                    raise self.source.error(f"here-document delimited by end of file (wanted '{delimiter}')",
                                            doc.index, incomplete=True)
                newline = text.find("\n", pos)
                end = len(text) if newline < 0 else newline
                line = text[pos:end]
                pos = end + 1
                if doc.strip_tabs:
                    line = line.lstrip("\t")
                if line == delimiter:
                    break
                lines.append(line + "\n")
            lx.lexpos = min(pos, len(text))
            self._span(start, lx.lexpos, "string")
            body = "".join(lines)
            if quoted or not body:
                doc.body = ast.Word((ast.Lit(body),) if body else ())
            else:
                here = self.source.pos(start)
                source = Source(body, self.source.filename, here.line, 1, is_input=False)
                inner = Scanner(_fresh_lexer(body), source, self.parse_tokens, aliases=self.aliases)
                parts = inner._read_parts("heredoc", None, 0, "string", in_dquote=True)
                doc.body = ast.Word(_merge(parts))

    def _check_no_heredoc_left(self):
        for doc in self._pending_heredocs:
            if doc.delimiter is not None:
                delimiter, _ = _delimiter_text(doc.delimiter)
                raise self.source.error(f"here-document delimited by end of file (wanted '{delimiter}')",
                                        doc.index, incomplete=True)

    # ------------------------------------------------------------ highlighting spans

    def _span(self, start, end, kind):
        if self.spans is None or end <= start:
            return None
        source = self.source
        self.spans.append([source.original_offset(start), source.original_offset(end - 1) + 1, kind])
        return len(self.spans) - 1

    def _rekind(self, indexes, kind):
        if self.spans is not None:
            for index in indexes:
                self.spans[index][2] = kind


# The builtins whose NAME=VALUE arguments are assignments (not split, not globbed, and
# taking an array value): `declare -a x=(1 2)`.
DECLARATION_BUILTINS = frozenset(("declare", "typeset", "local", "export", "readonly"))


def _assignment_of(word: ast.Word) -> ast.Assignment | None:
    """``name=value``, ``name+=value``, ``name[sub]=value`` or ``name[sub]+=value`` as an
    Assignment, or None when the word is not one."""
    parts = word.parts
    first = parts[0] if parts else None
    if type(first) is not ast.Lit:
        return None
    match = _ASSIGNMENT.match(first.text)
    if match:
        rest = first.text[match.end():]
        value = ((ast.Lit(rest),) if rest else ()) + parts[1:]
        return ast.Assignment(match.group().rstrip("+="), ast.Word(value, pos=word.pos),
                              append=match.group().endswith("+="), pos=word.pos)
    match = _SUBSCRIPTED.match(first.text)
    if not match:
        return None
    split = _split_subscript(parts, match.end())
    if split is None:
        return None
    index, append, value = split
    return ast.Assignment(match.group()[:-1], ast.Word(value, pos=word.pos), index=index,
                          append=append, pos=word.pos)


def _split_subscript(parts, offset):
    """Cut ``sub]=value`` (starting ``offset`` characters into the first part) into the
    subscript Word, whether it was ``+=``, and the value's parts; None if no ``]=`` ends
    the subscript in an unquoted piece of text."""
    index: list = []
    depth = 0
    for number, part in enumerate(parts):
        if type(part) is not ast.Lit:
            index.append(part)
            continue
        text = part.text[offset:] if number == 0 else part.text
        for position, char in enumerate(text):
            if char == "[":
                depth += 1
            elif char == "]" and depth:
                depth -= 1
            elif char == "]":
                after = text[position + 1:]
                if after.startswith("="):
                    append, rest = False, after[1:]
                elif after.startswith("+="):
                    append, rest = True, after[2:]
                else:
                    return None
                if text[:position]:
                    index.append(ast.Lit(text[:position]))
                value = ((ast.Lit(rest),) if rest else ()) + tuple(parts[number + 1:])
                return ast.Word(_merge(index)), append, value
        if text:
            index.append(ast.Lit(text))
    return None


def _array_item(word: ast.Word):
    """An item of ``( … )``: ``[key]=value`` is an ArrayItem, anything else a Word."""
    first = word.parts[0] if word.parts else None
    if type(first) is ast.Lit and first.text.startswith("["):
        split = _split_subscript(word.parts, 1)
        if split is not None:
            index, append, value = split
            return ast.ArrayItem(index, ast.Word(value), append)
    return word


def _delimiter_text(word: ast.Word) -> tuple[str, bool]:
    """The here-document delimiter after quote removal, and whether any of it was quoted."""
    text = []
    quoted = False
    for part in word.parts:
        if isinstance(part, ast.Lit):
            text.append(part.text)
        elif isinstance(part, ast.Escaped):
            text.append(part.char)
            quoted = True
        elif isinstance(part, ast.SglQuoted):
            text.append(part.text)
            quoted = True
        elif isinstance(part, ast.DblQuoted):
            quoted = True
            inner, _ = _delimiter_text(ast.Word(part.parts))
            text.append(inner)
        elif isinstance(part, ast.ParamExp):
            text.append("$" + (("{" + part.name + "}") if part.braced else part.name))
        else:
            text.append("$(...)")
    return "".join(text), quoted


_ANSI_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"', "?": "?", "a": "\a",
                 "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "r": "\r", "v": "\v"}
# Compiled on first use (by re's cache): most scripts have no $'...'.
_ANSI_ESCAPE = (r"(?s)\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{1,4})"
                r"|U([0-9A-Fa-f]{1,8})|c(.)|(.))")


def ansi_c_text(body: str) -> str:
    """The text of ``$'body'``: backslash escapes decoded as bash does (\\n \\t \\0NNN \\xHH
    \\uHHHH \\cX...). An unknown escape stays as written; a NUL ends the text, since no
    argument or variable can hold one."""
    def decode(match):
        octal, hexa, short, long, control, other = match.groups()
        if octal is not None or hexa is not None:
            byte = int(octal, 8) & 0xFF if octal is not None else int(hexa, 16)
            # A byte, not a character: above 0x7f it is kept the way surrogateescape keeps one.
            return chr(byte) if byte < 0x80 else chr(0xDC00 + byte)
        if short is not None or long is not None:
            code = int(short or long, 16)
            return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group()
        if control is not None:
            return chr(ord(control.upper()) & 0x1F) if control != "?" else "\x7f"
        return _ANSI_ESCAPES.get(other, match.group())

    text = re.sub(_ANSI_ESCAPE, decode, body) if "\\" in body else body
    return text.partition("\0")[0]


# ================================================================ highlighting

HIGHLIGHT_KINDS = ("keyword", "word", "command", "string", "variable", "operator", "redirect",
                   "comment", "assignment", "number", "whitespace", "error")


def _no_parse(tokens, closing, source) -> ast.Script:
    return ast.Script()


def highlight_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) spans covering ``text``, for the REPL's highlighter.

    Runs the parser's own Scanner (without the grammar), so what is coloured as a keyword
    is what the parser takes for one. Never raises: text the Scanner cannot finish (an
    open quote) is coloured as a string, text it rejects as an error.
    """
    spans: list = []
    failed_at = len(text)
    fail_kind = "error"
    try:
        scanner = Scanner(_fresh_lexer(text), Source(text), _no_parse, spans=spans)
        for _ in scanner.tokens():
            pass
    except ParseError as error:
        failed_at = _offset_of(text, error.line, error.col)
        fail_kind = "string" if error.incomplete else "error"
    except RecursionError:
        failed_at = 0
    result = []
    cursor = 0
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1])):
        start = max(start, cursor)
        end = min(end, len(text))
        if end <= start:
            continue
        if start > cursor:
            result.append((cursor, start, "whitespace" if cursor < failed_at else fail_kind))
        result.append((start, end, kind))
        cursor = end
    if cursor < len(text):
        if cursor < failed_at:
            result.append((cursor, failed_at, "whitespace"))
            cursor = failed_at
        if cursor < len(text):
            result.append((cursor, len(text), fail_kind))
    return result


def _offset_of(text: str, line: int, col: int) -> int:
    offset = 0
    for _ in range(line - 1):
        newline = text.find("\n", offset)
        if newline < 0:
            return len(text)
        offset = newline + 1
    return min(offset + col - 1, len(text))
