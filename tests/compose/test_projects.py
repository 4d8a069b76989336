"""Small projects run for real: ps, logs, exit statuses, order, idempotent up, down."""

import json
import os
import re
import time

import pytest


def ps(compose, *flags):
    rows = json.loads(compose.ok("ps", "--format", "json", *flags).stdout)
    return {row["Name"]: row for row in rows}


def test_up_detached_ps_logs_down(compose):
    compose.write("""\
        name: demo
        services:
          db:
            image: busybox
            command: sh -c 'echo db ready; exec sleep 60'
            network_mode: none
          web:
            image: busybox
            command: ["sh", "-c", "echo web says $$GREETING; exec sleep 60"]
            environment: {GREETING: hello}
            depends_on: [db]
            network_mode: none
            stop_signal: SIGKILL
        """)
    done = compose.ok("up", "-d")
    assert " ✔ Container demo-db-1  Started" in done.stderr
    assert " ✔ Container demo-web-1  Started" in done.stderr
    rows = ps(compose)
    assert sorted(rows) == ["demo-db-1", "demo-web-1"]
    assert all(row["State"] == "running" and row["Status"].startswith("Up") for row in rows.values())
    from pyshell.contain import api
    os.environ["PYSH_HOME"] = compose.env["PYSH_HOME"]
    labels = api.get("demo-web-1").labels
    assert labels["com.docker.compose.project"] == "demo"
    assert labels["com.docker.compose.service"] == "web"
    assert labels["com.docker.compose.container-number"] == "1"
    assert len(labels["com.docker.compose.config-hash"]) == 64
    assert api.get("demo-db-1").started_at <= api.get("demo-web-1").started_at
    logs = compose.ok("logs", "--no-color").stdout
    assert "db-1   | db ready\n" in logs and "web-1  | web says hello\n" in logs
    assert compose.ok("logs", "--no-log-prefix", "web").stdout == "web says hello\n"
    done = compose.ok("down", "-t", "1")
    assert done.stderr.index("demo-web-1  Removed") < done.stderr.index("demo-db-1  Removed")
    assert ps(compose, "-a") == {}


STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z"


def test_logs_timestamps_since_until_tail(compose):
    compose.write("""\
        name: stamps
        services:
          web:
            image: busybox
            command: sh -c 'echo one; echo oops >&2; sleep 0.3; echo two; exec sleep 60'
            network_mode: none
            stop_signal: SIGKILL
        """)
    compose.ok("up", "-d")
    deadline = time.time() + 10
    while "two" not in compose.ok("logs").stdout:
        assert time.time() < deadline
        time.sleep(0.05)
    # As docker compose v2: the prefix, then the time; stderr's lines among stdout's, in order.
    lines = compose.ok("logs", "-t", "--no-color").stdout.splitlines()
    assert [re.fullmatch(f"web-1  \\| ({STAMP}) (one|oops|two)", line) is not None for line in lines] == [True] * 3
    assert [line.rsplit(" ", 1)[1] for line in lines] == ["one", "oops", "two"]
    times = [line.split()[2] for line in lines]
    assert times == sorted(times) and times[0] < times[2]
    assert compose.ok("logs", "--no-log-prefix", "--timestamps").stdout == "".join(
        f"{stamp} {text}\n" for stamp, text in zip(times, ["one", "oops", "two"]))
    assert compose.ok("logs", "--no-log-prefix", "--since", times[2]).stdout == "two\n"
    assert compose.ok("logs", "--no-log-prefix", "--until", times[0]).stdout == "one\n"
    assert compose.ok("logs", "--no-log-prefix", "--since", "10m", "--tail", "2").stdout == "oops\ntwo\n"
    assert compose.ok("logs", "--no-log-prefix", "--until", "10m").stdout == ""
    # -f --until: what there is up to then, and it ends though the container runs on.
    done = compose.ok("logs", "-f", "--no-log-prefix", "--until", times[2])
    assert done.stdout == "one\noops\ntwo\n"
    compose.ok("down", "-t", "0")


def test_up_is_idempotent_and_recreates_what_changed(compose):
    text = """\
        services:
          a: {image: busybox, command: sleep 60, network_mode: none, stop_signal: SIGKILL}
          b: {image: busybox, command: sleep 61, network_mode: none, stop_signal: SIGKILL}
        """
    compose.write(text, "compose.yaml")
    compose.ok("up", "-d")
    first = {name: row["ID"] for name, row in ps(compose).items()}
    done = compose.ok("up", "-d")
    assert "proj-a-1  Running" in done.stderr and "Created" not in done.stderr
    assert {name: row["ID"] for name, row in ps(compose).items()} == first
    compose.write(text.replace("sleep 61", "sleep 62"))
    done = compose.ok("up", "-d")
    second = {name: row["ID"] for name, row in ps(compose).items()}
    assert second["proj-a-1"] == first["proj-a-1"]
    assert second["proj-b-1"] != first["proj-b-1"]
    assert "proj-b-1  Recreated" in done.stderr


def test_completed_successfully_orders_a_job_before_its_user(compose):
    compose.write("""\
        services:
          init:
            image: busybox
            command: sh -c 'sleep 0.5; echo seeded > /shared/ready'
            volumes: [./shared:/shared]
            network_mode: none
          app:
            image: busybox
            command: cat /shared/ready
            volumes: [./shared:/shared]
            network_mode: none
            depends_on: {init: {condition: service_completed_successfully}}
        """)
    done = compose.run("up", "--exit-code-from", "app", "--no-color")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "app-1   | seeded" in done.stdout
    assert "proj-app-1 exited with code 0" in done.stdout
    assert (compose.directory / "shared").is_dir()  # ./shared was created, as docker compose does


def test_failed_dependency_stops_up(compose):
    compose.write("""\
        services:
          init: {image: busybox, command: sh -c 'exit 4', network_mode: none}
          app:
            image: busybox
            command: echo never
            network_mode: none
            depends_on: {init: {condition: service_completed_successfully}}
        """)
    done = compose.run("up", "-d")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == \
        "compose: service \"init\" didn't complete successfully: exit 4"  # docker compose v2's words
    assert ps(compose, "-a")["proj-app-1"]["State"] == "created"  # v2: made in the create phase, never started


CHAIN = """\
    services:
      a: {image: busybox, command: sleep 60, stop_signal: SIGKILL}
      b: {image: busybox, command: sleep 60, stop_signal: SIGKILL, depends_on: [a]}
      c: {image: busybox, command: sleep 60, stop_signal: SIGKILL, depends_on: [b]}
    """


def test_up_creates_every_container_then_starts_them_in_order(compose):
    compose.write(CHAIN)
    done = compose.ok("up", "-d")
    lines = [line.split("✔ ", 1)[1] for line in done.stderr.splitlines() if "✔" in line]
    # As docker compose v2 prints them: the network, every container made, then the starts.
    assert lines == ["Network proj_default  Created", "Container proj-a-1  Created", "Container proj-b-1  Created",
                     "Container proj-c-1  Created", "Container proj-a-1  Started", "Container proj-b-1  Started",
                     "Container proj-c-1  Started"], done.stderr
    from pyshell.contain import api
    os.environ["PYSH_HOME"] = compose.env["PYSH_HOME"]
    started = [api.get(f"proj-{name}-1").started_at for name in "abc"]
    assert started == sorted(started)


def test_up_makes_networks_then_volumes_then_containers(compose):
    compose.write("""\
        services:
          a: {image: busybox, command: sleep 60, stop_signal: SIGKILL, volumes: [data:/data]}
        volumes:
          data:
        """)
    done = compose.ok("up", "-d")
    lines = [line.split("✔ ", 1)[1] for line in done.stderr.splitlines() if "✔" in line]
    assert lines == ["Network proj_default  Created", 'Volume "proj_data"  Created', "Container proj-a-1  Created",
                     "Container proj-a-1  Started"], done.stderr


def test_up_no_start_creates_and_up_starts_what_was_created(compose):
    compose.write(CHAIN)
    done = compose.ok("up", "--no-start")
    assert "Started" not in done.stderr and " ✔ Network proj_default  Created" in done.stderr
    assert {name: row["State"] for name, row in ps(compose, "-a").items()} == \
        {"proj-a-1": "created", "proj-b-1": "created", "proj-c-1": "created"}
    done = compose.ok("up", "-d")
    assert "Created" not in done.stderr and done.stderr.count("Started") == 3
    assert all(row["State"] == "running" for row in ps(compose).values())


@pytest.mark.parametrize("networks, error", [
    ("one: {ipam: {config: [{subnet: 10.231.0.0/24}]}}\n  two: {ipam: {config: [{subnet: 10.231.0.0/24}]}}",
     "compose: network proj_two: Pool overlaps"),
    ("one: {}\n  two: {external: true, name: not-here}",
     "compose: network not-here declared as external, but could not be found"),
])
def test_a_network_that_cannot_be_made_leaves_no_container(compose, networks, error):
    compose.write("services:\n"
                  "  a: {image: busybox, command: sleep 60, networks: [one]}\n"
                  "  b: {image: busybox, command: sleep 60, networks: [two], depends_on: [a]}\n"
                  f"networks:\n  {networks}\n")
    done = compose.run("up", "-d")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(error), done.stderr
    # docker compose makes the networks before any container: the containers made meanwhile
    # are taken away again, and never shown
    assert ps(compose, "-a") == {} and "Container" not in done.stderr


@pytest.mark.parametrize("flags, status, line", [
    (["--abort-on-container-exit"], 3, "proj-quick-1 exited with code 3"),
    (["--exit-code-from", "quick"], 3, "Aborting on container exit..."),
    (["--exit-code-from", "slow"], 137, "proj-slow-1 exited with code 137"),
])
def test_exit_codes_of_attached_up(compose, flags, status, line):
    compose.write("""\
        services:
          quick: {image: busybox, command: sh -c 'echo q; exit 3', network_mode: none}
          slow: {image: busybox, command: sh -c 'echo s; sleep 30', network_mode: none, stop_grace_period: 1s}
        """)
    done = compose.run("up", *flags)
    assert done.returncode == status, done.stdout + done.stderr
    assert line in done.stdout
    assert "quick-1  | q" in done.stdout and "slow-1   | s" in done.stdout


def test_environment_a_container_sees(compose):
    compose.write("""\
        services:
          env:
            image: busybox
            command: sh -c 'echo "A=$$A B=$$B C=$$C D=$$D"'
            env_file: [vars.env]
            environment: {B: from-environment, D: "${FROM_DOTENV}"}
            network_mode: none
        """)
    compose.write("A=from-file\nB=from-file\nC=${FROM_DOTENV}x\n", "vars.env")
    compose.write("FROM_DOTENV=dot\n", ".env")
    done = compose.ok("up", "--no-log-prefix")
    assert "A=from-file B=from-environment C=dotx D=dot" in done.stdout


def test_scale_and_run_and_exec(compose):
    compose.write("""\
        services:
          web: {image: busybox, command: sleep 60, network_mode: none, stop_signal: SIGKILL}
        """)
    compose.ok("up", "-d", "--scale", "web=3")
    assert sorted(ps(compose)) == ["proj-web-1", "proj-web-2", "proj-web-3"]
    compose.ok("up", "-d", "--scale", "web=1")
    assert sorted(ps(compose, "-a")) == ["proj-web-1"]
    assert compose.run("exec", "-T", "web", "sh", "-c", "echo in; exit 5").returncode == 5
    done = compose.run("run", "--rm", "web", "sh", "-c", "echo one-off; exit 7")
    assert done.returncode == 7 and "one-off" in done.stdout
    assert sorted(ps(compose, "-a")) == ["proj-web-1"]


@pytest.mark.parametrize("args, message, status", [
    (["up", "-d", "nope"], "compose: no such service: nope", 1),
    (["up", "--bogus"], "compose: unknown flag: --bogus for up", 1),
    (["logs", "--tail", "x"], 'compose: invalid --tail "x" (use a number or all)', 1),
    (["logs", "--since", "yesterday"],
     'compose: invalid value for "since": failed to parse value as time or duration: "yesterday"', 1),
    (["logs", "--until", "2026-02-30"], 'compose: invalid value for "until": parsing time "2026-02-30": '
                                        'day is out of range for month', 1),
])
def test_command_errors_are_one_line(compose, args, message, status):
    compose.write("services:\n  web: {image: busybox, network_mode: none}\n")
    done = compose.run(*args)
    assert (done.returncode, done.stderr.strip()) == (status, message)


def test_missing_image_without_build(compose):
    compose.write("services:\n  web: {image: no-such-image-here, network_mode: none}\n")
    done = compose.run("up", "-d")
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith('compose: service "web": image no-such-image-here is not here and cannot be pulled')
    assert "Traceback" not in done.stderr


def test_ctrl_c_stops_an_attached_up(compose):
    pexpect = pytest.importorskip("pexpect")
    compose.write("""\
        services:
          loop:
            image: busybox
            command: sh -c 'trap "echo got TERM; exit 0" TERM; echo started; while :; do sleep 0.1; done'
            network_mode: none
        """)
    child = pexpect.spawn(compose.argv("up")[0], compose.argv("up")[1:], cwd=str(compose.directory),
                          env=compose.env, timeout=30, encoding="utf-8")
    child.expect("loop-1  \\| (\x1b\\[0m)?started")  # coloured: a terminal
    time.sleep(0.3)
    child.sendintr()
    child.expect("Gracefully stopping... \\(press Ctrl\\+C again to force\\)")
    child.expect("proj-loop-1  Stopped")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert ps(compose, "-a")["proj-loop-1"]["State"] == "exited"


HEALTH_PROJECT = """\
    services:
      db:
        image: busybox
        command: sh -c 'sleep 1; touch /tmp/ready; exec sleep 60'
        network_mode: none
        stop_signal: SIGKILL
        healthcheck: {test: "test -e /tmp/ready", interval: 200ms, retries: %s}
      app:
        image: busybox
        command: sh -c 'echo app started; exec sleep 60'
        network_mode: none
        stop_signal: SIGKILL
        depends_on: {db: {condition: service_healthy}}
    """


def test_service_healthy_waits_for_a_real_health_check(compose):
    compose.write(HEALTH_PROJECT % 50)
    done = compose.ok("up", "-d")
    assert " ✔ Container proj-db-1  Healthy" in done.stderr
    assert done.stderr.index("proj-db-1  Healthy") < done.stderr.index("proj-app-1  Started")
    rows = ps(compose)
    assert rows["proj-db-1"]["Health"] == "healthy" and rows["proj-db-1"]["Status"].endswith("(healthy)")
    assert rows["proj-app-1"]["State"] == "running"


def test_an_unhealthy_dependency_fails_up(compose):
    compose.write(HEALTH_PROJECT % 1)  # the first check fails: unhealthy at once
    done = compose.run("up", "-d")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == \
        "compose: dependency failed to start: container proj-db-1 is unhealthy"
    assert ps(compose, "-a")["proj-app-1"]["State"] == "created"  # as docker compose v2: created, not started


def test_service_healthy_without_a_health_check(compose):
    compose.write("""\
        services:
          db: {image: busybox, command: sleep 60, network_mode: none, stop_signal: SIGKILL}
          app:
            image: busybox
            command: "true"
            network_mode: none
            depends_on: {db: {condition: service_healthy}}
        """)
    done = compose.run("up", "-d")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == \
        "compose: dependency failed to start: container proj-db-1 has no healthcheck configured"


def test_up_wait_returns_once_healthy(compose):
    compose.write(HEALTH_PROJECT % 50)
    compose.ok("up", "--wait")
    assert ps(compose)["proj-db-1"]["Health"] == "healthy"


# ---------------------------------------------------------------- networks, names, ports

def test_services_reach_each_other_by_name_on_the_default_network(compose):
    compose.write("""\
        services:
          myredis:
            image: busybox
            command: sh -c 'mkdir -p /www; echo hello from myredis > /www/index.html; exec httpd -f -p 6379 -h /www'
            stop_signal: SIGKILL
          client:
            image: busybox
            command: sh -c 'sleep 0.5; wget -q -O- http://myredis:6379/'
            depends_on: [myredis]
        """)
    done = compose.run("up", "--exit-code-from", "client", "--no-color")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "client-1   | hello from myredis" in done.stdout
    assert " ✔ Network proj_default  Created" in done.stderr
    done = compose.ok("down")
    assert " ✔ Network proj_default  Removed" in done.stderr


def test_ports_are_published_and_shown(compose):
    compose.write("""\
        services:
          web:
            image: busybox
            command: sh -c 'mkdir -p /www; echo served > /www/index.html; exec httpd -f -p 80 -h /www'
            ports: ["127.0.0.1:18080:80"]
            stop_signal: SIGKILL
        """)
    compose.ok("up", "-d")
    import urllib.request
    deadline = time.time() + 10
    while True:
        try:
            body = urllib.request.urlopen("http://127.0.0.1:18080/", timeout=2).read()
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)
    assert body == b"served\n"
    assert ps(compose)["proj-web-1"]["Ports"] == "127.0.0.1:18080->80/tcp"
    assert compose.ok("port", "web", "80").stdout == "127.0.0.1:18080\n"


def test_a_port_already_taken_is_one_line(compose):
    import socket
    holder = socket.socket()
    holder.bind(("127.0.0.1", 18081))
    holder.listen()
    try:
        compose.write("""\
            services:
              web: {image: busybox, command: sleep 60, ports: ["127.0.0.1:18081:80"], stop_signal: SIGKILL}
            """)
        done = compose.run("up", "-d")
        assert done.returncode != 0
        last = done.stderr.strip().splitlines()[-1]
        assert last.startswith("compose: container proj-web-1:") and "18081" in last, done.stderr
        assert "Traceback" not in done.stderr
    finally:
        holder.close()


def test_scaled_replicas_are_all_reachable_by_the_service_name(compose):
    compose.write("""\
        services:
          web:
            image: busybox
            command: sh -c 'mkdir -p /www; hostname > /www/index.html; exec httpd -f -p 80 -h /www'
            stop_signal: SIGKILL
          probe: {image: busybox, command: sleep 60, stop_signal: SIGKILL}
        """)
    compose.ok("up", "-d", "--scale", "web=3")
    answer = compose.ok("exec", "-T", "probe", "nslookup", "web").stdout
    addresses = sorted(set(re.findall(r"Address: (172\.[0-9.]+)", answer)))
    assert len(addresses) == 3, answer  # the service name answers every replica
    hostnames = set()
    for address in addresses:
        for _ in range(50):
            done = compose.run("exec", "-T", "probe", "wget", "-q", "-O-", f"http://{address}/")
            if done.returncode == 0:
                hostnames.add(done.stdout.strip())
                break
            time.sleep(0.1)
    assert len(hostnames) == 3, hostnames


def test_user_networks_with_aliases_are_per_network(compose):
    compose.write("""\
        services:
          db:
            image: busybox
            command: sleep 60
            stop_signal: SIGKILL
            networks:
              back: {aliases: [database]}
          api:
            image: busybox
            command: sleep 60
            stop_signal: SIGKILL
            networks: [front, back]
          web:
            image: busybox
            command: sleep 60
            stop_signal: SIGKILL
            networks: [front]
        networks:
          front: {}
          back: {}
        """)
    compose.ok("up", "-d")
    assert compose.run("exec", "-T", "web", "ping", "-c1", "-W1", "api").returncode == 0
    # api, on front and back, resolves both sides; web, on front alone, not back's names. And
    # so again once api restarted: it comes back on both networks.
    for restarted in (False, True):
        if restarted:
            compose.ok("restart", "api")
        for name in ("database", "db", "web"):
            assert compose.run("exec", "-T", "api", "ping", "-c1", "-W1", name).returncode == 0, (name, restarted)
        assert compose.run("exec", "-T", "web", "ping", "-c1", "-W1", "database").returncode != 0  # not on back
        assert compose.run("exec", "-T", "db", "ping", "-c1", "-W1", "web").returncode != 0  # not on front
    done = compose.ok("down")
    assert "proj_front  Removed" in done.stderr and "proj_back  Removed" in done.stderr


def test_service_keys_reach_the_container(compose):
    compose.write("""\
        services:
          keys:
            image: busybox
            network_mode: none
            user: "65534:65534"
            working_dir: /etc
            hostname: keyhost
            read_only: true
            tmpfs: [/scratch]
            cap_drop: [ALL]
            labels: {course.key: value}
            mem_limit: 64m
            pids_limit: 50
            entrypoint: ["sh", "-c"]
            command: ['echo "user=$$(id -u) pwd=$$(pwd) host=$$(hostname)"; cat /run/secrets/token /etc/app.conf;
                       touch /scratch/ok && echo tmpfs-ok; touch /not-here 2>/dev/null || echo read-only-ok;
                       grep CapEff /proc/self/status']
            secrets: [token]
            configs: [{source: app, target: /etc/app.conf}]
        secrets:
          token: {file: ./token.txt}
        configs:
          app: {file: ./app.conf}
        """)
    compose.write("s3cret\n", "token.txt")
    compose.write("setting=1\n", "app.conf")
    done = compose.run("up", "--no-log-prefix")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "user=65534 pwd=/etc host=keyhost" in out
    assert "s3cret\nsetting=1\n" in out
    assert "tmpfs-ok" in out and "read-only-ok" in out
    assert "CapEff:\t0000000000000000" in out
    from pyshell.contain import api
    os.environ["PYSH_HOME"] = compose.env["PYSH_HOME"]
    info = api.get("proj-keys-1")
    assert info.labels["course.key"] == "value"
    assert info.spec.memory == 64 * 1024 * 1024 and info.spec.pids_limit == 50


def test_named_volumes_outlive_down_unless_v(compose):
    compose.write("""\
        services:
          writer:
            image: busybox
            network_mode: none
            command: sh -c 'cat /data/count 2>/dev/null || echo none; echo kept > /data/count'
            volumes: [data:/data]
        volumes:
          data:
        """)
    first = compose.ok("up", "--no-log-prefix")
    assert "none" in first.stdout and ' ✔ Volume "proj_data"  Created' in first.stderr
    compose.ok("down")
    assert "kept" in compose.ok("up", "--no-log-prefix").stdout
    done = compose.ok("down", "-v")
    assert "Volume proj_data  Removed" in done.stderr
    assert "none" in compose.ok("up", "--no-log-prefix").stdout


def test_a_second_ctrl_c_kills(compose):
    pexpect = pytest.importorskip("pexpect")
    compose.write("""\
        services:
          stubborn:
            image: busybox
            command: sh -c 'trap "" TERM; echo ignoring; while :; do sleep 0.1; done'
            network_mode: none
            stop_grace_period: 60s
        """)
    child = pexpect.spawn(compose.argv("up")[0], compose.argv("up")[1:], cwd=str(compose.directory),
                          env=compose.env, timeout=30, encoding="utf-8")
    child.expect("ignoring")
    time.sleep(0.3)
    child.sendintr()
    child.expect("Gracefully stopping")
    child.expect("proj-stubborn-1  Stopping")
    time.sleep(0.5)
    child.sendintr()  # no waiting out the 60 s grace period
    child.expect("proj-stubborn-1  Killed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert ps(compose, "-a")["proj-stubborn-1"]["State"] == "exited"


def test_top_lists_the_processes_of_each_container(compose):
    compose.write("""\
        services:
          busy: {image: busybox, command: sh -c 'sleep 61 & sleep 62', network_mode: none, stop_signal: SIGKILL}
        """)
    compose.ok("up", "-d")
    deadline = time.time() + 10
    while True:
        out = compose.ok("top").stdout
        if "sleep 61" in out and "sleep 62" in out or time.time() > deadline:
            break
        time.sleep(0.1)
    assert out.startswith("proj-busy-1\nUID")
    assert "sleep 61" in out and "sleep 62" in out


def test_pull_never_with_a_missing_image(compose):
    compose.write("services:\n  web: {image: not-here-at-all, network_mode: none}\n")
    done = compose.run("up", "-d", "--pull", "never")
    assert (done.returncode, done.stderr.strip().splitlines()[-1]) == \
        (1, 'compose: service "web": no such image: not-here-at-all (--pull never)')


def test_depends_on_restart_restarts_the_dependent(compose):
    text = """\
        services:
          db: {image: busybox, command: sleep 60, network_mode: none, stop_signal: SIGKILL}
          web:
            image: busybox
            command: sleep 61
            network_mode: none
            stop_signal: SIGKILL
            depends_on: {db: {condition: service_started, restart: true}}
        """
    compose.write(text)
    compose.ok("up", "-d")
    first = ps(compose)["proj-web-1"]["ID"]
    compose.write(text.replace("sleep 60", "sleep 59"))
    done = compose.ok("up", "-d")
    assert "proj-db-1  Recreated" in done.stderr and "proj-web-1  Restarting" in done.stderr
    assert ps(compose)["proj-web-1"]["ID"] == first  # the same container, started again


def test_an_included_project_runs_with_its_own_paths_and_dotenv(compose):
    compose.write("""\
        include: [db/compose.yaml]
        services:
          web:
            image: busybox
            command: echo web after db
            depends_on: [db]
            network_mode: none
        """)
    compose.write("""\
        services:
          db:
            image: busybox
            command: sh -c 'echo "$$(cat /conf/greeting) ${WHO}"'
            volumes: [./conf:/conf:ro]
            network_mode: none
        """, "db/compose.yaml")
    compose.write("hello from db\n", "db/conf/greeting")
    compose.write("WHO=included-dotenv\n", "db/.env")
    done = compose.ok("up", "--no-log-prefix")
    assert "hello from db included-dotenv\n" in done.stdout   # its bind mount, its .env
    assert "web after db\n" in done.stdout
