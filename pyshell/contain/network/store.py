"""Networks: the default `bridge`, and user-defined ones (`contain network create/ls/rm/...`).

A user-defined network is a file in the home (``networks/NAME.json``: name, id, subnet,
gateway, bridge device, internal, labels), as Docker keeps its networks in its daemon's store.
What it is in a network namespace (the bridge device, its address, our nftables rules, the
leases) is made by ``realise()`` in the namespace where a container needs it, and recorded
there under /run (ipam.py): so `network create` makes the bridge at once and a container
start remakes it if the namespace lost it (a reboot, or another namespace).

The default network `bridge` is not in the home: it belongs to the namespace (device pysh0,
like Docker's docker0), made by the first container that uses it, shared by every home in
that namespace, and resolves no names (as Docker's). Subnets come from Docker's pools,
172.17.0.0/16 first, then 172.18… to 172.31, then 192.168.0.0/20 and on, skipping any that
overlaps a route of the namespace or another network: course output looks like Docker's.

Removing a network (`network rm`, `compose down`) is done in what anyone can see when it
returns: its rules are gone, its runtime directory too, and its bridge is down with no address,
so its subnet is free for the next network at once. The bridge device itself is deleted a moment
later by a detached process (links.delete_detached), because the kernel takes ~50 ms over it:
`ip link` may show it DOWN for that long. The default bridge is renamed as it is retired, so the
next container can make pysh0 again at once. A bridge whose deletion never ran (its process
killed) is a `pysh-` bridge with no runtime directory: the next `network create` or `rm` in the
namespace sweeps it.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from pyshell.contain.network import ipam, links
from pyshell.errors import ContainerError
from pyshell.record import Record
from pyshell.statedir import atomic_write_json

DEFAULT = "bridge"
DEFAULT_DEVICE = "pysh0"
BUILTIN = ("bridge", "host", "none")
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")


class Network(Record):
    name: str
    id: str
    subnet: str                 # "172.18.0.0/16"
    gateway: str                # "172.18.0.1"
    bridge: str                 # the device: pysh0, pysh-<10 hex of the id>
    internal: bool = False      # no outbound route, no masquerade
    dns: bool = True            # containers resolve each other by name (not on the default bridge)
    created: str = ""
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def prefix(self) -> int:
        return int(self.subnet.partition("/")[2])

    def to_json(self) -> dict:
        return self.as_dict()

    @classmethod
    def from_json(cls, data: dict) -> "Network":
        data = dict(data)
        data["labels"] = tuple(tuple(pair) for pair in data.get("labels", ()))
        return cls(**{k: v for k, v in data.items() if k in cls._fields})


def _pools(for_default: bool):
    """Docker's default address pools: 172.17-31.0.0/16, then 192.168.0.0/16 cut in /20s.
    172.17.0.0/16 is kept for the default bridge (Docker makes docker0 first), even before it exists."""
    for second in range(17 if for_default else 18, 32):
        yield f"172.{second}.0.0/16"
    for third in range(0, 256, 16):
        yield f"192.168.{third}.0/20"


def _now() -> str:
    seconds = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds % 1 * 1e9):09d}Z"


def networks_dir(home: Path) -> Path:
    return home / "networks"


def user_networks(home: Path) -> list[Network]:
    directory = networks_dir(home)
    found = []
    if directory.is_dir():
        for path in sorted(directory.glob("*.json")):
            try:
                found.append(Network.from_json(json.loads(path.read_text())))
            except (OSError, ValueError, TypeError):
                continue
    return found


def default_network(plan: bool = True) -> Network:
    """The default `bridge` as this namespace has it, or as it would be made now (without
    ``plan``: with no subnet yet, and nothing written or looked up)."""
    runtime = f"{ipam.RUN_ROOT}/{ipam.netns_key()}"
    try:
        with open(f"{runtime}/{DEFAULT_DEVICE}/network.json") as file:
            return Network.from_json(json.load(file))
    except (OSError, ValueError):
        pass
    if not plan:
        return Network(DEFAULT, "0" * 64, "", "", DEFAULT_DEVICE, dns=False)
    if links.exists(DEFAULT_DEVICE):  # made here before, its record lost: the bridge says what it is
        for address in links.link_details(DEFAULT_DEVICE)["addresses"]:
            gateway, _, prefix = address.partition("/")
            network, length = ipam.parse_cidr(f"{gateway}/{prefix}")
            return Network(DEFAULT, _default_id(), f"{ipam.to_text(network)}/{length}", gateway, DEFAULT_DEVICE,
                           dns=False)
    subnet = _free_subnet([], ipam.runtime_dir(), for_default=True)
    return Network(DEFAULT, _default_id(), subnet, _gateway_of(subnet), DEFAULT_DEVICE, dns=False)


def _default_id() -> str:
    return os.urandom(32).hex()


def _gateway_of(subnet: str) -> str:
    network, _ = ipam.parse_cidr(subnet)
    return ipam.to_text(network + 1)


def _free_subnet(others: list[Network], runtime: str, for_default: bool = False) -> str:
    used = [ipam.parse_cidr(n.subnet) for n in others]
    used += [ipam.parse_cidr(n["subnet"]) for n in ipam.realised(runtime)]
    used += links.routed_subnets()
    for candidate in _pools(for_default):
        subnet = ipam.parse_cidr(candidate)
        if not any(ipam.overlaps(subnet, other) for other in used):
            return candidate
    raise ContainerError("could not find an available, non-overlapping IPv4 address pool among the defaults to "
                         "assign to the network", 125)


def find(home: Path, name_or_id: str) -> Network:
    """A network by name, full id or unique id prefix; Docker's error when there is none."""
    if name_or_id == DEFAULT:
        return default_network()
    networks = user_networks(home)
    for network in networks:
        if network.name == name_or_id or network.id == name_or_id:
            return network
    matches = [n for n in networks if len(name_or_id) >= 3 and n.id.startswith(name_or_id)]
    if len(matches) == 1:
        return matches[0]
    raise ContainerError(f"network {name_or_id} not found", 125)


def create(home: Path, name: str, subnet: str = "", gateway: str = "", internal: bool = False,
           labels: dict | None = None) -> Network:
    """`network create`: the record in the home, and its bridge and rules in this namespace."""
    if os.geteuid() != 0:
        raise ContainerError("user-defined networks need root: rootless containers have the default "
                             "network only (slirp4netns), a gap of this version", 125)
    if not _NAME.match(name):
        raise ContainerError(f"invalid network name {name!r}: use [a-zA-Z0-9][a-zA-Z0-9_.-]*", 125)
    if name in BUILTIN:
        raise ContainerError(f"network with name {name} already exists", 125)  # Docker's words, for bridge/host/none
    runtime = ipam.runtime_dir()
    with ipam.locked(runtime):
        links.delete_detached(_retire_leftover_bridges(runtime))  # before a subnet is chosen: theirs are free
        others = user_networks(home)
        if any(n.name == name for n in others):
            raise ContainerError(f"network with name {name} already exists", 125)
        if subnet:
            try:
                wanted = ipam.parse_cidr(subnet)
            except ValueError as error:
                raise ContainerError(str(error), 125) from None
            subnet = f"{ipam.to_text(wanted[0])}/{wanted[1]}"
            taken = [ipam.parse_cidr(n.subnet) for n in others] + [ipam.parse_cidr(n["subnet"]) for n in ipam.realised(runtime)]
            if any(ipam.overlaps(wanted, other) for other in taken + links.routed_subnets()):
                raise ContainerError(f"Pool overlaps with other one on this address space ({subnet})", 125)
        else:
            if gateway:
                raise ContainerError("--gateway needs --subnet", 125)
            subnet = _free_subnet(others, runtime)
        network_number, prefix = ipam.parse_cidr(subnet)
        if gateway:
            try:
                number = ipam.to_int(gateway)
            except OSError:
                raise ContainerError(f"invalid gateway address {gateway!r}", 125) from None
            if not ipam.contains((network_number, prefix), number):
                raise ContainerError(f"no matching subnet for gateway {gateway}", 125)
        else:
            gateway = ipam.to_text(network_number + 1)
        network_id = os.urandom(32).hex()
        network = Network(name, network_id, subnet, gateway, f"pysh-{network_id[:10]}", internal, True, _now(),
                          tuple(sorted((labels or {}).items())))
        _realise_locked(network, runtime)
        try:
            atomic_write_json(networks_dir(home) / f"{name}.json", network.to_json())
        except BaseException:
            _unrealise_locked(network, runtime)
            raise
    _start_name_server(network, runtime)
    return network


def realise(network: Network) -> str:
    """The network's bridge, rules and runtime directory in this namespace, made if missing;
    returns the runtime directory of the network (where its leases are)."""
    runtime = ipam.runtime_dir()
    directory = f"{runtime}/{network.bridge}"
    if os.path.exists(f"{directory}/network.json") and links.exists(network.bridge):
        return directory  # the common case, no lock: everything is there
    with ipam.locked(runtime):
        if network.name == DEFAULT:
            network = default_network()  # another command may have made it meanwhile
        _realise_locked(network, runtime)
    _start_name_server(network, runtime)
    return directory


def _start_name_server(network: Network, runtime: str) -> None:
    """A user network's name server boots beside what comes next (dns.py), not waited for."""
    if network.dns:
        from pyshell.contain.network import dns

        dns.start_server(runtime, network)


def _realise_locked(network: Network, runtime: str) -> None:
    directory = f"{runtime}/{network.bridge}"
    others = [n for n in ipam.realised(runtime) if n["bridge"] != network.bridge]
    os.makedirs(f"{directory}/leases", exist_ok=True)
    new = not os.path.exists(f"{directory}/network.json")
    if new:
        ipam.write_atomically(f"{directory}/network.json", json.dumps(network.to_json()))
    if not links.exists(network.bridge):
        links.create_bridge(network.bridge, network.gateway, network.prefix)
    from pyshell.contain.network import firewall  # subprocess: only when a network appears

    if new:
        firewall.add(network.to_json(), others)
    else:  # its bridge was missing: the rules may be too, or stale
        firewall.apply([*others, network.to_json()])


def _unrealise_locked(network: Network, runtime: str) -> None:
    from pyshell.contain.network import firewall

    if not os.path.exists(f"{runtime}/{network.bridge}/network.json"):
        return  # never made in this namespace: its bridge and rules are not here
    # The rules of the networks that stay are rewritten (nft, ~20 ms) while we retire the bridge.
    rules = firewall.begin([n for n in ipam.realised(runtime) if n["bridge"] != network.bridge])
    # Leftovers first, while ours still has its name and directory: it is not taken for one.
    gone = _retire_leftover_bridges(runtime)
    try:
        # pysh0's name must be free at once: the next container on the default network makes it again.
        new_name = f"pysh-{os.urandom(5).hex()}" if network.bridge == DEFAULT_DEVICE else ""
        retired = links.retire_bridge(network.bridge, new_name)
    except BaseException:
        firewall.finish(rules)
        firewall.apply(ipam.realised(runtime))  # the bridge stays, and so do its rules
        raise
    if retired is not None:  # None: its device was gone already
        gone.append(retired)
    ipam.remove_directory(f"{runtime}/{network.bridge}")
    links.delete_detached(gone)
    firewall.finish(rules)


def _retire_leftover_bridges(runtime: str) -> list[int]:
    """Retire our bridges that no network of this namespace has (a `pysh-` bridge without a
    runtime directory): one whose detached deletion never ran, or of a command killed half-way;
    returns their indexes, for the caller to delete. The caller holds the namespace's lock, so
    no network is being made meanwhile (its directory comes before its bridge)."""
    leftovers = []
    for bridge in links.bridges():
        if bridge.name.startswith("pysh-") and not os.path.exists(f"{runtime}/{bridge.name}/network.json"):
            index = links.retire_bridge(bridge.name)
            if index is not None:
                leftovers.append(index)
    return leftovers


def in_use(network: Network) -> list[str]:
    """Names of the containers holding an address on ``network`` in this namespace."""
    directory = f"{ipam.runtime_dir()}/{network.bridge}"
    ipam.reclaim_stale(directory)
    return sorted(lease.get("name", "?") for lease in ipam.read_leases(directory).values())


def remove(home: Path, name_or_id: str) -> Network:
    """`network rm`: refused while a container is on it; the last network takes our table along."""
    if name_or_id in BUILTIN:
        raise ContainerError(f"{name_or_id} is a pre-defined network and cannot be removed", 125)
    network = find(home, name_or_id)
    runtime = ipam.runtime_dir()
    with ipam.locked(runtime):
        users = in_use(network)
        if users:
            raise ContainerError(f"error while removing network: network {network.name} id {network.id} has active "
                                 f"endpoints ({', '.join(users)})", 125)
        _unrealise_locked(network, runtime)
        (networks_dir(home) / f"{network.name}.json").unlink(missing_ok=True)
    return network


def prune(home: Path) -> list[str]:
    removed = []
    for network in user_networks(home):
        if not in_use(network):
            remove(home, network.name)
            removed.append(network.name)
    return removed


def remove_default_bridge() -> None:
    """Take pysh0 and its rules away when no container holds an address on it (tests, `network prune`)."""
    runtime = ipam.runtime_dir()
    with ipam.locked(runtime):
        directory = f"{runtime}/{DEFAULT_DEVICE}"
        if not os.path.exists(directory):
            return
        ipam.reclaim_stale(directory)
        if ipam.read_leases(directory):
            return
        _unrealise_locked(default_network(), runtime)
