"""From the command line's options to a Project: find the files, read `.env`, choose the
project name, interpolate, resolve `extends` and `include`, merge, normalize, apply profiles.

The steps, in docker compose's order:

1. the files: every `-f`, else COMPOSE_FILE, else the first of compose.yaml, compose.yml,
   docker-compose.yaml, docker-compose.yml found in the working directory or a parent
   (with its `*.override.*` file beside it);
2. the project directory: --project-directory, else the first file's directory;
3. the interpolation environment: the process environment over the `--env-file`s (later
   wins), or over the project directory's `.env` when no --env-file is given;
4. the project name: -p, COMPOSE_PROJECT_NAME, top-level `name:`, the directory's name;
5. each file is interpolated on its own, its `extends` resolved, the projects its `include:`
   names loaded (each as a project of its own) and their resources copied in, then it is
   merged over the files before it, after dropping what its `!reset`/`!override` tags replace;
6. the merged document is validated and normalized (normalize.py), then profiles choose
   the services that are enabled.
"""

from __future__ import annotations

import os
import re

from pyshell.compose import yamlsource
from pyshell.compose.envfile import parse_env_file
from pyshell.compose.errors import ComposeError
from pyshell.compose.interpolate import dotted_path, interpolate, interpolate_tree, InterpolationError
from pyshell.compose.merge import drop_paths, merge_documents, merge_service
from pyshell.compose.inputs import Environment, expand_user, exists, is_file
from pyshell.compose.normalize import Context, normalize
from pyshell.compose.project import Loaded, Options, Project, finished

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def load_project(options: Options, environ=None, cwd=None, warn=lambda message: None,
                 named_services=()) -> Project:
    environ = os.environ if environ is None else environ
    return finished(load_files(options, environ, cwd, warn), options, environ, named_services)


def load_files(options: Options, environ, cwd=None, warn=lambda message: None) -> Loaded:
    """Steps 1 to 6 but the profiles. Every file, variable and home directory it consults
    is asked through inputs.py (cache.py records them)."""
    environ = Environment(environ)
    cwd = cwd or os.getcwd()
    files = find_files(options, environ, cwd)
    directory = os.path.abspath(os.path.join(cwd, options.project_directory)) \
        if options.project_directory else os.path.dirname(files[0])
    dotenv = _dotenv(options, environ, cwd, directory)

    def lookup(name):
        value = environ.get(name)
        return dotenv.get(name) if value is None else value

    sources = [read_source(path, warn) for path in files]
    name = project_name(options, lookup, sources, directory)
    environment = Environment({**dotenv, **environ})
    environment.setdefault("COMPOSE_PROJECT_NAME", name)
    merged, read = load_documents(sources, directory, environment, warn)

    def where(path):
        return where_in(read, path, default=sources[0])

    context = Context(name, directory, environment.get, where)
    return Loaded(name, directory, files, normalize(merged, context), dotenv)


def read_source(path: str, warn) -> yamlsource.Source:
    source = yamlsource.load_file(path)
    if not isinstance(source.data, dict):
        if source.data is None:
            raise ComposeError("empty compose file", where=source.filename)
        raise ComposeError("the top level must be a mapping", where=source.where(()))
    if "version" in source.data:
        warn(f"{source.filename}: the attribute `version` is obsolete, it will be ignored, "
             "please remove it to avoid potential confusion")
    return source


def load_documents(sources, directory: str, environment: dict, warn, chain=()):
    """Step 5 for one project: each file interpolated, its `extends` resolved and its
    `include`s imported, then merged over the files before it. Returns the merged document
    and every Source read on the way (included files too: errors find their positions)."""
    merged: dict = {}
    read = []
    for source in sources:
        data = interpolate_tree(source.data, environment.get, warn, where=source.where)
        data = resolve_extends(data, source, environment, warn)
        data, included = apply_include(data, source, directory, environment, warn,
                                       chain + (source.filename,))
        read += included + [source]
        merged = merge_documents(drop_paths(merged, source.replaces), data)
    return merged, read


def where_in(sources, path, default) -> str:
    """The position of ``path``: in the last file that says something about it."""
    for source in reversed(sources):
        if tuple(path[:2]) in source.positions or tuple(path[:1]) in source.positions:
            if _has_path(source.data, path[:2]):
                return source.where(path)
    return default.where(path)


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
            if not exists(path):
                raise ComposeError(f"open {path}: no such file or directory", status=14)
        return files
    if environ.get("COMPOSE_FILE"):
        separator = environ.get("COMPOSE_PATH_SEPARATOR", os.pathsep)
        return [os.path.abspath(os.path.join(cwd, path))
                for path in environ["COMPOSE_FILE"].split(separator) if path]
    # docker compose v2 (compose-go's WithDefaultConfigPath) looks from --project-directory if given
    directory = os.path.abspath(os.path.join(cwd, options.project_directory or "."))
    while True:
        for name in DEFAULT_FILES:
            candidate = os.path.join(directory, name)
            if is_file(candidate):
                stem, extension = os.path.splitext(name)
                override = os.path.join(directory, f"{stem}.override{extension}")
                return [candidate] + ([override] if is_file(override) else [])
        parent = os.path.dirname(directory)
        if parent == directory:
            raise ComposeError("no configuration file provided: not found", status=14)
        directory = parent


def _dotenv(options: Options, environ: dict, cwd: str, directory: str) -> dict:
    """The values of --env-file (later wins) or of the project's .env, interpolated."""
    paths = [os.path.join(cwd, path) for path in options.env_files]
    if not paths and environ.get("COMPOSE_ENV_FILES"):
        paths = [os.path.join(cwd, path) for path in environ["COMPOSE_ENV_FILES"].split(",")]
    if not paths:
        default = os.path.join(directory, ".env")
        paths = [default] if is_file(default) else []
    return read_env_files(paths, environ)


def read_env_files(paths, environ: dict) -> dict:
    """The values of env files, a later file winning; ``environ`` wins inside them too."""
    values: dict = {}

    def lookup(name):
        return environ.get(name, values.get(name))

    for path in paths:
        values.update(parse_env_file(path, lookup))
    return values


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
        # the service's own !reset / !override apply to what it inherits, as to earlier files
        prefix = ("services", name)
        base = drop_paths(base, [path[2:] for path in source.replaces
                                 if path[:2] == prefix and len(path) > 2])
        resolved[name] = merge_service(base, own)
        return resolved[name]

    new_services = {name: resolve(name, ()) for name in services}
    return {**document, "services": new_services}


def _rebased(service, from_directory: str, to_directory: str):
    """Relative paths of a service taken from another file start in that file's directory."""
    return _with_paths_fixed(
        service, lambda path: "./" + os.path.relpath(os.path.join(from_directory, path), to_directory))


def _with_paths_fixed(service, fix):
    """The service with ``fix`` applied to each relative path in it (build context,
    env_file, bind mount sources): the keys whose paths normalize.py resolves."""
    if not isinstance(service, dict):
        return service

    def fixed(path):
        return fix(path) if isinstance(path, str) and not path.startswith(("/", "~")) else path

    service = dict(service)
    build = service.get("build")
    if isinstance(build, str):
        service["build"] = fixed(build)
    elif isinstance(build, dict) and "context" in build:
        service["build"] = {**build, "context": fixed(build["context"])}
    def fixed_env_file(item):
        if isinstance(item, dict) and "path" in item:
            return {**item, "path": fixed(item["path"])}
        return fixed(item)

    env_files = service.get("env_file")
    if isinstance(env_files, list):
        service["env_file"] = [fixed_env_file(item) for item in env_files]
    elif env_files is not None:
        service["env_file"] = fixed_env_file(env_files)
    if isinstance(service.get("volumes"), list):
        volumes = []
        for item in service["volumes"]:
            if isinstance(item, str) and item.startswith(".") and ":" in item:
                source, _, rest = item.partition(":")
                item = f"{fixed(source)}:{rest}"
            elif isinstance(item, dict) and item.get("type") == "bind" and "source" in item:
                item = {**item, "source": fixed(item["source"])}
            volumes.append(item)
        service["volumes"] = volumes
    return service


# ------------------------------------------------------------------ include

IMPORTED = ("services", "volumes", "networks", "secrets", "configs")


def apply_include(document: dict, source, directory: str, environment: dict, warn, chain):
    """Load each project that `include:` names as a project of its own (its directory, its
    .env) and copy its resources into ``document``; a resource the document already has,
    differently, is an error (compose-spec 14-include.md, as docker compose v2 does).

    Relative paths in an `include` entry start in the including project's directory.
    Returns the new document and the Sources read."""
    if "include" not in document:
        return document, []
    entries = document["include"]
    if entries is None:  # `include:` with nothing under it
        entries = []
    if not isinstance(entries, list):
        raise ComposeError("include: must be a list (of paths or of {path, project_directory, "
                           "env_file})", where=source.where(("include",)))
    document = {key: value for key, value in document.items() if key != "include"}
    read = []
    for index, entry in enumerate(entries):
        here = ("include", index)
        paths, project_directory, env_files = _include_entry(entry, here, source, directory)
        if paths[0] in chain:
            raise ComposeError(f"include cycle: {' -> '.join(chain + (paths[0],))}",
                               where=source.where(here))
        # the included project's env files give defaults; the including project's values win
        included_environment = Environment({**read_env_files(env_files, environment), **environment})
        included = [read_source(path, warn) for path in paths]
        model, sources = load_documents(included, project_directory, included_environment,
                                        warn, chain)
        read += sources
        model = _resolved_in(model, project_directory, included_environment)
        for kind in IMPORTED:
            resources = model.get(kind) or {}
            if not isinstance(resources, dict):
                raise ComposeError(f"{kind}: must be a mapping",
                                   where=where_in(sources, (kind,), default=included[0]))
            document = _imported(document, kind, resources, source, here)
    return document, read


def _imported(document: dict, kind: str, resources: dict, source, here) -> dict:
    """``document`` with the included ``resources`` of one kind added; the same name with
    another definition is an error (docker compose v2 merges nothing across an include)."""
    mine = document.get(kind) or {}
    if not resources or not isinstance(mine, dict):
        return document  # normalize reports a document's own wrong shape
    mine = dict(mine)
    for name, resource in resources.items():
        if name in mine and mine[name] != resource:
            at = (kind, name) if _has_path(source.data, (kind, name)) else here
            raise ComposeError(f"{kind}.{name} conflicts with imported resource",
                               where=source.where(at))
        mine[name] = resource
    return {**document, kind: mine}


def _include_entry(entry, here, source, directory: str):
    """One `include:` item (a path, or {path, project_directory, env_file}) → the files,
    the included project's directory and its env files, all absolute and checked."""
    def fail(message, at=here):
        raise ComposeError(f"{dotted_path(at)}: {message}", where=source.where(at))

    def strings(value, at):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(item, str) for item in items):
            fail("must be a string or a list of strings", at)
        return [os.path.normpath(os.path.join(directory, expand_user(item))) for item in items]

    if isinstance(entry, str):
        entry = {"path": entry}
    if not isinstance(entry, dict):
        fail("must be a path or a mapping")
    for key in entry:
        if key not in ("path", "project_directory", "env_file"):
            fail(f'additional property "{key}" is not allowed', here + (key,))
    if "path" not in entry:
        fail("path is required")
    paths = strings(entry["path"], here + ("path",))
    for path in paths:
        if not is_file(path):
            fail(f"open {path}: no such file or directory", here + ("path",))
    if "project_directory" in entry:
        if not isinstance(entry["project_directory"], str):
            fail("must be a string", here + ("project_directory",))
        project_directory = strings(entry["project_directory"], here + ("project_directory",))[0]
    else:
        project_directory = os.path.dirname(paths[0])
    if "env_file" in entry:
        env_files = strings(entry["env_file"], here + ("env_file",))
        for path in env_files:
            if not is_file(path):
                fail(f"env file {path} not found", here + ("env_file",))
    else:
        default = os.path.join(project_directory, ".env")
        env_files = [default] if is_file(default) else []
    return paths, project_directory, env_files


def _resolved_in(model: dict, directory: str, environment: dict) -> dict:
    """What an included model means in its own project, made explicit before it joins
    another: relative paths absolute from its directory, bare `environment:` keys given
    their values from its environment (which has its env files in it)."""
    def absolute(path):
        return os.path.normpath(os.path.join(directory, path))

    model = dict(model)
    if isinstance(model.get("services"), dict):
        model["services"] = {name: _with_bare_keys_filled(_with_paths_fixed(service, absolute), environment)
                             for name, service in model["services"].items()}
    for kind in ("secrets", "configs"):
        if isinstance(model.get(kind), dict):
            model[kind] = {name: {**entry, "file": absolute(entry["file"])}
                           if isinstance(entry, dict) and isinstance(entry.get("file"), str)
                           and not entry["file"].startswith(("/", "~")) else entry
                           for name, entry in model[kind].items()}
    return model


def _with_bare_keys_filled(service, environment: dict):
    """`environment: [KEY]` takes KEY's value from the environment of the service's project."""
    if not isinstance(service, dict) or not isinstance(service.get("environment"), (list, dict)):
        return service
    values = service["environment"]
    if isinstance(values, dict):
        values = {key: environment.get(key) if value is None else value for key, value in values.items()}
    else:
        values = [f"{item}={environment[item]}" if isinstance(item, str) and "=" not in item
                  and item in environment else item for item in values]
    return {**service, "environment": values}
