"""A loaded project, and the choice of its services by profiles: what a command needs of a
load, without the loading itself (load.py, which imports YAML). A cache hit (cache.py)
makes its Project with this module alone."""

from __future__ import annotations

from pyshell.compose.errors import ComposeError
from pyshell.record import Record


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


class Loaded(Record):
    """What loading the files gives, before profiles choose the services: those depend on
    the command too (the services it names are enabled whatever their profiles)."""

    name: str
    directory: str
    files: list
    model: dict     # the normalized document, every service in it
    dotenv: dict    # the values of the project's .env or --env-files


def finished(loaded: Loaded, options: Options, environ, named_services=()) -> Project:
    """The Project: ``loaded`` with the services no active profile enables taken out."""
    environment = {**loaded.dotenv, **environ}
    environment.setdefault("COMPOSE_PROJECT_NAME", loaded.name)
    disabled = apply_profiles(loaded.model, options.profiles or profiles_from(environment), named_services)
    return Project(loaded.name, loaded.directory, loaded.files, loaded.model, environment, disabled)


def profiles_from(environment: dict) -> tuple[str, ...]:
    text = environment.get("COMPOSE_PROFILES", "")
    return tuple(profile.strip() for profile in text.split(",") if profile.strip())


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


def replicas(service: dict) -> int:
    """How many containers a service wants: its scale, else deploy.replicas, else one."""
    if "scale" in service:
        return service["scale"]
    return service.get("deploy", {}).get("replicas", 1)
