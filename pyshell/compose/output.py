"""Everything `compose` prints: the model as YAML, progress lines, prefixed logs, tables.

The engine never prints: it reports events (a kind, a name, a state) to a Progress, and
hands container output to a LogPrinter. Both write to a stream given to them, so the REPL,
`python -m pyshell.compose` and the tests all see the same text.
"""

from __future__ import annotations

import threading

# docker compose v2 gives each service's prefix a colour in turn (ten of them).
COLOURS = ("36", "33", "32", "35", "34", "96", "93", "92", "95", "94")


def config_yaml(model: dict) -> str:
    """The normalized model in docker compose v2's order, with $ escaped as $$ again so the
    output can be read back (by us or docker compose) to the same model."""
    import yaml  # here, not at the top: the other commands print no YAML (~14 ms to import)

    ordered = {"name": model["name"], "services": model["services"]}
    for key in ("networks", "volumes", "secrets", "configs"):
        if key in model:
            ordered[key] = model[key]
    # libyaml's emitter when there is one: 7x faster than PyYAML's own on a 200-service file
    # (0.10 s vs 0.74 s here). Lists come out at their key's indent ("key:\n- item"), which
    # is the same YAML as docker compose's "key:\n  - item".
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(_escape(ordered), Dumper=dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=1000)


def _escape(value):
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {key: _escape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escape(item) for item in value]
    return value


class Progress:
    """` ✔ Container p-web-1  Started` lines, one per finished step (as v2 without a tty)."""

    DONE = {"Created", "Started", "Running", "Stopped", "Removed", "Recreated", "Healthy",
            "Exited", "Killed", "Built", "Pulled", "Waiting"}

    def __init__(self, stream, quiet: bool = False):
        self.stream = stream
        self.quiet = quiet
        self.lock = threading.Lock()

    def event(self, kind: str, name: str, state: str, error: bool = False) -> None:
        if self.quiet:
            return
        mark = "✘" if error else ("✔" if state in self.DONE else " ")
        with self.lock:
            self.stream.write(f" {mark} {kind} {name}  {state}\n")
            self.stream.flush()

    def message(self, text: str) -> None:
        with self.lock:
            self.stream.write(text + "\n")
            self.stream.flush()


class LogPrinter:
    """Interleaves the output of several containers, each line prefixed `web-1  | `.

    The prefix is padded to the longest name and coloured per service when ``colour``;
    lines from different containers never mix (one lock, whole lines)."""

    def __init__(self, stream, names: list[str], colour: bool, show_prefix: bool = True):
        self.stream = stream
        self.width = max((len(name) for name in names), default=0)
        self.colour = colour
        self.show_prefix = show_prefix
        self.colours: dict[str, str] = {}
        self.lock = threading.Lock()
        self.pending: dict[str, str] = {}

    def colour_of(self, service: str) -> str:
        if service not in self.colours:
            self.colours[service] = COLOURS[len(self.colours) % len(COLOURS)]
        return self.colours[service]

    def prefix(self, name: str, service: str) -> str:
        if not self.show_prefix:
            return ""
        text = f"{name:<{self.width}}  | "
        return f"\x1b[{self.colour_of(service)}m{text}\x1b[0m" if self.colour else text

    def write(self, name: str, service: str, data: bytes) -> None:
        text = self.pending.pop(name, "") + data.decode("utf-8", "replace")
        lines = text.split("\n")
        self.pending[name] = lines.pop()
        if lines:
            prefix = self.prefix(name, service)
            with self.lock:
                self.stream.write("".join(f"{prefix}{line}\n" for line in lines))
                self.stream.flush()

    def finish(self, name: str, service: str) -> None:
        rest = self.pending.pop(name, "")
        if rest:
            self.write(name, service, b"\n" if not rest else (rest + "\n").encode())

    def message(self, text: str) -> None:
        with self.lock:
            self.stream.write(text + "\n")
            self.stream.flush()


def table(rows: list[list[str]], headers: list[str]) -> str:
    """Columns padded to the widest cell, three spaces apart, as docker's tables."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = []
    for row in [headers] + rows:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths)]
        lines.append("   ".join(cells).rstrip())
    return "\n".join(lines) + "\n"
