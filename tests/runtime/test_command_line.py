"""`pysh` as a program: -c, scripts, shebangs, stdin, -n, options, errors, garbage input."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest

from .shells import ROOT, environment, pysh, run

PYSH = [sys.executable, "-m", "pyshell"]


def test_c_with_arg0_and_args():
    ran = pysh('echo "$0" "$1" "$#"', "name", "one", "two")
    assert ran.stdout == "name one 2\n" and ran.status == 0


def test_script_file_and_shebang(tmp_path):
    script = tmp_path / "hello.pysh"
    launcher = tmp_path / "bin"
    launcher.mkdir()
    # a `pysh` on PATH, as the console script would be
    (launcher / "pysh").write_text(f"#!/bin/sh\nexec {sys.executable} -m pyshell \"$@\"\n")
    (launcher / "pysh").chmod(0o755)
    script.write_text("#!/usr/bin/env pysh\necho \"hello from $0: $*\"\nexit 3\n")
    script.chmod(0o755)
    env = environment({"PATH": f"{launcher}:/usr/bin:/bin"})
    done = subprocess.run([str(script), "a", "b"], capture_output=True, text=True, env=env)
    assert done.stdout == f"hello from {script}: a b\n" and done.returncode == 3
    ran = run([*PYSH, str(script), "x"])
    assert ran.stdout == f"hello from {script}: x\n" and ran.status == 3


def test_commands_from_stdin_are_read_one_at_a_time():
    ran = run(PYSH, stdin="for i in 1 2\ndo\n  echo $i\ndone\nif true\nthen echo yes; fi\n")
    assert ran.stdout == "1\n2\nyes\n"


def test_stdin_read_consumes_following_line():
    ran = run(PYSH, stdin="read line\nthis is data\necho \"got [$line]\"\n")
    assert ran.stdout == "got [this is data]\n"


def test_parse_only(tmp_path):
    good = tmp_path / "good.sh"
    good.write_text("echo should-not-run > marker\n")
    bad = tmp_path / "bad.sh"
    bad.write_text("if true; then\n  echo x\nfi fi\n")
    assert run([*PYSH, "-n", str(good)], cwd=tmp_path).status == 0
    assert not (tmp_path / "marker").exists()
    ran = run([*PYSH, "-n", str(bad)])
    assert ran.status == 2 and ran.stderr.startswith(f"pysh: {bad}:3:") and "syntax error" in ran.stderr


def test_syntax_error_message_and_status():
    ran = pysh("echo ok\necho x; )")
    assert ran.status == 2
    assert ran.stderr == "pysh: -c:2:9: syntax error near ')'\n"
    assert ran.stdout == "ok\n"  # commands before the bad line ran


def test_options_on_the_command_line():
    assert run([*PYSH, "-e", "-c", "false; echo no"]).status == 1
    assert run([*PYSH, "-u", "-c", "echo $nope"]).status != 0
    ran = run([*PYSH, "-x", "-c", "echo hi"])
    assert ran.stderr == "+ echo hi\n"
    assert run([*PYSH, "-o", "pipefail", "-c", "false | true"]).status == 1
    ran = run([*PYSH, "-c"])
    assert ran.status == 2 and ran.stderr.startswith("pysh: ")


def test_version_and_help():
    assert run([*PYSH, "--version"]).stdout.startswith("pysh ")
    assert "usage: pysh" in run([*PYSH, "--help"]).stdout


def test_missing_script():
    ran = run([*PYSH, "/nonexistent/script.sh"])
    assert ran.status == 127 and ran.stderr == "pysh: /nonexistent/script.sh: No such file or directory\n"


def test_command_not_found_message():
    ran = pysh("nosuchcommand_xyz")
    assert ran.stderr == "pysh: nosuchcommand_xyz: command not found\n" and ran.status == 127


def test_help_lists_builtins():
    ran = pysh("help; help cd")
    assert ran.status == 0
    assert "  cd " in ran.stdout and "  trap " in ran.stdout and "cd: cd [-L|-P]" in ran.stdout


def test_front_ends_are_builtins():
    ran = pysh("type contain vm")
    assert ran.stdout == "contain is a shell builtin\nvm is a shell builtin\n"


@pytest.mark.parametrize("command", ["true", "echo hi; /bin/true | cat; x=$(printf %s a); read y </dev/null"])
def test_startup_imports_nothing_heavy(command):
    # ply, dataclasses and typing are left out on purpose: each pulls in inspect (~30 ms of a start).
    code = (f"import sys; sys.argv = ['pysh', '-c', {command!r}]; from pyshell.__main__ import main; main(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('prompt_toolkit', 'pygments', 'ply', 'inspect', 'dataclasses', 'typing') "
            "or m.startswith(('pyshell.contain', 'pyshell.vm', 'pyshell.repl'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment())
    assert done.stdout.splitlines()[-1] == "[]", done.stdout + done.stderr


def test_keyboard_interrupt_gives_130():
    proc = subprocess.Popen([*PYSH, "-c", "sleep 5"], env=environment(), stderr=subprocess.PIPE,
                            start_new_session=True)
    import time

    time.sleep(0.5)
    os.killpg(proc.pid, 2)  # Ctrl-C reaches the whole foreground group
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 130 and b"Traceback" not in err


# ---------------------------------------------------------------- garbage in, no traceback out

NASTY = [
    "", ";", ";;", "&&", "|", "| |", "((", "))", "$(", "`", "'", '"', "${", "${x", "${}", "${#",
    "$((1+))", "$((", "<<", "<<EOF", "cat <<", "> ", "2>&", ">&-1", "echo >&99", "exec 99<&-",
    "f() {", "f() }", "case", "case x in", "for", "for in", "while", "if then fi", "{ ", "}",
    "!", "! !", "a=(", "\\", "echo \x00", "\xff\xfe", "echo $((2**64))", "echo $((1/0))",
    "${x:?}", "set -o nosuch", "shift 99", "break", "continue 0", "return", "exit abc",
    "trap x NOSIG", "kill -NOSIG 1", "cd /nonexistent", "ulimit -q", "alias =", "unset 1",
    "readonly PATH; PATH=x", "exec /nonexistent", "local x", ". /nonexistent", "wait 99999",
    "fg", "bg", "jobs %9", "umask 999", "umask u=q", "echo ${x/}", "((1))", "[[ x ]]",
    "$(($(echo 1)+))", "x=$(( ))", "echo ~nosuchuser", "cat < /", "echo > /", "echo > ''",
    "set -u; echo $1", "IFS=; set -- $x", "f() { f; }; f",
]


def _fuzz_inputs(count: int) -> list[str]:
    alphabet = list("ax01 \n\t;|&<>()'\"\\`$*?[]{}#=!~-:%+") + ["$(", "${", "$((", "<<", "fi", "do",
                                                              "done", "if", "then", "case", "esac"]
    generator = random.Random(1234)  # reproducible
    return ["".join(generator.choice(alphabet) for _ in range(generator.randint(1, 25)))
            for _ in range(count)]


def test_garbage_input_never_prints_a_traceback(tmp_path):
    # One Python process, one forked child per input, each running main() as `pysh -c`.
    inputs = NASTY + _fuzz_inputs(300)
    driver = tmp_path / "driver.py"
    driver.write_text(
        "import os, sys, json\n"
        "from pyshell.__main__ import main\n"
        "inputs = json.load(open(sys.argv[1]))\n"
        "main(['-c', 'true'])  # import everything once, before forking\n"
        "bad = []\n"
        "for index, text in enumerate(inputs):\n"
        "    err = os.path.join(sys.argv[2], f'err{index}')\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        fd = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\n"
        "        os.dup2(fd, 2); devnull = os.open(os.devnull, os.O_RDWR)\n"
        "        os.dup2(devnull, 0); os.dup2(devnull, 1); signal_ = __import__('signal')\n"
        "        signal_.alarm(10)\n"
        "        os._exit(main(['-c', text]))\n"
        "    _, status = os.waitpid(pid, 0)\n"
        "    message = open(err, errors='replace').read()\n"
        "    if 'Traceback' in message or 'internal error' in message or os.WIFSIGNALED(status):\n"
        "        bad.append([text, message[-300:], status])\n"
        "print(json.dumps(bad))\n")
    import json

    data = tmp_path / "inputs.json"
    data.write_text(json.dumps(inputs))
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run([sys.executable, str(driver), str(data), str(work)], capture_output=True,
                          text=True, cwd=work, env=environment(), timeout=300)
    assert done.returncode == 0, done.stderr
    bad = json.loads(done.stdout.strip().splitlines()[-1])
    assert bad == []


@pytest.mark.parametrize("depth", [200, 1000])
def test_deep_nesting_errors_cleanly(depth):
    ran = pysh("(" * depth + "echo deep" + ")" * depth)
    assert "Traceback" not in ran.stderr
    assert ran.stdout == "deep\n" or (ran.status != 0 and ran.stderr.startswith("pysh: "))


def test_root_is_importable():
    assert (ROOT / "pyshell" / "__main__.py").exists()


@pytest.mark.parametrize("carrier", ["posix_spawn", "fork"])
def test_spawn_plans_can_be_traced(carrier):
    ran = pysh("echo hi | cat > /dev/null", carrier=carrier, env={"PYSH_TRACE_SPAWN": "1"})
    assert ran.status == 0
    line = ran.stderr.strip()
    # `echo` is a builtin (forked copy of the shell); `cat` is spawned from a plan
    assert line.startswith(f"{carrier}: dup2(") and line.endswith("execve('/usr/bin/cat', ['cat'])"), line
    assert ", 1)" in line and ", 0)" in line and "SIGPIPE" in line
