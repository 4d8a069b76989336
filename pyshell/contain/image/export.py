"""`contain export`: the container's filesystem as one flat tar (no layers, no config).

A running container is read through /proc/PID/root; a stopped one by mounting its overlay
again in a private mount namespace of a child process (in a user namespace when rootless),
so nothing is ever mounted on the host. Like `tar --one-file-system`, what is mounted over
the root (/proc, /sys, /dev, volumes) is left out, as Docker does.
"""

from __future__ import annotations

import os
import sys
import tarfile

from pyshell.contain.kernel import syscalls
from pyshell.errors import ContainerError


def export(container, output: str | None) -> int:
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644) if output else 1
    if fd == 1 and os.isatty(1):
        raise ContainerError("cowardly refusing to write a tar to a terminal: redirect it (> fs.tar) or use -o")
    try:
        if container.status == "running":  # runtime.state.State.RUNNING (a str)
            _write_tar(f"/proc/{container.pid}/root", fd)
            return 0
        return _export_stopped(container, fd)
    finally:
        if output:
            os.close(fd)


def _export_stopped(container, fd: int) -> int:
    spec = container.spec
    merged = str(container.dir / "rootfs" / "merged")
    sys.stdout.flush()
    child = os.fork()
    if child == 0:
        try:
            uid, gid = os.geteuid(), os.getegid()
            syscalls.unshare(syscalls.CLONE_NEWNS | (syscalls.CLONE_NEWUSER if spec.rootless else 0))
            if spec.rootless:
                for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
                    with open(f"/proc/self/{name}", "w") as file:
                        file.write(text)
            syscalls.mount(None, "/", None, syscalls.MS_REC | syscalls.MS_PRIVATE)
            options = (f"lowerdir={':'.join(reversed(spec.layer_dirs))},upperdir={container.upper_dir},"
                       f"workdir={container.dir / 'rootfs' / 'work'}" + (",userxattr" if spec.rootless else ""))
            syscalls.mount("overlay", merged, "overlay", 0, options)
            _write_tar(merged, fd)
            os._exit(0)
        except BaseException as error:  # noqa: BLE001 - one line, never a traceback from the child
            os.write(2, f"pysh: contain export: {error}\n".encode())
            os._exit(1)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status)


def _write_tar(root: str, fd: int) -> None:
    with os.fdopen(os.dup(fd), "wb") as stream, tarfile.open(fileobj=stream, mode="w|") as tar:
        root_device = os.lstat(root).st_dev
        for directory, subdirs, files in os.walk(root):
            relative = os.path.relpath(directory, root)
            if directory != root:
                tar.add(directory, arcname=relative, recursive=False)
            kept = []
            for name in sorted(subdirs):
                path = os.path.join(directory, name)
                if os.path.islink(path):
                    tar.add(path, arcname=os.path.normpath(os.path.join(relative, name)), recursive=False)
                elif os.lstat(path).st_dev == root_device:
                    kept.append(name)
                else:  # a mount point: keep the empty directory, not what is mounted there
                    tar.add(path, arcname=os.path.normpath(os.path.join(relative, name)), recursive=False)
            subdirs[:] = kept
            for name in sorted(files):
                path = os.path.join(directory, name)
                if os.lstat(path).st_dev == root_device:
                    tar.add(path, arcname=os.path.normpath(os.path.join(relative, name)), recursive=False)
