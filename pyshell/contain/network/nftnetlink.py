"""The nf_tables messages that add elements to a set or map and delete them, spoken directly
(NETLINK_NETFILTER; the kernel's linux/netfilter/nfnetlink.h and nf_tables.h).

A container with published ports adds a few elements to the maps and the set of firewall.py at
its start and deletes them at its end. nft(8) takes ~3 ms to add them (mostly its own start)
and ~13 ms to delete them (its exit waits for the kernel to free them: ``of_this_process``),
and the supervisor cannot even start one at the end (it has unshared a PID namespace whose init
has exited: fork fails); these messages take ~0.1 ms, sent by the process itself. The table,
its chains and rules stay nft's (firewall.py).

nf_tables is changed by batches, each one transaction: the kernel makes all of its changes or,
if it refuses one, none. Every message is a netlink header (netlink.py), an nfgenmsg (family,
version, res_id), then attributes; a batch is::

    NFNL_MSG_BATCH_BEGIN                 nfgenmsg res_id: NFNL_SUBSYS_NFTABLES, whom it is for
    NFT_MSG_NEWSETELEM or _DELSETELEM    nfgenmsg family: NFPROTO_IPV4 (an `ip` table)
        NFTA_SET_ELEM_LIST_TABLE "pysh"
        NFTA_SET_ELEM_LIST_SET "published_any"
        NFTA_SET_ELEM_LIST_ELEMENTS
            NFTA_LIST_ELEM                       one per element
                NFTA_SET_ELEM_KEY  > NFTA_DATA_VALUE   the key's bytes
                NFTA_SET_ELEM_DATA > NFTA_DATA_VALUE   a map's value (none to delete)
    ...
    NFNL_MSG_BATCH_END

Each change (one message per set, however many elements: a few answers, never more than the
socket holds) carries NLM_F_ACK, so the kernel answers each with an NLMSG_ERROR: 0, or minus
the errno of its refusal. The kernel handles what we send within our send() (the netlink socket of
the kernel's side receives in the sender's system call), the commit too: once send returns, the
transaction is done and every answer waits in our socket.

A key or value of several fields (nft's ``.``, a concatenation) is the fields one after the
other, each padded to 4 bytes: inet_proto 1 byte, inet_service 2 (big-endian), ipv4_addr 4.
"""

from __future__ import annotations

import errno
import os
import socket
import struct

from pyshell.contain.network.netlink import (NLM_F_ACK, NLM_F_CREATE, NLM_F_REQUEST, NLMSG_ERROR, NetlinkSocket,
                                             attribute)
from pyshell.record import Record

NETLINK_NETFILTER = 12
NFNL_SUBSYS_NFTABLES = 10
NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END = 0x10, 0x11  # NLMSG_MIN_TYPE and the next
NFNETLINK_V0 = 0
NFPROTO_IPV4 = 2
NFT_MSG_NEWSETELEM, NFT_MSG_DELSETELEM = 12, 14
NFTA_SET_ELEM_LIST_TABLE, NFTA_SET_ELEM_LIST_SET, NFTA_SET_ELEM_LIST_ELEMENTS = 1, 2, 3
NFTA_LIST_ELEM = 1
NFTA_SET_ELEM_KEY, NFTA_SET_ELEM_DATA = 1, 2
NFTA_DATA_VALUE = 1
NLA_F_NESTED = 0x8000                   # an attribute whose value is attributes

_HEADER = struct.Struct("=IHHII")       # nlmsghdr: length, type, flags, sequence, port id
_NFGENMSG = struct.Struct("=BBH")       # family, version, res_id (big-endian: packed apart)
PROTOCOLS = {"tcp": 6, "udp": 17, "sctp": 132}
_opened: dict = {}                      # Nftables.of_this_process: {"owner": (pid, netns), "socket": ...}


# --------------------------------------------------------------------------- keys and values


def _field(kind: str, text: str) -> bytes:
    """One field as the kernel's registers hold it, padded to 4 bytes; ValueError for a text
    that is not of its type."""
    try:
        if kind == "inet_proto":
            return struct.pack("=B3x", PROTOCOLS[text])
        if kind == "inet_service":
            return struct.pack("!H2x", int(text))
        if kind == "ipv4_addr":
            return socket.inet_pton(socket.AF_INET, text)
    except (KeyError, ValueError, OSError, struct.error):
        raise ValueError(f"{text!r} is not an nft {kind}") from None
    raise ValueError(f"no encoding for nft type {kind}")


def encode(types: str, text: str) -> bytes:
    """A key or value as nft writes it (``tcp . 8080``), of the set's type as nft names it
    (``inet_proto . inet_service``), as the kernel takes it."""
    kinds, fields = types.split(" . "), text.split(" . ")
    if len(kinds) != len(fields):
        raise ValueError(f"{text!r} is not of type {types}")
    return b"".join(_field(kind, field) for kind, field in zip(kinds, fields))


# --------------------------------------------------------------------------- a batch


class Change(Record):
    """One message of a batch: elements added to one set or map, or deleted from it."""
    add: bool
    set: str
    elements: tuple[tuple[bytes, bytes], ...]  # (key, a map's value: b"" for a set, and to delete)


def _nested(kind: int, value: bytes) -> bytes:
    return attribute(kind | NLA_F_NESTED, value)


def _element(key: bytes, value: bytes) -> bytes:
    body = _nested(NFTA_SET_ELEM_KEY, attribute(NFTA_DATA_VALUE, key))
    if value:
        body += _nested(NFTA_SET_ELEM_DATA, attribute(NFTA_DATA_VALUE, value))
    return _nested(NFTA_LIST_ELEM, body)


def _change_body(table: str, change: Change) -> bytes:
    elements = b"".join(_element(key, value if change.add else b"") for key, value in change.elements)
    return (_NFGENMSG.pack(NFPROTO_IPV4, NFNETLINK_V0, 0)
            + attribute(NFTA_SET_ELEM_LIST_TABLE, table.encode() + b"\0")
            + attribute(NFTA_SET_ELEM_LIST_SET, change.set.encode() + b"\0")
            + _nested(NFTA_SET_ELEM_LIST_ELEMENTS, elements))


class Nftables(NetlinkSocket):
    """One NETLINK_NETFILTER socket, in the network namespace that was ours when it was made."""

    protocol = NETLINK_NETFILTER

    @classmethod
    def of_this_process(cls) -> "Nftables":
        """A socket this process opens once and never closes: the kernel frees what a deletion
        took out of a set only after an RCU grace period, in the background, but the release of
        a NETLINK_NETFILTER socket (any) waits until that is done: 4-24 ms here, right after a
        deletion. At the process's exit nobody waits for it (or it is long done). A forked child
        opens its own (two processes reading one socket would take each other's answers), and so
        does a process that has moved to another network namespace."""
        owner = (os.getpid(), os.stat("/proc/self/ns/net").st_ino)
        if _opened.get("owner") != owner:
            _opened.update(owner=owner, socket=cls())
        return _opened["socket"]

    def _message(self, kind: int, flags: int, body: bytes) -> tuple[int, bytes]:
        self.sequence += 1
        header = _HEADER.pack(_HEADER.size + len(body), kind, flags | NLM_F_REQUEST, self.sequence, 0)
        return self.sequence, header + body

    def commit(self, table: str, changes: list[Change]) -> None:
        """Make ``changes`` to ``table`` (of family ip) in one transaction; if the kernel refuses
        one, it makes none, and the first refusal is raised as OSError(errno)."""
        begin = self._message(NFNL_MSG_BATCH_BEGIN, 0, _NFGENMSG.pack(socket.AF_UNSPEC, NFNETLINK_V0,
                                                                      socket.htons(NFNL_SUBSYS_NFTABLES)))
        messages = [self._message(NFNL_SUBSYS_NFTABLES << 8 | (NFT_MSG_NEWSETELEM if c.add else NFT_MSG_DELSETELEM),
                                  NLM_F_ACK | (NLM_F_CREATE if c.add else 0), _change_body(table, c))
                    for c in changes]
        end = self._message(NFNL_MSG_BATCH_END, 0, _NFGENMSG.pack(socket.AF_UNSPEC, NFNETLINK_V0,
                                                                  socket.htons(NFNL_SUBSYS_NFTABLES)))
        self.sock.send(b"".join(message for _, message in (begin, *messages, end)))
        answers = {sequence: error for sequence, error in self._answers().items() if begin[0] <= sequence <= end[0]}
        # A refusal of the batch as a whole (its commit) names the end's sequence number.
        for sequence, error in answers.items():
            if error:
                raise OSError(-error, f"nf_tables: {os.strerror(-error)}")
        if any(sequence not in answers for sequence, _ in messages):
            raise OSError(errno.EPROTO, "nf_tables: a change of the batch was not answered")

    def _answers(self) -> dict[int, int]:
        """{sequence number: error} of the NLMSG_ERRORs waiting in the socket (all of them: the
        kernel handled the batch in our send)."""
        answers = {}
        while True:
            try:
                data = self.sock.recv(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return answers
            offset = 0
            while offset + _HEADER.size <= len(data):
                length, kind, _, sequence, _ = _HEADER.unpack_from(data, offset)
                if kind == NLMSG_ERROR:
                    (answers[sequence],) = struct.unpack_from("=i", data, offset + _HEADER.size)
                offset += (length + 3) & ~3
