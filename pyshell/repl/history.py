"""Command history: one file shared by every pysh session, and the `history` builtin.

The file is ``$XDG_STATE_HOME/pysh/history`` (``~/.local/state/pysh/history``) in
prompt_toolkit's FileHistory format: each entry is a ``# time`` line followed by its
lines, each prefixed with ``+``. Sessions only ever append, so two pysh windows can
share the file: before each prompt a session reads what the others appended since it
last looked (it remembers how far into the file it has read).
"""

from __future__ import annotations

import datetime
import os

from prompt_toolkit.history import History

from pyshell.builtins import builtin, complain, write_out


def history_path(environ=os.environ) -> str:
    state_home = environ.get("XDG_STATE_HOME") or os.path.join(
        environ.get("HOME") or os.path.expanduser("~"), ".local", "state"
    )
    return os.path.join(state_home, "pysh", "history")


def parse_entries(data: bytes) -> list[str]:
    """Entries in ``data`` (a whole file or the tail others appended), oldest first."""
    entries: list[str] = []
    lines: list[str] = []
    for raw in data.decode("utf-8", errors="replace").splitlines():
        if raw.startswith("+"):
            lines.append(raw[1:])
        elif lines:  # a "# time" or blank line ends the entry being read
            entries.append("\n".join(lines))
            lines = []
    if lines:
        entries.append("\n".join(lines))
    return entries


class SharedFileHistory(History):
    """prompt_toolkit History backed by an append-only file several sessions share."""

    def __init__(self, filename: str) -> None:
        super().__init__()
        self.filename = filename
        self._read_up_to = 0  # bytes of the file already in our list
        self.saving = True    # turned off (with one warning) if the file cannot be written

    def _read_new_entries(self) -> list[str]:
        try:
            with open(self.filename, "rb") as file:
                file.seek(self._read_up_to)
                data = file.read()
        except OSError:
            return []
        self._read_up_to += len(data)
        return parse_entries(data)

    def load_history_strings(self):
        return reversed(self._read_new_entries())  # prompt_toolkit wants the newest first

    async def load(self):
        # The buffer calls load() before every prompt: first take in what other sessions wrote.
        if self._loaded:
            for entry in self._read_new_entries():
                self._loaded_strings.insert(0, entry)
        async for entry in super().load():
            yield entry

    def append_string(self, string: str) -> None:
        if self._loaded:  # keep the order: theirs (typed earlier) before ours
            for entry in self._read_new_entries():
                self._loaded_strings.insert(0, entry)
        super().append_string(string)

    def store_string(self, string: str) -> None:
        if not self.saving:
            return
        text = f"\n# {datetime.datetime.now()}\n" + "".join(f"+{line}\n" for line in string.split("\n"))
        data = text.encode("utf-8", errors="replace")
        try:
            os.makedirs(os.path.dirname(self.filename), exist_ok=True)
            # O_APPEND: each entry lands whole at the end even if another session writes too.
            fd = os.open(self.filename, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as error:
            complain("history", f"cannot write {self.filename}: {error.strerror}; this session's history is not saved")
            self.saving = False
            return
        try:
            os.write(fd, data)
            if os.fstat(fd).st_size == self._read_up_to + len(data):
                self._read_up_to += len(data)  # nobody else wrote in between: our entry is read
        finally:
            os.close(fd)

    def clear(self) -> None:
        """Forget this session's list (the file stays, as with bash's `history -c`)."""
        self._loaded_strings = []
        self._loaded = True


def register_history_builtin(history: SharedFileHistory) -> None:
    """Define `history` for this REPL. It lives here, not in the core builtins,
    because only an interactive session has a history."""

    @builtin("history", usage="history [-c] [N]", summary="list the commands typed so far (-c: forget them)")
    def history_builtin(shell, argv: list[str]) -> int:
        arguments = argv[1:]
        if arguments == ["-c"]:
            history.clear()
            return 0
        entries = history.get_strings()
        if len(arguments) > 1 or (arguments and not arguments[0].isdigit()):
            complain("history", "usage: history [-c] [N]")
            return 2
        first = len(entries) - int(arguments[0]) if arguments else 0
        lines = []
        for number, entry in enumerate(entries, start=1):
            if number > first:
                lines.append(f"{number:5}  " + entry.replace("\n", "\n       ") + "\n")
        write_out("".join(lines))
        return 0
