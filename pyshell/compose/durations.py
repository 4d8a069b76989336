"""Go's durations, as compose files write them (1m30s, 10s, 500ms): read by normalize.py and
by specs.py, which turns a normalized model into contain's specs (a cache hit's `up` needs
this, not the normalizing)."""

from __future__ import annotations

import re

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)")
_UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def parse_duration(text) -> float:
    """Go's durations as compose writes them: 1m30s, 10s, 1.5s, 100ms (seconds as a float)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)  # a bare number: seconds (docker compose accepts it too)
    if not isinstance(text, str) or not text:
        raise ValueError(text)
    total = 0.0
    position = 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            raise ValueError(text)
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if position != len(text):
        raise ValueError(text)
    return total


def format_duration(seconds: float) -> str:
    """As Go's time.Duration.String(): 1m30s, 5s, 1.5s, 100ms, 0s."""
    if seconds == 0:
        return "0s"
    if seconds < 1:
        milliseconds = seconds * 1000
        return f"{milliseconds:g}ms"
    hours, rest = divmod(seconds, 3600)
    minutes, rest = divmod(rest, 60)
    text = ""
    if hours:
        text += f"{int(hours)}h"
    if hours or minutes:
        text += f"{int(minutes)}m"
    return text + f"{round(rest, 9):g}s"
