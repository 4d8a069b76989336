"""Health checks: run in the container, by a process of the container's supervisor — no daemon.

Docker runs health checks in dockerd; podman leaves them to systemd timers. pysh has a
supervisor per container, so the supervisor starts one more child, the *keeper*, told when PID 1
runs. The keeper sleeps ``interval`` seconds (``start_interval`` during the start period),
runs the test like `contain exec` does (same namespaces, cgroup, env, user), and records the
outcome in the container's ``health`` file, which `inspect` (State.Health) and `ps`
(`Up 5 seconds (healthy)`) read. It ends when PID 1 ends (a pidfd tells it).

Docker's rules: the status starts as ``starting``; a probe that exits 0 makes it
``healthy``; ``retries`` failures in a row make it ``unhealthy``; a probe running longer
than ``timeout`` is killed and counts as a failure; failures during ``start_period`` do
not count. The last five results are kept, each with at most 4 KiB of output.
"""

from __future__ import annotations

import json
import os
import select
import signal
import time
from pathlib import Path

from pyshell.statedir import atomic_write

HEALTH_FILE = "health"
KEPT_RESULTS = 5
OUTPUT_LIMIT = 4096

# The keeper is started by lifecycle.py (fork_health_keeper), *before* the supervisor unshares
# the PID namespace: a later child would land in the container's PID namespace, where PID 1's
# end waits for every process (the kernel's zap_pid_ns_processes), the keeper included.
def main(argv: list[str]) -> None:
    """The keeper (a fresh bare Python, exec'd once PID 1 runs): keep its health."""
    directory, container_pid = Path(argv[0]), int(argv[1])
    try:
        keep(directory, container_pid)
    except Exception as error:  # noqa: BLE001 - a keeper that cannot check says so where inspect looks
        write_health(directory, {"Status": "unhealthy", "FailingStreak": 0,
                                 "Log": [{"Start": "", "End": "", "ExitCode": -1,
                                          "Output": f"health check could not run: {error}"}]})


def keep(directory: Path, container_pid: int) -> None:
    from pyshell.contain.runtime import state

    container = state.load(directory)
    if container is None or container.spec.healthcheck is None:
        return
    check = container.spec.healthcheck
    try:
        exited = os.pidfd_open(container_pid)
    except ProcessLookupError:
        return
    started = time.monotonic()
    record = {"Status": "starting", "FailingStreak": 0, "Log": []}
    write_health(directory, record)
    while True:
        in_start_period = time.monotonic() - started < check.start_period
        pause = check.start_interval if in_start_period else check.interval
        if select.select([exited], [], [], pause)[0]:
            return  # PID 1 ended: nothing left to check
        result = probe(container, check.argv(), check.timeout, exited)
        if result is None:
            return
        in_start_period = time.monotonic() - started < check.start_period
        record = next_record(record, result, check.retries, in_start_period)
        write_health(directory, record)


def next_record(record: dict, result: dict, retries: int, in_start_period: bool) -> dict:
    """The health record after one probe (Docker's rules, see the module docstring)."""
    log = (record["Log"] + [result])[-KEPT_RESULTS:]
    if result["ExitCode"] == 0:
        return {"Status": "healthy", "FailingStreak": 0, "Log": log}
    if in_start_period and record["Status"] == "starting":
        return {**record, "Log": log}
    streak = record["FailingStreak"] + 1
    status = "unhealthy" if streak >= retries else record["Status"]
    return {"Status": status, "FailingStreak": streak, "Log": log}


def probe(container, argv, timeout: float, exited: int) -> dict | None:
    """Run ``argv`` in the container: {Start, End, ExitCode, Output} (ExitCode -1: timed out);
    None when PID 1 ends meanwhile (``exited``, its pidfd, becomes readable)."""
    from pyshell.contain.kernel.osio import now_iso

    start = now_iso()
    output_r, output_w = os.pipe()
    child = os.fork()
    if child == 0:
        status = 126
        try:
            os.setpgid(0, 0)  # one group with what exec starts in the container: killed together
            devnull = os.open("/dev/null", os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(output_w, 1)
            os.dup2(output_w, 2)
            os.close(output_r)
            from pyshell.contain.runtime import lifecycle
            from pyshell.errors import ContainerError

            try:
                status = lifecycle.exec_in(container, list(argv), [], "", "", False, False)
            except ContainerError as error:
                os.write(2, f"{error.message}\n".encode())
                status = error.status
        finally:
            os._exit(status)
    os.close(output_w)
    output = b""
    deadline = time.monotonic() + timeout
    timed_out = container_ended = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready = select.select([output_r, exited], [], [], left)[0]
        if exited in ready:
            container_ended = True
            break
        if not ready:
            continue
        data = os.read(output_r, 65536)
        if not data:
            break
        output = (output + data)[-OUTPUT_LIMIT:]
    os.close(output_r)
    if timed_out or container_ended:
        try:
            os.killpg(child, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _, wait_status = os.waitpid(child, 0)
    code = os.waitstatus_to_exitcode(wait_status)
    text = output.decode("utf-8", "replace")
    if container_ended:
        return None
    if timed_out:
        code, text = -1, f"Health check exceeded timeout ({timeout:g}s)"
    return {"Start": start, "End": now_iso(), "ExitCode": code, "Output": text}


def write_health(directory: Path, record: dict) -> None:
    atomic_write(directory / HEALTH_FILE, json.dumps(record), durable=False)


def read_health(directory: Path) -> dict | None:
    """The health record (Docker's State.Health), or None when there is none yet."""
    try:
        return json.loads((directory / HEALTH_FILE).read_text())
    except (OSError, ValueError):
        return None
