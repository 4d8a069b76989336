"""Hostile input, as an attacker would try it, as root and rootless: flag values the kernel
would take wrongly, archives that point outside, and `contain run`s killed while they start.
Each case must end in a clear one-line error (or harmlessly), with nothing left behind."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from container_checks import cgroup_dirs

LONG = "a" * 300
FLAGS = [
    # (argv, status, text on stderr) — Docker's wording where Docker has one
    (["run", "--rm", "-m", "99999999999999999999999999g", "busybox", "echo", "hi"], 125,
     'invalid argument "99999999999999999999999999g" for "-m, --memory" flag: value out of range'),
    (["run", "--rm", "--cpus", "1e20", "busybox", "true"], 125, "Range of CPUs is from 0.01 to"),
    (["run", "--rm", "--cpus", "nan", "busybox", "true"], 125, "Range of CPUs is from 0.01 to"),
    (["run", "--rm", "--pids-limit", "99999999999999999999", "busybox", "true"], 125,
     'invalid argument "99999999999999999999" for "--pids-limit" flag: value out of range'),
    (["run", "--rm", "--pids-limit", "5000000", "busybox", "true"], 125, "the kernel accepts at most 4194304"),
    (["run", "--rm", "--stop-signal", "SIGBOGUS", "busybox", "true"], 125, "Invalid signal: SIGBOGUS"),
    (["run", "--rm", "--stop-signal", "99999", "busybox", "true"], 125, "Invalid signal: 99999"),
    (["run", "--rm", "--stop-signal", "0", "busybox", "true"], 125, "Invalid signal: 0"),
    (["ps", "extra", "arg"], 1, '"contain ps" accepts no arguments'),
    (["inspect", "--type", "bogus", "busybox"], 1,
     'unknown type: "bogus": must be one of "container", "image"'),
    (["inspect", "--type", "container", "busybox"], 1, "no such container: busybox"),
    (["tag", "busybox", f"x{LONG}"], 1, "repository name must not be more than 255 characters"),
    (["run", "--rm", "-e", "", "busybox", "true"], 125,
     'invalid argument "" for "-e, --env" flag: invalid environment variable: '),
    (["run", "--rm", "-e", "=x", "busybox", "true"], 125, "invalid environment variable: =x"),
    (["run", "-d", "--restart", "on-failure:99999999999999999999", "busybox", "true"], 125,
     "invalid restart policy format: maximum retry count must be an integer"),
    (["stop", "-t", "1e400", "nosuch"], 125, 'invalid argument "1e400" for "-t, --time" flag'),
    (["kill", "-s", "SIGBOGUS", "nosuch"], 1, "Invalid signal: SIGBOGUS"),
    (["run", "--rm", "--security-opt", "seccomp=/nonexistent", "busybox", "true"], 125,
     "opening seccomp profile (/nonexistent) failed"),
    (["run", "--rm", "--device", "/dev/null:/dev/x:rwz", "busybox", "true"], 125, "bad format for path"),
]


@pytest.mark.parametrize("argv,status,message", FLAGS, ids=[" ".join(c[0])[:60] for c in FLAGS])
def test_wrong_flags_are_refused(contain, argv, status, message):
    done = contain.run(*argv)
    assert done.returncode == status, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not contain.container_ids()


def test_what_the_kernel_takes_still_runs(contain):
    done = contain.run("run", "--rm", "--stop-signal", "RTMIN+3", "-e", "A", "--cpus", "0.5", "busybox",
                       "sh", "-c", "echo ok")
    limits_need_root = contain.uid != 0 and not os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    if limits_need_root:
        assert done.returncode == 1 and "need root" in done.stderr
    else:
        assert done.stdout == "ok\n", done.stderr


def test_oom_kill_is_reported(root_contain):
    hog = "x=$(head -c 50000000 /dev/zero | tr '\\0' a)"
    done = root_contain.run("run", "--name", "hog", "-m", "8m", "busybox", "sh", "-c", hog)
    assert done.returncode == 137
    assert "killed by the OOM killer (memory limit 8388608 bytes)" in done.stderr
    assert root_contain.out("inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "hog") == "true 137\n"
    root_contain.out("run", "--name", "fine", "-m", "8m", "busybox", "true")
    assert root_contain.out("inspect", "-f", "{{.State.OOMKilled}}", "fine") == "false\n"
    root_contain.out("rm", "hog", "fine")


# --------------------------------------------------------------------------- archives from strangers


def _tar(path: Path, members) -> Path:
    """members: (name, kind, payload): kind file/dir/symlink/hardlink; payload text or link target."""
    with tarfile.open(path, "w") as archive:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            info.mode = 0o755 if kind == "dir" else 0o644
            if kind == "file":
                data = payload.encode()
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE}[kind]
            info.linkname = payload or ""
            archive.addfile(info)
    os.chmod(path, 0o644)
    return path


def _sentinel(directory: Path) -> Path:
    """A host directory with one file: afterwards it must hold exactly that, unchanged."""
    directory.mkdir()
    (directory / "secret").write_text("host\n")
    os.chmod(directory, 0o777)
    return directory


LAYERS = [
    # (name, members given the sentinel dir S, the import's error or None, what `cat /probe` shows)
    ("dotdot member", lambda s: [("../../../../../../" + str(s).lstrip("/") + "/owned", "file", "x")],
     "escapes the layer", None),
    ("absolute member", lambda s: [(str(s) + "/owned", "file", "inside\n"), ("probe", "symlink", str(s) + "/owned")],
     None, "inside\n"),
    ("hard link to a host file", lambda s: [("probe", "hardlink", str(s) + "/secret")], "", None),
    ("symlink then a file through it", lambda s: [("evil", "symlink", str(s)), ("evil/owned", "file", "x"),
                                                  ("probe", "symlink", "/evil/owned")], None, "x"),
    ("symlink up then a file", lambda s: [("up", "symlink", "../../../../.." + str(s)), ("up/owned", "file", "y"),
                                          ("probe", "symlink", "/up/owned")], None, "y"),
]


@pytest.mark.parametrize("name,members,error,content", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_tars_stay_inside(contain, open_tmp, name, members, error, content):
    sentinel = _sentinel(open_tmp / "host")
    archive = _tar(open_tmp / "evil.tar", members(sentinel))
    done = contain.run("import", str(archive), "evil")
    try:
        if error is not None:
            # a hard link to a file the layer lacks: refused (what is refused, said in one line)
            assert done.returncode != 0 and error in done.stderr and "Traceback" not in done.stderr, done.stderr
        else:
            assert done.returncode == 0, done.stderr
            from pyshell.contain.build.files import ImageTree
            from pyshell.contain.image.store import ImageStore

            assert ImageTree(ImageStore(contain.home).resolve("evil").layer_dirs).read_text("probe") == content
    finally:
        contain.run("rmi", "evil")
    assert sorted(p.name for p in sentinel.iterdir()) == ["secret"]
    assert (sentinel / "secret").read_text() == "host\n" and os.stat(sentinel / "secret").st_nlink == 1


def _docker_save_dir(directory: Path, config: str, layers: list[str]) -> Path:
    directory.mkdir()
    (directory / "manifest.json").write_text(json.dumps([{"Config": config, "RepoTags": ["evil:latest"],
                                                          "Layers": layers}]))
    os.chmod(directory, 0o755)
    os.chmod(directory / "manifest.json", 0o644)
    return directory


def test_docker_save_archives_cannot_name_host_files(contain, open_tmp):
    host_tar = _tar(open_tmp / "host-layer.tar", [("stolen", "file", "host layer\n")])
    diff_id = "sha256:" + hashlib.sha256(host_tar.read_bytes()).hexdigest()  # the config asks for that layer
    host_config = open_tmp / "host-config.json"
    host_config.write_text(json.dumps({"architecture": "amd64", "os": "linux",
                                       "rootfs": {"type": "layers", "diff_ids": [diff_id]}}))
    os.chmod(host_config, 0o644)
    cases = {
        "absolute config": (str(host_config), [str(host_tar)]),
        "dotdot config": ("../host-config.json", [str(host_tar)]),
        "absolute layer": ("config.json", [str(host_tar)]),
        "linked layer": ("config.json", ["layer.tar"]),
    }
    for name, (config, layers) in cases.items():
        archive = _docker_save_dir(open_tmp / name.replace(" ", "-"), config, layers)
        (archive / "config.json").write_text(host_config.read_text())
        os.symlink(host_tar, archive / "layer.tar")
        done = contain.run("load", "-i", str(archive))
        assert done.returncode != 0, f"{name}: {done.stdout}"
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "evil" not in contain.out("images")


def test_docker_save_tar_with_a_link_loop(contain, open_tmp):
    archive = _tar(open_tmp / "loop.tar", [
        ("manifest.json", "file", json.dumps([{"Config": "a", "RepoTags": ["evil:latest"], "Layers": []}])),
        ("a", "symlink", "b"), ("b", "symlink", "a")])
    done = contain.run("load", "-i", str(archive), timeout=20)
    assert done.returncode != 0 and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- killed while starting


def test_a_run_killed_during_start_up_leaves_nothing(contain):
    """The issue's loop: `contain run --rm` killed (the whole process group) at moments spread
    over its start; the next command cleans what each left (cgroup dirs, the directory)."""
    seen: set[str] = set()  # the ids of what the killed runs left (other users' containers run meanwhile)
    for attempt in range(16):
        process = subprocess.Popen(contain.argv("run", "--rm", "--name", f"rk{attempt}", "busybox", "sleep", "0.2"),
                                   env=contain.env, cwd=str(contain.home), start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.05 + attempt * 0.07)  # from before the imports are done to after PID 1 runs (a loaded machine)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        seen |= set(contain.container_ids())
    time.sleep(0.3)
    listed = contain.out("ps", "-a")  # every command reconciles first
    assert not [line for line in listed.splitlines()[1:] if " rk" in line], listed
    assert not contain.container_ids()
    assert seen, "no run was cut short after its directory was made: the timing missed"
    assert not [d for container_id in seen for d in cgroup_dirs(container_id[:12])]
    assert not _processes_running("sleep 0.2")


def test_a_killed_supervisor_takes_the_container_with_it(contain):
    contain.out("run", "-d", "--name", "orphan", "busybox", "sleep", "1000")
    container_id = contain.out("inspect", "-f", "{{.Id}}", "orphan").strip()
    words = (contain.home / "containers" / container_id / "running").read_text().split()
    os.kill(int(words[0]), signal.SIGKILL)
    for _ in range(100):  # no command in between: PID 1 goes by itself (PR_SET_PDEATHSIG)
        if not os.path.exists(f"/proc/{words[2]}") or "Z" in Path(f"/proc/{words[2]}/stat").read_text().split()[2]:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("PID 1 outlived its supervisor")
    assert "Exited (255)" in contain.out("ps", "-a")
    contain.out("rm", "orphan")


def test_a_killed_rm_supervisor_is_removed(contain):
    """--rm: a container whose supervisor died is removed by the next command, as Docker would."""
    process = subprocess.Popen(contain.argv("run", "--rm", "--name", "gone", "busybox", "sleep", "1000"),
                               env=contain.env, cwd=str(contain.home), start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        running = list((contain.home / "containers").glob("*/running")) if (contain.home / "containers").exists() else []
        if running:
            break
        time.sleep(0.02)
    assert running
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    time.sleep(0.1)
    assert "gone" not in contain.out("ps", "-a")
    assert not contain.container_ids()


def _processes_running(command_line: str) -> bool:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").strip() == command_line.encode():
                    return True
            except OSError:
                pass
    return False


# --------------------------------------------------------------------------- the checks themselves

SIGNALS = [("TERM", 15), ("sigkill", 9), ("SIGRTMIN+3", 37), ("RTMAX-1", 63), ("64", 64), ("1", 1),
           ("0", None), ("65", None), ("SIGBOGUS", None), ("", None), ("SIG", None), ("RTMIN+99", None)]


@pytest.mark.parametrize("text,number", SIGNALS)
def test_signal_numbers(text, number):
    from pyshell.contain.validation import signal_number
    from pyshell.errors import ContainerError

    if number is None:
        with pytest.raises(ContainerError, match="Invalid signal"):
            signal_number(text)
    else:
        assert signal_number(text) == number


@pytest.mark.parametrize("text,size", [("64m", 64 << 20), ("8e", None), ("9" * 30 + "g", None),
                                       ("9" * 400, None), ("8589934592g", None), ("8589934591g", 8589934591 << 30)])
def test_memory_sizes(text, size):
    from pyshell.contain.validation import memory
    from pyshell.errors import ContainerError

    if size is None:
        with pytest.raises(ContainerError):
            memory(text)
    else:
        assert memory(text) == size


@pytest.mark.parametrize("text,nanoseconds", [("1m30s", 90 * 10**9), ("2562047h", 2562047 * 3600 * 10**9),
                                              ("2562048h", None), ("99999999999h", None)])
def test_durations_fit_docker(text, nanoseconds):
    from pyshell.errors import ContainerError
    from pyshell.units import parse_duration

    if nanoseconds is None:
        with pytest.raises(ContainerError, match="invalid duration"):
            parse_duration(text)
    else:
        assert parse_duration(text) == nanoseconds


def test_builds_read_only_their_context(contain, open_tmp):
    """The issue's COPY through `etclink -> /etc`, as root and rootless: the link resolves inside
    the context (which has an etc/ of its own), never to the host's /etc."""
    context = open_tmp / "ctx"
    (context / "etc").mkdir(parents=True)
    (context / "etc" / "hostname").write_text("the context's\n")
    os.symlink("/etc", context / "etclink")
    for path in (context, context / "etc"):
        os.chmod(path, 0o755)
    os.chmod(context / "etc" / "hostname", 0o644)
    (context / "Dockerfile").write_text("FROM busybox\nCOPY etclink/shadow /s\n")
    os.chmod(context / "Dockerfile", 0o644)
    done = contain.run("build", "-t", "escape", str(context))
    assert done.returncode == 1 and "etclink/shadow: no such file or directory in the build context" in done.stderr
    (context / "Dockerfile").write_text("FROM busybox\nCOPY etclink/hostname /h\nCMD cat /h\n")
    contain.out("build", "-t", "escape", str(context))
    try:
        assert contain.out("run", "--rm", "escape") == "the context's\n"
    finally:
        contain.run("rmi", "escape")


def test_a_command_signalling_its_process_group_reaches_only_the_container(contain):
    """apache's parent sends SIGTERM to its process group as it stops: PID 1 has a session of
    its own, so the supervisor outside (and the port proxy) never get it."""
    contain.out("run", "-d", "--name", "pgrp", "busybox", "sh", "-c", "kill -TERM 0; exec sleep 100")
    time.sleep(0.5)
    assert contain.out("inspect", "-f", "{{.State.Status}}", "pgrp") == "running\n"
    contain.out("stop", "-t", "1", "pgrp")  # sleep, PID 1 without a handler, ignores SIGTERM: SIGKILL
    assert contain.out("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "pgrp") == "exited 137\n"
    contain.out("rm", "pgrp")
