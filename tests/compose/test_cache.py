"""The cache of loaded projects (cache.py): a hit gives the very project a load gives; any
change to what the load read, looked for, or looked up is a miss — real files in a
temporary directory, each change made as a user would make it.

A hit leaves the cache file alone, a miss writes it again (atomic_write: a new inode):
that is how these tests tell one from the other. test_load.py's tables go through the
cache too (its load() helper calls checked_through_cache).
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pyshell.compose import cache
from pyshell.compose.errors import ComposeError
from pyshell.compose.inputs import Recording, note_code, unchanged
from pyshell.compose.load import load_project
from pyshell.compose.project import Options

ROOT = Path(__file__).resolve().parents[2]


def identical(a, b) -> bool:
    """Equal, and of the same types all the way down (1 == 1.0 == True, [] != () only)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(identical(a[key], b[key]) for key in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b))
    return a == b


def same_project(a, b) -> bool:
    return (a.name, a.directory, a.files, a.disabled) == (b.name, b.directory, b.files, b.disabled) \
        and identical(a.model, b.model) and dict(a.environment) == dict(b.environment)


def checked_through_cache(fresh, warnings, cache_directory, options, environ, cwd, named_services=()):
    """Loading through the cache, a miss then a hit, gives ``fresh`` and its ``warnings``
    (or the error ``fresh`` is)."""
    for attempt in ("miss", "hit"):
        written = _inodes(cache_directory)
        said = []
        try:
            project = cache.load_project(options, environ=environ, cwd=cwd, warn=said.append,
                                         named_services=named_services, directory=cache_directory)
        except ComposeError as error:
            assert isinstance(fresh, ComposeError) and error.message == fresh.message
            continue
        assert not isinstance(fresh, ComposeError), f"{fresh.message} not raised through the cache"
        assert same_project(project, fresh) and said == warnings
        assert (attempt == "hit") == (bool(written) and _inodes(cache_directory) == written)


def _inodes(directory) -> dict:
    """The cache files and their inodes: a miss writes a file anew, a hit leaves it be."""
    return {name: os.stat(os.path.join(directory, name)).st_ino for name in os.listdir(directory)} \
        if os.path.isdir(directory) else {}


class Project:
    """A project directory, an environment, and a cache directory: load() says whether it hit."""

    def __init__(self, tmp_path: Path):
        self.directory = tmp_path / "project"
        self.directory.mkdir()
        self.cache = tmp_path / "cache"
        self.environ = {}

    def write(self, name: str, text: str) -> None:
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))

    def load(self, cwd=None, **options):
        """(the project through the cache, hit?) after checking it against a fresh load."""
        options = Options(**options)
        cwd = str(cwd or self.directory)
        before = _inodes(self.cache)
        warnings = []
        project = cache.load_project(options, environ=self.environ, cwd=cwd, warn=warnings.append,
                                     directory=str(self.cache))
        fresh_warnings = []
        fresh = load_project(options, environ=self.environ, cwd=cwd, warn=fresh_warnings.append)
        assert same_project(project, fresh) and warnings == fresh_warnings
        self.warnings = warnings
        return project, bool(before) and _inodes(self.cache) == before


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path)
    project.write("compose.yaml", """\
        services:
          web:
            image: busybox:${TAG:-1}
            command: sleep 1
    """)
    return project


def test_a_hit_gives_the_same_project(project):
    assert project.load()[1] is False
    loaded, hit = project.load()
    assert hit
    assert loaded.services["web"]["command"] == ["sleep", "1"]


def test_an_edit_that_keeps_size_and_time_is_a_miss(project):
    path = project.directory / "compose.yaml"
    project.load()
    stat = path.stat()
    path.write_text(path.read_text().replace("sleep 1", "sleep 2"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # contents are compared, not times
    loaded, hit = project.load()
    assert not hit and loaded.services["web"]["command"] == ["sleep", "2"]


def test_a_variable_used_in_interpolation_is_an_input_and_others_are_not(project):
    project.load()
    project.environ["UNRELATED"] = "x"
    assert project.load()[1]
    project.environ["TAG"] = "2"
    loaded, hit = project.load()
    assert not hit and loaded.services["web"]["image"] == "busybox:2"
    del project.environ["TAG"]
    loaded, hit = project.load()
    assert not hit and loaded.services["web"]["image"] == "busybox:1"


def test_a_dotenv_created_then_changed_is_a_miss(project):
    project.load()
    project.write(".env", "TAG=3\n")
    loaded, hit = project.load()
    assert not hit and loaded.services["web"]["image"] == "busybox:3"
    assert project.load()[1]
    project.write(".env", "TAG=4\n")
    assert project.load()[0].services["web"]["image"] == "busybox:4"


def test_a_new_override_file_is_a_miss(project):
    project.load()
    project.write("compose.override.yaml", "services:\n  web:\n    command: sleep 9\n")
    loaded, hit = project.load()
    assert not hit and loaded.services["web"]["command"] == ["sleep", "9"]


def test_a_compose_file_nearer_the_working_directory_is_a_miss(project):
    (project.directory / "sub").mkdir()
    assert project.load(cwd=project.directory / "sub")[0].services.keys() == {"web"}
    project.write("sub/docker-compose.yml", "services:\n  near:\n    image: busybox\n")
    loaded, hit = project.load(cwd=project.directory / "sub")
    assert not hit and loaded.services.keys() == {"near"}


def test_included_files_their_dotenv_and_variables_are_inputs(project):
    project.write("compose.yaml", "include: [inner/compose.yaml]\nservices: {}\n")
    project.write("inner/compose.yaml", "services:\n  db:\n    image: db:${DB:-a}\n")
    assert project.load()[0].services["db"]["image"] == "db:a"
    project.write("inner/.env", "DB=b\n")
    assert project.load()[0].services["db"]["image"] == "db:b"
    project.environ["DB"] = "c"
    assert project.load()[0].services["db"]["image"] == "db:c"
    assert project.load()[1]
    project.write("inner/compose.yaml", "services:\n  db:\n    image: other\n")
    assert project.load()[0].services["db"]["image"] == "other"


def test_an_optional_env_file_and_a_bare_environment_key(project):
    project.write("compose.yaml", """\
        services:
          web:
            image: busybox
            environment: [KEY]
            env_file: [{path: ./more.env, required: false}]
    """)
    assert project.load()[0].services["web"]["environment"] == {"KEY": None}
    project.environ["KEY"] = "k"
    assert project.load()[0].services["web"]["environment"] == {"KEY": "k"}
    project.write("more.env", "MORE=m\n")
    loaded, hit = project.load()
    assert not hit and loaded.services["web"]["environment"] == {"MORE": "m", "KEY": "k"}


def test_home_is_an_input_when_a_path_starts_with_tilde(project, monkeypatch):
    monkeypatch.setenv("HOME", "/somewhere")  # ~ is the process's home, as docker compose's
    project.write("compose.yaml", "services:\n  web:\n    image: busybox\n    volumes: [\"~/data:/data\"]\n")
    assert project.load()[0].services["web"]["volumes"][0]["source"] == "/somewhere/data"
    monkeypatch.setenv("HOME", "/elsewhere")
    loaded, hit = project.load()
    assert not hit and loaded.services["web"]["volumes"][0]["source"] == "/elsewhere/data"


def test_options_choose_the_cache_file_and_profiles_apply_after(project):
    project.write("compose.yaml", """\
        services:
          web: {image: busybox}
          debug: {image: busybox, profiles: [debug]}
    """)
    assert project.load()[0].services.keys() == {"web"}
    loaded, hit = project.load(profiles=("debug",))
    assert hit and loaded.services.keys() == {"web", "debug"}
    project.environ["COMPOSE_PROFILES"] = "debug"
    assert project.load()[0].services.keys() == {"web", "debug"}
    assert project.load(project_name="other")[0].name == "other"


def test_the_version_warning_is_given_again_on_a_hit(project):
    project.write("compose.yaml", "version: '3'\nservices:\n  web:\n    image: busybox\n")
    project.load()
    assert project.load()[1]
    assert len(project.warnings) == 1 and "`version` is obsolete" in project.warnings[0]


@pytest.mark.parametrize("damage", [
    lambda data: b"",
    lambda data: data[:len(data) // 2],
    lambda data: data[:-1] + bytes([data[-1] ^ 1]),
    lambda data: b"not a cache at all\n",
    lambda data: data.replace(b"pysh compose load cache", b"pysh compose load cachf"),
])
def test_a_damaged_cache_file_is_a_miss(project, damage):
    project.load()
    [path] = project.cache.iterdir()
    path.write_bytes(damage(path.read_bytes()))
    assert project.load()[1] is False  # and load() checked it against a fresh load
    assert project.load()[1] is True


def test_a_cache_that_cannot_be_written_is_no_cache(project):
    project.cache.write_text("a file, not a directory")
    assert project.load()[0].services.keys() == {"web"}


def test_an_error_is_not_cached(project):
    project.write("compose.yaml", "services:\n  web:\n    image: ${NEED:?set it}\n")
    with pytest.raises(ComposeError, match="set it"):
        project.load()
    assert not project.cache.exists()


def test_a_new_version_of_loader_code_is_a_miss(tmp_path):
    code = tmp_path / "module.py"
    code.write_text("A = 1\n")
    with Recording({}) as recording:
        note_code(str(code))
    assert unchanged(recording.probes, {})
    code.write_text("A = 2\n")
    assert not unchanged(recording.probes, {})


def test_no_cache_when_loader_code_changed_after_the_process_started(project, monkeypatch):
    """As in a REPL that imported a module before it was edited: the code that ran may not
    be the code on disk, so the signature on disk can't vouch for it."""
    edited = project.directory.parent / "edited.py"
    edited.write_text("# written after pytest started\n")
    module = type(sys)("pyshell.edited_while_running")
    module.__file__ = str(edited)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    project.load()
    assert not project.cache.exists()
    monkeypatch.delitem(sys.modules, module.__name__)
    project.load()
    assert project.load()[1]


def test_a_hit_on_the_command_line_imports_neither_yaml_nor_the_loader(tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")
    env = {"PATH": os.environ["PATH"], "PYSH_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)}

    def imported():
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "pyshell.compose", "config", "-q"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
        return {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}

    assert {"yaml", "pyshell.compose.load"} <= imported()
    assert not {"yaml", "pyshell.compose.load", "pyshell.compose.yamlsource"} & imported()


def test_a_miss_prunes_old_cache_files_and_a_hit_leaves_them(project):
    """One cache file per directory and options: a miss that writes one removes those not
    written for KEEP_DAYS and the oldest beyond KEEP_FILES; a hit only reads."""
    import time

    project.load()
    project.cache.mkdir(exist_ok=True)
    now = time.time()
    ours = set(os.listdir(project.cache))
    stale = project.cache / "stale.load"
    stale.write_bytes(b"x")
    os.utime(stale, (now - 40 * 86400, now - 40 * 86400))
    assert project.load()[1] and stale.exists()  # a hit: nothing pruned
    for number in range(cache.KEEP_FILES + 10):  # numbered 0 (newest) ... (oldest)
        other = project.cache / f"other-{number}.load"
        other.write_bytes(b"x")
        os.utime(other, (now - number, now - number))
    project.environ["TAG"] = "2"
    assert not project.load()[1]  # a miss writes its file again, and prunes
    left = set(os.listdir(project.cache))
    assert ours <= left and "stale.load" not in left
    assert len(left) == cache.KEEP_FILES
    assert "other-0.load" in left and f"other-{cache.KEEP_FILES + 9}.load" not in left
