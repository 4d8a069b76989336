"""Every flag of every `contain` subcommand, one parser for them, and the @command decorator.

Flags are parsed the Docker way: short flags combine (`-ti`), values follow (`-e K=V`,
`-eK=V`, `--name x`, `--name=x`), `--flag=false` turns a switch off, and flags may come
after the other words (`build . -t name`), except for `run` and `exec`, where the first word
that is not a flag (the image, the container) ends them: what follows is the command's. A bad flag is a usage error: exit
status 125, as Docker's.

FLAGS is the table: each flag once, under the key its value is found by. A command names
the keys it takes in its @command line.
"""

from __future__ import annotations

from collections.abc import Callable

from pyshell.errors import ContainerError
from pyshell.record import Record

USAGE_ERROR = 125  # Docker's status for a command line it cannot parse


class Flag(Record):
    names: tuple[str, ...]     # "-e", "--env"
    key: str                   # where parse_flags puts the value
    takes_value: bool = False
    repeat: bool = False       # -e A=1 -e B=2: a list
    help: str = ""


def _flags(*flags: Flag) -> dict[str, Flag]:
    table = {}
    for flag in flags:
        assert flag.key not in table, flag.key
        table[flag.key] = flag
    return table


FLAGS = _flags(
    # run / create
    Flag(("-t", "--tty"), "tty", help="allocate a pseudo-terminal"),
    Flag(("-i", "--interactive"), "interactive", help="keep stdin open"),
    Flag(("--rm",), "rm", help="remove the container when it exits"),
    Flag(("-d", "--detach"), "detach", help="run in the background, print the id"),
    Flag(("--name",), "name", True, help="the container's name"),
    Flag(("-e", "--env"), "env", True, True, help="K=V, or K to copy the host's value"),
    Flag(("--env-file",), "env_file", True, True, help="a file of K=V lines"),
    Flag(("-v", "--volume"), "volume", True, True, help="/host:/ctr[:ro], name:/ctr, or /ctr (anonymous)"),
    Flag(("--tmpfs",), "tmpfs", True, True, help="/path[:options]"),
    Flag(("-w", "--workdir"), "workdir", True, help="working directory in the container"),
    Flag(("-h", "--hostname"), "hostname", True),
    Flag(("--entrypoint",), "entrypoint", True),
    Flag(("-u", "--user"), "user", True, help="USER[:GROUP] or UID[:GID]"),
    Flag(("--read-only",), "read_only", help="mount the root filesystem read-only"),
    Flag(("-m", "--memory"), "memory", True, help="memory limit (512m, 1g)"),
    Flag(("--cpus",), "cpus", True, help="CPU limit (1.5)"),
    Flag(("--pids-limit",), "pids_limit", True),
    Flag(("--cap-add",), "cap_add", True, True),
    Flag(("--cap-drop",), "cap_drop", True, True),
    Flag(("--init",), "init", help="a tiny init as PID 1 that reaps zombies"),
    Flag(("--network", "--net"), "network", True, help="bridge (default), none, host, NAME or container:NAME"),
    Flag(("-p", "--publish"), "publish", True, True, help="[IP:][HOST_PORT:]PORT[/udp], ranges 8000-8001:80-81"),
    Flag(("-P", "--publish-all"), "publish_all", help="publish every exposed port on an ephemeral host port"),
    Flag(("--expose",), "expose", True, True, help="PORT[/PROTO]: expose without publishing"),
    Flag(("--ip",), "ip", True, help="the IPv4 address, on a user-defined network"),
    Flag(("--network-alias", "--net-alias"), "network_alias", True, True, help="another DNS name on the network"),
    Flag(("--add-host",), "add_host", True, True, help="NAME:IP, a line of /etc/hosts"),
    Flag(("--dns",), "dns", True, True, help="a name server for /etc/resolv.conf"),
    Flag(("--userns",), "userns", True, help="host, or auto (a user namespace, also for root)"),
    Flag(("-l", "--label"), "label", True, True, help="K=V"),
    Flag(("--stop-signal",), "stop_signal", True),
    Flag(("--restart",), "restart", True, help="no, on-failure[:N] or always (with -d)"),
    Flag(("--security-opt",), "security_opt", True, True, help="seccomp=PROFILE.json|unconfined"),
    Flag(("--device",), "device", True, True, help="HOST[:CONTAINER][:rwm]: a host device node"),
    Flag(("--explain",), "explain", help="tell each setup step and the kernel's answer as it happens"),
    Flag(("--pull",), "pull", True, help="missing (default), always or never: pull the image from its registry"),
    Flag(("--health-cmd",), "health_cmd", True, help="command run in the container to check its health"),
    Flag(("--health-interval",), "health_interval", True, help="time between checks (30s)"),
    Flag(("--health-timeout",), "health_timeout", True, help="longest a check may run (30s)"),
    Flag(("--health-retries",), "health_retries", True, help="failures in a row that make it unhealthy (3)"),
    Flag(("--health-start-period",), "health_start_period", True, help="failures then do not count (0s)"),
    Flag(("--health-start-interval",), "health_start_interval", True, help="time between checks then (5s)"),
    Flag(("--no-healthcheck",), "no_healthcheck", help="no health check, not even the image's"),
    # other container commands
    Flag(("-a", "--all"), "all", help="all of them, not only the running ones"),
    Flag(("-q", "--quiet"), "quiet", help="only ids"),
    Flag(("--no-trunc",), "no_trunc"),
    Flag(("-f", "--follow"), "follow", help="keep following the output"),
    Flag(("-t", "--timestamps"), "timestamps", help="each line with its time (RFC 3339, nanoseconds)"),
    Flag(("--since",), "since", True, help="lines from this time on: 2013-01-02T13:23:37Z, Unix seconds, or 42m ago"),
    Flag(("--until",), "until", True, help="lines up to this time (as --since)"),
    Flag(("-n", "--tail"), "tail", True, help="this many lines from the end (all)"),
    Flag(("-a", "--attach"), "attach", help="attach to the container's output"),
    Flag(("-t", "--time"), "time", True, help="seconds to wait before SIGKILL (10)"),
    Flag(("-s", "--signal"), "signal", True, help="signal name or number (KILL)"),
    Flag(("-f", "--force"), "force"),
    Flag(("--subnet",), "subnet", True, help="CIDR, e.g. 172.30.0.0/16"),
    Flag(("--gateway",), "gateway", True, help="the gateway address in the subnet"),
    Flag(("--internal",), "internal", help="no route out of the network"),
    Flag(("-d", "--driver"), "driver", True, help="bridge (the only one)"),
    Flag(("--label",), "network_label", True, True, help="K=V"),
    Flag(("--alias",), "alias", True, True, help="another DNS name on the network"),
    Flag(("-v", "--volumes"), "volumes", help="also remove its anonymous volumes"),
    Flag(("-f", "--format"), "format", True, help="a Go template: {{.State.Status}}"),
    Flag(("--type",), "type", True, help="container or image"),
    Flag(("-c", "--change"), "change", True, True, help="a Dockerfile instruction: 'CMD [\"sh\"]'"),
    Flag(("-m", "--message"), "message", True),
    Flag(("-a", "--author"), "author", True),
    Flag(("-p", "--pause"), "pause", help="freeze a running container meanwhile (default: when the host can)"),
    Flag(("-o", "--output"), "output", True, help="file to write (default: standard output)"),
    # images
    Flag(("-i", "--input"), "input", True, help="archive to read (default: standard input)"),
    Flag(("-t", "--tag"), "tag", True, True, help="NAME[:TAG] of the built image"),
    Flag(("-f", "--file"), "file", True, help="the Dockerfile (default: CONTEXT/Dockerfile)"),
    Flag(("--build-arg",), "build_arg", True, True, help="K=V"),
    Flag(("--no-cache",), "no_cache"),
    Flag(("--target",), "target", True, help="the stage to build"),
    Flag(("--network",), "build_network", True, help="host (default), none or bridge, for RUN steps"),
    Flag(("--registry",), "registry", True, help="HOST[:PORT] for a name without one"),
    Flag(("-u", "--username"), "username", True),
    Flag(("-p", "--password"), "password", True),
    Flag(("--password-stdin",), "password_stdin"),
)


HELP = Flag(("--help",), "help", help="show this command's options")


def parse_flags(command: str, argv: list[str], flags: list[Flag], interspersed: bool = True) -> tuple[dict, list[str]]:
    """Split argv into ({key: value}, the other words). Switches are True or False, repeated
    flags lists; a flag not given is absent (or an empty list when it repeats). Without
    ``interspersed``, the first other word ends the flags."""
    by_name = {name: flag for flag in flags for name in flag.names}
    options: dict = {flag.key: [] for flag in flags if flag.repeat}
    words: list[str] = []
    index = 0

    def take(flag: Flag, value) -> None:
        if flag.repeat:
            options[flag.key].append(value)
        else:
            options[flag.key] = value

    while index < len(argv):
        word = argv[index]
        if word == "--":
            index += 1
            break
        if not word.startswith("-") or word == "-":
            if not interspersed:
                break
            words.append(word)
            index += 1
            continue
        if word.startswith("--"):
            name, has_value, value = word.partition("=")
            flag = by_name.get(name)
            if flag is None:
                raise ContainerError(f"unknown flag {name}", USAGE_ERROR)
            if flag.takes_value and not has_value:
                index += 1
                if index >= len(argv):
                    raise ContainerError(f"flag needs an argument: {name}", USAGE_ERROR)
                value = argv[index]
            elif not flag.takes_value:
                if has_value and value not in ("true", "false"):
                    raise ContainerError(f"flag {name} takes no value", USAGE_ERROR)
                value = value != "false"
            take(flag, value)
        else:
            # -ti, -dit, -e K=V, -eK=V, -ti -e: short flags combine until one takes a value.
            letters = word[1:]
            for position, letter in enumerate(letters):
                flag = by_name.get(f"-{letter}")
                if flag is None:
                    raise ContainerError(f"unknown shorthand flag: '{letter}' in {word}", USAGE_ERROR)
                if flag.takes_value:
                    value = letters[position + 1:].removeprefix("=")
                    if not value:
                        index += 1
                        if index >= len(argv):
                            raise ContainerError(f"flag needs an argument: -{letter}", USAGE_ERROR)
                        value = argv[index]
                    take(flag, value)
                    break
                take(flag, True)
        index += 1
    return options, words + argv[index:]


# --------------------------------------------------------------------------- @command


class Command(Record):
    name: str
    usage: str                  # "[OPTIONS] CONTAINER [CONTAINER...]"
    summary: str
    flags: tuple[Flag, ...]
    handler: Callable[[dict, list[str]], int]
    group: str                  # "Containers" or "Images": `contain help` lists them so
    failure_status: int         # for an OSError or a bug: 125 (Docker's daemon error) or 1
    reconcile: bool             # look at crashed containers first (state.reconcile)
    interspersed: bool          # flags after other words too (not for run and exec: see above)

    def help_text(self) -> str:
        lines = [f"Usage: contain {self.name} {self.usage}".rstrip(), "", self.summary]
        if self.flags:
            lines += ["", "Options:"]
            for flag in self.flags:
                names = ", ".join(flag.names) + (" VALUE" if flag.takes_value else "")
                lines.append(f"  {names:28s} {flag.help}".rstrip())
        return "\n".join(lines) + "\n"

    def parse(self, argv: list[str]) -> tuple[dict, list[str]]:
        return parse_flags(self.name, argv, [*self.flags, HELP], self.interspersed)


COMMANDS: dict[str, Command] = {}


def command(name: str, usage: str, summary: str, flags: str = "", group: str = "Containers",
            aliases: tuple[str, ...] = (), interspersed: bool = True):
    """Register ``handler(options, words) -> status`` as `contain NAME`. ``flags``: keys of
    FLAGS, space-separated. Errors are the entry point's business (entry.main): a handler
    just raises ContainerError."""

    def register(handler):
        found = tuple(FLAGS[key] for key in flags.split())
        entry = Command(name, usage, summary, found, handler, group,
                        failure_status=125 if group == "Containers" else 1, reconcile=group == "Containers",
                        interspersed=interspersed)
        for each in (name, *aliases):
            COMMANDS[each] = entry
        return handler

    return register


def exactly(command: str, count: int, words: list[str], what: str = "") -> list[str]:
    """Docker's argument-count message: '"contain logs" requires exactly 1 argument'."""
    if len(words) != count:
        plural = "s" if count != 1 else ""
        raise ContainerError(f'"contain {command}" requires exactly {count} argument{plural}{what}', 1)
    return words


def at_least(command: str, count: int, words: list[str], what: str = "", status: int = 1) -> list[str]:
    if len(words) < count:
        plural = "s" if count != 1 else ""
        raise ContainerError(f'"contain {command}" requires at least {count} argument{plural}{what}', status)
    return words
