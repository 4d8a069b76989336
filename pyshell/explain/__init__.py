"""`explain`: run a command line, then draw what the shell did, from the real processes.

A reading map (in this order):
    recorder.py   the hooks' receiver: events into a log; Pause holds a child before
                  execve while the parent reads /proc/CHILD/fd (why this way: its docstring)
    procfs.py     /proc/PID/fd, fdinfo and stat, read into plain dicts
    model.py      events → Explanation: processes, ordered steps, pipes, files
    plan.py       `explain -n`: the same model from the syntax tree, nothing run
    draw.py       the terminal diagram (box drawing, colours; --ascii)
    svg.py        the same picture as an SVG document (--svg FILE)
    command.py    the builtin: options, run with the recorder on, draw

The runtime knows only ``pyshell.runtime.observer.recorder`` (None unless explaining):
imports flow one way, explain → runtime.
"""
