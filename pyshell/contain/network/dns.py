"""The name server of user-defined networks: containers find each other by name and alias.

/etc/hosts cannot do it: it is written when a container starts, so it goes stale when another
one restarts with a new address or is recreated (moby#12067, #15811). Docker answers from
its daemon at 127.0.0.11 inside each container; podman runs aardvark-dns on each network's
gateway. We do as podman: one server process per network namespace, answering on the
gateway address (port 53) of every user-defined network there, and every container's
/etc/resolv.conf names the gateway of its first user network (attach.py).

Its data is the networks' lease files (ipam.py): each says a container's address, id, name and
aliases, so there is nothing else to keep in step. The server reads them again when a lease
directory's mtime changes (a lease made or given back), so an answer is never older than the
leases; answers have TTL 0 (as aardvark-dns), so no resolver keeps an old address either.

Who asks decides what is answered, as Docker's resolver answers for the networks of the
container it serves: the query's source address is the asking container's address on one of
its networks, its lease there names the container, and the container's leases on the other
networks say which networks it is on. The names of all of them answer (the network the query
came in on first, when a name is on several); no other network's. So a container on `front`
and `back` finds both sides, one on `back` alone never learns a name of `front`, and a
sender with no lease (the host, a container of the default bridge) gets no container names.
Several containers with one alias (compose's replicas of a service) all answer: every
address, rotated at each query (round robin). Names the networks do not know go to the
host's name servers (/etc/resolv.conf), and their answer comes back as it is, unless every
network of the asker is internal.

Life: the server starts with a user network's bridge (`network create`, or the first container
of a namespace that lacks the bridge), so its Python boots (~20 ms) while the first containers
are made rather than while the first one waits for it; a container's start makes sure it runs
and answers on its network (under the namespace's lock, holding dns.lock for it, so there is
never a second). It exits once no user network has a lease, also under that lock, but never in
its first second: a network just made has no container yet.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import socket
import struct
import time

from pyshell.contain.network import ipam

TICK = 1.0             # seconds between looks at the networks and the leases
FORWARD_TIMEOUT = 3.0
SETTLED_NS = 100_000_000  # a read this long after a lease directory's last change saw it all
READY_TIMEOUT = 5.0
TYPE_A, TYPE_AAAA, CLASS_IN = 1, 28, 1
RCODE_SERVFAIL, RCODE_NXDOMAIN = 2, 3
BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
        "from pyshell.contain.network.dns import main; main(sys.argv[2])")
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


# --------------------------------------------------------------------------- starting it


def start_server(runtime: str, network) -> None:
    """Start the namespace's server if none runs, or have the one that runs answer on
    ``network``'s gateway too; without waiting for it."""
    ready = f"{runtime}/{network.bridge}/dns.ready"
    with ipam.locked(runtime):
        lock_fd = os.open(f"{runtime}/dns.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _spawn(runtime, lock_fd)  # nobody held it: no server; the new one inherits our lock
        except BlockingIOError:
            if not os.path.exists(ready):
                _signal_server(runtime)  # a new network: bind its gateway now
        finally:
            os.close(lock_fd)


def ensure_server(runtime: str, network) -> None:
    """Make sure the namespace's server runs and answers on ``network``'s gateway."""
    ready = f"{runtime}/{network.bridge}/dns.ready"
    start_server(runtime, network)  # also when dns.ready is there: a server killed left it
    deadline = time.monotonic() + READY_TIMEOUT
    while not os.path.exists(ready):
        if time.monotonic() > deadline:
            from pyshell.errors import ContainerError

            raise ContainerError(f"the name server of network {network.name} did not start "
                                 f"(see {runtime}/dns.log)", 125)
        time.sleep(0.002)


def _spawn(runtime: str, lock_fd: int) -> None:
    import sys

    middle = os.fork()
    if middle == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                log = os.open(f"{runtime}/dns.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
                devnull = os.open("/dev/null", os.O_RDONLY)
                os.dup2(devnull, 0)
                os.dup2(log, 1)
                os.dup2(log, 2)
                os.dup2(lock_fd, 3)  # fd 3: dns.lock, locked; held for the server's life
                os.closerange(4, 65536)
                os.execv(sys.executable, [sys.executable, "-I", "-S", "-c", BOOT, PACKAGE_ROOT, runtime])
        finally:
            os._exit(0)
    os.waitpid(middle, 0)


def _signal_server(runtime: str) -> None:
    try:
        with open(f"{runtime}/dns.pid") as file:
            os.kill(int(file.read().split()[0]), signal.SIGHUP)
    except (OSError, ValueError):
        pass


# --------------------------------------------------------------------------- DNS messages


def parse_question(packet: bytes) -> tuple[str, int, int, int] | None:
    """(name in lower case, qtype, qclass, offset after the question) of a query, or None."""
    if len(packet) < 12:
        return None
    flags, count = struct.unpack_from("!HH", packet, 2)
    if flags & 0x8000 or count < 1:
        return None  # a response, or no question
    labels, offset = [], 12
    while True:
        if offset >= len(packet):
            return None
        length = packet[offset]
        offset += 1
        if length == 0:
            break
        if length & 0xC0 or offset + length > len(packet):
            return None  # no compression in a question we accept
        labels.append(packet[offset:offset + length].decode("ascii", "replace").lower())
        offset += length
    if offset + 4 > len(packet):
        return None
    qtype, qclass = struct.unpack_from("!HH", packet, offset)
    return ".".join(labels), qtype, qclass, offset + 4


def answer(query: bytes, question_end: int, addresses: list[str], rcode: int = 0) -> bytes:
    """A response to ``query``: its id and question, then an A record per address (TTL 0)."""
    query_id, flags = struct.unpack_from("!HH", query, 0)
    flags = 0x8000 | (flags & 0x7900) | 0x0400 | 0x0080 | rcode  # QR, opcode+RD kept, AA, RA
    header = struct.pack("!HHHHHH", query_id, flags, 1, len(addresses), 0, 0)
    records = b"".join(struct.pack("!HHHIH", 0xC00C, TYPE_A, CLASS_IN, 0, 4) + socket.inet_aton(a)
                       for a in addresses)
    return header + query[12:question_end] + records


# --------------------------------------------------------------------------- the server


class Table:
    """One network's leases, as the server asks them: names to addresses, addresses to containers."""

    def __init__(self, leases: dict[str, dict]):
        self.addresses: dict[str, list[str]] = {}  # name or alias (lower case) -> addresses
        self.holder: dict[str, str] = {}           # address -> the id of the container holding it
        for address, lease in sorted(leases.items()):
            self.holder[address] = lease.get("container", "")
            for alias in lease.get("aliases") or [lease.get("name", "")]:
                if alias:
                    self.addresses.setdefault(alias.lower(), []).append(address)
        self.containers = set(self.holder.values())


class Server:
    def __init__(self, runtime: str):
        self.runtime = runtime
        self.sockets = {}      # bridge -> socket on its gateway
        self.networks = {}     # bridge -> network.json
        self.tables = {}       # bridge -> (mtime of its lease directory, when it was read, Table)
        self.turn = 0          # round robin
        self.pending = {}      # upstream socket -> (listening socket, client, deadline)
        self.upstreams = _upstream_servers()
        self.rescan_wanted = True

    def rescan(self) -> None:
        """Bind the gateways of new user networks, drop those of removed ones."""
        self.rescan_wanted = False
        current = {n["bridge"]: n for n in ipam.realised(self.runtime) if n.get("dns")}
        for bridge in list(self.sockets):
            if bridge not in current:
                self.sockets.pop(bridge).close()
                self.networks.pop(bridge, None)
                self.tables.pop(bridge, None)
        for bridge, network in current.items():
            if bridge in self.sockets:
                continue
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.bind((network["gateway"], 53))
            except OSError as error:
                print(f"pysh dns: cannot answer on {network['gateway']}:53: {error}", flush=True)
                sock.close()
                continue
            sock.setblocking(False)
            self.sockets[bridge] = sock
            self.networks[bridge] = network
            with open(f"{self.runtime}/{bridge}/dns.ready", "w"):
                pass

    def table(self, bridge: str) -> Table:
        """The network's leases as they are now: read again when its lease directory changed.
        A file's times may tick coarsely (a jiffy, up to 10 ms, before Linux 6.13's multigrain
        timestamps): a lease made in the tick of our read would leave the mtime as it was, so a
        read that near the last change is not trusted later."""
        directory = f"{self.runtime}/{bridge}"
        try:
            mtime = os.stat(f"{directory}/leases").st_mtime_ns
        except FileNotFoundError:
            mtime = 0
        kept = self.tables.get(bridge)
        if kept is None or kept[0] != mtime or kept[1] - mtime < SETTLED_NS:
            kept = self.tables[bridge] = (mtime, time.time_ns(), Table(ipam.read_leases(directory)))
        return kept[2]

    def networks_of(self, asker: str, arrived_on: str) -> list[str]:
        """The bridges of the networks the container at address ``asker`` is on (the one the
        query ``arrived_on`` first); [] if no container holds that address."""
        tables = {bridge: self.table(bridge) for bridge in self.sockets}
        container = next((t.holder[asker] for t in tables.values() if asker in t.holder), None)
        if not container:
            return []
        return sorted((bridge for bridge, t in tables.items() if container in t.containers),
                      key=lambda bridge: bridge != arrived_on)

    def lookup(self, networks: list[str], name: str) -> list[str] | None:
        """The addresses of ``name`` on the first of ``networks`` that knows it."""
        name = name.removesuffix(".")
        for bridge in networks:
            found = self.table(bridge).addresses.get(name)
            if found:
                return found
        return None

    def rotated(self, addresses: list[str]) -> list[str]:
        """Round robin: each A answer starts one further (an AAAA query, asked along, does not turn it)."""
        self.turn += 1
        shift = self.turn % len(addresses)
        return addresses[shift:] + addresses[:shift]

    def handle(self, bridge: str, sock: socket.socket) -> None:
        try:
            query, client = sock.recvfrom(4096)
        except (BlockingIOError, InterruptedError):
            return
        question = parse_question(query)
        if question is None:
            return
        name, qtype, qclass, end = question
        networks = self.networks_of(client[0], bridge)
        addresses = self.lookup(networks, name) if qclass == CLASS_IN else None
        if addresses is not None:
            sock.sendto(answer(query, end, self.rotated(addresses) if qtype == TYPE_A else []), client)
            return
        if all(self.networks[b].get("internal") for b in networks or [bridge]) or not self.upstreams:
            sock.sendto(answer(query, end, [], RCODE_NXDOMAIN), client)
            return
        upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        upstream.setblocking(False)
        try:
            upstream.sendto(query, (self.upstreams[0], 53))
        except OSError:
            upstream.close()
            sock.sendto(answer(query, end, [], RCODE_SERVFAIL), client)
            return
        self.pending[upstream] = (sock, client, time.monotonic() + FORWARD_TIMEOUT)

    def relay(self, upstream: socket.socket) -> None:
        sock, client, _ = self.pending.pop(upstream)
        try:
            reply = upstream.recv(65535)
            sock.sendto(reply, client)
        except OSError:
            pass
        upstream.close()

    def expire(self) -> None:
        now = time.monotonic()
        for upstream, (_, _, deadline) in list(self.pending.items()):
            if now > deadline:
                del self.pending[upstream]
                upstream.close()

    def idle(self) -> bool:
        """No container on any user network: time to go (checked under the namespace's lock)."""
        for network in ipam.realised(self.runtime):
            if network.get("dns"):
                directory = f"{self.runtime}/{network['bridge']}"
                ipam.reclaim_stale(directory)
                if ipam.read_leases(directory):
                    return False
        return True

    def run(self) -> None:
        # SIGHUP (a new network) must end the select at once: Python retries a select that a
        # signal interrupted (PEP 475), so the handler alone would wait for the next tick (up to
        # a second, on every `up` after a `down`). The wakeup pipe makes the select return.
        wakeup_reader, wakeup_writer = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wakeup_writer)
        signal.signal(signal.SIGHUP, lambda *_: setattr(self, "rescan_wanted", True))
        next_tick = time.monotonic() + TICK  # the first look at idleness: after a second
        while True:
            if self.rescan_wanted:
                self.rescan()
            now = time.monotonic()
            if now >= next_tick:
                next_tick = now + TICK
                self.rescan()
                if self._exit_if_idle():
                    return
            by_fd = {sock: bridge for bridge, sock in self.sockets.items()}
            try:
                ready, _, _ = select.select([wakeup_reader, *by_fd, *self.pending], [], [],
                                            max(0.0, next_tick - now))
            except InterruptedError:
                continue
            for sock in ready:
                if sock == wakeup_reader:
                    os.read(wakeup_reader, 512)  # the signal's byte; its handler has run
                elif sock in by_fd:
                    self.handle(by_fd[sock], sock)
                elif sock in self.pending:
                    self.relay(sock)
            self.expire()

    def _exit_if_idle(self) -> bool:
        if not self.idle():
            return False
        with ipam.locked(self.runtime):
            if not self.idle():
                return False
            for bridge in self.sockets:
                try:
                    os.unlink(f"{self.runtime}/{bridge}/dns.ready")
                except FileNotFoundError:
                    pass
            try:
                os.unlink(f"{self.runtime}/dns.pid")
            except FileNotFoundError:
                pass
            os._exit(0)  # under the lock: a starter waiting for it sees dns.lock free


def _upstream_servers() -> list[str]:
    servers = []
    try:
        with open("/etc/resolv.conf") as file:
            for line in file:
                words = line.split()
                if len(words) >= 2 and words[0] == "nameserver" and words[1].count(".") == 3:
                    servers.append(words[1])
    except OSError:
        pass
    return servers[:3]


def main(runtime: str) -> None:
    """The server process: fd 3 holds dns.lock (inherited from the starter, already locked)."""
    fcntl.flock(3, fcntl.LOCK_EX)  # ours already (same open file): this only makes sure
    ipam.write_atomically(f"{runtime}/dns.pid", f"{os.getpid()}\n")
    Server(runtime).run()
