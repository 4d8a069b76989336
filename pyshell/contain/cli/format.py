"""What the command line prints: out/err on fds 1 and 2, tables, ages and sizes, Go-like templates.

Output goes straight to the fds with os.write (never print): the `contain` builtin runs in
the shell's process, after the shell's redirections were applied with dup2.
"""

from __future__ import annotations

from pyshell.contain.kernel.osio import write_all
from pyshell.errors import ContainerError


def out(text: str) -> None:
    _write(1, text)


def err(text: str) -> None:
    _write(2, text)


def _write(fd: int, text: str) -> None:
    try:
        write_all(fd, text.encode("utf-8", "surrogateescape"))
    except BrokenPipeError:
        pass  # the reader went away (`contain ps | head -1`), as for the shell's own builtins


def human_size(size: int) -> str:
    """Docker's decimal units: 4.27MB, 512kB, 0B."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.3g}{unit}" if unit != "B" else f"{int(value)}B"
        value /= 1000
    return f"{size}B"


def human_age(created: str) -> str:
    """'2026-11-28T04:51:13.1Z' -> '5 minutes ago' (Docker's wording)."""
    import datetime

    try:
        when = datetime.datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return created
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    seconds = (datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()
    for limit, unit, about in ((60, "second", None), (3600, "minute", "About a minute"),
                               (86400, "hour", "About an hour"), (86400 * 14, "day", None),
                               (86400 * 60, "week", None), (86400 * 730, "month", None)):
        if seconds < limit:
            break
    else:
        limit, unit, about = None, "year", None
    size = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800,
            "month": 2592000, "year": 31536000}[unit]
    count = int(seconds // size)
    if unit == "second":
        return "Less than a second ago" if count < 1 else f"{count} seconds ago"
    if count <= 1 and about:
        return f"{about} ago"
    return f"{max(count, 1)} {unit}{'s' if count > 1 else ''} ago"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["   ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def render_format(template: str, document) -> str:
    """A tiny subset of Go templates: {{.A.B}} and {{json .A.B}}."""
    import json
    import re

    def lookup(path: str):
        value = document
        for key in filter(None, path.split(".")):
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def replace(match):
        is_json, path = match.group(1), match.group(2)
        value = lookup(path)
        if is_json:
            return json.dumps(value)
        if isinstance(value, list):
            return "[" + " ".join(str(v) for v in value) + "]"
        if isinstance(value, dict):
            return "map[" + " ".join(f"{k}:{v}" for k, v in value.items()) + "]"
        if isinstance(value, bool):
            return "true" if value else "false"  # as Go prints them
        return "<no value>" if value is None else str(value)

    action = r"\{\{\s*(json\s+)?(\.[\w.]*)\s*\}\}"
    if "{{" in re.sub(action, "", template):  # an action this subset does not know, or unclosed
        raise ContainerError(f"template parsing error: {template!r} (this subset knows {{{{.A.B}}}} "
                             "and {{json .A.B}})")
    return re.sub(action, replace, template)


def documents(found: list[dict], template: str | None) -> str:
    """`inspect`'s output: the JSON list, or one rendered line per document."""
    if template:
        return "".join(render_format(template, document) + "\n" for document in found)
    import json

    return json.dumps(found, indent=4) + "\n"
