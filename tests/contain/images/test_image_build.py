"""contain build: the Dockerfile instructions, CMD/ENTRYPOINT as Docker combines them, the cache,
multi-stage builds, .dockerignore, ADD, errors; RUN steps run in real containers."""

from __future__ import annotations

import http.server
import io
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest

from conftest import contain, needs_root
from container_checks import in_host_network
from pyshell.contain.build.builder import config_changes_from_instructions, run_script
from pyshell.units import parse_duration
from pyshell.contain.build.dockerfile import (DockerfileError, Heredoc, is_ignored, parse_dockerfile,
                                          parse_dockerignore, parse_key_values, split_words)

# --------------------------------------------------------------------------- parser tables

PARSES = [
    # Dockerfile text -> [(keyword, arguments, exec_form)]
    ("FROM busybox\n", [("FROM", "busybox", None)]),
    ("from busybox AS build\n", [("FROM", "busybox AS build", None)]),
    ("RUN echo a \\\n  && echo b\n", [("RUN", "echo a   && echo b", None)]),
    ("RUN echo a \\\n# a comment\n  b\n", [("RUN", "echo a   b", None)]),
    ('CMD ["sh", "-c", "echo $HOME"]\n', [("CMD", '["sh", "-c", "echo $HOME"]', ("sh", "-c", "echo $HOME"))]),
    ("CMD [not json\n", [("CMD", "[not json", None)]),
    ("# escape=`\nRUN dir `\n  c:\n", [("RUN", "dir   c:", None)]),
    ("\n# comment\n  ENV A=1\n", [("ENV", "A=1", None)]),
]


@pytest.mark.parametrize("text,expected", PARSES)
def test_parse_dockerfile(text, expected):
    assert [(i.keyword, i.arguments, i.exec_form) for i in parse_dockerfile(text)] == expected


def test_parse_errors_name_file_and_line():
    with pytest.raises(DockerfileError, match=r"^Dockerfile:2: unknown instruction: FOO$"):
        parse_dockerfile("FROM busybox\nFOO bar\n")
    with pytest.raises(DockerfileError, match=r"Dockerfile:1: ENV: requires at least one argument"):
        parse_dockerfile("ENV\n")


def test_heredocs_parse():
    text = ("FROM busybox\nRUN <<EOF\n# kept: a comment in a body is body\necho hi\nEOF\n"
            "RUN cat <<-\"A\" <<B > /f\n\t\tx $Y\n\tA\nb\nB\nCOPY <<'EOF' /etc/x\n$raw\nEOF\nENV A=1\n")
    run, run2, copy, env = parse_dockerfile(text)[1:]
    assert (run.arguments, run.heredocs) == ("<<EOF", (Heredoc("EOF", "# kept: a comment in a body is body\necho hi\n"),))
    assert [(h.name, h.body, h.strip_tabs, h.expand) for h in run2.heredocs] == \
           [("A", "x $Y\n", True, False), ("B", "b\n", False, True)]
    assert run2.heredocs[0].raw_body == "\t\tx $Y\n" and run2.line == 6
    assert copy.heredocs == (Heredoc("EOF", "$raw\n", expand=False),) and (env.keyword, env.line) == ("ENV", 14)
    assert run_script(run) == "# kept: a comment in a body is body\necho hi\n"
    assert run_script(run2) == 'cat <<-"A" <<B > /f\n\t\tx $Y\nA\nb\nB\n'
    assert parse_dockerfile('RUN ["echo", "<<EOF"]\n')[0].heredocs == ()  # exec form: no heredoc
    assert parse_dockerfile("RUN echo \"a<<b\" 'c<<d' \\\"<<E\\\"\nE\n")[0].heredocs == (Heredoc("E", ""),)
    with pytest.raises(DockerfileError, match=r"^Dockerfile:2: RUN: unterminated heredoc"):
        parse_dockerfile("FROM busybox\nRUN <<END\necho\n")


WORDS = [
    ('a "b c" \'$A\' $A ${B:-def} ${A:+set} \\$A', {"A": "1"}, ["a", "b c", "$A", "1", "def", "set", "$A"]),
    ("${UNSET-x} ${EMPTY:-y} ${EMPTY-z}", {"EMPTY": ""}, ["x", "y"]),
]


@pytest.mark.parametrize("text,env,words", WORDS)
def test_split_words(text, env, words):
    assert split_words(text, env) == words


def test_env_forms():
    assert parse_key_values('myName="John Doe" myDog=Rex\\ The\\ Dog', {}, "ENV") == \
           [("myName", "John Doe"), ("myDog", "Rex The Dog")]
    assert parse_key_values("myName John Doe", {}, "ENV") == [("myName", "John Doe")]
    assert parse_key_values("ONE TWO= THREE=world", {}, "ENV") == [("ONE", "TWO= THREE=world")]


def test_dockerignore_rules():
    rules = parse_dockerignore("# comment\n*.log\n**/cache\n!keep.log\n/docs\n!docs/keep.md\n")
    cases = {"a.log": True, "keep.log": False, "x/y/cache/z": True, "cache": True, "docs/a": True,
             "docs/keep.md": False, "src/a.log": False, "src/b": False}
    assert {path: is_ignored(path, rules) for path in cases} == cases


def test_change_instructions_and_durations():
    assert config_changes_from_instructions(['CMD ["sh"]', "ENV A=1", "EXPOSE 80 53/udp", "WORKDIR /srv"]) == \
           {"Cmd": ["sh"], "Env": ["A=1"], "ExposedPorts": {"80/tcp": {}, "53/udp": {}}, "WorkingDir": "/srv"}
    assert parse_duration("1m30s") == 90 * 10 ** 9 and parse_duration("500ms") == 5 * 10 ** 8


# --------------------------------------------------------------------------- builds


def write_context(directory: Path, dockerfile: str, files: dict[str, str] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Dockerfile").write_text(dockerfile)
    for name, text in (files or {}).items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text)
    return directory


def run_image(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyshell.contain", "run", "--rm", *args],
                          capture_output=True, text=True, timeout=120)


COURSE_LIKE = """\
FROM busybox
LABEL maintainer="course" version=1
ARG GREETING=bonjour
ENV APP=/app GREETING=$GREETING
ENV LEGACY value with spaces
WORKDIR $APP
COPY hello.txt sub ./
COPY --chown=1000:1000 hello.txt /home/owned.txt
RUN echo "$GREETING from $(pwd)" > out.txt
EXPOSE 80 53/udp
USER 0:0
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --retries=2 CMD test -f /app/out.txt
VOLUME /data
CMD ["cat", "out.txt", "hello.txt"]
"""


@needs_root
def test_build_course_dockerfile_config_run_and_cache(tmp_path, home, store, busybox):
    context = write_context(tmp_path / "ctx", COURSE_LIKE, {"hello.txt": "hello\n", "sub/s.txt": "s\n",
                                                            "secret.key": "x", ".dockerignore": "*.key\n"})
    first = contain("build", "-t", "demo", "--build-arg", "GREETING=salut", str(context), check=True)
    assert "Step 1/15 : FROM busybox\n" in first.out and "Step 9/15 : RUN" in first.out
    assert "Using cache" not in first.out
    assert first.out.endswith("Successfully tagged demo:latest\n")
    image = store.resolve("demo")
    config = image.config
    assert config.cmd == ("cat", "out.txt", "hello.txt") and config.entrypoint is None
    assert "GREETING=salut" in config.env and "LEGACY=value with spaces" in config.env
    assert config.working_dir == "/app" and config.exposed_ports == ("53/udp", "80/tcp")
    assert dict(config.labels) == {"maintainer": "course", "version": "1"}
    assert config.user == "0:0" and config.stop_signal == "SIGINT" and config.volumes == ("/data",)
    assert config.healthcheck == {"Test": ["CMD-SHELL", "test -f /app/out.txt"], "Interval": 5 * 10 ** 9,
                                  "Retries": 2}
    # one layer per COPY/RUN (+ WORKDIR creating /app); metadata steps add none
    assert len(image.diff_ids) == len(busybox.diff_ids) + 4
    history = image.oci_config["history"]
    assert sum(1 for h in history if not h.get("empty_layer")) == len(image.diff_ids)
    ran = run_image("demo")
    assert (ran.returncode, ran.stdout) == (0, "salut from /app\nhello\n"), ran.stderr
    ran = run_image("demo", "ls", "-n", "/app", "/home/owned.txt")
    assert "s.txt" in ran.stdout and "secret.key" not in ran.stdout
    assert " 1000 " in [line for line in ran.stdout.splitlines() if "owned.txt" in line][0]

    again = contain("build", "-t", "demo", "--build-arg", "GREETING=salut", str(context), check=True)
    assert again.out.count("Using cache") == 13 and store.resolve("demo").id == image.id  # all but FROM, ARG
    (context / "secret.key").write_text("ignored, so no cache miss")
    assert contain("build", "--build-arg", "GREETING=salut", str(context), check=True).out.count("Using cache") == 13
    (context / "hello.txt").write_text("changed\n")
    changed = contain("build", "-t", "demo", "--build-arg", "GREETING=salut", str(context), check=True).out
    steps = changed.split("Step ")[1:]
    cached = [("Using cache" in s) for s in steps]
    assert cached == [False, True, False, True, True, True] + [False] * 9  # FROM, LABEL, ARG, ENV, ENV, WORKDIR
    assert run_image("demo").stdout == "salut from /app\nchanged\n"


CMD_ENTRYPOINT = [
    # (Dockerfile lines, expected Entrypoint, expected Cmd) — reference.md's table
    ('CMD ["c", "x"]', None, ["c", "x"]),
    ("CMD c x", None, ["/bin/sh", "-c", "c x"]),
    ("ENTRYPOINT e p", ["/bin/sh", "-c", "e p"], None),
    ('ENTRYPOINT ["e", "p"]', ["e", "p"], None),
    ('ENTRYPOINT ["e", "p"]\nCMD ["c", "x"]', ["e", "p"], ["c", "x"]),
    ('ENTRYPOINT ["e", "p"]\nCMD c x', ["e", "p"], ["/bin/sh", "-c", "c x"]),
    ('CMD ["c"]\nENTRYPOINT ["e"]', ["e"], ["c"]),                  # CMD of this stage survives
    ('SHELL ["/bin/ash", "-eo", "pipefail", "-c"]\nCMD c', None, ["/bin/ash", "-eo", "pipefail", "-c", "c"]),
]


@needs_root
@pytest.mark.parametrize("lines,entrypoint,cmd", CMD_ENTRYPOINT)
def test_cmd_and_entrypoint_combine_as_docker(tmp_path, home, store, busybox, lines, entrypoint, cmd):
    context = write_context(tmp_path / "ctx", f"FROM busybox\n{lines}\n")
    contain("build", "-q", "-t", "combo", str(context), check=True)
    config = store.resolve("combo").config
    assert (config.entrypoint, config.cmd) == \
           (tuple(entrypoint) if entrypoint else None, tuple(cmd) if cmd else None)


@needs_root
def test_entrypoint_resets_the_base_images_cmd_and_runs(tmp_path, home, store, busybox):
    context = write_context(tmp_path / "ctx", 'FROM busybox\nENTRYPOINT ["echo", "from-entrypoint"]\n')
    contain("build", "-t", "ep", str(context), check=True)
    assert store.resolve("ep").config.cmd is None  # busybox's CMD ["sh"] is gone
    assert run_image("ep", "and", "args").stdout == "from-entrypoint and args\n"


@needs_root
def test_multi_stage_copy_from_and_target(tmp_path, home, store, busybox):
    dockerfile = """\
ARG BASE=busybox
FROM $BASE AS builder
RUN mkdir -p /out && echo built > /out/artifact && echo tool > /out/tool
FROM scratch AS tiny
COPY --from=builder /out/artifact /artifact
FROM busybox
COPY --from=builder /out/ /opt/
COPY --chmod=700 *.sh notes/*.txt /globbed/
COPY --from=0 /out/artifact /again
CMD ["cat", "/opt/artifact", "/opt/tool", "/again"]
"""
    context = write_context(tmp_path / "ctx", dockerfile, {"a.sh": "a", "b.sh": "b", "c.txt": "no",
                                                           "notes/n.txt": "n", "notes/x.md": "no"})
    contain("build", "-t", "multi", str(context), check=True)
    assert run_image("multi").stdout == "built\ntool\nbuilt\n"
    assert run_image("multi", "sh", "-c", "cd /globbed && stat -c '%n %a' *").stdout == \
        "a.sh 700\nb.sh 700\nn.txt 700\n"
    contain("build", "-t", "tiny", "--target", "tiny", str(context), check=True)
    tiny = store.resolve("tiny")
    assert len(tiny.diff_ids) == 1
    assert tarfile.open(store.layer_tar(tiny.diff_ids[0])).getnames() == ["artifact"]
    done = contain("build", "--target", "nope", str(context))
    assert done.returncode == 1 and "target stage 'nope' could not be found" in done.err


@needs_root
def test_add_extracts_archives_and_fetches_urls(tmp_path, home, store, busybox):
    context = tmp_path / "ctx"
    context.mkdir()
    with tarfile.open(context / "bundle.tar.gz", "w:gz") as archive:
        data = b"from the archive\n"
        member = tarfile.TarInfo("pkg/readme")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    served = tmp_path / "www"
    served.mkdir()
    (served / "remote.txt").write_text("over http\n")
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(served))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/remote.txt"
        write_context(context, f"FROM busybox\nADD bundle.tar.gz /srv/\nADD {url} /srv/\n"
                               "CMD cat /srv/pkg/readme /srv/remote.txt; stat -c %a /srv/remote.txt\n")
        contain("build", "-t", "added", str(context), check=True)
    finally:
        server.shutdown()
        server.server_close()
    assert run_image("added").stdout == "from the archive\nover http\n600\n"


BAD = [
    # (Dockerfile, files, error text expected on stderr)
    ("FROM busybox\nRUN exit 3\n", {}, "Dockerfile:2: RUN: the command '/bin/sh -c exit 3' returned a non-zero code: 3"),
    ("FROM busybox\nCOPY missing.txt /\n", {}, "Dockerfile:2: COPY: missing.txt: no such file or directory in the build context"),
    ("FROM busybox\nCOPY ../escape /\n", {}, "Dockerfile:2: COPY: forbidden path outside the build context: ../escape"),
    ("FROM nosuchimage\n", {}, "Dockerfile:1: FROM: no such image: nosuchimage"),
    ("FROM busybox\nBOGUS x\n", {}, "Dockerfile:2: unknown instruction: BOGUS"),
    ("ENV A=1\nFROM busybox\n", {}, "Dockerfile:1: ENV: the first instruction must be FROM (or ARG)"),
    ("FROM busybox\nEXPOSE eighty\n", {}, "Dockerfile:2: EXPOSE: invalid port 'eighty'"),
    ("FROM busybox\nSHELL /bin/bash -c\n", {}, "Dockerfile:2: SHELL: SHELL requires the arguments to be in JSON form"),
]


@needs_root
@pytest.mark.parametrize("dockerfile,files,message", BAD)
def test_build_errors_leave_nothing_behind(tmp_path, home, store, busybox, dockerfile, files, message):
    context = write_context(tmp_path / "ctx", dockerfile, files)
    before = {i.id for i in store.list_images(include_hidden=True)}
    done = contain("build", "-t", "broken", str(context))
    assert done.returncode == 1
    assert done.err.splitlines()[-1].startswith(f"pysh: contain build: {message}")
    assert "Traceback" not in done.err
    with pytest.raises(Exception):
        store.resolve("broken")
    containers = home / "containers"
    assert not containers.exists() or not [p for p in containers.iterdir() if not p.name.startswith(".")]
    leftovers = [p for p in (home / "images").iterdir() if p.name.startswith(".build-")]
    assert leftovers == []
    if "RUN" not in message:
        assert {i.id for i in store.list_images(include_hidden=True)} == before


# --------------------------------------------------------------------------- debian (bootstrapped with mmdebstrap)


@needs_root
@pytest.mark.skipif(not Path("/usr/bin/mmdebstrap").exists(), reason="mmdebstrap is not installed")
def test_debian_vim_build_with_host_network(tmp_path, home, store):
    from pyshell.contain.image.bootstrap import bootstrap

    with in_host_network():  # mmdebstrap, the first time
        bootstrap(store, "debian:bookworm")
    context = write_context(tmp_path / "ctx", """\
FROM debian:bookworm
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends vim-tiny > /dev/null
COPY hello.txt /bin/hello.txt
CMD ["vim.tiny", "--version"]
""", {"hello.txt": "hi\n"})
    with in_host_network():  # RUN apt-get reaches Debian's mirror (build's default network is the host's)
        done = contain("build", "-t", "debvim", str(context), check=True)
    assert "Successfully tagged debvim:latest" in done.out
    image = store.resolve("debvim")
    # /bin is a symlink to usr/bin on Debian: COPY followed it instead of replacing it with a directory
    assert tarfile.open(store.layer_tar(image.diff_ids[-1])).getnames() == ["usr", "usr/bin", "usr/bin/hello.txt"]
    ran = run_image("debvim")
    assert ran.returncode == 0 and ran.stdout.startswith("VIM - Vi IMproved"), ran.stderr
    assert run_image("debvim", "cat", "/bin/hello.txt").stdout == "hi\n"


@needs_root
def test_onbuild_triggers_run_in_the_child_only_and_several_tags(tmp_path, home, store, busybox):
    base = write_context(tmp_path / "base", "FROM busybox\nONBUILD RUN echo triggered >> /triggers\n"
                                            "HEALTHCHECK NONE\n")
    contain("build", "-t", "onbase", str(base), check=True)
    assert store.resolve("onbase").config.on_build == ("RUN echo triggered >> /triggers",)
    child = write_context(tmp_path / "child", "FROM onbase\nCMD [\"cat\", \"/triggers\"]\n")
    out = contain("build", "-t", "onchild", "-t", "onchild:2", str(child), check=True).out
    assert " ---> Running ONBUILD RUN echo triggered >> /triggers\n" in out
    assert out.endswith("Successfully tagged onchild:latest\nSuccessfully tagged onchild:2\n")
    image = store.resolve("onchild:2")
    assert image.config.on_build == () and image.config.healthcheck == {"Test": ["NONE"]}
    grandchild = write_context(tmp_path / "grandchild", "FROM onchild\n")
    contain("build", "-t", "ongrand", str(grandchild), check=True)
    assert run_image("ongrand").stdout == "triggered\n"  # not run a second time


HEREDOCS = """\
FROM busybox
ARG WHO=world
RUN <<EOF
echo hello from a heredoc
echo script > /script.out
EOF
RUN cat <<-"A" > /quoted; cat <<B > /plain
\tnot $WHO
\tA
is $WHO
B
RUN <<EOF
#!/bin/sh
echo "shebang $WHO" > /shebang.out
EOF
COPY <<EOF <<'RAW' /etc/
hi $WHO
EOF
raw $WHO
RAW
COPY --chmod=755 <<EOF /usr/local/bin/hello
#!/bin/sh
echo hello
EOF
"""


@needs_root
def test_heredocs_build_run_and_cache(tmp_path, home, store, busybox):
    context = write_context(tmp_path / "ctx", HEREDOCS)
    first = contain("build", "-t", "here", str(context), check=True)
    assert "Step 3/7 : RUN <<EOF\n ---> Running in " in first.out
    assert "hello from a heredoc\n" in first.out
    ran = run_image("here", "sh", "-c", "cat /script.out /quoted /plain /shebang.out /etc/EOF /etc/RAW; hello")
    assert ran.stdout == "script\nnot $WHO\nis world\nshebang world\nhi world\nraw $WHO\nhello\n", ran.stderr
    again = contain("build", "-t", "here", str(context), check=True)
    assert again.out.count("Using cache") == 5 and "Running in" not in again.out
    (context / "Dockerfile").write_text(HEREDOCS.replace("raw $WHO", "changed"))  # a body is in the key
    changed = contain("build", "-t", "here", str(context), check=True)
    assert changed.out.count("Using cache") == 3


STEP_OUTPUT = "FROM busybox\nRUN echo first; sleep 1.5; echo second\n"


@needs_root
def test_run_output_streams_live_and_names_the_container(tmp_path, home, store, busybox):
    import re

    context = write_context(tmp_path / "ctx", STEP_OUTPUT)
    build = subprocess.Popen([sys.executable, "-m", "pyshell.contain", "build", str(context)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while not lines or lines[-1] != "first\n":
            lines.append(build.stdout.readline())
            assert lines[-1], "".join(lines) + build.stderr.read()
        assert build.poll() is None  # "first" came while the step still ran
        rest = build.stdout.read()
    finally:
        build.wait(timeout=60)
    started = re.search(r" ---> Running in ([0-9a-f]{12})\n", "".join(lines)).group(1)
    assert rest.startswith(f"second\n ---> Removed intermediate container {started} ")
    assert "\r" not in "".join(lines) + rest  # not a terminal: plain lines


@needs_root
def test_progress_line_on_a_terminal(tmp_path, home, store, busybox):
    import os

    context = write_context(tmp_path / "ctx", STEP_OUTPUT)
    master, slave = os.openpty()
    build = subprocess.Popen([sys.executable, "-m", "pyshell.contain", "build", str(context)],
                             stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    output = b""
    try:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the build (the last holder of the terminal) is gone
                break
            if not chunk:
                break
            output += chunk
    finally:
        build.wait(timeout=60)
        os.close(master)
    text = output.decode().replace("\r\n", "\n")
    assert build.returncode == 0, text
    assert "\r\x1b[K ---> running for 1s" in text
    assert "first\n" in text and "second\n" in text and "Successfully built" in text


@needs_root
def test_copy_keeps_extended_attributes_through_the_layer(tmp_path, home, store, busybox):
    import os

    context = write_context(tmp_path / "ctx", "FROM busybox\nCOPY tool /bin/tool\n", {"tool": "#!/bin/sh\n"})
    try:
        os.setxattr(context / "tool", "user.pysh.origin", b"context")
    except OSError as error:
        pytest.skip(f"no user xattrs on {tmp_path}: {error}")
    contain("build", "-t", "attrs", str(context), check=True)
    layer = store.resolve("attrs").layer_dirs[-1]  # written as a tar, then extracted again
    assert os.getxattr(Path(layer) / "bin/tool", "user.pysh.origin") == b"context"


@needs_root
def test_quiet_build_prints_only_the_id_and_a_failed_steps_output(tmp_path, home, store, busybox):
    """Docker's -q: `id=$(contain build -q .)` gets the id alone; a failing RUN still says why."""
    context = write_context(tmp_path / "ok", "FROM busybox\nRUN echo noisy; echo noisier >&2\n")
    done = contain("build", "-q", "-t", "hush", str(context), check=True)
    assert done.stdout.decode() == store.resolve("hush").id + "\n"
    assert b"noisy" not in done.stderr
    context = write_context(tmp_path / "bad", "FROM busybox\nRUN echo why-it-failed; exit 3\n")
    done = contain("build", "-q", str(context))
    assert done.returncode == 1 and done.stdout == b""
    assert b"why-it-failed\n" in done.stderr and b"returned a non-zero code: 3" in done.stderr
