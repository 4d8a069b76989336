"""The course's finale (examples/course/10-finale): redis, a Python client counting the words
of a book into the hash `words` with HINCRBY, and a PHP page showing the counts on 8080.

As a student runs it: build the two images, `compose up -d`, wait for `pythonclient` to
exit 0, open http://127.0.0.1:8080 — with urllib and in a real browser (Debian's headless
Chromium, which keeps a screenshot under the test's temporary directory) — and compare the
page's table with a count this test makes itself over the same text, with client.py's
punctuation rule. `compose down` leaves nothing. All of it in a network namespace of its own.

The book: Ambrose Bierce's "The Devil's Dictionary" (1911, public domain), from Debian's
dict-devil package (the course counts "Guerre et Paix").
"""

from __future__ import annotations

import gzip
import html
import json
import re
import shutil
import string
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

from course_support import PYSH, Course, build, copy_example, http_get
from course_features import compose_missing, compose_networks_missing, missing, networks_missing, ports_missing
from course_netns import in_new_netns, shell_in_new_netns

BOOK = Path("/usr/share/dictd/devil.dict.dz")
CHROMIUM = shutil.which("chromium")
ROW = re.compile(r"<tr><td>(.*?)</td><td>(\d+)</td></tr>")


def count_words(text: str) -> Counter:
    """client.py's count, written again: lines, punctuation removed, split on single spaces."""
    words: list[str] = []
    for line in text.split("\n"):
        words += line.translate(str.maketrans("", "", string.punctuation)).split(" ")
    return Counter(words)


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    """Debian's Chromium, headless, as root (no sandbox), with nothing of its own to fetch."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


def pythonclient_state(course: Course, project: Path, by: str) -> tuple[str, int]:
    if by == "contain":
        state = course.contain("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "pythonclient",
                               check=False).stdout.split()
        return (state[0], int(state[1])) if len(state) == 2 else ("", 0)
    rows = json.loads(course.compose(project, "ps", "-a", "--format", "json").stdout or "[]")
    rows = rows if isinstance(rows, list) else [rows]
    row = next((r for r in rows if r.get("Service") == "pythonclient"), {})
    return row.get("State", ""), int(row.get("ExitCode") or 0)


# The finale started two ways: `compose up -d` (the course), or the contain commands compose
# would run (by-hand.pysh shows them), so that the page is checked even where compose lacks networks.
BY_HAND = [("network", "create", "finale_default"),
           ("run", "-d", "--name", "myredis", "--network", "finale_default", "--restart", "always", "redis"),
           ("run", "-d", "--name", "web", "--network", "finale_default", "-p", "8080:80", "--restart", "always",
            "-v", "{project}/php_dir:/var/www/html/", "php-redis"),
           ("run", "-d", "--name", "pythonclient", "--network", "finale_default",
            "-v", "{project}/python_dir:/scripts/", "python-redis")]


def start(course: Course, project: Path, by: str) -> None:
    if by == "compose":
        course.compose(project, "up", "-d", timeout=600)
        return
    for command in BY_HAND:
        course.contain(*(word.format(project=project) for word in command))


def stop(course: Course, project: Path, by: str) -> str:
    """Everything down; what is left (nothing, we check)."""
    if by == "compose":
        course.compose(project, "down", "-t", "1")
        return course.compose(project, "ps", "-a").stdout.partition("\n")[2]
    course.contain("rm", "-f", "pythonclient", "web", "myredis", check=False)
    course.contain("network", "rm", "finale_default", check=False)
    return course.contain("network", "ls").stdout.partition("finale_default")[1]


def client_logs(course: Course, project: Path, by: str) -> str:
    if by == "compose":
        return course.compose(project, "logs", "--no-color", "pythonclient").stdout[:2000]
    return "".join(f"pythonclient-1  | {line}\n" for line in
                   course.contain("logs", "pythonclient").stdout[:2000].splitlines())


def finale_scenario(course: Course, project: Path, screenshot: Path, by: str) -> dict:
    seen: dict = {}
    started = time.monotonic()
    start(course, project, by)
    try:
        http_get("http://127.0.0.1:8080/", attempts=300)
        seen["first_answer_s"] = round(time.monotonic() - started, 2)
        for _ in range(1200):  # the client sends one HINCRBY per word
            state, code = pythonclient_state(course, project, by)
            if state == "exited":
                break
            time.sleep(0.25)
        seen["client"] = (state, code)
        seen["client_s"] = round(time.monotonic() - started, 2)
        seen["client_logs_head"] = client_logs(course, project, by)
        seen["page"] = http_get("http://127.0.0.1:8080/")
        if CHROMIUM:
            with tempfile.TemporaryDirectory(prefix="pysh-course-chromium-") as profile:
                shot = chromium(f"--screenshot={screenshot}", "--window-size=800,1200",
                                "http://127.0.0.1:8080/", profile=Path(profile))
                seen["screenshot"] = (shot.returncode, shot.stderr[-500:])
            with tempfile.TemporaryDirectory(prefix="pysh-course-chromium-") as profile:
                seen["dom"] = chromium("--dump-dom", "http://127.0.0.1:8080/", profile=Path(profile)).stdout
    finally:
        seen["left"] = stop(course, project, by)
    return seen


@pytest.fixture(scope="module", params=["compose", "contain"])
def finale(request, course: Course, tmp_path_factory) -> dict:
    by = request.param
    if by == "compose":
        reason = missing(compose_missing, networks_missing, ports_missing) or compose_networks_missing(course)
    else:
        reason = missing(networks_missing, ports_missing)
    if reason:
        pytest.skip(reason)
    if not BOOK.exists():
        pytest.skip(f"{BOOK} is missing (Debian package dict-devil: the book the client counts)")
    workdir = tmp_path_factory.mktemp(f"finale-{by}")
    workdir.chmod(0o755)
    project = copy_example("10-finale", workdir)
    text = gzip.decompress(BOOK.read_bytes()).decode("utf-8", "replace")
    (project / "python_dir" / "getp.txt").write_text(text)
    build(course, "python-redis", project / "python-redis")
    build(course, "php-redis", project / "php-redis")
    screenshot = workdir / "finale.png"
    seen = in_new_netns(finale_scenario, course, project, screenshot, by)
    seen.update(expected=count_words(text), screenshot_path=screenshot)
    return seen


def test_the_client_counts_every_word_and_exits_0(finale):
    assert finale["client"] == ("exited", 0)
    # client.py prints each word before counting it: the book's first words, one a line.
    lines = [line.split("|", 1)[1].strip() for line in finale["client_logs_head"].splitlines() if "|" in line]
    assert lines[:2] == ["00databasedictfmt1130", "httpwiretapareacomGopherLibraryClassicdevilstxt"]


def test_the_page_shows_the_counts_sorted(finale):
    page = finale["page"]
    assert "<h1>REDIS</h1>" in page
    rows = [(html.unescape(word), int(count)) for word, count in ROW.findall(page)]
    assert Counter(dict(rows)) == finale["expected"]          # every word, each with its count
    assert len(rows) == len(finale["expected"])
    counts = [count for _, count in rows]
    assert counts == sorted(counts, reverse=True)            # index.php's usort, largest first
    assert rows[1] == ("the", finale["expected"]["the"])     # rows[0] is the empty word, as in the course


def test_the_page_in_chromium_with_a_screenshot(finale):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian package chromium)")
    status, stderr = finale["screenshot"]
    shot = finale["screenshot_path"]
    assert status == 0 and shot.exists(), stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    # What the browser built from the page: the table's first rows are our first counts.
    dom_rows = [(html.unescape(word), int(count)) for word, count in
                re.findall(r"<tr><td>(.*?)</td><td>(\d+)</td></tr>", finale["dom"])]
    top = finale["expected"].most_common(10)
    assert [count for _, count in dom_rows[:10]] == [count for _, count in top]
    assert all(finale["expected"][word] == count for word, count in dom_rows[:10])


def test_down_leaves_nothing(finale, course: Course):
    assert finale["left"] == ""  # no container of the project, no network
    assert not course.containers()


def test_the_by_hand_script(course: Course, workdir):
    """by-hand.pysh, as a student runs it: compose's work as contain commands."""
    reason = missing(networks_missing, ports_missing)
    if reason:
        pytest.skip(reason)
    if not BOOK.exists():
        pytest.skip(f"{BOOK} is missing (Debian package dict-devil)")
    project = copy_example("10-finale", workdir)
    text = gzip.decompress(BOOK.read_bytes()).decode("utf-8", "replace")
    (project / "python_dir" / "getp.txt").write_text(text)
    build(course, "python-redis", project / "python-redis")
    build(course, "php-redis", project / "php-redis")
    done = subprocess.run(shell_in_new_netns([str(PYSH), "by-hand.pysh"]), cwd=str(project), env=course.env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    expected = count_words(text)
    lines = done.stdout.splitlines()
    assert lines[0] == f"pythonclient exited with 0 after {sum(expected.values())} words"
    assert [(word, int(count)) for word, count in ROW.findall("\n".join(lines[1:]))] == expected.most_common(4)
    assert not course.containers()
