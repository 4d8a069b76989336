"""Bridges and the host's view of links and routes, in the words of netlink.py.

Used where a network is made, removed or looked at. Each call opens a netlink socket of its
own (a few microseconds): a socket keeps the network namespace it was made in, so one kept
for the process would go on speaking to the old namespace after an unshare or setns.
"""

from __future__ import annotations

import errno
import os
import socket

from pyshell.contain.network.netlink import Netlink


def exists(name: str) -> bool:
    try:
        socket.if_nametoindex(name)
        return True
    except OSError:
        return False


def random_mac() -> bytes:
    """A random unicast, locally administered MAC address (Docker gives its bridges one)."""
    mac = bytearray(os.urandom(6))
    mac[0] = (mac[0] & 0xFE) | 0x02  # bit 0 clear: unicast; bit 1 set: not a vendor's
    return bytes(mac)


def create_bridge(name: str, gateway: str, prefix: int) -> None:
    """A bridge with the gateway address and a fixed random MAC, up. Docker's docker0 is the
    same kind of device. The MAC is fixed so that the containers' ARP entry for the gateway
    stays true when other containers' veths leave and join the bridge."""
    with Netlink() as netlink:
        netlink.add_bridge(name, random_mac())
        try:
            index = socket.if_nametoindex(name)
            netlink.add_address(index, gateway, prefix)
            netlink.set_up(index)
        except BaseException:
            delete_link(name)
            raise


def delete_link(name: str) -> None:
    """Remove a link if it is there (teardown is tolerant of what is gone already)."""
    with Netlink() as netlink:
        try:
            netlink.delete_link_named(name)
        except OSError as error:
            if error.errno != errno.ENODEV:
                raise


def routed_subnets() -> list[tuple[int, int]]:
    """IPv4 destinations this namespace routes (not the default route): a new subnet must not
    overlap any, or the host would lose the way to them."""
    from pyshell.contain.network.ipam import to_int

    with Netlink() as netlink:
        return [(to_int(route.destination), route.prefix) for route in netlink.routes()
                if route.prefix and route.destination]


def link_names() -> list[str]:
    with Netlink() as netlink:
        return [link.name for link in netlink.links()]


def link_details(name: str) -> dict:
    """Name, MAC, master index, kind, addresses of one link (store.py reads a bridge's address
    back; tests compare with what netlink.py made). ENODEV if there is no such link."""
    with Netlink() as netlink:
        found = [link for link in netlink.links() if link.name == name]
        if not found:
            raise OSError(errno.ENODEV, f"no link {name}")
        link = found[0]
        addresses = [f"{a.address}/{a.prefix}" for a in netlink.addresses() if a.index == link.index]
    return {"index": link.index, "name": link.name, "mac": link.mac, "master": link.master, "up": link.up,
            "addresses": addresses, "kind": link.kind}


def default_route() -> tuple[str, int] | None:
    """(gateway, output link index) of the default route, if there is one."""
    with Netlink() as netlink:
        for route in netlink.routes():
            if route.prefix == 0:
                return route.gateway, route.index
    return None
