"""The course's Docker commands ("Le Conteneur", "Docker"), typed at a real terminal (pexpect).

    contain run -ti --rm debian            (then commands at the container's shell, Ctrl-D)
    contain run -ti -d --rm busybox sleep 10000 ; contain ps ; contain attach NAME ; Ctrl-P Ctrl-Q
    contain run -ti --rm -v $HOME:/home -w /home busybox   (ls ./hello_docker)
    contain run -ti --name mycont -v $HOME:/home/ busybox ; cp /home/my_data /data ; Ctrl-D
    contain ps -a ; contain commit mycont myimage ; contain images
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pexpect
import pytest

BUSYBOX_ASKS_CURSOR = "\x1b[6n"   # busybox ash asks the terminal where the cursor is


def spawn(contain, *args: str, timeout: float = 20) -> pexpect.spawn:
    argv = contain.argv(*args)
    child = pexpect.spawn(argv[0], argv[1:], env=contain.env, cwd=str(contain.home), timeout=timeout,
                          dimensions=(24, 80))
    return child


def busybox_prompt(child: pexpect.spawn) -> None:
    """Wait for ash's prompt. It ends with a cursor-position question; ash reads on without an
    answer, and a late answer would be taken as typed keys, so we don't give one."""
    child.expect_exact(BUSYBOX_ASKS_CURSOR)


def test_run_ti_rm_is_a_real_terminal(contain):
    child = spawn(contain, "run", "-ti", "--rm", "busybox", "sh")
    busybox_prompt(child)
    child.sendline("tty; stty size; echo pid=$$")
    child.expect(r"pid=1")
    assert "/dev/console" in child.before.decode() and "24 80" in child.before.decode()
    busybox_prompt(child)
    child.setwinsize(40, 100)
    time.sleep(0.2)
    child.sendline("stty size")
    child.expect("40 100")
    busybox_prompt(child)
    child.sendcontrol("d")  # Ctrl-D: the shell exits, and so does `contain run`
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Up" not in contain.out("ps", "-a")


def test_exit_status_through_the_terminal(root_contain):
    child = spawn(root_contain, "run", "-ti", "--rm", "busybox", "sh")
    busybox_prompt(child)
    child.sendline("exit 5")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 5


def test_vi_works_inside(root_contain):
    child = spawn(root_contain, "run", "-ti", "--name", "editor", "busybox", "sh")
    busybox_prompt(child)
    child.sendline("vi /root/notes")
    time.sleep(0.5)
    child.send("ihello from vi")
    child.send("\x1b")
    time.sleep(0.3)  # a lone ESC, not the start of an escape sequence
    child.send(":wq\r")
    busybox_prompt(child)
    child.sendline("cat /root/notes; exit")
    child.expect("hello from vi")
    child.expect(pexpect.EOF)
    child.close()
    root_contain.out("rm", "editor")


def test_detached_attach_and_ctrl_p_ctrl_q(contain):
    contain.out("run", "-ti", "-d", "--rm", "--name", "sleeper", "busybox", "sh", "-c", "read line; echo got:$line; sleep 10000")
    ps = contain.out("ps")
    assert "sleeper" in ps and '"sh -c \'read line; e…"' in ps  # Docker quotes an argument with spaces
    child = spawn(contain, "attach", "sleeper")
    time.sleep(0.3)
    child.sendline("hello")
    child.expect("got:hello")
    child.send("\x10\x11")  # Ctrl-P Ctrl-Q
    child.expect("read escape sequence")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "sleeper" in contain.out("ps")  # still running after the detach
    contain.out("stop", "-t", "0", "sleeper")
    assert "sleeper" not in contain.out("ps", "-a")  # --rm removed it


def test_detach_from_a_foreground_run(root_contain):
    # A plain `read` loop rather than ash's line editor, whose cursor questions make timing fragile.
    child = spawn(root_contain, "run", "-ti", "--name", "fg", "busybox", "sh", "-c",
                  "read a; echo got:$a; read b; echo got:$b; exit 7")
    child.sendline("one")
    child.expect("got:one")
    child.send("\x10\x11")
    child.expect("read escape sequence")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "fg" in root_contain.out("ps")
    child = spawn(root_contain, "attach", "fg")
    time.sleep(0.2)
    child.sendline("two")
    child.expect("got:two")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 7
    assert "Exited (7)" in root_contain.out("ps", "-a")
    root_contain.out("rm", "fg")


def test_mount_home_and_workdir(contain):
    home = contain.home / "userhome"
    home.mkdir()
    os.chown(home, contain.uid, contain.uid)
    (home / "hello_docker").touch()
    child = spawn(contain, "run", "-ti", "--rm", "-v", f"{home}:/home", "-w", "/home", "busybox", "sh")
    busybox_prompt(child)
    child.sendline("ls ./hello_docker && pwd")
    child.expect(r"\./hello_docker\s+/home")
    busybox_prompt(child)
    child.sendline("exit")
    child.expect(pexpect.EOF)


def test_edit_an_image_with_commit(contain):
    home = contain.home / "datahome"
    home.mkdir()
    (home / "my_data").write_text("precious\n")
    os.chown(home, contain.uid, contain.uid)
    child = spawn(contain, "run", "-ti", "--name", "mycont", "-v", f"{home}:/home/", "busybox", "sh")
    busybox_prompt(child)
    child.sendline("cp /home/my_data /data")
    busybox_prompt(child)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    ps = contain.out("ps", "-a")
    assert "mycont" in ps and "Exited (0)" in ps
    contain.out("commit", "mycont", "myimage")
    assert "myimage" in contain.out("images")
    assert contain.out("run", "--rm", "myimage", "cat", "/data") == "precious\n"
    contain.out("rm", "mycont")
    contain.out("rmi", "myimage")


def test_exec_ti(root_contain):
    root_contain.out("run", "-d", "--name", "target", "busybox", "sleep", "1000")
    child = spawn(root_contain, "exec", "-ti", "target", "sh")
    busybox_prompt(child)
    child.sendline("tty; echo in-$((40+2))")
    child.expect("in-42")
    assert "/dev/pts/" in child.before.decode()
    busybox_prompt(child)
    child.setwinsize(30, 90)  # SIGWINCH: passed on to the container's pty
    time.sleep(0.3)
    child.sendline("stty size")
    child.expect("30 90")
    busybox_prompt(child)
    child.sendline("exit 3")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3
    root_contain.out("rm", "-f", "target")


DEBIAN_TAR = Path(os.environ.get("PYSH_TEST_CACHE", "/var/cache/pysh-test")) / "debian-bookworm-minbase.tar"


@pytest.fixture(scope="session")
def debian_home(root_home):
    """The debian image, imported from the tar `contain bootstrap debian` caches (mmdebstrap minbase)."""
    if not DEBIAN_TAR.exists():
        pytest.skip(f"no Debian rootfs tar at {DEBIAN_TAR}: run `contain bootstrap debian` once "
                    f"(mmdebstrap needs the Debian mirror) to make one")
    root_home.out("import", str(DEBIAN_TAR), "debian", timeout=300)
    return root_home


def test_course_debian_terminal(debian_home, root_contain):
    child = spawn(debian_home, "run", "-ti", "--rm", "debian", "bash")
    child.expect(r"root@[0-9a-f]{12}:/# ")
    child.sendline("cat /etc/debian_version; echo pid=$$; ls /usr/bin/apt")
    child.expect("pid=1")
    child.expect("/usr/bin/apt")
    child.expect(r"# ")
    child.sendline("exit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
