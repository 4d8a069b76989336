"""Our few netlink messages (network/netlink.py) against pyroute2's reading of what they made,
in network namespaces made here (the pytest process moves into one, a child holds the other)."""

from __future__ import annotations

import os
import socket

import pytest

from pyshell.contain.network import links
from pyshell.contain.network.netlink import Netlink


@pytest.fixture
def fresh_netns():
    from pyshell.contain.kernel import syscalls as linux

    original = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    linux.unshare(linux.CLONE_NEWNET)
    links._ipr = None  # pyroute2's socket belongs to the namespace it was made in
    try:
        yield
    finally:
        if links._ipr is not None:
            links._ipr.close()
            links._ipr = None
        linux.setns(original, linux.CLONE_NEWNET)
        os.close(original)


def test_veth_address_route_as_pyroute2_reads_them(fresh_netns):
    from pyshell.contain.kernel import syscalls as linux

    links.create_bridge("br-test", "10.20.0.1", 24)
    bridge = socket.if_nametoindex("br-test")
    # The "container": a child in a namespace of its own, whose fd we hand to the veth request.
    ready_r, ready_w = os.pipe()
    done_r, done_w = os.pipe()
    child = os.fork()
    if child == 0:
        linux.unshare(linux.CLONE_NEWNET)
        os.write(ready_w, b"x")
        os.read(done_r, 1)  # wait until the parent is done: the namespace lives while we do
        os._exit(0)
    try:
        os.read(ready_r, 1)
        netns = os.open(f"/proc/{child}/ns/net", os.O_RDONLY)
        ours = Netlink()
        ours.add_veth("veth-test", "eth0", netns, bridge, bytes.fromhex("0242ac140002"))
        host_end = links.link_details("veth-test")
        assert host_end["master"] == bridge and host_end["up"] and host_end["kind"] == "veth"
        # Inside: address, up, default route, through our socket made in that namespace.
        original = os.open("/proc/self/ns/net", os.O_RDONLY)
        linux.setns(netns, linux.CLONE_NEWNET)
        try:
            inside = Netlink()
            eth0 = socket.if_nametoindex("eth0")
            inside.add_address(eth0, "10.20.0.2", 24)
            inside.set_up(eth0)
            inside.add_default_route("10.20.0.1", eth0)
            from pyroute2 import IPRoute

            with IPRoute() as route:
                (link,) = route.get_links(eth0)
                assert link.get_attr("IFLA_ADDRESS") == "02:42:ac:14:00:02"
                assert link["flags"] & 1
                addresses = [(a.get_attr("IFA_ADDRESS"), a["prefixlen"]) for a in route.get_addr(index=eth0, family=socket.AF_INET)]
                assert addresses == [("10.20.0.2", 24)]
                defaults = [r for r in route.get_routes(family=socket.AF_INET, table=254) if r["dst_len"] == 0]
                assert [(r.get_attr("RTA_GATEWAY"), r.get_attr("RTA_OIF")) for r in defaults] == [("10.20.0.1", eth0)]
            with pytest.raises(OSError) as raised:
                inside.add_address(eth0, "10.20.0.2", 24)  # the kernel's refusal comes back as errno
            assert raised.value.errno == 17  # EEXIST
            inside.close()
        finally:
            linux.setns(original, linux.CLONE_NEWNET)
            os.close(original)
        # Across the pair, the other namespace's kernel answers: a refused connection (its RST),
        # not a timeout, proves the veth, the bridge and the addresses are really wired.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("10.20.0.2", 9), timeout=5)
        ours.close()
        os.close(netns)
    finally:
        os.write(done_w, b"x")
        os.waitpid(child, 0)
    links.delete_link("br-test")
    links.delete_link("br-test")  # tolerant of what is gone
    assert "br-test" not in links.link_names()
