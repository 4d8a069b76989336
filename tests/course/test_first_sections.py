"""examples/course/01..05: redirection, pipes, namespaces and first containers, run as a
student runs them (./pysh SCRIPT), checked against what the course shows — and, for the
shell sections, against bash and against the course's own C programs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import termios
import time

import pexpect
import pytest

from course_support import EXAMPLES, PYSH, Course
from course_netns import shell_in_new_netns

GCC = shutil.which("gcc")


def clean_run(argv: list[str], cwd=None, env=None) -> subprocess.CompletedProcess:
    """With no descriptor but 0, 1, 2 (a pipeline example lists them)."""
    env = env or {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "HOME": "/tmp"}
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env, cwd=cwd)


# --------------------------------------------------------------------------- 01, 02: the shell


@pytest.mark.parametrize("script", ["01-redirection/redirection.pysh", "02-pipes/pipes.pysh"])
def test_shell_section_matches_bash(script):
    if not PYSH.exists():
        pytest.skip("no .venv/bin/pysh")
    pysh = clean_run([str(PYSH), str(EXAMPLES / script)])
    bash = clean_run(["bash", "--posix", str(EXAMPLES / script)])
    assert (pysh.stdout, pysh.stderr, pysh.returncode) == (bash.stdout, bash.stderr, bash.returncode)


def test_redirection_shows_out_dat_in_its_own_listing():
    done = clean_run([str(PYSH), str(EXAMPLES / "01-redirection/redirection.pysh")])
    assert done.returncode == 0
    assert re.search(r"^-rw-r--r-- out\.dat$", done.stdout, re.M)
    assert "ls failed (2); its complaint went to fd 2, into errors.txt\n" in done.stdout


def test_pipes_say_the_course_s_line():
    done = clean_run([str(PYSH), str(EXAMPLES / "02-pipes/pipes.pysh")])
    assert done.stdout == "\nMonde Le Tout Salut \nMonde Le Tout Salut \n0 1 2 3 \ny\ny\ny\n"


@pytest.mark.skipif(GCC is None, reason="gcc is not installed")
def test_the_course_s_c_programs_do_what_the_shell_does(tmp_path):
    for source in ("01-redirection/redirect.c", "02-pipes/pipe.c"):
        binary = tmp_path / source.split("/")[1].removesuffix(".c")
        subprocess.run([GCC, "-o", str(binary), str(EXAMPLES / source)], check=True, capture_output=True)
    pipe = clean_run([str(tmp_path / "pipe")])
    shell = clean_run([str(PYSH), "-c", 'printf "Salut Tout Le Monde " | tac -s " "'])
    assert pipe.stdout == shell.stdout == "Monde Le Tout Salut "

    by_c, by_pysh = tmp_path / "c", tmp_path / "pysh"
    for directory in (by_c, by_pysh):
        directory.mkdir()
        (directory / "un").touch()
    clean_run([str(tmp_path / "redirect")], cwd=by_c)
    clean_run([str(PYSH), "-c", "ls -la > out.dat"], cwd=by_pysh)
    names = [[line.split()[-1] for line in (d / "out.dat").read_text().splitlines()[1:]] for d in (by_c, by_pysh)]
    assert names[0] == names[1] == [".", "..", "out.dat", "un"]
    # open(..., 0600) in the C program; the shell asks for 0666 and the umask takes 022 off.
    assert oct(os.stat(by_c / "out.dat").st_mode & 0o777) == "0o600"
    assert oct(os.stat(by_pysh / "out.dat").st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_vm_section_points_to_the_vm_example():
    readme = (EXAMPLES / "03-vm" / "README.md").read_text()
    assert "](../../vm/)" in readme and (EXAMPLES.parent / "vm" / "course-demo.pysh").exists()


# --------------------------------------------------------------------------- 04: namespaces

TABLE = [("Cgroup", "CLONE_NEWCGROUP", "Cgroup root directory"),
         ("IPC", "CLONE_NEWIPC", "System V IPC, POSIX message queues"),
         ("Network", "CLONE_NEWNET", "Network devices, stacks, ports, etc."),
         ("Mount", "CLONE_NEWNS", "Mount points"),
         ("PID", "CLONE_NEWPID", "Process IDs"),
         ("User", "CLONE_NEWUSER", "User and group IDs"),
         ("UTS", "CLONE_NEWUTS", "Hostname and NIS domain name")]


def test_namespaces_table_live(course: Course):
    done = subprocess.run(shell_in_new_netns([str(PYSH), str(EXAMPLES / "04-namespaces/namespaces.pysh")]),
                          env=course.env, cwd=str(course.home), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["Namespace", "Constant", "Isolates", "host", "container"]
    for line, (name, constant, isolates) in zip(lines[1:8], TABLE):
        row = re.fullmatch(rf"{name} +{constant} +{re.escape(isolates)} +(\d+) +(\d+)", line)
        assert row, line
        assert row[1] != row[2], f"{name}: the container is in the host's namespace"
    outside_pid = re.search(r"outside: sleep is PID (\d+)    inside: sleep is PID 1\n", done.stdout)
    assert outside_pid and int(outside_pid[1]) > 1
    assert f"outside: {os.uname().nodename}    inside: ns-demo\n" in done.stdout
    assert "inside: lo \n" in done.stdout
    assert "outside: 1 queue(s)    inside: 0 queue(s)\n" in done.stdout
    assert ", / is overlay\n" in done.stdout
    assert "inside: 0::/\n" in done.stdout
    assert not course.containers()


# --------------------------------------------------------------------------- 05: first containers

FIRST_CONTAINERS = re.compile(
    r"== First Run: a command in an image\n12\n"
    r"== Lister les images\nREPOSITORY TAG\n(.+\n)+"
    r"== Lancer un conteneur détaché, le lister, le tuer\n"
    r"CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES\n"
    r"[0-9a-f]{12} +debian +\"sleep 10000\" +.* ago +Up .* +sleeper\nsleeper\n0\n"
    r"== Monter le \$HOME: -v \$HOME:/home -w /home\n\./hello_docker\n"
    r"== Voir la commande par défaut\n\[\"nginx\", \"-g\", \"daemon off;\"\]\n\[\"/docker-entrypoint.sh\"\]\n"
    r"== Altérer la commande par défaut\nbash instead of nginx: /bin/bash, PID 1\n"
    r"== Editer une image existante: commit\nExited \(0\)\nmyfed latest\nprecious\n")


def test_first_containers_script(course: Course):
    done = course.pysh(EXAMPLES / "05-first-containers/first-containers.pysh")
    assert done.returncode == 0, done.stderr
    assert FIRST_CONTAINERS.fullmatch(done.stdout), done.stdout
    assert "debian bookworm" in done.stdout and "nginx latest" in done.stdout
    assert not course.containers()


def spawn(course: Course, *args: str) -> pexpect.spawn:
    return pexpect.spawn(sys.executable, ["-m", "pyshell.contain", *args],
                         env=course.env, cwd=str(course.home), timeout=120, dimensions=(24, 80),
                         encoding="utf-8")


def wait_for_raw_mode(child: pexpect.spawn) -> None:
    """Until contain has put the terminal in raw mode: a Ctrl-Q sent before that is the
    line discipline's XON, never seen by contain."""
    for _ in range(200):
        if not termios.tcgetattr(child.child_fd)[3] & termios.ICANON:
            return
        time.sleep(0.05)
    raise AssertionError("contain never put the terminal in raw mode")


def test_run_ti_rm_debian_at_a_terminal(course: Course):
    child = spawn(course, "run", "-ti", "--rm", "debian")
    child.expect(r"root@[0-9a-f]{12}:/# ")
    child.sendline("cat /etc/debian_version")
    child.expect(r"[\r\n]12\.\d+\r\n")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and not course.containers()


def test_detached_then_attach_and_ctrl_p_ctrl_q(course: Course):
    name = course.contain("run", "-ti", "-d", "--rm", "debian", "sleep", "10000").stdout.strip()
    short = name[:12]
    ps = course.contain("ps").stdout
    row = next(line for line in ps.splitlines() if line.startswith(short))
    generated = row.split()[-1]
    assert re.fullmatch(r"[a-z]+_[a-z]+", generated), row  # Docker's adjective_scientist names
    child = spawn(course, "attach", generated)
    wait_for_raw_mode(child)
    child.send("\x10\x11")  # Ctrl-P Ctrl-Q
    child.expect("read escape sequence")
    child.expect(pexpect.EOF)
    child.close()
    assert generated in course.contain("ps").stdout  # still running
    assert course.contain("kill", generated).stdout == f"{generated}\n"
    for _ in range(50):
        if not course.containers():
            break
        time.sleep(0.1)
    assert not course.containers()  # --rm


def test_mount_home_with_workdir_at_a_terminal(course: Course, workdir):
    (workdir / "hello_docker").touch()
    child = spawn(course, "run", "-ti", "--rm", "-v", f"{workdir}:/home", "-w", "/home", "debian")
    child.expect(r"root@[0-9a-f]{12}:/home# ")
    child.sendline("ls ./hello_docker")
    child.expect(r"[\r\n]\./hello_docker\r\n")
    child.sendline("exit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_edit_an_image_at_a_terminal_then_commit(course: Course, workdir):
    (workdir / "my_data").write_text("precious\n")
    child = spawn(course, "run", "-ti", "--name", "mycont", "-v", f"{workdir}:/home/", "debian")
    child.expect(r"root@[0-9a-f]{12}:/# ")
    child.sendline("cp /home/my_data /data")
    child.expect(r"root@[0-9a-f]{12}:/# ")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert re.search(r"debian +\"bash\" .* Exited \(0\) .* mycont\n", course.contain("ps", "-a").stdout)
    course.contain("commit", "mycont", "myfed")
    try:
        assert re.search(r"^myfed +latest +[0-9a-f]{12} ", course.contain("images").stdout, re.M)
        assert course.contain("run", "--rm", "myfed", "cat", "/data").stdout == "precious\n"
    finally:
        course.contain("rm", "mycont")
        course.contain("rmi", "myfed")


def test_override_the_default_command_at_a_terminal(course: Course):
    child = spawn(course, "run", "-ti", "--rm", "nginx", "/bin/bash")
    child.expect(r"root@[0-9a-f]{12}:/# ")
    child.sendline("cat /proc/1/comm")
    child.expect(r"[\r\n]bash\r\n")
    child.sendline("exit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
