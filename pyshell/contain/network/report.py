"""What `ps`, `port`, `inspect` and `network inspect` show of networks, in Docker's shapes.

A running container's network is its state file (attach.py: addresses, ports as bound);
a stopped one shows what it asked for (its networks, with no address), as Docker shows a
stopped container.
"""

from __future__ import annotations

from pyshell.contain.network import attach, ipam, ports


def _state(directory, pid: int = 1):
    return attach.read_state(directory) if pid else None


def ps_column(spec, directory) -> str:
    """The PORTS column of a running container: 0.0.0.0:8080->80/tcp, then exposed ones ("443/tcp")."""
    mappings = attach.mappings(attach.read_state(directory))
    published = {m.key for m in mappings}
    return ports.ps_column(mappings, [key for key in spec.exposed if key not in published])


def port_lines(directory, wanted: str = "") -> list[str]:
    """`contain port`: "80/tcp -> 0.0.0.0:8080" lines, or "0.0.0.0:8080" for one PORT[/PROTO]."""
    mappings = sorted(attach.mappings(attach.read_state(directory)), key=lambda m: (m.container_port, m.protocol))
    if wanted:
        number, _, protocol = wanted.partition("/")
        key = f"{number}/{protocol or 'tcp'}"
        return [f"{m.host_ip or '0.0.0.0'}:{m.host_port}" for m in mappings if m.key == key]
    return [f"{m.key} -> {m.host_ip or '0.0.0.0'}:{m.host_port}" for m in mappings]


def _endpoint(network: dict | None, requested_ip: str = "") -> dict:
    network = network or {}
    requested_ip = network.get("RequestedIP", requested_ip)
    return {"IPAMConfig": {"IPv4Address": requested_ip} if requested_ip else None, "Links": None,
            "Aliases": network.get("Aliases"), "MacAddress": network.get("MacAddress", ""), "DriverOpts": None,
            "NetworkID": network.get("NetworkID", ""),
            "EndpointID": network.get("Veth", ""), "Gateway": network.get("Gateway", ""),
            "IPAddress": network.get("IPAddress", ""), "IPPrefixLen": network.get("IPPrefixLen", 0),
            "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
            "DNSNames": network.get("Aliases")}


def inspect_settings(spec, directory, pid: int) -> tuple[dict, dict, dict]:
    """(NetworkSettings, HostConfig.PortBindings, Config.ExposedPorts) of a container's `inspect`;
    ``pid``: PID 1's while it runs, else 0."""
    state = _state(directory, pid)
    bindings: dict = {}
    for mapping in spec.ports:
        bindings.setdefault(mapping.key, []).append({"HostIp": mapping.host_ip,
                                                     "HostPort": str(mapping.host_port or "")})
    exposed = {key: {} for key in spec.exposed}
    mode = spec.network.partition(":")[0] if spec.network.startswith("container:") else spec.network
    if state is not None and state.get("mode") in ("bridge", "slirp4netns"):
        networks = {name: _endpoint(network) for name, network in state["networks"].items()}
    elif mode in ("host", "none"):
        networks = {mode: _endpoint(None)}
    elif mode == "container":
        networks = {}
    elif spec.rootless:
        networks = {spec.network: _endpoint(None)}
    else:
        networks = {e.network: _endpoint(None, e.ip) for e in attach.endpoints(spec, directory)}
    published: dict = {}
    if state is not None:
        published = ports.docker_ports(attach.mappings(state))
        for key in spec.exposed:
            published.setdefault(key, None)
    default = networks.get("bridge") or {}
    settings = {"Bridge": "", "SandboxID": "", "SandboxKey": f"/proc/{pid}/ns/net" if state is not None else "",
                "Ports": published, "HairpinMode": False, "LinkLocalIPv6Address": "", "LinkLocalIPv6PrefixLen": 0,
                "SecondaryIPAddresses": None, "SecondaryIPv6Addresses": None,
                "EndpointID": default.get("EndpointID", ""), "Gateway": default.get("Gateway", ""),
                "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "IPAddress": default.get("IPAddress", ""),
                "IPPrefixLen": default.get("IPPrefixLen", 0), "IPv6Gateway": "",
                "MacAddress": default.get("MacAddress", ""), "Networks": networks}
    return settings, bindings, exposed


def network_document(network) -> dict:
    """`network inspect`: Docker's shape, with the containers this namespace has on it."""
    containers = {}
    directory = f"{ipam.runtime_dir()}/{network.bridge}"
    for address, lease in sorted(ipam.read_leases(directory).items()):
        containers[lease.get("container", "")] = {
            "Name": lease.get("name", ""), "EndpointID": lease.get("veth", ""), "MacAddress": attach.mac_for(address),
            "IPv4Address": f"{address}/{network.prefix}", "IPv6Address": ""}
    options = {"com.docker.network.bridge.name": network.bridge}
    if network.name == "bridge":
        options["com.docker.network.bridge.default_bridge"] = "true"
    return {"Name": network.name, "Id": network.id, "Created": network.created, "Scope": "local",
            "Driver": "bridge", "EnableIPv6": False,
            "IPAM": {"Driver": "default", "Options": None if network.name == "bridge" else {},
                     "Config": [{"Subnet": network.subnet, "Gateway": network.gateway}]},
            "Internal": network.internal, "Attachable": False, "Ingress": False,
            "ConfigFrom": {"Network": ""}, "ConfigOnly": False, "Containers": containers,
            "Options": options, "Labels": dict(network.labels)}
