"""`contain`: the Docker-like command line. ``main(argv)`` with argv after the word "contain".

Container subcommands live here; image subcommands (images, tag, rmi, import, bootstrap,
build, pull, ...) are handed to image_cli.COMMANDS. Flags are parsed the Docker way: short
flags combine (`-ti`), values follow (`-e K=V`, `-eK=V`, `--name x`, `--name=x`), and the
first word that is not a flag (the image, the container) ends the flags.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from pyshell.builtins import write_err as err, write_out as out
from pyshell.errors import ContainerError, PyshError
from pyshell.record import Record
from pyshell.statedir import pysh_home

USAGE = """\
Usage: contain COMMAND [OPTIONS]

Containers:
  run [OPTIONS] IMAGE [COMMAND] [ARG...]   create and start a container
  exec [-ti] [-e K=V] [-u USER] [-w DIR] CONTAINER COMMAND [ARG...]
  ps [-a] [-q]      list containers          logs [-f] CONTAINER
  start CONTAINER   stop [-t SECONDS]        kill [-s SIGNAL]      restart
  rm [-f]           attach CONTAINER         inspect [-f FORMAT] CONTAINER|IMAGE
  commit [-c INSTR] [-m MSG] CONTAINER [REPOSITORY[:TAG]]
  export CONTAINER > fs.tar                 prune
  port CONTAINER [PORT]                     network create|ls|inspect|rm|prune
Images:
  images  tag  rmi  import  bootstrap busybox|debian  build  pull  push  save  load  login
"""


class Flag(Record):
    names: tuple[str, ...]     # "-e", "--env"
    key: str
    takes_value: bool = False
    repeat: bool = False


def parse_flags(command: str, argv: list[str], flags: list[Flag]) -> tuple[dict, list[str]]:
    """Split argv into ({key: value}, the words after the flags)."""
    by_name = {name: flag for flag in flags for name in flag.names}
    options: dict = {flag.key: [] for flag in flags if flag.repeat}
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
            break
        if word.startswith("--"):
            name, has_value, value = word.partition("=")
            flag = by_name.get(name)
            if flag is None:
                raise ContainerError(f"unknown flag {name}", 125)
            if flag.takes_value and not has_value:
                index += 1
                if index >= len(argv):
                    raise ContainerError(f"flag needs an argument: {name}", 125)
                value = argv[index]
            elif not flag.takes_value:
                if has_value and value not in ("true", "false"):
                    raise ContainerError(f"flag {name} takes no value", 125)
                value = value != "false"
            take(flag, value)
        else:
            # -ti, -dit, -e K=V, -eK=V, -ti -e: short flags combine until one takes a value.
            letters = word[1:]
            for position, letter in enumerate(letters):
                flag = by_name.get(f"-{letter}")
                if flag is None:
                    raise ContainerError(f"unknown shorthand flag: '{letter}' in {word}", 125)
                if flag.takes_value:
                    value = letters[position + 1:].removeprefix("=")
                    if not value:
                        index += 1
                        if index >= len(argv):
                            raise ContainerError(f"flag needs an argument: -{letter}", 125)
                        value = argv[index]
                    take(flag, value)
                    break
                take(flag, True)
        index += 1
    return options, argv[index:]


# --------------------------------------------------------------------------- entry point


def main(argv: list[str]) -> int:
    """`contain SUBCOMMAND ...`: returns the exit status; errors are one line on stderr."""
    if not argv or argv[0] in ("help", "-h", "--help"):
        out(USAGE)
        return 0 if argv else 1
    name, rest = argv[0], argv[1:]
    handler = COMMANDS.get(name)
    if handler is None:
        from pyshell.contain import image_cli

        image_command = image_cli.COMMANDS.get(name)
        if image_command is None:
            err(f"pysh: contain: unknown command {name!r} (see contain help)\n")
            return 125
        return image_command(rest)
    try:
        home = pysh_home()
        from pyshell.contain import state

        state.reconcile(home)
        return handler(home, rest)
    except PyshError as error:
        err(f"pysh: contain {name}: {error.message}\n")
        return error.status
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        err(f"pysh: contain {name}: {error.strerror or error}{where}\n")
        return 125
    except KeyboardInterrupt:
        err("\n")
        return 130
    except Exception as error:  # a bug: still one line; PYSH_DEBUG=1 shows the traceback
        if os.environ.get("PYSH_DEBUG"):
            raise
        err(f"pysh: contain {name}: internal error: {type(error).__name__}: {error}\n")
        return 125


# --------------------------------------------------------------------------- run


RUN_FLAGS = [
    Flag(("-t", "--tty"), "tty"), Flag(("-i", "--interactive"), "interactive"),
    Flag(("--rm",), "rm"), Flag(("-d", "--detach"), "detach"),
    Flag(("--name",), "name", True), Flag(("-e", "--env"), "env", True, True),
    Flag(("--env-file",), "env_file", True, True), Flag(("-v", "--volume"), "volume", True, True),
    Flag(("--tmpfs",), "tmpfs", True, True), Flag(("-w", "--workdir"), "workdir", True),
    Flag(("-h", "--hostname"), "hostname", True), Flag(("--entrypoint",), "entrypoint", True),
    Flag(("-u", "--user"), "user", True), Flag(("--read-only",), "read_only"),
    Flag(("-m", "--memory"), "memory", True), Flag(("--cpus",), "cpus", True),
    Flag(("--pids-limit",), "pids_limit", True), Flag(("--cap-add",), "cap_add", True, True),
    Flag(("--cap-drop",), "cap_drop", True, True), Flag(("--init",), "init"),
    Flag(("--network", "--net"), "network", True), Flag(("--userns",), "userns", True),
    Flag(("-l", "--label"), "label", True, True), Flag(("--stop-signal",), "stop_signal", True),
    Flag(("--restart",), "restart", True),
    Flag(("-p", "--publish"), "publish", True, True), Flag(("-P", "--publish-all"), "publish_all"),
    Flag(("--expose",), "expose", True, True), Flag(("--ip",), "ip", True),
    Flag(("--network-alias", "--net-alias"), "network_alias", True, True),
    Flag(("--add-host",), "add_host", True, True), Flag(("--dns",), "dns", True, True),
]


def default_spec(image, image_ref: str, container_id: str | None = None, name: str | None = None):
    """The container an image describes with no flags given (used by `run` and by `build`)."""
    from pyshell.contain.spec import DEFAULT_PATH, ContainerSpec

    container_id = container_id or os.urandom(32).hex()  # 64 hex digits, as Docker (uuid costs 3 ms to import)
    config = image.config
    env = list(config.env)
    if not any(item.startswith("PATH=") for item in env):
        env.insert(0, f"PATH={DEFAULT_PATH}")
    entrypoint = tuple(config.entrypoint or ())
    cmd = tuple(config.cmd or ())
    return ContainerSpec(
        id=container_id, name=name or f"build_{container_id[:12]}", image=image_ref, image_id=image.id,
        layer_dirs=tuple(str(d) for d in image.layer_dirs), argv=entrypoint + cmd, env=tuple(env),
        workdir=config.working_dir or "/", user=config.user or "", hostname=container_id[:12],
        rootless=os.geteuid() != 0, stop_signal=config.stop_signal or "SIGTERM",
        labels=tuple(sorted(dict(config.labels).items())), entrypoint=entrypoint, cmd=cmd)


def build_spec(home: Path, options: dict, words: list[str]):
    """Flags + image config -> a validated ContainerSpec (host paths are checked here too)."""
    from pyshell.contain import linux, spec as spec_module, state
    from pyshell.contain.images import ImageStore

    if not words:
        raise ContainerError('"contain run" requires at least 1 argument: IMAGE [COMMAND] [ARG...]', 125)
    image_ref, command = words[0], words[1:]
    image = ImageStore(home).resolve(image_ref)
    taken = state.names_in_use(home)
    spec = default_spec(image, image_ref, name=options.get("name") or state.new_name(taken))

    entrypoint, cmd = spec.entrypoint, spec.cmd
    if options.get("entrypoint") is not None:
        # Docker: --entrypoint replaces the image's ENTRYPOINT and also drops its CMD.
        entrypoint, cmd = tuple(options["entrypoint"].split()) if options["entrypoint"] else (), ()
    if command:
        cmd = tuple(command)

    env = dict(item.split("=", 1) for item in spec.env if "=" in item)
    env["HOSTNAME"] = options.get("hostname") or spec.hostname
    if options.get("tty"):
        env.setdefault("TERM", "xterm")
    for path in options["env_file"]:
        env.update(_read_env_file(path))
    for item in options["env"]:
        if "=" in item:
            key, value = item.split("=", 1)
            env[key] = value
        elif item in os.environ:  # -e K: copy the host's value, if it has one
            env[item] = os.environ[item]

    memory = spec_module.parse_size(options["memory"]) if options.get("memory") else None
    try:
        cpus = float(options["cpus"]) if options.get("cpus") else None
        pids = int(options["pids_limit"]) if options.get("pids_limit") else None
    except ValueError as error:
        raise ContainerError(f"invalid number: {error}", 125) from None
    if options.get("userns") not in (None, "", "host", "keep-id", "auto"):
        raise ContainerError(f"--userns {options['userns']}: use host or auto", 125)
    rootless = os.geteuid() != 0 or options.get("userns") == "auto"
    restart = _restart_policy(options)
    mounts = tuple(_parse_volume(home, text, rootless) for text in options["volume"])
    mounts += tuple(_parse_tmpfs(text) for text in options["tmpfs"])
    labels = dict(spec.labels)
    labels.update(item.split("=", 1) if "=" in item else (item, "") for item in options["label"])
    from pyshell.contain.network import options as network_options

    network = network_options.from_flags(options, image.config.exposed_ports)

    spec = spec.replace(
        argv=entrypoint + cmd, entrypoint=entrypoint, cmd=cmd,
        env=tuple(f"{k}={v}" for k, v in env.items()),
        workdir=options.get("workdir") or spec.workdir, user=options.get("user") or spec.user,
        hostname=options.get("hostname") or spec.hostname,
        tty=bool(options.get("tty")), interactive=bool(options.get("interactive")),
        detach=bool(options.get("detach")), autoremove=bool(options.get("rm")), mounts=mounts,
        read_only=bool(options.get("read_only")), memory=memory, cpus=cpus, pids_limit=pids,
        capabilities=spec_module.merge_capabilities(options["cap_add"], options["cap_drop"]),
        init=bool(options.get("init")), rootless=rootless,
        stop_signal=options.get("stop_signal") or spec.stop_signal, labels=tuple(sorted(labels.items())),
        restart=restart, **network)
    spec_module.validate(spec, linux.CAPABILITIES)
    return spec


def _restart_count(directory: Path) -> int:
    """How many times the restart policy started the container again (restart.py counts)."""
    try:
        return int((directory / "restarts").read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def _restart_policy(options: dict) -> str:
    """--restart no | on-failure[:N] | always: kept by restart.py for a -d container."""
    policy = options.get("restart") or "no"
    name, _, count = policy.partition(":")
    if name not in ("no", "on-failure", "always") or (count and (name != "on-failure" or not count.isdigit())):
        raise ContainerError(f"invalid restart policy {policy!r}: use no, on-failure[:N] or always", 125)
    if name != "no" and options.get("rm"):
        raise ContainerError("conflicting options: --restart and --rm", 125)
    if name != "no" and not options.get("detach"):
        raise ContainerError("--restart needs -d (only a detached container is restarted)", 125)
    return policy


def _read_env_file(path: str) -> dict:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as error:
        raise ContainerError(f"--env-file {path}: {error.strerror}", 125) from None
    env = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, has_value, value = line.partition("=")
        if has_value:
            env[key] = value
        elif key in os.environ:
            env[key] = os.environ[key]
    return env


def _parse_volume(home: Path, text: str, rootless: bool):
    """-v /host:/ctr[:ro|rw], -v name:/ctr (named volume), -v /ctr (anonymous volume)."""
    from pyshell.contain.spec import Mount

    parts = text.split(":")
    readonly = False
    if len(parts) in (2, 3) and parts[-1] in ("ro", "rw") and len(parts) == 3:
        readonly = parts.pop() == "ro"
    if len(parts) == 1:
        name = f"anonymous-{os.urandom(16).hex()}"
        source, target = _volume_dir(home, name), parts[0]
        return Mount("volume", str(source), target, readonly, volume_name=name)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise ContainerError(f"invalid volume specification: {text!r} (use SRC:DST[:ro])", 125)
    source, target = parts
    if source.startswith("/") or source.startswith("."):
        path = os.path.abspath(source)
        if not os.path.exists(path):
            raise ContainerError(f"invalid mount: host path {source} does not exist", 125)
        return Mount("bind", path, target, readonly)
    if not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", source):
        raise ContainerError(f"invalid volume name {source!r}: use [a-zA-Z0-9][a-zA-Z0-9_.-]* "
                             f"(or an absolute path for a bind mount)", 125)
    return Mount("volume", str(_volume_dir(home, source)), target, readonly, volume_name=source)


def _volume_dir(home: Path, name: str) -> Path:
    path = home / "volumes" / name / "_data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _parse_tmpfs(text: str):
    from pyshell.contain.spec import Mount

    target, _, options = text.partition(":")
    return Mount("tmpfs", "", target, False, options)


def cmd_run(home: Path, argv: list[str]) -> int:
    from pyshell.contain import runtime

    options, words = parse_flags("run", argv, RUN_FLAGS)
    spec = build_spec(home, options, words)
    if spec.tty and spec.interactive and not spec.detach and not os.isatty(0):
        raise ContainerError("the input device is not a TTY", 1)
    status = runtime.run(home, spec, attach_terminal=_attach_terminal)
    if spec.detach:
        out(spec.id + "\n")
    return status


def _attach_terminal(container) -> int | None:
    from pyshell.contain import terminal

    return terminal.attach(container, send_input=container.spec.interactive)


# --------------------------------------------------------------------------- other container commands


def _find(home: Path, name: str):
    from pyshell.contain import state

    return state.find(home, name)


def _one_or_more(command: str, words: list[str]) -> list[str]:
    if not words:
        raise ContainerError(f'"contain {command}" requires at least 1 argument', 1)
    return words


def cmd_exec(home: Path, argv: list[str]) -> int:
    from pyshell.contain import runtime

    flags = [Flag(("-t", "--tty"), "tty"), Flag(("-i", "--interactive"), "interactive"),
             Flag(("-e", "--env"), "env", True, True), Flag(("-u", "--user"), "user", True),
             Flag(("-w", "--workdir"), "workdir", True), Flag(("-d", "--detach"), "detach")]
    options, words = parse_flags("exec", argv, flags)
    if len(words) < 2:
        raise ContainerError('"contain exec" requires at least 2 arguments: CONTAINER COMMAND [ARG...]', 1)
    container = _find(home, words[0])
    env = [item if "=" in item else f"{item}={os.environ.get(item, '')}" for item in options["env"]]
    return runtime.exec_in(container, words[1:], env, options.get("user") or "", options.get("workdir") or "",
                           bool(options.get("tty")), bool(options.get("interactive")))


def cmd_ps(home: Path, argv: list[str]) -> int:
    from pyshell.contain import state
    from pyshell.contain.image_cli import human_age, table
    from pyshell.contain.network_cli import ps_ports

    options, words = parse_flags("ps", argv, [Flag(("-a", "--all"), "all"), Flag(("-q", "--quiet"), "quiet"),
                                              Flag(("--no-trunc",), "no_trunc")])
    containers = [c for c in state.all_containers(home)
                  if not c.spec.hidden and (options.get("all") or c.status == "running")]
    if options.get("quiet"):
        out("".join(c.id[:12] + "\n" for c in containers))
        return 0
    rows = [["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]]
    for c in containers:
        command = " ".join(c.spec.argv)
        if len(command) > 20 and not options.get("no_trunc"):
            command = command[:19] + "…"
        rows.append([c.id[:12], c.spec.image, f'"{command}"', human_age(c.created), _status_text(c, human_age),
                     ps_ports(c), c.name])
    out(table(rows))
    return 0


def _status_text(container, human_age) -> str:
    if container.status == "running":
        return "Up " + human_age(container.started_at).removesuffix(" ago")
    if container.status == "exited":
        from pyshell.contain import runtime

        word = "Restarting" if runtime.restart_pending(container) else "Exited"
        return f"{word} ({container.exit_code}) {human_age(container.finished_at)}"
    return "Created"


def cmd_logs(home: Path, argv: list[str]) -> int:
    from pyshell.contain import state

    options, words = parse_flags("logs", argv, [Flag(("-f", "--follow"), "follow")])
    (name,) = _exactly_one("logs", words)
    container = _find(home, name)
    log = container.dir / "container.log"
    position = 0
    while True:
        if log.exists():
            with open(log, "rb") as file:
                file.seek(position)
                data = file.read()
            position += len(data)
            if data:
                os.write(1, data)
        current = state.load(container.dir)
        if not options.get("follow") or current is None or current.status != "running":
            return 0
        time.sleep(0.1)


def _exactly_one(command: str, words: list[str]) -> list[str]:
    if len(words) != 1:
        raise ContainerError(f'"contain {command}" requires exactly 1 argument', 1)
    return words


def cmd_start(home: Path, argv: list[str]) -> int:
    from pyshell.contain import runtime, state

    options, words = parse_flags("start", argv, [Flag(("-a", "--attach"), "attach"),
                                                 Flag(("-i", "--interactive"), "interactive")])
    for name in _one_or_more("start", words):
        container = _find(home, name)
        if container.status == "running":
            out(name + "\n")
            continue
        container = replace_spec(container, detach=True)
        runtime.start(home, container, foreground=False)
        if options.get("attach") and container.spec.tty:
            _attach_terminal(state.load(container.dir))
        else:
            out(name + "\n")
    return 0


def replace_spec(container, **changes):
    """A started container runs detached whatever its first run was (Docker's `start`)."""
    from pyshell.contain import state

    spec = container.spec.replace(**changes)
    state.save_config(container.dir, spec, container.created, container.cgroup)
    return state.load(container.dir)


def cmd_stop(home: Path, argv: list[str]) -> int:
    from pyshell.contain import runtime

    options, words = parse_flags("stop", argv, [Flag(("-t", "--time"), "time", True)])
    timeout = _stop_timeout(options)
    for name in _one_or_more("stop", words):
        runtime.stop(_find(home, name), timeout)
        out(name + "\n")
    return 0


def _stop_timeout(options: dict) -> float:
    """-t SECONDS of stop and restart: how long SIGTERM has before SIGKILL (10 s by default)."""
    text = options.get("time") or "10"
    try:
        seconds = float(text)
    except ValueError:
        raise ContainerError(f"invalid time: {text!r} (use a number of seconds)", 125) from None
    if seconds < 0:
        raise ContainerError(f"invalid time: {text!r} (use a number of seconds)", 125)
    return seconds


def cmd_kill(home: Path, argv: list[str]) -> int:
    import signal

    from pyshell.contain import runtime

    options, words = parse_flags("kill", argv, [Flag(("-s", "--signal"), "signal", True)])
    name = (options.get("signal") or "KILL").upper()
    if name.isdigit():
        number = int(name)
    else:
        number = getattr(signal, name if name.startswith("SIG") else f"SIG{name}", None)
        if number is None:
            raise ContainerError(f"invalid signal: {options.get('signal')}", 1)
    for each in _one_or_more("kill", words):
        runtime.kill(_find(home, each), int(number))
        out(each + "\n")
    return 0


def cmd_restart(home: Path, argv: list[str]) -> int:
    from pyshell.contain import runtime, state

    options, words = parse_flags("restart", argv, [Flag(("-t", "--time"), "time", True)])
    for name in _one_or_more("restart", words):
        container = _find(home, name)
        runtime.stop(container, _stop_timeout(options))
        container = replace_spec(state.load(container.dir), detach=True)
        runtime.start(home, container, foreground=False)
        out(name + "\n")
    return 0


def cmd_rm(home: Path, argv: list[str]) -> int:
    from pyshell.contain import runtime

    options, words = parse_flags("rm", argv, [Flag(("-f", "--force"), "force"), Flag(("-v", "--volumes"), "volumes")])
    status = 0
    for name in _one_or_more("rm", words):
        try:
            runtime.remove(home, _find(home, name), bool(options.get("force")))
            out(name + "\n")
        except ContainerError as error:
            err(f"pysh: contain rm: {error.message}\n")
            status = 1
    return status


def cmd_attach(home: Path, argv: list[str]) -> int:
    _, words = parse_flags("attach", argv, [])
    (name,) = _exactly_one("attach", words)
    container = _find(home, name)
    if container.status != "running":
        raise ContainerError("you cannot attach to a stopped container, start it first", 1)
    if not container.spec.tty:
        return cmd_logs(home, ["-f", name])
    status = _attach_terminal(container)
    return 0 if status is None else status


def inspect_document(container) -> dict:
    from pyshell.contain.network_cli import inspect_settings

    spec = container.spec
    running = container.status == "running"
    network_settings, port_bindings, exposed_ports = inspect_settings(container)
    return {
        "Id": container.id,
        "Created": container.created,
        "Path": spec.argv[0] if spec.argv else "",
        "Args": list(spec.argv[1:]),
        "State": {"Status": container.status, "Running": running, "Paused": False, "Restarting": False,
                  "OOMKilled": False, "Dead": False, "Pid": container.pid if running else 0,
                  "ExitCode": container.exit_code or 0, "Error": "",
                  "StartedAt": container.started_at or "0001-01-01T00:00:00Z",
                  "FinishedAt": container.finished_at or "0001-01-01T00:00:00Z"},
        "Image": spec.image_id,
        "Name": "/" + spec.name,
        "RestartCount": _restart_count(container.dir),
        "Driver": "overlay",
        "LogPath": str(container.dir / "container.log"),
        "Mounts": [{"Type": m.kind, "Name": m.volume_name, "Source": m.source, "Destination": m.target,
                    "RW": not m.readonly} for m in spec.mounts],
        "Config": {"Hostname": spec.hostname, "User": spec.user, "Tty": spec.tty, "OpenStdin": spec.interactive,
                   "Env": list(spec.env), "Cmd": list(spec.cmd), "Entrypoint": list(spec.entrypoint) or None,
                   "Image": spec.image, "WorkingDir": spec.workdir, "Labels": dict(spec.labels),
                   "StopSignal": spec.stop_signal, "ExposedPorts": exposed_ports or None},
        "HostConfig": {"AutoRemove": spec.autoremove, "NetworkMode": spec.network, "PortBindings": port_bindings,
                       "Dns": list(spec.dns), "ExtraHosts": [f"{n}:{ip}" for n, ip in spec.add_hosts] or None,
                       "Memory": spec.memory or 0, "NanoCpus": int((spec.cpus or 0) * 1e9),
                       "PidsLimit": spec.pids_limit, "ReadonlyRootfs": spec.read_only, "Init": spec.init,
                       "CapAdd": sorted(spec.capabilities), "UsernsMode": "auto" if spec.rootless else "host",
                       "RestartPolicy": {"Name": spec.restart.partition(":")[0],
                                         "MaximumRetryCount": int(spec.restart.partition(":")[2] or 0)}},
        "GraphDriver": {"Name": "overlay", "Data": {
            "LowerDir": ":".join(reversed(spec.layer_dirs)), "UpperDir": str(container.upper_dir),
            "WorkDir": str(container.dir / "rootfs" / "work"), "MergedDir": str(container.dir / "rootfs" / "merged")}},
        "NetworkSettings": network_settings,
        "Cgroup": container.cgroup,
    }


def cmd_inspect(home: Path, argv: list[str]) -> int:
    from pyshell.contain import image_cli

    options, words = parse_flags("inspect", argv, [Flag(("-f", "--format"), "format", True),
                                                   Flag(("--type",), "type", True)])
    _one_or_more("inspect", words)
    documents = []
    for name in words:
        try:
            if options.get("type") == "image":
                raise ContainerError("")
            documents.append(inspect_document(_find(home, name)))
        except ContainerError:
            # Not a container: maybe an image (Docker's `inspect` looks at both).
            forwarded = (["-f", options["format"]] if options.get("format") else []) + [name]
            status = image_cli.COMMANDS["image-inspect"](forwarded)
            if status:
                return status
    if options.get("format"):
        out("".join(image_cli.render_format(options["format"], d) + "\n" for d in documents))
    elif documents:
        out(json.dumps(documents, indent=4) + "\n")
    return 0


def cmd_commit(home: Path, argv: list[str]) -> int:
    from pyshell.contain.image_cli import _changes_from_instructions
    from pyshell.contain.images import ImageStore

    options, words = parse_flags("commit", argv, [Flag(("-c", "--change"), "change", True, True),
                                                  Flag(("-m", "--message"), "message", True),
                                                  Flag(("-a", "--author"), "author", True),
                                                  Flag(("-p", "--pause"), "pause")])
    if len(words) not in (1, 2):
        raise ContainerError('"contain commit" requires 1 or 2 arguments: CONTAINER [REPOSITORY[:TAG]]', 1)
    container = _find(home, words[0])
    store = ImageStore(home)
    parent = store.get(container.spec.image_id)
    image = store.commit(container.upper_dir, parent, words[1] if len(words) == 2 else None,
                         _changes_from_instructions(options["change"]),
                         created_by=f"contain commit {container.name}", comment=options.get("message") or "")
    out(image.id + "\n")
    return 0


def cmd_export(home: Path, argv: list[str]) -> int:
    from pyshell.contain import export

    options, words = parse_flags("export", argv, [Flag(("-o", "--output"), "output", True)])
    (name,) = _exactly_one("export", words)
    return export.export(_find(home, name), options.get("output"))


def cmd_prune(home: Path, argv: list[str]) -> int:
    from pyshell.contain import runtime, state

    parse_flags("prune", argv, [Flag(("-f", "--force"), "force")])
    removed = []
    for container in state.all_containers(home):
        if container.status != "running":
            runtime.remove(home, container, force=False)
            removed.append(container.id)
    out("Deleted Containers:\n" + "".join(f"{i}\n" for i in removed) if removed else "")
    out(f"Total reclaimed: {len(removed)} containers\n")
    return 0


COMMANDS = {
    "run": cmd_run, "exec": cmd_exec, "ps": cmd_ps, "logs": cmd_logs, "start": cmd_start, "stop": cmd_stop,
    "kill": cmd_kill, "restart": cmd_restart, "rm": cmd_rm, "attach": cmd_attach, "inspect": cmd_inspect,
    "commit": cmd_commit, "export": cmd_export, "prune": cmd_prune, "container-prune": cmd_prune,
    "network": lambda home, argv: _network_cli().cmd_network(home, argv),
    "port": lambda home, argv: _network_cli().cmd_port(home, argv),
}


def _network_cli():
    from pyshell.contain import network_cli

    return network_cli
