"""Health checks run by the container's own supervisor (runtime/health.py): flags, the
Dockerfile's HEALTHCHECK, `ps` status and `inspect` State.Health — as root and rootless."""

import json
import time

import pytest


def health(contain, name):
    return json.loads(contain.out("inspect", name))[0]["State"].get("Health")


def wait_for_status(contain, name, wanted, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        found = health(contain, name)
        if found and found["Status"] == wanted:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{name} never became {wanted}: {health(contain, name)}")


def test_becomes_healthy_and_ps_says_so(contain):
    contain.out("run", "-d", "--name", "hc-ok", "--health-cmd", "test -e /tmp/ready", "--health-interval", "100ms",
                "--health-retries", "50", "busybox", "sh", "-c", "sleep 3; touch /tmp/ready; exec sleep 60")
    try:
        assert health(contain, "hc-ok")["Status"] == "starting"
        assert "(health: starting)" in contain.out("ps")
        found = wait_for_status(contain, "hc-ok", "healthy")
        assert found["FailingStreak"] == 0 and found["Log"][-1]["ExitCode"] == 0
        assert any(entry["ExitCode"] == 1 for entry in found["Log"])  # before /tmp/ready existed
        assert "(healthy)" in contain.out("ps")
        config = json.loads(contain.out("inspect", "hc-ok"))[0]["Config"]["Healthcheck"]
        assert config["Test"] == ["CMD-SHELL", "test -e /tmp/ready"] and config["Interval"] == 100_000_000
    finally:
        contain.run("rm", "-f", "hc-ok")


def test_failures_in_a_row_make_it_unhealthy_with_the_output(contain):
    contain.out("run", "-d", "--name", "hc-bad", "--health-cmd", "echo nope; exit 2", "--health-interval", "100ms",
                "--health-retries", "3", "busybox", "sleep", "60")
    try:
        found = wait_for_status(contain, "hc-bad", "unhealthy")
        assert found["FailingStreak"] >= 3
        assert found["Log"][-1] == {**found["Log"][-1], "ExitCode": 2, "Output": "nope\n"}
        assert "(unhealthy)" in contain.out("ps")
    finally:
        contain.run("rm", "-f", "hc-bad")


def test_a_check_that_runs_too_long_is_killed(contain):
    contain.out("run", "-d", "--name", "hc-slow", "--health-cmd", "sleep 30", "--health-interval", "100ms",
                "--health-timeout", "300ms", "--health-retries", "1", "busybox", "sleep", "60")
    try:
        found = wait_for_status(contain, "hc-slow", "unhealthy")
        assert found["Log"][-1]["ExitCode"] == -1
        assert "exceeded timeout" in found["Log"][-1]["Output"]
    finally:
        contain.run("rm", "-f", "hc-slow")


def test_failures_in_the_start_period_do_not_count(contain):
    contain.out("run", "-d", "--name", "hc-start", "--health-cmd", "false", "--health-interval", "100ms",
                "--health-start-interval", "100ms", "--health-start-period", "60s", "--health-retries", "1",
                "busybox", "sleep", "60")
    try:
        time.sleep(1)
        found = health(contain, "hc-start")
        assert found["Status"] == "starting" and found["Log"], found
    finally:
        contain.run("rm", "-f", "hc-start")


def test_dockerfile_healthcheck_and_no_healthcheck(contain, open_tmp):
    (open_tmp / "Dockerfile").write_text("FROM busybox\nHEALTHCHECK --interval=100ms --retries=2 CMD [\"true\"]\n")
    contain.out("build", "-t", "hc-image", str(open_tmp), timeout=120)
    contain.out("run", "-d", "--name", "hc-img", "hc-image", "sleep", "60")
    contain.out("run", "-d", "--name", "hc-none", "--no-healthcheck", "hc-image", "sleep", "60")
    try:
        found = wait_for_status(contain, "hc-img", "healthy")
        assert found["Log"][-1]["ExitCode"] == 0
        assert health(contain, "hc-none") is None
    finally:
        contain.run("rm", "-f", "hc-img", "hc-none")
        contain.run("rmi", "hc-image")


def test_no_health_without_a_check(contain):
    contain.out("run", "-d", "--name", "hc-plain", "busybox", "sleep", "60")
    try:
        assert health(contain, "hc-plain") is None
        assert "health" not in contain.out("ps")
    finally:
        contain.run("rm", "-f", "hc-plain")


@pytest.mark.parametrize("flags, message", [
    (["--health-interval", "1s"], "--health-interval needs --health-cmd"),
    (["--health-cmd", "true", "--health-interval", "soon"], "invalid --health-interval 'soon'"),
    (["--health-cmd", "true", "--no-healthcheck"], "--no-healthcheck conflicts with --health-* options"),
])
def test_health_flag_errors(root_contain, flags, message):
    done = root_contain.run("run", "-d", *flags, "busybox", "sleep", "1")
    assert done.returncode == 125
    assert message in done.stderr and "Traceback" not in done.stderr
