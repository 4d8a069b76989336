"""`contain network create|ls|inspect|rm|prune` and `contain port`: flags in, api calls, text out."""

from __future__ import annotations

from pyshell.contain import api
from pyshell.contain.cli.flags import at_least, command, exactly
from pyshell.contain.cli.format import documents, out, table
from pyshell.errors import ContainerError

SUBCOMMANDS = """\
Commands:
  create [--subnet CIDR] [--gateway IP] [--internal] [--label K=V] NAME
  ls [-q]                         inspect [-f FORMAT] NETWORK...
  rm NETWORK...                   prune [-f]
  connect [--alias A] [--ip IP] NETWORK CONTAINER      disconnect NETWORK CONTAINER
"""


@command("network", "COMMAND [OPTIONS]", "Manage networks (create, ls, inspect, rm, prune)",
         "subnet gateway internal driver network_label quiet format force alias ip",
         interspersed=True)
def cmd_network(options: dict, words: list[str]) -> int:
    if not words:
        out("Usage: contain network COMMAND\n\n" + SUBCOMMANDS)
        return 1
    what, rest = words[0], words[1:]
    if what == "create":
        (name,) = exactly("network create", 1, rest)
        if (options.get("driver") or "bridge") != "bridge":
            raise ContainerError(f'plugin "{options["driver"]}" not found (bridge is the only driver)', 125)
        labels = dict(item.split("=", 1) if "=" in item else (item, "") for item in options["network_label"])
        network = api.create_network(name, options.get("subnet") or "", options.get("gateway") or "",
                                     bool(options.get("internal")), labels)
        out(network.id + "\n")
    elif what in ("ls", "list"):
        rows = [[n.id[:12], n.name, n.driver, "local"] for n in api.networks()]
        if options.get("quiet"):
            out("".join(row[0] + "\n" for row in rows))
        else:
            out(table([["NETWORK ID", "NAME", "DRIVER", "SCOPE"], *rows]))
    elif what == "inspect":
        at_least("network inspect", 1, rest)
        out(documents([api.inspect_network(name) for name in rest], options.get("format")))
    elif what in ("rm", "remove"):
        at_least("network rm", 1, rest)
        for name in rest:
            api.remove_network(name)
            out(name + "\n")
    elif what == "prune":
        removed = api.prune_networks()
        if removed:
            out("Deleted Networks:\n" + "".join(f"{name}\n" for name in removed))
    elif what == "connect":
        network, container = exactly("network connect", 2, rest, ": NETWORK CONTAINER")
        api.connect_network(network, container, tuple(options["alias"]), options.get("ip") or "")
    elif what == "disconnect":
        network, container = exactly("network disconnect", 2, rest, ": NETWORK CONTAINER")
        api.disconnect_network(network, container)
    else:
        raise ContainerError(f'unknown command "network {what}"\n' + SUBCOMMANDS, 125)
    return 0


@command("port", "CONTAINER [PRIVATE_PORT[/PROTO]]", "List a container's published ports")
def cmd_port(options: dict, words: list[str]) -> int:
    if len(words) not in (1, 2):
        raise ContainerError('"contain port" requires 1 or 2 arguments: CONTAINER [PRIVATE_PORT[/PROTO]]', 1)
    lines = api.port(words[0], words[1] if len(words) == 2 else "")
    if len(words) == 2 and not lines:
        raise ContainerError(f"No public port '{words[1]}' published for {words[0]}", 1)
    out("".join(line + "\n" for line in lines))
    return 0
