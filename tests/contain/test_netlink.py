"""Our netlink messages (network/netlink.py) against pyroute2's reading of what they made, and
our dumps of links, addresses and routes against pyroute2's dumps of the same namespace — in
network namespaces made here (the pytest process moves into one, a child holds the other).
pyroute2 is here as the independent reader: pysh itself never imports it."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from pyroute2 import IPRoute

from pyshell.contain.kernel import syscalls
from pyshell.contain.network import firewall, links
from pyshell.contain.network.netlink import RTM_GETLINK, Netlink, link_info


@pytest.fixture
def fresh_netns():
    original = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    syscalls.unshare(syscalls.CLONE_NEWNET)
    try:
        yield
    finally:
        syscalls.setns(original, syscalls.CLONE_NEWNET)
        os.close(original)


def pyroute2_link(route, name: str):
    (index,) = route.link_lookup(ifname=name)
    (link,) = route.get_links(index)
    return link


def pyroute2_kind(link) -> str:
    info = link.get_attr("IFLA_LINKINFO")
    return (info.get_attr("IFLA_INFO_KIND") or "") if info else ""


def test_veth_address_route_as_pyroute2_reads_them(fresh_netns):
    links.create_bridge("br-test", "10.20.0.1", 24)
    bridge = socket.if_nametoindex("br-test")
    # The "container": a child in a namespace of its own, whose fd we hand to the veth request.
    ready_r, ready_w = os.pipe()
    done_r, done_w = os.pipe()
    child = os.fork()
    if child == 0:
        syscalls.unshare(syscalls.CLONE_NEWNET)
        os.write(ready_w, b"x")
        os.read(done_r, 1)  # wait until the parent is done: the namespace lives while we do
        os._exit(0)
    try:
        os.read(ready_r, 1)
        netns = os.open(f"/proc/{child}/ns/net", os.O_RDONLY)
        ours = Netlink()
        ours.add_veth("veth-test", "eth0", netns, bridge, bytes.fromhex("0242ac140002"))
        with IPRoute() as route:
            host_end = pyroute2_link(route, "veth-test")
            assert host_end.get_attr("IFLA_MASTER") == bridge and host_end["flags"] & 1
            assert pyroute2_kind(host_end) == "veth"
        # Inside: address, up, default route, through our socket made in that namespace.
        original = os.open("/proc/self/ns/net", os.O_RDONLY)
        syscalls.setns(netns, syscalls.CLONE_NEWNET)
        try:
            inside = Netlink()
            eth0 = socket.if_nametoindex("eth0")
            inside.add_address(eth0, "10.20.0.2", 24)
            inside.set_up(eth0)
            inside.add_default_route("10.20.0.1", eth0)
            with IPRoute() as route:
                (link,) = route.get_links(eth0)
                assert link.get_attr("IFLA_ADDRESS") == "02:42:ac:14:00:02"
                assert link["flags"] & 1
                addresses = [(a.get_attr("IFA_ADDRESS"), a["prefixlen"]) for a in route.get_addr(index=eth0, family=socket.AF_INET)]
                assert addresses == [("10.20.0.2", 24)]
                defaults = [r for r in route.get_routes(family=socket.AF_INET, table=254) if r["dst_len"] == 0]
                assert [(r.get_attr("RTA_GATEWAY"), r.get_attr("RTA_OIF")) for r in defaults] == [("10.20.0.1", eth0)]
            assert links.default_route() == ("10.20.0.1", eth0)
            inside.add_default_route("10.20.0.254", eth0, replace=True)  # a live connect's move
            with IPRoute() as route:
                defaults = [r for r in route.get_routes(family=socket.AF_INET, table=254) if r["dst_len"] == 0]
                assert [r.get_attr("RTA_GATEWAY") for r in defaults] == ["10.20.0.254"]
            inside.delete_default_route()
            with IPRoute() as route:
                assert not [r for r in route.get_routes(family=socket.AF_INET, table=254) if r["dst_len"] == 0]
            inside.add_default_route("10.20.0.1", eth0)
            with pytest.raises(OSError) as raised:
                inside.add_address(eth0, "10.20.0.2", 24)  # the kernel's refusal comes back as errno
            assert raised.value.errno == 17  # EEXIST
            inside.close()
        finally:
            syscalls.setns(original, syscalls.CLONE_NEWNET)
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


def test_bridge_as_pyroute2_reads_it(fresh_netns):
    links.create_bridge("br-test", "10.30.0.1", 16)
    with IPRoute() as route:
        bridge = pyroute2_link(route, "br-test")
        index = bridge["index"]
        assert pyroute2_kind(bridge) == "bridge" and bridge["flags"] & 1
        addresses = [(a.get_attr("IFA_ADDRESS"), a.get_attr("IFA_LOCAL"), a.get_attr("IFA_BROADCAST"), a["prefixlen"])
                     for a in route.get_addr(index=index, family=socket.AF_INET)]
        assert addresses == [("10.30.0.1", "10.30.0.1", "10.30.255.255", 16)]
        # The kernel added the subnet's own route with the address: what routed_subnets must see.
        subnet_routes = [(r.get_attr("RTA_DST"), r["dst_len"], r.get_attr("RTA_OIF"))
                         for r in route.get_routes(family=socket.AF_INET, table=254)]
        assert ("10.30.0.0", 16, index) in subnet_routes
    assert (0x0A1E0000, 16) in links.routed_subnets()  # 10.30.0.0/16
    assert links.link_details("br-test") == {"index": index, "name": "br-test", "mac": bridge.get_attr("IFLA_ADDRESS"),
                                             "master": 0, "up": True, "addresses": ["10.30.0.1/16"], "kind": "bridge"}
    with pytest.raises(FileExistsError):
        links.create_bridge("br-test", "10.31.0.1", 16)  # the name is taken: the kernel says so
    assert links.link_details("br-test")["addresses"] == ["10.30.0.1/16"]  # and the bridge there is untouched
    links.delete_link("br-test")
    with IPRoute() as route:
        assert route.link_lookup(ifname="br-test") == []
    links.delete_link("br-test")  # tolerant of what is gone
    with pytest.raises(OSError):
        links.link_details("br-test")


def test_our_dumps_read_what_pyroute2_reads(fresh_netns):
    """Links of several kinds (lo, bridges, a veth pair on a bridge, a down device), addresses
    and routes, compared field by field; sixty bridges make the link dump span datagrams."""
    with Netlink() as netlink:
        netlink.set_up(socket.if_nametoindex("lo"))
        for number in range(60):
            netlink.add_bridge(f"br-many{number}", links.random_mac())
        links.create_bridge("br-test", "10.40.0.1", 24)
        links.create_bridge("br-other", "192.168.7.1", 20)
        bridge = socket.if_nametoindex("br-test")
        here = os.open("/proc/self/ns/net", os.O_RDONLY)
        netlink.add_veth("veth-a", "veth-b", here, bridge, bytes.fromhex("02420a280002"))
        os.close(here)
        peer = socket.if_nametoindex("veth-b")
        netlink.add_address(peer, "10.50.0.2", 24)
        netlink.set_up(peer)
        netlink.add_default_route("10.50.0.1", peer)
        assert sum(len(payload) for payload in netlink.dump(RTM_GETLINK, link_info())) > 65536
        ours_links = {(l.index, l.name, l.kind, l.mac, l.master, l.up) for l in netlink.links()}
        ours_addresses = {(a.index, a.address, a.prefix) for a in netlink.addresses()}
        ours_routes = {(r.destination, r.prefix, r.gateway, r.index) for r in netlink.routes()}
    with IPRoute() as route:
        theirs_links = {(l["index"], l.get_attr("IFLA_IFNAME"), pyroute2_kind(l), l.get_attr("IFLA_ADDRESS") or "",
                         l.get_attr("IFLA_MASTER") or 0, bool(l["flags"] & 1)) for l in route.get_links()}
        theirs_addresses = {(a["index"], a.get_attr("IFA_LOCAL"), a["prefixlen"])
                            for a in route.get_addr(family=socket.AF_INET)}
        theirs_routes = {(r.get_attr("RTA_DST") or "", r["dst_len"], r.get_attr("RTA_GATEWAY") or "",
                          r.get_attr("RTA_OIF") or 0) for r in route.get_routes(family=socket.AF_INET, table=254)}
    assert len(ours_links) == 65 and ours_links == theirs_links
    assert (bridge, "10.40.0.1", 24) in ours_addresses and ours_addresses == theirs_addresses
    assert ("", 0, "10.50.0.1", peer) in ours_routes and ours_routes == theirs_routes
    assert {"br-test", "br-other", "veth-a", "veth-b", "br-many59"} <= set(links.link_names())
    assert {(0x0A280000, 24), (0xC0A80000, 20), (0x0A320000, 24)} <= set(links.routed_subnets())
    assert links.link_details("veth-a")["master"] == bridge


def test_networks_are_made_and_removed_without_pyroute2(fresh_netns, tmp_path):
    """The default bridge and a user network made, then removed, by a fresh process that never
    imports pyroute2 (its import alone cost more than the rest of `network create`)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pyshell.contain.network import store\n"
        "home = Path(sys.argv[1])\n"
        "store.realise(store.default_network())\n"
        "store.create(home, 'plain')\n"
        "store.remove(home, 'plain')\n"
        "store.remove_default_bridge()\n"
        "print(sorted(name for name in sys.modules if name.partition('.')[0] == 'pyroute2'))\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          cwd=str(tmp_path), env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"
    assert _wait_for(lambda: links.link_names() == ["lo"]), links.link_names()  # the bridges' deletion is detached


def test_a_bridge_the_kernel_will_not_retire_keeps_its_rules(fresh_netns, tmp_path, monkeypatch):
    """`network rm` rewrites the rules while it takes the bridge down: if that fails, the rules
    are put back, so the network is still whole (and a later rm succeeds)."""
    import errno
    import subprocess

    from pyshell.contain.network import store

    def table() -> str:
        return subprocess.run(["nft", "list", "ruleset"], capture_output=True, text=True, check=True).stdout

    network = store.create(tmp_path, "kept")
    assert network.bridge in table()
    real_retire = links.retire_bridge

    def refused(name, new_name=""):
        raise OSError(errno.EBUSY, "refused for the test")

    monkeypatch.setattr(links, "retire_bridge", refused)
    with pytest.raises(OSError):
        store.remove(tmp_path, "kept")
    assert links.exists(network.bridge) and f'oifname != "{network.bridge}" masquerade' in table()
    assert store.find(tmp_path, "kept") == network
    monkeypatch.setattr(links, "retire_bridge", real_retire)
    store.remove(tmp_path, "kept")
    assert table() == "" and _wait_for(lambda: not links.exists(network.bridge))


def test_a_new_network_adds_its_rules_and_a_lost_or_stale_table_is_made_again(fresh_netns, tmp_path):
    """A network made beside others adds its rules (no rewrite: deletions cost the kernel a
    grace period); if the table went meanwhile it is made whole again, and a stale table of a
    command killed half-way is flushed when the first network comes."""
    import subprocess

    from pyshell.contain.network import store

    def table() -> str:
        return subprocess.run(["nft", "list", "ruleset"], capture_output=True, text=True, check=True).stdout

    def masqueraded(network) -> str:
        return f'ip saddr {network.subnet} oifname != "{network.bridge}" masquerade'

    subprocess.run(["nft", "-f", "-"], check=True, text=True, input=(
        "add table ip pysh\nadd chain ip pysh postrouting { type nat hook postrouting priority srcnat; }\n"
        'add rule ip pysh postrouting ip saddr 10.99.0.0/16 oifname != "pysh-gone" masquerade\n'))
    first = store.create(tmp_path, "first")
    assert "pysh-gone" not in table() and masqueraded(first) in table()
    second = store.create(tmp_path, "second")
    rules = table()
    assert masqueraded(first) in rules and masqueraded(second) in rules
    assert f'iifname "{second.bridge}" oifname "{first.bridge}" drop' in rules  # nft shows a set of one so
    assert f'iifname "{first.bridge}" oifname "{second.bridge}" drop' in rules
    subprocess.run(["nft", "flush", "ruleset"], check=True)
    third = store.create(tmp_path, "third")
    rules = table()
    assert all(masqueraded(network) in rules for network in (first, second, third)), rules
    for name in ("first", "second", "third"):
        store.remove(tmp_path, name)
    assert table() == ""


def _wait_for(predicate, seconds: float = 1.0) -> bool:
    """The kernel's deletion of a bridge, detached from `network rm`, takes ~50 ms."""
    import time

    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_network_rm_retires_the_bridge_and_a_detached_process_deletes_it(fresh_netns, tmp_path):
    """What `network rm` leaves is what anyone sees at once: no route to its subnet, the bridge
    down with no address (or gone already), pysh0's name free. The kernel's slow deletion of the
    device (~50 ms) is done by a process of its own: a fresh process made the subreaper of its
    descendants sees it as an orphan it inherited (without one, init would), still holding
    nothing but its netlink socket and /dev/null, and nothing else is left for it to reap but
    the network's name server, which goes a second after its start: no container came."""
    import json
    import subprocess
    import sys

    script = (
        "import fcntl, json, os, sys\n"
        "from pathlib import Path\n"
        "from pyshell.contain.kernel import syscalls\n"
        "from pyshell.contain.network import ipam, links, store\n"
        "syscalls.prctl(36, 1)\n"  # PR_SET_CHILD_SUBREAPER
        "home = Path(sys.argv[1])\n"
        "network = store.create(home, 'gone')\n"
        "store.remove(home, 'gone')\n"
        "seen = {'routed': ipam.parse_cidr(network.subnet) in links.routed_subnets()}\n"
        "try:\n"
        "    details = links.link_details(network.bridge)\n"
        "    seen['bridge'] = [details['up'], details['addresses']]\n"
        "except OSError:\n"
        "    seen['bridge'] = 'gone'\n"
        "children = Path(f'/proc/self/task/{os.getpid()}/children').read_text().split()\n"
        "seen['fds'] = []\n"
        "for pid in children:\n"
        "    try:\n"
        "        if b'pyshell.contain.network.dns' in Path(f'/proc/{pid}/cmdline').read_bytes():\n"
        "            continue  # the name server the network's creation started (dns.py)\n"
        "        seen['fds'] += [os.readlink(f'/proc/{pid}/fd/{fd}') for fd in os.listdir(f'/proc/{pid}/fd')]\n"
        "    except OSError:\n"
        "        pass  # done already\n"
        "lock = os.open(f'{ipam.runtime_dir()}/lock', os.O_RDWR)\n"
        "fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"  # free at once, even while the deletion runs
        "os.close(lock)\n"
        "store.realise(store.default_network())\n"
        "store.remove_default_bridge()\n"
        "store.realise(store.default_network())\n"  # pysh0 again, at once: the retired one was renamed
        "seen['pysh0'] = links.link_details('pysh0')['up']\n"
        "store.remove_default_bridge()\n"
        "seen['reaped'] = []\n"
        "while True:\n"
        "    try:\n"
        "        seen['reaped'].append(os.waitstatus_to_exitcode(os.wait()[1]))\n"
        "    except ChildProcessError:\n"
        "        break\n"
        "seen['links'] = links.link_names()\n"
        "print(json.dumps(seen))\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=60,
                          cwd=str(tmp_path), env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert not seen["routed"]
    assert seen["bridge"] in ("gone", [False, []])
    assert set(seen["fds"]) <= {"/dev/null"} | {f for f in seen["fds"] if f.startswith("socket:")}
    assert seen["pysh0"] is True
    # One deleter per removal, each done (the middle processes reaped by us), and the name
    # server `gone` started, which leaves a second after it: no container came.
    assert seen["reaped"] == [0, 0, 0, 0]
    assert seen["links"] == ["lo"]


def test_a_bridge_whose_deletion_never_ran_is_swept(fresh_netns, tmp_path):
    """A `pysh-` bridge with no runtime directory belongs to no network: its detached deletion
    was killed, or a command before it. The next `network create` or `rm` retires it at once
    (its subnet is free for the new network) and has it deleted; other bridges stay."""
    from pyshell.contain.network import store

    with Netlink() as netlink:
        netlink.set_up(socket.if_nametoindex("lo"))
    kept = store.create(tmp_path, "kept")                  # 172.18.0.0/16
    links.create_bridge("pysh-0123456789", "172.19.0.1", 16)  # a leftover, up and with its address still
    links.create_bridge("br-theirs", "10.60.0.1", 24)         # not ours
    fresh = store.create(tmp_path, "fresh")
    assert fresh.subnet == "172.19.0.0/16"                  # the leftover's subnet, free again
    assert _wait_for(lambda: not links.exists("pysh-0123456789"))
    assert links.exists(kept.bridge) and links.exists(fresh.bridge) and links.exists("br-theirs")
    netlink = Netlink()
    netlink.add_bridge("pysh-abcdefabcd", links.random_mac())  # a retired one: down, no address
    netlink.close()
    store.remove(tmp_path, "kept")
    assert _wait_for(lambda: not links.exists("pysh-abcdefabcd") and not links.exists(kept.bridge))
    assert links.link_details(fresh.bridge)["up"] and links.exists("br-theirs")
    store.remove(tmp_path, "fresh")
    links.delete_link("br-theirs")


def _nft_elements(name: str) -> list[str]:
    """The elements of one map or set of our table, as `nft list` prints them."""
    import subprocess

    kind = "set" if name == firewall.HAIRPIN_SET else "map"
    text = subprocess.run(["nft", "list", kind, "ip", "pysh", name], capture_output=True, text=True,
                          check=True).stdout.replace("\n", " ")
    if "elements = {" not in text:
        return []
    return sorted(item.strip() for item in text.partition("elements = {")[2].partition("}")[0].split(","))


def _table_with_published_ports(bridge: str) -> None:
    import subprocess

    links.create_bridge(bridge, "10.60.0.1", 24)  # publish sets its route_localnet
    subprocess.run(["nft", "-f", "-"], check=True, text=True,
                   input=firewall.ruleset([{"bridge": bridge, "subnet": "10.60.0.0/24"}]))


def test_published_ports_elements_by_our_messages_are_what_nft_lists(fresh_netns):
    """Our nf_tables messages (nftnetlink.py) against nft's reading and writing of the same
    maps: what we add nft lists, what nft added we delete, and a key another start took over
    (another value) is not ours to delete."""
    import subprocess

    from pyshell.contain.spec import PortMapping

    _table_with_published_ports("br-test")
    mappings = [PortMapping("", 8080, 80), PortMapping("127.0.0.1", 8081, 80), PortMapping("", 5353, 53, "udp")]
    elements = firewall.port_elements(mappings, "10.60.0.2")
    firewall.publish(elements, "br-test")
    assert _nft_elements(firewall.ANY_ADDRESS_MAP) == ["tcp . 8080 : 10.60.0.2 . 80", "udp . 5353 : 10.60.0.2 . 53"]
    assert _nft_elements(firewall.ONE_ADDRESS_MAP) == ["127.0.0.1 . tcp . 8081 : 10.60.0.2 . 80"]
    assert _nft_elements(firewall.HAIRPIN_SET) == ["10.60.0.2 . 10.60.0.2 . tcp . 80",
                                                   "10.60.0.2 . 10.60.0.2 . udp . 53"]
    assert Path("/proc/sys/net/ipv4/conf/br-test/route_localnet").read_text() == "1\n"
    firewall.publish(elements, "br-test")  # again: the same values change nothing
    assert len(_nft_elements(firewall.ANY_ADDRESS_MAP)) == 2
    firewall.unpublish(elements)
    assert not any(_nft_elements(name) for name in firewall.SET_TYPES)
    firewall.unpublish(elements)  # gone already: nothing to do, and no error

    # What nft added, our messages delete.
    subprocess.run(["nft", "add element ip pysh published_any { tcp . 9090 : 10.60.0.3 . 90 }; "
                    "add element ip pysh published_self { 10.60.0.3 . 10.60.0.3 . tcp . 90 }"], check=True)
    theirs = firewall.port_elements([PortMapping("", 9090, 90)], "10.60.0.3")
    firewall.unpublish(theirs)
    assert not any(_nft_elements(name) for name in firewall.SET_TYPES)

    # A key taken over by a later start (another address) stays; the rest of ours goes.
    firewall.publish(elements, "br-test")
    subprocess.run(["nft", "delete element ip pysh published_any { tcp . 8080 }; "
                    "add element ip pysh published_any { tcp . 8080 : 10.60.0.9 . 80 }"], check=True)
    firewall.unpublish(elements)
    assert _nft_elements(firewall.ANY_ADDRESS_MAP) == ["tcp . 8080 : 10.60.0.9 . 80"]
    assert not _nft_elements(firewall.ONE_ADDRESS_MAP) and not _nft_elements(firewall.HAIRPIN_SET)

    # A start finding such a stale element of its key takes it over; the others it adds.
    firewall.publish(elements, "br-test")
    assert _nft_elements(firewall.ANY_ADDRESS_MAP) == ["tcp . 8080 : 10.60.0.2 . 80", "udp . 5353 : 10.60.0.2 . 53"]
    assert len(_nft_elements(firewall.HAIRPIN_SET)) == 2


def test_published_ports_elements_never_fail_a_start_or_an_end(fresh_netns):
    """No table (`nft flush ruleset`), or a record we cannot read: nothing raises, nothing is made."""
    import subprocess

    from pyshell.contain.network import nftnetlink
    from pyshell.contain.spec import PortMapping

    _table_with_published_ports("br-test")
    subprocess.run(["nft", "flush", "ruleset"], check=True)
    elements = firewall.port_elements([PortMapping("", 8080, 80)], "10.60.0.2")
    firewall.publish(elements, "br-test")
    firewall.unpublish(elements)
    firewall.unpublish([[firewall.ANY_ADDRESS_MAP, "tcp . not-a-port", "10.60.0.2 . 80"]])
    firewall.unpublish([["no-such-map", "tcp . 80", ""]])
    assert subprocess.run(["nft", "list", "ruleset"], capture_output=True, text=True, check=True).stdout == ""
    with pytest.raises(OSError):  # the kernel's refusal, as an errno
        with nftnetlink.Nftables() as nft:
            nft.commit("pysh", firewall._changes(True, elements))
    for types, text in (("inet_proto", "icmp"), ("inet_service", "70000"), ("ipv4_addr", "10.60.0"),
                        ("inet_proto . inet_service", "tcp")):
        with pytest.raises(ValueError):
            nftnetlink.encode(types, text)
