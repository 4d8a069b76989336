"""The rtnetlink messages of a container's start, spoken directly (rtnetlink(7)).

Every `contain run` on a bridge needs four requests: make a veth pair whose peer lands in the
container's network namespace already named eth0, give eth0 its address, bring it up, and add
the default route. pyroute2 can say all of it, but importing it costs ~120 ms against a whole
run of ~10 ms, so these few messages are built here with ``struct``; pyroute2 does the rest
(links.py), and tests/contain/network/test_netlink.py checks that it reads back what we made.

A message is a header (nlmsghdr), a fixed part (ifinfomsg, ifaddrmsg or rtmsg), then
attributes: (length, type, value) padded to 4 bytes, which nest for the veth's peer.
The kernel answers every request with an NLMSG_ERROR whose error is 0 for success (NLM_F_ACK).
"""

from __future__ import annotations

import os
import socket
import struct

NETLINK_ROUTE = 0
NLMSG_ERROR = 2
RTM_NEWLINK, RTM_DELLINK = 16, 17
RTM_NEWADDR = 20
RTM_NEWROUTE = 24
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400

IFF_UP = 0x1
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_MASTER, IFLA_LINKINFO, IFLA_NET_NS_FD = 1, 3, 4, 10, 18, 28
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
VETH_INFO_PEER = 1
IFA_ADDRESS, IFA_LOCAL, IFA_BROADCAST = 1, 2, 4
RTA_OIF, RTA_GATEWAY = 4, 5
RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST = 254, 3, 0, 1

_HEADER = struct.Struct("=IHHII")       # nlmsghdr: length, type, flags, sequence, port id
_IFINFO = struct.Struct("=BxHiII")      # ifinfomsg: family, type, index, flags, change mask
_IFADDR = struct.Struct("=BBBBi")       # ifaddrmsg: family, prefix length, flags, scope, index
_RTMSG = struct.Struct("=BBBBBBBBI")    # rtmsg: family, dst len, src len, tos, table, protocol, scope, type, flags


def attribute(kind: int, value: bytes) -> bytes:
    """One rtattr: 4 bytes of header, the value, padding to a multiple of 4."""
    length = 4 + len(value)
    return struct.pack("=HH", length, kind) + value + b"\0" * (-length % 4)


def _name(text: str) -> bytes:
    return text.encode() + b"\0"


def link_info(index: int = 0, up: bool = False) -> bytes:
    return _IFINFO.pack(socket.AF_UNSPEC, 0, index, IFF_UP if up else 0, IFF_UP if up else 0)


class Netlink:
    """One NETLINK_ROUTE socket, in the network namespace that was ours when it was made (a
    socket keeps its namespace: one made before unshare(CLONE_NEWNET) still speaks to the host's)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, NETLINK_ROUTE)
        self.sock.bind((0, 0))
        self.sequence = 0

    def close(self) -> None:
        self.sock.close()

    def request(self, kind: int, flags: int, body: bytes) -> None:
        """Send one request and wait for its acknowledgement; an error becomes OSError(errno)."""
        self.sequence += 1
        message = _HEADER.pack(_HEADER.size + len(body), kind, flags | NLM_F_REQUEST | NLM_F_ACK,
                               self.sequence, 0) + body
        self.sock.send(message)
        while True:
            reply = self.sock.recv(65536)
            offset = 0
            while offset + _HEADER.size <= len(reply):
                length, reply_kind, _, sequence, _ = _HEADER.unpack_from(reply, offset)
                if reply_kind == NLMSG_ERROR and sequence == self.sequence:
                    (error,) = struct.unpack_from("=i", reply, offset + _HEADER.size)
                    if error:
                        raise OSError(-error, os.strerror(-error))
                    return
                offset += (length + 3) & ~3

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

    def delete_link(self, index: int) -> None:
        self.request(RTM_DELLINK, 0, link_info(index))

    def add_address(self, index: int, address: str, prefix: int) -> None:
        packed = socket.inet_aton(address)
        host_bits = (1 << (32 - prefix)) - 1
        broadcast = struct.pack("!I", struct.unpack("!I", packed)[0] | host_bits)
        body = (_IFADDR.pack(socket.AF_INET, prefix, 0, RT_SCOPE_UNIVERSE, index)
                + attribute(IFA_LOCAL, packed) + attribute(IFA_ADDRESS, packed) + attribute(IFA_BROADCAST, broadcast))
        self.request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, body)

    def add_default_route(self, gateway: str, index: int) -> None:
        body = (_RTMSG.pack(socket.AF_INET, 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, 0)
                + attribute(RTA_GATEWAY, socket.inet_aton(gateway)) + attribute(RTA_OIF, struct.pack("=I", index)))
        self.request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, body)
