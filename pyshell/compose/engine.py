"""The work of each compose command, on contain's library (pyshell.contain.api) only.

As docker compose's pkg/compose: it never prints. It reports steps to a Progress
(` ✔ Container p-web-1  Started`) and gives container output to a LogPrinter; the CLI
chose both. What exists is always read back from contain (containers by their labels),
so two `up`s in a row, or an `up` after a crash, find the same state.

`up` walks the dependency graph twice, one thread per service, as docker compose v2: every
container is made first, then each service starts when what it depends on has met its
condition (started, healthy, completed successfully), so independent services start in
parallel; `down` walks the same graph the other way.
"""

from __future__ import annotations

import os
import threading
import time

from pyshell.compose import plan, specs
from pyshell.compose.errors import ComposeError
from pyshell.compose.output import LogPrinter
from pyshell.record import Record


def _api():
    from pyshell.contain import api  # the one door into contain

    return api


class UpOptions(Record):
    services: tuple[str, ...] = ()
    detach: bool = False
    build: bool = False
    no_build: bool = False
    force_recreate: bool = False
    no_recreate: bool = False
    no_deps: bool = False
    remove_orphans: bool = False
    wait: bool = False
    wait_timeout: float | None = None
    abort_on_exit: bool = False
    abort_on_failure: bool = False
    exit_code_from: str = ""
    no_start: bool = False
    scale: dict = {}
    timeout: float | None = None
    colour: bool = False
    log_prefix: bool = True
    pull: str = "missing"           # always | missing | never
    attach_dependencies: bool = False


class RunOptions(Record):
    service: str
    argv: tuple[str, ...] = ()
    remove: bool = False
    detach: bool = False
    env: tuple[str, ...] = ()
    no_deps: bool = False
    volumes: tuple[str, ...] = ()
    publish: tuple[str, ...] = ()
    entrypoint: str | None = None
    name: str = ""
    user: str = ""
    workdir: str = ""
    tty: bool = False
    service_ports: bool = False
    labels: tuple[str, ...] = ()


def image_name(project, service_name: str) -> str:
    """The image a service runs: `image:`, or `<project>-<service>` built from `build:`."""
    service = project.services[service_name]
    return service.get("image") or f"{project.name}-{service_name}"


class Engine:
    def __init__(self, project, progress, home=None):
        self.project = project
        self.progress = progress
        self.home = home
        self.api = _api()
        # contain's create() writes temporary files named by pid: two threads of one process
        # must not create at the same moment (starting, the slow part, stays parallel).
        self.create_lock = threading.Lock()
        self.log_offsets: dict[str, int] = {}

    def _log_size(self, container: str) -> int:
        return sum(len(chunk) for chunk in self.api.logs(container, home=self.home))

    # ------------------------------------------------------------ what exists

    def containers(self, all: bool = True, services=(), oneoff: bool = False) -> list:
        """The project's containers (by label), sorted by service and number."""
        found = self.api.list_containers(all=all, labels={plan.PROJECT_LABEL: self.project.name},
                                         home=self.home)
        result = []
        for info in found:
            labels = info.labels
            if (labels.get(plan.ONEOFF_LABEL) == "True") != oneoff and not (oneoff is None):
                continue
            if services and labels.get(plan.SERVICE_LABEL) not in services:
                continue
            result.append(info)
        return sorted(result, key=lambda info: (info.labels.get(plan.SERVICE_LABEL, ""),
                                                int(info.labels.get(plan.NUMBER_LABEL, "0") or 0)))

    def observed(self) -> list[plan.Observed]:
        return [plan.Observed(info.name, info.labels.get(plan.SERVICE_LABEL, ""),
                              int(info.labels.get(plan.NUMBER_LABEL, "0") or 0),
                              info.labels.get(plan.HASH_LABEL, ""), info.state == "running",
                              info.labels.get(plan.ONEOFF_LABEL) == "True")
                for info in self.containers(all=True, oneoff=None)]

    # ------------------------------------------------------------ images

    def ensure_images(self, names, build: bool = False, no_build: bool = False, pull: str = "missing") -> dict[str, str]:
        """The image id of each service, building or pulling what is missing (or, with
        ``pull`` "always", pulling images that are not built anyway)."""
        ids = {}
        known = {}  # reference → image: services that share an image look it up (or pull it) once
        for name in names:
            service = self.project.services[name]
            reference = image_name(self.project, name)
            if "build" not in service and reference in known:
                ids[name] = known[reference].id
                continue
            found = self._find_image(reference)
            if "build" in service and not no_build and (build or found is None):
                found = self._build(name)
            elif "build" not in service and pull == "always":
                found = self._pull(name, reference)
            elif found is None:
                if "build" in service:
                    raise ComposeError(f'service "{name}": image {reference} is not built (--no-build given)')
                if pull == "never":
                    raise ComposeError(f'service "{name}": no such image: {reference} (--pull never)')
                found = self._pull(name, reference)
            known[reference] = found
            ids[name] = found.id
        return ids

    def _find_image(self, reference: str):
        try:
            return self.api.image(reference, home=self.home)
        except self.api.ContainerError:
            return None

    def _pull(self, name: str, reference: str):
        self.progress.event("Image", reference, "Pulling")
        try:
            found = self.api.pull(reference, home=self.home)
        except self.api.ContainerError as error:
            self.progress.event("Image", reference, "Error", error=True)
            raise ComposeError(f'service "{name}": image {reference} is not here and cannot be pulled: '
                               f'{error.message}', status=error.status or 1) from None
        self.progress.event("Image", reference, "Pulled")
        return found

    def _build(self, name: str, no_cache: bool = False, extra_args=()):
        from pathlib import Path

        build = self.project.services[name]["build"]
        reference = image_name(self.project, name)
        args = {key: value for key, value in build.get("args", {}).items() if value is not None}
        args.update(dict(item.split("=", 1) for item in extra_args if "=" in item))
        dockerfile = Path(build["context"]) / build["dockerfile"]
        self.progress.event("Service", name, "Building")
        try:
            options = self.api.build_options(context=Path(build["context"]), dockerfile=dockerfile,
                                             tags=(reference,), build_args=args, no_cache=no_cache,
                                             target=build.get("target"), quiet=True)
            image = self.api.build(options, home=self.home)
        except self.api.ContainerError as error:
            raise ComposeError(f'service "{name}" failed to build: {error.message}') from None
        self.progress.event("Service", name, "Built")
        return image if hasattr(image, "id") else self.api.image(reference, home=self.home)

    # ------------------------------------------------------------ volumes

    def named_volumes(self, names) -> set[str]:
        """The keys of the named volumes the services mount."""
        return {volume["source"] for name in names for volume in self.project.services[name].get("volumes", ())
                if volume["type"] == "volume" and volume.get("source")}

    def ensure_volumes(self, names, event=None) -> None:
        """Create the named volumes the services use; ``event`` (the Progress's by default) reports it."""
        event = event or self.progress.event
        used = self.named_volumes(names)
        if not used:
            return
        existing = {volume.name for volume in self.api.volumes(home=self.home)}
        for key in sorted(used):
            declared = self.project.model["volumes"][key]
            if declared.get("external"):
                if declared["name"] not in existing:
                    raise ComposeError(f'external volume "{declared["name"]}" not found')
                continue
            if declared["name"] not in existing:
                self.api.create_volume(declared["name"], home=self.home)
                event("Volume", f'"{declared["name"]}"', "Created")

    # ------------------------------------------------------------ containers

    def create_container(self, name: str, number: int, container: str, config_hash: str, image_id: str,
                         oneoff: bool = False, overrides: dict | None = None):
        service = self.project.services[name]
        labels = specs.compose_labels(self.project, name, number, config_hash, image_id, oneoff)
        fields = specs.spec_fields(self.api, self.project, name, container, self.home)
        fields.update(overrides or {})
        try:
            spec = self.api.default_spec(image_name(self.project, name), home=self.home, check=False, **fields)
            spec = specs.finish_spec(spec, service, labels)
            spec = spec.replace(healthcheck=specs.healthcheck(self.api, service, spec.healthcheck),
                                **self.api.network_fields(specs.network_flags(self.project, name, self._names_of),
                                                          spec.exposed))
            self.api.validate(spec)
            with self.create_lock:
                return self.api.create(spec, home=self.home)
        except self.api.ContainerError as error:
            raise ComposeError(f"container {container}: {error.message}", status=1) from None

    def _names_of(self, service_name: str) -> list[str]:
        return [info.name for info in self.containers(all=True, services=(service_name,))]

    def start_container(self, container: str, service_name: str | None = None) -> None:
        try:
            self.api.start(container, home=self.home)
            service = self.project.services.get(service_name) if service_name else None
            for key in specs.service_networks(service)[1:] if service and "networks" in service else ():
                settings = service["networks"][key] or {}  # the first one came with the container
                self.api.connect_network(self.project.model["networks"][key]["name"], container,
                                         aliases=(service_name, *settings.get("aliases", ())),
                                         ip=settings.get("ipv4_address", ""), home=self.home)
        except self.api.ContainerError as error:
            raise ComposeError(f"container {container}: {error.message}", status=1) from None

    # ------------------------------------------------------------ networks

    def ensure_networks(self, names) -> None:
        """Create the project's networks the services use (labelled, so `down` finds them)."""
        self.create_networks(self.missing_networks(names))

    def missing_networks(self, names) -> list[str]:
        """The networks (keys) the services use that are not there yet; an external one
        that is not there is an error."""
        used = sorted({key for name in names for key in self.project.services[name].get("networks", {})})
        missing = []
        for key in used:
            declared = self.project.model["networks"][key]
            try:
                self.api.find_network(declared["name"], home=self.home)
            except self.api.ContainerError:
                if declared.get("external"):
                    raise ComposeError(f'network {declared["name"]} declared as external, but could not be found')
                missing.append(key)
        return missing

    def create_networks(self, keys) -> None:
        for key in keys:
            declared = self.project.model["networks"][key]
            ipam = (declared.get("ipam") or {}).get("config") or [{}]
            self.progress.event("Network", declared["name"], "Creating")
            try:
                self.api.create_network(declared["name"], subnet=ipam[0].get("subnet", ""),
                                        gateway=ipam[0].get("gateway", ""), internal=bool(declared.get("internal")),
                                        labels={plan.PROJECT_LABEL: self.project.name, plan.NETWORK_LABEL: key,
                                                **declared.get("labels", {})}, home=self.home)
            except self.api.ContainerError as error:
                raise ComposeError(f'network {declared["name"]}: {error.message}') from None
            self.progress.event("Network", declared["name"], "Created")

    def remove_networks(self) -> None:
        for network in self.api.networks(home=self.home):
            labels = network.labels or {}
            if labels.get(plan.PROJECT_LABEL) == self.project.name:
                self.progress.event("Network", network.name, "Removing")
                try:
                    self.api.remove_network(network.name, home=self.home)
                except self.api.ContainerError as error:
                    self.progress.message(f"WARN[0000] network {network.name}: {error.message}")
                    continue
                self.progress.event("Network", network.name, "Removed")

    def stop_container(self, container: str, service_name: str | None, timeout: float | None) -> None:
        service = self.project.services.get(service_name, {}) if service_name else {}
        self.api.stop(container, timeout=specs.stop_timeout(service, timeout), home=self.home)

    # ------------------------------------------------------------ up

    def up(self, options: UpOptions, stream) -> int:
        services = self.project.services
        selected = list(options.services) or sorted(services)
        order = selected if options.no_deps else plan.start_order(services, selected)
        order = plan.start_order({name: services[name] for name in order}, None) if options.no_deps else order
        image_ids = self.ensure_images(order, build=options.build, no_build=options.no_build, pull=options.pull)
        hashes = {name: plan.config_hash(services[name], image_ids[name]) for name in order}
        observed = self.observed()
        for orphan in plan.orphans(services, observed):
            if options.remove_orphans:
                self.api.remove(orphan.name, force=True, home=self.home)
                self.progress.event("Container", orphan.name, "Removed")
        orphans = [o.name for o in plan.orphans(services, observed)]
        if orphans and not options.remove_orphans:
            self.progress.message(
                f"WARN[0000] Found orphan containers ({orphans}) for this project. If you removed or "
                "renamed this service in your compose file, you can run this command with the "
                "--remove-orphans flag to clean it up.")
        actions = plan.plan_up(self.project.name, services, hashes, observed, order, options.scale,
                               options.force_recreate, options.no_recreate)
        by_service: dict[str, list[plan.Action]] = {}
        for action in actions:
            by_service.setdefault(action.service, []).append(action)

        def start(name: str) -> None:
            for action in by_service.get(name, ()):
                self._start(action, options)

        # attached: the services named (and their dependencies with --attach-dependencies), or all
        attached_names = (order if options.attach_dependencies else list(options.services)) or sorted(services)
        if not options.detach:
            # an attached `up` shows what containers write from now on, not older runs' output
            self.log_offsets = {o.name: self._log_size(o.name) for o in observed if o.service in attached_names}
        try:
            # As docker compose v2: every container is made first, then they are started in
            # dependency order, so a dependency that fails to start leaves its dependents Created.
            self._create_all(order, by_service, hashes, image_ids, options)
            if not options.no_start:
                self._walk(order, start)
        except KeyboardInterrupt:
            if options.detach:
                raise
            self.progress.message("Gracefully stopping... (press Ctrl+C again to force)")
            self._stop_all(self.containers(all=False, services=tuple(order)), options.timeout)
            return 130
        if options.no_start:
            return 0
        if options.wait:
            return self._wait_ready(order, options.wait_timeout)
        if options.detach:
            return 0
        return self._attach(attached_names, options, stream)

    def _create_all(self, order, by_service, hashes, image_ids, options: UpOptions) -> None:
        """The create phase of `up` (docker compose's convergence): the project's networks
        and volumes, and each service's containers created, recreated or removed (scaled
        down), a service once its dependencies' are done (network_mode service:x needs x's
        container).

        The networks missing are made in a thread meanwhile: a bridge takes ~20 ms (mostly
        waiting on the kernel and nft), a container ~2 ms, and a container needs its network
        only to start. docker compose makes the networks first, and a failed up leaves the
        same here: only what can be taken back is done before the networks are there (a new
        container that mounts no named volume; its anonymous ones go with it, a missing bind
        directory it made stays); the rest (volumes, recreates, removals) waits for them. If
        one fails, the containers made meanwhile are removed again, and their progress lines
        (held until the networks are made) are never shown."""
        missing = self.missing_networks(order)  # here: an external one not there fails before any container
        held = _HeldEvents(self.progress)
        networks = _Background(self.create_networks, missing)
        with_volumes = {name for name in order if self.named_volumes([name])}
        made: list[str] = []

        def create(name: str) -> None:
            for action in by_service.get(name, ()):
                undoable = action.kind == "create" and name not in with_volumes
                if not undoable and networks.join() is not None:
                    raise networks.error  # nothing that cannot be taken back when a network failed
                self._create(action, hashes[name], image_ids[name], options, held.event)
                if action.kind == "create":
                    made.append(action.name)

        try:
            if with_volumes and networks.join() is None:
                self.ensure_volumes(order, held.event)
            self._walk(order, create, wait_conditions=False)
        finally:  # a Ctrl-C too: a network is not left half made by a thread cut off
            failed = networks.join()
            if failed is None:
                held.release()
        if failed is not None:
            for container in made:
                self.api.remove(container, force=True, volumes=True, home=self.home)
            raise failed

    def _create(self, action: plan.Action, config_hash: str, image_id: str, options: UpOptions, event) -> None:
        """The create phase's part of an action (`compose create`'s); ``event`` reports it."""
        if action.kind == "remove":
            self.stop_container(action.old_name, action.service, options.timeout)
            self.api.remove(action.old_name, force=True, home=self.home)
            event("Container", action.old_name, "Removed")
        elif action.kind == "keep":
            event("Container", action.name, "Running")
        elif action.kind == "recreate":
            event("Container", action.name, "Recreate")
            self.stop_container(action.old_name, action.service, options.timeout)
            self.api.remove(action.old_name, force=True, home=self.home)
            self.create_container(action.service, action.number, action.name, config_hash, image_id)
            event("Container", action.name, "Recreated")
        elif action.kind == "create":
            event("Container", action.name, "Creating")
            self.create_container(action.service, action.number, action.name, config_hash, image_id)
            event("Container", action.name, "Created")

    def _start(self, action: plan.Action, options: UpOptions) -> None:
        """The start phase's part of an action: start what is not running (the containers
        just made, the stopped ones), restart a dependent whose dependency was recreated
        (depends_on restart: true)."""
        event = self.progress.event
        if action.kind == "restart":
            event("Container", action.name, "Restarting")
            self.stop_container(action.name, action.service, options.timeout)
            self.start_container(action.name, action.service)
            event("Container", action.name, "Started")
        elif action.kind in ("create", "recreate", "start"):
            event("Container", action.name, "Starting")
            self.start_container(action.name, action.service)
            event("Container", action.name, "Started")

    def _walk(self, order: list[str], work, wait_conditions: bool = True) -> None:
        """Run ``work(service)`` for each service once its dependencies (depends_on, and
        network_mode service:x) are done and, with ``wait_conditions``, have met their
        condition; services that do not wait on each other run in parallel threads. The first
        error stops the walk (what was done stays, as in docker compose) and is raised."""
        services = self.project.services
        done = {name: threading.Event() for name in order}
        failed: dict[str, BaseException] = {}

        def run(name: str) -> None:
            try:
                conditions = services[name].get("depends_on", {})
                for dependency in plan.dependencies(services[name]):
                    if dependency not in done:
                        continue
                    done[dependency].wait()
                    if dependency in failed:
                        raise ComposeError(f"dependency failed to start: {_reason(failed[dependency])}")
                    if wait_conditions:
                        self._wait_condition(dependency, conditions.get(dependency, {}))
                work(name)
            except BaseException as error:  # noqa: BLE001 - handed to the main thread
                failed[name] = error
            finally:
                done[name].set()

        threads = [threading.Thread(target=run, args=(name,), daemon=True) for name in order]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.1)  # short joins: Ctrl-C reaches the main thread at once
        for name in order:
            if name in failed:
                error = failed[name]
                raise error if isinstance(error, ComposeError) else ComposeError(str(error))

    def _wait_condition(self, dependency: str, condition: dict) -> None:
        kind = condition.get("condition", "service_started")
        if kind == "service_started":
            return
        containers = self.containers(all=True, services=(dependency,))
        if not containers and not condition.get("required", True):
            return
        for info in containers:
            if kind == "service_healthy":
                try:
                    self._wait_healthy(info.name)
                except ComposeError as error:
                    raise ComposeError(f"dependency failed to start: {error.message}") from None
            else:
                code = self.api.wait(info.name, home=self.home)
                if code != 0:
                    raise ComposeError(f'service "{dependency}" didn\'t complete successfully: exit {code}')
                self.progress.event("Container", info.name, "Exited")

    def _wait_healthy(self, container: str, timeout: float | None = None) -> None:
        self.progress.event("Container", container, "Waiting")
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            document = self.api.inspect(container, home=self.home)
            state = document.get("State", {})
            health = state.get("Health")
            if health is None:
                raise ComposeError(f"container {container} has no healthcheck configured")
            status = health.get("Status")
            if status == "healthy":
                self.progress.event("Container", container, "Healthy")
                return
            if status == "unhealthy":
                raise ComposeError(f"container {container} is unhealthy")
            if not state.get("Running", False) and state.get("Status") != "restarting":
                raise ComposeError(f"container {container} exited ({state.get('ExitCode', 0)})")
            if deadline is not None and time.monotonic() > deadline:
                raise ComposeError(f"container {container} did not become healthy in time")
            time.sleep(0.1)

    def _wait_ready(self, order, timeout) -> int:
        """up --wait: every container running (and healthy when it has a health check)."""
        for info in self.containers(all=True, services=tuple(order)):
            document = self.api.inspect(info.name, home=self.home)
            if document.get("State", {}).get("Health") is not None:
                self._wait_healthy(info.name, timeout)
            elif info.state != "running" and info.exit_code not in (0, None):
                raise ComposeError(f"container {info.name} exited ({info.exit_code})")
        return 0

    def _attach(self, names, options: UpOptions, stream) -> int:
        """Attached `up`: every container's output, prefixed, until they all exit; Ctrl-C
        stops them gracefully (a second Ctrl-C kills them)."""
        containers = self.containers(all=True, services=tuple(names))
        printer = LogPrinter(stream, [self._short(info) for info in containers], options.colour,
                             options.log_prefix)
        printer.message("Attaching to " + ", ".join(info.name for info in containers))
        exits: list[tuple[str, str, int]] = []
        lock = threading.Condition()

        def follow(info):
            short, service = self._short(info), info.labels.get(plan.SERVICE_LABEL, "")
            for data in self._follow_new(info.name, self.log_offsets.get(info.name, 0)):
                printer.write(short, service, data)
            printer.finish(short, service)
            code = self.api.wait(info.name, home=self.home)
            printer.message(f"{info.name} exited with code {code}")
            with lock:
                exits.append((info.name, service, code))
                lock.notify_all()

        threads = [threading.Thread(target=follow, args=(info,), daemon=True) for info in containers]
        for thread in threads:
            thread.start()
        try:
            while True:
                with lock:
                    lock.wait(0.1)
                    finished = list(exits)
                if options.abort_on_exit and finished or options.abort_on_failure and \
                        any(code != 0 for _, _, code in finished):
                    printer.message("Aborting on container exit...")
                    self._stop_all(containers, options.timeout)
                    for thread in threads:
                        thread.join(5)
                    return self._exit_code(finished, options)
                if len(finished) == len(containers):
                    return self._exit_code(finished, options) if options.exit_code_from else 0
        except KeyboardInterrupt:
            printer.message("Gracefully stopping... (press Ctrl+C again to force)")
            try:
                self._stop_all(containers, options.timeout)
            except KeyboardInterrupt:
                for info in containers:
                    try:
                        self.api.kill(info.name, home=self.home)
                    except self.api.ContainerError:
                        pass  # already gone
                    self.progress.event("Container", info.name, "Killed")
            return 130

    def _exit_code(self, finished, options: UpOptions) -> int:
        if options.exit_code_from:
            for _, service, code in finished:
                if service == options.exit_code_from:
                    return code
            containers = self.containers(all=True, services=(options.exit_code_from,))
            return containers[0].exit_code or 0 if containers else 0
        if options.abort_on_failure:
            return next((code for _, _, code in finished if code != 0), 0)
        return finished[0][2] if finished else 0

    def _stop_all(self, containers, timeout) -> None:
        threads = []
        for info in containers:
            def stop(info=info):
                self.progress.event("Container", info.name, "Stopping")
                try:
                    self.stop_container(info.name, info.labels.get(plan.SERVICE_LABEL), timeout)
                except self.api.ContainerError:
                    pass  # it exited meanwhile
                self.progress.event("Container", info.name, "Stopped")
            threads.append(threading.Thread(target=stop, daemon=True))
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.1)

    def _short(self, info) -> str:
        """The log prefix name: `web-1` for p-web-1, the container_name otherwise."""
        prefix = self.project.name + "-"
        return info.name[len(prefix):] if info.name.startswith(prefix) else info.name

    def _follow_logs(self, container: str, follow: bool = True, since: str = "", until: str = "",
                     tail: int | None = None):
        """The container's log entries, in lists as read (contain's api.log_batches); ``follow``: for
        as long as it runs, across restarts too."""
        last_seen = ""
        while True:
            pass_started = self.api.log_time_now()
            for batch in self.api.log_batches(container, follow=follow, since=since, until=until, tail=tail,
                                              home=self.home):
                # After a restart: every line that has last_seen's time came in one read, seen already.
                batch = [entry for entry in batch if not last_seen or entry.time > last_seen]
                if batch:
                    last_seen = max(last_seen, batch[-1].time)
                    yield batch
            if not follow:
                return
            try:
                info = self.api.get(container, home=self.home)
            except self.api.ContainerError:
                return
            if info.state != "restarting":
                return
            # The next run's lines are later than all of this one's (or than this pass, if it had none).
            since, tail = max(since, last_seen or pass_started), None
            time.sleep(0.1)

    # ------------------------------------------------------------ down

    def down(self, volumes: bool = False, rmi: str = "", remove_orphans: bool = False,
             timeout: float | None = None) -> int:
        services = self.project.services
        containers = self.containers(all=True, oneoff=None)
        known = [info for info in containers if info.labels.get(plan.SERVICE_LABEL) in services]
        orphans = [info for info in containers if info.labels.get(plan.SERVICE_LABEL) not in services]
        self._walk_down(known, timeout)
        if orphans:
            if remove_orphans:
                for info in orphans:
                    self.api.remove(info.name, force=True, volumes=volumes, home=self.home)
                    self.progress.event("Container", info.name, "Removed")
            else:
                self.progress.message(f"WARN[0000] Found orphan containers ({[o.name for o in orphans]}) "
                                      "for this project. Use --remove-orphans to remove them.")
        self.remove_networks()
        if volumes:
            existing = {volume.name for volume in self.api.volumes(home=self.home)}
            for key, declared in self.project.model.get("volumes", {}).items():
                if not declared.get("external") and declared["name"] in existing:
                    self.api.remove_volume(declared["name"], home=self.home)
                    self.progress.event("Volume", declared["name"], "Removed")
        if rmi:
            for name, service in services.items():
                if rmi == "all" or "image" not in service:
                    reference = image_name(self.project, name)
                    if self._find_image(reference) is not None:
                        try:
                            self.api.remove_image(reference, home=self.home)
                            self.progress.event("Image", reference, "Removed")
                        except self.api.ContainerError as error:
                            self.progress.message(f"WARN[0000] image {reference}: {error.message}")
        return 0

    def _walk_down(self, containers, timeout) -> None:
        """Stop and remove: a service's dependents first, independent ones in parallel. A
        service stops once its dependents have stopped, and is removed once they are removed:
        their removal (a few ms each) does not hold up its stop (tens of ms) along a chain."""
        services = self.project.services
        present = {info.labels.get(plan.SERVICE_LABEL) for info in containers}
        by_service: dict[str, list] = {}
        for info in containers:
            by_service.setdefault(info.labels.get(plan.SERVICE_LABEL), []).append(info)
        stopped = {name: threading.Event() for name in present}
        removed = {name: threading.Event() for name in present}
        errors = []

        def run(name):
            dependents = [other for other in present if name in plan.dependencies(services[other])]
            try:
                try:
                    for other in dependents:
                        stopped[other].wait()
                    _in_parallel(lambda info: self._stop_replica(info, name, timeout), by_service[name])
                finally:
                    stopped[name].set()
                for other in dependents:
                    removed[other].wait()
                _in_parallel(self._remove_replica, by_service[name])
            except BaseException as error:  # noqa: BLE001
                errors.append(error)
            finally:
                removed[name].set()

        threads = [threading.Thread(target=run, args=(name,), daemon=True) for name in sorted(present)]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.1)
        if errors:
            raise errors[0]

    def _stop_replica(self, info, name, timeout) -> None:
        if info.state in ("running", "restarting", "paused"):
            self.progress.event("Container", info.name, "Stopping")
            self.stop_container(info.name, name, timeout)
            self.progress.event("Container", info.name, "Stopped")

    def _remove_replica(self, info, volumes=True) -> None:
        self.progress.event("Container", info.name, "Removing")
        self.api.remove(info.name, force=True, volumes=volumes, home=self.home)
        self.progress.event("Container", info.name, "Removed")

    # ------------------------------------------------------------ ps, logs

    def ps(self, all: bool = False, services=()) -> list[dict]:
        rows = []
        now = time.time()
        for info in self.containers(all=all, services=tuple(services)):
            health = self._health(info)
            rows.append({
                "ID": info.id[:12], "Name": info.name, "Image": info.image,
                "Command": _quoted_command(info.command), "Project": self.project.name,
                "Service": info.labels.get(plan.SERVICE_LABEL, ""), "State": info.state,
                "Health": health, "ExitCode": info.exit_code or 0,
                "RunningFor": _ago(info.created, now), "Status": _status(info, health, now),
                "Ports": self.api.ports_column(info), "CreatedAt": info.created,
            })
        return sorted(rows, key=lambda row: row["Name"])

    def _health(self, info) -> str:
        """healthy / unhealthy / starting, or "" for a container without a health check."""
        return info.health

    def logs(self, names, follow: bool, tail: int | None, colour: bool, prefix: bool, stream,
             timestamps: bool = False, since: str = "", until: str = "") -> int:
        """Docker compose's logs: per container, its last ``tail`` lines from ``since`` to ``until``
        (times as contain's api.log_time gives them), with ``timestamps`` after the prefix."""
        containers = self.containers(all=True, services=tuple(names))
        printer = LogPrinter(stream, [self._short(info) for info in containers], colour, prefix)

        def show(info):
            short, service = self._short(info), info.labels.get(plan.SERVICE_LABEL, "")
            at_line_start = True
            for batch in self._follow_logs(info.name, follow, since, until, tail):
                pieces = []
                for entry in batch:
                    pieces.append(entry.timed_text(at_line_start) if timestamps else entry.text)
                    at_line_start = entry.text.endswith(b"\n")
                printer.write(short, service, b"".join(pieces))
            printer.finish(short, service)

        if not follow:
            for info in containers:
                show(info)
            return 0
        threads = [threading.Thread(target=show, args=(info,), daemon=True) for info in containers]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.1)
        except KeyboardInterrupt:
            return 130
        return 0

    def _follow_new(self, container: str, skip: int):
        """What a running container writes after the first ``skip`` bytes of its output."""
        seen = 0
        for batch in self._follow_logs(container):
            data = b"".join(entry.text for entry in batch)
            if seen + len(data) <= skip:
                seen += len(data)
                continue
            start = max(0, skip - seen)
            seen += len(data)
            yield data[start:]

    # ------------------------------------------------------------ one-service commands

    def _service_containers(self, names, all=True):
        order = plan.start_order(self.project.services, list(names) or None) if names else \
            plan.start_order(self.project.services)
        wanted = set(names) if names else set(order)
        containers = self.containers(all=all)
        return [info for name in order if name in wanted
                for info in containers if info.labels.get(plan.SERVICE_LABEL) == name]

    def start(self, names) -> int:
        found = self._service_containers(names)
        if not found:
            raise ComposeError("no container to start")
        for info in found:
            if info.state != "running":
                self.progress.event("Container", info.name, "Starting")
                self.start_container(info.name, info.labels.get(plan.SERVICE_LABEL))
                self.progress.event("Container", info.name, "Started")
        return 0

    def stop(self, names, timeout=None) -> int:
        for info in reversed(self._service_containers(names)):
            if info.state in ("running", "restarting"):
                self.progress.event("Container", info.name, "Stopping")
                self.stop_container(info.name, info.labels.get(plan.SERVICE_LABEL), _seconds(timeout))
                self.progress.event("Container", info.name, "Stopped")
        return 0

    def restart(self, names, timeout=None) -> int:
        self.stop(names, timeout)
        for info in self._service_containers(names):
            self.progress.event("Container", info.name, "Restarting")
            self.start_container(info.name, info.labels.get(plan.SERVICE_LABEL))
            self.progress.event("Container", info.name, "Started")
        return 0

    def kill(self, names, signal="SIGKILL") -> int:
        for info in self._service_containers(names, all=False):
            self.api.kill(info.name, signal=signal, home=self.home)
            self.progress.event("Container", info.name, "Killed")
        return 0

    def rm(self, names, force=False, stop=False, volumes=False) -> int:
        if stop:
            self.stop(names)
        for info in self._service_containers(names):
            if info.state == "running":
                continue  # docker compose rm leaves running containers (unless -s)
            self.api.remove(info.name, force=force, volumes=volumes, home=self.home)
            self.progress.event("Container", info.name, "Removed")
        return 0

    def build(self, names, no_cache=False, build_args=()) -> int:
        for name in names or sorted(self.project.services):
            if "build" in self.project.services[name]:
                self._build(name, no_cache=no_cache, extra_args=build_args)
        return 0

    def pull(self, names, ignore_failures=False) -> int:
        status = 0
        for name in names or sorted(self.project.services):
            if "image" in self.project.services[name] and "build" not in self.project.services[name]:
                try:
                    self._pull(name, self.project.services[name]["image"])
                except ComposeError:
                    if not ignore_failures:
                        raise
                    status = 1
        return status

    def push(self, names, ignore_failures=False) -> int:
        for name in names or sorted(self.project.services):
            service = self.project.services[name]
            if "build" in service and "image" in service:
                self.progress.event("Image", service["image"], "Pushing")
                self.api.push(service["image"], home=self.home)
                self.progress.event("Image", service["image"], "Pushed")
        return 0

    def images(self, names, quiet=False) -> int:
        from pyshell.compose.output import table

        rows = []
        for info in self._service_containers(names):
            repository, _, tag = info.image.partition(":")
            rows.append([info.name, repository, tag or "latest", info.image_id.removeprefix("sha256:")[:12]])
        if quiet:
            self.progress.stream.write("".join(row[3] + "\n" for row in rows))
        else:
            import sys
            sys.stdout.write(table(rows, ["CONTAINER", "REPOSITORY", "TAG", "IMAGE ID"]))
        return 0

    def top(self, names) -> int:
        """Each running container's processes: those in its PID namespace, as /proc shows them."""
        import sys
        from pyshell.compose.output import table

        for info in self._service_containers(names, all=False):
            rows = [[str(uid), str(pid), str(ppid), command] for pid, ppid, uid, command in _processes_of(info.pid)]
            sys.stdout.write(f"{info.name}\n" + table(rows, ["UID", "PID", "PPID", "CMD"]) + "\n")
        return 0

    def exec(self, name, argv, index=1, env=(), user="", workdir="", tty=False, detach=False) -> int:
        containers = [info for info in self.containers(all=False, services=(name,))
                      if info.labels.get(plan.NUMBER_LABEL) == str(index)]
        if not containers:
            raise ComposeError(f'service "{name}" is not running')
        try:
            return self.api.exec(containers[0].name, argv, env=list(env), user=user, workdir=workdir,
                                 tty=tty, interactive=not detach, detach=detach, home=self.home)
        except self.api.ContainerError as error:
            raise ComposeError(error.message, status=error.status) from None

    def run(self, options: RunOptions, stream) -> int:
        services = self.project.services
        name = options.service
        if not options.no_deps:
            dependencies = [dep for dep in plan.start_order(services, [name]) if dep != name]
            if dependencies:
                self.up(UpOptions(services=tuple(dependencies), detach=True), stream)
        image_ids = self.ensure_images([name])
        container = options.name or f"{self.project.name}-{name}-run-{os.urandom(6).hex()}"
        overrides: dict = {"detach": options.detach, "autoremove": options.remove,
                           "interactive": not options.detach, "tty": options.tty}
        if options.argv:
            overrides["cmd"] = tuple(options.argv)
        if options.entrypoint is not None:
            import shlex
            overrides["entrypoint"] = tuple(shlex.split(options.entrypoint))
            overrides.setdefault("cmd", ())
        if options.user:
            overrides["user"] = options.user
        if options.workdir:
            overrides["workdir"] = options.workdir
        service = dict(services[name])
        service.pop("restart", None)  # a one-off container is not restarted
        env = dict(service.get("environment", {}))
        for item in options.env:
            key, has_value, value = item.partition("=")
            env[key] = value if has_value else os.environ.get(key)
        service["environment"] = env
        labels = specs.compose_labels(self.project, name, 1, "", image_ids[name], oneoff=True)
        labels.update(dict(item.partition("=")[::2] for item in options.labels))
        fields = specs.spec_fields(self.api, self.project, name, container, self.home)
        fields.pop("restart", None)
        fields.update(overrides)
        extra = [self.api.mount_from_text(text, home=self.home) for text in options.volumes]
        fields["mounts"] = tuple(fields["mounts"]) + tuple(extra)
        try:
            self.ensure_networks([name])
            spec = self.api.default_spec(image_name(self.project, name), home=self.home, check=False, **fields)
            spec = specs.finish_spec(spec, service, labels)
            # a one-off container publishes the service's ports only with --service-ports (docker compose)
            flags = specs.network_flags(self.project, name, self._names_of, publish=options.service_ports)
            flags["publish"] = list(flags.get("publish", ())) + list(options.publish)
            spec = spec.replace(**self.api.network_fields(flags, spec.exposed))
            self.api.validate(spec)
            if options.detach:
                info = self.api.create(spec, home=self.home)
                self.api.start(info.id, home=self.home)
                stream.write(container + "\n")
                return 0
            return self.api.run(spec, home=self.home)
        except self.api.ContainerError as error:
            raise ComposeError(error.message, status=error.status) from None

    def port(self, name, private, protocol="tcp", index=1) -> str:
        containers = [info for info in self.containers(all=False, services=(name,))
                      if info.labels.get(plan.NUMBER_LABEL) == str(index)]
        if not containers:
            raise ComposeError(f'service "{name}" is not running')
        try:
            found = self.api.port(containers[0].name, f"{private}/{protocol}", home=self.home)
        except self.api.ContainerError as error:
            raise ComposeError(error.message) from None
        if not found:
            raise ComposeError(f"no port {private}/{protocol} published for service {name}")
        return found[0]


def list_projects(all: bool = False, home=None) -> list[dict]:
    """compose ls: projects found from the labels of contain's containers."""
    api = _api()
    projects: dict[str, dict] = {}
    for info in api.list_containers(all=True, labels={plan.PROJECT_LABEL: None}, home=home):
        name = info.labels[plan.PROJECT_LABEL]
        entry = projects.setdefault(name, {"states": {}, "files": info.labels.get(plan.CONFIG_FILES_LABEL, "")})
        entry["states"][info.state] = entry["states"].get(info.state, 0) + 1
    rows = []
    for name in sorted(projects):
        states = projects[name]["states"]
        if not all and "running" not in states:
            continue
        status = ", ".join(f"{state}({count})" for state, count in sorted(states.items()))
        rows.append({"Name": name, "Status": status, "ConfigFiles": projects[name]["files"]})
    return rows


def _processes_of(pid1: int) -> list[tuple[int, int, int, str]]:
    """(pid, ppid, uid, command line) of every process in the PID namespace of ``pid1``."""
    try:
        namespace = os.stat(f"/proc/{pid1}/ns/pid").st_ino
    except OSError:
        return []
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}/ns/pid").st_ino != namespace:
                continue
            with open(f"/proc/{entry}/status") as file:
                fields = dict(line.split(":", 1) for line in file if ":" in line)
            with open(f"/proc/{entry}/cmdline", "rb") as file:
                command = file.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue  # it ended meanwhile
        found.append((int(entry), int(fields["PPid"]), int(fields["Uid"].split()[0]),
                      command or f'[{fields["Name"].strip()}]'))
    return sorted(found)


class _Background:
    """``work(*args)`` in a thread of its own; join() waits for it and gives what it raised, or None."""

    def __init__(self, work, *args):
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(work, args), daemon=True)
        self.thread.start()

    def _run(self, work, args) -> None:
        try:
            work(*args)
        except BaseException as error:  # noqa: BLE001 - handed to whoever joins
            self.error = error

    def join(self) -> BaseException | None:
        self.thread.join()
        return self.error


class _HeldEvents:
    """A Progress's events kept back until release(), then passed on as they come."""

    def __init__(self, progress):
        self.progress = progress
        self.held: list | None = []
        self.lock = threading.Lock()

    def event(self, *args, **kwargs) -> None:
        with self.lock:
            if self.held is not None:
                self.held.append((args, kwargs))
                return
        self.progress.event(*args, **kwargs)

    def release(self) -> None:
        with self.lock:
            for args, kwargs in self.held or ():
                self.progress.event(*args, **kwargs)
            self.held = None


def _in_parallel(work, items) -> None:
    """work(item) for every item, each in a thread; the first error is raised afterwards."""
    errors = []

    def run(item):
        try:
            work(item)
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            errors.append(error)

    threads = [threading.Thread(target=run, args=(item,), daemon=True) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.1)
    if errors:
        raise errors[0]


def _reason(error: BaseException) -> str:
    text = getattr(error, "message", str(error))
    return text.removeprefix("dependency failed to start: ")


def _seconds(value):
    return None if value is None else float(value)


def _quoted_command(argv) -> str:
    text = " ".join(argv)
    return f'"{text[:20]}…"' if len(text) > 20 else f'"{text}"'


def _parse_time(text: str) -> float | None:
    from datetime import datetime

    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """Docker's go-units HumanDuration: 'Less than a second', '5 seconds', 'About a minute'..."""
    seconds = int(seconds)
    if seconds < 1:
        return "Less than a second"
    if seconds == 1:
        return "1 second"
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = seconds // 60
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = round(seconds / 3600)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    return f"{hours // 24} days"


def _ago(created: str, now: float) -> str:
    moment = _parse_time(created)
    return f"{human_duration(now - moment)} ago" if moment else ""


def _status(info, health: str, now: float) -> str:
    if info.state == "running":
        started = _parse_time(info.started_at)
        text = f"Up {human_duration(now - started)}" if started else "Up"
        if health == "starting":
            return f"{text} (health: starting)"
        return f"{text} ({health})" if health else text
    if info.state == "exited":
        finished = _parse_time(info.finished_at)
        ago = f" {human_duration(now - finished)} ago" if finished else ""
        return f"Exited ({info.exit_code or 0}){ago}"
    if info.state == "restarting":
        return f"Restarting ({info.exit_code or 0})"
    return info.state.capitalize()
