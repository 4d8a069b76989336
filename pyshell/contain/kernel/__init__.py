"""The kernel's interfaces contain uses, with nothing container-specific: syscalls.py (ctypes),
cgroups.py, userns.py, osio.py. Imports only the standard library and pyshell.errors; cheap to
import (the supervisor, a bare Python, uses cgroups.py and osio.py)."""
