"""The network flags of `contain run` turned into ContainerSpec fields (the CLI's and compose's
way in): --network, -p, -P, --expose, --ip, --network-alias, --add-host, --dns."""

from __future__ import annotations

import socket

from pyshell.contain.network import ports
from pyshell.errors import ContainerError


def from_flags(options: dict, image_exposed=()) -> dict:
    """``options``: parsed flags (lists for the repeatable ones). Returns spec fields."""
    network = options.get("network") or "bridge"
    if network == "default":
        network = "bridge"
    published = []
    for text in options.get("publish") or ():
        published += ports.parse_publish(text)
    exposed = list(image_exposed)
    for text in options.get("expose") or ():
        exposed += ports.parse_exposed(text)
    exposed += [mapping.key for mapping in published]
    if options.get("publish_all"):
        published += ports.publish_all(exposed, published)
    add_hosts = []
    for text in options.get("add_host") or ():
        name, colon, address = text.partition(":")  # NAME:IP (Docker also takes NAME=IP)
        if not colon:
            name, colon, address = text.partition("=")
        if address == "host-gateway":
            raise ContainerError("--add-host NAME:host-gateway is not supported (a gap of this version)", 125)
        if not name or not _is_ipv4(address):
            raise ContainerError(f"invalid argument \"{text}\" for \"--add-host\" flag: invalid IP address", 125)
        add_hosts.append((name, address))
    for server in options.get("dns") or ():
        if not _is_ipv4(server):
            raise ContainerError(f"{server} is not an ip address", 125)
    ip = options.get("ip") or ""
    if ip and not _is_ipv4(ip):
        raise ContainerError(f"invalid IPv4 address: {ip}", 125)
    return {"network": network, "ports": tuple(published), "exposed": tuple(dict.fromkeys(exposed)),
            "ip": ip, "aliases": tuple(options.get("network_alias") or ()), "add_hosts": tuple(add_hosts),
            "dns": tuple(options.get("dns") or ())}


def _is_ipv4(text: str) -> bool:
    try:
        socket.inet_aton(text)
    except OSError:
        return False
    return text.count(".") == 3
