"""`contain network ...` and `contain port`, and the network parts of `ps` and `inspect`.

A thin layer over pyshell/contain/network/ (store.py for networks, attach.py's state file for
what a running container has): parse flags, call, print as Docker prints.
"""

from __future__ import annotations

import json
from pathlib import Path

from pyshell.builtins import write_out as out
from pyshell.errors import ContainerError

NETWORK_USAGE = """\
Usage: contain network COMMAND

  create [--subnet CIDR] [--gateway IP] [--internal] [--label K=V] NAME
  ls [-q]            inspect [-f FORMAT] NETWORK...
  rm NETWORK...      prune [-f]
"""


def cmd_network(home: Path, argv: list[str]) -> int:
    from pyshell.contain.cli import Flag, parse_flags
    from pyshell.contain.network import store

    if not argv or argv[0] in ("help", "-h", "--help"):
        out(NETWORK_USAGE)
        return 0 if argv else 1
    command, rest = argv[0], argv[1:]
    if command == "create":
        options, words = parse_flags("network create", rest, [
            Flag(("--subnet",), "subnet", True), Flag(("--gateway",), "gateway", True),
            Flag(("--internal",), "internal"), Flag(("-d", "--driver"), "driver", True),
            Flag(("--label",), "label", True, True), Flag(("--attachable",), "attachable")])
        if len(words) != 1:
            raise ContainerError('"contain network create" requires exactly 1 argument', 1)
        if (options.get("driver") or "bridge") != "bridge":
            raise ContainerError(f"plugin \"{options['driver']}\" not found (only the bridge driver exists)", 125)
        labels = dict(item.split("=", 1) if "=" in item else (item, "") for item in options["label"])
        network = store.create(home, words[0], options.get("subnet") or "", options.get("gateway") or "",
                               bool(options.get("internal")), labels)
        out(network.id + "\n")
        return 0
    if command in ("ls", "list"):
        options, _ = parse_flags("network ls", rest, [Flag(("-q", "--quiet"), "quiet"),
                                                      Flag(("--no-trunc",), "no_trunc")])
        rows = network_rows(home)
        if options.get("quiet"):
            out("".join(row[0] + "\n" for row in rows))
            return 0
        from pyshell.contain.image_cli import table

        out(table([["NETWORK ID", "NAME", "DRIVER", "SCOPE"], *rows]))
        return 0
    if command == "inspect":
        options, words = parse_flags("network inspect", rest, [Flag(("-f", "--format"), "format", True)])
        if not words:
            raise ContainerError('"contain network inspect" requires at least 1 argument', 1)
        documents = [network_document(home, store.find(home, name)) for name in words]
        if options.get("format"):
            from pyshell.contain.image_cli import render_format

            out("".join(render_format(options["format"], d) + "\n" for d in documents))
        else:
            out(json.dumps(documents, indent=4) + "\n")
        return 0
    if command in ("rm", "remove"):
        _, words = parse_flags("network rm", rest, [Flag(("-f", "--force"), "force")])
        if not words:
            raise ContainerError('"contain network rm" requires at least 1 argument', 1)
        for name in words:
            store.remove(home, name)
            out(name + "\n")
        return 0
    if command == "prune":
        parse_flags("network prune", rest, [Flag(("-f", "--force"), "force")])
        removed = store.prune(home)
        if removed:
            out("Deleted Networks:\n" + "".join(f"{name}\n" for name in removed))
        return 0
    if command in ("connect", "disconnect"):
        raise ContainerError(f"network {command} is not supported yet (a gap of this version): "
                             f"give --network when the container is created", 125)
    raise ContainerError(f"unknown command \"network {command}\" (see contain network --help)", 125)


def network_rows(home: Path) -> list[list[str]]:
    from pyshell.contain.network import store

    default = store.default_network() if _may_see_default() else None
    rows = [[(default.id if default else "0" * 64)[:12], "bridge", "bridge", "local"],
            ["host".ljust(12, "0")[:12], "host", "host", "local"],
            ["none".ljust(12, "0")[:12], "none", "null", "local"]]
    rows += [[n.id[:12], n.name, "bridge", "local"] for n in store.user_networks(home)]
    return sorted(rows, key=lambda row: row[1])


def _may_see_default() -> bool:
    import os

    return os.geteuid() == 0


def network_document(home: Path, network) -> dict:
    """`network inspect`: Docker's shape, with the containers this namespace has on it."""
    from pyshell.contain.network import ipam

    containers = {}
    directory = f"{ipam.runtime_dir()}/{network.bridge}"
    for address, lease in sorted(ipam.read_leases(directory).items()):
        from pyshell.contain.network.attach import mac_for

        containers[lease.get("container", "")] = {
            "Name": lease.get("name", ""), "EndpointID": lease.get("veth", ""), "MacAddress": mac_for(address),
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


# --------------------------------------------------------------------------- containers' side


def running_state(container) -> dict | None:
    """What a running container has of the network (attach.py's state file), else None."""
    if container.status != "running":
        return None
    from pyshell.contain.network import attach

    return attach.read_state(container.dir)


def ps_ports(container) -> str:
    """The PORTS column: published ports, then exposed ones with no binding ("80/tcp")."""
    state = running_state(container)
    if state is None:
        return ""
    from pyshell.contain.network import attach, ports

    mappings = attach.mappings(state)
    published = {m.key for m in mappings}
    shown = ports.ps_column(mappings)
    unbound = [key for key in container.spec.exposed if key not in published]
    return ", ".join(part for part in (shown, *unbound) if part)


def cmd_port(home: Path, argv: list[str]) -> int:
    """`contain port NAME [PORT[/PROTO]]`: "80/tcp -> 0.0.0.0:8080" lines, as Docker's."""
    from pyshell.contain import state as state_module
    from pyshell.contain.cli import parse_flags
    from pyshell.contain.network import attach

    _, words = parse_flags("port", argv, [])
    if len(words) not in (1, 2):
        raise ContainerError('"contain port" requires 1 or 2 arguments: CONTAINER [PRIVATE_PORT[/PROTO]]', 1)
    container = state_module.find(home, words[0])
    mappings = attach.mappings(running_state(container))
    if len(words) == 2:
        number, _, protocol = words[1].partition("/")
        key = f"{number}/{protocol or 'tcp'}"
        found = [m for m in mappings if m.key == key]
        if not found:
            raise ContainerError(f"No public port '{key}' published for {container.name}", 1)
        out("".join(f"{m.host_ip or '0.0.0.0'}:{m.host_port}\n" for m in found))
        return 0
    ordered = sorted(mappings, key=lambda m: (m.container_port, m.protocol))
    out("".join(f"{m.key} -> {m.host_ip or '0.0.0.0'}:{m.host_port}\n" for m in ordered))
    return 0


def inspect_settings(container) -> tuple[dict, dict, dict]:
    """(NetworkSettings, HostConfig.PortBindings, Config.ExposedPorts) of `inspect`."""
    from pyshell.contain.network import attach, ports

    spec = container.spec
    state = running_state(container)
    bindings: dict = {}
    for mapping in spec.ports:
        bindings.setdefault(mapping.key, []).append({"HostIp": mapping.host_ip,
                                                     "HostPort": str(mapping.host_port or "")})
    exposed = {key: {} for key in spec.exposed}
    networks = {}
    if state is not None:
        for name, network in state.get("networks", {}).items():
            networks[name] = {"IPAMConfig": {"IPv4Address": spec.ip} if spec.ip else None, "Links": None,
                              "Aliases": network.get("Aliases"), "NetworkID": network.get("NetworkID", ""),
                              "EndpointID": network.get("Veth", ""), "Gateway": network.get("Gateway", ""),
                              "IPAddress": network.get("IPAddress", ""),
                              "IPPrefixLen": network.get("IPPrefixLen", 0), "IPv6Gateway": "",
                              "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
                              "MacAddress": network.get("MacAddress", ""), "DriverOpts": None}
    elif spec.network not in ("host", "none") and not spec.network.startswith("container:"):
        networks[spec.network] = {"IPAMConfig": None, "Links": None, "Aliases": None, "NetworkID": "",
                                  "EndpointID": "", "Gateway": "", "IPAddress": "", "IPPrefixLen": 0,
                                  "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
                                  "MacAddress": "", "DriverOpts": None}
    else:
        networks[spec.network.partition(":")[0] if spec.network.startswith("container:") else spec.network] = {}
    published = ports.docker_ports(attach.mappings(state)) if state is not None else {}
    if state is not None:
        for key in spec.exposed:
            published.setdefault(key, None)
    default = networks.get("bridge") or {}
    settings = {"Bridge": "", "SandboxID": "", "HairpinMode": False, "Ports": published,
                "SandboxKey": f"/proc/{container.pid}/ns/net" if state is not None else "",
                "Gateway": default.get("Gateway", ""), "IPAddress": default.get("IPAddress", ""),
                "IPPrefixLen": default.get("IPPrefixLen", 0), "MacAddress": default.get("MacAddress", ""),
                "Networks": networks}
    return settings, bindings, exposed
