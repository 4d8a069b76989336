"""Published ports: `-p [ip:][hostPort:]containerPort[/tcp|udp]` (and ranges), `-P`, and the
host sockets behind them.

The host side of every published port is a socket that `contain run` binds itself, before the
container exists: a port already taken is then an error with nothing made, and an omitted host
port is one the kernel picked (from ip_local_port_range, as Docker's). The sockets go down to
the container's one proxy process (proxy.py), which accepts on them; a root container's ports
are forwarded by the kernel first (firewall.py's DNAT), the proxy holding them reserved.
"""

from __future__ import annotations

import errno
import socket

from pyshell.contain.spec import PortMapping
from pyshell.errors import ContainerError


def _port_range(text: str, what: str) -> list[int]:
    low, dash, high = text.partition("-")
    try:
        first = int(low)
        last = int(high) if dash else first
    except ValueError:
        raise ContainerError(f"invalid {what}: {text}", 125) from None
    if not (0 < first <= last <= 65535) or (what == "hostPort" and first == 0):
        raise ContainerError(f"invalid {what}: {text}", 125)
    return list(range(first, last + 1))


def parse_publish(text: str) -> list[PortMapping]:
    """One -p value, ranges expanded to one mapping per port."""
    rest, slash, protocol = text.partition("/")
    protocol = protocol.lower() if slash else "tcp"
    if protocol not in ("tcp", "udp"):
        raise ContainerError(f"invalid proto: {protocol}", 125)
    parts = rest.split(":")
    if len(parts) > 3 or not parts[-1]:
        raise ContainerError(f"invalid port specification: {text!r}", 125)
    host_ip = parts[0] if len(parts) == 3 else ""
    host_text = parts[-2] if len(parts) >= 2 else ""
    if host_ip:
        try:
            socket.inet_aton(host_ip)
        except OSError:
            raise ContainerError(f"invalid IP address: {host_ip}", 125) from None
        if host_ip == "0.0.0.0":
            host_ip = ""
    container_ports = _port_range(parts[-1], "containerPort")
    if host_text:
        host_ports = _port_range(host_text, "hostPort")
        if len(host_ports) != len(container_ports):
            raise ContainerError(f"invalid port specification: {text!r} (the two ranges differ in length)", 125)
    else:
        host_ports = [0] * len(container_ports)
    return [PortMapping(host_ip, host, container, protocol) for host, container in zip(host_ports, container_ports)]


def parse_exposed(text: str) -> list[str]:
    """--expose 80, 80/udp, 8000-8002: "port/proto" keys, as an image's ExposedPorts."""
    port, slash, protocol = text.partition("/")
    protocol = protocol.lower() if slash else "tcp"
    if protocol not in ("tcp", "udp"):
        raise ContainerError(f"invalid proto: {protocol}", 125)
    return [f"{number}/{protocol}" for number in _port_range(port, "range of ports")]


def publish_all(exposed: list[str], published: list[PortMapping]) -> list[PortMapping]:
    """-P: every exposed port not published already gets an ephemeral host port on every address."""
    done = {mapping.key for mapping in published}
    extra = []
    for key in sorted(set(exposed), key=lambda k: (int(k.partition("/")[0]), k)):
        if key not in done:
            number, _, protocol = key.partition("/")
            extra.append(PortMapping("", 0, int(number), protocol or "tcp"))
    return extra


def bind(mappings) -> list[tuple[PortMapping, socket.socket]]:
    """A listening socket for each mapping, its host port filled in. On any failure the sockets
    made so far are closed: nothing is left half bound."""
    bound = []
    try:
        for mapping in mappings:
            kind = socket.SOCK_STREAM if mapping.protocol == "tcp" else socket.SOCK_DGRAM
            sock = socket.socket(socket.AF_INET, kind)
            bound.append((mapping, sock))
            if kind == socket.SOCK_STREAM:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT must not block a restart
            try:
                sock.bind((mapping.host_ip or "0.0.0.0", mapping.host_port))
            except OSError as error:
                shown = f"{mapping.host_ip or '0.0.0.0'}:{mapping.host_port}"
                if error.errno == errno.EADDRINUSE:
                    raise ContainerError(f"Bind for {shown} failed: port is already allocated", 125) from None
                if error.errno == errno.EACCES:
                    raise ContainerError(f"Bind for {shown} failed: permission denied (ports below 1024 "
                                         f"need root; see /proc/sys/net/ipv4/ip_unprivileged_port_start)", 125) from None
                raise ContainerError(f"Bind for {shown} failed: {error.strerror}", 125) from None
            if kind == socket.SOCK_STREAM:
                sock.listen(1024)
        return [(m.replace(host_port=s.getsockname()[1]), s) for m, s in bound]
    except BaseException:
        for _, sock in bound:
            sock.close()
        raise


def docker_ports(mappings) -> dict:
    """NetworkSettings.Ports: {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}."""
    ports: dict = {}
    for mapping in mappings:
        ports.setdefault(mapping.key, []).append({"HostIp": mapping.host_ip or "0.0.0.0",
                                                  "HostPort": str(mapping.host_port)})
    return ports


def ps_column(mappings, unbound=()) -> str:
    """The PORTS column of `ps` as the Docker peer prints it: exposed ports without a binding
    first ("99/tcp"), then each binding ordered by container port, then address:
    "0.0.0.0:8080->80/tcp". (Docker also lists a [::] binding for each: we bind IPv4 only.)"""
    shown = [key for key in sorted(unbound, key=lambda k: (int(k.partition("/")[0]), k))]
    for mapping in sorted(mappings, key=lambda m: (m.container_port, m.protocol, m.host_ip)):
        shown.append(f"{mapping.host_ip or '0.0.0.0'}:{mapping.host_port}->{mapping.key}")
    return ", ".join(shown)
