"""The executor, table-driven: each snippet runs under pysh — with both spawn carriers —
and under `bash --posix`, in the same fresh directory; stdout and status must agree.

The larger differential table (tests/diff) covers the language; this one aims at the
executor's machinery: pipes and fds, spawning, statuses, traps, options, jobs.
"""

from __future__ import annotations

import pytest

from .shells import CARRIERS, bash, pysh

# (name, snippet). The expected result is whatever bash --posix prints.
CASES = [
    # the course's demos
    ("course: ls -la into a file", "ls -la > out.dat; cat out.dat"),
    ("course: tac -s", 'echo "Salut Tout Le Monde " | tac -s " "'),
    # no descriptor leaks: each stage sees 0 1 2 (+ the fd ls opens on the dir, + asked ones)
    ("fds: external | external", "ls /proc/self/fd | cat; echo x | ls /proc/self/fd"),
    ("fds: three stages", "ls /proc/self/fd | cat | cat; : | ls /proc/self/fd | cat"),
    ("fds: builtin group in a pipeline", "{ ls /proc/self/fd; } | cat; echo | { ls /proc/self/fd; }"),
    ("fds: asked redirection kept", "ls /proc/self/fd 5</dev/null | cat"),
    ("fds: in command substitution", "echo $(ls /proc/self/fd)"),
    ("fds: after exec 3>file and close", "exec 3>f; ls /proc/self/fd | tr '\\n' ' '; echo; exec 3>&-; ls /proc/self/fd"),
    ("fds: background job", "ls /proc/self/fd > out & wait; cat out"),
    # pipelines end when the reader goes
    ("pipe: yes | head", "yes | head -1"),
    ("pipe: shell loop writer dies of SIGPIPE", "while true; do echo y; done | head -2"),
    ("pipe: status of the last stage", "false | true; echo $?; true | false; echo $?"),
    ("pipe: pipefail", "set -o pipefail; false | true; echo $?; true | (exit 3) | true; echo $?"),
    ("pipe: negation", "! false; echo $?; ! true | true; echo $?"),
    ("pipe: stage is a subshell", "x=1; echo a | x=2; echo $x; echo a | read y; echo \"[$y]\""),
    ("pipe: stderr through 2>&1", "{ echo out; echo err >&2; } 2>&1 | sort"),
    ("pipe: long data", "seq 1 100000 | cat | wc -l"),
    # redirections in the shell are undone after builtins, functions, compounds
    ("redir: builtin output restored", "echo a > f; echo b; cat f"),
    ("redir: function output", "f() { echo in f; }; f > g; echo after; cat g"),
    ("redir: compound output", "for i in 1 2; do echo $i; done > h; if true; then echo y; fi > i; cat h i"),
    ("redir: exec for good", "exec 3>k; echo one >&3; echo two >&3; exec 3>&-; cat k"),
    ("redir: order 2>&1 >file", "{ echo o; echo e >&2; } 2>&1 >l; echo; cat l"),
    ("redir: here-string and heredoc", "cat <<< 'here string'; cat <<EOF\nbody $((1+2))\nEOF"),
    ("redir: big heredoc through a temp file", "x=$(seq 1 30000 | tr '\\n' ' '); cat <<EOF | wc -c\n$x\nEOF"),
    ("redir: read/write <>", "echo data > m; cat <> m"),
    ("redir: missing input file", "cat < /nonexistent; echo status $?"),
    ("redir: noclobber", "set -C; echo a > n; echo b > n; echo $?; echo c >| n; cat n"),
    ("redir: append", "echo 1 > p; echo 2 >> p; cat p"),
    ("redir: closing stdout", "echo hidden >&-; echo status $?"),
    # exit statuses
    ("status: not found is 127", "nosuchcommand_xyz; echo $?"),
    ("status: not executable is 126", "touch q; chmod -x q; ./q; echo $?"),
    ("status: directory is 126", "/tmp; echo $?"),
    ("status: killed by signal", "sh -c 'kill -9 $$'; echo $?; sh -c 'kill -TERM $$'; echo $?"),
    ("status: exit wraps", "(exit 300); echo $?; (exit -1); echo $?"),
    ("status: subshell exit", "(exit 7); echo $?; x=$(exit 5); echo $?"),
    ("status: script without shebang runs as a shell script", "printf 'echo from script $1\\nexit 4\\n' > s; chmod +x s; ./s arg; echo $?"),
    # set -e and its exceptions
    ("set -e: stops", "set -e; echo a; false; echo no"),
    ("set -e: conditions are exempt", "set -e; if false; then :; fi; while false; do :; done; false || echo or; ! true; echo end"),
    ("set -e: && left part", "set -e; false && echo no; echo yes"),
    ("set -e: in a function", "set -e; f() { false; echo no; }; f; echo no"),
    ("set -e: subshell failure", "set -e; (false); echo no"),
    ("set -e: pipeline", "set -e; false | true; echo yes; true | false; echo no"),
    # set -u, set -x
    ("set -u: defaults allowed", "set -u; echo ${x:-ok} ${x-ok2}; echo $#; echo \"$@\""),
    ("set -u: unset stops", "set -u; echo $nosuch; echo no"),
    ("set -x: trace on stderr", "set -x; echo 'a b' c 2>/dev/null; x=1; set +x; echo done"),
    # traps
    ("trap: EXIT", "trap 'echo bye' EXIT; echo hi"),
    ("trap: EXIT after exit", "trap 'echo bye $?' EXIT; exit 3"),
    ("trap: TERM to self", "trap 'echo got TERM' TERM; kill -TERM $$; echo after"),
    ("trap: ignore and reset", "trap '' INT; trap - INT; trap 'echo x' HUP; trap; trap - HUP; trap"),
    ("trap: not inherited by subshell", "trap 'echo parent' EXIT; (echo child)"),
    ("trap: set in subshell runs there", "(trap 'echo sub-exit' EXIT; echo in); echo out"),
    # jobs without job control
    ("jobs: wait for pid", "sleep 0.1 & p=$!; wait $p; echo $?; (exit 6) & wait $!; echo $?"),
    ("jobs: wait for all", "(sleep 0.1; echo one) & (echo two) & wait; echo done"),
    ("jobs: background reads /dev/null", "cat & wait"),
    ("jobs: kill a background job", "sleep 10 & kill $!; wait $!; echo $?"),
    # functions, loops, locals
    ("func: positional and return", "f() { echo $# \"$1\"; return 3; }; f 'a b' c; echo $?; echo $#"),
    ("func: local", "x=g; f() { local x=l; echo $x; g; }; g() { echo g sees $x; }; f; echo $x"),
    ("func: recursion", "fact() { if [ $1 -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }; fact 10"),
    ("loop: break and continue n", "for i in 1 2 3; do for j in a b c; do [ $j = b ] && continue 2; [ $i = 3 ] && break 2; echo $i$j; done; done"),
    ("loop: until", "i=0; until [ $i -ge 3 ]; do i=$((i+1)); echo $i; done"),
    # builtins that touch the shell
    ("cd: dash and OLDPWD", "cd /tmp; cd /; cd - >/dev/null; pwd; echo $OLDPWD"),
    ("exec: replaces the shell", "exec echo replaced; echo no"),
    ("command -v and type", "command -v ls; command -v cd; type cd | head -c 5; echo; command -v nosuch; echo $?"),
    ("umask", "umask 027; umask; umask -S; umask u=rwx,g=,o=; umask"),
    ("eval and source", "eval 'x=1; echo $x'; echo 'echo sourced $1' > t.sh; . ./t.sh arg"),
    ("shift and set --", "set -- a b c; shift; echo $# $1; shift 2; echo $#"),
    ("export to children", "export A=1; B=2; sh -c 'echo ${A}${B}'; C=3 sh -c 'echo $C'; echo ${C-unset}"),
    ("assignment prefix on builtin is temporary", "x=1; x=2 :; echo $x; x=3 true; echo $x"),
    ("LINENO", "echo $LINENO\necho $LINENO"),
    ("command substitution strips newlines", "x=$(printf 'a\\n\\n\\n'); echo \"[$x]\"; echo \"[`echo b`]\""),
]


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


@pytest.mark.parametrize("carrier", CARRIERS)
@pytest.mark.parametrize("name,code", CASES, ids=[name for name, _ in CASES])
def test_matches_bash(name, code, carrier, tmp_path):
    mine = tmp_path / "pysh"
    theirs = tmp_path / "bash"
    mine.mkdir()
    theirs.mkdir()
    expected = bash(code, cwd=theirs)
    got = pysh(code, carrier=carrier, cwd=mine)
    assert "Traceback" not in got.stderr, got.stderr
    # `ls -la` lists the directory itself: same name on both sides
    assert got.stdout.replace("pysh", "bash") == expected.stdout, (got, expected)
    assert got.status == expected.status, (got, expected)
    assert bool(got.stderr) == bool(expected.stderr), (got.stderr, expected.stderr)
