"""`vm console`: the guest's serial console in your terminal, and a way out of it.

QEMU's `-nographic` puts the console on QEMU's own stdin/stdout and multiplexes the monitor
on it: Ctrl-A x quits QEMU, Ctrl-A c switches to the `(qemu)` monitor. Closing that terminal
ends the guest. `vm` instead gives the console a socket (console.sock) and this module is a
small terminal client for it, so the guest outlives the client:

    Ctrl-]          detach: leave the console, the guest keeps running (like virsh/telnet)
    Ctrl-A x        quit QEMU (as with -nographic: the guest is stopped, not shut down)
    Ctrl-A c        one monitor command at a `(qemu)` prompt (an empty line returns)
    Ctrl-A Ctrl-A   send a Ctrl-A to the guest
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import termios
import time
import tty
from pathlib import Path

from pyshell.errors import VmError
from pyshell.vm.qmp import QmpClient

DETACH_KEY = b"\x1d"     # Ctrl-]
ESCAPE_KEY = b"\x01"     # Ctrl-A

HELP = ("Ctrl-] detaches (the guest keeps running), Ctrl-A x quits QEMU, "
        "Ctrl-A c runs a monitor command")


def connect(console_socket: Path, timeout: float = 10.0) -> socket.socket:
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(console_socket))
            return sock
        except OSError as error:
            sock.close()
            if time.monotonic() > deadline:
                raise VmError(f"cannot attach to the console: {error.strerror}") from None
            time.sleep(0.05)


def attach(sock: socket.socket, qmp_socket: Path, name: str) -> str:
    """Copy bytes both ways until the user detaches or QEMU exits; say which happened."""
    _say(f"[connected to the console of {name}; {HELP}]")
    terminal = _RawTerminal(0)
    escape_pending = False
    try:
        while True:
            readable, _, _ = select.select([0, sock], [], [])
            if sock in readable:
                data = sock.recv(65536)
                if not data:
                    return "qemu exited"
                _write_all(1, data)
            if 0 in readable:
                keys = os.read(0, 1024)
                if not keys:
                    return "detached"
                to_guest = bytearray()
                for key in (keys[i:i + 1] for i in range(len(keys))):
                    if escape_pending:
                        escape_pending = False
                        if key == b"x":
                            sock.sendall(bytes(to_guest))
                            with QmpClient(qmp_socket) as qmp:
                                qmp.execute_until_closed("quit")
                            return "quit"
                        if key == b"c":
                            sock.sendall(bytes(to_guest))
                            to_guest.clear()
                            with terminal.cooked():
                                _monitor_prompt(qmp_socket)
                            continue
                        to_guest += key if key == ESCAPE_KEY else ESCAPE_KEY + key
                    elif key == ESCAPE_KEY:
                        escape_pending = True
                    elif key == DETACH_KEY:
                        sock.sendall(bytes(to_guest))
                        return "detached"
                    else:
                        to_guest += key
                sock.sendall(bytes(to_guest))
    finally:
        terminal.restore()
        sock.close()


def _monitor_prompt(qmp_socket: Path) -> None:
    _say("[monitor: an empty line goes back to the console]")
    while True:
        os.write(1, b"(qemu) ")
        line = os.read(0, 4096).decode(errors="replace").strip()
        if not line or line == "\x01c":
            return
        try:
            with QmpClient(qmp_socket) as qmp:
                _write_all(1, qmp.hmp(line).replace("\r\n", "\n").encode())
        except VmError as error:
            _say(f"pysh: vm: {error}")


def _say(message: str) -> None:
    _write_all(2, f"{message}\r\n".encode())


def _write_all(fd: int, data: bytes) -> None:
    while data:
        written = os.write(fd, data)
        data = data[written:]


class _RawTerminal:
    """Raw mode on a terminal (each key goes to the guest at once, Ctrl-C included);
    nothing at all when stdin is a pipe."""

    def __init__(self, fd: int):
        self.fd = fd
        self.saved = termios.tcgetattr(fd) if os.isatty(fd) else None
        if self.saved:
            tty.setraw(fd)

    def restore(self) -> None:
        if self.saved:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)

    @contextlib.contextmanager
    def cooked(self):
        """Back to the normal line mode for a while (the monitor prompt edits lines)."""
        self.restore()
        try:
            yield
        finally:
            if self.saved:
                tty.setraw(self.fd)
