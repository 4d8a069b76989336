"""The one place the runtime tells an observer what it does.

While the `explain` builtin runs a line (pyshell/explain), ``recorder`` holds its
recorder, and the runtime calls it at each step: a pipe made, a file opened, a child
forked (and held before execve), fds moved around a builtin, a child reaped. Otherwise
it is None, and each hook costs one test. This module imports nothing, so any runtime
module may consult it without making an import circle.
"""

recorder = None
