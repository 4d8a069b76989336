"""pysh's own nftables table: masquerade for each bridge network, isolation between them.

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

nft(8) runs as a subprocess: only when a network appears or goes, never per container. What
costs is the kernel's, and it is deletions that cost: any deletion in a transaction waits an
RCU grace period (a rule ~5 ms, the whole table 10–20 ms here), while adding a table, chains
and rules takes nft's own ~3 ms. So a new network *adds* its rules to the table (``add``), and
the table is rewritten (``apply``) only when a network goes or one must be mended; a rewrite
flushes the table rather than deleting it, so making the first one, where there is nothing to
flush, deletes nothing. `network rm` runs its rewrite beside its own work on the bridge
(``begin``, ``finish``).
"""

from __future__ import annotations

import subprocess

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
    script = [f"add table ip {TABLE}", f"flush table ip {TABLE}", *CHAINS]
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


def _start_nft(script: str) -> subprocess.Popen:
    try:
        nft = subprocess.Popen(["nft", "-f", "-"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    except FileNotFoundError:
        raise ContainerError("bridge networks need nft (Debian package nftables)", 125) from None
    nft.stdin.write(script)  # nft reads all of it before it starts, so no deadlock
    nft.stdin.close()
    return nft


def _wait_nft(nft: subprocess.Popen) -> None:
    """Wait for an nft; its last line of error as ours."""
    errors = nft.stderr.read().strip()
    nft.stderr.close()
    if nft.wait() != 0:
        raise ContainerError(f"nft: {errors.splitlines()[-1] if errors else 'failed'}", 125)
