"""A cache of loaded projects, so that `compose ps`, `down`, `up`… skip reading YAML,
interpolating and validating (25-35 ms of each, most of it importing PyYAML) when nothing
the load depends on has changed.

A cached load is worse than none if it can be stale, so a hit has to prove it isn't:

- the cache file of a command is named by what is known before loading: the working
  directory and the options that choose the files and the name (-f, -p, --project-directory,
  --env-file), with the Python version (marshal's format is Python's) and FORMAT;
- it holds the probes of the load (inputs.py: the text of every file read, the absence of
  every file looked for and not found, every environment variable looked up, what `~`
  stood for, the signature of every module of pysh and PyYAML that was loaded), the
  warnings it printed, and what it gave before profiles (project.Loaded);
- a hit is a cache file whose every probe answers the same now. The load is a function
  of those answers, so it would give the same model again. Its warnings are printed again.

Profiles and the services a command names are applied after, on a hit as on a miss
(project.finished). A cache file that is missing, unreadable, corrupt (a checksum guards
it) or of another format is a miss; one that can't be written is no cache.

There is one file per working directory and set of options, so the directory is pruned
when a miss writes one (never on a hit, which stays a few reads): files not written for
KEEP_DAYS go, and the oldest beyond KEEP_FILES. A file pruned while still in use costs one
miss, which writes it again.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib

from pyshell.compose.inputs import Recording, note_code, unchanged
from pyshell.compose.project import Loaded, Options, Project, finished

FORMAT = 1  # of the cache files: a change to what they hold needs a new number
MAGIC = b"pysh compose load cache\n"
KEEP_DAYS = 30
KEEP_FILES = 256


def load_project(options: Options, environ=None, cwd=None, warn=lambda message: None,
                 named_services=(), directory=None) -> Project:
    """load.load_project, through the cache in ``directory`` (default: pysh's state dir)."""
    environ = os.environ if environ is None else environ
    cwd = cwd or os.getcwd()
    key = (FORMAT, sys.version, cwd, options.files, options.project_name,
           options.project_directory, options.env_files)
    path = _cache_file(key, directory)
    cached = _read(path, key, environ)
    if cached is None:
        loaded = _load_and_store(path, key, options, environ, cwd, warn)
    else:
        warnings, loaded = cached
        for message in warnings:
            warn(message)
    return finished(loaded, options, environ, named_services)


def _cache_file(key, directory) -> str:
    if directory is None:
        from pyshell.statedir import pysh_home_text

        directory = os.path.join(pysh_home_text(), "compose-load-cache")
    # two keys with one checksum only take turns at a file: the key inside decides
    return os.path.join(directory, f"{zlib.crc32(repr(key).encode()):08x}.load")


def _read(path: str, key, environ):
    """(warnings, Loaded) from a cache file that is still true, else None."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return None
    checksum, payload = data[len(MAGIC):len(MAGIC) + 8], data[len(MAGIC) + 8:]
    if not data.startswith(MAGIC) or checksum != b"%08x" % zlib.crc32(payload):
        return None
    try:
        stored_key, probes, warnings, fields = marshal.loads(payload)
        if stored_key != key or not unchanged(probes, environ):
            return None
        return warnings, Loaded(*fields)
    except (ValueError, EOFError, TypeError, AttributeError):
        return None


def _load_and_store(path: str, key, options: Options, environ, cwd: str, warn) -> Loaded:
    from pyshell.compose.load import load_files  # a miss only: it imports PyYAML
    from pyshell.statedir import atomic_write

    warnings = []

    def warn_and_keep(message):
        warnings.append(message)
        warn(message)

    with Recording(environ) as recording:
        loaded = load_files(options, environ, cwd, warn_and_keep)
        try:
            # The code that ran is the code on disk if it was there before this process began
            # to import pysh (a REPL may have imported a module long before it was edited);
            # 20 ms of margin: a file's times lag the clock by up to a jiffy.
            trusted_before = sys.modules["pyshell"].IMPORTED_NS - 20_000_000
            for module in list(sys.modules.values()):
                if _is_loader_code(module) and note_code(module.__file__)[3] > trusted_before:
                    return loaded  # its ctime: edited since, perhaps after it was imported
        except OSError:
            return loaded  # a module whose file is gone: which code ran can't be told
    try:
        # now, before finished(): profiles take services out of the model
        payload = marshal.dumps((key, recording.probes, warnings, loaded.values()))
        atomic_write(path, MAGIC + b"%08x" % zlib.crc32(payload) + payload, mode=0o600, durable=False)
    except (OSError, ValueError):
        return loaded  # a state directory we can't write, a value marshal can't hold: no cache
    prune(os.path.dirname(path), keep=path)
    return loaded


def prune(directory: str, keep: str, now: float | None = None) -> None:
    """Remove the cache files of ``directory`` older than KEEP_DAYS, and the oldest of those
    beyond KEEP_FILES; never ``keep`` (the one just written). Races with another pysh that
    prunes too are harmless: a file already gone is skipped."""
    import time

    now = time.time() if now is None else now
    try:
        entries = [(entry.stat().st_mtime, entry.path) for entry in os.scandir(directory)
                   if entry.name.endswith(".load") and entry.path != keep]
    except OSError:
        return
    entries.sort(reverse=True)  # newest first
    for rank, (written, path) in enumerate(entries):
        if rank >= KEEP_FILES - 1 or now - written > KEEP_DAYS * 86400:
            try:
                os.unlink(path)
            except OSError:
                pass


def _is_loader_code(module) -> bool:
    """pysh's modules and PyYAML's (its C part too): a superset of the loader's code."""
    name = getattr(module, "__name__", "")
    return (name.startswith(("pyshell.", "yaml.", "_yaml")) or name == "yaml") \
        and isinstance(getattr(module, "__file__", None), str)

