"""Rootless networking: slirp4netns, a user-space TCP/IP stack (podman's choice too).

An ordinary user cannot make a veth into the host's namespace. slirp4netns instead opens a
tap device (tap0) inside the container's namespace and carries its packets out through
ordinary sockets of the user: the container gets 10.0.2.100/24, a gateway 10.0.2.2 and a
DNS forwarder 10.0.2.3, and reaches what the user can reach (`--disable-host-loopback`: not
the host's 127.0.0.1). Published ports work as root's do: the proxy accepts on the host and
connects inside.

The supervisor forks it *before* unsharing the PID namespace (a child forked after would be
a process of the container's namespace, and PID 1's exit would wait for it), so it first
waits on a pipe for PID 1's pid, then exec's slirp4netns on that namespace. It stops when
the supervisor's end of its exit pipe closes: the supervisor exits, or is killed.
"""

from __future__ import annotations

import os
import select

from pyshell.errors import ContainerError

READY_TIMEOUT = 10.0


def require_tun() -> None:
    """slirp4netns opens /dev/net/tun inside the container's namespaces, as this user. Debian's
    udev makes it 0666; a machine without udev keeps the kernel's 0600 (root only)."""
    if os.geteuid() != 0 and not os.access("/dev/net/tun", os.R_OK | os.W_OK):
        mode = _mode_of("/dev/net/tun")
        raise ContainerError(f"rootless networking needs /dev/net/tun readable and writable by you (it is {mode}; "
                             "Debian's udev makes it 0666): use --network none, or as root: chmod 0666 /dev/net/tun",
                             125)


def _mode_of(path: str) -> str:
    try:
        return f"mode {os.stat(path).st_mode & 0o777:04o}"
    except OSError:
        return "missing"


class Slirp:
    def __init__(self):
        go_r, self.go_w = os.pipe()
        exit_r, self.exit_w = os.pipe()
        self.ready_r, ready_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            try:
                os.close(self.go_w)
                data = b""
                while not data.endswith(b"\n") and (chunk := os.read(go_r, 32)):
                    data += chunk
                if not data.strip().isdigit():
                    os._exit(0)  # PID 1 failed: nothing to do
                devnull = os.open("/dev/null", os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(devnull, fd)
                os.set_inheritable(exit_r, True)
                os.set_inheritable(ready_w, True)
                os.execvp("slirp4netns", ["slirp4netns", "--configure", "--mtu=65520", "--disable-host-loopback",
                                          f"--exit-fd={exit_r}", f"--ready-fd={ready_w}", "--netns-type=path",
                                          f"/proc/{int(data)}/ns/net", "tap0"])
            finally:
                os._exit(127)
        for fd in (go_r, exit_r, ready_w):
            os.close(fd)

    def start(self, container_pid: int) -> None:
        """PID 1 has its namespace: configure it; returns once slirp4netns says it is done."""
        os.write(self.go_w, f"{container_pid}\n".encode())
        os.close(self.go_w)
        self.go_w = None
        try:
            ready, _, _ = select.select([self.ready_r], [], [], READY_TIMEOUT)
            answer = os.read(self.ready_r, 1) if ready else b""
        finally:
            os.close(self.ready_r)
        if answer != b"1":
            os.close(self.exit_w)
            _, status = os.waitpid(self.pid, 0)
            if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 127:
                raise ContainerError("rootless networking needs slirp4netns (Debian package slirp4netns); "
                                     "or use --network none", 125)
            raise ContainerError("slirp4netns could not configure the container's network", 125)

    def abandon(self) -> None:
        """PID 1 failed before it had a namespace: the waiting child just exits."""
        if self.go_w is not None:
            os.close(self.go_w)
        os.close(self.ready_r)
        os.close(self.exit_w)
        os.waitpid(self.pid, 0)


def stop_slirp(pid: int, exit_fd: int) -> None:
    try:
        os.close(exit_fd)
    except OSError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
