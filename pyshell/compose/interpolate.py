"""Variable interpolation in compose files (compose-spec 12-interpolation.md).

    $V  ${V}            the value, "" when unset (with a warning)
    ${V:-d} ${V-d}      d when V is unset or empty / only when unset
    ${V:?e} ${V?e}      an error "e" when V is unset or empty / only when unset
    ${V:+r} ${V+r}      r when V is set and non-empty / when set
    $$                  a literal $

Defaults and replacements are themselves interpolated, so ``${A:-${B:-x}}`` nests.
Only values are interpolated, never mapping keys (as docker compose).
"""

from __future__ import annotations

import re

from pyshell.compose.errors import ComposeError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class InterpolationError(ComposeError):
    pass


def interpolate(text: str, lookup, warn=None) -> str:
    """Return ``text`` with its variables replaced; ``lookup(name)`` is None when unset."""
    value, end = _expand(text, 0, lookup, warn, closing=None, live=True)
    return value


def _expand(text: str, position: int, lookup, warn, closing, live):
    """Expand from ``position`` up to the end, or up to an unmatched ``closing`` brace.

    With ``live`` False the text is only scanned (a default that is not used must not
    warn or fail: ``${A:-${B:?}}`` is fine when A is set)."""
    out = []
    depth = 0
    i = position
    while i < len(text):
        char = text[i]
        if closing and char == "}" and depth == 0:
            return "".join(out), i
        if char == "$":
            following = text[i + 1:i + 2]
            if following == "$":
                out.append("$")
                i += 2
                continue
            if following == "{":
                value, i = _braced(text, i + 2, lookup, warn, live)
                out.append(value)
                continue
            match = _NAME.match(text, i + 1)
            if match:
                out.append(_plain(match.group(), lookup, warn) if live else "")
                i = match.end()
                continue
            raise InterpolationError(f'invalid interpolation format for "{text}": a lone $ '
                                     '(write $$ for a literal dollar sign)')
        out.append(char)
        i += 1
    if closing:
        raise InterpolationError(f'invalid interpolation format for "{text}": missing }}')
    return "".join(out), i


def _plain(name: str, lookup, warn) -> str:
    value = lookup(name)
    if value is None:
        if warn:
            warn(f'The "{name}" variable is not set. Defaulting to a blank string.')
        return ""
    return value


def _braced(text: str, i: int, lookup, warn, live):
    """``${...}`` starting after the brace: returns (value, index after the closing brace)."""
    match = _NAME.match(text, i)
    if not match:
        raise InterpolationError(f'invalid interpolation format for "{text}": '
                                 f'"${{{text[i:].split("}")[0]}}}" is not a variable name')
    name = match.group()
    i = match.end()
    if text[i:i + 1] == "}":
        return (_plain(name, lookup, warn) if live else ""), i + 1
    if i >= len(text):
        raise InterpolationError(f'invalid interpolation format for "{text}": missing }}')
    operator = text[i:i + 2] if text[i:i + 1] == ":" else text[i:i + 1]
    if operator not in (":-", "-", ":?", "?", ":+", "+"):
        raise InterpolationError(f'invalid interpolation format for "{text}": '
                                 f'unknown operator after "${{{name}"')
    value = lookup(name)
    empty_counts = operator.startswith(":")  # the colon forms treat "" like unset
    missing = value is None or (empty_counts and value == "")
    kind = operator[-1]
    word_used = live and (missing if kind in "-?" else not missing)
    word, end = _expand(text, i + len(operator), lookup, warn, closing="}", live=word_used)
    if not live:
        return "", end + 1
    if kind == "-":
        result = word if missing else value
    elif kind == "+":
        result = "" if missing else word
    else:  # "?"
        if missing:
            raise InterpolationError(f"required variable {name} is missing a value: {word}"
                                     if word else f"required variable {name} is missing a value")
        result = value
    return result, end + 1


def interpolate_tree(data, lookup, warn=None, path=(), where=None):
    """Interpolate every string value of a YAML tree (keys stay as written).

    ``where(path)`` gives a position for errors."""
    if isinstance(data, dict):
        return {key: interpolate_tree(value, lookup, warn, path + (key,), where)
                for key, value in data.items()}
    if isinstance(data, list):
        return [interpolate_tree(value, lookup, warn, path + (index,), where)
                for index, value in enumerate(data)]
    if isinstance(data, str) and "$" in data:
        try:
            return interpolate(data, lookup, warn)
        except InterpolationError as error:
            dotted = dotted_path(path)
            raise ComposeError(f"{dotted}: {error.message}",
                               where=where(path) if where else "") from None
    return data


def dotted_path(path) -> str:
    """("services", "web", "ports", 0) → services.web.ports[0]"""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
