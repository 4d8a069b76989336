"""The user's side of a container terminal: raw mode, copying bytes, Ctrl-P Ctrl-Q.

Two clients:
* ``attach(container)``: talks to the supervisor's attach socket (`run -ti`, `attach`).
  Output arrives in frames (protocol.py); keystrokes go out raw. Ctrl-P Ctrl-Q detaches.
* ``relay_pty(master)``: `exec -ti`, where this process holds the pty master itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import termios
import tty

from pyshell.contain.kernel.osio import write_all
from pyshell.contain.runtime import protocol

DETACH_KEYS = b"\x10\x11"  # Ctrl-P Ctrl-Q, as in Docker


@contextlib.contextmanager
def raw_terminal(fd: int = 0):
    """Put the user's terminal in raw mode (keys go to the container as typed), restore it after."""
    if not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    tty.setraw(fd, termios.TCSANOW)  # not the default TCSAFLUSH, which would drop typed-ahead keys
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def window_size(fd: int = 0) -> tuple[int, int]:
    try:
        rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
        return rows, cols
    except OSError:
        return 24, 80


def attach(container, send_input: bool = True) -> int | None:
    """Connect fds 0/1 to a container's terminal until it exits (its status) or the user detaches (None)."""
    client = protocol.connect_attach(container.dir)
    client.sendall(protocol.attach_request(*window_size(0)))

    def resize(signum, frame):
        with contextlib.suppress(OSError):
            other = protocol.connect_attach(container.dir)
            other.sendall(protocol.resize_request(*window_size(0)))
            other.close()

    previous = signal.signal(signal.SIGWINCH, resize)
    pending = b""       # bytes of a frame not complete yet
    held = b""          # a Ctrl-P waiting to see if Ctrl-Q follows
    stdin_open = send_input
    try:
        with raw_terminal(0) if send_input else contextlib.nullcontext():
            while True:
                sources = [client] + ([0] if stdin_open else [])
                try:
                    ready, _, _ = select.select(sources, [], [])
                except InterruptedError:
                    continue
                if 0 in ready:
                    data = os.read(0, 4096)
                    if not data:
                        stdin_open = False
                        continue
                    data, held, detached = _scan_detach(held + data)
                    if data:
                        client.sendall(data)
                    if detached:
                        os.write(2, b"read escape sequence\r\n")
                        return None
                if client in ready:
                    chunk = client.recv(65536)
                    if not chunk:
                        return 255  # the supervisor went away without telling the status
                    frames, pending = protocol.split_frames(pending + chunk)
                    for kind, payload in frames:
                        if kind == protocol.FRAME_OUTPUT:
                            write_all(1, payload)
                        elif kind == protocol.FRAME_EXIT:
                            return int(payload)
    finally:
        signal.signal(signal.SIGWINCH, previous)
        client.close()


def _scan_detach(data: bytes) -> tuple[bytes, bytes, bool]:
    """Split typed bytes into (to send, to hold back, detach?) for the Ctrl-P Ctrl-Q sequence."""
    index = data.find(DETACH_KEYS)
    if index >= 0:
        return data[:index], b"", True
    if data.endswith(DETACH_KEYS[:1]):
        return data[:-1], data[-1:], False
    return data, b"", False


def relay_pty(master: int) -> None:
    """Copy fd 0 -> master and master -> fd 1 until the other side of the pty is closed."""

    def resize(signum, frame):
        with contextlib.suppress(OSError):
            fcntl.ioctl(master, termios.TIOCSWINSZ, fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8))

    previous = signal.signal(signal.SIGWINCH, resize)
    try:
        _relay_pty(master)
    finally:
        signal.signal(signal.SIGWINCH, previous)


def _relay_pty(master: int) -> None:
    stdin_open = True
    with raw_terminal(0):
        while True:
            sources = [master] + ([0] if stdin_open else [])
            try:
                ready, _, _ = select.select(sources, [], [])
            except InterruptedError:
                continue
            if 0 in ready:
                data = os.read(0, 4096)
                if data:
                    write_all(master, data)
                else:
                    stdin_open = False
            if master in ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    return  # EIO: every process holding the slave has exited
                if not data:
                    return
                write_all(1, data)
