"""What a container is, as data: ContainerSpec, and validate() which checks it before any syscall.

default_spec() is what an image gives; the CLI (or compose, through api.py) adds its flags; setup.py
carries it out. Nothing in this module touches the system.
"""

from __future__ import annotations

import os
import re

from pyshell.errors import ContainerError
from pyshell.record import Record

# Docker's default capability set (docker run reference, "Runtime privilege and Linux capabilities").
DEFAULT_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})

# runc's defaults (libcontainer/specconv/example.go): hidden files and directories in /proc and
# /sys that leak host information, and /proc parts that must not be written from a container.
MASKED_PATHS = (
    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
)
READONLY_PATHS = ("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Mount(Record):
    """One -v / --tmpfs: ``kind`` is "bind" (host path), "volume" (named, under PYSH_HOME) or "tmpfs"."""

    kind: str
    source: str        # host path for bind and volume; "" for tmpfs
    target: str        # absolute path inside the container
    readonly: bool = False
    options: str = ""  # tmpfs options such as "size=64m"
    volume_name: str = ""

    @property
    def anonymous(self) -> bool:
        """An anonymous volume (`-v /path`): `run --rm` and `rm -v` remove it with the container."""
        return self.kind == "volume" and self.volume_name.startswith(ANONYMOUS_VOLUME_PREFIX)


ANONYMOUS_VOLUME_PREFIX = "anonymous-"  # + 32 hex digits (runtime/volumes.py names them)


class Device(Record):
    """One --device HOST[:CTR][:rwm]: the host's node, bound at ``target``, and its numbers."""

    host: str
    target: str
    access: str         # "rwm" or a part of it
    kind: str           # "c" or "b"
    major: int
    minor: int


class PortMapping(Record):
    """One published port (-p, -P): host_port 0 until the kernel picks one at start."""

    host_ip: str            # "" for every address (shown as 0.0.0.0, as Docker)
    host_port: int
    container_port: int
    protocol: str = "tcp"

    @property
    def key(self) -> str:
        return f"{self.container_port}/{self.protocol}"


class Healthcheck(Record):
    """A health check, as Docker's: the test is run in the container every ``interval``
    seconds; ``retries`` failures in a row make it unhealthy; failures during
    ``start_period`` do not count (probes then come every ``start_interval``)."""

    test: tuple[str, ...]               # ("CMD", exe, args...) or ("CMD-SHELL", "command line")
    interval: float = 30.0
    timeout: float = 30.0
    retries: int = 3
    start_period: float = 0.0
    start_interval: float = 5.0

    def argv(self) -> tuple[str, ...]:
        if self.test[0] == "CMD-SHELL":
            return ("/bin/sh", "-c", self.test[1])
        return tuple(self.test[1:])

    def to_docker(self) -> dict:
        """Docker's Config.Healthcheck (durations in nanoseconds), for inspect and images."""
        ns = 1_000_000_000
        return {"Test": list(self.test), "Interval": int(self.interval * ns), "Timeout": int(self.timeout * ns),
                "Retries": self.retries, "StartPeriod": int(self.start_period * ns),
                "StartInterval": int(self.start_interval * ns)}


def healthcheck_from_docker(section) -> Healthcheck | None:
    """An image's (or `docker inspect`'s) Healthcheck → Healthcheck; None for none or NONE.
    A zero duration means the default, as in Docker."""
    if not section or not section.get("Test") or section["Test"][0] == "NONE":
        return None
    test = tuple(section["Test"])
    if test[0] not in ("CMD", "CMD-SHELL"):  # Docker's bare list form is CMD
        test = ("CMD", *test)
    defaults = Healthcheck(test)

    def seconds(key, default):
        value = section.get(key) or 0
        return value / 1e9 if value else default

    return Healthcheck(test, seconds("Interval", defaults.interval), seconds("Timeout", defaults.timeout),
                       int(section.get("Retries") or defaults.retries),
                       seconds("StartPeriod", defaults.start_period),
                       seconds("StartInterval", defaults.start_interval))


class ContainerSpec(Record):
    id: str
    name: str
    image: str                          # the reference the user typed, for `ps`
    image_id: str
    layer_dirs: tuple[str, ...]         # overlay lower layers, lowest first
    argv: tuple[str, ...]
    env: tuple[str, ...] = ()           # "K=V", already merged (image, then -e)
    workdir: str = "/"
    user: str = ""                      # "" (root), "name", "uid", "uid:gid", "name:group"
    hostname: str = ""
    tty: bool = False
    interactive: bool = False
    detach: bool = False
    autoremove: bool = False
    mounts: tuple[Mount, ...] = ()
    read_only: bool = False
    memory: int | None = None           # bytes
    cpus: float | None = None
    pids_limit: int | None = None
    capabilities: frozenset[str] = DEFAULT_CAPABILITIES
    init: bool = False
    network: str = "none"               # none | host | bridge | NAME | container:NAME
    ip: str = ""                        # --ip, on a user-defined network
    aliases: tuple[str, ...] = ()       # --network-alias
    add_hosts: tuple[tuple[str, str], ...] = ()  # --add-host NAME:IP, in /etc/hosts
    dns: tuple[str, ...] = ()           # --dns: the name servers of /etc/resolv.conf
    ports: tuple[PortMapping, ...] = ()  # -p and -P, ranges expanded
    exposed: tuple[str, ...] = ()       # "80/tcp": the image's EXPOSE and --expose
    rootless: bool = False              # run in a user namespace mapping the caller to root
    stop_signal: str = "SIGTERM"
    restart: str = "no"                 # no | on-failure[:N] | always: kept by restart.py (-d)
    labels: tuple[tuple[str, str], ...] = ()
    entrypoint: tuple[str, ...] = ()    # as configured, for inspect
    cmd: tuple[str, ...] = ()
    hidden: bool = False                # build containers: not shown by `ps -a`
    seccomp: str = ""                   # "" our default profile, "unconfined", or a profile's JSON text
    devices: tuple[Device, ...] = ()    # --device
    healthcheck: Healthcheck | None = None  # run by the container's supervisor (runtime/health.py)

    def to_json(self) -> dict:
        data = self.as_dict()
        data["capabilities"] = sorted(self.capabilities)
        return data

    @classmethod
    def from_json(cls, data: dict) -> "ContainerSpec":
        data = dict(data)
        data["mounts"] = tuple(Mount(**m) for m in data.get("mounts", ()))
        data["devices"] = tuple(Device(**d) for d in data.get("devices", ()))
        data["ports"] = tuple(PortMapping(**p) for p in data.get("ports", ()))
        data["add_hosts"] = tuple(tuple(pair) for pair in data.get("add_hosts", ()))
        data["capabilities"] = frozenset(data.get("capabilities", DEFAULT_CAPABILITIES))
        data["labels"] = tuple(tuple(pair) for pair in data.get("labels", ()))
        for key in ("layer_dirs", "argv", "env", "entrypoint", "cmd", "aliases", "dns", "exposed"):
            data[key] = tuple(data.get(key, ()))
        if data.get("healthcheck"):
            data["healthcheck"] = Healthcheck(**{**data["healthcheck"], "test": tuple(data["healthcheck"]["test"])})
        known = cls._fields
        return cls(**{key: value for key, value in data.items() if key in known})


_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
_HOSTNAME = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$")


def validate(spec: ContainerSpec, known_capabilities) -> None:
    """Raise ContainerError for the first thing wrong with ``spec``; make no syscall."""
    if not _NAME.match(spec.name):
        raise ContainerError(f"invalid container name {spec.name!r}: use [a-zA-Z0-9][a-zA-Z0-9_.-]*")
    if not spec.argv:
        raise ContainerError("no command specified (the image has no Cmd or Entrypoint)")
    if not spec.workdir.startswith("/"):
        raise ContainerError(f"the working directory {spec.workdir!r} is not an absolute path")
    if not _HOSTNAME.match(spec.hostname):
        raise ContainerError(f"invalid hostname {spec.hostname!r}")
    network = spec.network.removeprefix("container:")
    if not network or not _NAME.match(network):
        raise ContainerError(f"invalid network {spec.network!r}: use none, host, bridge, NAME or container:NAME")
    if spec.network.startswith("container:") and spec.ports:
        raise ContainerError("conflicting options: port publishing and the container type network mode")
    if spec.network in ("none", "host") or spec.network.startswith("container:"):
        if spec.aliases or spec.ip:
            raise ContainerError("--ip and --network-alias need a user-defined network")
    if spec.network.startswith("container:") and spec.rootless:
        raise ContainerError("--network container:NAME is not supported rootless (a gap of this version: "
                             "the other container's namespace belongs to its own user namespace)")
    if spec.memory is not None and spec.memory < 6 * 1024 * 1024:
        raise ContainerError("minimum memory limit allowed is 6MB")
    if spec.cpus is not None and spec.cpus <= 0:
        raise ContainerError(f"--cpus must be positive, not {spec.cpus}")
    if spec.pids_limit is not None and spec.pids_limit == 0:
        raise ContainerError("--pids-limit must be positive or -1 (unlimited)")
    unknown = sorted(set(spec.capabilities) - set(known_capabilities))
    if unknown:
        raise ContainerError(f"unknown capability: {unknown[0]}")
    targets = set()
    for mount in spec.mounts:
        if not mount.target.startswith("/") or mount.target == "/":
            raise ContainerError(f"invalid mount target {mount.target!r}: must be an absolute path other than /")
        if ".." in mount.target.split("/"):
            raise ContainerError(f"invalid mount target {mount.target!r}: no '..' allowed")
        if mount.target in targets:
            raise ContainerError(f"duplicate mount point: {mount.target}")
        targets.add(mount.target)


def default_spec(image, image_ref: str, container_id: str | None = None, name: str | None = None):
    """The container an image describes with no flags given (used by `run` and by `build`).
    ``image`` is an image.store.Image (only its id, layer_dirs and config are read)."""
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
        labels=tuple(sorted(dict(config.labels).items())), entrypoint=entrypoint, cmd=cmd,
        exposed=tuple(config.exposed_ports),
        healthcheck=healthcheck_from_docker(config.healthcheck))


def merge_capabilities(add: list[str], drop: list[str]) -> frozenset[str]:
    """Docker's rule: start from the default set, then --cap-add, then --cap-drop; ALL means every cap."""
    from pyshell.contain.kernel.syscalls import CAPABILITIES

    def names(values):
        return {value.upper().removeprefix("CAP_") for value in values}

    added, dropped = names(add), names(drop)
    unknown = sorted(dropped - set(CAPABILITIES) - {"ALL"})  # an added one is checked with the spec
    if unknown:
        raise ContainerError(f"unknown capability: {unknown[0]}")
    result = set(DEFAULT_CAPABILITIES)
    result |= set(CAPABILITIES) if "ALL" in added else added
    result -= set(CAPABILITIES) if "ALL" in dropped else dropped
    return frozenset(result)
