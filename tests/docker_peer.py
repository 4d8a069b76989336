"""The Docker reference engine (/work/shared/reference/scripts/docker-peer.sh) for the tests that
compare pysh with Docker: started once, the first time a test asks, and stopped at the end of
the session if the session started it (tests/conftest.py).

Its first start installs Debian's docker.io and docker-compose with apt: that step runs in the
machine's network namespace (netns.in_host_network), since the session's own has only lo.
dockerd itself runs in network and mount namespaces the script makes for it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from netns import in_host_network

SCRIPT = Path("/work/shared/reference/scripts/docker-peer.sh")
SOCKET = "/run/docker-peer.sock"
DOCKER_HOST = f"unix://{SOCKET}"

_why_not: list[str] = []  # filled by the first start(): "" once the engine answers
started_here = False


def _answers() -> bool:
    done = subprocess.run(["docker", "info"], env={**os.environ, "DOCKER_HOST": DOCKER_HOST},
                          capture_output=True, timeout=60) if os.path.exists(SOCKET) else None
    return done is not None and done.returncode == 0


def start() -> str:
    """"" once the engine answers, else why it cannot run here (for pytest.skip)."""
    global started_here
    if _why_not:
        return _why_not[0]
    if not SCRIPT.exists():
        reason = f"no Docker peer script at {SCRIPT}"
    elif os.geteuid() != 0:
        reason = "the Docker peer runs as root"
    else:
        was_running = _answers()
        with in_host_network():
            done = subprocess.run([str(SCRIPT), "start"], capture_output=True, text=True, timeout=900)
        reason = "" if done.returncode == 0 and _answers() else \
            f"the Docker peer cannot start: {(done.stderr or done.stdout).strip()[-200:]}"
        started_here = not reason and not was_running
    _why_not.append(reason)
    return reason


def stop_if_started_here() -> None:
    if started_here:
        subprocess.run([str(SCRIPT), "stop"], capture_output=True, timeout=120)
