"""The differential table: shell snippets run under a reference shell and under pysh.

Spec files (``spec/*.test.sh``) hold the cases, in the format of Oils' spec tests::

    #### name of the case
    echo some code
    ## ref: dash              (optional: compare with dash, where bash --posix is not POSIX)
    ## stdin:                 (optional block: fed to standard input)
    ## argv: arg0 a b         (optional: words after `-c CODE`, i.e. $0 $1 ...)
    ## stdout:                (optional block: what pysh must print instead of the
    ## status: N               reference's output, for an intentional difference;
    ## note: why               a `## note:` saying why is then required)
    ## compare: stderr        (optional: also compare the error messages, once the
                               `bash: line N: ` and `pysh: ` prefixes are removed)

Blocks run to the next ``## `` or ``####`` line. Each case runs in a fresh copy of
a small directory (``FIXTURE_FILES``) at the same path for both shells, with the
same environment, so ``pwd`` and globs print the same thing.

Run ``python tests/diff/difftable.py`` for a report without pytest, ``--check`` to
verify each case is deterministic under its reference shell (runs it twice),
``--slow`` to list the slowest cases.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

SPEC_DIR = Path(__file__).parent / "spec"
# "bash-default" is bash in its own (non-POSIX) mode, for files of bash-only forms
# (arrays, declare, shopt...): such a file says so in a `## ref: bash-default` line
# before its first case, and its cases need no note for it.
REFERENCES = {"bash": ["bash", "--posix", "-c"], "dash": ["dash", "-c"],
              "bash-default": ["bash", "-c"]}
TIMEOUT = 20  # seconds per snippet; a hang is a failure, not a stuck suite

# The directory each snippet starts in: a few files to glob, read and list.
FIXTURE_FILES = {
    "a.txt": "alpha\nbeta\ngamma\n",
    "b.txt": "one two three\nfour five\n",
    "c.log": "log line\n",
    "numbers": "3\n1\n2\n",
    "sub/one": "1\n",
    "sub/two": "2\n",
    ".hidden": "secret\n",
}


@dataclass(frozen=True)
class Case:
    name: str
    code: str
    file: str
    line: int
    reference: str = "bash"
    stdin: str = ""
    argv: tuple[str, ...] = ()
    stdout: str | None = None   # intentional pysh difference (needs a note)
    status: int | None = None
    note: str = ""
    compare_stderr: bool = False

    @property
    def id(self) -> str:
        return f"{Path(self.file).stem.removesuffix('.test')}: {self.name}"


@dataclass(frozen=True)
class Result:
    stdout: str
    stderr: str
    status: int


def load_cases(directory: Path = SPEC_DIR) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(directory.glob("*.test.sh")):
        cases.extend(parse_spec(path.read_text(), str(path)))
    names = [case.id for case in cases]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"duplicate case names: {sorted(duplicates)}")
    return cases


_HEADER = re.compile(r"^#### (.+)$")
_DIRECTIVE = re.compile(r"^## (\w+):(?: (.*))?$")


def parse_spec(text: str, filename: str) -> list[Case]:
    """Split a spec file into cases (see the module docstring for the format)."""
    cases = []
    lines = text.split("\n")
    index = 0
    file_reference = "bash"
    while index < len(lines):
        header = _HEADER.match(lines[index])
        if not header:
            directive = _DIRECTIVE.match(lines[index])
            if directive and directive.group(1) == "ref" and not cases:
                file_reference = (directive.group(2) or "").strip()
            index += 1
            continue
        start = index + 1
        index = start
        code_lines: list[str] = []
        while index < len(lines) and not _HEADER.match(lines[index]) and not _DIRECTIVE.match(lines[index]):
            code_lines.append(lines[index])
            index += 1
        fields: dict = {}
        while index < len(lines) and not _HEADER.match(lines[index]):
            directive = _DIRECTIVE.match(lines[index])
            if not directive:
                if lines[index].strip():
                    raise ValueError(f"{filename}:{index + 1}: stray line after directives: {lines[index]!r}")
                index += 1
                continue
            key, inline = directive.group(1), directive.group(2)
            index += 1
            if inline is None:  # a block up to the next directive or case
                block = []
                while index < len(lines) and not _HEADER.match(lines[index]) and not _DIRECTIVE.match(lines[index]):
                    block.append(lines[index])
                    index += 1
                while block and block[-1] == "":
                    block.pop()
                value = "".join(line + "\n" for line in block)
            else:
                value = inline
            fields[key] = value
        fields.setdefault("ref", file_reference)
        cases.append(_make_case(header.group(1).strip(), code_lines, fields, filename, start,
                                file_reference))
    return cases


def _make_case(name: str, code_lines: list[str], fields: dict, filename: str, line: int,
               file_reference: str = "bash") -> Case:
    while code_lines and code_lines[-1] == "":
        code_lines.pop()
    unknown = set(fields) - {"ref", "stdin", "argv", "stdout", "status", "note", "compare"}
    if unknown:
        raise ValueError(f"{filename}:{line}: unknown directive(s) {sorted(unknown)}")
    reference = fields.get("ref", "bash").strip()
    if reference not in REFERENCES:
        raise ValueError(f"{filename}:{line}: unknown reference shell {reference!r}")
    overrides = "stdout" in fields or "status" in fields
    if (overrides or reference != file_reference) and not fields.get("note", "").strip():
        raise ValueError(f"{filename}:{line}: case {name!r} differs from bash --posix without a `## note:`")
    return Case(
        name=name,
        code="\n".join(code_lines) + "\n",
        file=filename,
        line=line,
        reference=reference,
        stdin=fields.get("stdin", ""),
        argv=tuple(shlex.split(fields.get("argv", ""))),
        stdout=fields.get("stdout"),
        status=int(fields["status"]) if "status" in fields else None,
        note=fields.get("note", "").strip(),
        compare_stderr=fields.get("compare", "").strip() == "stderr",
    )


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

def pysh_command() -> list[str]:
    python = os.environ.get("PYSH_PYTHON") or sys.executable
    return [python, "-m", "pyshell", "-c"]


def make_fixture(directory: Path) -> None:
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "home").mkdir(parents=True)
    work = directory / "work"
    for relative, content in FIXTURE_FILES.items():
        target = work / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


def environment(directory: Path) -> dict[str, str]:
    return {
        "LC_ALL": "C",
        "HOME": str(directory / "home"),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "TERM": "dumb",
        "TMPDIR": str(directory),
        # pysh is started by Python from an installed package; nothing else leaks in.
    }


def run_snippet(shell_argv: list[str], case: Case, directory: Path) -> Result:
    """Run the case's code with ``shell_argv + [code, *argv]`` in a fresh fixture."""
    make_fixture(directory)
    with subprocess.Popen(
        [*shell_argv, case.code, *case.argv],
        cwd=directory / "work",
        env=environment(directory),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: a stuck snippet is killed whole
    ) as process:
        try:
            stdout, stderr = process.communicate(case.stdin.encode(), timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, _ = process.communicate()
            stderr = b"timed out"
    return Result(stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"), process.returncode)


@dataclass
class Comparison:
    case: Case
    reference: Result
    pysh: Result
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0  # wall time of both runs, to spot slow rows

    def report(self) -> str:
        lines = [f"{self.case.id}  ({self.case.file}:{self.case.line})", "code:"]
        lines += ["    " + line for line in self.case.code.rstrip("\n").split("\n")]
        lines += self.problems
        lines.append(f"{self.case.reference}: status {self.reference.status}, stdout {self.reference.stdout!r}, "
                     f"stderr {self.reference.stderr!r}")
        lines.append(f"pysh: status {self.pysh.status}, stdout {self.pysh.stdout!r}, stderr {self.pysh.stderr!r}")
        return "\n".join(lines)


def _status(status: int) -> int:
    """subprocess reports death by signal N as -N; a shell reports 128+N."""
    return 128 - status if status < 0 else status


_ERROR_PREFIX = re.compile(r"^(?:bash|dash|pysh): (?:-c: )?(?:line \d+: |\d+: )?", re.MULTILINE)


def normalize_errors(stderr: str) -> str:
    """`bash: line 1: x: not found` and `pysh: x: not found` both become `x: not found`."""
    return _ERROR_PREFIX.sub("", stderr)


def compare(case: Case, reference: Result, pysh: Result) -> Comparison:
    comparison = Comparison(case, reference, pysh)
    want_stdout = reference.stdout if case.stdout is None else case.stdout
    want_status = _status(reference.status) if case.status is None else case.status
    if pysh.stdout != want_stdout:
        comparison.problems.append(f"stdout differs: want {want_stdout!r}, got {pysh.stdout!r}")
    if _status(pysh.status) != want_status:
        comparison.problems.append(f"status differs: want {want_status}, got {_status(pysh.status)}")
    if bool(reference.stderr) != bool(pysh.stderr):
        comparison.problems.append("stderr shape differs: " + ("pysh printed nothing" if reference.stderr
                                                              else "pysh printed an error"))
    if case.compare_stderr and normalize_errors(reference.stderr) != normalize_errors(pysh.stderr):
        comparison.problems.append(f"error messages differ: want {normalize_errors(reference.stderr)!r}, "
                                   f"got {normalize_errors(pysh.stderr)!r}")
    if "Traceback (most recent call last)" in pysh.stderr or "internal error" in pysh.stderr:
        comparison.problems.append("pysh crashed (a Python exception reached the user)")
    return comparison


def run_case(case: Case, scratch: Path, index: int) -> Comparison:
    directory = scratch / f"case{index:04d}"
    started = time.monotonic()
    reference = run_snippet(REFERENCES[case.reference], case, directory)
    pysh = run_snippet(pysh_command(), case, directory)
    shutil.rmtree(directory, ignore_errors=True)
    comparison = compare(case, reference, pysh)
    comparison.seconds = time.monotonic() - started
    return comparison


def run_all(cases: list[Case], workers: int | None = None) -> list[Comparison]:
    """Run every case, a few at a time (each pysh start is ~60 ms of mostly CPU)."""
    workers = workers or max(2, (os.cpu_count() or 2) * 2)
    with tempfile.TemporaryDirectory(prefix="pysh-diff-") as scratch:
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(lambda pair: run_case(pair[1], Path(scratch), pair[0]), enumerate(cases)))


def check_deterministic(cases: list[Case]) -> list[str]:
    """Run each case twice under its reference shell; list the ones that changed."""
    unstable = []
    with tempfile.TemporaryDirectory(prefix="pysh-diff-") as scratch:
        def twice(pair):
            index, case = pair
            directory = Path(scratch) / f"case{index:04d}"
            first = run_snippet(REFERENCES[case.reference], case, directory)
            second = run_snippet(REFERENCES[case.reference], case, directory)
            return case, first, second
        with ThreadPoolExecutor(4) as pool:
            for case, first, second in pool.map(twice, enumerate(cases)):
                if (first.stdout, first.status, bool(first.stderr)) != (second.stdout, second.status, bool(second.stderr)):
                    unstable.append(f"{case.id}: {first} != {second}")
    return unstable


def main(argv: list[str]) -> int:
    cases = load_cases()
    pattern = next((arg for arg in argv if not arg.startswith("-")), None)
    if pattern:
        cases = [case for case in cases if re.search(pattern, case.id)]
    if "--check" in argv:
        unstable = check_deterministic(cases)
        print("\n".join(unstable) or f"all {len(cases)} cases deterministic")
        return 1 if unstable else 0
    if "--show" in argv:  # print what the reference shell does, to write expectations
        with tempfile.TemporaryDirectory(prefix="pysh-diff-") as scratch:
            for index, case in enumerate(cases):
                result = run_snippet(REFERENCES[case.reference], case, Path(scratch) / f"c{index}")
                print(f"{case.id}: {result}")
        return 0
    comparisons = run_all(cases)
    failures = [c for c in comparisons if c.problems]
    for failure in failures:
        print(failure.report(), end="\n\n")
    if "--slow" in argv:
        for comparison in sorted(comparisons, key=lambda c: -c.seconds)[:15]:
            print(f"{comparison.seconds:6.2f} s  {comparison.case.id}")
    print(f"{len(comparisons) - len(failures)} passed, {len(failures)} failed, {len(comparisons)} cases")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
