"""The port proxy: one process per container with published ports, however many ports.

The supervisor forks it once PID 1 runs. It holds the listening sockets that `contain run`
bound in the host's network namespace, then enters the container's network namespace: a
socket keeps the namespace it was made in, so it accepts on the host's side and connects on
the container's, to the container's own address (as docker-proxy connects to the container's
IP). That works the same as root (a veth on a bridge) and rootless (slirp4netns), where the
container's address cannot be reached from the host at all. A root container's ports are
forwarded by the kernel (firewall.py's DNAT), which answers first: there the proxy keeps the
ports reserved and serves only what the DNAT lacks.

TCP bytes move with splice(2): socket -> pipe -> socket inside the kernel, never copied into
Python (docker-proxy copies through user space, one process per port). UDP keeps one
connected socket per client address, forgotten after two idle minutes.
One epoll loop serves everything; it dies with the supervisor (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import errno
import os
import select
import socket
import time

CHUNK = 1 << 20
PIPE_SIZE = 1 << 20
F_SETPIPE_SZ = 1031
UDP_IDLE = 120.0
SPLICE_FLAGS = os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK


class _Pipes:
    """Empty pipes of ended connections, kept for the next ones: a short connection then costs
    no pipe2(2) (measured: making two pipes per connection divided connections/s by four)."""

    KEEP = 64

    def __init__(self):
        self.free: list[tuple[int, int, bool]] = []  # (read end, write end, enlarged)

    def take(self) -> tuple[int, int, bool]:
        if self.free:
            return self.free.pop()
        read_end, write_end = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        return read_end, write_end, False

    def give_back(self, read_end: int, write_end: int, enlarged: bool, empty: bool) -> None:
        if empty and len(self.free) < self.KEEP:
            self.free.append((read_end, write_end, enlarged))
        else:
            os.close(read_end)
            os.close(write_end)


IN = select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLHUP | select.EPOLLERR  # the source may read
OUT = select.EPOLLOUT | select.EPOLLHUP | select.EPOLLERR                   # the target may write
# A connection's sockets are registered edge-triggered: epoll says when a socket's state
# changes, so a short connection's registration never changes, and none is removed (close()
# does it). A direction therefore reads until EAGAIN (a short read cannot tell an empty socket
# from a full pipe) and remembers between edges whether its source is readable and its target
# writable. Two changes, only when a target says EAGAIN (full, or still connecting): the target
# is asked for EPOLLOUT from then on (asked from the start, every state change of a socket,
# its shutdown, an ACK, would wake the loop for nothing), and the source is not asked for
# EPOLLIN until the pipe is empty again (else each of its new packets wakes the loop for bytes
# that cannot move: measured, 1000 wakeups per GiB instead of 300, and 10% more CPU).
READ_EDGES = select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLET


class _Direction:
    """Bytes from ``source`` to ``target`` through a pipe of ours: splice(2) moves them from
    one socket into the pipe and from the pipe into the other, never through user space."""

    __slots__ = ("source", "target", "poll", "other", "read_end", "write_end", "enlarged", "pending", "ended",
                 "readable", "writable", "paused", "out_watched", "events")

    def __init__(self, source: socket.socket, target: socket.socket, pipes: _Pipes, poll: select.epoll):
        self.source, self.target, self.poll = source.fileno(), target.fileno(), poll
        self.other: _Direction | None = None  # the opposite direction: its target is our source
        self.read_end, self.write_end, self.enlarged = pipes.take()
        self.pending = 0      # bytes in the pipe, not yet written to the target
        self.ended = False    # the source said EOF
        self.readable = True  # no EAGAIN from the source since its last edge (try until one)
        self.writable = True  # likewise the target
        self.paused = False   # the target is full: the source's new bytes must wait
        self.out_watched = False  # the target said EAGAIN once: its EPOLLOUT is asked for
        self.events = READ_EDGES  # what the source socket is registered for

    def register_source(self) -> None:
        """The source's registration: its bytes unless paused, its room if the other direction waits for it."""
        events = select.EPOLLRDHUP | select.EPOLLET
        if not self.paused:
            events |= select.EPOLLIN
        if self.other.out_watched:
            events |= select.EPOLLOUT
        if events != self.events:
            self.events = events
            self.poll.modify(self.source, events)  # an edge already there is reported at once

    def _enlarge(self) -> None:
        """A bulk transfer (a full default pipe moved at once): 1 MiB per splice instead of 64 KiB."""
        self.enlarged = True
        try:
            import fcntl

            fcntl.fcntl(self.write_end, F_SETPIPE_SZ, PIPE_SIZE)
        except OSError:
            pass  # a smaller pipe only costs more system calls

    def pump(self) -> bool:
        """Move what can move until the source or the target says EAGAIN; True once the source
        said EOF (the caller shuts the target down). Raises OSError on a broken connection.
        A connection still being made says EAGAIN too, and its error (refused) comes here."""
        while True:
            if self.pending:
                if not self.writable:
                    return False
                try:
                    self.pending -= os.splice(self.read_end, self.target, self.pending, flags=SPLICE_FLAGS)
                except BlockingIOError:
                    self.writable = False  # the target is full (or not connected yet): wait for its edge
                    if not self.paused:
                        self.paused = self.out_watched = True
                        self.register_source()
                        self.other.register_source()  # the target's registration
                    return False
                if self.pending:
                    continue
                if self.paused:
                    self.paused = False
                    self.register_source()
            if self.ended or not self.readable:
                return False
            try:
                moved = os.splice(self.source, self.write_end, CHUNK, flags=SPLICE_FLAGS)
            except BlockingIOError:
                self.readable = False
                return False
            if moved == 0:
                self.ended = True
                return True
            if moved >= 65536 and not self.enlarged:
                self._enlarge()
            self.pending = moved

    def done(self) -> bool:
        return self.ended and not self.pending

    def close(self, pipes: _Pipes) -> None:
        pipes.give_back(self.read_end, self.write_end, self.enlarged, empty=not self.pending)


class _Connection:
    """A client and the socket to the container; ``outward`` carries the container's bytes."""

    __slots__ = ("client", "upstream", "inward", "outward")

    def __init__(self, client: socket.socket, upstream: socket.socket, pipes: _Pipes, poll: select.epoll):
        self.client, self.upstream = client, upstream
        self.inward = _Direction(client, upstream, pipes, poll)
        self.outward = _Direction(upstream, client, pipes, poll)
        self.inward.other, self.outward.other = self.outward, self.inward

    def close(self, pipes: _Pipes, reset: bool = False) -> None:
        self.inward.close(pipes)
        self.outward.close(pipes)
        for sock in (self.client, self.upstream):
            if reset:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                except OSError:
                    pass
            sock.close()  # also leaves the epoll set


class Proxy:
    """The event loop. ``listeners``: (socket, container port); ``target``: the container's address."""

    def __init__(self, listeners, target: str):
        self.target = target
        self.poll = select.epoll()
        self.listeners = {}   # fd -> (socket, container port)
        self.connections = {}  # fd of either socket -> _Connection
        self.udp_flows = {}   # (listener fd, client address) -> [upstream socket, last use]
        self.udp_upstreams = {}  # upstream fd -> (listener socket, client address)
        self.pipes = _Pipes()
        for sock, port in listeners:
            sock.setblocking(False)
            self.listeners[sock.fileno()] = (sock, port)
            self.poll.register(sock.fileno(), select.EPOLLIN)

    def run(self) -> None:
        while True:
            for fd, events in self.poll.poll(30.0 if self.udp_flows else -1):
                if fd in self.connections:
                    self._service(self.connections[fd], fd, events)
                elif fd in self.listeners:
                    sock, port = self.listeners[fd]
                    if sock.type == socket.SOCK_STREAM:
                        self._accept(sock, port)
                    else:
                        self._udp_from_client(sock, port)
                elif fd in self.udp_upstreams:
                    self._udp_from_container(fd)
            if self.udp_flows:
                self._expire_udp()

    # -- TCP

    def _accept(self, listener: socket.socket, port: int) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # ECONNABORTED and the like: that client went
            client.setblocking(False)
            upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
            connection = _Connection(client, upstream, self.pipes, self.poll)
            error = upstream.connect_ex((self.target, port))
            if error not in (0, errno.EINPROGRESS):
                self._end(connection, reset=True)
                continue
            for sock in (client, upstream):
                self.connections[sock.fileno()] = connection
                self.poll.register(sock.fileno(), READ_EDGES)
            # The target is an address of the proxy's own namespace: the handshake is usually
            # done by now, and the client's first bytes often here: move them without a round
            # through epoll. Not connected yet: the upstream says EAGAIN, and its edge comes.
            # Refused: the first splice says so (ECONNREFUSED), and the client gets a reset.
            self._service(connection, client.fileno(), select.EPOLLIN)

    def _service(self, connection: _Connection, fd: int, events: int) -> None:
        """An edge on ``fd``: pump the directions it concerns (its source readable, its target writable)."""
        inward, outward = connection.inward, connection.outward
        try:
            for direction, target, other in ((inward, connection.upstream, outward),
                                             (outward, connection.client, inward)):
                woken = False
                if direction.source == fd and events & IN:
                    direction.readable = woken = True
                if direction.target == fd and events & OUT:
                    direction.writable = woken = True
                if woken and direction.pump() and not other.done():
                    target.shutdown(socket.SHUT_WR)  # pass the EOF on (both ended: close() sends it)
        except OSError:
            self._end(connection, reset=True)
            return
        if connection.inward.done() and connection.outward.done():
            self._end(connection)

    def _end(self, connection: _Connection, reset: bool = False) -> None:
        for sock in (connection.client, connection.upstream):
            self.connections.pop(sock.fileno(), None)
        connection.close(self.pipes, reset)

    # -- UDP

    def _udp_from_client(self, listener: socket.socket, port: int) -> None:
        while True:
            try:
                data, client = listener.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            key = (listener.fileno(), client)
            flow = self.udp_flows.get(key)
            if flow is None:
                upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                upstream.setblocking(False)
                upstream.connect((self.target, port))
                flow = self.udp_flows[key] = [upstream, 0.0]
                self.udp_upstreams[upstream.fileno()] = (listener, client)
                self.poll.register(upstream.fileno(), select.EPOLLIN)
            flow[1] = time.monotonic()
            try:
                flow[0].send(data)
            except OSError:
                pass  # ECONNREFUSED from an earlier datagram: UDP loses it, as the network would

    def _udp_from_container(self, fd: int) -> None:
        listener, client = self.udp_upstreams[fd]
        upstream = self.udp_flows[(listener.fileno(), client)][0]
        while True:
            try:
                data = upstream.recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue  # an ICMP error queued on the socket: read past it
            try:
                listener.sendto(data, client)
            except OSError:
                pass

    def _expire_udp(self) -> None:
        now = time.monotonic()
        for key, (upstream, last) in list(self.udp_flows.items()):
            if now - last > UDP_IDLE:
                self.poll.unregister(upstream.fileno())
                del self.udp_upstreams[upstream.fileno()]
                del self.udp_flows[key]
                upstream.close()


BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
        "from pyshell.contain.network.proxy import main; main(sys.argv[2:])")


def spawn(listeners, target: str, package_root: str) -> tuple[int, int]:
    """Start the proxy; returns (its pid, the write end of its release pipe).

    Called by the supervisor *before* it unshares the PID namespace: a child forked after that
    would be a process of the container's namespace, which PID 1's exit could not finish
    without (the kernel waits for every process of the namespace to be reaped). The proxy is
    a fresh, bare Python (it does not keep the shell's memory), dies with the supervisor
    (PR_SET_PDEATHSIG), and waits until the supervisor writes PID 1's pid on the pipe.
    ``listeners``: (socket fd, container port)."""
    import sys

    release_r, release_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            from pyshell.contain.kernel import syscalls

            syscalls.prctl(syscalls.PR_SET_PDEATHSIG, 9)
            devnull = os.open("/dev/null", os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            keep = [release_r, *(fd for fd, _ in listeners)]
            for fd in keep:
                os.set_inheritable(fd, True)
            spec = ",".join(f"{fd}:{port}" for fd, port in listeners)
            os.execv(sys.executable, [sys.executable, "-I", "-S", "-c", BOOT, package_root,
                                      f"release={release_r}", f"listen={spec}", f"target={target}"])
        finally:
            os._exit(127)
    os.close(release_r)
    return pid, release_w


def release(release_w: int, container_pid: int) -> None:
    """The supervisor: PID 1 runs, its network namespace is there: the proxy may enter it."""
    try:
        os.write(release_w, f"{container_pid}\n".encode())
    except OSError:
        pass  # the proxy died: the ports stop answering, the container runs on
    os.close(release_w)


def main(argv: list[str]) -> None:
    options = dict(word.split("=", 1) for word in argv)
    release_fd = int(options["release"])
    data = b""
    while not data.endswith(b"\n") and (chunk := os.read(release_fd, 32)):
        data += chunk
    os.close(release_fd)
    if not data.strip().isdigit():
        os._exit(0)  # the start failed: nothing to serve
    from pyshell.contain.kernel import syscalls

    netns = os.open(f"/proc/{int(data)}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    syscalls.setns(netns, syscalls.CLONE_NEWNET)
    os.close(netns)
    sockets = []
    for item in options["listen"].split(","):
        fd, port = (int(n) for n in item.split(":"))
        sockets.append((socket.socket(fileno=fd), port))
    Proxy(sockets, options["target"]).run()
