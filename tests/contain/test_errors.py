"""Bad input: one line `pysh: contain CMD: ...`, a non-zero status, no traceback, nothing left behind."""

from __future__ import annotations

import pytest

from container_checks import own_pysh_cgroups

CASES = [
    # (argv, status, the whole stderr line)
    # --pull never: a missing image is not pulled (a pull asks a registry; tests/course tries that).
    (["run", "--rm", "--pull", "never", "nosuchimage"], 125,
     "pysh: contain run: No such image: nosuchimage:latest (and --pull never)"),
    (["run", "--foo", "busybox"], 125, "pysh: contain run: unknown flag --foo"),
    (["run", "-z", "busybox"], 125, "pysh: contain run: unknown shorthand flag: 'z' in -z"),
    (["run", "--name"], 125, "pysh: contain run: flag needs an argument: --name"),
    (["run", "-v", "/no/such/dir:/data", "busybox", "true"], 125,
     "pysh: contain run: invalid mount: host path /no/such/dir does not exist"),
    (["run", "-v", "a:b:c:d", "busybox", "true"], 125,
     "pysh: contain run: invalid volume specification: 'a:b:c:d' (use SRC:DST[:ro])"),
    (["run", "-v", "a/../..:/x", "busybox", "true"], 125,
     "pysh: contain run: invalid volume name 'a/../..': use [a-zA-Z0-9][a-zA-Z0-9_.-]* (or an absolute path for a bind mount)"),
    (["run", "--memory", "lots", "busybox", "true"], 1,
     "pysh: contain run: bad size 'lots': want a number with k, m, g or t (e.g. 512m, 5G)"),
    (["run", "--network", "nosuch", "busybox", "true"], 125, "pysh: contain run: network nosuch not found"),
    (["run", "--cap-add", "NOT_A_CAP", "busybox", "true"], 1, "pysh: contain run: unknown capability: NOT_A_CAP"),
    (["run", "-w", "relative", "busybox", "true"], 1,
     "pysh: contain run: the working directory 'relative' is not an absolute path"),
    (["run"], 125, 'pysh: contain run: "contain run" requires at least 1 argument: IMAGE [COMMAND] [ARG...]'),
    (["stop", "nosuch"], 1, "pysh: contain stop: no such container: nosuch"),
    (["exec", "nosuch", "true"], 1, "pysh: contain exec: no such container: nosuch"),
    (["frobnicate"], 125, "pysh: contain: unknown command 'frobnicate' (see contain help)"),
]


@pytest.mark.parametrize("argv, status, message", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input_is_one_line(root_contain, argv, status, message):
    done = root_contain.run(*argv)
    assert (done.returncode, done.stderr.strip()) == (status, message)
    assert not root_contain.container_ids()


def test_name_clash(root_contain):
    root_contain.out("run", "--name", "twice", "busybox", "true")
    done = root_contain.run("run", "--name", "twice", "busybox", "true")
    assert done.returncode == 1
    assert done.stderr.strip() == 'pysh: contain run: the container name "twice" is already in use'
    root_contain.out("rm", "twice")


def test_failed_start_leaves_nothing(root_contain):
    # The setup fails late (in PID 1, after cgroup, namespaces and mounts): the exec.
    cgroups_before = own_pysh_cgroups()
    done = root_contain.run("run", "--memory", "64m", "-v", "vol:/v", "busybox", "/no/such/program")
    assert done.returncode == 127
    assert done.stderr.strip() == 'pysh: contain run: exec "/no/such/program": No such file or directory'
    assert not root_contain.container_ids()
    assert own_pysh_cgroups() == cgroups_before
    # A user that does not exist in the image fails in setup too.
    done = root_contain.run("run", "-u", "ghost", "busybox", "true")
    assert done.returncode == 125
    assert "unable to find user ghost" in done.stderr
    assert not root_contain.container_ids()


def test_rootless_permission_errors_are_one_line(user_home, open_tmp):
    private = open_tmp / "private"
    private.mkdir(mode=0o700)
    done = user_home.run("run", "--rm", "-v", f"{private}:/p", "busybox", "ls", "/p")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not user_home.container_ids()
