"""A small synchronous client for QMP, the QEMU Machine Protocol.

QMP is JSON over a socket (`-qmp unix:PATH,server=on,wait=off`), one object per line:

    QEMU   {"QMP": {"version": …, "capabilities": […]}}        the greeting
    us     {"execute": "qmp_capabilities"}                      leave negotiation mode
    QEMU   {"return": {}}
    us     {"execute": "query-status", "id": 1}
    QEMU   {"timestamp": …, "event": "RESUME"}                  events may come at any time
    QEMU   {"return": {"status": "running", …}, "id": 1}        or {"error": {"class", "desc"}}

Why not the `qemu.qmp` library: it is asyncio-based, and `vm` sends one or two commands per
invocation and then exits, so an event loop adds only weight (and its pitfalls, such as the
EOFError that disconnect() raises after `quit`). This file is the whole protocol.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

from pyshell.errors import VmError


class QmpClient:
    def __init__(self, path: Path, timeout: float | None = 30.0):
        self.path = path
        self.timeout = timeout
        self.events: list[dict] = []   # events seen while waiting for answers
        self._next_id = 0
        self._socket: socket.socket | None = None
        self._reader = None

    def __enter__(self) -> QmpClient:
        self.connect()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def connect(self) -> dict:
        """Connect, read the greeting, negotiate; return the greeting's version."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(self.path))
        except OSError as error:
            sock.close()
            raise VmError(f"cannot reach QEMU's monitor at {self.path}: {error.strerror}") from None
        self._socket = sock
        self._reader = sock.makefile("rb")
        greeting = self._read_message()
        if "QMP" not in greeting:
            raise VmError(f"{self.path}: not a QMP greeting: {greeting}")
        self.execute("qmp_capabilities")
        return greeting["QMP"]["version"]

    def execute(self, command: str, arguments: dict | None = None):
        """Run COMMAND and return its "return" value; a QMP error becomes a VmError."""
        self._next_id += 1
        request = {"execute": command, "id": self._next_id}
        if arguments:
            request["arguments"] = arguments
        self._send(request)
        while True:
            message = self._read_message()
            if "event" in message:
                self.events.append(message)
            elif message.get("id") == self._next_id:
                if "error" in message:
                    raise VmError(f"{command}: {message['error'].get('desc', message['error'])}")
                return message.get("return")

    def next_event(self) -> dict | None:
        """Wait for the next event (those that came during execute() first); None once QEMU
        has closed the connection, that is, once it has exited."""
        if self.events:
            return self.events.pop(0)
        while True:
            try:
                message = self._read_message()
            except VmError:
                return None
            if "event" in message:
                return message

    def execute_until_closed(self, command: str) -> None:
        """For `quit`: QEMU may close the socket before, or right after, it answers."""
        try:
            self.execute(command)
        except (VmError, OSError):
            pass

    def hmp(self, command_line: str) -> str:
        """A human monitor (HMP) command, the `(qemu)` prompt's language, through QMP."""
        return self.execute("human-monitor-command", {"command-line": command_line})

    def close(self) -> None:
        if self._reader:
            self._reader.close()
        if self._socket:
            self._socket.close()
        self._socket = self._reader = None

    def _send(self, message: dict) -> None:
        try:
            self._socket.sendall(json.dumps(message).encode() + b"\n")
        except OSError as error:
            raise VmError(f"QMP: sending to QEMU failed: {error.strerror or error}") from None

    def _read_message(self) -> dict:
        try:
            line = self._reader.readline()
        except TimeoutError:
            raise VmError(f"QMP: no answer from QEMU within {self.timeout:g} s") from None
        except OSError as error:
            raise VmError(f"QMP: QEMU closed the connection ({error.strerror or error}): "
                          "did it exit?") from None
        if not line:
            raise VmError("QMP: QEMU closed the connection: did it exit?")
        return json.loads(line)
