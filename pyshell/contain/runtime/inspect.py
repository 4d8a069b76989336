"""Docker's `inspect` document of a container, from what state.py reads on disk."""

from __future__ import annotations

from pathlib import Path

from pyshell.contain.runtime import state


def restart_count(directory: Path) -> int:
    """How many times the restart policy started the container again (restart.py counts)."""
    try:
        return int((directory / "restarts").read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def health_document(container: state.Container) -> dict | None:
    """State.Health: the keeper's record (runtime/health.py); "starting" before its first
    write; None for a container without a health check."""
    from pyshell.contain.runtime import health

    if container.spec.healthcheck is None:
        return None
    return health.read_health(container.dir) or {"Status": "starting", "FailingStreak": 0, "Log": []}


def container_document(container: state.Container) -> dict:
    from pyshell.contain.network import report

    spec = container.spec
    running = container.status == state.State.RUNNING
    network_settings, port_bindings, exposed_ports = report.inspect_settings(
        spec, container.dir, container.pid if running else 0)
    document = {
        "Id": container.id,
        "Created": container.created,
        "Path": spec.argv[0] if spec.argv else "",
        "Args": list(spec.argv[1:]),
        "State": {"Status": str(container.status), "Running": running, "Paused": False, "Restarting": False,
                  "OOMKilled": container.oom_killed, "Dead": False, "Pid": container.pid if running else 0,
                  "ExitCode": container.exit_code or 0, "Error": "",
                  "StartedAt": container.started_at or "0001-01-01T00:00:00Z",
                  "FinishedAt": container.finished_at or "0001-01-01T00:00:00Z"},
        "Image": spec.image_id,
        "Name": "/" + spec.name,
        "RestartCount": restart_count(container.dir),
        "Driver": "overlay",
        "LogPath": str(container.dir / "container.log"),
        "Mounts": [{"Type": m.kind, "Name": m.volume_name, "Source": m.source, "Destination": m.target,
                    "RW": not m.readonly} for m in spec.mounts],
        "Config": {"Hostname": spec.hostname, "User": spec.user, "Tty": spec.tty, "OpenStdin": spec.interactive,
                   "Env": list(spec.env), "Cmd": list(spec.cmd), "Entrypoint": list(spec.entrypoint) or None,
                   "Image": spec.image, "WorkingDir": spec.workdir, "Labels": dict(spec.labels),
                   "StopSignal": spec.stop_signal, "ExposedPorts": exposed_ports or None},
        "HostConfig": {"AutoRemove": spec.autoremove, "NetworkMode": spec.network, "PortBindings": port_bindings,
                       "Dns": list(spec.dns), "ExtraHosts": [f"{n}:{ip}" for n, ip in spec.add_hosts] or None,
                       "Memory": spec.memory or 0, "NanoCpus": int((spec.cpus or 0) * 1e9),
                       "PidsLimit": spec.pids_limit, "ReadonlyRootfs": spec.read_only, "Init": spec.init,
                       "CapAdd": sorted(spec.capabilities), "UsernsMode": "auto" if spec.rootless else "host",
                       "RestartPolicy": {"Name": spec.restart.partition(":")[0],
                                         "MaximumRetryCount": int(spec.restart.partition(":")[2] or 0)}},
        "GraphDriver": {"Name": "overlay", "Data": {
            "LowerDir": ":".join(reversed(spec.layer_dirs)), "UpperDir": str(container.upper_dir),
            "WorkDir": str(container.dir / "rootfs" / "work"), "MergedDir": str(container.dir / "rootfs" / "merged")}},
        "NetworkSettings": network_settings,
        "Cgroup": container.cgroup,
    }
    health = health_document(container)
    if health is not None:
        document["State"]["Health"] = health
        document["Config"]["Healthcheck"] = spec.healthcheck.to_docker()
    return document
