"""contain as a library: what the `contain` command line and compose are built on.

Values and records in, records out; nothing here prints, and every failure is a
ContainerError whose ``status`` is the exit status Docker's CLI would give (125: the
command could not be carried out; 126/127: the container's command could not be run).
``home`` is where the state lives (PYSH_HOME by default, see pyshell.statedir).

    spec = api.default_spec("busybox", argv=("sleep", "60"), name="web", detach=True)
    info = api.create(spec); api.start(info.id)
    [c.name for c in api.list_containers(labels={"com.docker.compose.project": "demo"})]
    api.stop("web"); api.remove("web", volumes=True)

The rooms behind it are imported when a function needs them: `contain run` does not pay
for the registry client or the builder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from pyshell.contain import validation  # noqa: F401 - part of the API: flag values as Docker and the kernel take them
from pyshell.contain.spec import ContainerSpec, Healthcheck, Mount  # noqa: F401 - part of the API
from pyshell.errors import ContainerError
from pyshell.record import Record
from pyshell.statedir import pysh_home

__all__ = [
    "ContainerInfo", "ContainerError", "ContainerSpec", "Healthcheck", "Mount", "VolumeInfo",
    "default_spec", "create", "start", "run", "stop", "kill", "restart", "remove", "list_containers", "get",
    "inspect", "exec", "logs", "log_batches", "log_time", "log_time_now", "wait", "attach", "export", "commit", "prune",
    "images", "image", "ensure_image", "inspect_image", "pull", "push", "tag", "remove_image", "import_image", "build",
    "build_options", "bootstrap", "save_images", "load_images", "registry_of", "login", "logout", "validate",
    "parse_signal",
    "volumes", "create_volume", "remove_volume", "mount_from_text", "reconcile",
    "NetworkInfo", "create_network", "find_network", "networks", "inspect_network", "remove_network",
    "prune_networks", "port", "published_ports", "network_fields", "ports_column", "connect_network",
    "disconnect_network",
]


class ContainerInfo(Record):
    """One container as the library shows it."""

    id: str
    name: str
    image: str                   # the reference it was made from ("busybox", "demo/web:1")
    image_id: str
    state: str                   # runtime.state.State: created, running, restarting, exited, ...
    exit_code: int | None
    pid: int                     # host pid of PID 1 while it runs, else 0
    labels: dict
    command: tuple[str, ...]
    created: str
    started_at: str
    finished_at: str
    spec: ContainerSpec          # everything it was created with
    directory: Path              # PYSH_HOME/containers/ID
    health: str = ""             # starting / healthy / unhealthy while it runs a health check, else ""


class VolumeInfo(Record):
    name: str
    mountpoint: str
    anonymous: bool
    users: tuple[str, ...] = ()  # names of the containers that mount it


def _home(home) -> Path:
    return Path(home) if home is not None else pysh_home()


def _info(container) -> ContainerInfo:
    from pyshell.contain.runtime import state

    status = container.status
    if status == state.State.EXITED and state.restart_pending(container):
        status = state.State.RESTARTING
    spec = container.spec
    health = ""
    if spec.healthcheck is not None and status == state.State.RUNNING:
        from pyshell.contain.runtime.inspect import health_document

        health = health_document(container)["Status"]
    return ContainerInfo(spec.id, spec.name, spec.image, spec.image_id, status, container.exit_code, container.pid,
                         dict(spec.labels), tuple(spec.argv), container.created, container.started_at,
                         container.finished_at, spec, container.dir, health)


def _find(name_or_id: str, home: Path):
    from pyshell.contain.runtime import state

    return state.find(home, name_or_id)


def reconcile(home=None) -> None:
    """Mark containers whose supervisor died (a crash, a reboot) exited and free what they held.
    The command line does it before every container command; list_containers() does it too."""
    from pyshell.contain.runtime import state

    state.reconcile(_home(home))


# --------------------------------------------------------------------------- containers


def default_spec(image_ref: str, home=None, check: bool = True, **fields) -> ContainerSpec:
    """The container ``image_ref`` describes (its ENV, CMD, ENTRYPOINT, WORKDIR, USER, LABELs),
    with ``fields`` of ContainerSpec replaced, and validate()d unless not ``check`` (for a
    caller that changes more first). A name is chosen if none is given."""
    from pyshell.contain import spec as spec_module
    from pyshell.contain.image.store import ImageStore
    from pyshell.contain.runtime import state

    home = _home(home)
    found = ImageStore(home).resolve(image_ref)
    name = fields.pop("name", None) or state.new_name(state.names_in_use(home))
    spec = spec_module.default_spec(found, image_ref, name=name)
    if "argv" not in fields and ("cmd" in fields or "entrypoint" in fields):
        fields["argv"] = tuple(fields.get("entrypoint", spec.entrypoint)) + tuple(fields.get("cmd", spec.cmd))
    spec = spec.replace(**fields)
    if check:
        validate(spec)
    return spec


def validate(spec: ContainerSpec) -> None:
    """ContainerError unless ``spec`` can be run (names, paths, capabilities, network mode...)."""
    from pyshell.contain import spec as spec_module
    from pyshell.contain.kernel import syscalls

    spec_module.validate(spec, syscalls.CAPABILITIES)


def create(spec: ContainerSpec, home=None) -> ContainerInfo:
    """Make the container (directory, config, cgroup record), not started."""
    from pyshell.contain.runtime import lifecycle

    return _info(lifecycle.create(_home(home), spec))


def start(name_or_id: str, home=None) -> ContainerInfo:
    """Start a created or exited container in the background (Docker's `start`); a running one
    is left as it is."""
    from pyshell.contain.runtime import lifecycle, state

    home = _home(home)
    container = _find(name_or_id, home)
    if container.status != state.State.RUNNING:
        container = lifecycle.start_detached(home, container)
    return _info(container)


def run(spec: ContainerSpec, home=None, terminal: bool = True, explain: bool = False, notice=None) -> int:
    """create + start, and unless ``spec.detach`` wait: the container's exit status.
    ``terminal``: a -t container in the foreground is attached to this process's fds 0 and 1
    (0 is returned if the user detaches with Ctrl-P Ctrl-Q). ``explain``: each setup step is
    told on stderr as it happens, with the kernel's answer (runtime/explain.py). ``notice(text)``
    hears what the user should know besides the status (the OOM killer struck)."""
    from pyshell.contain.runtime import lifecycle

    attach = _attach_terminal if terminal else None
    if explain:
        from pyshell.contain.runtime.explain import reporting

        with reporting(spec.name) as told:
            status = lifecycle.run(_home(home), spec, attach_terminal=attach, notice=notice)
            told.finished(status, spec.detach)
            return status
    return lifecycle.run(_home(home), spec, attach_terminal=attach, notice=notice)


def _attach_terminal(container) -> int | None:
    from pyshell.contain.runtime import terminal

    return terminal.attach(container, send_input=container.spec.interactive)


def stop(name_or_id: str, timeout: float = 10.0, home=None) -> None:
    """The stop signal (SIGTERM or the image's STOPSIGNAL), SIGKILL after ``timeout`` seconds."""
    from pyshell.contain.runtime import stopping

    stopping.stop(_find(name_or_id, _home(home)), timeout)


def parse_signal(text: str | int) -> int:
    """KILL, SIGKILL, kill, 9, RTMIN+3 -> the number; one the kernel lacks is refused (status 1, as Docker)."""
    from pyshell.contain.validation import signal_number

    return signal_number(str(text), status=1)


def kill(name_or_id: str, signal: str | int = "KILL", home=None) -> None:
    from pyshell.contain.runtime import stopping

    number = parse_signal(signal)
    stopping.kill(_find(name_or_id, _home(home)), number)


def restart(name_or_id: str, timeout: float = 10.0, home=None) -> ContainerInfo:
    from pyshell.contain.runtime import lifecycle, state, stopping

    home = _home(home)
    container = _find(name_or_id, home)
    stopping.stop(container, timeout)
    return _info(lifecycle.start_detached(home, state.load(container.dir)))


def remove(name_or_id: str, force: bool = False, volumes: bool = False, home=None) -> None:
    """Remove a container (``force``: a running one too, killed first); ``volumes``: also its
    anonymous volumes (named ones stay, as in Docker)."""
    from pyshell.contain.runtime import stopping

    home = _home(home)
    stopping.remove(home, _find(name_or_id, home), force, volumes=volumes)


def list_containers(all: bool = False, labels: dict | None = None, home=None,
                    include_hidden: bool = False) -> list[ContainerInfo]:
    """Newest first. ``all``: the stopped ones too. ``labels``: {key: value} must all match,
    {key: None} only needs the key (Docker's --filter label=K[=V])."""
    from pyshell.contain.runtime import state

    home = _home(home)
    state.reconcile(home)
    found = []
    for container in state.all_containers(home):
        if container.spec.hidden and not include_hidden:
            continue
        if not all and container.status != state.State.RUNNING:
            continue
        if labels:
            own = dict(container.spec.labels)
            if any(key not in own or (value is not None and own[key] != value) for key, value in labels.items()):
                continue
        found.append(_info(container))
    return found


def get(name_or_id: str, home=None) -> ContainerInfo:
    """By name, id or unique id prefix."""
    return _info(_find(name_or_id, _home(home)))


def inspect(name_or_id: str, home=None) -> dict:
    """Docker's `inspect` document of a container."""
    from pyshell.contain.runtime import inspect as inspect_module

    return inspect_module.container_document(_find(name_or_id, _home(home)))


def exec(name_or_id: str, argv, env=(), user: str = "", workdir: str = "", tty: bool = False,
         interactive: bool = False, detach: bool = False, home=None, explain: bool = False) -> int:
    """A new process in a running container; its exit status (0 at once with ``detach``).
    ``explain``: each step (setns into each namespace...) is told on stderr as it happens."""
    from pyshell.contain.runtime import lifecycle

    container = _find(name_or_id, _home(home))
    if explain:
        from pyshell.contain.runtime.explain import reporting

        with reporting(container.spec.name, "exec") as told:
            status = lifecycle.exec_in(container, list(argv), list(env), user, workdir, tty, interactive,
                                       detach=detach)
            told.finished(status, detach, executed=not detach)
            return status
    return lifecycle.exec_in(container, list(argv), list(env), user, workdir, tty, interactive, detach=detach)


def logs(name_or_id: str, follow: bool = False, home=None, poll: float = 0.1) -> Iterator[bytes]:
    """The container's output (stdout and stderr, as written); ``follow``: until it exits."""
    for batch in _log_reads(_find(name_or_id, _home(home)), follow, poll):
        if batch:
            yield b"".join(entry.text for entry in batch)


def log_batches(name_or_id: str, follow: bool = False, since: str = "", until: str = "", tail: int | None = None,
                home=None, poll: float = 0.1) -> Iterator[list]:
    """The container's log as Docker's logs gives it, in lists of LogEntry (time, stream, text:
    runtime/containerlog.py) as read, so that a follower shows each as it comes: the last
    ``tail`` lines of what is there (all with None), of them those from ``since`` to ``until``
    (both included, times as log_time gives them); ``follow``: then what comes, until the
    container exits or ``until`` has passed."""
    from pyshell.contain.runtime import containerlog

    first = True
    for batch in _log_reads(_find(name_or_id, _home(home)), follow, poll):
        if first and tail is not None:
            batch = _last_lines(batch, tail)
        first = False
        if since:
            batch = [entry for entry in batch if entry.time and entry.time >= since]
        if until:
            shown = [entry for entry in batch if entry.time and entry.time <= until]
            if shown:
                yield shown
            if len(shown) < len(batch) and batch[-1].time > until or containerlog.timestamp() > until:
                return  # what comes is later still
        elif batch:
            yield batch


def _last_lines(entries: list, count: int) -> list:
    """The entries of the last ``count`` lines, stdout's and stderr's (a piece counts with its line)."""
    kept = []
    for entry in reversed(entries):
        lines = entry.line_count()
        if lines >= count:
            if count:
                kept.append(entry.last_lines(count) if lines > count else entry)
            break
        kept.append(entry)
        count -= lines
    return kept[::-1]


def log_time(value: str, flag: str) -> str:
    """A --since/--until value (RFC 3339, Unix seconds, or 10m back from now) as log_batches takes
    it; a ContainerError with Docker's message (status 1, Docker's) if it is none of them."""
    from pyshell.contain.runtime import containerlog

    try:
        return containerlog.parse_time(value, flag)
    except ValueError as error:
        raise ContainerError(str(error), 1) from None


def log_time_now() -> str:
    """The time now as the log writes it: ``since`` for what comes from now on."""
    from pyshell.contain.runtime import containerlog

    return containerlog.timestamp()


def _log_reads(container, follow: bool, poll: float) -> Iterator[list]:
    """The log's records as they are read (a list, empty if there are none): all there is, then
    (``follow``) what comes while it runs."""
    import time

    from pyshell.contain.runtime import containerlog, state

    log = container.dir / "container.log"
    position = 0
    while True:
        # Whether it runs is asked before reading: what it wrote before exiting is then read too.
        current = state.load(container.dir)
        running = current is not None and current.status == state.State.RUNNING
        batch, position = containerlog.read_entries(log, position, to_the_end=not running)
        yield batch
        if not follow or not running:
            return
        time.sleep(poll)


def wait(name_or_id: str, home=None) -> int:
    """Block until the container is not running; its exit code."""
    from pyshell.contain.runtime import state, stopping

    container = _find(name_or_id, _home(home))
    stopping.wait_for_exit(container)
    final = state.load(container.dir)
    return final.exit_code if final is not None and final.exit_code is not None else 0


def attach(name_or_id: str, home=None, send_input: bool | None = None) -> int | None:
    """Connect fds 0 and 1 to a -t container's terminal: its exit status, or None when the
    user detached (Ctrl-P Ctrl-Q)."""
    from pyshell.contain.runtime import state, terminal

    container = _find(name_or_id, _home(home))
    state.require(container, "attach")
    if not container.spec.tty:
        raise ContainerError("attach: the container has no terminal (started without -t): use logs -f")
    return terminal.attach(container, send_input=container.spec.interactive if send_input is None else send_input)


def export(name_or_id: str, output: str | None = None, home=None) -> int:
    """The container's filesystem as a tar, to ``output`` or fd 1."""
    from pyshell.contain.image import export as export_module

    return export_module.export(_find(name_or_id, _home(home)), output)


def commit(name_or_id: str, reference: str | None = None, changes=(), message: str = "", author: str = "",
           pause: bool | None = None, home=None):
    """A new image from the container's changes (its upper dir) on top of its image. A running
    container is frozen meanwhile: ``pause`` None when the host can, True or fail, False never."""
    from pyshell.contain.runtime import lifecycle

    home = _home(home)
    return lifecycle.commit(home, _find(name_or_id, home), reference, _config_changes(list(changes)),
                            message=message, author=author, pause=pause)


def prune(home=None) -> list[str]:
    """Remove every container that is not running; their ids."""
    from pyshell.contain.runtime import state, stopping

    home = _home(home)
    removed = []
    for container in state.all_containers(home):
        if container.status != state.State.RUNNING:
            stopping.remove(home, container, force=False)
            removed.append(container.id)
    return removed


# --------------------------------------------------------------------------- images


def _store(home):
    from pyshell.contain.image.store import ImageStore

    return ImageStore(_home(home))


def _config_changes(instructions: list[str]) -> dict:
    """-c 'CMD ["sh"]' / -c 'ENV A=1' ... -> Docker config keys (the Dockerfile parser does the work)."""
    if not instructions:
        return {}
    from pyshell.contain.build.builder import config_changes_from_instructions

    return config_changes_from_instructions(instructions)


def images(all: bool = False, home=None) -> list:
    """image.store.Image records; ``all``: intermediate build images too."""
    return _store(home).list_images(include_hidden=all)


def image(reference: str, home=None):
    return _store(home).resolve(reference)


def ensure_image(reference: str, policy: str = "missing", progress: Callable[[str], None] | None = None,
                 home=None):
    """The image ``reference`` names, pulled first if the store lacks it (policy "missing"),
    pulled anyway ("always") or never ("never"), as `docker run --pull` and compose's
    pull_policy. Offline, the error says how to make it here (image/first_use.py)."""
    from pyshell.contain.image.first_use import find_or_pull

    return find_or_pull(_store(home), reference, policy, progress=progress or (lambda line: None))


def inspect_image(reference: str, home=None) -> dict:
    from pyshell.contain.image.store import inspect_document

    return inspect_document(_store(home).resolve(reference))


def pull(reference: str, progress: Callable[[str], None] | None = None, interactive: bool = False, home=None):
    """Pull from the registry; offline, the error says how to make the image here."""
    from pyshell.contain.image.first_use import pull_or_explain

    return pull_or_explain(_store(home), reference, progress=progress or (lambda line: None), interactive=interactive)


def push(reference: str, progress: Callable[[str], None] | None = None, interactive: bool = False, home=None):
    from pyshell.contain.image import registry

    registry.push(_store(home), reference, progress=progress or (lambda line: None), interactive=interactive)


def tag(source: str, target: str, home=None):
    return _store(home).tag(source, target)


def remove_image(reference: str, force: bool = False, home=None) -> list[str]:
    """Untag, and delete what nothing refers to: Docker's lines ("Untagged: x", "Deleted: sha256:...")."""
    from pyshell.contain.runtime import state

    home = _home(home)
    return _store(home).remove(reference, force=force, in_use=state.image_users(home))


def import_image(source, reference: str | None = None, changes=(), created_by: str = "", home=None):
    """A one-layer image from a root filesystem tar (a path or a binary file object)."""
    return _store(home).import_rootfs(source, reference, _config_changes(list(changes)), created_by=created_by)


def build(options, output: Callable[[str], None] | None = None, progress: Callable[[str], None] | None = None,
          home=None):
    """Build ``options`` (build.builder.BuildOptions); images FROM that are not here are pulled."""
    from pyshell.contain.build.builder import build as build_image
    from pyshell.contain.image.first_use import pull_or_explain

    store = _store(home)

    def pull_missing(reference: str):
        return pull_or_explain(store, reference, progress=progress or (lambda line: None))

    return build_image(store, options, output or (lambda text: None), pull=pull_missing)


def build_options(**fields):
    """A build.builder.BuildOptions: context (required), dockerfile, tags, build_args, no_cache,
    target, network ("host" or "none"), quiet."""
    from pyshell.contain.build.builder import BuildOptions
    from pyshell.contain.image.store import parse_reference

    for tag_text in fields.get("tags", ()):
        parse_reference(tag_text)  # a bad name fails before any step runs
    return BuildOptions(**fields)


def bootstrap(what: str, log: Callable[[str], None] | None = None, home=None):
    """An image made on this machine with no registry: "busybox" (busybox-static),
    "debian[:SUITE]" (mmdebstrap), or one of the course's images built from Debian packages:
    "redis", "nginx", "php:apache", "python:3" (build/course_images.py)."""
    from pyshell.contain.build.course_images import bootstrap as make

    return make(_store(home), what, log=log or (lambda line: None))


def save_images(references: list[str], output: str | None = None, home=None) -> None:
    """The images as one tar (an OCI layout that is also a docker-save archive), to the file
    ``output`` (written whole or not at all) or to fd 1."""
    from pyshell.contain.image.oci import save_archive

    store = _store(home)
    for reference in references:
        store.resolve(reference)  # fail before writing anything
    if output is None:
        with os.fdopen(os.dup(1), "wb") as stream:
            save_archive(store, references, stream)
        return
    partial = f"{output}.partial-{os.getpid()}"
    try:
        stream = open(partial, "wb")
    except OSError as error:  # name the file asked for, not our temporary one
        raise ContainerError(f"cannot write {output}: {error.strerror}") from None
    try:
        with stream:
            save_archive(store, references, stream)
        os.replace(partial, output)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def load_images(source: str | None = None, home=None) -> list:
    """Images from an archive or directory ``source`` (or fd 0): [(Image, its tags)]."""
    from pyshell.contain.image.oci import load_archive, spool_stdin

    store = _store(home)
    spooled = None
    if source is not None:
        path = Path(source)
        if not path.exists():
            raise ContainerError(f"no such file: {source}")
    else:
        store.root.mkdir(parents=True, exist_ok=True)
        path = spooled = spool_stdin(store.root)
    try:
        return load_archive(store, path, "standard input" if spooled else "")
    finally:
        if spooled:
            spooled.unlink(missing_ok=True)


def registry_of(text: str | None) -> str:
    """The registry a login is for: Docker Hub's when ``text`` is None."""
    from pyshell.contain.image import registry

    return registry.registry_of(text)


def login(registry_name: str, user: str, password: str, home=None) -> None:
    """Check the credentials against the registry, then store them (mode 0600)."""
    from pyshell.contain.image import registry

    registry.login(registry_name, user, password, home)


def logout(registry_name: str, home=None) -> bool:
    """Forget the stored credentials; False if there were none."""
    from pyshell.contain.image import registry

    return registry.forget_credentials(registry_name, home)


# --------------------------------------------------------------------------- volumes


def _volume_users(home: Path) -> dict[str, list[str]]:
    from pyshell.contain.runtime import state

    users: dict[str, list[str]] = {}
    for container in state.all_containers(home):
        for mount in container.spec.mounts:
            if mount.kind == "volume":
                users.setdefault(mount.volume_name, []).append(container.name)
    return users


def volumes(home=None) -> list[VolumeInfo]:
    from pyshell.contain.runtime import volumes as volume_store

    home = _home(home)
    users = _volume_users(home)
    return [VolumeInfo(v.name, v.mountpoint, v.anonymous, tuple(users.get(v.name, ())))
            for v in volume_store.all_volumes(home)]


def create_volume(name: str | None = None, home=None) -> VolumeInfo:
    from pyshell.contain.runtime import volumes as volume_store

    home = _home(home)
    name = name or volume_store.new_anonymous_name()
    volume_store.check_name(name)
    return VolumeInfo(name, str(volume_store.data_dir(home, name)), volume_store.is_anonymous(name))


def remove_volume(name: str, force: bool = False, home=None) -> None:
    """A volume in use by a container (even a stopped one) stays, unless ``force``."""
    from pyshell.contain.runtime import volumes as volume_store

    home = _home(home)
    users = _volume_users(home).get(name)
    if users and not force:
        raise ContainerError(f"volume is in use: {name} (by {', '.join(users)})")
    volume_store.remove(home, name)


def mount_from_text(text: str, home=None) -> Mount:
    """Docker's -v syntax (and compose's short volume syntax): /host:/ctr[:ro|rw], name:/ctr, /ctr."""
    from pyshell.contain.runtime import volumes as volume_store

    return volume_store.mount_from_text(_home(home), text)


# --------------------------------------------------------------------------- networks


class NetworkInfo(Record):
    """A network as `network ls` shows it: the default bridge, host, none, and user-defined ones."""

    id: str
    name: str
    driver: str                  # bridge | host | null
    subnet: str = ""
    gateway: str = ""
    internal: bool = False
    labels: dict | None = None


def _network_info(network) -> NetworkInfo:
    return NetworkInfo(network.id, network.name, "bridge", network.subnet, network.gateway, network.internal,
                       dict(network.labels))


def create_network(name: str, subnet: str = "", gateway: str = "", internal: bool = False,
                   labels: dict | None = None, home=None) -> NetworkInfo:
    """A user-defined bridge network (root): its record, its bridge and rules in this network
    namespace. Containers on it find each other by name and alias (network/dns.py)."""
    from pyshell.contain.network import store

    return _network_info(store.create(_home(home), name, subnet, gateway, internal, labels))


def find_network(name_or_id: str, home=None) -> NetworkInfo:
    """ContainerError "network X not found" (125) when there is none."""
    from pyshell.contain.network import store

    return _network_info(store.find(_home(home), name_or_id))


def networks(home=None) -> list[NetworkInfo]:
    from pyshell.contain.network import store

    home = _home(home)
    found = [NetworkInfo("host".ljust(12, "0"), "host", "host"), NetworkInfo("none".ljust(12, "0"), "none", "null")]
    found.append(_network_info(store.default_network(plan=False)))
    found += [_network_info(network) for network in store.user_networks(home)]
    return sorted(found, key=lambda info: info.name)


def inspect_network(name_or_id: str, home=None) -> dict:
    from pyshell.contain.network import report, store

    return report.network_document(store.find(_home(home), name_or_id))


def remove_network(name_or_id: str, home=None) -> None:
    """Refused while a container holds an address on it (remove those first); the last network
    of the namespace takes pysh's nftables table with it."""
    from pyshell.contain.network import store

    store.remove(_home(home), name_or_id)


def prune_networks(home=None) -> list[str]:
    """Remove the user-defined networks no container uses; returns their names."""
    from pyshell.contain.network import store

    return store.prune(_home(home))


def port(name_or_id: str, private: str = "", home=None) -> list[str]:
    """`contain port`: "80/tcp -> 0.0.0.0:8080" lines (or "0.0.0.0:8080" for ``private`` "80[/tcp]")."""
    from pyshell.contain.network import report
    from pyshell.contain.runtime import state

    container = _find(name_or_id, _home(home))
    if container.status != state.State.RUNNING:
        return []
    return report.port_lines(container.dir, private)


def published_ports(name_or_id: str, home=None) -> list:
    """The ports a running container publishes, as bound: [PortMapping(host_ip, host_port,
    container_port, protocol)] (host_ip "" = every address)."""
    from pyshell.contain.network import attach
    from pyshell.contain.runtime import state

    container = _find(name_or_id, _home(home))
    if container.status != state.State.RUNNING:
        return []
    return attach.mappings(attach.read_state(container.dir))


def network_fields(flags: dict, image_exposed=()) -> dict:
    """ContainerSpec fields from `run`-style network flags ({"network": "bridge", "publish":
    ["8080:80"], "publish_all": True, "expose": [...], "ip": ..., "network_alias": [...],
    "add_host": [...], "dns": [...]}); raises ContainerError (125) on a bad value."""
    from pyshell.contain.network import options

    return options.from_flags(flags, image_exposed)


def ports_column(info: ContainerInfo) -> str:
    """`ps`'s PORTS: "0.0.0.0:8080->80/tcp, 443/tcp" for a running container, else ""."""
    from pyshell.contain.network import report

    return report.ps_column(info.spec, info.directory) if info.state == "running" else ""


def connect_network(network: str, name_or_id: str, aliases=(), ip: str = "", home=None) -> None:
    """`network connect`: one more network for a container, kept for its every start (as
    Docker's); a running one gets it at once (an interface eth1, eth2...; its name and
    ``aliases`` resolve there)."""
    from pyshell.contain.network import attach
    from pyshell.contain.runtime import state

    home = _home(home)
    container = _find(name_or_id, home)
    running = container.status in (state.State.RUNNING, state.State.PAUSED)
    attach.connect(home, container.spec, str(container.dir), container.pid if running else None, network,
                   tuple(aliases), ip)


def disconnect_network(network: str, name_or_id: str, home=None) -> None:
    """`network disconnect`: the container leaves ``network``, now if it runs, and at its later starts."""
    from pyshell.contain.network import attach

    from pyshell.contain.runtime import state

    home = _home(home)
    container = _find(name_or_id, home)
    running = container.status in (state.State.RUNNING, state.State.PAUSED)
    attach.disconnect(home, container.spec, str(container.dir), network, container.pid if running else None)
