"""contain: Docker-like containers without a daemon, made of namespaces, overlayfs and cgroups.

A reading map, from the kernel up (each room imports only the rooms above it in this list):

    kernel/    Linux itself: syscalls.py (ctypes: clone, unshare, mount, pivot_root, setns, caps),
               cgroups.py (v1 and v2), userns.py (uid/gid maps), osio.py (read/write all, wait status),
               seccomp.py (the system call filter), devices.py (which device nodes may be opened)
    spec.py    what a container is, as data: ContainerSpec, Mount, default_spec, validate
    validation.py  flag values checked against what Docker and the kernel take (sizes, signals...)
    image/     images on disk and on the wire: store.py, layers.py, oci.py, registry.py,
               bootstrap.py, export.py
    network/   (networking: bridges, veths, published ports, name resolution)
    runtime/   a container's life: lifecycle.py (create, start, exec), stopping.py (stop, kill, rm),
               setup.py (inside the new namespaces), supervisor.py, restart.py, teardown.py,
               state.py (on disk, State), protocol.py (every message between the processes),
               terminal.py, volumes.py
    build/     Dockerfile -> image: dockerfile.py (parser), files.py (context), builder.py
    api.py     the library: what the command line and compose call
    cli/       the `contain` command line over api.py

Start with runtime/lifecycle.py's docstring (the three processes of a start), then
runtime/setup.py (a container being made, step by step).
"""
