"""From the command line's options to a Project: find the files, read `.env`, choose the
project name, interpolate, resolve `extends`, merge, normalize, apply profiles.

The steps, in docker compose's order:

1. the files: every `-f`, else COMPOSE_FILE, else the first of compose.yaml, compose.yml,
   docker-compose.yaml, docker-compose.yml found in the working directory or a parent
   (with its `*.override.*` file beside it);
2. the project directory: --project-directory, else the first file's directory;
3. the interpolation environment: the process environment over the `--env-file`s (later
   wins), or over the project directory's `.env` when no --env-file is given;
4. the project name: -p, COMPOSE_PROJECT_NAME, top-level `name:`, the directory's name;
5. each file is interpolated on its own, `extends` resolved, then the files are merged;
6. the merged document is validated and normalized (normalize.py), then profiles choose
   the services that are enabled.
"""

from __future__ import annotations

import os
import re

from pyshell.compose import yamlsource
from pyshell.compose.envfile import parse_env_file
from pyshell.compose.errors import ComposeError
from pyshell.compose.interpolate import interpolate, interpolate_tree, InterpolationError
from pyshell.compose.merge import merge_documents, merge_service
from pyshell.compose.normalize import Context, normalize
from pyshell.record import Record

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class Options(Record):
    """The global options of `compose` (as docker compose's)."""

    files: tuple[str, ...] = ()
    project_name: str = ""
    project_directory: str = ""
    env_files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()


class Project:
    """A loaded project: its name, directory, files, and the normalized model."""

    def __init__(self, name, directory, files, model, environment, disabled):
        self.name = name
        self.directory = directory
        self.files = files
        self.model = model                # the normalized document (enabled services only)
        self.environment = environment    # the interpolation environment
        self.disabled = disabled          # services left out by profiles

    @property
    def services(self) -> dict:
        return self.model["services"]

    def service(self, name: str) -> dict:
        if name not in self.services:
            raise ComposeError(f"no such service: {name}")
        return self.services[name]


def load_project(options: Options, environ=None, cwd=None, warn=lambda message: None,
                 named_services=()) -> Project:
    environ = dict(os.environ if environ is None else environ)
    cwd = cwd or os.getcwd()
    files = find_files(options, environ, cwd)
    directory = os.path.abspath(os.path.join(cwd, options.project_directory)) \
        if options.project_directory else os.path.dirname(files[0])
    dotenv = _dotenv(options, environ, cwd, directory)

    def lookup(name):
        value = environ.get(name)
        return dotenv.get(name) if value is None else value

    sources = [yamlsource.load_file(path) for path in files]
    for source in sources:
        if not isinstance(source.data, dict):
            if source.data is None:
                raise ComposeError("empty compose file", where=source.filename)
            raise ComposeError("the top level must be a mapping", where=source.where(()))
        if "version" in source.data:
            warn(f"{source.filename}: the attribute `version` is obsolete, it will be ignored, "
                 "please remove it to avoid potential confusion")
        if "include" in source.data:
            raise ComposeError("include: is not supported by pysh compose (use several -f)",
                               where=source.where(("include",)))
    name = project_name(options, lookup, sources, directory)
    environment = {**dotenv, **environ}
    environment.setdefault("COMPOSE_PROJECT_NAME", name)

    documents = []
    for source in sources:
        data = interpolate_tree(source.data, environment.get, warn, where=source.where)
        data = resolve_extends(data, source, environment, warn)
        documents.append(data)
    merged = documents[0]
    for document in documents[1:]:
        merged = merge_documents(merged, document)

    def where(path):
        for source in reversed(sources):  # the last file that says something decides
            if tuple(path[:2]) in source.positions or tuple(path[:1]) in source.positions:
                if _has_path(source.data, path[:2]):
                    return source.where(path)
        return sources[0].where(path)

    context = Context(name, directory, environment.get, where)
    model = normalize(merged, context)
    disabled = apply_profiles(model, options.profiles or _profiles_from(environment), named_services)
    return Project(name, directory, files, model, environment, disabled)


def _has_path(data, path) -> bool:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return False
    return True


def find_files(options: Options, environ: dict, cwd: str) -> list[str]:
    if options.files:
        files = [os.path.abspath(os.path.join(cwd, path)) for path in options.files]
        for path in files:
            if not os.path.exists(path):
                raise ComposeError(f"open {path}: no such file or directory", status=14)
        return files
    if environ.get("COMPOSE_FILE"):
        separator = environ.get("COMPOSE_PATH_SEPARATOR", os.pathsep)
        return [os.path.abspath(os.path.join(cwd, path))
                for path in environ["COMPOSE_FILE"].split(separator) if path]
    directory = os.path.abspath(cwd)
    while True:
        for name in DEFAULT_FILES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                stem, extension = os.path.splitext(name)
                override = os.path.join(directory, f"{stem}.override{extension}")
                return [candidate] + ([override] if os.path.isfile(override) else [])
        parent = os.path.dirname(directory)
        if parent == directory:
            raise ComposeError("no configuration file provided: not found", status=14)
        directory = parent


def _dotenv(options: Options, environ: dict, cwd: str, directory: str) -> dict:
    """The values of --env-file (later wins) or of the project's .env, interpolated."""
    values: dict = {}

    def lookup(name):
        return environ.get(name, values.get(name))

    paths = [os.path.join(cwd, path) for path in options.env_files]
    if not paths and environ.get("COMPOSE_ENV_FILES"):
        paths = [os.path.join(cwd, path) for path in environ["COMPOSE_ENV_FILES"].split(",")]
    if not paths:
        default = os.path.join(directory, ".env")
        paths = [default] if os.path.isfile(default) else []
    for path in paths:
        values.update(parse_env_file(path, lookup))
    return values


def _profiles_from(environment: dict) -> tuple[str, ...]:
    text = environment.get("COMPOSE_PROFILES", "")
    return tuple(profile.strip() for profile in text.split(",") if profile.strip())


def project_name(options: Options, lookup, sources, directory: str) -> str:
    if options.project_name:
        return _checked_name(options.project_name, "-p")
    if lookup("COMPOSE_PROJECT_NAME"):
        return _checked_name(lookup("COMPOSE_PROJECT_NAME"), "COMPOSE_PROJECT_NAME")
    for source in reversed(sources):
        name = source.data.get("name")
        if name:
            try:
                text = interpolate(str(name), lookup)
            except InterpolationError as error:
                raise ComposeError(f"name: {error.message}", where=source.where(("name",))) from None
            return _checked_name(text, "name", source.where(("name",)))
    # from a directory name: lower case, only the allowed characters (as docker compose)
    base = re.sub(r"[^a-z0-9_-]", "", os.path.basename(directory).lower()).lstrip("_-")
    if not base:
        raise ComposeError(f"cannot make a project name from the directory {directory!r}: use -p")
    return base


def _checked_name(name: str, origin: str, where: str = "") -> str:
    if not _PROJECT_NAME.match(name):
        raise ComposeError(f'invalid project name "{name}" ({origin}): it must contain only lowercase '
                           "letters, digits, dashes and underscores, and start with a letter or digit",
                           where=where)
    return name


def resolve_extends(document: dict, source, environment: dict, warn, seen=()) -> dict:
    """Replace each service's `extends` by the service it names, merged under it."""
    services = document.get("services")
    if not isinstance(services, dict):
        return document
    resolved = {}

    def resolve(name, chain):
        if name in resolved:
            return resolved[name]
        service = services.get(name)
        if not isinstance(service, dict) or "extends" not in service:
            return service
        if name in chain:
            raise ComposeError(f"circular extends: {' -> '.join(chain + (name,))}",
                               where=source.where(("services", name, "extends")))
        extends = service["extends"]
        if isinstance(extends, str):
            extends = {"service": extends}
        if not isinstance(extends, dict) or "service" not in extends:
            raise ComposeError(f"services.{name}.extends: needs a service",
                               where=source.where(("services", name, "extends")))
        own = {key: value for key, value in service.items() if key != "extends"}
        if "file" in extends:
            base_file = os.path.join(os.path.dirname(source.filename), str(extends["file"]))
            key = (os.path.abspath(base_file), extends["service"])
            if key in seen:
                raise ComposeError(f"circular extends of {extends['service']} in {base_file}")
            other = yamlsource.load_file(base_file)
            data = interpolate_tree(other.data or {}, environment.get, warn, where=other.where)
            data = resolve_extends(data, other, environment, warn, seen + (key,))
            base = (data.get("services") or {}).get(extends["service"])
            base = _rebased(base, os.path.dirname(base_file), os.path.dirname(source.filename))
        else:
            if extends["service"] not in services:
                raise ComposeError(f'services.{name}.extends: cannot extend service "{name}": '
                                   f'service "{extends["service"]}" not found',
                                   where=source.where(("services", name, "extends")))
            base = resolve(extends["service"], chain + (name,))
        if not isinstance(base, dict):
            raise ComposeError(f'services.{name}.extends: service "{extends["service"]}" not found',
                               where=source.where(("services", name, "extends")))
        base = {key: value for key, value in base.items() if key not in ("depends_on",)} \
            if "file" in extends else base
        resolved[name] = merge_service(base, own)
        return resolved[name]

    new_services = {name: resolve(name, ()) for name in services}
    return {**document, "services": new_services}


def _rebased(service, from_directory: str, to_directory: str):
    """Relative paths of a service taken from another file start in that file's directory."""
    if not isinstance(service, dict):
        return service
    def fix(path):
        if isinstance(path, str) and not path.startswith(("/", "~")):
            return "./" + os.path.relpath(os.path.join(from_directory, path), to_directory)
        return path
    service = dict(service)
    if isinstance(service.get("build"), str):
        service["build"] = fix(service["build"])
    elif isinstance(service.get("build"), dict) and "context" in service["build"]:
        service["build"] = {**service["build"], "context": fix(service["build"]["context"])}
    if isinstance(service.get("env_file"), str):
        service["env_file"] = fix(service["env_file"])
    elif isinstance(service.get("env_file"), list):
        service["env_file"] = [fix(item) if isinstance(item, str) else
                               {**item, "path": fix(item.get("path"))} for item in service["env_file"]]
    if isinstance(service.get("volumes"), list):
        volumes = []
        for item in service["volumes"]:
            if isinstance(item, str) and item.startswith("."):
                source, _, rest = item.partition(":")
                item = f"{fix(source)}:{rest}"
            volumes.append(item)
        service["volumes"] = volumes
    return service


def apply_profiles(model: dict, profiles, named_services=()) -> list[str]:
    """Remove the services no active profile enables; the named ones (and what they depend
    on) stay. Returns the names removed."""
    services = model["services"]
    active = set(profiles)
    for name in named_services:
        if name not in services:
            raise ComposeError(f"no such service: {name}")
    enabled = {name for name, service in services.items()
               if not service.get("profiles") or "*" in active or active & set(service["profiles"])}
    pending = list(named_services)
    while pending:
        name = pending.pop()
        if name not in enabled or name in named_services:
            enabled.add(name)
            pending.extend(dep for dep in services[name].get("depends_on", {}) if dep not in enabled)
    disabled = sorted(set(services) - enabled)
    for name in sorted(enabled):
        for dependency, condition in services[name].get("depends_on", {}).items():
            if dependency in disabled and condition.get("required", True):
                raise ComposeError(f'service "{name}" depends on undefined service "{dependency}": '
                                   f'it is in a profile that is not active')
    for name in disabled:
        del services[name]
    return disabled
