"""Bridges and the host's view of links and routes, in the words of netlink.py.

Used where a network is made, removed or looked at. Each call opens a netlink socket of its
own (a few microseconds): a socket keeps the network namespace it was made in, so one kept
for the process would go on speaking to the old namespace after an unshare or setns.

A bridge goes in two steps. ``retire_bridge`` takes it out of use in the ~1 ms the kernel
needs for that: down, its addresses (and so its subnet's route) gone. ``delete_detached`` then
deletes the device from a process of its own that nobody waits for, because that is the slow
part: the kernel's RTM_DELLINK of a bridge waits for RCU grace periods (rcu_barrier), 40-50 ms
here even for an empty bridge that is down, about a third of a whole `compose down`. A bridge
cannot be moved to a throwaway namespace to be deleted there instead (the kernel says "the
interface netns is immutable").
"""

from __future__ import annotations

import errno
import gc
import os
import socket

from pyshell.contain.network.netlink import Link, Netlink


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


def retire_bridge(name: str, new_name: str = "") -> int | None:
    """Take a bridge out of use at once and return its index (None if there is no such link):
    down, renamed to ``new_name`` if one is given (for a name that is made again soon, pysh0), its
    IPv4 addresses off. A new network may take its subnet from then on; the device itself goes
    with ``delete_detached``."""
    with Netlink() as netlink:
        try:
            index = socket.if_nametoindex(name)
            netlink.set_down(index)
            if new_name:
                netlink.rename(index, new_name)  # the kernel renames a link only while it is down
            for address in netlink.addresses():
                if address.index == index:
                    netlink.delete_address(index, address.address, address.prefix)
        except OSError as error:
            if error.errno not in (errno.ENODEV, errno.ENXIO, errno.EADDRNOTAVAIL):
                raise
            return None  # gone meanwhile: another command's deletion took it
    return index


def delete_detached(indexes: list[int]) -> None:
    """Delete these links from a process of their own and return at once: the kernel's ~50 ms
    are nobody's wait. The process is double-forked, so no zombie is left to the shell (compose
    and contain run inside the REPL), and holds nothing of ours while it waits in the kernel: not
    the namespace's lock (a flock is held as long as any copy of its fd is open), not the pipe of
    whoever reads our output to its end. If it never runs (killed), the bridge is a leftover:
    down, address-less, of no network, which store.py's next create or rm sweeps."""
    from pyshell.contain.kernel.osio import close_fds_except

    if not indexes:
        return
    middle = os.fork()  # no Python flush in the children (os._exit): nothing is printed twice
    if middle == 0:
        try:
            os.setsid()  # out of the terminal's process group: a Ctrl-C typed next is not for it
            # Our fds go before the second fork: once we have reaped this process, none is held.
            # No garbage collection from here: a collected file object of ours would close its fd
            # number again, which may be the netlink socket's by then.
            gc.disable()
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            close_fds_except({0, 1, 2})
            if os.fork() == 0:
                with Netlink() as netlink:
                    for index in indexes:
                        try:
                            netlink.delete_link(index)
                        except OSError:
                            pass  # gone already (a sweep's process took it), or refused: a later sweep retries
        finally:
            os._exit(0)
    try:
        os.waitpid(middle, 0)
    except ChildProcessError:
        pass  # the shell's own SIGCHLD handling reaped it first


def bridges() -> list[Link]:
    """The bridge devices of this namespace."""
    with Netlink() as netlink:
        return [link for link in netlink.links() if link.kind == "bridge"]


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
