"""Bridges and the host's view of links and routes, through pyroute2.

Used where a network is made, removed or looked at (not at every `contain run`: netlink.py
speaks those few messages). pyroute2's import costs ~120 ms, so it happens here, lazily, once
per process: the REPL, a script loop or compose pay it once.
"""

from __future__ import annotations

import socket

_ipr = None


def ipr():
    """The process's one pyroute2 IPRoute socket (in the network namespace of its first use)."""
    global _ipr
    if _ipr is None:
        from pyroute2 import IPRoute

        _ipr = IPRoute()
    return _ipr


def exists(name: str) -> bool:
    try:
        socket.if_nametoindex(name)
        return True
    except OSError:
        return False


def create_bridge(name: str, gateway: str, prefix: int) -> None:
    """A bridge with the gateway address, up. Docker's docker0 is the same kind of device."""
    route = ipr()
    route.link("add", ifname=name, kind="bridge")
    try:
        index = route.link_lookup(ifname=name)[0]
        route.addr("add", index=index, address=gateway, prefixlen=prefix)
        route.link("set", index=index, state="up")
    except BaseException:
        delete_link(name)
        raise


def delete_link(name: str) -> None:
    """Remove a link if it is there (teardown is tolerant of what is gone already)."""
    route = ipr()
    indexes = route.link_lookup(ifname=name)
    for index in indexes:
        try:
            route.link("del", index=index)
        except Exception as error:  # pyroute2's NetlinkError: ENODEV if it went meanwhile
            if getattr(error, "code", None) != 19:
                raise


def routed_subnets() -> list[tuple[int, int]]:
    """IPv4 destinations this namespace routes (not the default route): a new subnet must not
    overlap any, or the host would lose the way to them."""
    from pyshell.contain.network.ipam import to_int

    subnets = []
    for route in ipr().get_routes(family=socket.AF_INET, table=254):
        length = route["dst_len"]
        destination = route.get_attr("RTA_DST")
        if length and destination:
            subnets.append((to_int(destination), length))
    return subnets


def link_names() -> list[str]:
    return [link.get_attr("IFLA_IFNAME") for link in ipr().get_links()]


def link_details(name: str) -> dict:
    """Name, MAC, master index, addresses of one link (tests compare with what netlink.py made)."""
    route = ipr()
    (index,) = route.link_lookup(ifname=name)
    (link,) = route.get_links(index)
    addresses = [f"{a.get_attr('IFA_ADDRESS')}/{a['prefixlen']}" for a in route.get_addr(index=index, family=socket.AF_INET)]
    return {"index": index, "name": link.get_attr("IFLA_IFNAME"), "mac": link.get_attr("IFLA_ADDRESS"),
            "master": link.get_attr("IFLA_MASTER") or 0, "up": bool(link["flags"] & 1), "addresses": addresses,
            "kind": (link.get_attr("IFLA_LINKINFO") or {}).get_attr("IFLA_INFO_KIND")
            if link.get_attr("IFLA_LINKINFO") else ""}


def default_route() -> tuple[str, int] | None:
    """(gateway, output link index) of the default route, if there is one."""
    for route in ipr().get_routes(family=socket.AF_INET, table=254):
        if route["dst_len"] == 0:
            return route.get_attr("RTA_GATEWAY"), route.get_attr("RTA_OIF")
    return None
