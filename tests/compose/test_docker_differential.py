"""The same projects under pysh's compose and under docker-compose 1.29 on the Docker peer
(../shared/reference/scripts/docker-peer.sh), where the two agree on the meaning:
the interpolated and normalized model (compared as meaning: v1 and v2 print different
shapes), which services profiles enable, the environment a container sees, and the exit
statuses of --exit-code-from and --abort-on-container-exit. Names are `compose-...`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import docker_peer
from busybox_binary import static_busybox
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _peer_env() -> dict | None:
    if docker_peer.start():
        return None
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DOCKER_HOST": docker_peer.DOCKER_HOST, "HOME": "/root",
           "LANG": "C.UTF-8"}
    return env if shutil.which("docker-compose") else None


@pytest.fixture(scope="module")
def docker_env():
    env = _peer_env()
    if env is None:
        pytest.skip(docker_peer.start() or "docker-compose is not installed")
    return env


def write(directory: Path, files: dict) -> None:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def docker_config(directory, env, args=(), extra_env=None) -> dict:
    done = subprocess.run(["docker-compose", *args, "config"], cwd=directory, env={**env, **(extra_env or {})},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def pysh_config(directory, args=(), extra_env=None) -> dict:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH": str(ROOT), **(extra_env or {})}
    done = subprocess.run([sys.executable, "-m", "pyshell.compose", *args, "config"], cwd=directory, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def meaning(model: dict) -> dict:
    """What both versions agree a project means, in one shape."""
    result = {}
    for name, service in (model.get("services") or {}).items():
        command = service.get("command")
        if isinstance(command, str):
            command = shlex.split(command)
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
        ports = []
        for port in service.get("ports", ()):
            if isinstance(port, str):  # v1: "127.0.0.1:8080:80/tcp"
                spec, _, protocol = port.partition("/")
                parts = spec.split(":")
                ports.append((int(parts[-1]), str(parts[-2]) if len(parts) > 1 else "", protocol or "tcp"))
            else:
                ports.append((int(port["target"]), str(port.get("published", "")), port.get("protocol", "tcp")))
        volumes = []
        for volume in service.get("volumes", ()):
            if isinstance(volume, str):
                parts = volume.split(":")
                volumes.append(parts[1] if len(parts) > 1 else parts[0])
            else:
                volumes.append(volume["target"])
        result[name] = {"image": service.get("image"), "command": command,
                        "environment": {k: (None if v is None else str(v)) for k, v in environment.items()},
                        "ports": sorted(ports), "volumes": sorted(volumes),
                        "depends_on": sorted(service.get("depends_on") or ()),
                        "restart": service.get("restart"), "working_dir": service.get("working_dir"),
                        "user": service.get("user")}
    return result


PROJECTS = [
    ("interpolation", {"compose.yaml": """\
        services:
          web:
            image: "compose-busybox:${TAG:-latest}"
            command: sh -c "echo ${GREETING:-hi} $${HOME}"
            environment:
              A: "${A_VALUE}"
              B: "${UNSET_B-default-b}"
              C: "${EMPTY_C:-empty-default}"
              D: "${EMPTY_C-kept-empty}"
              BARE:
            ports: ["127.0.0.1:${PORT:-8080}:80", "9000:90/udp"]
            working_dir: /srv
            user: "${RUN_AS:-1000}"
        """, ".env": "A_VALUE=from-dotenv\nEMPTY_C=\nGREETING=hello\n"},
     (), {"TAG": "1.0", "BARE": "from-shell"}),
    ("shell-beats-dotenv", {"compose.yaml": """\
        services:
          s: {image: compose-busybox, environment: {V: "${V}", W: "${W}"}}
        """, ".env": "V=dotenv\nW=dotenv\n"}, (), {"V": "shell"}),
    ("env-file-flag", {"compose.yaml": """\
        services:
          s: {image: compose-busybox, environment: {V: "${V}"}}
        """, ".env": "V=dotenv\n", "other.env": "V=other\n"}, ("--env-file", "other.env"), {}),
    ("merge", {"a.yml": """\
        services:
          s:
            image: compose-busybox
            command: echo a
            environment: [A=1, B=2]
            ports: ["80:80"]
            volumes: ["/a:/data", "/b:/b"]
          t: {image: compose-busybox, depends_on: [s]}
        """, "b.yml": """\
        services:
          s:
            command: echo b
            environment: {B: "3", C: "4"}
            ports: ["81:81"]
            volumes: ["/c:/data"]
            restart: always
        """}, ("-f", "a.yml", "-f", "b.yml"), {}),
    ("anchors-extends", {"compose.yaml": """\
        x-base: &base
          image: compose-busybox
          restart: unless-stopped
        services:
          a:
            <<: *base
            command: [echo, a]
          b:
            extends: a
            environment: [X=1]
        """}, (), {}),
]


@pytest.mark.parametrize("name, files, args, extra_env", PROJECTS, ids=[p[0] for p in PROJECTS])
def test_config_means_the_same(docker_env, tmp_path, name, files, args, extra_env):
    directory = tmp_path / f"compose-{name}"
    directory.mkdir()
    write(directory, files)
    ours = meaning(pysh_config(directory, args, extra_env))
    theirs = meaning(docker_config(directory, docker_env, args, extra_env))
    assert ours == theirs


# ---------------------------------------------------------------- running under both

@pytest.fixture(scope="module")
def both(docker_env, tmp_path_factory):
    """Both engines with an image `compose-busybox`; yields a runner of either compose."""
    try:
        import pyshell.contain.api  # noqa: F401
    except ImportError:
        pytest.skip("pyshell.contain.api is not there yet (the layout branch has not landed)")
    binary = static_busybox()
    base = tmp_path_factory.mktemp("compose-diff")
    rootfs = base / "rootfs"
    (rootfs / "bin").mkdir(parents=True)
    shutil.copy2(binary, rootfs / "bin" / "busybox")
    for tool in ("sh", "env", "echo", "sleep", "cat", "sort", "grep", "true"):
        os.symlink("busybox", rootfs / "bin" / tool)
    (rootfs / "etc").mkdir()
    (rootfs / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n")
    (rootfs / "etc" / "group").write_text("root:x:0:\nnogroup:x:65534:\n")
    loaded = subprocess.run([str(docker_peer.SCRIPT), "load-rootfs", str(rootfs), "compose-busybox"], env=docker_env,
                            capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    home = base / "pysh-home"
    pysh_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH": str(ROOT), "PYSH_HOME": str(home),
                "HOME": str(base), "LANG": "C.UTF-8"}
    subprocess.run(["tar", "-C", str(rootfs), "-cf", str(base / "rootfs.tar"), "."], check=True)
    subprocess.run([sys.executable, "-m", "pyshell.contain", "import", str(base / "rootfs.tar"),
                    "compose-busybox"], env=pysh_env, check=True, capture_output=True)

    def run(engine: str, directory: Path, *args, timeout=120):
        if engine == "docker":
            return subprocess.run(["docker-compose", *args], cwd=directory, env=docker_env, capture_output=True,
                                  text=True, timeout=timeout)
        return subprocess.run(["unshare", "--net", sys.executable, "-m", "pyshell.compose", *args], cwd=directory,
                              env=pysh_env, capture_output=True, text=True, timeout=timeout)
    yield run


ENV_PROJECT = """\
    services:
      show:
        image: compose-busybox
        command: sh -c 'env | grep ^T_ | sort'
        env_file: [vars.env]
        environment:
          T_B: from-environment
          T_D: "${FROM_DOTENV}"
          T_BARE:
        network_mode: none
    """


def test_environment_a_container_sees(both, tmp_path):
    outputs = {}
    for engine in ("docker", "pysh"):
        directory = tmp_path / engine / "compose-env"
        write(directory, {"compose.yaml": ENV_PROJECT, ".env": "FROM_DOTENV=dot\nT_BARE=bare\n",
                          "vars.env": "T_A=file\nT_B=file\nT_C=two words\n"})
        done = both(engine, directory, "up", "--no-color")
        both(engine, directory, "down")
        assert done.returncode == 0, done.stdout + done.stderr
        outputs[engine] = sorted(line.split("| ", 1)[1].strip() for line in done.stdout.splitlines()
                                 if "| T_" in line)
    assert outputs["pysh"] == outputs["docker"]
    assert "T_B=from-environment" in outputs["pysh"]


EXIT_PROJECT = """\
    services:
      quick: {image: compose-busybox, command: sh -c 'exit 3', network_mode: none}
      ok: {image: compose-busybox, command: sh -c 'sleep 1; exit 0', network_mode: none}
      slow:
        image: compose-busybox
        command: sh -c 'trap "exit 0" TERM; sleep 20 & wait'
        network_mode: none
    """


@pytest.mark.parametrize("flags", [["--abort-on-container-exit"], ["--exit-code-from", "quick"],
                                   ["--exit-code-from", "ok"]], ids=lambda f: "_".join(f))
def test_exit_statuses_of_attached_up(both, tmp_path, flags):
    statuses = {}
    for engine in ("docker", "pysh"):
        directory = tmp_path / engine / "compose-exit"
        write(directory, {"compose.yaml": EXIT_PROJECT})
        done = both(engine, directory, "up", *flags)
        both(engine, directory, "down", "-t", "1")
        statuses[engine] = done.returncode
    assert statuses["pysh"] == statuses["docker"], statuses


PROFILE_PROJECT = """\
    services:
      web: {image: compose-busybox, command: "true", network_mode: none}
      db: {image: compose-busybox, command: "true", network_mode: none, profiles: [backend]}
      tools: {image: compose-busybox, command: "true", network_mode: none, profiles: [debug]}
    """


def _services_made(both, engine, directory, project, docker_env):
    if engine == "docker":
        done = subprocess.run(["docker", "ps", "-a", "--filter", f"label=com.docker.compose.project={project}",
                               "--format", '{{.Label "com.docker.compose.service"}}'], env=docker_env,
                              capture_output=True, text=True)
        return sorted(done.stdout.split())
    import json
    done = both("pysh", directory, "ps", "-a", "--format", "json")
    return sorted(row["Service"] for row in json.loads(done.stdout))


@pytest.mark.parametrize("args, extra", [((), {}), (("--profile", "backend"), {}),
                                         (("--profile", "backend", "--profile", "debug"), {}),
                                         (("-p", "compose-prof", "up", "tools"), {})],
                         ids=["none", "backend", "both", "named"])
def test_which_services_profiles_start(both, docker_env, tmp_path, args, extra):
    made = {}
    for engine in ("docker", "pysh"):
        directory = tmp_path / engine / "compose-prof"
        write(directory, {"compose.yaml": PROFILE_PROJECT})
        command = list(args) if "up" in args else ["-p", "compose-prof", *args, "up"]
        position = command.index("up")
        done = both(engine, directory, *command[:position + 1], "-d", *command[position + 1:])
        assert done.returncode == 0, done.stdout + done.stderr
        made[engine] = _services_made(both, engine, directory, "compose-prof", docker_env)
        both(engine, directory, "-p", "compose-prof", "--profile", "*" if engine == "pysh" else "debug",
             "--profile", "backend", "down")
    assert made["pysh"] == made["docker"], made
