"""What `up` and `down` must do: the wanted model compared with what exists.

As docker compose v2 does it: the containers of a project are found by their labels
(com.docker.compose.project / .service / .container-number), and each carries a
config-hash label, a digest of its service's normalized configuration. So `up` can tell,
without any state of its own, which containers to keep, start, recreate, create or remove.
Everything here is pure: records in, a plan out; engine.py carries a plan out on contain.
"""

from __future__ import annotations

import json

try:  # the C module hashlib falls back to: the same digest, without OpenSSL's ~2 ms of loading
    from _sha256 import sha256
except ImportError:  # a Python built without it (3.12 names it _sha2)
    from hashlib import sha256

from pyshell.compose.errors import ComposeError
from pyshell.compose.project import replicas
from pyshell.record import Record

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
NUMBER_LABEL = "com.docker.compose.container-number"
HASH_LABEL = "com.docker.compose.config-hash"
ONEOFF_LABEL = "com.docker.compose.oneoff"
WORKING_DIR_LABEL = "com.docker.compose.project.working_dir"
CONFIG_FILES_LABEL = "com.docker.compose.project.config_files"
DEPENDS_ON_LABEL = "com.docker.compose.depends_on"
IMAGE_LABEL = "com.docker.compose.image"
VERSION_LABEL = "com.docker.compose.version"
NETWORK_LABEL = "com.docker.compose.network"
VOLUME_LABEL = "com.docker.compose.volume"
COMPOSE_VERSION = "2.29.0-pysh"


class Observed(Record):
    """One existing container as the plan needs it (from contain's ContainerInfo)."""

    name: str
    service: str
    number: int
    config_hash: str
    running: bool
    oneoff: bool = False


class Action(Record):
    """One step of `up`: ``kind`` is create | recreate | start | restart | keep | remove."""

    kind: str
    service: str
    number: int
    name: str              # the container's name (the new one for create/recreate)
    old_name: str = ""     # the container replaced (recreate) or removed (remove)


def container_name(project: str, service_name: str, service: dict, number: int) -> str:
    if "container_name" in service:
        return service["container_name"]
    return f"{project}-{service_name}-{number}"


def config_hash(service: dict, image_id: str = "") -> str:
    """A digest of what makes a container of this service: changing it means recreating.

    The number of replicas is left out (scaling adds or removes containers, it does not
    change the others); the image's id is put in, so a rebuilt image recreates."""
    hashed = {key: value for key, value in service.items() if key not in ("scale", "profiles", "build")}
    if "deploy" in hashed:
        hashed["deploy"] = {k: v for k, v in hashed["deploy"].items() if k != "replicas"}
    hashed["x-pysh-image-id"] = image_id
    text = json.dumps(hashed, sort_keys=True, separators=(",", ":"))
    return sha256(text.encode()).hexdigest()


def dependencies(service: dict) -> list[str]:
    """The services this one needs started first: depends_on and network_mode: service:x."""
    needed = list(service.get("depends_on", {}))
    mode = service.get("network_mode", "")
    if mode.startswith("service:") and mode[len("service:"):] not in needed:
        needed.append(mode[len("service:"):])
    return needed


def start_order(services: dict, selected=None) -> list[str]:
    """Services in an order where each comes after what it depends on; a cycle is an error
    that names it. ``selected`` limits the result to those services and their dependencies."""
    order: list[str] = []
    state: dict[str, str] = {}  # name → "visiting" | "done"

    def visit(name: str, chain: list[str]):
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = chain[chain.index(name):] + [name]
            raise ComposeError(f"dependency cycle detected: {' -> '.join(cycle)}")
        state[name] = "visiting"
        for dependency in dependencies(services[name]):
            if dependency in services:
                visit(dependency, chain + [name])
        state[name] = "done"
        order.append(name)

    for name in sorted(services) if selected is None else selected:
        visit(name, [])
    return order


def dependents_closure(services: dict, names) -> set[str]:
    """``names`` and every service that depends on them, directly or not (stop these first)."""
    result = set(names)
    changed = True
    while changed:
        changed = False
        for name, service in services.items():
            if name not in result and result & set(dependencies(service)):
                result.add(name)
                changed = True
    return result


def plan_up(project: str, services: dict, hashes: dict[str, str], observed: list[Observed],
            selected: list[str], scale: dict[str, int] | None = None, force_recreate=False,
            no_recreate=False) -> list[Action]:
    """The actions for `up` of the ``selected`` services (in start order)."""
    scale = scale or {}
    actions = []
    by_service: dict[str, list[Observed]] = {}
    for container in observed:
        if not container.oneoff:
            by_service.setdefault(container.service, []).append(container)
    for name in selected:
        service = services[name]
        wanted = scale.get(name, replicas(service))
        existing = {container.number: container for container in by_service.get(name, [])}
        for number in range(1, wanted + 1):
            new_name = container_name(project, name, service, number)
            current = existing.get(number)
            if current is None:
                actions.append(Action("create", name, number, new_name))
            elif (force_recreate or current.config_hash != hashes[name]) and not no_recreate:
                actions.append(Action("recreate", name, number, new_name, current.name))
            elif not current.running:
                actions.append(Action("start", name, number, current.name))
            else:
                actions.append(Action("keep", name, number, current.name))
        for number in sorted(existing):
            if number > wanted:
                actions.append(Action("remove", name, number, "", existing[number].name))
    return _restart_dependents(services, actions)


def _restart_dependents(services: dict, actions: list[Action]) -> list[Action]:
    """depends_on: {db: {restart: true}}: a service kept running is restarted when db is
    recreated, so it reconnects to the new one (docker compose ≥ 2.17)."""
    renewed = {action.service for action in actions if action.kind == "recreate"}
    result = []
    for action in actions:
        depends = services[action.service].get("depends_on", {})
        if action.kind == "keep" and any(depends[dep].get("restart") for dep in depends if dep in renewed):
            action = action.replace(kind="restart")
            renewed.add(action.service)
        result.append(action)
    return result


def orphans(services: dict, observed: list[Observed]) -> list[Observed]:
    """Containers of the project whose service is no longer in the model."""
    return [container for container in observed
            if container.service not in services and not container.oneoff]
