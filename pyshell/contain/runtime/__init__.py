"""A container's life on the host: lifecycle.py (create, start, exec, commit), stopping.py (stop,
kill, rm, wait), setup.py (inside the new namespaces), supervisor.py and restart.py (the
daemons), protocol.py (every message and file between the processes), state.py (containers on
disk, State and its transitions), terminal.py, teardown.py, volumes.py, inspect.py.
Imports kernel/, spec.py, image/ and network/; never build/, api.py or cli/. Keep this file
empty of imports: the supervisor imports runtime.supervisor and must start fast."""
