"""What a container gets from its network at each start, and how it is undone.

Three sides take part, in order:

* `contain run` (``prepare``): makes the network's bridge and rules if this namespace lacks
  them, leases an address, binds the published ports' sockets. A failure here (port taken,
  address in use) is an error before anything else exists; ``Plan.undo`` gives back what was
  taken if a later step of the start fails.
* The supervisor (``Plan.connect_from_host``), once PID 1 says it has unshared its network
  namespace: the veth pair, host end on the bridge, peer created directly in PID 1's namespace
  as eth0, while PID 1 builds its filesystem. Rootless, slirp4netns instead (rootless.py).
* PID 1 (``Plan.after_go``), released by the supervisor: lo and eth0 up, eth0's address and
  MAC, the default route, through a netlink socket of its own namespace. Nothing needs undoing:
  when the namespace's last process exits the kernel deletes eth0, and with it the host's end.
* The supervisor again: starts the port proxy (proxy.py), and when PID 1 exits calls
  ``release`` with the state file this module wrote: the lease goes back.

``Plan.state()`` is that file (``network.json`` in the container's directory, while it runs):
``ps``, ``port`` and ``inspect`` read it.
"""

from __future__ import annotations

import json
import os
import socket

from pyshell.contain.network import ipam, rootless
from pyshell.contain.network.netlink import Netlink  # here: the forked supervisor and PID 1 use it
from pyshell.contain.spec import PortMapping
from pyshell.errors import ContainerError

STATE_FILE = "network.json"
SLIRP_ADDRESS, SLIRP_GATEWAY, SLIRP_DNS = "10.0.2.100", "10.0.2.2", "10.0.2.3"


def mac_for(address: str) -> str:
    """Docker's rule: 02:42 then the four bytes of the IPv4 address (stable, readable, local)."""
    return "02:42:" + ":".join(f"{byte:02x}" for byte in socket.inet_aton(address))


class Plan:
    """One start's network: the mode, the attachment (address on a bridge), the port sockets."""

    def __init__(self, mode: str, spec, network=None, address: str = "", network_dir: str = "",
                 veth: str = "", listeners=(), join_netns: str = ""):
        self.mode = mode                # none | host | container | bridge | slirp4netns
        self.spec = spec
        self.network = network          # store.Network (bridge mode)
        self.address = address
        self.network_dir = network_dir  # where the lease is
        self.veth = veth
        self.listeners = list(listeners)  # (PortMapping with its host port, bound socket)
        self.join_netns = join_netns    # container:NAME: that container's /proc/PID/ns/net
        self.state_path = ""            # the record in the container's directory, once written
        self._join_fd = None

    # -- which namespace PID 1 gets

    @property
    def new_netns(self) -> bool:
        return self.mode in ("none", "bridge", "slirp4netns")

    @property
    def needs_supervisor_help(self) -> bool:
        """The host's side is made from outside once PID 1 has its namespace: the veth pair
        (by the supervisor, while PID 1 builds its filesystem), or slirp4netns."""
        return self.mode in ("bridge", "slirp4netns")

    @property
    def target_address(self) -> str:
        """Where the proxy connects, from inside the container's namespace."""
        return SLIRP_ADDRESS if self.mode == "slirp4netns" else self.address or "127.0.0.1"

    # -- PID 1's part

    def before_unshare(self) -> None:
        if self.mode == "container":
            self._join_fd = os.open(self.join_netns, os.O_RDONLY | os.O_CLOEXEC)

    def after_unshare(self) -> None:
        """PID 1, right after unshare: the other container's namespace (container:NAME)."""
        if self.mode == "container":
            from pyshell.contain.kernel import syscalls

            syscalls.setns(self._join_fd, syscalls.CLONE_NEWNET)
            os.close(self._join_fd)
        elif self.mode == "slirp4netns":
            _loopback_up()

    def connect_from_host(self, container_pid: int) -> None:
        """The supervisor, in the host's namespace: the veth pair, its host end on the bridge
        and up, its peer made directly in PID 1's namespace as eth0 (down, no address yet).
        Meanwhile PID 1 builds its filesystem: the kernel's RTNL lock, which a veth waits for
        and every namespace on the machine takes, is waited for in parallel with that work."""
        netns = os.open(f"/proc/{container_pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        host = Netlink()
        try:
            host.add_veth(self.veth, "eth0", netns, socket.if_nametoindex(self.network.bridge),
                          bytes.fromhex(mac_for(self.address).replace(":", "")))
        finally:
            host.close()
            os.close(netns)

    def after_go(self) -> None:
        """PID 1, once released (the veth exists): lo and eth0 up, eth0's address, the default route."""
        if self.mode != "bridge":
            return
        inside = Netlink()
        try:
            inside.set_up(socket.if_nametoindex("lo"))
            eth0 = socket.if_nametoindex("eth0")
            inside.add_address(eth0, self.address, self.network.prefix)
            inside.set_up(eth0)
            if not self.network.internal:
                inside.add_default_route(self.network.gateway, eth0)
        finally:
            inside.close()

    # -- the files the container sees

    def hosts_line(self) -> str:
        """The container's own line of /etc/hosts: its address and hostname (as Docker's)."""
        address = SLIRP_ADDRESS if self.mode == "slirp4netns" else self.address
        return f"{address}\t{self.spec.hostname}\n" if address else ""

    def name_servers(self) -> list[str]:
        """A user network's name server is its gateway (dns.py); slirp4netns forwards at 10.0.2.3;
        else [] (the host's resolv.conf, as Docker's default bridge)."""
        if self.mode == "bridge" and self.network.dns:
            return [self.network.gateway]
        if self.mode == "slirp4netns":
            return [SLIRP_DNS]
        return []

    # -- the record of it, for the supervisor, ps, port and inspect

    def state(self) -> dict:
        networks = {}
        if self.mode == "bridge":
            networks[self.network.name] = {
                "NetworkID": self.network.id, "Gateway": self.network.gateway, "IPAddress": self.address,
                "IPPrefixLen": self.network.prefix, "MacAddress": mac_for(self.address),
                "Aliases": list(self.aliases()) if self.network.dns else None,
                "Bridge": self.network.bridge, "Veth": self.veth, "Leases": self.network_dir}
        elif self.mode == "slirp4netns":
            networks["slirp4netns"] = {"NetworkID": "", "Gateway": SLIRP_GATEWAY, "IPAddress": SLIRP_ADDRESS,
                                       "IPPrefixLen": 24, "MacAddress": "", "Aliases": None}
        return {"mode": self.mode, "networks": networks,
                "ports": [list(mapping.values()) for mapping, _ in self.listeners]}

    def aliases(self) -> tuple[str, ...]:
        """The names the container answers to on a user network: its name, its short id, --network-alias."""
        names = [self.spec.name, self.spec.id[:12], *self.spec.aliases]
        if self.spec.hostname and self.spec.hostname != self.spec.id[:12]:
            names.append(self.spec.hostname)
        return tuple(dict.fromkeys(names))

    def close_sockets(self) -> None:
        for _, sock in self.listeners:
            sock.close()

    def undo(self) -> None:
        """A start that failed after prepare(): the sockets close, the lease goes back."""
        self.close_sockets()
        if self.mode == "bridge" and self.address:
            ipam.release(self.network_dir, self.address, self.spec.id)
        if self.state_path:
            try:
                os.unlink(self.state_path)
            except FileNotFoundError:
                pass


def prepare(home, spec, joined_netns: str = "") -> Plan:
    """`contain run`'s part: bridge and rules if missing, a lease, the port sockets."""
    from pyshell.contain.network import ports, store

    mode = spec.network
    if mode.startswith("container:"):
        return Plan("container", spec, join_netns=joined_netns)
    if mode in ("none", "host"):
        return Plan(mode, spec)  # Docker ignores -p here (with a warning): so do we
    if spec.rootless:
        if mode != store.DEFAULT:
            raise ContainerError("user-defined networks need root: rootless containers have the default "
                                 "network only (slirp4netns), a gap of this version", 125)
        rootless.require_tun()
        plan = Plan("slirp4netns", spec)
        plan.listeners = ports.bind(spec.ports)
        return plan
    network = store.find(home, mode)
    if spec.ip and not network.dns:
        raise ContainerError("user specified IP address is supported on user defined networks only", 125)
    network_dir = store.realise(network)
    if network.name == store.DEFAULT:
        network = store.default_network()
    listeners = ports.bind(spec.ports)
    veth = f"veth{os.urandom(4).hex()}"
    plan = Plan("bridge", spec, network, "", network_dir, veth, listeners)
    lease = {"container": spec.id, "name": spec.name, "aliases": list(plan.aliases()), "veth": veth}
    try:
        with ipam.locked(os.path.dirname(network_dir)):
            ipam.reclaim_stale(network_dir)
            if network.dns and _name_taken(network_dir, spec):
                raise ContainerError(f"endpoint with name {spec.name} already exists in network {network.name}", 125)
            plan.address = ipam.take(network_dir, (ipam.parse_cidr(network.subnet)), ipam.to_int(network.gateway),
                                     lease, spec.ip)
    except ValueError as error:
        plan.undo()
        raise ContainerError(str(error), 125) from None
    except BaseException:
        plan.undo()
        raise
    if network.dns:
        from pyshell.contain.network import dns

        try:
            dns.ensure_server(os.path.dirname(network_dir), network)
        except BaseException:
            plan.undo()
            raise
    return plan


def _name_taken(network_dir: str, spec) -> bool:
    return any(lease.get("name") == spec.name and lease.get("container") != spec.id
               for lease in ipam.read_leases(network_dir).values())


def write_state(container_dir: str, plan: Plan) -> None:
    plan.state_path = f"{container_dir}/{STATE_FILE}"
    ipam.write_atomically(plan.state_path, json.dumps(plan.state()))


def read_state(container_dir) -> dict | None:
    try:
        with open(f"{container_dir}/{STATE_FILE}") as file:
            return json.load(file)
    except (OSError, ValueError):
        return None


def mappings(state: dict | None) -> list[PortMapping]:
    return [PortMapping(*values) for values in (state or {}).get("ports", ())]


def release(container_dir: str, container_id: str) -> None:
    """The supervisor, once PID 1 exited: the leases go back and the state file goes."""
    state = read_state(container_dir)
    if state is None:
        return
    for network in state.get("networks", {}).values():
        if network.get("Leases"):
            ipam.release(network["Leases"], network["IPAddress"], container_id)
    try:
        os.unlink(f"{container_dir}/{STATE_FILE}")
    except FileNotFoundError:
        pass


def _loopback_up() -> None:
    from pyshell.contain.network.netlink import Netlink

    inside = Netlink()
    try:
        inside.set_up(socket.if_nametoindex("lo"))
    finally:
        inside.close()


# --------------------------------------------------------------------------- connect, disconnect


def connect(home, spec, container_dir: str, pid: int, network_name: str, aliases=(), ip: str = "") -> dict:
    """`network connect`: one more network for a running container — a lease, a veth whose
    peer appears in the container's namespace as the next ethN, its address (no default route:
    the first network keeps it). Recorded in the state file, so the supervisor gives it back
    at the exit; the container gets only its --network again at its next start."""
    from pyshell.contain.network import store
    from pyshell.contain.network.netlink import Netlink

    state = read_state(container_dir)
    if state is None or state.get("mode") != "bridge":
        raise ContainerError("container sharing network namespace with another container or host cannot be "
                             "connected to any other network", 125)
    network = store.find(home, network_name)
    if network.name in state["networks"]:
        raise ContainerError(f"endpoint with name {spec.name} already exists in network {network.name}", 125)
    network_dir = store.realise(network)
    veth = f"veth{os.urandom(4).hex()}"
    names = tuple(dict.fromkeys((spec.name, spec.id[:12], *aliases)))
    lease = {"container": spec.id, "name": spec.name, "aliases": list(names), "veth": veth}
    with ipam.locked(os.path.dirname(network_dir)):
        ipam.reclaim_stale(network_dir)
        try:
            address = ipam.take(network_dir, ipam.parse_cidr(network.subnet), ipam.to_int(network.gateway), lease, ip)
        except ValueError as error:
            raise ContainerError(str(error), 125) from None
    try:
        interface = f"eth{len(state['networks'])}"
        netns = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        host = Netlink()
        try:
            host.add_veth(veth, interface, netns, socket.if_nametoindex(network.bridge),
                          bytes.fromhex(mac_for(address).replace(":", "")))
            _inside(netns, lambda netlink: _configure(netlink, interface, address, network.prefix))
        finally:
            host.close()
            os.close(netns)
        if network.dns:
            from pyshell.contain.network import dns

            dns.ensure_server(os.path.dirname(network_dir), network)
    except BaseException:
        _delete_veth(veth)
        ipam.release(network_dir, address, spec.id)
        raise
    entry = {"NetworkID": network.id, "Gateway": network.gateway, "IPAddress": address,
             "IPPrefixLen": network.prefix, "MacAddress": mac_for(address),
             "Aliases": list(names) if network.dns else None, "Bridge": network.bridge, "Veth": veth,
             "Leases": network_dir, "Interface": interface}
    state["networks"][network.name] = entry
    ipam.write_atomically(f"{container_dir}/{STATE_FILE}", json.dumps(state))
    return entry


def disconnect(home, spec, container_dir: str, network_name: str) -> None:
    """`network disconnect`: its veth goes (and with it the container's interface), the lease too."""
    from pyshell.contain.network import store

    state = read_state(container_dir)
    network = store.find(home, network_name)
    entry = (state or {}).get("networks", {}).get(network.name)
    if entry is None:
        raise ContainerError(f"container {spec.name} is not connected to network {network.name}", 125)
    _delete_veth(entry["Veth"])
    ipam.release(entry["Leases"], entry["IPAddress"], spec.id)
    del state["networks"][network.name]
    ipam.write_atomically(f"{container_dir}/{STATE_FILE}", json.dumps(state))


def _configure(netlink, interface: str, address: str, prefix: int) -> None:
    index = socket.if_nametoindex(interface)
    netlink.add_address(index, address, prefix)
    netlink.set_up(index)


def _inside(netns_fd: int, action) -> None:
    """Run ``action(Netlink())`` with a netlink socket of that namespace, in a child (the
    caller's own namespace never changes, whatever threads it has)."""
    from pyshell.contain.kernel import syscalls
    from pyshell.contain.network.netlink import Netlink

    error_r, error_w = os.pipe()
    child = os.fork()
    if child == 0:
        status = 1
        try:
            os.close(error_r)
            syscalls.setns(netns_fd, syscalls.CLONE_NEWNET)
            netlink = Netlink()
            action(netlink)
            status = 0
        except BaseException as error:  # noqa: BLE001 - told to the parent, then exit
            os.write(error_w, str(error).encode())
        finally:
            os._exit(status)
    os.close(error_w)
    message = b""
    while chunk := os.read(error_r, 4096):
        message += chunk
    os.close(error_r)
    _, status = os.waitpid(child, 0)
    if status:
        raise ContainerError(f"network setup in the container: {message.decode(errors='replace')}", 125)


def _delete_veth(name: str) -> None:
    from pyshell.contain.network.netlink import Netlink

    try:
        index = socket.if_nametoindex(name)
    except OSError:
        return  # gone already
    netlink = Netlink()
    try:
        netlink.delete_link(index)
    except OSError:
        pass
    finally:
        netlink.close()
