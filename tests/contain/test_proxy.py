"""The port proxy (network/proxy.py) on its own: a real Proxy in a child process, listening on
127.0.0.1 and forwarding to servers on 127.0.0.2 (the session's own network namespace, see
tests/netns.py): what it must keep through any change for speed — half-close, resets both
ways, a refused container port, bulk bytes intact, connections at once, UDP."""

from __future__ import annotations

import hashlib
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGET = "127.0.0.2"
RUN_PROXY = ("import socket, sys; sys.path.insert(0, sys.argv[1])\n"
             "from pyshell.contain.network.proxy import Proxy\n"
             "listeners = [(socket.socket(fileno=int(fd)), int(port)) for fd, port in (a.split(':') for a in sys.argv[2:])]\n"
             "Proxy(listeners, '127.0.0.2').run()\n")


@pytest.fixture
def proxy():
    """start(tcp=[container port...], udp=[...]) -> {container port: host address}."""
    started = []

    def start(tcp=(), udp=()):
        sockets, addresses = [], {}
        for kind, ports in ((socket.SOCK_STREAM, tcp), (socket.SOCK_DGRAM, udp)):
            for port in ports:
                sock = socket.socket(socket.AF_INET, kind)
                sock.bind(("127.0.0.1", 0))
                if kind == socket.SOCK_STREAM:
                    sock.listen(64)
                sockets.append((sock, port))
                addresses[port] = sock.getsockname()
        child = subprocess.Popen([sys.executable, "-c", RUN_PROXY, str(ROOT),
                                  *(f"{sock.fileno()}:{port}" for sock, port in sockets)],
                                 pass_fds=[sock.fileno() for sock, _ in sockets])
        for sock, _ in sockets:
            sock.close()
        started.append(child)
        return addresses

    yield start
    for child in started:
        child.kill()
        child.wait()


class _Server:
    """A TCP server on TARGET:port handling each connection in a thread with ``handle(conn)``.
    close() stops it, and every socket it made is closed by then or by its handler's end: none
    is left for the garbage collector to close later, in the middle of another test (the fd
    checks of tests/runtime/test_spawn_and_fds.py saw one go)."""

    def __init__(self, port: int, handle):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((TARGET, port))
        self.listener.listen(64)
        self.thread = threading.Thread(target=self._serve, args=(handle,), daemon=True)
        self.thread.start()

    def _serve(self, handle) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(handle, conn), daemon=True).start()

    @staticmethod
    def _handle(handle, conn: socket.socket) -> None:
        with conn:
            handle(conn)

    def close(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept (a close alone would not)
        except OSError:
            pass
        self.thread.join(5)
        self.listener.close()


def _server(port: int, handle) -> _Server:
    return _Server(port, handle)


def _connect(address, timeout: float = 5.0) -> socket.socket:
    sock = socket.create_connection(address, timeout=timeout)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def test_half_close_both_ways(proxy):
    """The client shuts down its side: the server gets EOF, answers after it, and closes."""
    def reverse_after_eof(conn):
        data = _read_all(conn)
        conn.sendall(data[::-1])
        conn.close()

    server = _server(7101, reverse_after_eof)
    address = proxy(tcp=[7101])[7101]
    try:
        sock = _connect(address)
        sock.sendall(b"hello")
        sock.shutdown(socket.SHUT_WR)
        assert _read_all(sock) == b"olleh"
        sock.close()
    finally:
        server.close()


def test_server_half_close_keeps_the_client_side_open(proxy):
    """The server shuts down its side first and reads on: the client's later bytes still arrive."""
    got = []

    def speak_first(conn):
        conn.sendall(b"banner")
        conn.shutdown(socket.SHUT_WR)
        got.append(_read_all(conn))
        conn.close()

    server = _server(7102, speak_first)
    address = proxy(tcp=[7102])[7102]
    try:
        sock = _connect(address)
        assert _read_all(sock) == b"banner"
        time.sleep(0.05)
        sock.sendall(b"late words")
        sock.close()
        deadline = time.time() + 5
        while not got and time.time() < deadline:
            time.sleep(0.01)
        assert got == [b"late words"]
    finally:
        server.close()


def _reset(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_server_reset_reaches_the_client(proxy):
    def reset_at_once(conn):
        conn.recv(10)
        _reset(conn)

    server = _server(7103, reset_at_once)
    address = proxy(tcp=[7103])[7103]
    try:
        with _connect(address) as sock:
            sock.sendall(b"x")
            with pytest.raises(ConnectionResetError):
                sock.recv(10)
                sock.recv(10)  # a FIN would give b"" here, never an error
    finally:
        server.close()


def test_client_reset_reaches_the_server(proxy):
    seen = []

    def wait_for_reset(conn):
        conn.sendall(b"ready")
        try:
            seen.append(conn.recv(10))
        except ConnectionResetError:
            seen.append("reset")

    server = _server(7104, wait_for_reset)
    address = proxy(tcp=[7104])[7104]
    try:
        sock = _connect(address)
        assert sock.recv(5) == b"ready"
        _reset(sock)
        deadline = time.time() + 5
        while not seen and time.time() < deadline:
            time.sleep(0.01)
        assert seen == ["reset"]
    finally:
        server.close()


def test_nothing_listening_in_the_container_resets_the_client(proxy):
    address = proxy(tcp=[7105])[7105]
    with _connect(address) as sock:
        with pytest.raises(ConnectionResetError):
            sock.recv(10)
            sock.recv(10)


def test_bulk_bytes_arrive_intact_both_ways(proxy):
    """Megabytes each way at once (the pipes grow, the targets fill): the digest of each side."""
    def digest_and_send(conn):
        conn.settimeout(20)
        sender = threading.Thread(target=conn.sendall, args=(payload_out,))
        sender.start()
        received = _read_all(conn)
        sender.join()
        conn.sendall(hashlib.sha256(received).digest())
        conn.close()

    payload_in, payload_out = os.urandom(24 << 20), os.urandom(24 << 20)
    server = _server(7106, digest_and_send)
    address = proxy(tcp=[7106])[7106]
    try:
        with _connect(address, timeout=20) as sock:
            sender = threading.Thread(target=lambda: (sock.sendall(payload_in), sock.shutdown(socket.SHUT_WR)))
            sender.start()
            received = _read_all(sock)
            sender.join()
        assert received[:len(payload_out)] == payload_out
        assert received[len(payload_out):] == hashlib.sha256(payload_in).digest()
    finally:
        server.close()


def test_many_connections_at_once_and_many_ports(proxy):
    def echo_port(port):
        def echo(conn):
            conn.sendall(f"{port}:".encode() + _read_all(conn))
            conn.close()
        return echo

    servers = [_server(port, echo_port(port)) for port in (7107, 7108)]
    addresses = proxy(tcp=[7107, 7108])
    try:
        socks = [(port, _connect(addresses[port])) for port in (7107, 7108) for _ in range(50)]
        for n, (_, sock) in enumerate(socks):
            sock.sendall(str(n).encode())
            sock.shutdown(socket.SHUT_WR)
        for n, (port, sock) in enumerate(socks):
            assert _read_all(sock) == f"{port}:{n}".encode()
            sock.close()
    finally:
        for server in servers:
            server.close()


def test_udp_answers_come_back_to_each_client(proxy):
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind((TARGET, 7109))

    def echo():
        while True:
            try:
                data, peer = server.recvfrom(100)
            except OSError:
                return
            server.sendto(b"got " + data, peer)

    threading.Thread(target=echo, daemon=True).start()
    address = proxy(udp=[7109])[7109]
    try:
        clients = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
        for n, client in enumerate(clients):
            client.settimeout(5)
            client.sendto(f"client {n}".encode(), address)
        assert [client.recv(100) for client in clients] == [b"got client 0", b"got client 1"]
        for client in clients:
            client.close()
    finally:
        server.close()
