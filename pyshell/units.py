"""Sizes and durations as users write them: one convention each, for contain and vm alike.

Sizes are binary, as both Docker (`--memory 512m`) and qemu-img (`5G`) mean them: k = 1024,
m = 1024², g = 1024³, t = 1024⁴, any case, with an optional B or iB after (`64kb`, `2GiB`);
a bare number is bytes; a fraction is allowed if a unit follows (`1.5g`); zero is not a size.
Durations are Go's, as Docker writes them in HEALTHCHECK and --stop-timeout: `1m30s`,
`500ms`, `2h`, in nanoseconds (what Docker stores).
"""

from __future__ import annotations

import re

from pyshell.errors import ContainerError, VmError

SIZE_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
DURATION_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 10 ** 9, "m": 60 * 10 ** 9,
                  "h": 3600 * 10 ** 9}

# Patterns as text: re compiles (and caches) them at the first parse, not at every import.
_SIZE = r"(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?"
_DURATION_PART = r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)"


class UnitError(ContainerError, VmError):
    """A size or duration that cannot be read: the user's error, for whichever command asked."""


def parse_size(text: str) -> int:
    """Bytes in `512m`, `5G`, `2GiB`, `64kb`, `1.5g`, `4096`."""
    match = re.fullmatch(_SIZE, text.strip(), re.IGNORECASE)
    if match:
        number, unit, suffix = match.group(1), match.group(2).lower(), (match.group(3) or "").lower()
        if not unit and ("." in number or suffix == "ib"):
            match = None  # a fraction of a byte, or "iB" with no k, m, g or t before it
    if not match or float(number) == 0:
        raise UnitError(f"bad size {text!r}: want a number with k, m, g or t (e.g. 512m, 5G)")
    return int(float(number) * SIZE_UNITS[unit])


def parse_duration(text: str) -> int:
    """Nanoseconds in a Go duration: `30s`, `1m30s`, `500ms`, `1.5h`."""
    parts = re.findall(_DURATION_PART, text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise UnitError(f"invalid duration {text!r}: want a number with h, m, s or ms (e.g. 1m30s)")
    nanoseconds = int(sum(float(number) * DURATION_UNITS[unit] for number, unit in parts))
    if nanoseconds > 2**63 - 1:  # Go's time.Duration, which Docker stores: ~292 years
        raise UnitError(f"invalid duration {text!r}: longer than Docker's limit of about 292 years")
    return nanoseconds
