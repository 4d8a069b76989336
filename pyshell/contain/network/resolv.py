"""A container's /etc/resolv.conf: which name servers it names, at its start and after a live
`network connect` or `disconnect`.

One rule (Docker's): the servers of --dns if given; else the name server of the container's
first network that has one (dns.py's, on that network's gateway: it answers for all of the
container's networks); else the host's own file, as on Docker's default bridge. The host's
``search``, ``options`` and ``domain`` lines are kept under servers of our own.

A running container's file is rewritten in place (etcfiles.py).
"""

from __future__ import annotations

KEPT_KEYWORDS = ("search", "options", "domain")


def content(host_file: bytes, servers) -> bytes:
    """The file for these ``servers`` ([] or () keeps the host's file as it is)."""
    if not servers:
        return host_file
    kept = [line for line in host_file.decode(errors="replace").splitlines() if line.split()[:1] and
            line.split()[0] in KEPT_KEYWORDS]
    return ("".join(f"nameserver {server}\n" for server in servers) + "".join(f"{line}\n" for line in kept)).encode()


def host_file() -> bytes:
    try:
        with open("/etc/resolv.conf", "rb") as file:
            return file.read()
    except OSError:
        return b""


def servers_of_networks(networks: dict) -> list[str]:
    """The name server from network.json's networks (in their order: eth0's first): the gateway
    of the first one that has a server."""
    return [entry["Gateway"] for entry in networks.values() if entry.get("DNS")][:1]
