"""`.env` and `env_file:` files: KEY=VALUE lines, as docker compose reads them.

    # a comment            blank lines are skipped
    export KEY=value       `export ` is allowed and ignored
    KEY=value # note       unquoted: trimmed, ` #` starts a comment, ${X} interpolated
    KEY='literal $X'       single quotes: taken as written
    KEY="a\\nb ${X}"        double quotes: \\n \\t \\" \\\\ escapes, interpolated, may span lines
    KEY                    no `=`: the value of KEY in the environment, or left out

Interpolation inside a file sees the keys defined above it first, then ``lookup``
(so ``B=${A}`` works, as in docker compose v2).
"""

from __future__ import annotations

import re

from pyshell.compose.errors import ComposeError
from pyshell.compose.inputs import read_text
from pyshell.compose.interpolate import InterpolationError, interpolate

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def parse_env_file(filename: str, lookup=lambda name: None) -> dict[str, str]:
    try:
        text = read_text(filename)
    except FileNotFoundError:
        raise ComposeError(f"env file {filename} not found") from None
    except OSError as error:
        raise ComposeError(f"cannot read env file {filename}: {error.strerror}") from None
    return parse_env_text(text, filename, lookup)


def parse_env_text(text: str, filename: str, lookup=lambda name: None) -> dict[str, str]:
    values: dict[str, str] = {}

    def seen_first(name):
        return values[name] if name in values else lookup(name)

    lines = text.splitlines()
    number = 0
    while number < len(lines):
        line = lines[number].strip()
        number += 1
        where = f"{filename}:{number}"
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        key_match = _KEY.match(line)
        if not key_match:
            raise ComposeError(f"unexpected character in variable name {line.split('=')[0]!r}",
                               where=where)
        key = key_match.group()
        rest = line[key_match.end():].lstrip()
        if not rest or rest.startswith("#"):
            value = lookup(key)
            if value is not None:
                values[key] = value
            continue
        if rest[0] != "=":
            raise ComposeError(f"unexpected character {rest[0]!r} after variable name {key}",
                               where=where)
        raw = rest[1:].lstrip()
        try:
            if raw.startswith("'"):
                end = raw.find("'", 1)
                if end < 0:
                    raise ComposeError("unterminated single-quoted value", where=where)
                values[key] = raw[1:end]
            elif raw.startswith('"'):
                body, number = _double_quoted(raw[1:], lines, number, where)
                values[key] = interpolate(body, seen_first)
            else:
                comment = re.search(r"\s#", raw)
                raw = (raw[:comment.start()] if comment else raw).strip()
                values[key] = interpolate(raw, seen_first)
        except InterpolationError as error:
            raise ComposeError(error.message, where=where) from None
    return values


def _double_quoted(first: str, lines: list[str], number: int, where: str):
    """The text of a "..." value, which may go on over more lines; escapes applied.

    A ``$`` stays as is (escaped as ``$$``) so interpolation runs afterwards on the result."""
    out = []
    text = first
    while True:
        i = 0
        while i < len(text):
            char = text[i]
            if char == "\\" and i + 1 < len(text):
                escaped = _ESCAPES.get(text[i + 1])
                if escaped is not None:
                    out.append("$$" if escaped == "$" else escaped)
                    i += 2
                    continue
            if char == '"':
                return "".join(out), number
            out.append(char)
            i += 1
        if number >= len(lines):
            raise ComposeError("unterminated double-quoted value", where=where)
        out.append("\n")
        text = lines[number]
        number += 1
