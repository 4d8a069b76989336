"""The `compose` builtin, `contain compose` as its alias, `python -m pyshell.compose`; and an
attached `up` interrupted in the interactive shell, which must stay alive."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "services:\n  web: {image: busybox}\n  db: {image: busybox, profiles: [x]}\n"


@pytest.mark.parametrize("argv", [
    [str(ROOT / "pysh"), "-c", "compose --profile x config --services"],
    [str(ROOT / "pysh"), "-c", "contain compose --profile x config --services"],
    [sys.executable, "-m", "pyshell.compose", "--profile", "x", "config", "--services"],
])
def test_three_ways_in(tmp_path, argv):
    (tmp_path / "compose.yaml").write_text(PROJECT)
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert (done.returncode, done.stdout, done.stderr) == (0, "db\nweb\n", "")


def test_an_error_is_one_line_in_the_shell(tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  web: {image: busybox, ports: ['99999:80']}\n")
    done = subprocess.run([str(ROOT / "pysh"), "-c", "compose config; echo status=$?"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout == "status=1\n"
    assert done.stderr == (f'compose: {tmp_path}/compose.yaml:2:33: services.web.ports[0]: '
                           'invalid port "99999"\n')


def test_ctrl_c_on_attached_up_leaves_the_repl_alive(compose):
    pexpect = pytest.importorskip("pexpect")
    compose.write("""\
        services:
          loop:
            image: busybox
            command: sh -c 'echo looping; while :; do sleep 0.1; done'
            network_mode: none
            stop_grace_period: 1s
        """)
    child = pexpect.spawn(str(ROOT / "pysh"), [], cwd=str(compose.directory),
                          env={**compose.env, "TERM": "dumb"}, timeout=30, encoding="utf-8")
    child.sendline("compose up")
    child.expect("looping")
    time.sleep(0.3)
    child.sendintr()
    child.expect("Gracefully stopping")
    child.expect("proj-loop-1  Stopped")
    child.sendline("echo still-$((40+2))")
    child.expect("still-42")
    child.sendline("exit")
    child.expect(pexpect.EOF)
