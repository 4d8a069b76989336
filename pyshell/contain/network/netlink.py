"""The rtnetlink messages of contain's networks, spoken directly (rtnetlink(7), netlink(7)).

Every `contain run` on a bridge needs four requests: make a veth pair whose peer lands in the
container's network namespace already named eth0, give eth0 its address, bring it up, and add
the default route. Making a network needs three more (a bridge, its address, up), removing it
one, and choosing its subnet a dump of the routes. pyroute2 can say all of it, but importing it
costs 150-180 ms against a whole run of ~10 ms (or a whole `network create` of ~50 ms), so the
messages are built here with ``struct``; tests/contain/test_netlink.py checks that pyroute2
reads back what we made, and that we read what it reads.

A message is a header (nlmsghdr), a fixed part (ifinfomsg, ifaddrmsg or rtmsg), then
attributes: (length, type, value) padded to 4 bytes, which nest for the veth's peer or a
link's kind. Two ways to talk:

* a request (make, change, delete) carries NLM_F_ACK: the kernel answers with one
  NLMSG_ERROR whose error is 0 for success, or minus an errno;
* a dump (NLM_F_DUMP: every link, address or route) is answered by as many messages as there
  are objects, in as many datagrams as they need, then NLMSG_DONE.
"""

from __future__ import annotations

import os
import socket
import struct

from pyshell.record import Record

NETLINK_ROUTE = 0
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE = 24, 25, 26
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP_INTR = 0x1, 0x4, 0x10
NLM_F_DUMP = 0x300                      # NLM_F_ROOT | NLM_F_MATCH: all of them
NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE = 0x100, 0x200, 0x400  # the same bits mean other things on a new-object request

IFF_UP = 0x1
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_MASTER, IFLA_LINKINFO, IFLA_NET_NS_FD = 1, 3, 4, 10, 18, 28
IFLA_INFO_KIND, IFLA_INFO_DATA, IFLA_INFO_SLAVE_KIND, IFLA_INFO_SLAVE_DATA = 1, 2, 4, 5
IFLA_BRPORT_MODE = 4  # a bridge port's hairpin mode
VETH_INFO_PEER = 1
IFA_ADDRESS, IFA_LOCAL, IFA_BROADCAST = 1, 2, 4
RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_TABLE = 1, 4, 5, 15
RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST = 254, 3, 0, 1
NLA_TYPE_MASK = 0x3FFF                  # an attribute's type without the nested / byte-order flags

_HEADER = struct.Struct("=IHHII")       # nlmsghdr: length, type, flags, sequence, port id
_IFINFO = struct.Struct("=BxHiII")      # ifinfomsg: family, type, index, flags, change mask
_IFADDR = struct.Struct("=BBBBi")       # ifaddrmsg: family, prefix length, flags, scope, index
_RTMSG = struct.Struct("=BBBBBBBBI")    # rtmsg: family, dst len, src len, tos, table, protocol, scope, type, flags
_RECEIVE_SIZE = 65536                   # above the 32 KiB the kernel puts in one datagram of a dump


def attribute(kind: int, value: bytes) -> bytes:
    """One rtattr: 4 bytes of header, the value, padding to a multiple of 4."""
    length = 4 + len(value)
    return struct.pack("=HH", length, kind) + value + b"\0" * (-length % 4)


def attributes(data: bytes, offset: int = 0) -> dict[int, bytes]:
    """The attributes from ``offset`` to the end of ``data``, by type (their values, unpadded)."""
    found = {}
    while offset + 4 <= len(data):
        length, kind = struct.unpack_from("=HH", data, offset)
        if length < 4:
            break  # malformed: stop rather than loop
        found[kind & NLA_TYPE_MASK] = data[offset + 4:offset + length]
        offset += (length + 3) & ~3
    return found


def _name(text: str) -> bytes:
    return text.encode() + b"\0"


def _text(value: bytes) -> str:
    return value.rstrip(b"\0").decode()


def _number(value: bytes) -> int:
    return struct.unpack("=I", value)[0]


def link_info(index: int = 0, up: bool = False) -> bytes:
    return _IFINFO.pack(socket.AF_UNSPEC, 0, index, IFF_UP if up else 0, IFF_UP if up else 0)


def _check(payload: bytes) -> None:
    """An NLMSG_ERROR's (or NLMSG_DONE's) first field: 0, or minus the errno of a refusal."""
    (error,) = struct.unpack_from("=i", payload)
    if error:
        raise OSError(-error, os.strerror(-error))


class Link(Record):
    """A network device, as a dump of the links tells it."""
    index: int
    name: str
    kind: str       # "bridge", "veth"…; "" for a device without one (lo, a physical NIC)
    mac: str        # "02:42:ac:11:00:02"; "" for none
    master: int     # the index of the bridge it is a port of; 0 for none
    up: bool


class Address(Record):
    """An IPv4 address of a link."""
    index: int
    address: str
    prefix: int


class Route(Record):
    """An IPv4 route of the main table; the default route has prefix 0 and no destination."""
    destination: str
    prefix: int
    gateway: str    # "" for a route straight onto a link (a subnet's own route)
    index: int      # the output link; 0 for none


class NetlinkSocket:
    """A netlink socket of one protocol, in the network namespace that was ours when it was
    made (a socket keeps its namespace: one made before unshare(CLONE_NEWNET) still speaks to
    the host's), and the sequence number of its last request."""

    protocol = NETLINK_ROUTE

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, self.protocol)
        self.sock.bind((0, 0))
        self.sequence = 0

    def close(self) -> None:
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exception) -> None:
        self.close()


class Netlink(NetlinkSocket):
    """rtnetlink (NETLINK_ROUTE): links, addresses, routes."""

    def _send(self, kind: int, flags: int, body: bytes) -> None:
        self.sequence += 1
        self.sock.send(_HEADER.pack(_HEADER.size + len(body), kind, flags | NLM_F_REQUEST, self.sequence, 0) + body)

    def _replies(self):
        """(type, flags, payload) of each message answering our last request, as they arrive;
        leftovers of an earlier request (another sequence number) are passed over."""
        while True:
            data = self.sock.recv(_RECEIVE_SIZE)
            offset = 0
            while offset + _HEADER.size <= len(data):
                length, kind, flags, sequence, _ = _HEADER.unpack_from(data, offset)
                if sequence == self.sequence:
                    yield kind, flags, data[offset + _HEADER.size:offset + length]
                offset += (length + 3) & ~3

    def request(self, kind: int, flags: int, body: bytes) -> None:
        """Send one request and wait for its acknowledgement; an error becomes OSError(errno)."""
        self._send(kind, flags | NLM_F_ACK, body)
        for reply_kind, _, payload in self._replies():
            if reply_kind == NLMSG_ERROR:
                _check(payload)
                return

    def dump(self, kind: int, body: bytes) -> list[bytes]:
        """The payload of every object of one kind. A dump that a change cut across
        (NLM_F_DUMP_INTR: the kernel's list moved meanwhile) is asked for again."""
        while True:
            self._send(kind, NLM_F_DUMP, body)
            found, interrupted = [], False
            for reply_kind, flags, payload in self._replies():
                interrupted = interrupted or bool(flags & NLM_F_DUMP_INTR)
                if reply_kind in (NLMSG_ERROR, NLMSG_DONE):
                    _check(payload)
                    break
                found.append(payload)
            if not interrupted:
                return found

    # -- the messages of a container's start

    def add_veth(self, name: str, peer: str, peer_netns_fd: int, master: int = 0, peer_mac: bytes = b"",
                 mtu: int = 0) -> None:
        """A veth pair: ``name`` here (on bridge ``master``, up), ``peer`` made directly in the
        namespace of ``peer_netns_fd`` (down: its side brings it up once it has an address)."""
        peer_attributes = attribute(IFLA_IFNAME, _name(peer)) + attribute(IFLA_NET_NS_FD, struct.pack("=I", peer_netns_fd))
        if peer_mac:
            peer_attributes += attribute(IFLA_ADDRESS, peer_mac)
        if mtu:
            peer_attributes += attribute(IFLA_MTU, struct.pack("=I", mtu))
        info = attribute(IFLA_INFO_KIND, b"veth") + attribute(
            IFLA_INFO_DATA, attribute(VETH_INFO_PEER, link_info() + peer_attributes))
        body = link_info(up=True) + attribute(IFLA_IFNAME, _name(name)) + attribute(IFLA_LINKINFO, info)
        if master:
            body += attribute(IFLA_MASTER, struct.pack("=I", master))
        if mtu:
            body += attribute(IFLA_MTU, struct.pack("=I", mtu))
        self.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, body)

    def set_up(self, index: int) -> None:
        self.request(RTM_NEWLINK, 0, link_info(index, up=True))

    def set_hairpin(self, index: int) -> None:
        """A bridge port that sends frames back out the port they came in on (`ip link set X
        type bridge_slave hairpin on`): with br_netfilter, a container's DNATed connection to its
        own published port is bridged back to it, not routed."""
        data = attribute(IFLA_INFO_SLAVE_DATA, attribute(IFLA_BRPORT_MODE, b"\1"))
        info = attribute(IFLA_LINKINFO, attribute(IFLA_INFO_SLAVE_KIND, b"bridge") + data)
        self.request(RTM_NEWLINK, 0, link_info(index) + info)

    def set_down(self, index: int) -> None:
        """Down (the IFF_UP bit in the change mask, cleared in the flags)."""
        self.request(RTM_NEWLINK, 0, _IFINFO.pack(socket.AF_UNSPEC, 0, index, 0, IFF_UP))

    def rename(self, index: int, name: str) -> None:
        """A new name for a link; the kernel says EBUSY while it is up, EEXIST if the name is taken."""
        self.request(RTM_NEWLINK, 0, link_info(index) + attribute(IFLA_IFNAME, _name(name)))

    def delete_link(self, index: int) -> None:
        self.request(RTM_DELLINK, 0, link_info(index))

    def add_address(self, index: int, address: str, prefix: int) -> None:
        packed = socket.inet_aton(address)
        host_bits = (1 << (32 - prefix)) - 1
        broadcast = struct.pack("!I", struct.unpack("!I", packed)[0] | host_bits)
        body = (_IFADDR.pack(socket.AF_INET, prefix, 0, RT_SCOPE_UNIVERSE, index)
                + attribute(IFA_LOCAL, packed) + attribute(IFA_ADDRESS, packed) + attribute(IFA_BROADCAST, broadcast))
        self.request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, body)

    def delete_address(self, index: int, address: str, prefix: int) -> None:
        """One IPv4 address off a link (its subnet's route goes with it); EADDRNOTAVAIL if it has none such."""
        packed = socket.inet_aton(address)
        self.request(RTM_DELADDR, 0, _IFADDR.pack(socket.AF_INET, prefix, 0, RT_SCOPE_UNIVERSE, index)
                     + attribute(IFA_LOCAL, packed))

    def add_default_route(self, gateway: str, index: int, replace: bool = False) -> None:
        """The default route through ``gateway`` on link ``index``; ``replace``: instead of the
        one there is (if any), in one step, as `ip route replace default` (a live connect or
        disconnect moves it: the container never goes without one in between)."""
        body = (_RTMSG.pack(socket.AF_INET, 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, 0)
                + attribute(RTA_GATEWAY, socket.inet_aton(gateway)) + attribute(RTA_OIF, struct.pack("=I", index)))
        self.request(RTM_NEWROUTE, NLM_F_CREATE | (NLM_F_REPLACE if replace else NLM_F_EXCL), body)

    def delete_default_route(self) -> None:
        """The main table's default route goes; ESRCH if there is none."""
        self.request(RTM_DELROUTE, 0, _RTMSG.pack(socket.AF_INET, 0, 0, 0, RT_TABLE_MAIN, 0, RT_SCOPE_UNIVERSE, 0, 0))

    # -- the messages of a network's creation and removal

    def add_bridge(self, name: str, mac: bytes) -> None:
        """A bridge device with MAC address ``mac``, down and without an IP address (as `ip link
        add NAME address MAC type bridge`); the kernel says EEXIST if the name is taken. A MAC
        given at creation is one the kernel keeps: without it a bridge takes the lowest MAC of
        its ports, which changes as containers come and go."""
        info = attribute(IFLA_LINKINFO, attribute(IFLA_INFO_KIND, b"bridge"))
        body = link_info() + attribute(IFLA_IFNAME, _name(name)) + attribute(IFLA_ADDRESS, mac) + info
        self.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, body)

    def delete_link_named(self, name: str) -> None:
        """Delete a link by its name (an index of 0 tells the kernel to look at IFLA_IFNAME);
        ENODEV if there is none."""
        self.request(RTM_DELLINK, 0, link_info() + attribute(IFLA_IFNAME, _name(name)))

    # -- what the namespace has: links, addresses, routes

    def links(self) -> list[Link]:
        found = []
        for payload in self.dump(RTM_GETLINK, link_info()):
            _, _, index, flags, _ = _IFINFO.unpack_from(payload)
            values = attributes(payload, _IFINFO.size)
            kind = attributes(values.get(IFLA_LINKINFO, b"")).get(IFLA_INFO_KIND, b"")
            found.append(Link(index, _text(values.get(IFLA_IFNAME, b"")), _text(kind),
                              values.get(IFLA_ADDRESS, b"").hex(":"), _number(values.get(IFLA_MASTER, bytes(4))),
                              bool(flags & IFF_UP)))
        return found

    def addresses(self) -> list[Address]:
        """Every IPv4 address of every link (a dump is not filtered by link: the caller picks)."""
        found = []
        for payload in self.dump(RTM_GETADDR, _IFADDR.pack(socket.AF_INET, 0, 0, 0, 0)):
            _, prefix, _, _, index = _IFADDR.unpack_from(payload)
            values = attributes(payload, _IFADDR.size)
            own = values.get(IFA_LOCAL) or values.get(IFA_ADDRESS)  # IFA_ADDRESS is the peer's on point-to-point links
            if own:
                found.append(Address(index, socket.inet_ntoa(own), prefix))
        return found

    def routes(self) -> list[Route]:
        """The IPv4 routes of the main table (not the local table's own addresses and broadcasts)."""
        found = []
        for payload in self.dump(RTM_GETROUTE, _RTMSG.pack(socket.AF_INET, 0, 0, 0, 0, 0, 0, 0, 0)):
            _, prefix, _, _, table, _, _, _, _ = _RTMSG.unpack_from(payload)
            values = attributes(payload, _RTMSG.size)
            if RTA_TABLE in values:
                table = _number(values[RTA_TABLE])  # rtm_table has 8 bits; ids above 255 come here
            if table != RT_TABLE_MAIN:
                continue
            found.append(Route(socket.inet_ntoa(values[RTA_DST]) if RTA_DST in values else "", prefix,
                               socket.inet_ntoa(values[RTA_GATEWAY]) if RTA_GATEWAY in values else "",
                               _number(values.get(RTA_OIF, bytes(4)))))
        return found
