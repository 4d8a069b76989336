"""`vm`: a QEMU front end for pysh. cli.main(argv) is the builtin's entry point.

spec.py (VmSpec, validate) -> qemu.py (command line, launch) with state.py (vm.json),
qmp.py (control), console.py, agent.py (`vm exec`), disks.py (qemu-img),
tinyguest.py (the offline busybox guest).
"""
