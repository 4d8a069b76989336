"""`vm`: a QEMU front end for pysh. cli.main(argv) is the builtin's entry point.

    cli.py         one small function per subcommand
    spec.py        VmSpec (what a machine is) and validate()
    qemu.py        VmSpec -> the qemu-system command line; KVM or TCG; launch and end QEMU
    state.py       $PYSH_HOME/vms/NAME/vm.json, reconciled with the running processes
    qmp.py         a small synchronous QMP client (status, CPUs, balloon, HMP)
    console.py     the serial console in the terminal, with a detach key
    agent.py       `vm exec` for the tiny guest (its second serial port)
    guestagent.py  `vm exec` through qemu-guest-agent, for other guests
    disks.py       qemu-img create / info
    tinyguest.py   the offline busybox guest, built from Debian packages
"""
