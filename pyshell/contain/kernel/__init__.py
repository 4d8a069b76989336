"""The kernel's interfaces contain uses, with nothing container-specific: syscalls.py (ctypes),
cgroups.py, userns.py, osio.py, seccomp.py (profiles -> BPF through libseccomp, installed with
prctl; the default profile is seccomp-default.json), devices.py (the device allowlist: v1
devices cgroup files, or a BPF program on cgroup v2). Imports only the standard library and pyshell.errors; cheap to
import (the supervisor, a bare Python, uses cgroups.py and osio.py)."""
