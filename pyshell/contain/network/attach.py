"""What a container gets from its networks at each start, and how it is undone.

A container is on a list of networks (``Endpoint``: a network, its aliases there, a wanted
address): its --network at first, then what `network connect` and `disconnect` made of the
list, kept in ``endpoints.json`` in its directory. Every start attaches it to all of them, in
that order (eth0, eth1, ...), as Docker's "a container connects to its configured networks
when it runs": so a connect outlives `stop`, `restart` and a restart policy's restart.

Three sides take part in a start, in order:

* `contain run` (``prepare``): makes each network's bridge and rules if this namespace lacks
  them, leases an address on each, binds the published ports' sockets. A failure here (port
  taken, address in use) is an error before anything else exists; ``Plan.undo`` gives back what
  was taken if a later step of the start fails.
* The supervisor (``Plan.connect_from_host``), once PID 1 says it has unshared its network
  namespace: a veth pair per network, host end on the bridge, peer created directly in PID 1's
  namespace as ethN, while PID 1 builds its filesystem. Rootless, slirp4netns instead (rootless.py).
* PID 1 (``Plan.after_go``), released by the supervisor: lo and each ethN up with its address
  and MAC, the default route by Docker's rule (``default_route``), through a netlink socket of
  its own namespace. Nothing needs undoing: when the namespace's last process
  exits the kernel deletes the ethN, and with them the host's ends.
* The supervisor again: starts the port proxy (proxy.py), and when PID 1 exits calls
  ``release`` with the state file this module wrote: the published ports' DNAT goes, then the
  leases.

Published ports of a container on a bridge are forwarded by the kernel (firewall.py's maps):
`contain run` adds their elements once the address is leased and recorded
(``Plan.start_publishing``), before it forks anything, so the supervisor's deletion at PID 1's
exit always comes after.

``Plan.state()`` is that file (``network.json`` in the container's directory, while it runs):
``ps``, ``port`` and ``inspect`` read it; `network connect` and `disconnect` of a running
container change it along with the interfaces, the default route, /etc/hosts and
/etc/resolv.conf (etcfiles.py). They and ``release`` hold ``network.lock`` of the container's
directory: a PID 1 that exits in the middle of a connect has its new lease given back too, once
the connect has recorded it.
"""

from __future__ import annotations

import errno
import json
import os
import socket

from pyshell.contain.network import etcfiles, ipam, resolv, rootless
from pyshell.contain.network.netlink import Netlink  # here: the forked supervisor and PID 1 use it
from pyshell.contain.spec import PortMapping
from pyshell.errors import ContainerError
from pyshell.record import Record

STATE_FILE = "network.json"
LOCK_FILE = "network.lock"
ENDPOINTS_FILE = "endpoints.json"
SLIRP_ADDRESS, SLIRP_GATEWAY, SLIRP_DNS = "10.0.2.100", "10.0.2.2", "10.0.2.3"


def mac_for(address: str) -> str:
    """Docker's rule: 02:42 then the four bytes of the IPv4 address (stable, readable, local)."""
    return "02:42:" + ":".join(f"{byte:02x}" for byte in socket.inet_aton(address))


# --------------------------------------------------------------------------- the networks a container is on


class Endpoint(Record):
    """One network a container is on, as asked for: by --network (with --network-alias and
    --ip) or by `network connect` (with --alias and --ip)."""
    network: str                    # its name (or id, as --network gave it)
    aliases: tuple[str, ...] = ()
    ip: str = ""                    # "": any free address

    def names(self, spec) -> tuple[str, ...]:
        """The names the container answers to there: its name, its short id, the aliases, a --hostname."""
        names = [spec.name, spec.id[:12], *self.aliases]
        if spec.hostname and spec.hostname != spec.id[:12]:
            names.append(spec.hostname)
        return tuple(dict.fromkeys(names))

    def is_on(self, network) -> bool:
        """Whether this endpoint names ``network`` (a store.Network): by name, id or id prefix."""
        return self.network in (network.name, network.id) or (len(self.network) >= 3
                                                              and network.id.startswith(self.network))


def endpoints(spec, container_dir: str) -> list[Endpoint]:
    """The networks the container is on, in order: as `network connect`/`disconnect` left them
    (endpoints.json), or else as it was created (--network)."""
    try:
        with open(f"{container_dir}/{ENDPOINTS_FILE}") as file:
            return [Endpoint(e["network"], tuple(e.get("aliases", ())), e.get("ip", "")) for e in json.load(file)]
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ContainerError(f"{container_dir}/{ENDPOINTS_FILE}: unreadable ({error})", 125) from None
    if not _connectable(spec):
        return []
    return [Endpoint(spec.network, spec.aliases, spec.ip)]


def _keep_endpoints(container_dir: str, wanted: list[Endpoint]) -> None:
    ipam.write_atomically(f"{container_dir}/{ENDPOINTS_FILE}", json.dumps([e.as_dict() for e in wanted]))


def _connectable(spec) -> bool:
    """Only a container with a namespace of its own on the bridges can be on more networks."""
    return not (spec.rootless or spec.network in ("none", "host") or spec.network.startswith("container:"))


# --------------------------------------------------------------------------- one start's networks


class Attachment:
    """One network of a running container: the leased address, the veth, the interface inside."""

    def __init__(self, network, address: str, network_dir: str, veth: str, interface: str,
                 endpoint: Endpoint, names: tuple[str, ...]):
        self.network = network          # store.Network
        self.address = address
        self.network_dir = network_dir  # where the lease is
        self.veth = veth                # the host's end; its peer is ``interface`` inside
        self.interface = interface      # eth0, eth1, ...
        self.endpoint = endpoint        # as asked for
        self.names = names              # what the lease says it answers to (DNS)

    def state(self) -> dict:
        """Its entry in network.json: Docker's names (inspect shows them), and ours to undo it."""
        network = self.network
        return {"NetworkID": network.id, "Gateway": network.gateway, "IPAddress": self.address,
                "IPPrefixLen": network.prefix, "MacAddress": mac_for(self.address),
                "Aliases": list(self.names) if network.dns else None, "RequestedIP": self.endpoint.ip,
                "Bridge": network.bridge, "Veth": self.veth, "Leases": self.network_dir,
                "Interface": self.interface, "Internal": network.internal, "DNS": network.dns}

    def release(self, container_id: str) -> None:
        ipam.release(self.network_dir, self.address, container_id)


def lease(home, spec, endpoint: Endpoint, interface: str) -> Attachment:
    """An address on ``endpoint``'s network (its bridge and rules made if this namespace lacks
    them), and its name server running if the network has one."""
    from pyshell.contain.network import store

    network = store.find(home, endpoint.network)
    if endpoint.ip and not network.dns:
        raise ContainerError("user specified IP address is supported on user defined networks only", 125)
    network_dir = store.realise(network)
    if network.name == store.DEFAULT:
        network = store.default_network()
    names = endpoint.names(spec)
    veth = f"veth{os.urandom(4).hex()}"
    record = {"container": spec.id, "name": spec.name, "aliases": list(names), "veth": veth}
    with ipam.locked(os.path.dirname(network_dir)):
        ipam.reclaim_stale(network_dir)
        if network.dns and _name_taken(network_dir, spec):
            raise ContainerError(f"endpoint with name {spec.name} already exists in network {network.name}", 125)
        try:
            address = ipam.take(network_dir, ipam.parse_cidr(network.subnet), ipam.to_int(network.gateway),
                                record, endpoint.ip)
        except ValueError as error:
            raise ContainerError(str(error), 125) from None
    attachment = Attachment(network, address, network_dir, veth, interface, endpoint, names)
    if network.dns:
        from pyshell.contain.network import dns

        try:
            dns.ensure_server(os.path.dirname(network_dir), network)
        except BaseException:
            attachment.release(spec.id)
            raise
    return attachment


def _name_taken(network_dir: str, spec) -> bool:
    return any(lease.get("name") == spec.name and lease.get("container") != spec.id
               for lease in ipam.read_leases(network_dir).values())


class Plan:
    """One start's network: the mode, the attachments (an address on each bridge), the port sockets."""

    def __init__(self, mode: str, spec, attachments=(), listeners=(), join_netns: str = ""):
        self.mode = mode                # none | host | container | bridge | slirp4netns
        self.spec = spec
        self.attachments = list(attachments)  # bridge mode: eth0 first
        self.listeners = list(listeners)  # (PortMapping with its host port, bound socket)
        self.join_netns = join_netns    # container:NAME: that container's /proc/PID/ns/net
        self.state_path = ""            # the record in the container's directory, once written
        self._join_fd = None
        self.published = False          # the published ports' elements added (firewall.py)

    # -- which namespace PID 1 gets

    @property
    def new_netns(self) -> bool:
        return self.mode in ("none", "bridge", "slirp4netns")

    @property
    def needs_supervisor_help(self) -> bool:
        """The host's side is made from outside once PID 1 has its namespace: the veth pairs
        (by the supervisor, while PID 1 builds its filesystem), or slirp4netns."""
        return self.mode in ("bridge", "slirp4netns")

    @property
    def target_address(self) -> str:
        """Where the proxy connects, from inside the container's namespace: its first address."""
        if self.mode == "slirp4netns":
            return SLIRP_ADDRESS
        return self.attachments[0].address if self.attachments else "127.0.0.1"

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
        """The supervisor, in the host's namespace: per network a veth pair, its host end on the
        bridge and up, its peer made directly in PID 1's namespace as ethN (down, no address yet).
        Meanwhile PID 1 builds its filesystem: the kernel's RTNL lock, which a veth waits for
        and every namespace on the machine takes, is waited for in parallel with that work."""
        netns = os.open(f"/proc/{container_pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        host = Netlink()
        try:
            for attachment in self.attachments:
                _add_veth(host, attachment, netns)
            if self.dnat_elements:  # its own published ports, through the host: hairpin (firewall.py)
                host.set_hairpin(socket.if_nametoindex(self.attachments[0].veth))
        finally:
            host.close()
            os.close(netns)

    def after_go(self) -> None:
        """PID 1, once released (the veths exist): lo and each ethN up with its address, and the
        default route (``default_route``)."""
        if self.mode != "bridge":
            return
        inside = Netlink()
        try:
            inside.set_up(socket.if_nametoindex("lo"))
            for attachment in self.attachments:
                _configure(inside, attachment)
            route = default_route(self.state()["networks"])
            if route is not None:
                inside.add_default_route(route[0], socket.if_nametoindex(route[1]))
        finally:
            inside.close()

    # -- the files the container sees

    def hosts_lines(self) -> str:
        """The container's own lines of /etc/hosts: its address on each network, with its
        hostname (as Docker's, in the networks' order)."""
        if self.mode == "slirp4netns":
            return etcfiles.hosts_line(SLIRP_ADDRESS, self.spec.hostname)
        return "".join(etcfiles.hosts_line(each.address, self.spec.hostname) for each in self.attachments)

    def name_servers(self) -> list[str]:
        """The name server of the first network that has one (dns.py: on its gateway, it answers
        for all the container's networks); slirp4netns forwards at 10.0.2.3; else [] (the host's
        resolv.conf, as Docker's default bridge)."""
        if self.mode == "slirp4netns":
            return [SLIRP_DNS]
        return resolv.servers_of_networks(self.state()["networks"])

    # -- published ports: the kernel forwards them (firewall.py), the proxy holds the sockets

    @property
    def dnat_elements(self) -> list[list[str]]:
        """A bridge's ports go to the container's first address; rootless (slirp4netns) has the proxy only."""
        if self.mode != "bridge" or not self.listeners or not self.attachments:
            return []
        from pyshell.contain.network import firewall

        return firewall.port_elements([mapping for mapping, _ in self.listeners], self.attachments[0].address)

    def start_publishing(self) -> None:
        """Add the DNAT (after ``write_state``: a crash then leaves a record to undo it by)."""
        elements = self.dnat_elements
        if elements:
            from pyshell.contain.network import firewall

            firewall.publish(elements, self.attachments[0].network.bridge)
            self.published = True

    # -- the record of it, for the supervisor, ps, port and inspect

    def state(self) -> dict:
        networks = {a.network.name: a.state() for a in self.attachments}
        if self.mode == "slirp4netns":
            networks["slirp4netns"] = {"NetworkID": "", "Gateway": SLIRP_GATEWAY, "IPAddress": SLIRP_ADDRESS,
                                       "IPPrefixLen": 24, "MacAddress": "", "Aliases": None}
        state = {"mode": self.mode, "networks": networks,
                 "ports": [list(mapping.values()) for mapping, _ in self.listeners]}
        if self.dnat_elements:
            state["dnat"] = self.dnat_elements
        return state

    def close_sockets(self) -> None:
        for _, sock in self.listeners:
            sock.close()

    def undo(self) -> None:
        """A start that failed after prepare(): the DNAT goes, the sockets close, the leases go back."""
        if self.published:
            self.published = False
            if self.state_path and os.path.exists(self.state_path):  # else the supervisor's release did it
                from pyshell.contain.network import firewall

                firewall.unpublish(self.dnat_elements)
        self.close_sockets()
        for attachment in self.attachments:
            attachment.release(self.spec.id)
        if self.state_path:
            try:
                os.unlink(self.state_path)
            except FileNotFoundError:
                pass


def prepare(home, spec, container_dir: str, joined_netns: str = "") -> Plan:
    """`contain run`'s part: the port sockets, and a lease on each of the container's networks."""
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
    wanted = endpoints(spec, container_dir)
    plan = Plan("bridge", spec, listeners=ports.bind(spec.ports))
    try:
        for index, endpoint in enumerate(wanted):
            plan.attachments.append(lease(home, spec, endpoint, f"eth{index}"))
    except BaseException:
        plan.undo()
        raise
    return plan


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
    """The supervisor, once PID 1 exited, or the reconciliation after a crash: the published
    ports' DNAT goes, the leases go back, and the state file goes."""
    try:
        if not os.path.exists(f"{container_dir}/{STATE_FILE}"):
            return
        with ipam.locked(container_dir, LOCK_FILE):
            state = read_state(container_dir)
            if state is None:
                return
            if state.get("dnat"):
                from pyshell.contain.network import firewall

                firewall.unpublish(state["dnat"])
            for network in state.get("networks", {}).values():
                if network.get("Leases"):
                    ipam.release(network["Leases"], network["IPAddress"], container_id)
            os.unlink(f"{container_dir}/{STATE_FILE}")
    except FileNotFoundError:
        pass  # the directory went meanwhile (a removal): nothing of it to release


def _add_veth(host: Netlink, attachment: Attachment, netns_fd: int) -> None:
    host.add_veth(attachment.veth, attachment.interface, netns_fd, socket.if_nametoindex(attachment.network.bridge),
                  bytes.fromhex(mac_for(attachment.address).replace(":", "")))


def _configure(netlink: Netlink, attachment: Attachment) -> None:
    index = socket.if_nametoindex(attachment.interface)
    netlink.add_address(index, attachment.address, attachment.network.prefix)
    netlink.set_up(index)


def default_route(networks: dict) -> tuple[str, str] | None:
    """Docker's rule for a container on several networks: the default route goes through the
    first by name of those that are not --internal (not the first connected: `run --network
    nlc` then `connect nlb` and `connect nla` routes through nla). (gateway, interface), or
    None when every network is internal. ``networks``: network.json's entries by name."""
    outbound = sorted(name for name, entry in networks.items() if not entry.get("Internal"))
    if not outbound:
        return None
    entry = networks[outbound[0]]
    return entry["Gateway"], entry["Interface"]


def _route_as(route: tuple[str, str] | None, netlink: Netlink) -> None:
    """A running container's default route moved to ``route`` (in one step), or gone."""
    if route is not None:
        netlink.add_default_route(route[0], socket.if_nametoindex(route[1]), replace=True)
        return
    try:
        netlink.delete_default_route()
    except OSError as error:
        if error.errno != errno.ESRCH:  # none was there: the interface it went through is gone
            raise


def _follow_networks(spec, pid: int, before: dict, after: dict) -> None:
    """After a live connect or disconnect: /etc/hosts gains or loses that network's line, and
    /etc/resolv.conf names the new first server if the servers changed (resolv.py; --dns stays
    as it was). etcfiles.py: in place, and never an error."""
    added = [etcfiles.hosts_line(entry["IPAddress"], spec.hostname) for name, entry in after.items()
             if name not in before]
    removed = [etcfiles.hosts_line(entry["IPAddress"], spec.hostname) for name, entry in before.items()
               if name not in after]
    if added or removed:
        etcfiles.edit(pid, "hosts", lambda text: etcfiles.changed_lines(text, added, removed))
    servers = resolv.servers_of_networks(after)
    if not spec.dns and servers != resolv.servers_of_networks(before):
        etcfiles.rewrite(pid, "resolv.conf", resolv.content(resolv.host_file(), servers))


def _loopback_up() -> None:
    inside = Netlink()
    try:
        inside.set_up(socket.if_nametoindex("lo"))
    finally:
        inside.close()


# --------------------------------------------------------------------------- connect, disconnect


def connect(home, spec, container_dir: str, pid: int | None, network_name: str, aliases=(), ip: str = "") -> None:
    """`network connect`: one more network in the container's list, kept for its every start.
    A running container (``pid``) gets it at once: a lease, a veth whose peer appears in its
    namespace as the next free ethN, its address, the default route if the new network takes
    it (``default_route``), and its name server in /etc/resolv.conf if it is the first one.
    Connecting again with the same aliases and address changes nothing (Docker says so of a
    stopped container; compose connects a service's networks at each start)."""
    from pyshell.contain.network import store

    if spec.rootless:
        raise ContainerError("user-defined networks need root: rootless containers have the default "
                             "network only (slirp4netns), a gap of this version", 125)
    if not _connectable(spec):
        raise ContainerError("container sharing network namespace with another container or host cannot be "
                             "connected to any other network", 125)
    network = store.find(home, network_name)
    wanted = endpoints(spec, container_dir)
    endpoint = Endpoint(network.name, tuple(dict.fromkeys(aliases)), ip)
    for existing in wanted:
        if existing.is_on(network):
            if existing.replace(network=network.name) == endpoint:
                return
            raise ContainerError(f"endpoint with name {spec.name} already exists in network {network.name}", 125)
    if ip and not network.dns:
        raise ContainerError("user specified IP address is supported on user defined networks only", 125)
    with ipam.locked(container_dir, LOCK_FILE):
        if pid is not None:
            _connect_running(home, spec, container_dir, pid, endpoint)
        _keep_endpoints(container_dir, [*wanted, endpoint])


def _connect_running(home, spec, container_dir: str, pid: int, endpoint: Endpoint) -> None:
    state = read_state(container_dir)
    if state is None or state.get("mode") != "bridge":
        raise ContainerError(f"container {spec.name} has no network of its own to connect", 125)
    used = {entry.get("Interface") for entry in state["networks"].values()}
    interface = next(f"eth{n}" for n in range(len(used) + 1) if f"eth{n}" not in used)
    attachment = lease(home, spec, endpoint, interface)
    before = dict(state["networks"])
    after = {**before, attachment.network.name: attachment.state()}

    def configure(netlink: Netlink) -> None:
        _configure(netlink, attachment)
        _route_as(default_route(after), netlink)

    try:
        netns = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        host = Netlink()
        try:
            _add_veth(host, attachment, netns)
            _inside(netns, configure)
        finally:
            host.close()
            os.close(netns)
    except BaseException:
        _delete_veth(attachment.veth)
        attachment.release(spec.id)
        raise
    state["networks"] = after
    ipam.write_atomically(f"{container_dir}/{STATE_FILE}", json.dumps(state))
    _follow_networks(spec, pid, before, after)


def disconnect(home, spec, container_dir: str, network_name: str, pid: int | None = None) -> None:
    """`network disconnect`: the network leaves the container's list; if it runs (``pid``), its
    veth goes (and with it the container's interface), the lease too, the default route moves
    to the network that takes it now, and /etc/resolv.conf follows (``connect``)."""
    from pyshell.contain.network import store

    network = store.find(home, network_name)
    with ipam.locked(container_dir, LOCK_FILE):
        _disconnect_locked(spec, container_dir, network, pid)


def _disconnect_locked(spec, container_dir: str, network, pid: int | None) -> None:
    wanted = endpoints(spec, container_dir)
    kept = [endpoint for endpoint in wanted if not endpoint.is_on(network)]
    state = read_state(container_dir)
    entry = (state or {}).get("networks", {}).get(network.name)
    if entry is None and len(kept) == len(wanted):
        raise ContainerError(f"container {spec.name} is not connected to network {network.name}", 125)
    if entry is not None:
        _delete_veth(entry["Veth"])
        ipam.release(entry["Leases"], entry["IPAddress"], spec.id)
        before = dict(state["networks"])
        del state["networks"][network.name]
        ipam.write_atomically(f"{container_dir}/{STATE_FILE}", json.dumps(state))
        if pid is not None:
            _disconnected_inside(spec, pid, before, state["networks"])
    _keep_endpoints(container_dir, kept)


def _disconnected_inside(spec, pid: int, before: dict, after: dict) -> None:
    route = default_route(after)
    if route != default_route(before):
        try:
            netns = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return  # PID 1 exited meanwhile: its next start sets all of it up anew
        try:
            _inside(netns, lambda netlink: _route_as(route, netlink))
        finally:
            os.close(netns)
    _follow_networks(spec, pid, before, after)


def _inside(netns_fd: int, action) -> None:
    """Run ``action(Netlink())`` with a netlink socket of that namespace, in a child (the
    caller's own namespace never changes, whatever threads it has)."""
    from pyshell.contain.kernel import syscalls

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
