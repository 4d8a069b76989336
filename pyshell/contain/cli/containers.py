"""The container subcommands of `contain`: flags in, pyshell.contain.api calls, text out.

Each is ``handler(options, words) -> exit status``, registered with @command (flags.py);
entry.main parses the flags it names and turns every error into one line.
"""

from __future__ import annotations

import os
from pathlib import Path

from pyshell.contain import api
from pyshell.contain.cli.flags import USAGE_ERROR, at_least, command, exactly
from pyshell.contain.cli.format import documents, err, human_age, out, table
from pyshell.contain.kernel.osio import write_all
from pyshell.errors import ContainerError

RUN_FLAGS = ("tty interactive rm detach name env env_file volume tmpfs workdir hostname entrypoint user read_only "
             "memory cpus pids_limit cap_add cap_drop init network userns label stop_signal restart explain "
             "pull security_opt device publish publish_all expose ip network_alias add_host dns "
             "health_cmd health_interval health_timeout health_retries health_start_period health_start_interval "
             "no_healthcheck")


# --------------------------------------------------------------------------- run, create


def build_spec(options: dict, words: list[str], command_name: str = "run") -> api.ContainerSpec:
    """Flags + image config -> a validated ContainerSpec (host paths are checked here too)."""
    from pyshell.contain.spec import merge_capabilities

    validation = api.validation

    if not words:
        raise ContainerError(f'"contain {command_name}" requires at least 1 argument: IMAGE [COMMAND] [ARG...]',
                             USAGE_ERROR)
    image_ref, command = words[0], words[1:]
    api.network_fields(options)  # a bad -p or --ip is an error before any pull, as in Docker's client
    api.ensure_image(image_ref, options.get("pull") or "missing", progress=err)  # Docker pulls on first use
    spec = api.default_spec(image_ref, check=False, name=options.get("name"))

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
    for item in map(validation.environment_variable, options["env"]):
        if "=" in item:
            key, value = item.split("=", 1)
            env[key] = value
        elif item in os.environ:  # -e K: copy the host's value, if it has one
            env[item] = os.environ[item]

    memory = validation.memory(options["memory"]) if options.get("memory") else None
    cpus = validation.cpus(options["cpus"]) if options.get("cpus") else None
    pids = validation.pids_limit(options["pids_limit"]) if options.get("pids_limit") else None
    if options.get("stop_signal"):
        validation.signal_number(options["stop_signal"])
    if options.get("userns") not in (None, "", "host", "auto"):
        # keep-id is podman's (your uid inside too): our user namespace maps you to root in it.
        raise ContainerError(f"--userns {options['userns']}: use host or auto", USAGE_ERROR)
    rootless = os.geteuid() != 0 or options.get("userns") == "auto"
    restart = _restart_policy(options)
    mounts = tuple(api.mount_from_text(text) for text in options["volume"])
    mounts += tuple(_tmpfs_mount(text) for text in options["tmpfs"])
    labels = dict(spec.labels)
    labels.update(item.split("=", 1) if "=" in item else (item, "") for item in options["label"])
    network = api.network_fields(options, spec.exposed)

    spec = spec.replace(
        argv=entrypoint + cmd, entrypoint=entrypoint, cmd=cmd,
        env=tuple(f"{k}={v}" for k, v in env.items()),
        workdir=options.get("workdir") or spec.workdir, user=options.get("user") or spec.user,
        hostname=options.get("hostname") or spec.hostname,
        tty=bool(options.get("tty")), interactive=bool(options.get("interactive")),
        detach=bool(options.get("detach")), autoremove=bool(options.get("rm")), mounts=mounts,
        read_only=bool(options.get("read_only")), memory=memory, cpus=cpus, pids_limit=pids,
        capabilities=merge_capabilities(options["cap_add"], options["cap_drop"]),
        init=bool(options.get("init")), rootless=rootless, **network,
        stop_signal=options.get("stop_signal") or spec.stop_signal, labels=tuple(sorted(labels.items())),
        restart=restart, seccomp=validation.seccomp_setting(options["security_opt"]),
        devices=tuple(validation.device(text) for text in options["device"]),
        healthcheck=_healthcheck(options, spec.healthcheck))
    api.validate(spec)
    return spec


def _healthcheck(options: dict, from_image):
    """--health-* flags over the image's HEALTHCHECK (Docker: each flag replaces one setting);
    --no-healthcheck drops both."""
    from pyshell.contain.spec import Healthcheck

    if options.get("no_healthcheck"):
        if options.get("health_cmd"):
            raise ContainerError("--no-healthcheck conflicts with --health-* options", USAGE_ERROR)
        return None
    check = from_image
    if options.get("health_cmd"):
        check = (check or Healthcheck(())).replace(test=("CMD-SHELL", options["health_cmd"]))
    given = [key for key in ("health_interval", "health_timeout", "health_retries", "health_start_period",
                             "health_start_interval") if options.get(key)]
    if check is None:
        if given:
            raise ContainerError(f"--{given[0].replace('_', '-')} needs --health-cmd "
                                 "(or an image with a HEALTHCHECK)", USAGE_ERROR)
        return None
    changes = {}
    for key in given:
        field = key.removeprefix("health_")
        try:
            changes[field] = int(options[key]) if field == "retries" else _seconds(options[key])
        except ValueError:
            raise ContainerError(f"invalid --{key.replace('_', '-')} {options[key]!r}", USAGE_ERROR) from None
    return check.replace(**changes)


def _seconds(text: str) -> float:
    """A positive Go duration (30s, 1m30s, 500ms), as Docker's --health-* flags take them."""
    from pyshell.units import UnitError, parse_duration

    try:
        seconds = parse_duration(text) / 1e9
    except UnitError:
        raise ValueError(text) from None
    if seconds <= 0:
        raise ValueError(text)
    return seconds


def _restart_policy(options: dict) -> str:
    """--restart no | on-failure[:N] | always: kept by restart.py for a -d container."""
    policy = options.get("restart") or "no"
    name, _, count = policy.partition(":")
    if name not in ("no", "on-failure", "always") or (count and name != "on-failure"):
        raise ContainerError(f"invalid restart policy {policy!r}: use no, on-failure[:N] or always", USAGE_ERROR)
    if count:
        api.validation.restart_count(count)
    if name != "no" and options.get("rm"):
        raise ContainerError("conflicting options: --restart and --rm", USAGE_ERROR)
    if name != "no" and not options.get("detach"):
        raise ContainerError("--restart needs -d (only a detached container is restarted)", USAGE_ERROR)
    return policy


def _read_env_file(path: str) -> dict:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as error:
        raise ContainerError(f"--env-file {path}: {error.strerror}", USAGE_ERROR) from None
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


def _tmpfs_mount(text: str) -> api.Mount:
    target, _, options = text.partition(":")
    return api.Mount("tmpfs", "", target, False, options)


@command("run", "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create and start a container", RUN_FLAGS,
         interspersed=False)
def cmd_run(options: dict, words: list[str]) -> int:
    spec = build_spec(options, words)
    if spec.ports and spec.network == "host":
        err("WARNING: Published ports are discarded when using host network mode\n")  # as Docker
    if spec.tty and spec.interactive and not spec.detach and not os.isatty(0):
        raise ContainerError("the input device is not a TTY", 1)
    status = api.run(spec, explain=bool(options.get("explain")),
                     notice=lambda text: err(f"pysh: contain run: {text}\n"))
    if spec.detach:
        out(spec.id + "\n")
    return status


@command("create", "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a container (start it later with start)", RUN_FLAGS,
         interspersed=False)
def cmd_create(options: dict, words: list[str]) -> int:
    spec = build_spec(options, words, "create")
    out(api.create(spec).id + "\n")
    return 0


# --------------------------------------------------------------------------- other container commands


@command("exec", "[OPTIONS] CONTAINER COMMAND [ARG...]", "Run a command in a running container",
         "tty interactive env user workdir detach explain", interspersed=False)
def cmd_exec(options: dict, words: list[str]) -> int:
    at_least("exec", 2, words, ": CONTAINER COMMAND [ARG...]")
    env = [item if "=" in item else f"{item}={os.environ.get(item, '')}"
           for item in map(api.validation.environment_variable, options["env"])]
    return api.exec(words[0], words[1:], env, options.get("user") or "", options.get("workdir") or "",
                    tty=bool(options.get("tty")), interactive=bool(options.get("interactive")),
                    detach=bool(options.get("detach")), explain=bool(options.get("explain")))


@command("ps", "[OPTIONS]", "List containers", "all quiet no_trunc")
def cmd_ps(options: dict, words: list[str]) -> int:
    if words:
        raise ContainerError('"contain ps" accepts no arguments', 1)
    found = api.list_containers(all=bool(options.get("all")))
    if options.get("quiet"):
        out("".join(c.id[:12] + "\n" for c in found))
        return 0
    rows = [["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]]
    for c in found:
        # As Docker: an argument with a space in it is shown in single quotes
        # ("nginx -g 'daemon of…", the course's `docker ps`).
        command_line = " ".join(f"'{word}'" if " " in word else word for word in c.command)
        if len(command_line) > 20 and not options.get("no_trunc"):
            command_line = command_line[:19] + "…"
        rows.append([c.id[:12], c.image, f'"{command_line}"', human_age(c.created), _status_text(c),
                     api.ports_column(c), c.name])
    out(table(rows))
    return 0


def _status_text(container: api.ContainerInfo) -> str:
    if container.state == "running":
        up = "Up " + human_age(container.started_at).removesuffix(" ago")
        if container.health:
            up += " (health: starting)" if container.health == "starting" else f" ({container.health})"
        return up
    if container.state in ("exited", "restarting"):
        word = "Restarting" if container.state == "restarting" else "Exited"
        return f"{word} ({container.exit_code}) {human_age(container.finished_at)}"
    return "Created"


@command("logs", "[OPTIONS] CONTAINER", "Show a container's output", "follow timestamps since until tail")
def cmd_logs(options: dict, words: list[str]) -> int:
    (name,) = exactly("logs", 1, words)
    since = api.log_time(options["since"], "since") if options.get("since") else ""
    until = api.log_time(options["until"], "until") if options.get("until") else ""
    batches = api.log_batches(name, follow=bool(options.get("follow")), since=since, until=until,
                              tail=tail_count(options.get("tail") or "all"))
    try:
        _write_log(batches, bool(options.get("timestamps")))
    except BrokenPipeError:
        pass  # the reader went away (`contain logs web | head -1`)
    return 0


def tail_count(text: str) -> int | None:
    """--tail N or all (None). Docker takes any other word for all; we say it is wrong."""
    if text == "all":
        return None
    if not text.isdigit():
        raise ContainerError(f'invalid --tail "{text}" (use a number or all)', 1)
    return int(text)


def _write_log(batches, timestamps: bool) -> None:
    """Log entries to fd 1 (stdout's) and fd 2 (stderr's), as Docker's logs; with ``timestamps``,
    the time before each line."""
    at_line_start = {"stdout": True, "stderr": True}
    for batch in batches:
        run: list[bytes] = []  # the entries of one stream in a row, written at once
        stream = batch[0].stream
        for entry in batch:
            if entry.stream != stream:
                write_all(1 if stream == "stdout" else 2, b"".join(run))
                run, stream = [], entry.stream
            run.append(entry.timed_text(at_line_start[stream]) if timestamps else entry.text)
            at_line_start[stream] = entry.text.endswith(b"\n")
        write_all(1 if stream == "stdout" else 2, b"".join(run))


@command("start", "[OPTIONS] CONTAINER [CONTAINER...]", "Start stopped containers", "attach interactive")
def cmd_start(options: dict, words: list[str]) -> int:
    attach, interactive = bool(options.get("attach")), bool(options.get("interactive"))
    at_least("start", 1, words)
    if (attach or interactive) and len(words) > 1:
        raise ContainerError("you cannot start and attach multiple containers at once", USAGE_ERROR)
    for name in words:
        before = api.get(name)
        if before.state == "running":
            out(name + "\n")
            continue
        if interactive and not before.spec.tty:
            raise ContainerError("start -i: this container has no terminal (created without -t): pysh passes "
                                 "input to a container only through one", USAGE_ERROR)
        started_at = api.log_time_now()
        started = api.start(name)
        if started.spec.tty and (attach or interactive):
            status = api.attach(name, send_input=interactive)
            return 0 if status is None else status
        if attach:  # no terminal: the output of this run (not of earlier ones), until it exits, and its status
            _write_log(api.log_batches(name, follow=True, since=started_at), timestamps=False)
            return api.wait(name)
        out(name + "\n")
    return 0


@command("stop", "[OPTIONS] CONTAINER [CONTAINER...]", "Stop running containers", "time")
def cmd_stop(options: dict, words: list[str]) -> int:
    timeout = _stop_timeout(options)
    for name in at_least("stop", 1, words):
        api.stop(name, timeout)
        out(name + "\n")
    return 0


def _stop_timeout(options: dict) -> float:
    """-t SECONDS of stop and restart: how long SIGTERM has before SIGKILL (10 s by default)."""
    return api.validation.seconds(options.get("time") or "10", "-t, --time")


@command("kill", "[OPTIONS] CONTAINER [CONTAINER...]", "Send a signal to running containers", "signal")
def cmd_kill(options: dict, words: list[str]) -> int:
    number = api.parse_signal(options.get("signal") or "KILL")
    for name in at_least("kill", 1, words):
        api.kill(name, number)
        out(name + "\n")
    return 0


@command("restart", "[OPTIONS] CONTAINER [CONTAINER...]", "Restart containers", "time")
def cmd_restart(options: dict, words: list[str]) -> int:
    timeout = _stop_timeout(options)
    for name in at_least("restart", 1, words):
        api.restart(name, timeout)
        out(name + "\n")
    return 0


@command("rm", "[OPTIONS] CONTAINER [CONTAINER...]", "Remove containers", "force volumes")
def cmd_rm(options: dict, words: list[str]) -> int:
    status = 0
    for name in at_least("rm", 1, words):
        try:
            api.remove(name, force=bool(options.get("force")), volumes=bool(options.get("volumes")))
            out(name + "\n")
        except ContainerError as error:
            err(f"pysh: contain rm: {error.message}\n")
            status = 1
    return status


@command("attach", "CONTAINER", "Attach to a running container's terminal (or follow its output)")
def cmd_attach(options: dict, words: list[str]) -> int:
    (name,) = exactly("attach", 1, words)
    container = api.get(name)
    if container.state == "running" and not container.spec.tty:
        return cmd_logs({"follow": True}, [name])
    status = api.attach(name)  # or why not: stopped
    return 0 if status is None else status


@command("inspect", "[OPTIONS] CONTAINER|IMAGE [...]", "Show low-level information as JSON", "format type")
def cmd_inspect(options: dict, words: list[str]) -> int:
    at_least("inspect", 1, words)
    kind = options.get("type") or ""
    if kind not in ("", "container", "image"):
        raise ContainerError(f'unknown type: "{kind}": must be one of "container", "image"', 1)
    found = []
    for name in words:
        try:
            if kind == "image":
                raise ContainerError("")
            found.append(api.inspect(name))
        except ContainerError:
            if kind == "container":
                raise
            # Not a container: maybe an image (Docker's `inspect` looks at both).
            found.append(api.inspect_image(name))
    out(documents(found, options.get("format")))
    return 0


@command("commit", "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]", "Make an image of a container's changes",
         "change message author pause")
def cmd_commit(options: dict, words: list[str]) -> int:
    if len(words) not in (1, 2):
        raise ContainerError('"contain commit" requires 1 or 2 arguments: CONTAINER [REPOSITORY[:TAG]]', 1)
    image = api.commit(words[0], words[1] if len(words) == 2 else None, options["change"],
                       message=options.get("message") or "", author=options.get("author") or "",
                       pause=options.get("pause"))
    out(image.id + "\n")
    return 0


@command("export", "[OPTIONS] CONTAINER", "Write a container's filesystem as a tar", "output")
def cmd_export(options: dict, words: list[str]) -> int:
    (name,) = exactly("export", 1, words)
    return api.export(name, options.get("output"))


@command("prune", "[OPTIONS]", "Remove all stopped containers", "force", aliases=("container-prune",))
def cmd_prune(options: dict, words: list[str]) -> int:
    removed = api.prune()
    out("Deleted Containers:\n" + "".join(f"{i}\n" for i in removed) if removed else "")
    out(f"Total reclaimed: {len(removed)} containers\n")
    return 0


@command("volume", "ls [-q] | create [NAME] | inspect NAME... | rm [-f] NAME... | prune",
         "Manage volumes (PYSH_HOME/volumes/NAME/_data)", "quiet force")
def cmd_volume(options: dict, words: list[str]) -> int:
    action, names = (words[0], words[1:]) if words else ("", [])
    if action in ("ls", "list"):
        found = api.volumes()
        if options.get("quiet"):
            out("".join(v.name + "\n" for v in found))
        else:
            out(table([["DRIVER", "VOLUME NAME"]] + [["local", v.name] for v in found]))
        return 0
    if action == "create":
        out(api.create_volume(at_most_one("volume create", names)).name + "\n")
        return 0
    if action == "inspect":
        by_name = {v.name: v for v in api.volumes()}
        found = []
        for name in at_least("volume inspect", 1, names):
            if name not in by_name:
                raise ContainerError(f"no such volume: {name}")
            volume = by_name[name]
            found.append({"Name": volume.name, "Driver": "local", "Mountpoint": volume.mountpoint,
                          "Labels": {"anonymous": "true"} if volume.anonymous else {}, "Scope": "local",
                          "UsedBy": list(volume.users)})
        out(documents(found, None))
        return 0
    if action == "rm":
        status = 0
        for name in at_least("volume rm", 1, names):
            try:
                api.remove_volume(name, force=bool(options.get("force")))
                out(name + "\n")
            except ContainerError as error:
                err(f"pysh: contain volume rm: {error.message}\n")
                status = 1
        return status
    if action == "prune":
        removed = [v.name for v in api.volumes() if v.anonymous and not v.users]
        for name in removed:
            api.remove_volume(name)
        out("Deleted Volumes:\n" + "".join(f"{n}\n" for n in removed) if removed else "")
        out(f"Total reclaimed: {len(removed)} volumes\n")
        return 0
    raise ContainerError(f"unknown command {action!r} (use ls, create, inspect, rm or prune)", USAGE_ERROR)


def at_most_one(command_name: str, words: list[str]) -> str | None:
    if len(words) > 1:
        raise ContainerError(f'"contain {command_name}" accepts at most 1 argument', 1)
    return words[0] if words else None

