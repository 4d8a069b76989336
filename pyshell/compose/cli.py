"""`compose` on the command line: flags in, one call into the engine, text out.

As docker compose's cmd/compose: no logic of its own beyond parsing flags, loading the
project and printing; the work is in engine.py (on contain's library), the text in output.py.
"""

from __future__ import annotations

import os
import sys

from pyshell.compose.errors import ComposeError
from pyshell.compose.flags import Flag, parse
from pyshell.errors import PyshError

USAGE = """Usage:  compose [OPTIONS] COMMAND

Define and run multi-container applications on pysh's contain (as docker compose).

Options:
  -f, --file FILE              compose file (repeatable; default compose.yaml & co, looked up)
  -p, --project-name NAME      project name
      --project-directory DIR  base directory of the project
      --env-file FILE          interpolation variables (repeatable; default: the project's .env)
      --profile NAME           enable a profile (repeatable; also COMPOSE_PROFILES)
      --ansi never|always|auto colours and progress (default auto: when a terminal)

Commands:
  build config down exec images kill logs ls port ps pull push restart rm run start stop top up version
"""

GLOBAL_FLAGS = [
    Flag(("-f", "--file"), "files", True, True),
    Flag(("-p", "--project-name"), "project_name", True, default=""),
    Flag(("--project-directory",), "project_directory", True, default=""),
    Flag(("--env-file",), "env_files", True, True),
    Flag(("--profile",), "profiles", True, True),
    Flag(("--ansi",), "ansi", True, default="auto"),
    Flag(("-h", "--help"), "help"),
    Flag(("-v", "--version"), "version"),
]

COMMANDS = {}


def command(name: str, flags=(), operands_end_flags: bool = False, needs_project: bool = True):
    def register(function):
        COMMANDS[name] = (function, list(flags) + [Flag(("-h", "--help"), "help")],
                          operands_end_flags, needs_project)
        return function
    return register


def main(argv: list[str]) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
    except PyshError as error:
        _flush()
        sys.stderr.write(f"compose: {error.message}\n")
        return error.status
    except BrokenPipeError:
        return 1
    except Exception as error:  # noqa: BLE001 - a bug: one line unless PYSH_DEBUG asks for the traceback
        if os.environ.get("PYSH_DEBUG"):
            raise
        _flush()
        sys.stderr.write(f"compose: internal error: {type(error).__name__}: {error} (PYSH_DEBUG=1 shows where)\n")
        return 1


def _main(argv: list[str]) -> int:
    options, words = parse("", argv, GLOBAL_FLAGS, stop_at_operand=True)
    if options["version"]:
        return cmd_version(None, {}, [])
    if options["help"] or not words:
        sys.stdout.write(USAGE)
        return 0 if options["help"] else 1
    name, rest = words[0], words[1:]
    if name not in COMMANDS:
        raise ComposeError(f"unknown command: {name} (see compose --help)")
    function, flags, operands_end_flags, needs_project = COMMANDS[name]
    command_options, operands = parse(name, rest, flags, stop_at_operand=operands_end_flags)
    if command_options.get("help"):
        sys.stdout.write(f"Usage:  compose {name} [OPTIONS]\n\nFlags:\n")
        for flag in flags:
            sys.stdout.write(f"  {', '.join(flag.names)}{' VALUE' if flag.takes_value else ''}\n")
        return 0
    global_options = options
    command_options["_colour"] = _colour(options["ansi"], command_options)
    if not needs_project:
        return function(global_options, command_options, operands)
    # services named on the command line are enabled whatever their profiles (docker compose):
    # every operand of up/config, the first of run (the rest is its command)
    named = operands[:1] if name == "run" else operands if name in ("up", "config") else ()
    project = _load(global_options, named)
    return function(project, command_options, operands)


def _colour(ansi: str, command_options: dict) -> bool:
    if ansi not in ("never", "always", "auto"):
        raise ComposeError(f'invalid --ansi "{ansi}" (use never, always or auto)')
    if command_options.get("no_color"):
        return False
    if ansi == "auto":
        return sys.stdout.isatty() and os.environ.get("NO_COLOR", "") == ""
    return ansi == "always"


def _load(options: dict, named=()):
    from pyshell.compose.cache import load_project  # load.py's, skipped when nothing changed
    from pyshell.compose.project import Options

    load_options = Options(files=tuple(options["files"]), project_name=options["project_name"],
                           project_directory=options["project_directory"],
                           env_files=tuple(options["env_files"]), profiles=tuple(options["profiles"]))
    return load_project(load_options, warn=_warn, named_services=tuple(named))


def _warn(message: str) -> None:
    sys.stderr.write(f"WARN[0000] {message}\n")


def _flush() -> None:
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _engine(project, colour: bool = False):
    from pyshell.compose.engine import Engine
    from pyshell.compose.output import Progress

    return Engine(project, progress=Progress(sys.stderr))


# ------------------------------------------------------------------ commands

@command("config", [Flag(("--services",), "services"), Flag(("--volumes",), "volumes"),
                    Flag(("-q", "--quiet"), "quiet"), Flag(("--format",), "format", True, default="yaml"),
                    Flag(("--profiles",), "profiles"), Flag(("--images",), "images")])
def cmd_config(project, options, operands):
    if options["quiet"]:
        return 0
    if options["services"]:
        _out("".join(f"{name}\n" for name in project.services))
    elif options["volumes"]:
        _out("".join(f"{name}\n" for name in project.model.get("volumes", {})))
    elif options["images"]:
        _out("".join(f"{_image_of(project, name)}\n" for name in project.services))
    elif options["profiles"]:
        profiles = sorted({p for s in project.services.values() for p in s.get("profiles", ())})
        _out("".join(f"{name}\n" for name in profiles))
    elif options["format"] == "json":
        import json
        _out(json.dumps(project.model, indent=2) + "\n")
    elif options["format"] == "yaml":
        from pyshell.compose.output import config_yaml  # imports PyYAML

        model = project.model
        if operands:
            model = dict(model, services={name: project.service(name) for name in operands})
        _out(config_yaml(model))
    else:
        raise ComposeError(f'invalid --format "{options["format"]}" (use yaml or json)')
    return 0


def _image_of(project, name):
    from pyshell.compose.engine import image_name

    return image_name(project, name)


@command("version", [Flag(("--short",), "short"), Flag(("-f", "--format"), "format", True)],
         needs_project=False)
def cmd_version(_global, options, operands):
    from pyshell.compose.plan import COMPOSE_VERSION

    _out(f"{COMPOSE_VERSION}\n" if options.get("short") else f"pysh compose version v{COMPOSE_VERSION}\n")
    return 0


_SCALE = Flag(("--scale",), "scale", True, True)
_TIMEOUT = Flag(("-t", "--timeout"), "timeout", True)


@command("up", [Flag(("-d", "--detach"), "detach"), Flag(("--build",), "build"),
                Flag(("--no-build",), "no_build"), Flag(("--force-recreate",), "force_recreate"),
                Flag(("--no-recreate",), "no_recreate"), Flag(("--no-deps",), "no_deps"),
                Flag(("--remove-orphans",), "remove_orphans"), Flag(("--wait",), "wait"),
                Flag(("--wait-timeout",), "wait_timeout", True),
                Flag(("--abort-on-container-exit",), "abort_on_exit"),
                Flag(("--abort-on-container-failure",), "abort_on_failure"),
                Flag(("--exit-code-from",), "exit_code_from", True, default=""),
                Flag(("--no-start",), "no_start"), Flag(("--no-color",), "no_color"),
                Flag(("--no-log-prefix",), "no_log_prefix"), Flag(("--pull",), "pull", True),
                Flag(("--attach-dependencies",), "attach_dependencies"),
                Flag(("--quiet-pull",), "quiet_pull"), _SCALE, _TIMEOUT])
def cmd_up(project, options, operands):
    from pyshell.compose.engine import UpOptions

    _check_services(project, operands)
    if options["exit_code_from"]:
        options["abort_on_exit"] = True
        project.service(options["exit_code_from"])
    if options["detach"] and options["abort_on_exit"]:
        raise ComposeError("--abort-on-container-exit and --detach are incompatible")
    if options["build"] and options["no_build"]:
        raise ComposeError("--build and --no-build are incompatible")
    if options["pull"] not in (None, "missing", "always", "never"):
        raise ComposeError(f'invalid --pull "{options["pull"]}" (use always, missing or never)')
    up = UpOptions(
        services=tuple(operands), detach=bool(options["detach"] or options["wait"]),
        build=bool(options["build"]), no_build=bool(options["no_build"]),
        force_recreate=bool(options["force_recreate"]), no_recreate=bool(options["no_recreate"]),
        no_deps=bool(options["no_deps"]), remove_orphans=bool(options["remove_orphans"]),
        wait=bool(options["wait"]), wait_timeout=_number(options["wait_timeout"], "--wait-timeout"),
        abort_on_exit=bool(options["abort_on_exit"]), abort_on_failure=bool(options["abort_on_failure"]),
        exit_code_from=options["exit_code_from"], no_start=bool(options["no_start"]),
        scale=_scale(project, options["scale"]), timeout=_number(options["timeout"], "--timeout"),
        colour=options["_colour"], log_prefix=not options["no_log_prefix"], pull=options["pull"] or "missing",
        attach_dependencies=bool(options["attach_dependencies"]))
    return _engine(project).up(up, sys.stdout)


def _number(value, flag):
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise ComposeError(f'invalid {flag} "{value}": not a number') from None


def _scale(project, values) -> dict:
    scale = {}
    for value in values:
        name, equals, number = value.partition("=")
        if not equals or not number.isdigit():
            raise ComposeError(f'invalid --scale "{value}" (use SERVICE=NUMBER)')
        service = project.service(name)
        if "container_name" in service and int(number) > 1:
            raise ComposeError(f'service "{name}" has a container_name and cannot be scaled')
        scale[name] = int(number)
    return scale


def _check_services(project, names):
    for name in names:
        project.service(name)


@command("down", [Flag(("-v", "--volumes"), "volumes"), Flag(("--rmi",), "rmi", True, default=""),
                  Flag(("--remove-orphans",), "remove_orphans"), _TIMEOUT])
def cmd_down(project, options, operands):
    if options["rmi"] not in ("", "local", "all"):
        raise ComposeError(f'invalid --rmi "{options["rmi"]}" (use local or all)')
    return _engine(project).down(volumes=bool(options["volumes"]), rmi=options["rmi"],
                                 remove_orphans=bool(options["remove_orphans"]),
                                 timeout=_number(options["timeout"], "--timeout"))


@command("ps", [Flag(("-a", "--all"), "all"), Flag(("-q", "--quiet"), "quiet"),
                Flag(("--services",), "services"), Flag(("--format",), "format", True, default="table"),
                Flag(("--status",), "status", True, True)])
def cmd_ps(project, options, operands):
    from pyshell.compose.output import table

    _check_services(project, operands)
    rows = _engine(project).ps(all=bool(options["all"]), services=operands)
    if options["status"]:
        rows = [row for row in rows if row["State"] in options["status"]]
    if options["quiet"]:
        _out("".join(row["ID"] + "\n" for row in rows))
    elif options["services"]:
        _out("".join(f"{name}\n" for name in dict.fromkeys(row["Service"] for row in rows)))
    elif options["format"] == "json":
        import json
        _out(json.dumps(rows) + "\n")
    elif options["format"] == "table":
        headers = ["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"]
        _out(table([[row["Name"], row["Image"], row["Command"], row["Service"], row["RunningFor"],
                     row["Status"], row["Ports"]] for row in rows], headers))
    else:
        _out("".join(_go_template(options["format"], row) + "\n" for row in rows))
    return 0


def _go_template(template: str, row: dict) -> str:
    """The `{{.Name}}` subset of Go templates docker's --format takes."""
    import re

    return re.sub(r"\{\{\s*\.(\w+)\s*\}\}", lambda m: str(row.get(m.group(1), "")), template)


@command("logs", [Flag(("-f", "--follow"), "follow"), Flag(("-n", "--tail"), "tail", True, default="all"),
                  Flag(("-t", "--timestamps"), "timestamps"), Flag(("--since",), "since", True, default=""),
                  Flag(("--until",), "until", True, default=""), Flag(("--no-color",), "no_color"),
                  Flag(("--no-log-prefix",), "no_log_prefix")])
def cmd_logs(project, options, operands):
    from pyshell.contain import api

    _check_services(project, operands)
    tail = options["tail"]
    if tail != "all" and not (tail.isdigit()):
        raise ComposeError(f'invalid --tail "{tail}" (use a number or all)')
    since = api.log_time(options["since"], "since") if options["since"] else ""
    until = api.log_time(options["until"], "until") if options["until"] else ""
    return _engine(project).logs(operands, follow=bool(options["follow"]),
                                 tail=None if tail == "all" else int(tail),
                                 colour=options["_colour"], prefix=not options["no_log_prefix"],
                                 stream=sys.stdout, timestamps=bool(options["timestamps"]), since=since, until=until)


def _services_command(method: str, extra=()):
    def run(project, options, operands):
        _check_services(project, operands)
        return getattr(_engine(project), method)(operands, **{key: options[key] for key in extra})
    return run


command("start")(_services_command("start"))
command("stop", [_TIMEOUT])(_services_command("stop", ("timeout",)))
command("restart", [_TIMEOUT])(_services_command("restart", ("timeout",)))
command("kill", [Flag(("-s", "--signal"), "signal", True, default="SIGKILL")])(
    _services_command("kill", ("signal",)))
command("rm", [Flag(("-f", "--force"), "force"), Flag(("-s", "--stop"), "stop"),
               Flag(("-v", "--volumes"), "volumes")])(_services_command("rm", ("force", "stop", "volumes")))
command("build", [Flag(("--no-cache",), "no_cache"),
                  Flag(("-q", "--quiet"), "quiet"), Flag(("--build-arg",), "build_args", True, True)])(
    _services_command("build", ("no_cache", "build_args")))
command("pull", [Flag(("-q", "--quiet"), "quiet"), Flag(("--ignore-pull-failures",), "ignore_failures")])(
    _services_command("pull", ("ignore_failures",)))
command("push", [Flag(("--ignore-push-failures",), "ignore_failures")])(
    _services_command("push", ("ignore_failures",)))
command("images", [Flag(("-q", "--quiet"), "quiet")])(_services_command("images", ("quiet",)))
command("top")(_services_command("top"))


@command("exec", [Flag(("-T", "--no-TTY"), "no_tty"), Flag(("-d", "--detach"), "detach"),
                  Flag(("-e", "--env"), "env", True, True), Flag(("-u", "--user"), "user", True, default=""),
                  Flag(("-w", "--workdir"), "workdir", True, default=""),
                  Flag(("--index",), "index", True, default="1"), Flag(("-i", "--interactive"), "interactive"),
                  Flag(("-t", "--tty"), "tty")], operands_end_flags=True)
def cmd_exec(project, options, operands):
    if len(operands) < 2:
        raise ComposeError('"exec" requires at least 2 arguments: SERVICE COMMAND [ARGS...]')
    project.service(operands[0])
    tty = not options["no_tty"] and sys.stdin.isatty()
    return _engine(project).exec(operands[0], operands[1:], index=int(options["index"]),
                                 env=options["env"], user=options["user"], workdir=options["workdir"],
                                 tty=tty, detach=bool(options["detach"]))


@command("run", [Flag(("--rm",), "rm"), Flag(("-d", "--detach"), "detach"),
                 Flag(("-e", "--env"), "env", True, True), Flag(("--no-deps",), "no_deps"),
                 Flag(("-v", "--volume"), "volumes", True, True), Flag(("-p", "--publish"), "publish", True, True),
                 Flag(("--entrypoint",), "entrypoint", True), Flag(("--name",), "name", True, default=""),
                 Flag(("-u", "--user"), "user", True, default=""),
                 Flag(("-w", "--workdir"), "workdir", True, default=""), Flag(("-T", "--no-TTY"), "no_tty"),
                 Flag(("--service-ports",), "service_ports"), Flag(("-i", "--interactive"), "interactive"),
                 Flag(("-l", "--label"), "labels", True, True)],
         operands_end_flags=True)
def cmd_run(project, options, operands):
    if not operands:
        raise ComposeError('"run" requires at least 1 argument: SERVICE [COMMAND] [ARGS...]')
    project.service(operands[0])
    from pyshell.compose.engine import RunOptions

    run = RunOptions(service=operands[0], argv=tuple(operands[1:]), remove=bool(options["rm"]),
                     detach=bool(options["detach"]), env=tuple(options["env"]),
                     no_deps=bool(options["no_deps"]), volumes=tuple(options["volumes"]),
                     publish=tuple(options["publish"]), entrypoint=options["entrypoint"],
                     name=options["name"], user=options["user"], workdir=options["workdir"],
                     tty=not options["no_tty"] and sys.stdin.isatty(),
                     service_ports=bool(options["service_ports"]), labels=tuple(options["labels"]))
    return _engine(project).run(run, sys.stdout)


@command("port", [Flag(("--protocol",), "protocol", True, default="tcp"),
                  Flag(("--index",), "index", True, default="1")])
def cmd_port(project, options, operands):
    if len(operands) != 2:
        raise ComposeError('"port" requires exactly 2 arguments: SERVICE PRIVATE_PORT')
    project.service(operands[0])
    found = _engine(project).port(operands[0], operands[1], options["protocol"], int(options["index"]))
    _out(f"{found}\n")
    return 0


@command("ls", [Flag(("-a", "--all"), "all"), Flag(("-q", "--quiet"), "quiet"),
                Flag(("--format",), "format", True, default="table")], needs_project=False)
def cmd_ls(_global, options, operands):
    from pyshell.compose.engine import list_projects
    from pyshell.compose.output import table

    projects = list_projects(all=bool(options["all"]))
    if options["quiet"]:
        _out("".join(f"{row['Name']}\n" for row in projects))
    elif options["format"] == "json":
        import json
        _out(json.dumps(projects) + "\n")
    else:
        _out(table([[row["Name"], row["Status"], row["ConfigFiles"]] for row in projects],
                   ["NAME", "STATUS", "CONFIG FILES"]))
    return 0
