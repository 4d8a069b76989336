"""The event watcher: one small process per running machine that writes down what QEMU
announces, so that `vm inspect` can tell that the guest rebooted or powered off.

QEMU reports a guest's reset, shutdown, pause or panic only as QMP *events*, sent to the
clients connected at that moment; `vm` itself connects for one command and leaves, so it would
miss them. There is no daemon in pysh, so `vm start` spawns this watcher next to QEMU: it holds
a second QMP socket of its own (events.sock: QMP serves one client per socket, and `vm` needs
qmp.sock free), appends each event to events.json (atomically, it is the only writer), and
exits when QEMU closes the socket, that is, when QEMU exits. A watcher that dies loses only the
history, never the machine: vm.json and the QEMU pid stay the truth about running/stopped.

    events.json  {"resets": 1, "last": "SHUTDOWN", "shutdown": {"guest": true, "reason":
                  "guest-shutdown"}, "events": [{"event": "RESET", "time": …, …}, …]}
"""

from __future__ import annotations

import os
import sys

# Only os and sys at the top: the watcher forks away before it imports the rest (see main),
# so `vm start` waits for a bare Python start (~30 ms), not for our modules (~60 ms more).

WATCHED = {"RESET", "SHUTDOWN", "POWERDOWN", "STOP", "RESUME", "GUEST_PANICKED",
           "GUEST_CRASHLOADED"}
KEPT_EVENTS = 50    # the most recent events kept in events.json
SAME_REBOOT = 2.0   # seconds: one guest `reboot` can reset the machine a few times in a row


def spawn(paths) -> None:
    """Start the watcher of the QEMU that listens on PATHS.events; return once it runs
    detached (it forks away from this child, which we reap: no zombie left in the shell)."""
    import subprocess

    subprocess.run([sys.executable, "-m", "pyshell.vm.watcher", str(paths.directory)],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, start_new_session=True, check=False,
                   cwd="/")   # holds no directory of the shell busy


def read_log(paths) -> dict:
    """What the watcher recorded during the last run (empty before the first start)."""
    from pyshell.statedir import read_json

    return read_json(paths.event_log, {}) or {}


def watch(paths) -> None:
    """Record every event of interest until QEMU goes away (PATHS: a state.VmPaths)."""
    import time

    from pyshell.errors import VmError
    from pyshell.vm.qmp import QmpClient

    log = {"resets": 0, "last": None, "events": []}
    last_reset = float("-inf")
    try:
        client = QmpClient(paths.events, timeout=None)
        client.connect()
    except (VmError, ValueError):   # QEMU already gone, or not a QMP socket: nothing to do
        return
    _save(paths, log)
    with client:
        while (message := client.next_event()) is not None:
            name = message["event"]
            if name not in WATCHED:
                continue
            stamp = message.get("timestamp", {})
            when = stamp.get("seconds", time.time()) + stamp.get("microseconds", 0) / 1e6
            entry = {"event": name, "time": round(when, 3), **message.get("data", {})}
            log["events"] = [*log["events"], entry][-KEPT_EVENTS:]
            log["last"] = name
            if name == "RESET":
                # One `reboot` in the tiny guest shows as three RESET events within a
                # second here: count the bursts, as a user counts reboots.
                if when - last_reset > SAME_REBOOT:
                    log["resets"] += 1
                last_reset = when
            if name == "SHUTDOWN":
                log["shutdown"] = message.get("data", {})
            _save(paths, log)
    log["exited_at"] = round(time.time(), 3)
    _save(paths, log)


def _save(paths, log: dict) -> None:
    from pyshell.statedir import atomic_write_json

    if paths.state.exists():   # not after `vm rm`: that would bring its directory back
        atomic_write_json(paths.event_log, log)


def main(argv: list[str]) -> int:
    if os.fork() != 0:
        return 0            # the parent returns at once to `vm start`, which reaps it
    from pathlib import Path

    from pyshell.vm.state import VmPaths

    watch(VmPaths(Path(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
