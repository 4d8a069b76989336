"""Merging several compose files (`-f a.yml -f b.yml`, and `extends`), by the spec's rules
(compose-spec 13-merge.md), on the raw documents after interpolation.

- mappings merge key by key, the later file winning for plain values;
- environment, labels, build.args, depends_on, networks of a service: list or map forms are
  merged as maps by key;
- volumes, secrets and configs of a service merge by target path, ports append without
  repeats; command, entrypoint and healthcheck.test are replaced whole;
- other lists (dns, cap_add, tmpfs, profiles, env_file, expose...) append without repeats.

A later file can say "not merged" with a YAML tag (yamlsource.py): `!reset` removes what the
files before it said at that path, `!override` puts its own value in its place. Both first
drop the path from the earlier result (drop_paths); the ordinary merge then does the rest,
since a !reset key is not in the later file at all.
"""

from __future__ import annotations

_AS_MAP = {"environment", "labels", "args", "depends_on", "networks", "extra_hosts_map", "sysctls"}
_REPLACED = {"command", "entrypoint", "test"}
_BY_TARGET = {"volumes", "secrets", "configs"}


def drop_paths(data, paths):
    """``data`` (a new value) without what it has at each of ``paths``."""
    for path in paths:
        data = _drop(data, tuple(path))
    return data


def _drop(data, path):
    key, rest = path[0], path[1:]
    if isinstance(data, dict) and key in data:
        if not rest:
            return {name: value for name, value in data.items() if name != key}
        return {**data, key: _drop(data[key], rest)}
    if isinstance(data, list) and not rest:
        # environment, labels, depends_on... in their list form: `K=V` or `K` stands for K
        return [item for item in data
                if not (isinstance(item, str) and (item == key or item.startswith(f"{key}=")))]
    return data


def merge_documents(base: dict, override: dict) -> dict:
    result = dict(base)
    for key, value in override.items():
        if key == "services" and isinstance(value, dict) and isinstance(base.get(key), dict):
            services = dict(base[key])
            for name, service in value.items():
                old = services.get(name)
                services[name] = merge_service(old, service) if isinstance(old, dict) and \
                    isinstance(service, dict) else service
            result[key] = services
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            result[key] = _merge_maps(base[key], value)
        else:
            result[key] = value
    return result


def merge_service(base: dict, override: dict) -> dict:
    result = dict(base)
    for key, value in override.items():
        old = result.get(key)
        if old is None:
            result[key] = value
        elif key in _REPLACED:
            result[key] = value
        elif key == "build":
            result[key] = _merge_maps(_build_map(old), _build_map(value))
        elif key in _AS_MAP and isinstance(value, (list, dict)):
            result[key] = _as_map(old) | _as_map(value)
        elif key in _BY_TARGET and isinstance(old, list) and isinstance(value, list):
            merged = {_target_of(item): item for item in old}
            merged.update({_target_of(item): item for item in value})
            result[key] = list(merged.values())
        elif isinstance(old, list) and isinstance(value, list):
            result[key] = old + [item for item in value if item not in old]
        elif isinstance(old, dict) and isinstance(value, dict):
            result[key] = _merge_maps(old, value)
        else:
            result[key] = value
    return result


def _merge_maps(base: dict, override: dict) -> dict:
    result = dict(base)
    for key, value in override.items():
        old = result.get(key)
        if key in _REPLACED:
            result[key] = value
        elif key in _AS_MAP and isinstance(old, (list, dict)) and isinstance(value, (list, dict)):
            result[key] = _as_map(old) | _as_map(value)
        elif isinstance(old, dict) and isinstance(value, dict):
            result[key] = _merge_maps(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            result[key] = old + [item for item in value if item not in old]
        else:
            result[key] = value
    return result


def _build_map(value):
    return {"context": value} if isinstance(value, str) else value


def _as_map(value) -> dict:
    """A list form (K=V, or names for depends_on/networks) as the equivalent map."""
    if isinstance(value, dict):
        return dict(value)
    result = {}
    for item in value:
        text = str(item)
        if "=" in text:
            key, _, rest = text.partition("=")
            result[key] = rest
        else:
            result[text] = None
    return result


def _target_of(item):
    """The mount point a volume/secret entry is keyed by when files are merged."""
    if isinstance(item, dict):
        return item.get("target") or item.get("source")
    parts = str(item).split(":")
    if len(parts) == 1:
        return parts[0]
    return parts[1]
