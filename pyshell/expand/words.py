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

from pyshell.errors import ExpandError, PyshError
from pyshell.expand import arith, glob
from pyshell.syntax.ast import (ArithExp, ArrayLit, CmdSubst, DblQuoted, Escaped, Lit, ParamExp,
                                ProcSubst, SglQuoted)

LITERAL, SPLIT, QUOTED, BREAK = 0, 1, 2, 3

_GLOB_CHARS = frozenset("*?[(")   # ( : an extglob group, @(a|b)
_NEEDS_WORK = frozenset("*?[~(")
_DEFAULT_IFS = " \t\n"
_LIST_OPS = (None, ":", "/", "//", "/#", "/%")
_NOT_YET = object()  # "${@...}" forms that give one field a parameter


# ---------------------------------------------------------------- the four entries


def _plain_text(word) -> str | None:
    """The text of a word that expands to itself (one Lit with no brace, tilde or glob
    character: `echo`, `-lt`, `20000`), else None."""
    parts = word.parts
    if len(parts) != 1 or type(parts[0]) is not Lit:
        return None
    text = parts[0].text
    if "{" in text or not (_NEEDS_WORK.isdisjoint(text) or (
            "]" not in text and "*" not in text and "?" not in text and text[0] != "~"
            and "(" not in text)):
        return None
    return text


def fields(words, shell) -> list[str]:
    """Expand command words into argv: brace expansion first, then every other
    expansion, splitting and globbing."""
    argv: list[str] = []
    for word in words:
        # A word that is its own text is found once and remembered on the (immutable)
        # node, outside its fields: loops run the same words many times.
        cached = word.__dict__
        plain = cached.get("_plain", _NOT_YET)
        if plain is _NOT_YET:
            plain = cached["_plain"] = _plain_text(word)
        if plain is not None:
            argv.append(plain)
            continue
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
                    "]" not in text and "*" not in text and "?" not in text and text[0] != "~"
                    and "(" not in text):
                argv.append(text)
                return
        elif (kind is ParamExp and part.op is None and part.name not in ("@", "*") and not part.indirect
              and part.index is None):
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
        if (kind is ParamExp and part.op is None and part.name not in ("@", "*") and not part.indirect
                and part.index is None):
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
            if not any(type(p) is ParamExp and p.op in _LIST_OPS and _list_kind(p) == "@"
                       for p in inner):
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
        elif kind is ProcSubst:   # <(cmd): the path of a pipe to (or from) cmd
            out.append((QUOTED, shell.process_substitution(part.body, part.direction)))
        elif kind is ArrayLit:  # `export x=(1 2)` given through a variable: plain text
            from pyshell.syntax import format as format_source

            out.append((QUOTED, format_source(part)))
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
    kind = _list_kind(part)
    if kind is not None:
        values = _list_values(part, shell)
        return bool(values) and (not colon or any(values))
    return value is not None and (not colon or value != "")


def _list_kind(part: ParamExp) -> str | None:
    """"@" or "*" when the parameter stands for a list: ``$@``, ``$*``, ``${a[@]}``,
    ``${a[*]}``; else None."""
    index = part.index
    if index is None:
        name = part.name
        return name if name == "@" or name == "*" else None
    parts = index.parts
    if len(parts) == 1 and type(parts[0]) is Lit and parts[0].text in ("@", "*"):
        return parts[0].text
    return None


def _list_values(part: ParamExp, shell) -> list[str]:
    if part.index is None:
        return shell.positional
    return shell.array_values(part.name)


def _subscript(part: ParamExp, shell) -> str:
    return literal(part.index, shell)


def _value(part: ParamExp, shell) -> str | None:
    """The parameter's value, or None when unset: ``$x`` or one element ``${a[i]}``."""
    if part.index is None:
        return shell.getvar(part.name)
    try:
        return shell.get_element(part.name, _subscript(part, shell))
    except ExpandError:
        raise
    except PyshError as error:   # a[-9]: bash says so, and the element is empty
        shell.report(error.message)
        return None


def _value_or_empty(part: ParamExp, shell) -> str:
    """The value, "" when unset (an error with ``set -u``)."""
    if part.index is None:
        return _simple_param(part.name, shell)
    value = _value(part, shell)
    if value is None:
        if shell.options.nounset:
            raise ExpandError(f"{part.name}[{_subscript(part, shell)}]: parameter not set")
        return ""
    return value


def _parameter(part: ParamExp, shell, quoted: bool, out: list) -> None:
    if part.indirect:
        if part.index is None and part.op is None and part.name in shell.namerefs:
            out.append((QUOTED if quoted else SPLIT, shell.namerefs.get(part.name, "")))
            return   # ${!ref} of a nameref: the name it refers to
        if part.index is not None and _list_kind(part) is not None:
            _positional(_list_kind(part), shell, quoted, out, shell.array_keys(part.name))
            return
        part = part.replace(name=_indirect_target(part, shell), indirect=False, index=None)
        if "[" in part.name:   # ${!ref} where ref holds `a[1]` or `a[@]`
            name, _, subscript = part.name.partition("[")
            from pyshell.syntax.ast import Word

            part = part.replace(name=name, index=Word((Lit(subscript[:-1]),)))
    name, op = part.name, part.op
    result = QUOTED if quoted else SPLIT
    list_kind = _list_kind(part)
    if op is None:
        if list_kind is not None:
            _positional(list_kind, shell, quoted, out, _list_values(part, shell))
        else:
            out.append((result, _value_or_empty(part, shell)))
        return
    if op == "len":
        if list_kind is not None:
            out.append((result, str(len(_list_values(part, shell)))))
        else:
            out.append((result, str(len(_value_or_empty(part, shell)))))
        return
    if op in ("prefix*", "prefix@"):
        names = sorted(each for each in _visible_names(shell) if each.startswith(name))
        _positional(op[-1], shell, quoted, out, names)
        return
    if list_kind is not None:
        value = " ".join(_list_values(part, shell))
    else:
        value = _value(part, shell)
    if op in (":-", "-", ":=", "=", ":?", "?", ":+", "+"):
        use_word = not _is_set(part, shell, value, op.startswith(":"))
        kind = op[-1]
        if kind == "+":
            if not use_word:
                _expand_parts(part.arg.parts if part.arg else (), shell, quoted, out,
                              literal_kind=SPLIT)
            return
        if not use_word:
            if list_kind is not None:
                _positional(list_kind, shell, quoted, out, _list_values(part, shell))
            else:
                out.append((result, value))
            return
        if kind == "-":
            _expand_parts(part.arg.parts if part.arg else (), shell, quoted, out, tilde=True,
                          literal_kind=SPLIT)
        elif kind == "=":
            if not _is_assignable(name) or list_kind is not None:
                raise ExpandError(f"${name}: cannot assign in this way")
            new_value = literal(part.arg, shell) if part.arg else ""
            if part.index is not None:
                shell.set_element(name, _subscript(part, shell), new_value)
            else:
                shell.setvar(name, new_value)
            out.append((result, new_value))
        else:  # "?"
            message = literal(part.arg, shell) if part.arg else ""
            shown = name if part.index is None else f"{name}[{_subscript(part, shell)}]"
            raise ExpandError(f"{shown}: {message or 'parameter null or not set'}")
        return
    if op in ("#", "##", "%", "%%"):
        affix = pattern(part.arg, shell)
        if list_kind is not None:
            _positional(list_kind, shell, quoted, out,
                        [glob.strip_affix(each, affix, op) for each in _list_values(part, shell)])
            return
        if value is None:
            value = _value_or_empty(part, shell)
        out.append((result, glob.strip_affix(value, affix, op)))
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
    if op[0] == "@":
        _transform(part, shell, quoted, out)
        return
    raise ExpandError(f"${{{name}{op}}}: bad substitution")


def _visible_names(shell):
    names = set(shell.vars)
    names.update(name for name in shell.dynamic if name != "PIPESTATUS")
    return names


def _indirect_target(part: ParamExp, shell) -> str:
    if part.index is not None:
        target = _value(part, shell)
        if target is None:
            raise ExpandError(f"{part.name}[{_subscript(part, shell)}]: invalid indirect expansion",
                              bash_form=True)
        return _checked_target(target)
    return _indirect_name(part.name, shell)


def _checked_target(target: str) -> str:
    name = target.partition("[")[0] if target.endswith("]") else target
    if not (name.isdigit() or name in ("@", "*", "#", "?", "$", "!", "-")
            or (name[:1].isalpha() or name[:1] == "_") and name.replace("_", "a").isalnum()):
        raise ExpandError(f"{target}: invalid variable name", bash_form=True)
    return target


def _indirect_name(name: str, shell) -> str:
    """``${!name}`` (bash): the value of ``name`` is the name of the parameter to expand."""
    target = shell.getvar(name)
    if target is None:
        raise ExpandError(f"{name}: invalid indirect expansion", bash_form=True)
    return _checked_target(target)


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

    list_kind = _list_kind(part)
    if list_kind is not None:
        _positional(list_kind, shell, quoted, out, [change(value) for value in _list_values(part, shell)])
    else:
        out.append((QUOTED if quoted else SPLIT, change(_value_or_empty(part, shell))))


def _substring(part: ParamExp, shell, quoted: bool, out: list) -> None:
    """``${x:offset}``, ``${x:offset:length}`` (bash): both are arithmetic; a negative
    offset counts from the end, a negative length is where to stop, counted from the end.
    On ``$@`` and ``$*`` they pick parameters, offset 0 being ``$0``."""
    offset = arith.evaluate(document(part.arg, shell), shell)
    length = None if part.arg2 is None else arith.evaluate(document(part.arg2, shell), shell)
    list_kind = _list_kind(part)
    if list_kind is not None:
        if length is not None and length < 0:
            raise ExpandError(f"{length}: substring expression < 0", bash_form=True)
        if part.index is not None:
            chosen = _array_slice(shell, part.name, offset, length)
        else:
            params = [shell.getvar("0") or ""] + list(shell.positional)
            if offset < 0:
                offset += len(params)
            if offset < 0:
                chosen = []
            else:
                chosen = params[offset:] if length is None else params[offset:offset + length]
        _positional(list_kind, shell, quoted, out, chosen)
        return
    value = _value_or_empty(part, shell)
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


def _array_slice(shell, name: str, offset: int, length: int | None) -> list[str]:
    """``${a[@]:offset:length}``: the elements from index ``offset`` on (a negative one
    counts back from the end), at most ``length`` of them."""
    array = shell.get_array(name)
    if array is None:
        values = shell.array_values(name)
        keys = list(range(len(values)))
        lookup = dict(zip(keys, values))
    elif array.kind == "a":
        keys, lookup = array.ordered_keys(), array
    else:
        ordered = array.ordered_keys()
        keys, lookup = list(range(len(ordered))), {n: array[k] for n, k in enumerate(ordered)}
    if offset < 0:
        offset += (keys[-1] + 1) if keys else 0
        if offset < 0:
            return []
    chosen = [lookup[key] for key in keys if key >= offset]
    return chosen if length is None else chosen[:length]


def _transform(part: ParamExp, shell, quoted: bool, out: list) -> None:
    """bash's ``${x@Q}`` (quoted for reuse), ``@E`` (backslash escapes decoded), ``@U``
    ``@u`` ``@L`` (case), ``@A`` (an assignment statement), ``@a`` (attribute letters),
    ``@K`` ``@k`` (keys and values), ``@P`` (as a prompt: here, unchanged)."""
    letter = part.op[1]
    list_kind = _list_kind(part)
    if letter in "Kk" and part.index is not None:
        array = shell.get_array(part.name)
        if array is not None:
            from pyshell.expand.variables import quote_value

            pairs = [(str(key), array[key]) for key in array.ordered_keys()]
            if letter == "K":   # one word: key "value" key "value"
                text = "".join(f"{key} {quote_value(value)} " for key, value in pairs)
                out.append((QUOTED if quoted else SPLIT, text))
                return
            _positional(list_kind or "@", shell, quoted, out,
                        [item for pair in pairs for item in pair])
            return
    if list_kind is not None:
        values = _list_values(part, shell)
    else:
        value = _value(part, shell)
        if value is None and letter not in "aA":
            if shell.options.nounset:
                raise ExpandError(f"{part.name}: parameter not set")
            return
        values = [value]

    def change(value: str | None) -> str:
        if letter == "Q":
            return _shell_quote(value)
        if letter == "E":
            from pyshell.syntax.lexer import ansi_c_text

            return ansi_c_text(value)
        if letter == "U":
            return value.upper()
        if letter == "u":
            return value[:1].upper() + value[1:]
        if letter == "L":
            return value.lower()
        if letter == "a":
            return _attribute_letters(shell, part.name)
        if letter == "A":
            from pyshell.expand.variables import declare_line

            line = declare_line(shell, shell.resolve_name(part.name))
            if line.startswith("declare -- "):   # a plain variable: name='value'
                return f"{part.name}={_shell_quote(value)}"
            if value.__class__ is str and "=" in line and list_kind is None:
                return line.partition("=")[0] + "=" + _shell_quote(value)
            return line
        return value  # P: prompt expansion is not done here

    if letter == "A" and list_kind is not None and part.index is not None:
        from pyshell.expand.variables import declare_line

        out.append((QUOTED if quoted else SPLIT, declare_line(shell, shell.resolve_name(part.name))))
    elif list_kind is not None:
        _positional(list_kind, shell, quoted, out, [change(value) for value in values])
    else:
        out.append((QUOTED if quoted else SPLIT, change(values[0])))


def _shell_quote(value: str) -> str:
    """bash's @Q: 'text', or $'...' when the text holds control characters."""
    if any(char < " " or char == "\x7f" for char in value):
        from pyshell.syntax.printer import _ansi_quoted

        return _ansi_quoted(value)
    return "'" + value.replace("'", "'\\''") + "'"


def _attribute_letters(shell, name: str) -> str:
    value = shell.vars.get(shell.resolve_name(name)) if name not in shell.namerefs else None
    letters = ""
    if value is not None and value.__class__ is not str:
        letters += value.kind
    own = shell.attrs.get(name, "")
    letters += "".join(letter for letter in "ilnu" if letter in own)
    if name in shell.readonly:
        letters += "r"
    if name in shell.exported:
        letters += "x"
    return letters


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

    list_kind = _list_kind(part)
    if list_kind is not None:
        _positional(list_kind, shell, quoted, out, [replace_in(v) for v in _list_values(part, shell)])
    else:
        out.append((QUOTED if quoted else SPLIT, replace_in(_value_or_empty(part, shell))))


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
    shopts = shell.shopts
    found = glob.expand_path(pattern_text, "dotglob" in shopts, "nocaseglob" in shopts,
                             "globstar" in shopts)
    if found:
        return found
    if "nullglob" in shopts:
        return []
    if "failglob" in shopts:
        raise ExpandError(f"no match: {plain}", bash_form=True)
    return [plain]
