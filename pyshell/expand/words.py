"""The four expansion entries and the machinery they share.

Expanding a word happens in three steps (command words first go through brace
expansion, braces.py, which makes several words of one):

1. Each part of the word becomes *pieces*: ``(kind, text)`` pairs where kind says what
   may still happen to the text — LITERAL (unquoted source text: globbed, never split),
   SPLIT (the unquoted result of an expansion: split on IFS, then globbed) or QUOTED
   (neither). ``"$@"`` puts a BREAK between parameters, which always ends a field.
2. Field splitting turns the pieces into fields; each field is a list of
   ``(text, may_glob)`` chunks.
3. Pathname expansion replaces a field holding an unquoted ``* ? [`` with the sorted
   matching paths (or leaves it as it is when nothing matches); quote removal is implicit,
   since quotes were never part of the pieces' text.
"""

from __future__ import annotations

import os

from pyshell.errors import ExpandError
from pyshell.expand import arith, glob
from pyshell.syntax.ast import (ArithExp, CmdSubst, DblQuoted, Escaped, Lit, ParamExp,
                                SglQuoted)

LITERAL, SPLIT, QUOTED, BREAK = 0, 1, 2, 3

_GLOB_CHARS = frozenset("*?[")
_NEEDS_WORK = frozenset("*?[~")
_DEFAULT_IFS = " \t\n"
_LIST_OPS = (None, ":", "/", "//", "/#", "/%")  # "${@...}" forms that give one field a parameter


# ---------------------------------------------------------------- the four entries


def fields(words, shell) -> list[str]:
    """Expand command words into argv: brace expansion first, then every other
    expansion, splitting and globbing."""
    argv: list[str] = []
    for word in words:
        for part in word.parts:
            if type(part) is Lit and "{" in part.text:
                from pyshell.expand import braces  # only words with a { pay for it

                for each in braces.expand(word):
                    _word_fields(each.parts, shell, argv)
                break
        else:
            _word_fields(word.parts, shell, argv)
    return argv


def _word_fields(parts, shell, argv: list) -> None:
    """Append the fields of one word (after brace expansion) to ``argv``."""
    # Fast path: a plain word like `echo` or `-lt` needs no work at all.
    if len(parts) == 1:
        part = parts[0]
        kind = type(part)
        if kind is Lit:
            text = part.text
            if _NEEDS_WORK.isdisjoint(text) or (
                    "]" not in text and "*" not in text and "?" not in text and text[0] != "~"):
                argv.append(text)
                return
        elif kind is ParamExp and part.op is None and part.name not in ("@", "*") and not part.indirect:
            value = _simple_param(part.name, shell)
            ifs = shell.ifs
            if not value:
                return
            if (ifs == _DEFAULT_IFS and value.isalnum()) or not (
                    _has_any(value, ifs) or _has_any(value, _GLOB_CHARS)):
                argv.append(value)
                return
    pieces: list = []
    _expand_parts(parts, shell, False, pieces, tilde=True)
    for field in _split(pieces, shell.ifs):
        argv.extend(_glob_field(field, shell))


def literal(word, shell, assignment: bool = False) -> str:
    """Expand one word to one string: no field splitting, no pathname expansion.

    In an assignment, a tilde is also expanded after each ``:`` (``PATH=~/bin:~/x``).
    """
    parts = word.parts
    if len(parts) == 1:  # fast paths: `x=1`, `x=$y`, `i=$((i+1))`
        part = parts[0]
        kind = type(part)
        if kind is Lit and "~" not in part.text:
            return part.text
        if kind is ParamExp and part.op is None and part.name not in ("@", "*") and not part.indirect:
            return _simple_param(part.name, shell)
        if kind is ArithExp and len(part.expr.parts) == 1 and type(part.expr.parts[0]) is Lit:
            return str(arith.evaluate(part.expr.parts[0].text, shell))
    pieces: list = []
    _expand_parts(parts, shell, False, pieces, tilde=True, tilde_after_colon=assignment)
    return "".join(" " if kind == BREAK else text for kind, text in pieces)


def document(word, shell) -> str:
    """Expand a here-document body: parameters, commands and arithmetic; all quoted."""
    if word is None:
        return ""
    pieces: list = []
    _expand_parts(word.parts, shell, True, pieces)
    return "".join(" " if kind == BREAK else text for kind, text in pieces)


def pattern(word, shell) -> str:
    """Expand a word into a shell pattern in which quoted characters are escaped."""
    if word is None:
        return ""
    pieces: list = []
    _expand_parts(word.parts, shell, False, pieces, tilde=True)
    out = []
    for kind, text in pieces:
        if kind == QUOTED:
            out.append(_escape_glob(text))
        elif kind == BREAK:
            out.append(" ")
        else:
            out.append(text)
    return "".join(out)


def regex(word, shell):
    """The compiled regular expression of ``[[ x =~ word ]]``: quoted characters match
    themselves. POSIX extended regular expressions are read by Python's ``re``, which
    agrees on the common forms; ``[[:alpha:]]``-style classes are translated. An invalid
    one raises an ExpandError with no message and status 2 (bash is silent)."""
    import re

    pieces: list = []
    _expand_parts(word.parts, shell, False, pieces, tilde=True)
    text = "".join(re.escape(text) if kind == QUOTED else text
                   for kind, text in pieces if kind != BREAK)
    text = re.sub(r"\[:([a-z]+):\]", lambda m: glob._CLASSES.get(m.group(1), m.group()), text)
    try:
        return re.compile(text)
    except re.error:
        raise ExpandError("", status=2) from None  # bash: status 2, and no message


# ---------------------------------------------------------------- step 1: parts -> pieces


def _expand_parts(parts, shell, quoted: bool, out: list, tilde: bool = False,
                  tilde_after_colon: bool = False, literal_kind: int = LITERAL) -> None:
    """Append the pieces of ``parts``. ``literal_kind`` is SPLIT for the word of
    ``${x:-word}``: its unquoted text is the result of an expansion, so it splits."""
    for index, part in enumerate(parts):
        kind = type(part)
        if kind is Lit:
            text = part.text
            if quoted:
                out.append((QUOTED, text))
                continue
            # The tilde prefix runs to the first '/' (or ':' in an assignment) and must be
            # wholly unquoted: `~"x"` is left alone, so the Lit must end the word or a slash follow.
            ends_word = index == len(parts) - 1
            if tilde_after_colon and ":" in text:
                for number, segment in enumerate(text.split(":")):
                    if number:
                        out.append((literal_kind, ":"))
                    if segment.startswith("~") and (number or (tilde and index == 0)):
                        _tilde(segment, out, shell, literal_kind, ends_word or ":" in text[1:])
                    elif segment:
                        out.append((literal_kind, segment))
            elif tilde and index == 0 and text.startswith("~"):
                _tilde(text, out, shell, literal_kind, ends_word)
            else:
                out.append((literal_kind, text))
        elif kind is SglQuoted:
            out.append((QUOTED, part.text))
        elif kind is Escaped:
            out.append((QUOTED, part.char))
        elif kind is DblQuoted:
            inner = part.parts
            # "" is an (empty) field of its own; "$@" with no parameters is no field at all.
            if not any(type(p) is ParamExp and p.name == "@" and p.op in _LIST_OPS for p in inner):
                out.append((QUOTED, ""))
            _expand_parts(inner, shell, True, out)
        elif kind is ParamExp:
            _parameter(part, shell, quoted, out)
        elif kind is CmdSubst:
            text = shell.command_substitution(part.body)
            out.append((QUOTED if quoted else SPLIT, text))
        elif kind is ArithExp:
            expression = document(part.expr, shell)
            out.append((QUOTED if quoted else SPLIT, str(arith.evaluate(expression, shell))))
        else:
            raise ExpandError(f"cannot expand {kind.__name__}")


def _tilde(text: str, out: list, shell, literal_kind: int, prefix_complete: bool) -> None:
    """``~`` → $HOME, ``~user`` → that user's home directory, then the rest of ``text``."""
    name, slash, rest = text[1:].partition("/")
    home = None
    if slash or prefix_complete:
        if name == "":
            home = shell.getvar("HOME")
            if home is None:
                home = _home_of_current_user()
        else:
            try:
                import pwd

                home = pwd.getpwnam(name).pw_dir
            except (KeyError, ImportError):
                home = None
    if home is None:
        out.append((literal_kind, text))
        return
    out.append((QUOTED, home))  # the home directory is never split or globbed
    if slash:
        out.append((literal_kind, "/" + rest))


def _home_of_current_user() -> str | None:
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        return None


# ---------------------------------------------------------------- parameters


def _simple_param(name: str, shell) -> str:
    value = shell.getvar(name)
    if value is None:
        if shell.options.nounset:
            raise ExpandError(f"{name}: parameter not set")
        return ""
    return value


def _is_set(part: ParamExp, shell, value: str | None, colon: bool) -> bool:
    if part.name in ("@", "*"):
        return bool(shell.positional) and (not colon or any(shell.positional))
    return value is not None and (not colon or value != "")


def _parameter(part: ParamExp, shell, quoted: bool, out: list) -> None:
    if part.indirect:
        part = part.replace(name=_indirect_name(part.name, shell), indirect=False)
    name, op = part.name, part.op
    result = QUOTED if quoted else SPLIT
    if name in ("@", "*") and op is None:
        _positional(name, shell, quoted, out)
        return
    if op is None:
        out.append((result, _simple_param(name, shell)))
        return
    if op == "len":
        if name in ("@", "*"):
            out.append((result, str(len(shell.positional))))
        else:
            out.append((result, str(len(_simple_param(name, shell)))))
        return
    value = " ".join(shell.positional) if name in ("@", "*") else shell.getvar(name)
    if op in (":-", "-", ":=", "=", ":?", "?", ":+", "+"):
        use_word = not _is_set(part, shell, value, op.startswith(":"))
        kind = op[-1]
        if kind == "+":
            if not use_word:
                _expand_parts(part.arg.parts if part.arg else (), shell, quoted, out,
                              literal_kind=SPLIT)
            return
        if not use_word:
            if name in ("@", "*"):
                _positional(name, shell, quoted, out)
            else:
                out.append((result, value))
            return
        if kind == "-":
            _expand_parts(part.arg.parts if part.arg else (), shell, quoted, out, tilde=True,
                          literal_kind=SPLIT)
        elif kind == "=":
            if not _is_assignable(name):
                raise ExpandError(f"${name}: cannot assign in this way")
            new_value = literal(part.arg, shell) if part.arg else ""
            shell.setvar(name, new_value)
            out.append((result, new_value))
        else:  # "?"
            message = literal(part.arg, shell) if part.arg else ""
            raise ExpandError(f"{name}: {message or 'parameter null or not set'}")
        return
    if op in ("#", "##", "%", "%%"):
        if value is None:
            value = _simple_param(name, shell)
        out.append((result, glob.strip_affix(value, pattern(part.arg, shell), op)))
        return
    if op in ("^^", "^", ",,", ","):
        _change_case(part, shell, quoted, out)
        return
    if op == ":":
        _substring(part, shell, quoted, out)
        return
    if op in ("/", "//", "/#", "/%"):
        _replace(part, shell, quoted, out)
        return
    raise ExpandError(f"${{{name}{op}}}: bad substitution")


def _indirect_name(name: str, shell) -> str:
    """``${!name}`` (bash): the value of ``name`` is the name of the parameter to expand."""
    target = shell.getvar(name)
    if target is None:
        raise ExpandError(f"{name}: invalid indirect expansion", bash_form=True)
    if not (target.isdigit() or target in ("@", "*", "#", "?", "$", "!", "-")
            or (target[:1].isalpha() or target[:1] == "_") and target.replace("_", "a").isalnum()):
        raise ExpandError(f"{target}: invalid variable name", bash_form=True)
    return target


def _change_case(part: ParamExp, shell, quoted: bool, out: list) -> None:
    """``${x^^pat}`` ``${x,,pat}`` (bash): every character that matches the pattern (one
    character; none given: any) to upper (^) or lower (,) case; ``${x^pat}`` ``${x,pat}``:
    only the first character, if it matches."""
    text = pattern(part.arg, shell) if part.arg is not None else ""
    matcher = glob.compile_pattern(text) if text else None
    convert = str.upper if part.op[0] == "^" else str.lower
    every = len(part.op) == 2

    def change(value: str) -> str:
        chars = list(value)
        for index in range(len(chars) if every else min(1, len(chars))):
            if matcher is None or matcher.fullmatch(chars[index]):
                chars[index] = convert(chars[index])
        return "".join(chars)

    if part.name in ("@", "*"):
        _positional(part.name, shell, quoted, out, [change(value) for value in shell.positional])
    else:
        out.append((QUOTED if quoted else SPLIT, change(_simple_param(part.name, shell))))


def _substring(part: ParamExp, shell, quoted: bool, out: list) -> None:
    """``${x:offset}``, ``${x:offset:length}`` (bash): both are arithmetic; a negative
    offset counts from the end, a negative length is where to stop, counted from the end.
    On ``$@`` and ``$*`` they pick parameters, offset 0 being ``$0``."""
    offset = arith.evaluate(document(part.arg, shell), shell)
    length = None if part.arg2 is None else arith.evaluate(document(part.arg2, shell), shell)
    if part.name in ("@", "*"):
        if length is not None and length < 0:
            raise ExpandError(f"{length}: substring expression < 0", bash_form=True)
        params = [shell.getvar("0") or ""] + list(shell.positional)
        if offset < 0:
            offset += len(params)
        if offset < 0:
            chosen = []
        else:
            chosen = params[offset:] if length is None else params[offset:offset + length]
        _positional(part.name, shell, quoted, out, chosen)
        return
    value = _simple_param(part.name, shell)
    size = len(value)
    if offset < 0:
        offset += size
        if offset < 0:
            out.append((QUOTED if quoted else SPLIT, ""))
            return
    if length is None:
        end = size
    elif length < 0:
        end = size + length
        if end < offset:
            raise ExpandError(f"{length}: substring expression < 0", bash_form=True)
    else:
        end = offset + length
    out.append((QUOTED if quoted else SPLIT, value[offset:end]))


def _replace(part: ParamExp, shell, quoted: bool, out: list) -> None:
    """``${x/pattern/string}`` and its ``//`` (every match), ``/#`` (at the start) and
    ``/%`` (at the end) forms (bash). The longest match is replaced; in the string, an
    unquoted ``&`` stands for the matched text (bash 5.2's patsub_replacement)."""
    pattern_text = pattern(part.arg, shell)
    compiled = glob.compile_pattern(pattern_text)
    empty_pattern = pattern_text == ""  # ${x/$empty/y} changes nothing (but /# and /% do)
    pieces: list = []
    if part.arg2 is not None:
        _expand_parts(part.arg2.parts, shell, False, pieces, tilde=True)
    replacement = [(text, kind != QUOTED) for kind, text in pieces if kind != BREAK]

    def replace_in(value: str) -> str:
        if empty_pattern and part.op in ("/", "//"):
            return value
        if part.op == "/%":
            for start in range(len(value) + 1):
                if compiled.fullmatch(value, start):
                    return value[:start] + _with_match(replacement, value[start:])
            return value
        done, cursor, start = [], 0, 0
        while start <= len(value):
            match = compiled.match(value, start)
            if part.op == "/#" and (match is None or start > 0):
                break
            if match is None:
                start += 1
                continue
            done.append(value[cursor:start] + _with_match(replacement, match.group()))
            cursor = start = match.end()
            if part.op != "//":
                break
            if match.end() == match.start():  # an empty match: step over one character
                start += 1
        return "".join(done) + value[cursor:]

    if part.name in ("@", "*"):
        _positional(part.name, shell, quoted, out, [replace_in(v) for v in shell.positional])
    else:
        out.append((QUOTED if quoted else SPLIT, replace_in(_simple_param(part.name, shell))))


def _with_match(replacement: list, matched: str) -> str:
    """The replacement text, each unquoted ``&`` becoming the matched text."""
    return "".join(text.replace("&", matched) if unquoted else text
                   for text, unquoted in replacement)


def _positional(name: str, shell, quoted: bool, out: list, params=None) -> None:
    if params is None:
        params = shell.positional
    if quoted and name == "*":
        ifs = shell.ifs
        out.append((QUOTED, (ifs[:1] if ifs is not None else " ").join(params)))
        return
    kind = QUOTED if quoted else SPLIT
    for index, param in enumerate(params):
        if index:
            out.append((BREAK, ""))
        out.append((kind, param))


def _is_assignable(name: str) -> bool:
    return name.isidentifier() and name.isascii()


# ---------------------------------------------------------------- step 2: field splitting


def _has_any(text: str, chars) -> bool:
    for char in chars:
        if char in text:
            return True
    return False


def _split(pieces: list, ifs: str) -> list[list[tuple[str, bool]]]:
    """Split pieces into fields per POSIX 2.6.5; quoted and literal text never splits."""
    fields: list[list[tuple[str, bool]]] = []
    current: list[tuple[str, bool]] = []
    started = False           # does the current field exist (even if empty)?
    after_white_delim = False  # did IFS white space just end a field? (then ':' joins it)
    white = "".join(c for c in ifs if c in " \t\n")
    for kind, text in pieces:
        if kind == BREAK:
            if started:
                fields.append(current)
            current, started, after_white_delim = [], False, False
            continue
        if kind != SPLIT or not ifs or not _has_any(text, ifs):
            if text or kind == QUOTED:
                current.append((text, kind != QUOTED))
                started = True
                after_white_delim = False
            continue
        buffer = []
        for char in text:
            if char not in ifs:
                buffer.append(char)
                continue
            if buffer:
                current.append(("".join(buffer), True))
                buffer = []
                started = True
            if char in white:
                if started:
                    fields.append(current)
                    current, started = [], False
                    after_white_delim = True
            else:
                if started or not after_white_delim:
                    fields.append(current)
                    current, started = [], False
                after_white_delim = False
        if buffer:
            current.append(("".join(buffer), True))
            started = True
            after_white_delim = False
    if started:
        fields.append(current)
    return fields


# ---------------------------------------------------------------- step 3: pathname expansion


def _escape_glob(text: str) -> str:
    if not _has_any(text, "*?[]\\"):
        return text
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _glob_field(field: list[tuple[str, bool]], shell) -> list[str]:
    plain = "".join(text for text, _ in field)
    if shell.options.noglob or not any(may_glob and not _GLOB_CHARS.isdisjoint(text)
                                       for text, may_glob in field):
        return [plain]
    pattern_text = "".join(text if may_glob else _escape_glob(text) for text, may_glob in field)
    if not glob.has_magic(pattern_text):
        return [plain]
    return glob.expand_path(pattern_text) or [plain]
