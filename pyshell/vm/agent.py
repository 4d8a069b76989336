"""The host side of `vm exec` for the tiny guest.

The guest's second serial port (ttyS1) is a Unix socket on the host (agent.sock). In the
guest, /sbin/pysh-agent reads one request per line there and answers (see tinyguest.AGENT):

    host  -> guest   ping ID         exec ID BASE64-OF-A-SHELL-SCRIPT
    guest -> host    pong ID         out ID, base64 lines, err ID, base64 lines, status ID N

Each request has a fresh ID, and the host ignores every line that does not carry it: a serial
line keeps old bytes (an answer nobody read, the echo of the tty before the agent set it raw).
"""

from __future__ import annotations

import base64
import fcntl
import os
import shlex
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from pyshell.errors import VmError


@dataclass(frozen=True)
class ExecResult:
    status: int
    stdout: bytes
    stderr: bytes


def wait_ready(agent_socket: Path, timeout: float, still_running) -> float:
    """Ping the agent until it answers; return the seconds waited. `still_running()` is
    checked between tries so a guest that dies during boot fails at once."""
    start = time.monotonic()
    deadline = start + timeout
    while time.monotonic() < deadline:
        if not still_running():
            raise VmError("the guest stopped while booting")
        try:
            with _connect(agent_socket, timeout=1.0) as channel:
                if _handshake(channel, deadline, still_running):
                    return time.monotonic() - start
        except OSError:
            time.sleep(0.1)   # QEMU has not created the socket yet, or is between clients
    raise VmError(f"the guest was not ready after {timeout:g} s")


def _handshake(channel, deadline: float, still_running=lambda: True) -> bool:
    """Ping every half second until one of our pings is answered. A ping costs the guest no
    fork (read, case and echo are shell builtins); a request sent before the agent opened
    its port could be lost, a ping just gets repeated."""
    sent = set()
    while time.monotonic() < deadline and still_running():
        request_id = _new_id()
        sent.add(f"pong {request_id}")
        channel.send(f"\nping {request_id}\n".encode())
        answer_by = min(deadline, time.monotonic() + 0.5)
        while (line := channel.read_line(answer_by)) is not None:
            if line in sent:
                return True
    return False


def run(agent_socket: Path, lock_path: Path, argv: list[str], timeout: float) -> ExecResult:
    """Run ARGV in the guest (through `sh`, each word quoted) and return what it printed."""
    script = shlex.join(argv) + "\n"
    request_id = _new_id()
    payload = base64.b64encode(script.encode()).decode()
    deadline = time.monotonic() + timeout
    # One command at a time per guest: the agent serves the line sequentially.
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            channel = _connect(agent_socket, timeout=timeout)
        except OSError as error:
            raise VmError(f"cannot reach the guest agent: {error.strerror}") from None
        with channel:
            if not _handshake(channel, deadline):
                raise VmError(f"the guest agent did not answer within {timeout:g} s")
            channel.send(f"\nexec {request_id} {payload}\n".encode())
            return _collect(channel, request_id, deadline)


def _collect(channel, request_id: str, deadline: float) -> ExecResult:
    """Read `out ID`, its base64 lines, `err ID`, its lines, then `status ID N`."""
    output = {"out": [], "err": []}
    section = None          # None until our own `out ID` line: older lines are skipped
    while True:
        line = channel.read_line(deadline)
        if line is None:
            raise VmError("no answer from the guest in time (the command may still run there)")
        words = line.split(" ")
        if len(words) >= 2 and words[1] == request_id:
            if words[0] in output:
                section = output[words[0]]
            elif words[0] == "status" and len(words) == 3:
                return ExecResult(status=int(words[2]), stdout=_decode(output["out"]),
                                  stderr=_decode(output["err"]))
        elif section is not None:
            section.append(line)


def _decode(lines: list[str]) -> bytes:
    return base64.b64decode("".join(lines))


def _new_id() -> str:
    return f"{os.getpid()}-{time.monotonic_ns()}"


class LineChannel:
    """A line reader over a guest channel's socket, with deadlines (also used by guestagent.py)."""

    def __init__(self, sock: socket.socket):
        self._socket = sock
        self._buffer = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._socket.close()

    def send(self, data: bytes) -> None:
        self._socket.sendall(data)

    def read_raw_line(self, deadline: float) -> bytes | None:
        """The next line without its newline, or None if none came before ``deadline``."""
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._socket.settimeout(remaining)
            try:
                chunk = self._socket.recv(65536)
            except TimeoutError:
                return None
            if not chunk:
                raise VmError("the guest agent's channel closed (did the guest stop?)")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def read_line(self, deadline: float) -> str | None:
        line = self.read_raw_line(deadline)
        return None if line is None else line.decode(errors="replace").strip("\r\0")


def _connect(path: Path, timeout: float) -> LineChannel:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        raise
    return LineChannel(sock)
