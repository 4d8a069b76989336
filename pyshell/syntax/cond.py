"""bash's ``[[ expr ]]``: reading the words up to ``]]``, and the little expression grammar.

The Scanner calls ``read_conditional`` when it meets the word ``[[`` where a command
starts. Inside, the words are the shell's usual words (quotes, ``$x``, ``$(cmd)``), but
``&& || ( ) < >`` are the expression's own operators, not lists, subshells or
redirections, and the word after ``=~`` is a regular expression in which ``( ) |`` are
plain characters. The expression is parsed here, by recursive descent, from lowest to
highest precedence::

    or      : and ( "||" and )*
    and     : not ( "&&" not )*
    not     : "!" not | primary
    primary : "(" or ")" | UNARY word | word BINARY word | word

and becomes the tuple tree described in ast.CondCommand.

Imported only by scripts that use ``[[``.
"""

from __future__ import annotations

from . import ast

UNARY_OPERATORS = frozenset(
    "-a -b -c -d -e -f -g -h -k -p -r -s -t -u -w -x -G -L -N -O -S -z -n -o -v".split())
BINARY_OPERATORS = frozenset(
    "= == != =~ < > -eq -ne -lt -le -gt -ge -nt -ot -ef".split())
_OPERATORS = ("&&", "||", "(", ")", "<", ">")


def read_conditional(scanner, pos, start) -> tuple[ast.CondCommand, int]:
    """Read from after ``[[`` to its ``]]``; ``start`` is the offset of the ``[[``.
    Returns the node and the offset just after the ``]]``."""
    items = []   # (kind, value, offset): kind "word" (value a Word) or "op" (value its text)
    while True:
        raw = scanner._raw()
        if raw is None:
            raise scanner.source.error("unexpected end of file in [[ ]]", start, incomplete=True)
        if raw.type in ("NEWLINE", "COMMENT"):
            continue
        if items and _plain(items[-1]) == "=~" and not (raw.type == "OPERATOR"
                                                         and raw.value not in ("(", "|")):
            items.append(("word", _regex_word(scanner, raw), raw.lexpos))  # =~ (a|b)c: a regex
            continue
        if raw.type == "OPERATOR":
            if raw.value not in _OPERATORS:
                raise scanner.source.error(f"syntax error in [[ ]] near '{raw.value}'", raw.lexpos,
                                           token=raw.value)
            scanner._span(raw.lexpos, raw.lexpos + len(raw.value), "operator")
            items.append(("op", raw.value, raw.lexpos))
            continue
        if raw.type == "IO_NUMBER":
            raw.type = "LIT"   # the 1 of `[[ 1<2 ]]` is a word
        own_spans: list[int] = []
        word, end = scanner._read_word(raw, own_spans)
        text = _plain(("word", word, 0))
        if text == "]]":
            scanner._rekind(own_spans, "keyword")
            break
        if text in BINARY_OPERATORS or text in UNARY_OPERATORS or text == "!":
            scanner._rekind(own_spans, "operator")
        items.append(("word", word, raw.lexpos))
    parser = _Parser(items, scanner, start)
    return ast.CondCommand(parser.parse(), pos=pos), end


def _plain(item) -> str | None:
    """The text of a word item written without quotes or expansions, else None."""
    kind, value, _ = item
    if kind == "word" and len(value.parts) == 1 and type(value.parts[0]) is ast.Lit:
        return value.parts[0].text
    return None


def _regex_word(scanner, raw) -> ast.Word:
    """The word after ``=~``: up to a blank, with ``( ) |`` kept as characters."""
    lx = scanner.lx
    parts: list = []
    first = raw.lexpos
    while True:
        if raw.type == "OPERATOR" and raw.value in ("(", ")", "|"):
            parts.append(ast.Lit(raw.value))
        elif raw.type in ("OPERATOR", "NEWLINE"):
            scanner._pushback = raw
            break
        else:
            if raw.type == "COMMENT":   # `a#b`: a # inside a word is a character
                lx.lexpos = raw.lexpos + 1
                raw.type, raw.value = "LIT", "#"
            elif raw.type == "IO_NUMBER":
                raw.type = "LIT"
            scanner._part(raw, parts, None, in_dquote=False)
        end = lx.lexpos
        following = scanner._lexeme()
        if following is None:
            break
        if following.lexpos != end:
            scanner._pushback = following
            break
        raw = following
    return ast.Word(_merge(parts), pos=scanner.source.pos(first))


_merge = ast.merge_lits


class _Parser:
    def __init__(self, items, scanner, start):
        self.items = items
        self.index = 0
        self.scanner = scanner
        self.start = start

    def parse(self) -> tuple:
        if not self.items:
            self._fail("an expression is expected in [[ ]]", self.start)
        expr = self._or()
        if self.index < len(self.items):
            self._fail_at_item()
        return expr

    def _peek(self):
        return self.items[self.index] if self.index < len(self.items) else None

    def _is_op(self, text) -> bool:
        item = self._peek()
        return item is not None and item[0] == "op" and item[1] == text

    def _or(self):
        left = self._and()
        while self._is_op("||"):
            self.index += 1
            left = ("||", left, self._and())
        return left

    def _and(self):
        left = self._not()
        while self._is_op("&&"):
            self.index += 1
            left = ("&&", left, self._not())
        return left

    def _not(self):
        item = self._peek()
        if item is not None and _plain(item) == "!" and self._operand_follows(1):
            self.index += 1
            return ("!", self._not())
        return self._primary()

    def _operand_follows(self, ahead) -> bool:
        """Is there a word or a ( ``ahead`` items on (so ``!`` or ``-f`` is an operator)?"""
        if self.index + ahead >= len(self.items):
            return False
        kind, value, _ = self.items[self.index + ahead]
        return kind == "word" or value == "("

    def _primary(self):
        if self._is_op("("):
            self.index += 1
            inner = self._or()
            if not self._is_op(")"):
                self._fail_at_item()
            self.index += 1
            return ("()", inner)
        item = self._word()
        following = self._peek()
        operator = _binary(following)
        if operator is not None and self._operand_follows(1):
            self.index += 1
            right = self._word()
            return (operator, item[1], right[1])
        text = _plain(item)
        if text in UNARY_OPERATORS:
            if following is None or following[0] != "word":
                shown = "]]" if following is None else following[1]
                self._fail(f"unexpected argument '{shown}' to conditional unary operator",
                           item[2] if following is None else following[2], shown)
            self.index += 1
            return (text, following[1])
        return ("word", item[1])

    def _word(self):
        item = self._peek()
        if item is None or item[0] != "word":
            self._fail_at_item()
        self.index += 1
        return item

    def _fail_at_item(self):
        item = self._peek()
        if item is None:
            self._fail("unexpected ']]'", self.start)
        shown = item[1] if item[0] == "op" else (_plain(item) or "word")
        self._fail(f"syntax error in [[ ]] near '{shown}'", item[2], shown)

    def _fail(self, message, offset, token=None):
        raise self.scanner.source.error(message, offset, token=token)


def _binary(item) -> str | None:
    if item is None:
        return None
    if item[0] == "op":
        return item[1] if item[1] in ("<", ">") else None
    text = _plain(item)
    return text if text in BINARY_OPERATORS else None
