"""examples/course/06..09: a server on a published port, the course's Dockerfiles, compose's
basic example and web + redis. Images are built on the host (their RUN steps fetch Debian
packages through apt); everything that listens or connects runs in a network namespace of
the test's own, where the course's ports 8080 and 6379 are free.

A test whose feature has not landed (ports, networks, compose) skips, saying which.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time

import pexpect
import pytest

from course_support import EXAMPLES, PYSH, Course, build, copy_example, http_get
from course_features import compose_missing, compose_networks_missing, missing, networks_missing, ports_missing
from course_netns import in_new_netns, shell_in_new_netns

REDIS_CLI = shutil.which("redis-cli")


# --------------------------------------------------------------------------- 06: a server


def test_server_on_port_8080(course: Course):
    reason = ports_missing()
    if reason:
        pytest.skip(reason)
    done = subprocess.run(shell_in_new_netns([str(PYSH), str(EXAMPLES / "06-server/server.pysh")]),
                          env=course.env, cwd=str(course.home), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "<title>Welcome to nginx!</title>"
    assert lines[1].split()[:2] == ["CONTAINER", "ID"] and "PORTS" in lines[1]
    assert re.search(r" nginx +\"/docker-entrypoint\.…\" .* 0\.0\.0\.0:8080->80/tcp +[a-z]+_[a-z]+$", lines[2])
    assert lines[3] == f"killed {lines[2].split()[-1]}"
    assert not course.containers()


# --------------------------------------------------------------------------- 07: Dockerfiles


def test_the_vim_image_built_on_debian(course: Course):
    build(course, "debvim", EXAMPLES / "07-dockerfiles/debvim")
    config = course.contain("inspect", "--format", "{{json .Config.Cmd}}", "debvim").stdout
    assert config == '["vim"]\n'
    child = pexpect.spawn(sys.executable, ["-m", "pyshell.contain", "run", "-ti", "--rm", "debvim"],
                          env=course.env, cwd=str(course.home), timeout=120, dimensions=(24, 80), encoding="utf-8",
                          codec_errors="replace")
    child.expect("VIM - Vi IMproved")  # vim's intro screen: a full-screen program at a real terminal
    child.send(":q\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    again = course.contain("build", "-t", "debvim", str(EXAMPLES / "07-dockerfiles/debvim"))
    assert again.stdout.count("Using cache") == 2  # RUN and CMD: nothing built twice
    course.contain("rmi", "debvim")


def unginx_scenario(course: Course) -> tuple[str, str]:
    course.contain("run", "-d", "-P", "--rm", "--name", "course-unginx", "unginx")
    try:
        ps = course.contain("ps").stdout
        port = re.search(r"0\.0\.0\.0:(\d+)->80/tcp", ps)
        assert port, ps
        return ps, http_get(f"http://127.0.0.1:{port[1]}/")
    finally:
        course.contain("kill", "course-unginx")


def test_the_debian_web_server_with_publish_all(course: Course):
    build(course, "unginx", EXAMPLES / "07-dockerfiles/unginx")
    assert course.contain("inspect", "--format", "{{json .Config.ExposedPorts}}", "unginx").stdout \
        == '{"80/tcp": {}}\n'
    reason = ports_missing()
    if reason:
        course.contain("rmi", "unginx")
        pytest.skip(reason)
    ps, page = in_new_netns(unginx_scenario, course)
    assert "\"nginx -g 'daemon of…\"" in ps
    assert "<title>Welcome to nginx!</title>" in page
    for _ in range(50):
        if not course.containers():
            break
        time.sleep(0.1)
    assert not course.containers()  # --rm
    course.contain("rmi", "unginx")


# --------------------------------------------------------------------------- 08: compose, the basic example


def basic_scenario(course: Course, project) -> dict:
    course.compose(project, "up", "-d")
    try:
        for _ in range(300):
            value = course.compose(project, "exec", "-T", "myredis", "redis-cli", "GET", "key_100").stdout.strip()
            if value.isdigit() and int(value) >= 1:
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"key_100 never counted: {value!r}")
        return {"logs": course.compose(project, "logs", "--no-color", "client").stdout,
                "ps": course.compose(project, "ps").stdout}
    finally:
        course.compose(project, "down", "-t", "1")


def test_compose_basic_example(course: Course, workdir):
    reason = missing(compose_missing, networks_missing) or compose_networks_missing(course)
    if reason:
        pytest.skip(reason)
    project = copy_example("08-compose-basic", workdir)
    build(course, "redis-cli", project / "redis-cli")
    seen = in_new_netns(basic_scenario, course, project)
    assert re.search(r"client-1 +\| SET 1\nclient-1 +\| OK\nclient-1 +\| SET 2\n", seen["logs"]), seen["logs"][:400]
    # redis-cli says "(integer) N" at a terminal, a bare N when its output is a log (Docker's too)
    assert re.search(r"client-1 +\| INCR 1\nclient-1 +\| (\(integer\) )?\d+\n", seen["logs"]), seen["logs"][:400]
    assert "myredis" in seen["ps"] and "client" in seen["ps"]
    assert not course.containers()


# --------------------------------------------------------------------------- 09: web + redis


def web_redis_scenario(course: Course, project) -> dict:
    course.compose(project, "up", "-d")
    try:
        for _ in range(100):
            if subprocess.run([REDIS_CLI, "PING"], capture_output=True, text=True).stdout == "PONG\n":
                break
            time.sleep(0.1)
        set_ = subprocess.run([REDIS_CLI, "SET", "key_12", "11"], capture_output=True, text=True).stdout
        get = subprocess.run([REDIS_CLI, "GET", "key_12"], capture_output=True, text=True).stdout
        return {"set": set_, "get": get, "page": http_get("http://127.0.0.1:8080/")}
    finally:
        course.compose(project, "down", "-t", "1")


@pytest.mark.skipif(REDIS_CLI is None, reason="redis-cli (Debian's redis-tools) is not installed on the host")
def test_web_and_redis_from_the_host(course: Course, workdir):
    reason = missing(compose_missing, networks_missing, ports_missing) or compose_networks_missing(course)
    if reason:
        pytest.skip(reason)
    project = copy_example("09-web-redis", workdir)
    build(course, "mywebserver", project / "mywebserver")
    seen = in_new_netns(web_redis_scenario, course, project)
    assert (seen["set"], seen["get"]) == ("OK\n", "11\n")  # the course's `redis-cli GET key_12`, from the host
    assert "<p>key_12 = 11</p>" in seen["page"]          # the page asked myredis by its name
    assert not course.containers()
