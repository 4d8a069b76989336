"""A small flag parser for `compose` and its commands (docker-style: -d, --detach,
--scale web=3, --tail=5, -f a -f b, flags before or after the operands until `--`)."""

from __future__ import annotations

from pyshell.compose.errors import ComposeError
from pyshell.record import Record


class Flag(Record):
    names: tuple[str, ...]     # ("-d", "--detach")
    key: str                   # where the value goes in the options dict
    takes_value: bool = False
    repeat: bool = False       # a list of every value given
    default: object = None


def parse(command: str, argv: list[str], flags: list[Flag], stop_at_operand: bool = False):
    """Return (options, operands). ``stop_at_operand``: the first operand ends the flags
    (for `exec S CMD...` and `run S CMD...`, whose command has flags of its own)."""
    by_name = {name: flag for flag in flags for name in flag.names}
    options = {flag.key: ([] if flag.repeat else flag.default) for flag in flags}
    operands: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        i += 1
        if word == "--":
            operands.extend(argv[i:])
            break
        if not word.startswith("-") or word == "-":
            operands.append(word)
            if stop_at_operand:
                operands.extend(argv[i:])
                break
            continue
        name, has_value, value = word.partition("=")
        if not name.startswith("--") and len(name) > 2 and not has_value:
            # -dt: several short flags; -n5: a short flag with its value
            first = by_name.get(name[:2])
            if first is not None and first.takes_value:
                name, value, has_value = name[:2], name[2:], True
            else:
                argv = argv[:i] + [f"-{letter}" for letter in name[2:]] + argv[i:]
                name = name[:2]
        flag = by_name.get(name)
        if flag is None:
            raise ComposeError(f"unknown flag: {name}" + (f" for {command}" if command else ""), status=1)
        if flag.takes_value:
            if not has_value:
                if i >= len(argv):
                    raise ComposeError(f"flag needs an argument: {name}", status=1)
                value = argv[i]
                i += 1
        elif has_value:
            raise ComposeError(f"flag {name} takes no value", status=1)
        else:
            value = True
        if flag.repeat:
            options[flag.key].append(value)
        else:
            options[flag.key] = value
    return options, operands
