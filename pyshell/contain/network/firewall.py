"""pysh's own nftables table: masquerade for each bridge network, isolation between them, and
the kernel's forwarding of published ports (DNAT).

Everything pysh adds lives in one table, `ip pysh`, that nothing else uses: it is made from
the networks this namespace has (their network.json), with the first network, and deleted with
the last; each change is one nft transaction. Other tables (Docker's, a firewall's) are
never read or touched. The table, for a default bridge and one internal network::

    table ip pysh {
        chain postrouting {                 # outbound: the container's address -> the host's
            type nat hook postrouting priority srcnat; policy accept;
            ip saddr 172.17.0.0/16 oifname != "pysh0" masquerade
        }
        chain forward {                     # networks do not reach each other; internal: nowhere
            type filter hook forward priority filter; policy accept;
            iifname "pysh-1c2d3e4f5a" oifname != "pysh-1c2d3e4f5a" drop
            oifname "pysh-1c2d3e4f5a" iifname != "pysh-1c2d3e4f5a" drop
        }
    }

nft(8) runs as a subprocess when a network appears or goes, never for a container: the
published ports' elements (below) are messages of our own (nftnetlink.py). What costs is the
kernel's, and it is deletions that cost: the kernel frees what a transaction deleted after an
RCU grace period, and nft's exit (the release of its netlink socket) waits for that (a rule
~5 ms, the whole table 10–20 ms here), while adding a table, chains and rules takes nft's own
~3 ms. So a new network *adds* its rules to the table (``add``), and
the table is rewritten (``apply``) only when a network goes or one must be mended; a rewrite
flushes the table rather than deleting it, so making the first one, where there is nothing to
flush, deletes nothing. `network rm` runs its rewrite beside its own work on the bridge
(``begin``, ``finish``).

Published ports (``published_ports_chains``, in the same table) are forwarded by the kernel,
as Docker's with `userland-proxy: false`: fixed rules look the packet's destination up in two
maps, and a container's start adds its elements, its end deletes them, each in one nf_tables
transaction that `contain` or the supervisor sends itself (``publish``, ``unpublish``: ~0.1 ms;
the kernel frees the deleted ones after a grace period, in the background). No rule changes per
container. Every packet to one of the host's own addresses, from another namespace, from a
container (hairpin) or from the host itself (127.0.0.1 too), is sent on to the container's
first address::

    map published_any { type inet_proto . inet_service : ipv4_addr . inet_service   # -p 8080:80
                        elements = { tcp . 8080 : 172.17.0.2 . 80 } }
    map published_at { type ipv4_addr . inet_proto . inet_service : ...            # -p 127.0.0.1:8081:80
                       elements = { 127.0.0.1 . tcp . 8081 : 172.17.0.2 . 80 } }
    chain published { dnat ip to ip daddr . meta l4proto . th dport map @published_at
                      dnat ip to meta l4proto . th dport map @published_any }
    chain published_prerouting { type nat hook prerouting ...; fib daddr type local jump published }
    chain published_output { type nat hook output ...; fib daddr type local jump published }

The container's port proxy (proxy.py) still holds the listening sockets: the port stays
reserved while the container runs, and whatever the maps lack (a start the kernel refused) the
proxy serves. See ``published_ports_chains`` for the masquerades and the 127.0.0.0/8 guard.
"""

from __future__ import annotations

import os

from pyshell.errors import ContainerError

TABLE = "pysh"
CHAINS = [
    f"add chain ip {TABLE} postrouting {{ type nat hook postrouting priority srcnat; policy accept; }}",
    f"add chain ip {TABLE} forward {{ type filter hook forward priority filter; policy accept; }}",
]


def rules_of(network: dict, earlier: list[dict]) -> list[str]:
    """The rules ``network`` adds to a table that has those of the ``earlier`` networks:
    its masquerade, and no forwarding between it and them (both ways, so the earlier ones'
    rules need not change). An internal network forwards nowhere at all."""
    bridge = network["bridge"]
    if network.get("internal"):
        return [f'add rule ip {TABLE} forward iifname "{bridge}" oifname != "{bridge}" drop',
                f'add rule ip {TABLE} forward oifname "{bridge}" iifname != "{bridge}" drop']
    rules = [f'add rule ip {TABLE} postrouting ip saddr {network["subnet"]} oifname != "{bridge}" masquerade']
    others = [n["bridge"] for n in earlier if not n.get("internal")]  # an internal one drops its own
    if others:
        names = ", ".join(f'"{other}"' for other in others)
        rules.append(f'add rule ip {TABLE} forward iifname "{bridge}" oifname {{ {names} }} drop')
        rules.append(f'add rule ip {TABLE} forward iifname {{ {names} }} oifname "{bridge}" drop')
    return rules


def ruleset(networks: list[dict]) -> str:
    """The nft script that makes our table say what ``networks`` need (or deletes it)."""
    if not networks:
        return f"table ip {TABLE} {{}}\ndelete table ip {TABLE}\n"  # add-then-delete: never fails
    script = [f"add table ip {TABLE}", f"flush table ip {TABLE}", *CHAINS, *published_ports_chains()]
    for index, network in enumerate(networks):
        script += rules_of(network, networks[:index])
    return "\n".join(script) + "\n"


def add(network: dict, others: list[dict]) -> None:
    """A new network's rules, added to a table that has those of ``others`` (the networks
    this namespace had already). With no others, the table is made (a stale one, of a command
    killed half-way, is flushed). If the table has gone meanwhile (`nft flush ruleset`), it is
    rewritten whole."""
    if others:
        try:
            _run_nft("\n".join(rules_of(network, others)) + "\n")
            _forward_if_needed([network])
            return
        except ContainerError:
            pass  # no table to add to: made again below
    apply([*others, network])


def apply(networks: list[dict]) -> None:
    """Make the kernel's table say what ``networks`` need; IP forwarding on if any goes out."""
    finish(begin(networks))


def begin(networks: list[dict]):
    """Start nft on the new table and return at once, for a caller with work of its own to do
    meanwhile (the kernel takes ~20 ms to commit nft's transaction: `network rm` takes the
    bridge down and out of use beside it). ``finish`` waits."""
    return _start_nft(ruleset(networks)), networks


def finish(started) -> None:
    """Wait for the nft that ``begin`` started; its last line of error as ours."""
    nft, networks = started
    _wait_nft(nft)
    _forward_if_needed(networks)


def _forward_if_needed(networks: list[dict]) -> None:
    if any(not network.get("internal") for network in networks):
        with open("/proc/sys/net/ipv4/ip_forward", "w") as file:
            file.write("1\n")


def _run_nft(script: str) -> None:
    _wait_nft(_start_nft(script))


def _start_nft(script: str):
    import subprocess  # here: the supervisor imports this module for ``unpublish``, and never starts nft

    try:
        nft = subprocess.Popen(["nft", "-f", "-"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    except FileNotFoundError:
        raise ContainerError("bridge networks need nft (Debian package nftables)", 125) from None
    nft.stdin.write(script)  # nft reads all of it before it starts, so no deadlock
    nft.stdin.close()
    return nft


def _wait_nft(nft) -> None:
    """Wait for an nft; its last line of error as ours."""
    errors = nft.stderr.read().strip()
    nft.stderr.close()
    if nft.wait() != 0:
        raise ContainerError(f"nft: {errors.splitlines()[-1] if errors else 'failed'}", 125)


# --------------------------------------------------------------------------- published ports (DNAT)

ANY_ADDRESS_MAP = "published_any"    # (protocol, host port) -> (container address, port): -p 8080:80
ONE_ADDRESS_MAP = "published_at"     # (host address, protocol, host port) -> ...: -p 127.0.0.1:8080:80
HAIRPIN_SET = "published_self"       # (container address twice, protocol, port): to itself, masqueraded
BRIDGES = "pysh*"                    # every bridge of ours: pysh0 and pysh-<id>
SET_TYPES = {                        # each one's (key type, value type), as nft names them
    ANY_ADDRESS_MAP: ("inet_proto . inet_service", "ipv4_addr . inet_service"),
    ONE_ADDRESS_MAP: ("ipv4_addr . inet_proto . inet_service", "ipv4_addr . inet_service"),
    HAIRPIN_SET: ("ipv4_addr . ipv4_addr . inet_proto . inet_service", ""),
}


def published_ports_chains() -> list[str]:
    """The fixed part of the table that forwards published ports, as nft commands after the
    networks' chains (a rewrite flushes the table: the maps keep their elements, the chains are
    emptied and filled again); containers change only the elements of its maps and set
    (``publish``). Beside the DNAT of the docstring above:

    * Loopback: a connection from the host to 127.0.0.1:PORT is sent to the container by the
      output chain, and must leave through the bridge with a source the container can answer:
      it is masqueraded (to the bridge's address), and the bridge accepts 127.0.0.0/8 as a
      destination (route_localnet, set by ``publish``) for the replies, once un-NATed.
    * That setting would let a container (or anything on a bridge) reach the host's services
      on 127.0.0.1, as kube-proxy's did (CVE-2020-8558): the input chain drops every packet
      from a bridge to 127.0.0.0/8 but the replies of those masqueraded connections.
    * Hairpin: a container reaching its own or a neighbour's published port through a host
      address is sent back into its bridge; masqueraded, the replies come back through the
      host (the neighbour would otherwise answer it directly, from an address it did not call).
      With br_netfilter (Docker loads it; its sysctl is on in every namespace) such packets
      are bridged, not routed, and postrouting sees no input interface: the neighbour's replies
      pass its conntrack anyway, but a container's packets to itself would come back from its
      own address and be dropped as martians: the ``published_self`` set masquerades those,
      and ``set_hairpin`` (netlink.py) lets the bridge send them back out the port they came in
      on, as Docker does without its proxy.
      Across bridges the networks' masquerade does it, and isolation lets DNATed traffic
      through (``ct status dnat accept``, first in the forward chain): a published port is
      open to every network, as it is through the proxy.
    Clients from other namespaces keep their own address: the container sees who called.
    """
    table = f"ip {TABLE}"
    return [
        *(f"add map {table} {name} {{ type {SET_TYPES[name][0]} : {SET_TYPES[name][1]}; }}"
          for name in (ANY_ADDRESS_MAP, ONE_ADDRESS_MAP)),
        f"add set {table} {HAIRPIN_SET} {{ type {SET_TYPES[HAIRPIN_SET][0]}; }}",
        f"add chain {table} published",
        f"add rule {table} published dnat ip to ip daddr . meta l4proto . th dport map @{ONE_ADDRESS_MAP}",
        f"add rule {table} published dnat ip to meta l4proto . th dport map @{ANY_ADDRESS_MAP}",
        f"add chain {table} published_prerouting {{ type nat hook prerouting priority dstnat; policy accept; }}",
        f"add rule {table} published_prerouting fib daddr type local jump published",
        # priority -100: dstnat, which nft names for prerouting only
        f"add chain {table} published_output {{ type nat hook output priority -100; policy accept; }}",
        f"add rule {table} published_output fib daddr type local jump published",
        f"add chain {table} published_postrouting {{ type nat hook postrouting priority srcnat; policy accept; }}",
        f"add rule {table} published_postrouting ct status dnat ip saddr 127.0.0.0/8 masquerade",
        f'add rule {table} published_postrouting ct status dnat iifname "{BRIDGES}" masquerade',
        f"add rule {table} published_postrouting ct status dnat ip saddr . ip daddr . meta l4proto . th dport "
        f"@{HAIRPIN_SET} masquerade",
        f"add chain {table} loopback_guard {{ type filter hook input priority filter; policy accept; }}",
        f'add rule {table} loopback_guard iifname "{BRIDGES}" ip daddr 127.0.0.0/8 ct direction reply ct status snat accept',
        f'add rule {table} loopback_guard iifname "{BRIDGES}" ip daddr 127.0.0.0/8 drop',
        f"add rule {table} forward ct status dnat accept",  # first in the chain: the networks' rules come after
    ]


def port_elements(mappings, address: str) -> list[list[str]]:
    """The map elements that send ``mappings`` (PortMapping, host ports known) to ``address``,
    and the hairpin set's: [map or set, key, value or ""] as nft writes them, as network.json
    keeps them for their deletion."""
    elements = []
    for mapping in mappings:
        key = f"{mapping.protocol} . {mapping.host_port}"
        value = f"{address} . {mapping.container_port}"
        if mapping.host_ip:
            elements.append([ONE_ADDRESS_MAP, f"{mapping.host_ip} . {key}", value])
        else:
            elements.append([ANY_ADDRESS_MAP, key, value])
    for port in sorted({(mapping.protocol, mapping.container_port) for mapping in mappings}):
        elements.append([HAIRPIN_SET, f"{address} . {address} . {port[0]} . {port[1]}", ""])
    return elements


def _changes(add: bool, elements) -> list:
    """The nf_tables messages (nftnetlink.py) that add ``elements`` or delete them: one per set."""
    from pyshell.contain.network import nftnetlink

    by_set: dict[str, list[tuple[bytes, bytes]]] = {}
    for name, key, value in elements:
        key_type, value_type = SET_TYPES[name]
        by_set.setdefault(name, []).append((nftnetlink.encode(key_type, key),
                                            nftnetlink.encode(value_type, value) if add and value else b""))
    return [nftnetlink.Change(add, name, tuple(items)) for name, items in by_set.items()]


def _committed(changes: list) -> bool:
    """Whether the kernel made ``changes`` to our table (all of them: one transaction)."""
    from pyshell.contain.network import nftnetlink

    try:
        nftnetlink.Nftables.of_this_process().commit(TABLE, changes)
        return True
    except OSError:  # refused (the table is gone, a key is another's), or no nf_tables at all
        return False


def _ours_deleted(elements) -> list:
    """Adding an element that is there with the same value changes nothing, and with another
    value is refused (and with it the transaction): so adding, then deleting, in one transaction
    deletes only what is ours (a key taken over by a later start stays), and never fails on
    what is gone already."""
    return [*_changes(True, elements), *_changes(False, elements)]


def publish(elements, bridge: str) -> None:
    """Add a container's elements; the bridge takes 127.0.0.0/8 replies from then on (see
    above). If the kernel refuses, an element of a container that died unseen holds a key (its
    port was free, since we bound it): each key is taken over, one by one (deleted and added
    again, in one transaction). Never an error: the proxy serves what the kernel does not."""
    with open(f"/proc/sys/net/ipv4/conf/{bridge}/route_localnet", "w") as file:
        file.write("1\n")
    if _committed(_changes(True, elements)):
        return
    for element in elements:
        if not _committed(_changes(True, [element])):
            _committed([*_changes(False, [element]), *_changes(True, [element])])


def unpublish(elements) -> None:
    """Delete a container's elements, and only those (``_ours_deleted``): at its end, in
    `contain`'s undo, or in the reconciliation after a crash. Never an error."""
    try:
        changes = _ours_deleted(elements or [])
    except (KeyError, ValueError, TypeError):
        return  # not a record of ours (network.json written by hand?): nothing we could delete
    if not elements or _committed(changes):
        return
    for element in elements:  # the table is gone, or a key is another's: the rest, one by one
        _committed(_ours_deleted([element]))
