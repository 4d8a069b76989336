"""One service of the normalized model → the ContainerSpec of one of its containers.

This is the only place that knows how compose keys map onto contain's run options
(docker compose's `getCreateConfigs`): command/entrypoint, environment over the image's,
volumes (bind dirs created when missing, named and anonymous volumes through contain),
resources, capabilities, restart, stop signal, and the compose labels `up` plans with.
"""

from __future__ import annotations

import os
import re

from pyshell.compose import plan
from pyshell.compose.durations import parse_duration
from pyshell.compose.errors import ComposeError

_SIZE = r"(\d+(?:\.\d+)?)\s*([bkmg]?)b?"  # compiled at the first size (re caches it), not at every up


def size_in_bytes(text: str) -> int:
    match = re.fullmatch(_SIZE, str(text).strip().lower())
    if not match:
        raise ComposeError(f"invalid size {text!r}")
    number, unit = match.groups()
    return int(float(number) * {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit])


def stop_timeout(service: dict, override: float | None = None) -> float:
    if override is not None:
        return override
    return parse_duration(service["stop_grace_period"]) if "stop_grace_period" in service else 10.0


def compose_labels(project, service_name: str, number: int, config_hash: str, image_id: str,
                   oneoff: bool = False) -> dict[str, str]:
    service = project.services[service_name]
    depends = ",".join(f"{name}:{entry['condition']}:{str(entry.get('restart', False)).lower()}"
                       for name, entry in service.get("depends_on", {}).items())
    return {
        plan.PROJECT_LABEL: project.name,
        plan.SERVICE_LABEL: service_name,
        plan.NUMBER_LABEL: str(number),
        plan.HASH_LABEL: config_hash,
        plan.ONEOFF_LABEL: "True" if oneoff else "False",
        plan.WORKING_DIR_LABEL: project.directory,
        plan.CONFIG_FILES_LABEL: ",".join(project.files),
        plan.DEPENDS_ON_LABEL: depends,
        plan.IMAGE_LABEL: image_id,
        plan.VERSION_LABEL: plan.COMPOSE_VERSION,
    }


def service_networks(service: dict) -> list[str]:
    """The service's compose networks, the one its container is created on first (docker
    compose: highest priority first, then by name); the others are connected after start."""
    networks = service.get("networks") or {}
    return sorted(networks, key=lambda key: (-((networks[key] or {}).get("priority", 0)), key))


def network_flags(project, service_name: str, containers_of, publish: bool = True) -> dict:
    """contain's run-style network flags for a container of the service (api.network_fields
    turns them into spec fields): the first network with its aliases and address, ports,
    expose, extra_hosts, dns. ``containers_of(service)`` names the containers of a service,
    for network_mode service:NAME."""
    service = project.services[service_name]
    flags: dict = {"expose": list(service.get("expose", ())), "add_host": list(service.get("extra_hosts", ())),
                   "dns": list(service.get("dns", ()))}
    mode = service.get("network_mode")
    if mode:
        if mode.startswith("service:"):
            found = containers_of(mode[len("service:"):])
            if not found:
                raise ComposeError(f'service "{service_name}": network_mode {mode}: it has no container')
            mode = f"container:{found[0]}"
        flags["network"] = mode
    else:
        first = service_networks(service)[0]
        settings = service["networks"][first] or {}
        flags["network"] = project.model["networks"][first]["name"]
        flags["network_alias"] = [service_name, *settings.get("aliases", ())]
        if settings.get("ipv4_address"):
            flags["ip"] = settings["ipv4_address"]
    if publish and not (mode or "").startswith(("host", "container:")):
        flags["publish"] = [publish_text(port) for port in service.get("ports", ())]
    return flags


def publish_text(port: dict) -> str:
    """A long-form port as -p takes it: [ip:][published:]target/protocol."""
    target = f'{port["target"]}/{port.get("protocol", "tcp")}'
    published = port.get("published", "")
    if port.get("host_ip"):
        return f'{port["host_ip"]}:{published}:{target}'
    return f"{published}:{target}" if published else target


def spec_fields(api, project, service_name: str, name: str, home=None) -> dict:
    """The keyword arguments of api.default_spec for one container of the service."""
    service = project.services[service_name]
    fields: dict = {"name": name, "detach": True}
    if "entrypoint" in service:
        fields["entrypoint"] = tuple(service["entrypoint"])
        fields["cmd"] = tuple(service.get("command") or ())  # an entrypoint clears the image's CMD
    elif service.get("command") is not None:
        fields["cmd"] = tuple(service["command"])
    for key, field in (("working_dir", "workdir"), ("user", "user"), ("hostname", "hostname"),
                       ("tty", "tty"), ("stdin_open", "interactive"), ("read_only", "read_only"),
                       ("init", "init"), ("stop_signal", "stop_signal"), ("restart", "restart")):
        if key in service:
            fields[field] = service[key]
    limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
    memory = limits.get("memory", service.get("mem_limit"))
    if memory is not None:
        fields["memory"] = size_in_bytes(memory)
    cpus = limits.get("cpus", service.get("cpus"))
    if cpus is not None:
        fields["cpus"] = float(cpus)
    pids = limits.get("pids", service.get("pids_limit"))
    if pids is not None:
        fields["pids_limit"] = int(pids)
    fields["mounts"] = tuple(mounts(api, project, service, home))
    return fields


def finish_spec(spec, service: dict, labels: dict):
    """What needs the image's defaults first: the environment over the image's ENV, labels
    over the image's LABELs, capabilities changed from the default set."""
    environment = {"HOSTNAME": spec.hostname}  # as Docker sets it, before the image's ENV
    environment.update(item.split("=", 1) for item in spec.env if "=" in item)
    for key, value in service.get("environment", {}).items():
        if value is None:
            environment.pop(key, None)  # a bare key with no value anywhere: unset, as docker
        else:
            environment[key] = value
    merged_labels = dict(spec.labels)
    merged_labels.update(service.get("labels", {}))
    merged_labels.update(labels)
    changes = {"env": tuple(f"{key}={value}" for key, value in environment.items()),
               "labels": tuple(sorted(merged_labels.items()))}
    if "cap_add" in service or "cap_drop" in service:
        changes["capabilities"] = capabilities(spec.capabilities, service.get("cap_add", ()),
                                               service.get("cap_drop", ()))
    return spec.replace(**changes)


def capabilities(default: frozenset, add, drop) -> frozenset:
    def names(values):
        return {value.upper().removeprefix("CAP_") for value in values}

    added, dropped = names(add), names(drop)
    if "ALL" in added:
        raise ComposeError("cap_add: ALL is not supported by pysh compose (name the capabilities)")
    result = set(default) | added
    result = set() if "ALL" in dropped else result - dropped
    return frozenset(result)


def mounts(api, project, service: dict, home=None) -> list:
    result = []
    for volume in service.get("volumes", ()):
        kind = volume["type"]
        readonly = bool(volume.get("read_only"))
        if kind == "bind":
            source = volume["source"]
            if not os.path.exists(source):
                if not volume.get("bind", {}).get("create_host_path", False):
                    raise ComposeError(f"invalid mount config: bind source path does not exist: {source}")
                os.makedirs(source, exist_ok=True)  # docker compose creates ./dirs that are missing
            result.append(api.Mount("bind", source, volume["target"], readonly))
        elif kind == "volume":
            if volume.get("source"):
                name = project.model["volumes"][volume["source"]]["name"]
            else:
                name = None
            info = api.create_volume(name, home=home)
            result.append(api.Mount("volume", info.mountpoint, volume["target"], readonly,
                                    volume_name=info.name))
        else:
            size = volume.get("tmpfs", {}).get("size")
            result.append(api.Mount("tmpfs", "", volume["target"], False, f"size={size}" if size else ""))
    for entry in service.get("tmpfs", ()):
        target, _, options = entry.partition(":")
        result.append(api.Mount("tmpfs", "", target, False, options))
    for kind, directory in (("secrets", "/run/secrets/"), ("configs", "/")):
        for entry in service.get(kind, ()):
            declared = project.model[kind][entry["source"]]
            if "file" not in declared:
                raise ComposeError(f"{kind[:-1]} {entry['source']}: only file sources are supported by pysh")
            target = entry.get("target") or entry["source"]
            if not target.startswith("/"):
                target = directory + target
            result.append(api.Mount("bind", declared["file"], target, True))
    return result


def healthcheck(api, service: dict, from_image):
    """The service's healthcheck over the image's (each key replaces one setting, as docker
    compose); `disable: true` or test NONE turn it off; None when there is none."""
    check = service.get("healthcheck")
    if check is None:
        return from_image
    if check.get("disable") or check.get("test", [""])[0] == "NONE":
        return None
    test = tuple(check["test"]) if "test" in check else (from_image.test if from_image else None)
    if not test:
        raise ComposeError("healthcheck: a test is needed (the image has no HEALTHCHECK)")
    result = (from_image or api.Healthcheck(test)).replace(test=test)
    changes = {key: parse_duration(check[key]) for key in ("interval", "timeout", "start_period", "start_interval")
               if key in check}
    if "retries" in check:
        changes["retries"] = check["retries"]
    return result.replace(**changes)
