"""Run a function in a forked child and get its result back: for tests of what the kernel does
to one process (a seccomp filter, a device cgroup, a network namespace of its own) that must
not happen to the test process itself.

The child pickles the function's result, or the traceback of what went wrong, down a pipe;
the parent raises an AssertionError that carries the child's traceback.
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback


def in_child(function, *args, where: str = "the test's child", **kwargs):
    reader, writer = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:
        os.close(reader)
        try:
            payload = pickle.dumps(("ok", function(*args, **kwargs)))
        except BaseException:  # noqa: BLE001 — everything goes back to the parent
            payload = pickle.dumps(("failed", traceback.format_exc()))
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(payload)
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        data = pipe.read()
    os.waitpid(child, 0)
    if not data:
        raise AssertionError(f"{where} died without a word")
    kind, value = pickle.loads(data)
    if kind == "failed":
        raise AssertionError(f"in {where}:\n{value}")
    return value
