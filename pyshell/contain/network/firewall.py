"""pysh's own nftables table: masquerade for each bridge network, isolation between them.

Everything pysh adds lives in one table, `ip pysh`, that nothing else uses: it is rewritten
whole, in one nft transaction, from the networks this namespace has (their network.json), made
with the first network and deleted with the last. Other tables (Docker's, a firewall's) are
never read or touched. The table, for a default bridge and one internal network::

    table ip pysh {
        chain postrouting {                 # outbound: the container's address -> the host's
            type nat hook postrouting priority srcnat; policy accept;
            ip saddr 172.17.0.0/16 oifname != "pysh0" masquerade
        }
        chain forward {                     # networks do not reach each other; internal: nowhere
            type filter hook forward priority filter; policy accept;
            iifname "pysh0" oifname { "pysh-1c2d3e4f5a" } drop
            iifname "pysh-1c2d3e4f5a" oifname != "pysh-1c2d3e4f5a" drop
        }
    }

nft(8) runs as a subprocess: only when a network appears or goes, never per container. Its
transaction costs the kernel ~20 ms, nft itself ~5 ms: `network rm` runs it beside its own
work on the bridge (begin, finish).
"""

from __future__ import annotations

import subprocess

from pyshell.errors import ContainerError

TABLE = "pysh"


def ruleset(networks: list[dict]) -> str:
    """The nft script that replaces our table with one for ``networks`` (or deletes it)."""
    script = [f"table ip {TABLE} {{}}", f"delete table ip {TABLE}"]  # add-then-delete: never fails
    if not networks:
        return "\n".join(script) + "\n"
    nat, forward = [], []
    bridges = [n["bridge"] for n in networks]
    for network in networks:
        bridge = network["bridge"]
        if network.get("internal"):
            forward.append(f'iifname "{bridge}" oifname != "{bridge}" drop')
            forward.append(f'oifname "{bridge}" iifname != "{bridge}" drop')
            continue
        nat.append(f'ip saddr {network["subnet"]} oifname != "{bridge}" masquerade')
        others = [b for b in bridges if b != bridge]
        if others:
            forward.append(f'iifname "{bridge}" oifname {{ {", ".join(f"{chr(34)}{b}{chr(34)}" for b in others)} }} drop')
    script.append(f"table ip {TABLE} {{")
    script.append("  chain postrouting {")
    script.append("    type nat hook postrouting priority srcnat; policy accept;")
    script += [f"    {rule}" for rule in nat]
    script.append("  }")
    script.append("  chain forward {")
    script.append("    type filter hook forward priority filter; policy accept;")
    script += [f"    {rule}" for rule in forward]
    script.append("  }")
    script.append("}")
    return "\n".join(script) + "\n"


def apply(networks: list[dict]) -> None:
    """Make the kernel's table say what ``networks`` need; IP forwarding on if any goes out."""
    finish(begin(networks))


def begin(networks: list[dict]):
    """Start nft on the new table and return at once, for a caller with work of its own to do
    meanwhile (the kernel takes ~20 ms to commit nft's transaction: `network rm` takes the
    bridge down and out of use beside it). ``finish`` waits."""
    try:
        nft = subprocess.Popen(["nft", "-f", "-"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    except FileNotFoundError:
        raise ContainerError("bridge networks need nft (Debian package nftables)", 125) from None
    nft.stdin.write(ruleset(networks))  # nft reads all of it before it starts, so no deadlock
    nft.stdin.close()
    return nft, networks


def finish(started) -> None:
    """Wait for the nft that ``begin`` started; its last line of error as ours."""
    nft, networks = started
    errors = nft.stderr.read().strip()
    nft.stderr.close()
    if nft.wait() != 0:
        raise ContainerError(f"nft: {errors.splitlines()[-1] if errors else 'failed'}", 125)
    if any(not network.get("internal") for network in networks):
        with open("/proc/sys/net/ipv4/ip_forward", "w") as file:
            file.write("1\n")
