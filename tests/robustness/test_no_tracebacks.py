"""Bad input gets a clear one-line error and a non-zero status, never a Python traceback.

Each case runs the real command line (`python -m pyshell ...`, as the `pysh` script does) with
its own PYSH_HOME, and checks what a user sees: a failing status, a short stderr that starts
with `pysh:` (or usage text), and no "Traceback" nor "internal error" anywhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_CACHES = (Path("/var/cache/pysh-test"), Path("/var/cache/pysh"))


def run_pysh(home: Path, *args: str | bytes, stdin: bytes = b"", cwd: Path | None = None,
             user: int | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYSH_HOME": str(home), "HOME": str(home),
           "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8"}
    cache = next((c for c in SYSTEM_CACHES if (c / "busybox-static" / "busybox").exists()), None)
    if cache:
        env["PYSH_CACHE"] = str(cache)
    command = [sys.executable, "-m", "pyshell", *args]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    return subprocess.run(command, env=env, input=stdin, capture_output=True, timeout=60,
                          cwd=str(cwd or home))


def assert_clear_failure(done: subprocess.CompletedProcess, status: int | None = None,
                         message: str = "", max_lines: int = 3) -> None:
    """Non-zero (or exactly `status`), a few stderr lines starting with pysh: or usage, no traceback."""
    everything = (done.stdout + done.stderr).decode("utf-8", "replace")
    stderr = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in everything, everything
    assert "internal error" not in everything, everything
    assert done.returncode != 0, f"status 0 for bad input; stderr: {stderr!r}"
    if status is not None:
        assert done.returncode == status, (done.returncode, stderr)
    lines = [line for line in stderr.splitlines() if line.strip()]
    ours = [line for line in lines if line.startswith("pysh:") or "usage:" in line]
    assert ours, stderr
    # Progress lines (Step 1/2, Pulling from...) may come first, usage text may follow.
    error_lines = lines[lines.index(ours[0]):]
    usage = next((n for n, line in enumerate(error_lines) if line.startswith("usage:")), len(error_lines))
    assert max(usage, 1) <= max_lines, stderr
    assert message in stderr, (message, stderr)


def assert_no_traceback(done: subprocess.CompletedProcess) -> None:
    everything = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert "Traceback" not in everything and "internal error" not in everything, everything


@pytest.fixture
def home(tmp_path) -> Path:
    path = tmp_path / "pysh-home"
    path.mkdir()
    return path


# --------------------------------------------------------------------------- the shell itself

SHELL_COMMANDS = [
    # (script for -c, status or None for any non-zero, part of the message)
    ("cd {tmp}/afile", 1, "Not a directory"),
    ("exit abc", 2, "numeric argument required"),
    ("shift 99", 1, "shift count out of range"),
    ("read -t x v", 2, "invalid timeout"),
    ("printf %d abc", 1, "invalid number"),
    ("ulimit -n abc", 1, "invalid number"),
    ("ulimit -Z", 2, "invalid option"),
    ("trap foo BADSIG", 1, "invalid signal specification"),
    ("trap -p BADSIG", 1, "invalid signal specification"),
    ("kill -s NOSIG 1", 1, "invalid signal specification"),
    ("kill abc", 1, "arguments must be process or job IDs"),
    ("kill %9", 1, "no such job"),
    ("umask 999", 1, "invalid mode"),
    ("getopts", 2, "usage"),
    ("set -o nosuch", 2, "invalid option name"),
    ("set -Z", 2, "invalid option"),
    (". /nonexistent", 1, "No such file or directory"),
    ("exec /nonexistent", 127, "No such file or directory"),
    ("hash -x", 1, "-x"),
    ("alias -x", 1, "-x"),
    ("wait 99999", 127, "not a child of this shell"),
    ("fg", 1, "fg:"),
    ("bg", 1, "bg:"),
    ("jobs %9", 1, "no such job"),
    ("local x", 1, "can only be used in a function"),
    ("return", 2, "return"),
    ("readonly r=1; r=2", None, "readonly variable"),
    ("export 1abc=x", 1, "not a valid identifier"),
    ("cd /nonexistent", 1, "No such file or directory"),
    ("test 1 -eq a", 2, "integer expression expected"),
    ("[ 1 -eq a", 2, "missing"),
    ("printf '%z' x", 1, "printf"),
    ("echo hi > {tmp}/adir", 1, "Is a directory"),
    ("echo hi > /proc/nope/x", 1, "No such file or directory"),
    ("echo hi > {tmp}/readonly/x", 1, "Permission denied"),
    ("echo hi >&99", 1, "bad file descriptor"),
    ("cat <&99", 1, "bad file descriptor"),
    ("exec 99>&-; echo ok >&99", 1, "bad file descriptor"),
    ("cat < /nonexistent", 1, "No such file or directory"),
    ("exec 99999>/dev/null", 1, "99999: bad file descriptor"),
    ("echo x 2>&99999999999999999999", 1, "bad file descriptor"),
    ("ulimit -n 99999999999999999999", 1, "limit out of range"),
    ("kill -l 99999", 1, "invalid signal specification"),
    ("read -u 99 x", 1, "invalid file descriptor"),
    ("read -n abc x", 2, "invalid number"),
    ("shift abc", 1, "numeric argument required"),
    ("wait abc", 2, "not a pid or valid job spec"),
    ("break 0", 1, "loop count out of range"),
    ("source", 2, "filename argument required"),
    ("cat <<EOF", 2, "here-document delimited by end of file"),
    ("echo $((x[))", None, "bad array subscript"),
    ("echo $((1/0))", None, "division by 0"),
    ("echo $((2**))", None, "operand expected"),
    ("echo $((1+))", None, "operand expected"),
    ("echo $((010 + 09))", None, "value too great for base"),
    ("echo ${x?}", None, "parameter null or not set"),
    ("echo ${x?custom msg}", None, "custom msg"),
    ("set -u; echo $nosuchvar", None, "parameter not set"),
    ("echo ${", 2, "unterminated parameter expansion"),
    ("echo $(", 2, "unterminated command substitution"),
    ("echo ${x@Z}", 2, "bad substitution"),   # ${x/} and ${x^^} became valid (bash forms)
    ("if then", 2, "syntax error"),
    ("for in do", 2, "syntax error"),
    ("case x in", 2, "syntax error"),
    ("'unterminated", 2, "unterminated quote"),
    ("f() {", 2, "syntax error"),
    ("eval 'if'", 2, "syntax error"),
    ("nosuchcommand-xyz", 127, "command not found"),
    ("{tmp}/afile", 126, "Permission denied"),
]


@pytest.fixture
def playground(tmp_path) -> Path:
    """A plain file, a directory, and a directory nobody may write to (root ignores modes)."""
    (tmp_path / "afile").write_text("")
    (tmp_path / "adir").mkdir()
    (tmp_path / "readonly").mkdir(mode=0o555)
    return tmp_path


@pytest.mark.parametrize("script, status, message", SHELL_COMMANDS, ids=[c[0] for c in SHELL_COMMANDS])
def test_shell_bad_input(home, playground, script, status, message):
    script = script.replace("{tmp}", str(playground))
    user = None
    if "readonly" in script and os.geteuid() == 0:
        os.chmod(playground, 0o755)
        user = 65534  # root writes anywhere: the unwritable case runs as nobody
    done = run_pysh(home, "-c", script, user=user)
    assert_clear_failure(done, status, message)


SHELL_ARGV = [
    (["-Z"], 2, "-Z: invalid option"),
    (["--bogus"], 2, "--bogus: invalid option"),
    (["-o", "nosuchopt", "-c", "true"], 2, "invalid option name"),
    (["-o"], 2, "invalid option name"),
    (["-c"], 2, "-c: option requires an argument"),
    (["/nonexistent/script"], 127, "No such file or directory"),
]


@pytest.mark.parametrize("argv, status, message", SHELL_ARGV, ids=[" ".join(c[0]) for c in SHELL_ARGV])
def test_shell_bad_options(home, argv, status, message):
    assert_clear_failure(run_pysh(home, *argv), status, message)


def test_directory_as_script(home, tmp_path):
    assert_clear_failure(run_pysh(home, str(tmp_path)), 126, "Is a directory")


def test_binary_file_as_script(home, tmp_path):
    program = tmp_path / "program"
    program.write_bytes(Path(sys.executable).read_bytes()[:4096])
    assert_clear_failure(run_pysh(home, str(program)), 126, "cannot execute binary file")
    assert_clear_failure(run_pysh(home, "-c", f". {program}"), None, "cannot execute binary file")


def test_unreadable_script(home, tmp_path):
    script = tmp_path / "secret.sh"
    script.write_text("echo hi\n")
    script.chmod(0o000)
    os.chmod(tmp_path, 0o755)
    os.chmod(home, 0o777)
    user = 65534 if os.geteuid() == 0 else None  # root reads any file
    assert_clear_failure(run_pysh(home, str(script), user=user, cwd=Path("/")), 126, "Permission denied")


def test_nul_after_the_first_line_is_dropped_not_fatal(home, tmp_path):
    script = tmp_path / "nul.sh"
    script.write_bytes(b"echo start\necho a\0b\necho end\n")
    done = run_pysh(home, str(script))
    assert_no_traceback(done)
    assert done.stdout.startswith(b"start\n") and done.stdout.endswith(b"end\n")


def test_invalid_utf8_in_args_and_scripts(home, tmp_path):
    done = run_pysh(home, "-c", b'echo "$1" \xff\xfe', b"arg0", b"\xc3\x28")
    assert_no_traceback(done)
    assert (done.returncode, done.stdout) == (0, b"\xc3\x28 \xff\xfe\n")
    script = tmp_path / "latin1.sh"
    script.write_bytes(b"x='caf\xe9'; echo \"$x\" ${#x}\n\xff\xfe_not_a_command\n")
    done = run_pysh(home, str(script))
    assert_no_traceback(done)
    assert done.stdout.startswith(b"caf\xe9 ")
    assert done.returncode == 127 and b"command not found" in done.stderr


def test_very_long_line(home, tmp_path):
    script = tmp_path / "long.sh"
    script.write_text("x=" + "a" * 300_000 + "\necho ${#x}\n" + "echo " + "b " * 50_000 + "| wc -w\n")
    done = run_pysh(home, str(script))
    assert_no_traceback(done)
    assert done.stdout.split() == [b"300000", b"50000"]


@pytest.mark.parametrize("depth_script", [
    "{ " * 20000 + ":" + " ;}" * 20000,
    "echo $((" + "(" * 20000 + "1" + ")" * 20000 + "))",
], ids=["braces", "arithmetic"])
def test_absurd_nesting(home, tmp_path, depth_script):
    script = tmp_path / "deep.sh"
    script.write_text(depth_script + "\n")
    assert_clear_failure(run_pysh(home, str(script)), None, "nested")


# --------------------------------------------------------------------------- vm (no guest boots)

VM_COMMANDS = [
    ("vm", 2, "a subcommand is needed"),
    ("vm frobnicate", 2, "invalid choice"),
    ("vm create", 2, "required"),
    ("vm create x -m x", 1, "bad size 'x'"),
    ("vm create x --smp 0", 1, "--smp 0"),
    ("vm create x --fwd abc", 1, "--fwd abc"),
    ("vm create x --fwd 99999:80", 1, "not a port number"),
    ("vm create 'a/b'", 1, "bad name"),
    ("vm create x --disk /nonexistent.qcow2", 1, "no such file"),
    ("vm create x --cdrom /nonexistent.iso", 1, "--cdrom /nonexistent.iso: no such file"),
    ("vm create x --kernel /nonexistent", 1, "--kernel /nonexistent: no such file"),
    ("vm create x --smp 2 --maxcpus 1", 1, "--maxcpus 1"),
    ("vm create x --smp abc", 2, "invalid int value"),
    ("vm create x --fwd 1.2.3:80:80", 1, "not an IPv4 address"),
    ("vm create ''", 1, "bad name"),
    ("vm disk create {tmp}/new.qcow2 0", 1, "bad size '0'"),
    ("vm run x -m 0", 1, "too small"),
    ("vm create y; vm create y", 1, "already exists"),
    ("vm create z >/dev/null; vm exec z -- true", 1, "not running"),
    ("vm create z >/dev/null; vm cpu z add", 1, "not running"),
    ("vm exec ghost", 2, "no command given"),
    ("vm balloon nosuch abc", 2, "invalid int value"),
    ("vm disk", 2, "a subcommand is needed"),
    ("vm disk frob", 2, "invalid choice"),
    ("vm disk create {tmp}/new.qcow2 abc", 1, "bad size 'abc'"),
    ("vm disk create {tmp}/exists.qcow2 1G", 1, "file exists"),
    ("vm disk create /nonexistent/x.qcow2 1G", 1, "No such file or directory"),
    ("vm disk info /nonexistent.qcow2", 1, "no such file"),
] + [(f"vm {sub} nosuch", 1, "no such vm: nosuch") for sub in (
    "start", "stop", "kill", "rm", "inspect", "logs", "console", "pause", "resume", "status", "cmd",
    "cpu", "exec", "balloon", "monitor")]


@pytest.mark.parametrize("script, status, message", VM_COMMANDS, ids=[c[0] for c in VM_COMMANDS])
def test_vm_bad_input(home, tmp_path, script, status, message):
    (tmp_path / "exists.qcow2").write_text("")
    script = script.replace("{tmp}", str(tmp_path))
    script += {"vm exec nosuch": " -- true", "vm balloon nosuch": " 256", "vm monitor nosuch": " info cpus"}.get(script, "")
    assert_clear_failure(run_pysh(home, "-c", script), status, message)
    assert not (tmp_path / "new.qcow2").exists()


# --------------------------------------------------------------------------- contain, no image needed

CONTAIN_NO_IMAGE = [
    ("contain frobnicate", 125, "unknown command"),
    ("contain run", 125, "requires at least 1 argument"),
    ("contain run -e", 125, "flag needs an argument: -e"),
    ("contain run --name", 125, "flag needs an argument"),
    ("contain run --bogus busybox", 125, "unknown flag --bogus"),
    ("contain run -p 80800 busybox", 125, "80800"),
    # --pull never: a missing image is not pulled (a pull would look for a registry).
    ("contain run --pull never nosuchimg", 125, "No such image: nosuchimg:latest"),
    ("contain run --pull sometimes busybox", 125, 'invalid pull option: "sometimes"'),
    ("contain stop -t abc x", 125, 'invalid argument "abc" for "-t, --time" flag'),
    ("contain kill -s NOSIG x", 1, "Invalid signal: NOSIG"),
    ("contain ps --bogus", 125, "unknown flag --bogus"),
    ("contain images --bogus", 125, "unknown flag --bogus"),
    ("contain bootstrap nosuch", 1, "cannot bootstrap 'nosuch'"),
    ("contain tag nosuch foo", 1, "no such image: nosuch"),
    ("contain rmi nosuch", 1, "no such image: nosuch"),
    ("contain save nosuch", 1, "no such image: nosuch"),
    ("contain push 127.0.0.1:1/foo", 1, "no such image"),
    ("contain import /nonexistent", 1, "no such file: /nonexistent"),
    ("contain import /etc/passwd", 1, "not a tar"),
    ("contain import /etc", 1, "not a file: /etc"),
    ("contain build -f /etc {tmp}", 1, "not a file: /etc"),
    ("contain load -i /nonexistent", 1, "no such file: /nonexistent"),
    ("contain load -i /etc/passwd", 1, "not a tar archive"),
    ("contain load < /etc/passwd", 1, "cannot read standard input: not a tar archive"),
    ("contain build /nonexistent", 1, "context is not a directory"),
    ("contain build {tmp}", 1, "no Dockerfile or Containerfile"),
    ("contain build -f /nonexistent/Dockerfile {tmp}", 1, "no such file: /nonexistent/Dockerfile"),
    ("contain pull 127.0.0.1:1/foo", 1, "cannot reach registry 127.0.0.1:1"),
    ("contain pull 127.0.0.1:1/foo:bar", 1, "cannot reach registry 127.0.0.1:1"),
    ("contain login", 1, "give a user name with -u"),
    ("contain login 127.0.0.1:1 -u", 125, "flag needs an argument: -u"),
] + [(f"contain {sub}", None, f"contain {sub}") for sub in (
    "exec", "logs", "start", "stop", "kill", "restart", "rm", "attach", "inspect", "commit", "export",
    "tag", "rmi", "import", "bootstrap", "build", "pull", "push", "save")
] + [(f"contain {sub} nosuch", 1, "no such container: nosuch") for sub in (
    "stop", "rm", "logs", "commit", "attach", "kill", "start", "restart", "export")
] + [("contain exec nosuch true", 1, "no such container: nosuch"),
     ("contain inspect nosuch", 1, "no such image: nosuch")]


@pytest.mark.parametrize("script, status, message", CONTAIN_NO_IMAGE, ids=[c[0] for c in CONTAIN_NO_IMAGE])
def test_contain_bad_input(home, tmp_path, script, status, message):
    context = tmp_path / "empty-context"
    context.mkdir()
    assert_clear_failure(run_pysh(home, "-c", script.replace("{tmp}", str(context))),
                         status, message)


# --------------------------------------------------------------------------- contain with an image

@pytest.fixture(scope="module")
def image_home(tmp_path_factory) -> Path:
    """One PYSH_HOME with busybox for the cases that need an image (containers need root)."""
    if os.geteuid() != 0:
        pytest.skip("containers are run as root here (the contain tests cover rootless)")
    path = tmp_path_factory.mktemp("pysh-image-home")
    done = run_pysh(path, "-c", "contain bootstrap busybox")
    if done.returncode != 0:
        pytest.skip(f"cannot bootstrap busybox: {done.stderr.decode()[-200:]}")
    yield path
    run_pysh(path, "-c", 'for c in $(contain ps -aq); do contain rm -f "$c"; done')
    shutil.rmtree(path, ignore_errors=True)


def _containers(home: Path) -> set[str]:
    directory = home / "containers"
    return {p.name for p in directory.iterdir() if not p.name.startswith(".")} if directory.exists() else set()


@pytest.fixture
def with_image(image_home):
    """The image home; every container a case makes is removed, and none may be left by a failure."""
    before = _containers(image_home)
    yield image_home
    leftovers = _containers(image_home) - before
    for container_id in leftovers:
        run_pysh(image_home, "-c", f"contain rm -f {container_id}")
    assert not leftovers, "a failed run left its container behind"


def _dockerfile(directory: Path, text: str) -> Path:
    directory.mkdir()
    (directory / "Dockerfile").write_text(text)
    return directory


CONTAIN_WITH_IMAGE = [
    ("contain run --memory abc busybox true", 1, "bad size 'abc'"),
    ("contain run --memory 1k --rm busybox true", 1, "minimum memory limit"),
    ("contain run --cpus -1 busybox true", 125, "Range of CPUs is from 0.01 to"),
    ("contain run --cpus abc busybox true", 125, 'invalid argument "abc" for "--cpus" flag'),
    ("contain run --pids-limit x busybox true", 125, 'invalid argument "x" for "--pids-limit" flag'),
    ("contain run -v :/x busybox true", 125, "invalid volume specification"),
    ("contain run -v /nonexistent:/x busybox true", 125, "host path /nonexistent does not exist"),
    ("contain run -v /tmp:relative busybox true", 1, "invalid mount target 'relative'"),
    ("contain run -u nosuchuser --rm busybox true", 125, "unable to find user nosuchuser"),
    ("contain run -u 1:nosuchgroup --rm busybox true", 125, "unable to find group nosuchgroup"),
    ("contain run --rm busybox /nonexistent/cmd", 127, 'exec "/nonexistent/cmd"'),
    ("contain run --rm -w /etc/passwd busybox true", 125, "/etc/passwd"),
    ("contain run --name a/b busybox true", 1, "invalid container name 'a/b'"),
    ("contain run --cap-add BOGUS busybox true", 1, "unknown capability: BOGUS"),
    ("contain run --cap-drop BOGUS busybox true", 1, "unknown capability: BOGUS"),
    ("contain run --env-file /nonexistent busybox true", 125, "--env-file /nonexistent"),
    ("contain run --hostname 'a b' --rm busybox true", 1, "invalid hostname"),
    ("contain run --userns bogus busybox true", 125, "--userns bogus"),
    ("contain run --userns keep-id busybox true", 125, "--userns keep-id: use host or auto"),
    ("contain run --network bogus busybox true", 125, "network bogus not found"),
    ("contain run -it busybox true", 1, "the input device is not a TTY"),
    ("contain pull 'BAD REF'", 1, "invalid reference format"),
    ("contain inspect -f '{{.Bogus' busybox", 1, "template parsing error"),
    ("contain inspect -f '{{range .X}}' busybox", 1, "template parsing error"),
    ("contain build --network bogus {tmp}/unknown", 125, "--network bogus: use host, none or bridge"),
    ("contain tag busybox 'BAD REF'", 1, "invalid reference format"),
    ("contain tag busybox ':::'", 1, "invalid reference format"),
    ("contain tag busybox ''", 1, "invalid reference format"),
    ("contain tag busybox a@b", 1, "invalid reference format"),
    ("contain save -o /proc/nope.tar busybox", 1, "cannot write /proc/nope.tar: No such file"),
    ("contain save -o /nonexistent/dir/x.tar busybox", 1, "cannot write /nonexistent/dir/x.tar"),
    ("contain build -t 'BAD REF' {tmp}/unknown", 1, "invalid reference format"),
    ("contain build {tmp}/unknown", 1, "Dockerfile:2: unknown instruction: FROBNICATE"),
    ("contain build {tmp}/outside", 1, "forbidden path outside the build context"),
    ("contain build {tmp}/nofrom", 1, "the first instruction must be FROM"),
    ("contain build {tmp}/missing-base", 1, "FROM: no such image: 127.0.0.1:1/nosuchimage"),
    ("contain build {tmp}/bad-copy", 1, "COPY"),
]


@pytest.mark.parametrize("script, status, message", CONTAIN_WITH_IMAGE, ids=[c[0] for c in CONTAIN_WITH_IMAGE])
def test_contain_bad_input_with_image(with_image, tmp_path, script, status, message):
    _dockerfile(tmp_path / "unknown", "FROM busybox\nFROBNICATE x\n")
    _dockerfile(tmp_path / "outside", "FROM busybox\nCOPY ../../etc/passwd /x\n")
    _dockerfile(tmp_path / "nofrom", "RUN true\n")
    _dockerfile(tmp_path / "missing-base", "FROM 127.0.0.1:1/nosuchimage\n")
    _dockerfile(tmp_path / "bad-copy", "FROM busybox\nCOPY [\"nosuchfile\", \"/x\"]\n")
    assert_clear_failure(run_pysh(with_image, "-c", script.replace("{tmp}", str(tmp_path))), status, message)
    assert not (Path("/proc/nope.tar")).exists()


def test_bad_json_exec_form_is_shell_form_as_docker(with_image, tmp_path):
    """Docker reads a CMD that is not valid JSON as the shell form: a build, not a crash."""
    context = _dockerfile(tmp_path / "json", 'FROM busybox\nCMD ["echo", \n')
    done = run_pysh(with_image, "-c", f"contain build -q -t badjson {context} && contain rmi badjson")
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr


def test_name_clash_and_image_in_use(with_image):
    done = run_pysh(with_image, "-c", "contain run -d --name clash busybox sleep 30 >/dev/null &&"
                    " contain run -d --name clash busybox true")
    assert_clear_failure(done, 1, 'the container name "clash" is already in use')
    assert_clear_failure(run_pysh(with_image, "-c", "contain rmi busybox"), 1, "conflict: unable to remove busybox")
    assert_clear_failure(run_pysh(with_image, "-c", "contain exec clash"), 1, "requires at least 2 arguments")
    assert_clear_failure(run_pysh(with_image, "-c", "contain exec -u nosuchuser clash true"), 125,
                         "unable to find user nosuchuser")
    assert_clear_failure(run_pysh(with_image, "-c", "contain exec clash /nonexistent"), 127, 'exec "/nonexistent"')
    assert_clear_failure(run_pysh(with_image, "-c", "contain commit clash 'BAD REF'"), 1, "invalid reference format")
    assert_clear_failure(run_pysh(with_image, "-c", "contain kill -s -3 clash"), 1, "Invalid signal")
    assert_clear_failure(run_pysh(with_image, "-c", "contain stop -t -1 clash"), 125, 'for "-t, --time" flag')
    removed = run_pysh(with_image, "-c", "contain rm -f clash")
    assert removed.returncode == 0, removed.stderr


def test_vm_disk_in_unwritable_directory(tmp_path):
    """As an ordinary user (root writes anywhere): qemu-img's refusal comes back as one line."""
    if os.geteuid() != 0:
        pytest.skip("runs the case as nobody through setpriv, which needs root")
    home = tmp_path / "home"
    home.mkdir(mode=0o777)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    os.chmod(tmp_path, 0o755)
    done = run_pysh(home, "-c", f"vm disk create {locked}/x.qcow2 1G", user=65534, cwd=Path("/"))
    assert_clear_failure(done, 1, "Permission denied")
    assert not (locked / "x.qcow2").exists()
