"""Validate a merged compose document and turn it into the normalized model.

The normalized model is what `compose config` prints and what the plan reads: plain dicts
and lists in docker compose v2's canonical shapes (ports and volumes in their long form,
environment and labels as maps, command as a list, paths absolute, durations as Go writes
them, networks and volumes with their full names). One table, SERVICE_KEYS, names every key
a service may have and the function that checks and normalizes its value; a key that is not
in the table is an error, as in docker compose.

Every error names the path (``services.web.ports[0]: invalid port "80800"``) and, through
``where``, the file:line:col it came from.
"""

from __future__ import annotations

import os
import re
import shlex

from pyshell.compose.durations import format_duration, parse_duration
from pyshell.compose.errors import ComposeError
from pyshell.compose.inputs import expand_user, exists
from pyshell.compose.interpolate import dotted_path
from pyshell.compose.project import replicas


class Context:
    """What normalizing needs besides the document: where relative paths start, the
    interpolation environment (for bare `environment:` keys), the project name, positions."""

    def __init__(self, project: str, directory: str, lookup, where=lambda path: ""):
        self.project = project
        self.directory = directory
        self.lookup = lookup
        self.where = where

    def fail(self, path, message: str, at=None):
        """An error about ``path``, shown at the position of ``at`` (default: the path)."""
        raise ComposeError(f"{dotted_path(path)}: {message}", where=self.where(path if at is None else at))

    def absolute(self, path_text: str) -> str:
        expanded = expand_user(path_text)
        return os.path.normpath(os.path.join(self.directory, expanded))


# ------------------------------------------------------------------ small typed checkers

def _string(value, path, context):
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        context.fail(path, f"must be a string, not {_kind(value)}")
    return str(value)


def _boolean(value, path, context):
    if not isinstance(value, bool):
        context.fail(path, f"must be a boolean, not {_kind(value)}")
    return value


def _integer(value, path, context):
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            return int(value)
        context.fail(path, f"must be an integer, not {_kind(value)}")
    return value


def _kind(value) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


def _string_list(value, path, context):
    if not isinstance(value, list):
        context.fail(path, f"must be a list, not {_kind(value)}")
    return [_string(item, path + (index,), context) for index, item in enumerate(value)]


def _string_or_list(value, path, context):
    return [_string(value, path, context)] if isinstance(value, str) else _string_list(value, path, context)


def _command(value, path, context):
    """A string is split as a shell would (quotes, no expansion), a list is kept."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as error:
            context.fail(path, f"cannot split {value!r}: {error}")
    return _string_list(value, path, context)


def _mapping(value, path, context):
    if not isinstance(value, dict):
        context.fail(path, f"must be a mapping, not {_kind(value)}")
    return value


def list_or_dict(value, path, context, allow_null=True) -> dict:
    """environment / labels / args: a map, or a list of K=V (a bare K has no value: None)."""
    result = {}
    if isinstance(value, dict):
        for key, item in value.items():
            if item is None:
                result[key] = None if allow_null else ""
            elif isinstance(item, (dict, list)):
                context.fail(path + (key,), f"must be a string, number, boolean or null, not {_kind(item)}")
            else:
                result[key] = _scalar_text(item)
        return result
    if isinstance(value, list):
        for index, item in enumerate(value):
            text = _string(item, path + (index,), context)
            key, has_value, rest = text.partition("=")
            result[key] = rest if has_value else None
        return result
    context.fail(path, f"must be a mapping or a list, not {_kind(value)}")


def _scalar_text(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


# ------------------------------------------------------------------ durations (durations.py)


def _duration(value, path, context):
    try:
        return format_duration(parse_duration(value))
    except ValueError:
        context.fail(path, f"invalid duration {value!r} (use e.g. 10s, 1m30s, 500ms)")


# ------------------------------------------------------------------ ports

_PORT_SHORT = re.compile(
    r"^(?:(?:(?P<ip>\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(?P<published>[^:]*):)?"
    r"(?P<target>[^:/]+)(?:/(?P<protocol>[a-z]+))?$")


def _port_range(text: str, path, context, what: str) -> list[int]:
    low, dash, high = text.partition("-")
    try:
        numbers = [int(low)] if not dash else list(range(int(low), int(high) + 1))
    except ValueError:
        context.fail(path, f'invalid {what} "{text}"')
    if not numbers or any(not 0 < number <= 65535 for number in numbers):
        context.fail(path, f'invalid port "{text}"')
    return numbers


def _ports(value, path, context):
    if not isinstance(value, list):
        context.fail(path, f"must be a list, not {_kind(value)}")
    result = []
    for index, item in enumerate(value):
        here = path + (index,)
        if isinstance(item, dict):
            result.append(_port_long(item, here, context))
            continue
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            context.fail(here, f"must be a string or a number, not {_kind(item)}")
        match = _PORT_SHORT.match(str(item))
        if not match:
            context.fail(here, f'invalid port "{item}"')
        protocol = match.group("protocol") or "tcp"
        if protocol not in ("tcp", "udp", "sctp"):
            context.fail(here, f'invalid protocol "{protocol}" in port "{item}"')
        targets = _port_range(match.group("target"), here, context, "port")
        published_text = match.group("published") or ""
        published = _port_range(published_text, here, context, "port") if published_text else []
        if published and len(published) != len(targets):
            if len(targets) != 1:
                context.fail(here, f'invalid port "{item}": the ranges differ in length')
        for number, target in enumerate(targets):
            entry = {"mode": "ingress"}
            if match.group("ip"):
                entry["host_ip"] = match.group("ip").strip("[]")
            entry["target"] = target
            if published:
                entry["published"] = str(published[number] if len(published) == len(targets)
                                         else f"{published[0]}-{published[-1]}")
            entry["protocol"] = protocol
            result.append(entry)
    return result


def _port_long(item: dict, path, context):
    allowed = {"target", "published", "host_ip", "protocol", "mode", "name", "app_protocol"}
    _no_extra(item, allowed, path, context)
    if "target" not in item:
        context.fail(path, "target is required")
    target = _integer(item["target"], path + ("target",), context)
    if not 0 < target <= 65535:
        context.fail(path + ("target",), f'invalid port "{target}"')
    entry = {"mode": _string(item.get("mode", "ingress"), path + ("mode",), context)}
    for key in ("name", "host_ip"):
        if key in item:
            entry[key] = _string(item[key], path + (key,), context)
    entry["target"] = target
    if item.get("published") not in (None, ""):
        published = _string(item["published"], path + ("published",), context)
        _port_range(published, path + ("published",), context, "port")
        entry["published"] = published
    entry["protocol"] = _string(item.get("protocol", "tcp"), path + ("protocol",), context)
    if "app_protocol" in item:
        entry["app_protocol"] = _string(item["app_protocol"], path + ("app_protocol",), context)
    return entry


def _expose(value, path, context):
    items = value if isinstance(value, list) else context.fail(path, f"must be a list, not {_kind(value)}")
    result = []
    for index, item in enumerate(items):
        text = _string(item, path + (index,), context)
        number, _, protocol = text.partition("/")
        _port_range(number, path + (index,), context, "port")
        result.append(text)
    return result


# ------------------------------------------------------------------ volumes

def _service_volumes(value, path, context, declared: dict):
    if not isinstance(value, list):
        context.fail(path, f"must be a list, not {_kind(value)}")
    result = []
    for index, item in enumerate(value):
        here = path + (index,)
        entry = _volume_long(item, here, context) if isinstance(item, dict) else \
            _volume_short(_string(item, here, context), here, context)
        if entry["type"] == "volume" and entry.get("source") and entry["source"] not in declared:
            context.fail(here, f'service refers to undefined volume {entry["source"]}')
        result.append(entry)
    return result


def _volume_short(text: str, path, context):
    parts = text.split(":")
    mode = ""
    if len(parts) == 3 or (len(parts) == 2 and parts[1] in ("ro", "rw", "z", "Z")
                           and not parts[1].startswith("/")):
        mode = parts.pop()
    if len(parts) == 1:
        target = parts[0]
        _target(target, path, context)
        return {"type": "volume", "target": target, "volume": {}}
    if len(parts) != 2 or not parts[0]:
        context.fail(path, f'invalid volume specification "{text}"')
    source, target = parts
    _target(target, path, context)
    options = set(mode.split(",")) if mode else set()
    unknown = options - {"ro", "rw", "z", "Z", "nocopy"}
    if unknown:
        context.fail(path, f'invalid mode "{mode}" in volume "{text}"')
    if source.startswith((".", "/", "~")):
        entry = {"type": "bind", "source": context.absolute(source), "target": target}
        if "ro" in options:
            entry["read_only"] = True
        entry["bind"] = {"create_host_path": True}
        return entry
    entry = {"type": "volume", "source": source, "target": target}
    if "ro" in options:
        entry["read_only"] = True
    entry["volume"] = {"nocopy": True} if "nocopy" in options else {}
    return entry


def _target(target: str, path, context):
    if not target.startswith("/"):
        context.fail(path, f'invalid mount target "{target}": must be an absolute path')


def _volume_long(item: dict, path, context):
    _no_extra(item, {"type", "source", "target", "read_only", "bind", "volume", "tmpfs", "consistency"},
              path, context)
    kind = _string(item.get("type", ""), path + ("type",), context)
    if kind not in ("bind", "volume", "tmpfs"):
        context.fail(path + ("type",), f'invalid volume type "{kind}" (use bind, volume or tmpfs)')
    if "target" not in item:
        context.fail(path, "target is required")
    target = _string(item["target"], path + ("target",), context)
    _target(target, path + ("target",), context)
    entry = {"type": kind}
    if item.get("source"):
        source = _string(item["source"], path + ("source",), context)
        entry["source"] = context.absolute(source) if kind == "bind" else source
    elif kind == "bind":
        context.fail(path, "a bind mount needs a source")
    entry["target"] = target
    if item.get("read_only"):
        entry["read_only"] = _boolean(item["read_only"], path + ("read_only",), context)
    for key, allowed in (("bind", {"create_host_path", "propagation", "selinux"}),
                         ("volume", {"nocopy", "subpath"}), ("tmpfs", {"size", "mode"})):
        if key in item:
            _no_extra(_mapping(item[key], path + (key,), context), allowed, path + (key,), context)
            entry[key] = dict(item[key])
    if kind == "volume":
        entry.setdefault("volume", {})
    return entry


# ------------------------------------------------------------------ the other service keys

def _build(value, path, context):
    if isinstance(value, str):
        value = {"context": value}
    _no_extra(_mapping(value, path, context),
              {"context", "dockerfile", "args", "target", "labels", "network", "no_cache", "pull",
               "cache_from", "tags", "shm_size", "extra_hosts"}, path, context)
    build = {"context": context.absolute(_string(value.get("context", "."), path + ("context",), context)),
             "dockerfile": _string(value.get("dockerfile", "Dockerfile"), path + ("dockerfile",), context)}
    if "args" in value:
        build["args"] = list_or_dict(value["args"], path + ("args",), context)
    if "target" in value:
        build["target"] = _string(value["target"], path + ("target",), context)
    if "labels" in value:
        build["labels"] = list_or_dict(value["labels"], path + ("labels",), context, allow_null=False)
    for key in ("network", "no_cache", "pull", "tags", "cache_from", "shm_size", "extra_hosts"):
        if key in value:
            build[key] = value[key]
    return build


def _environment(value, path, context):
    """Bare keys take their value from the interpolation environment, or are left unset."""
    environment = list_or_dict(value, path, context)
    for key, item in list(environment.items()):
        if item is None:
            found = context.lookup(key)
            if found is not None:
                environment[key] = found
    return environment


def _env_files(value, path, context):
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        context.fail(path, f"must be a string or a list, not {_kind(value)}")
    result = []
    for index, item in enumerate(value):
        here = path + (index,)
        if isinstance(item, dict):
            _no_extra(item, {"path", "required", "format"}, here, context)
            if "path" not in item:
                context.fail(here, "path is required")
            result.append({"path": context.absolute(_string(item["path"], here + ("path",), context)),
                           "required": _boolean(item.get("required", True), here + ("required",), context)})
        else:
            result.append({"path": context.absolute(_string(item, here, context)), "required": True})
    return result


_CONDITIONS = ("service_started", "service_healthy", "service_completed_successfully")


def _depends_on(value, path, context):
    if isinstance(value, list):
        return {_string(name, path + (index,), context): {"condition": "service_started", "required": True}
                for index, name in enumerate(value)}
    result = {}
    for name, item in _mapping(value, path, context).items():
        here = path + (name,)
        item = {} if item is None else _mapping(item, here, context)
        _no_extra(item, {"condition", "required", "restart"}, here, context)
        condition = _string(item.get("condition", "service_started"), here + ("condition",), context)
        if condition not in _CONDITIONS:
            context.fail(here + ("condition",), f'invalid condition "{condition}" '
                                                f'(use {", ".join(_CONDITIONS)})')
        entry = {"condition": condition}
        if item.get("restart"):
            entry["restart"] = _boolean(item["restart"], here + ("restart",), context)
        entry["required"] = _boolean(item.get("required", True), here + ("required",), context)
        result[name] = entry
    return result


def _healthcheck(value, path, context):
    _no_extra(_mapping(value, path, context),
              {"test", "interval", "timeout", "retries", "start_period", "start_interval", "disable"},
              path, context)
    result = {}
    if "test" in value:
        test = value["test"]
        if isinstance(test, str):
            test = ["CMD-SHELL", test]
        test = _string_list(test, path + ("test",), context)
        if not test or test[0] not in ("CMD", "CMD-SHELL", "NONE"):
            context.fail(path + ("test",), 'must start with "CMD", "CMD-SHELL" or "NONE"')
        result["test"] = test
    for key in ("interval", "timeout", "start_period", "start_interval"):
        if key in value:
            result[key] = _duration(value[key], path + (key,), context)
    if "retries" in value:
        result["retries"] = _integer(value["retries"], path + ("retries",), context)
    if value.get("disable"):
        result["disable"] = _boolean(value["disable"], path + ("disable",), context)
    return result


def _service_networks(value, path, context, declared: dict):
    if isinstance(value, list):
        value = {_string(name, path + (index,), context): None for index, name in enumerate(value)}
    result = {}
    for name, item in _mapping(value, path, context).items():
        here = path + (name,)
        if name not in declared:
            context.fail(here, f'service refers to undefined network {name}')
        if item is None:
            result[name] = None
            continue
        _no_extra(_mapping(item, here, context),
                  {"aliases", "ipv4_address", "ipv6_address", "mac_address", "priority", "link_local_ips"},
                  here, context)
        entry = {}
        if "aliases" in item:
            entry["aliases"] = _string_list(item["aliases"], here + ("aliases",), context)
        for key in ("ipv4_address", "ipv6_address", "mac_address"):
            if key in item:
                entry[key] = _string(item[key], here + (key,), context)
        if "priority" in item:
            entry["priority"] = _integer(item["priority"], here + ("priority",), context)
        result[name] = entry or None
    return result


def _restart(value, path, context):
    text = _string(value, path, context)
    if not re.fullmatch(r"no|always|unless-stopped|on-failure(:\d+)?", text):
        context.fail(path, f'invalid restart policy "{text}" (use no, always, on-failure[:N], unless-stopped)')
    return text


def _network_mode(value, path, context):
    text = _string(value, path, context)
    if not re.fullmatch(r"host|none|bridge|(service|container):.+", text):
        context.fail(path, f'invalid network_mode "{text}"')
    return text


def _memory(value, path, context):
    """mem_limit / memory: bytes as a number, or 64m, 1g... (kept as written, checked)."""
    text = _scalar_text(value) if not isinstance(value, (dict, list)) else context.fail(path, "must be a size")
    if not re.fullmatch(r"\d+(\.\d+)?\s*[bkmgBKMG]?[bB]?", text):
        context.fail(path, f'invalid size "{text}" (use e.g. 64m, 1g)')
    return text


def _cpus(value, path, context):
    try:
        number = float(value)
    except (TypeError, ValueError):
        context.fail(path, f'invalid cpus "{value}"')
    if number <= 0:
        context.fail(path, f'invalid cpus "{value}": must be positive')
    return str(value) if isinstance(value, str) else value


def _deploy(value, path, context):
    _no_extra(_mapping(value, path, context),
              {"mode", "replicas", "resources", "restart_policy", "labels", "endpoint_mode",
               "placement", "update_config", "rollback_config"}, path, context)
    result = {}
    if "mode" in value:
        result["mode"] = _string(value["mode"], path + ("mode",), context)
    if "replicas" in value:
        result["replicas"] = _integer(value["replicas"], path + ("replicas",), context)
    if "resources" in value:
        here = path + ("resources",)
        resources = _mapping(value["resources"], here, context)
        _no_extra(resources, {"limits", "reservations"}, here, context)
        result["resources"] = {}
        for part in ("limits", "reservations"):
            if part in resources:
                limits = _mapping(resources[part], here + (part,), context)
                _no_extra(limits, {"cpus", "memory", "pids", "devices", "generic_resources"},
                          here + (part,), context)
                entry = {}
                if "cpus" in limits:
                    entry["cpus"] = _cpus(limits["cpus"], here + (part, "cpus"), context)
                if "memory" in limits:
                    entry["memory"] = _memory(limits["memory"], here + (part, "memory"), context)
                if "pids" in limits:
                    entry["pids"] = _integer(limits["pids"], here + (part, "pids"), context)
                result["resources"][part] = entry
    for key in ("restart_policy", "labels", "endpoint_mode", "placement", "update_config", "rollback_config"):
        if key in value:
            result[key] = value[key]
    return result


def _service_files(kind: str):
    """secrets: / configs: of a service: names, or {source, target, uid, gid, mode}."""
    def check(value, path, context, declared: dict):
        if not isinstance(value, list):
            context.fail(path, f"must be a list, not {_kind(value)}")
        result = []
        for index, item in enumerate(value):
            here = path + (index,)
            if isinstance(item, dict):
                _no_extra(item, {"source", "target", "uid", "gid", "mode"}, here, context)
                entry = {key: item[key] for key in ("source", "target", "uid", "gid", "mode") if key in item}
            else:
                entry = {"source": _string(item, here, context)}
            if entry.get("source") not in declared:
                context.fail(here, f'service refers to undefined {kind[:-1]} {entry.get("source")}')
            result.append(entry)
        return result
    return check


def _labels(value, path, context):
    return list_or_dict(value, path, context, allow_null=False)


def _extra_hosts(value, path, context):
    if isinstance(value, dict):
        return [f"{host}:{address}" for host, address in value.items()]
    hosts = _string_list(value, path, context)
    for index, entry in enumerate(hosts):
        if ":" not in entry and "=" not in entry:
            context.fail(path + (index,), f'invalid extra host "{entry}" (use name:address)')
    return [entry.replace("=", ":", 1) if "=" in entry else entry for entry in hosts]


def _scale(value, path, context):
    number = _integer(value, path, context)
    if number < 0:
        context.fail(path, "must be 0 or more")
    return number


def _pass(check):
    """Adapt a (value, path, context) checker to the table's signature."""
    return lambda value, path, context, project: check(value, path, context)


SERVICE_KEYS = {
    "image": _pass(_string),
    "build": _pass(_build),
    "command": _pass(_command),
    "entrypoint": _pass(_command),
    "environment": _pass(_environment),
    "env_file": _pass(_env_files),
    "ports": _pass(_ports),
    "expose": _pass(_expose),
    "volumes": lambda v, p, c, project: _service_volumes(v, p, c, project.get("volumes", {})),
    "networks": lambda v, p, c, project: _service_networks(v, p, c, project.get("networks", {})),
    "network_mode": _pass(_network_mode),
    "depends_on": _pass(_depends_on),
    "healthcheck": _pass(_healthcheck),
    "restart": _pass(_restart),
    "container_name": _pass(_string),
    "hostname": _pass(_string),
    "domainname": _pass(_string),
    "working_dir": _pass(_string),
    "user": _pass(_string),
    "tmpfs": _pass(_string_or_list),
    "labels": _pass(_labels),
    "stop_signal": _pass(_string),
    "stop_grace_period": _pass(_duration),
    "init": _pass(_boolean),
    "read_only": _pass(_boolean),
    "cap_add": _pass(_string_list),
    "cap_drop": _pass(_string_list),
    "tty": _pass(_boolean),
    "stdin_open": _pass(_boolean),
    "extra_hosts": _pass(_extra_hosts),
    "dns": _pass(_string_or_list),
    "dns_search": _pass(_string_or_list),
    "deploy": _pass(_deploy),
    "mem_limit": _pass(_memory),
    "memswap_limit": _pass(_memory),
    "mem_reservation": _pass(_memory),
    "cpus": _pass(_cpus),
    "pids_limit": _pass(_integer),
    "scale": _pass(_scale),
    "profiles": _pass(_string_list),
    "secrets": lambda v, p, c, project: _service_files("secrets")(v, p, c, project.get("secrets", {})),
    "configs": lambda v, p, c, project: _service_files("configs")(v, p, c, project.get("configs", {})),
    "pull_policy": _pass(_string),
    "platform": _pass(_string),
}

# Keys of the compose specification that pysh does not carry out: an error names them
# rather than silently ignoring what the file asks for.
NOT_SUPPORTED = {"privileged", "links", "external_links", "devices", "ulimits", "sysctls", "pid", "ipc",
                 "userns_mode", "security_opt", "logging", "cgroup_parent", "shm_size",
                 "stop_timeout", "isolation", "group_add", "volumes_from", "runtime", "mac_address",
                 "blkio_config", "cpu_shares", "cpu_quota", "cpu_period", "cpuset", "oom_score_adj",
                 "develop", "attach", "annotations", "storage_opt", "uts", "cgroup", "post_start",
                 "pre_stop", "device_cgroup_rules", "credential_spec", "gpus", "oom_kill_disable",
                 "memswappiness", "cpu_count", "cpu_percent", "cpu_rt_runtime", "cpu_rt_period"}

TOP_LEVEL_KEYS = {"version", "name", "services", "networks", "volumes", "secrets", "configs", "include"}


def _no_extra(mapping: dict, allowed: set, path, context):
    for key in mapping:
        if key not in allowed and not str(key).startswith("x-"):
            context.fail(path, f'additional property "{key}" is not allowed', at=path + (key,))


_SERVICE_NAME = re.compile(r"^[a-zA-Z0-9._-]+$")


def normalize(document: dict, context: Context) -> dict:
    """The merged, interpolated document → the normalized model (a new dict)."""
    if not isinstance(document, dict):
        context.fail((), "the top level must be a mapping")
    for key in document:
        if key not in TOP_LEVEL_KEYS and not key.startswith("x-"):
            context.fail((key,), f'additional property "{key}" is not allowed')
    services = document.get("services") or {}
    _mapping(services, ("services",), context)
    model = {"name": context.project}
    model["networks"] = _top_resources(document.get("networks") or {}, "networks", context)
    model["volumes"] = _top_resources(document.get("volumes") or {}, "volumes", context)
    model["secrets"] = _top_files(document.get("secrets") or {}, "secrets", context)
    model["configs"] = _top_files(document.get("configs") or {}, "configs", context)
    declared = {"networks": dict(model["networks"], default={}), "volumes": model["volumes"],
                "secrets": model["secrets"], "configs": model["configs"]}
    model["services"] = {}
    for name in sorted(services):
        if not _SERVICE_NAME.match(name):
            context.fail(("services", name), "invalid service name (use letters, digits, . _ -)")
        model["services"][name] = _service(name, services[name], declared, context)
    _check_references(model, context)
    uses_default = any("networks" in service and "default" in service["networks"]
                       for service in model["services"].values())
    if uses_default and "default" not in model["networks"]:
        model["networks"]["default"] = {"name": f"{context.project}_default"}
    for key in ("networks", "volumes", "secrets", "configs"):
        if not model[key]:
            del model[key]
    return model


def _service(name: str, raw, declared: dict, context) -> dict:
    path = ("services", name)
    raw = {} if raw is None else _mapping(raw, path, context)
    service = {}
    for key, value in raw.items():
        if key.startswith("x-"):
            service[key] = value
            continue
        if key in NOT_SUPPORTED:
            context.fail(path + (key,), "not supported by pysh compose")
        check = SERVICE_KEYS.get(key)
        if check is None:
            context.fail(path, f'additional property "{key}" is not allowed', at=path + (key,))
        if value is None and key not in ("command", "entrypoint", "environment"):
            continue  # `key:` with nothing after it means "not set", as docker compose
        normalized = check(value, path + (key,), context, declared)
        if normalized is not None:
            service[key] = normalized
    if "image" not in service and "build" not in service:
        context.fail(path, "has neither an image nor a build context specified")
    if "env_file" in service:
        service["environment"] = _fold_env_files(service, path, context)
        del service["env_file"]
    if "network_mode" not in service and "networks" not in service:
        service["networks"] = {"default": None}
    if "network_mode" in service and "networks" in service:
        context.fail(path + ("network_mode",), '"network_mode" and "networks" cannot be combined')
    if "container_name" in service and replicas(service) > 1:
        context.fail(path + ("container_name",), "a service with a container_name cannot be scaled")
    return dict(sorted(service.items()))


def _fold_env_files(service: dict, path, context) -> dict:
    """env_file values first (later files win), then `environment:` over them."""
    from pyshell.compose.envfile import parse_env_file

    environment: dict = {}
    for entry in service["env_file"]:
        if not exists(entry["path"]):
            if entry["required"]:
                context.fail(path + ("env_file",), f'env file {entry["path"]} not found')
            continue
        environment.update(parse_env_file(entry["path"], context.lookup))
    environment.update(service.get("environment", {}))
    return environment


def _check_references(model: dict, context) -> None:
    services = model["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            if dependency not in services:
                context.fail(("services", name, "depends_on", dependency),
                             f'service "{name}" depends on undefined service "{dependency}"')
        mode = service.get("network_mode", "")
        if mode.startswith("service:") and mode[len("service:"):] not in services:
            context.fail(("services", name, "network_mode"),
                         f'service "{mode[len("service:"):]}" not found for network_mode')


# Top-level networks and volumes have one shape: a name (the project's prefix unless external),
# `external`, a driver with its options, labels; a network has a few flags and ipam besides.
_NETWORK_FLAGS = ("internal", "attachable", "enable_ipv6")
_RESOURCE_KEYS = {
    "networks": {"name", "external", "driver", "driver_opts", "labels", "ipam", *_NETWORK_FLAGS},
    "volumes": {"name", "external", "driver", "driver_opts", "labels"},
}


def _top_resources(entries, kind: str, context) -> dict:
    """Top-level `networks:` or `volumes:` → {key: {name, external?, ..., labels?, driver_opts?}}."""
    _mapping(entries, (kind,), context)
    result = {}
    for key, value in entries.items():
        path = (kind, key)
        value = {} if value is None else _mapping(value, path, context)
        _no_extra(value, _RESOURCE_KEYS[kind], path, context)
        external = value.get("external", False)
        if isinstance(external, dict):  # the old form external: {name: x}
            name = _string(external.get("name", key), path + ("external", "name"), context)
            external = True
        else:
            external = _boolean(external, path + ("external",), context)
            name = _string(value.get("name", key if external else f"{context.project}_{key}"),
                           path + ("name",), context)
        entry = {"name": name}
        if external:
            entry["external"] = True
        for flag in _NETWORK_FLAGS:
            if value.get(flag):
                entry[flag] = _boolean(value[flag], path + (flag,), context)
        if "driver" in value:
            entry["driver"] = _string(value["driver"], path + ("driver",), context)
        if "ipam" in value:
            entry["ipam"] = _mapping(value["ipam"], path + ("ipam",), context)
        if "labels" in value:
            entry["labels"] = _labels(value["labels"], path + ("labels",), context)
        if "driver_opts" in value:
            entry["driver_opts"] = _mapping(value["driver_opts"], path + ("driver_opts",), context)
        result[key] = entry
    return result


def _top_files(entries, kind: str, context) -> dict:
    _mapping(entries, (kind,), context)
    result = {}
    for key, value in entries.items():
        path = (kind, key)
        value = _mapping(value, path, context)
        _no_extra(value, {"name", "file", "environment", "content", "external"}, path, context)
        entry = {"name": _string(value.get("name", f"{context.project}_{key}"), path + ("name",), context)}
        if "file" in value:
            entry["file"] = context.absolute(_string(value["file"], path + ("file",), context))
        elif "environment" in value:
            entry["environment"] = _string(value["environment"], path + ("environment",), context)
        elif "content" in value and kind == "configs":
            entry["content"] = _string(value["content"], path + ("content",), context)
        else:
            context.fail(path, "needs a file (pysh supports file, environment and content sources)")
        result[key] = entry
    return result
