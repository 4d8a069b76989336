"""`compose up -d` + `down` under pysh, docker-compose 1.29 (on the Docker peer) and
podman-compose (on podman), side by side; `compose ps` with 50 containers; `config` of a
200-service file. Run by hand, as root:

    .venv/bin/python benchmarks/compose.py [--repeats 5] [--before DIR]

--before DIR measures another checkout of pysh beside this one (before/after a change:
`git worktree add /tmp/before main`), with this checkout's Python and packages.

The project (issue 12): five busybox services in a depends_on chain s1 ← s2 ← … ← s5 on one
user network, s1 with a health check of 1 s interval, every PID 1 `sleep` stopped by SIGKILL
(stop_signal) so no tool waits out a grace period. Each figure is a median over --repeats,
the tools alternated repeat by repeat. The benchmark moves into a network namespace of its
own first, so pysh's and podman's bridges never touch this machine's network; dockerd runs
in its own (docker-peer.sh). The image is the same busybox root filesystem everywhere.
Tools that are missing are reported and skipped.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
PEER = Path("/work/shared/reference/scripts/docker-peer.sh")

PROJECT = """\
services:
  s1:
    image: {image}
    command: sleep 600
    stop_signal: SIGKILL
    networks: [net]
    healthcheck: {{test: ["CMD", "true"], interval: 1s}}
{rest}
networks:
  net: {{}}
"""
LINK = """\
  s{n}:
    image: {image}
    command: sleep 600
    stop_signal: SIGKILL
    networks: [net]
    depends_on: [s{previous}]
"""


def project_text(image: str) -> str:
    rest = "".join(LINK.format(n=n, previous=n - 1, image=image) for n in range(2, 6))
    return PROJECT.format(image=image, rest=rest)


def timed(command, **kwargs) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed ({done.returncode}): {done.stderr.decode()[-400:]}")
    return elapsed


class Tool:
    def __init__(self, name, argv, env, directory):
        self.name, self.argv, self.env, self.directory = name, argv, env, directory

    def __call__(self, *args) -> float:
        return timed([*self.argv, *args], env=self.env, cwd=self.directory)


def busybox_rootfs(base: Path) -> Path:
    binary = next((p for p in (Path("/var/cache/pysh-test/busybox-static/busybox"),
                               Path("/var/cache/pysh/busybox-static/busybox"),
                               Path(shutil.which("busybox") or "/nonexistent")) if p.exists()), None)
    if binary is None:
        sys.exit("no static busybox found (apt-get install busybox-static)")
    rootfs = base / "rootfs"
    (rootfs / "bin").mkdir(parents=True)
    (rootfs / "etc").mkdir()
    shutil.copy2(binary, rootfs / "bin" / "busybox")
    for tool in ("sh", "sleep", "true"):
        os.symlink("busybox", rootfs / "bin" / tool)
    (rootfs / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (rootfs / "etc" / "group").write_text("root:x:0:\n")
    subprocess.run(["tar", "-C", str(rootfs), "-cf", str(base / "rootfs.tar"), "."], check=True)
    return rootfs


def pysh_tool(base: Path, root: Path = ROOT, label: str = "pysh compose") -> Tool:
    tag = "pysh" if root == ROOT else "pysh-before"
    home = base / f"{tag}-home"
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH": str(root), "PYSH_HOME": str(home),
           "HOME": str(base), "LANG": "C.UTF-8"}
    subprocess.run([PYTHON, "-m", "pyshell.contain", "import", str(base / "rootfs.tar"), "compose-bench-busybox"],
                   env=env, check=True, capture_output=True)
    directory = base / tag / "compose-bench"
    directory.mkdir(parents=True)
    (directory / "compose.yaml").write_text(project_text("compose-bench-busybox"))
    return Tool(label, [PYTHON, "-m", "pyshell.compose"], env, directory)


def docker_tool(base: Path, rootfs: Path) -> Tool | None:
    if not PEER.exists() or not shutil.which("docker-compose"):
        return None
    if subprocess.run([str(PEER), "start"], capture_output=True).returncode != 0:
        return None
    host = subprocess.run([str(PEER), "env"], capture_output=True, text=True).stdout.strip().split("=", 1)[1]
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DOCKER_HOST": host, "HOME": "/root"}
    subprocess.run([str(PEER), "load-rootfs", str(rootfs), "compose-bench-busybox"], env=env, check=True,
                   capture_output=True)
    directory = base / "docker" / "compose-bench"
    directory.mkdir(parents=True)
    (directory / "docker-compose.yml").write_text(project_text("compose-bench-busybox"))
    return Tool("docker-compose 1.29 on dockerd", ["docker-compose"], env, directory)


def podman_tool(base: Path) -> Tool | None:
    if not shutil.which("podman-compose") or not shutil.which("podman"):
        return None
    env = dict(os.environ)
    subprocess.run(["podman", "import", str(base / "rootfs.tar"), "localhost/compose-bench-busybox"],
                   env=env, check=True, capture_output=True)
    directory = base / "podman" / "compose-bench"
    directory.mkdir(parents=True)
    (directory / "docker-compose.yml").write_text(project_text("localhost/compose-bench-busybox"))
    return Tool("podman-compose on podman", ["podman-compose"], env, directory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another checkout of pysh to measure beside this one")
    arguments = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (network namespaces, dockerd, podman)")
    for root in (ROOT, arguments.before) if arguments.before else (ROOT,):
        subprocess.run([PYTHON, "-m", "compileall", "-q", str(root / "pyshell")], check=True)
    sys.path.insert(0, str(ROOT))
    from pyshell.contain.kernel import syscalls

    syscalls.unshare(syscalls.CLONE_NEWNET)  # every tool started from here on is in it
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    base = Path(tempfile.mkdtemp(prefix="compose-bench-"))
    try:
        rootfs = busybox_rootfs(base)
        tools = [pysh_tool(base)]
        if arguments.before:
            tools.append(pysh_tool(base, arguments.before.resolve(), "pysh compose (--before)"))
        for make, label in ((lambda: docker_tool(base, rootfs), "docker-compose"), (lambda: podman_tool(base),
                                                                                    "podman-compose")):
            try:
                tool = make()
            except (subprocess.CalledProcessError, RuntimeError) as error:
                print(f"{label}: skipped ({error})")
                tool = None
            if tool is None:
                print(f"{label}: not available here, skipped")
            else:
                tools.append(tool)
        figures: dict[str, dict[str, list[float]]] = {tool.name: {"up -d": [], "down": []} for tool in tools}
        for _ in range(arguments.repeats):
            for tool in tools:
                try:
                    figures[tool.name]["up -d"].append(tool("up", "-d"))
                    figures[tool.name]["down"].append(tool("down", "-t", "0"))
                except RuntimeError as error:
                    print(f"{tool.name}: {error}")
                    subprocess.run([*tool.argv, "down", "-t", "0"], env=tool.env, cwd=tool.directory,
                                   capture_output=True)
        print(f"\n5-service busybox project, medians of {arguments.repeats}:")
        pysh = figures[tools[0].name]
        for tool in tools:
            cells = []
            for step in ("up -d", "down"):
                values = figures[tool.name][step]
                if not values:
                    cells.append(f"{step}: failed")
                    continue
                median = statistics.median(values)
                ratio = median / statistics.median(pysh[step]) if pysh[step] else float("nan")
                cells.append(f"{step} {median * 1000:7.0f} ms ({ratio:5.1f}x pysh)")
            print(f"  {tool.name:32} " + "   ".join(cells))
        ps_with_50(base, tools[0])
        config_of_200(base, tools)
    finally:
        subprocess.run(["rm", "-rf", str(base)])


def ps_with_50(base: Path, pysh: Tool) -> None:
    directory = base / "pysh" / "compose-bench50"
    directory.mkdir(parents=True)
    (directory / "compose.yaml").write_text(
        "services:\n  w:\n    image: compose-bench-busybox\n    command: sleep 600\n"
        "    stop_signal: SIGKILL\n    network_mode: none\n")
    tool = Tool(pysh.name, pysh.argv, pysh.env, directory)
    tool("up", "-d", "--scale", "w=50")
    try:
        values = [tool("ps") for _ in range(5)]
        print(f"\n`compose ps` with 50 running containers (pysh): {statistics.median(values) * 1000:.0f} ms")
    finally:
        tool("down", "-t", "0")


def config_of_200(base: Path, tools) -> None:
    text = "services:\n" + "".join(
        f"  s{i}:\n    image: busybox\n    command: sleep {i}\n    environment: [N={i}]\n"
        f"    ports: [\"{10000 + i}:80\"]\n    depends_on: [s{max(i - 1, 0)}]\n" if i else
        "  s0:\n    image: busybox\n" for i in range(200))
    print("\n`config` of a 200-service file, median of 5:")
    baseline = None
    for index, tool in enumerate(tools):
        directory = base / f"config-{index}"
        directory.mkdir()
        (directory / "docker-compose.yml").write_text(text)
        config = Tool(tool.name, tool.argv, tool.env, directory)
        try:
            values = [config("config") for _ in range(5)]
        except RuntimeError:
            print(f"  {tool.name:32} has no working `config` command")
            continue
        median = statistics.median(values)
        baseline = baseline or median
        print(f"  {tool.name:32} {median * 1000:7.0f} ms ({median / baseline:5.1f}x pysh)")


if __name__ == "__main__":
    main()
