"""The core builtins: the ones that must run inside the shell because they change it.

``cd`` changes the shell's own directory, ``export`` its variables, ``exit`` ends it —
a child process could not do that for its parent. Each builtin is ``(shell, argv) ->
status`` and writes with write_out/write_err, so redirections applied around it work.
"""

from __future__ import annotations

import os
import signal

from pyshell.builtins import (builtin, complain, find_builtin, is_builtin, letter_flags, load_all, write_err,
                              write_out)
from pyshell.errors import PyshError
from pyshell.runtime.control import BreakLoop, ContinueLoop, ExitShell, ReturnFromFunction


def _quote(word: str) -> str:
    from pyshell.runtime.execute import quote

    return quote(word)


def _double_quote(value: str) -> str:
    """"value" with \\ " $ ` escaped: the form `export -p` prints, reusable as input."""
    return '"' + "".join("\\" + c if c in '\\"$`' else c for c in value) + '"'


def _is_name(word: str) -> bool:
    return word.isidentifier() and word.isascii()


# ---------------------------------------------------------------- directories


@builtin("cd", "cd [-L|-P] [dir | -]", "Change the current directory (`cd -`: back to $OLDPWD).")
def cd(shell, argv):
    args = argv[1:]
    physical = False
    while args and args[0] in ("-L", "-P"):
        physical = args.pop(0) == "-P"
    if args and args[0] == "--":
        args.pop(0)
    if len(args) > 1:
        complain("cd", "too many arguments")
        return 1
    show = False
    if not args:
        target = shell.getvar("HOME")
        if not target:
            complain("cd", "HOME not set")
            return 1
    elif args[0] == "-":
        target = shell.getvar("OLDPWD")
        if not target:
            complain("cd", "OLDPWD not set")
            return 1
        show = True
    else:
        target = args[0]
    cdpath = shell.getvar("CDPATH")
    if cdpath and not target.startswith(("/", "./", "../")) and target not in (".", ".."):
        for directory in cdpath.split(":"):
            candidate = os.path.join(directory or ".", target)
            if os.path.isdir(candidate):
                target, show = candidate, bool(directory)
                break
    old = shell.getvar("PWD") or _getcwd()
    logical = os.path.normpath(os.path.join(old, target)) if not physical else None
    try:
        if logical is not None:
            try:
                os.chdir(logical)
                new = logical
            except OSError:
                os.chdir(target)
                new = _getcwd()
        else:
            os.chdir(target)
            new = _getcwd()
    except OSError as error:
        complain("cd", f"{target}: {error.strerror}")
        return 1
    if new == "." and target in (".", "./"):   # the directory was removed under us
        complain("cd", "error retrieving current directory: getcwd: cannot access parent "
                       "directories: No such file or directory")
        new = os.path.join(old, target)
    if new.startswith("//") and not new.startswith("///"):
        new = new[1:]
    shell.setvar("OLDPWD", old)
    shell.setvar("PWD", new)
    if show:
        write_out(new + "\n")
    return 0


def _getcwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return "."


@builtin("pwd", "pwd [-L|-P]", "Print the current directory.")
def pwd(shell, argv):
    physical = "-P" in argv[1:]
    current = shell.getvar("PWD")
    if physical or not current or not _same_file(current, "."):
        try:
            current = os.getcwd()
        except OSError as error:
            complain("pwd", error.strerror)
            return 1
    write_out(current + "\n")
    return 0


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


# ---------------------------------------------------------------- control flow


def _status_argument(name: str, argv, default: int) -> int:
    if len(argv) < 2:
        return default
    try:
        return int(argv[1]) & 255
    except ValueError:
        complain(name, f"{argv[1]}: numeric argument required")
        return 2


@builtin("exit", "exit [n]", "Leave the shell with status n (default: the last status).", special=True)
def exit_(shell, argv):
    if len(argv) > 2:
        complain("exit", "too many arguments")
        raise ExitShell(1)
    raise ExitShell(_status_argument("exit", argv, shell.last_status))


@builtin("return", "return [n]", "Leave a function or sourced file with status n.", special=True)
def return_(shell, argv):
    if not shell.local_frames and not shell.source_depth:
        complain("return", "can only `return' from a function or sourced script")
        if not shell.interactive:
            raise ExitShell(2)
        return 2
    raise ReturnFromFunction(_status_argument("return", argv, shell.last_status))


def _loop_count(name: str, argv) -> int | None:
    if len(argv) < 2:
        return 1
    if not argv[1].isdigit() or int(argv[1]) < 1:
        complain(name, f"{argv[1]}: loop count out of range")
        return None
    return int(argv[1])


@builtin("break", "break [n]", "Leave the n-th enclosing for/while/until loop.", special=True)
def break_(shell, argv):
    count = _loop_count("break", argv)
    if count is None:
        return 1
    if shell.loop_depth == 0:
        return 0  # bash --posix and dash say nothing
    raise BreakLoop(min(count, shell.loop_depth))


@builtin("continue", "continue [n]", "Start the next iteration of the n-th enclosing loop.", special=True)
def continue_(shell, argv):
    count = _loop_count("continue", argv)
    if count is None:
        return 1
    if shell.loop_depth == 0:
        return 0
    raise ContinueLoop(min(count, shell.loop_depth))


@builtin("true", "true", "Do nothing, successfully.")
def true(shell, argv):
    return 0


@builtin("false", "false", "Do nothing, unsuccessfully.")
def false(shell, argv):
    return 1


@builtin(":", ": [args]", "Do nothing (arguments are still expanded).", special=True)
def colon(shell, argv):
    return 0


# ---------------------------------------------------------------- variables


def _assign_arguments(shell, name: str, args, mark) -> int:
    """``export``/``readonly`` NAME[=VALUE]...; assigning a readonly variable raises
    PyshError, which ends a script (they are special builtins)."""
    status = 0
    for arg in args:
        key, equals, value = arg.partition("=")
        append = key.endswith("+")
        if append:
            key = key[:-1]
        if not _is_name(key):
            complain(name, f"`{arg}': not a valid identifier")
            status = 1
            continue
        if getattr(arg, "items", None) is not None:   # readonly a=(1 2): an array
            shell.assign_array(key, arg.items, append=append)
        elif equals and append:
            shell.append_var(key, value)
        elif equals:
            shell.setvar(key, value)
        mark(key)
    return status


def _with_array_options(shell, name: str, args, letter: str):
    """``readonly -a x=(…)``, ``export -A m``: bash's array options, through declare."""
    flags = "".join(arg[1:] for arg in args if arg in ("-a", "-A"))
    if not flags:
        return None
    from pyshell.builtins.declare import _declare

    rest = [arg for arg in args if arg not in ("-a", "-A", "-p")]
    return _declare(shell, [name, "-" + letter + flags, *rest], local=False)


@builtin("export", "export [-p] [-n] [name[=value] ...]", "Mark variables for the environment of commands.",
         special=True)
def export(shell, argv):
    args = argv[1:]
    unexport = False
    status = _with_array_options(shell, "export", args, "x")
    if status is not None:
        return status
    while args and args[0] in ("-p", "-n"):
        unexport = unexport or args[0] == "-n"
        args.pop(0)
    if not args:
        for name in sorted(shell.exported):
            value = shell.vars.get(name)
            write_out(f"export {name}" + ("" if value is None else f"={_double_quote(value)}") + "\n")
        return 0
    if unexport:
        for name in args:
            shell.exported.discard(name.partition("=")[0])
        shell._environ_cache = None
        return 0
    return _assign_arguments(shell, "export", args, shell.export)


@builtin("readonly", "readonly [-p] [name[=value] ...]", "Make variables unchangeable.", special=True)
def readonly(shell, argv):
    status = _with_array_options(shell, "readonly", argv[1:], "r")
    if status is not None:
        return status
    args = [arg for arg in argv[1:] if arg != "-p"]
    if args[:1] == ["--"]:
        args.pop(0)
    if not args:
        for name in sorted(shell.readonly):
            value = shell.vars.get(name)
            write_out(f"readonly {name}" + ("" if value is None else f"={_double_quote(value)}") + "\n")
        return 0
    return _assign_arguments(shell, "readonly", args, shell.set_readonly)


@builtin("unset", "unset [-f|-v] name ...", "Remove variables (-v, the default) or functions (-f).", special=True)
def unset(shell, argv):
    from pyshell.expand.variables import split_subscript, valid_reference

    args = argv[1:]
    mode = "v"
    while args and args[0] in ("-f", "-v", "-n", "-fv", "-vf"):
        mode = args.pop(0)[-1]
    if args and args[0] == "--":
        args.pop(0)
    status = 0
    for name in args:
        if mode == "f":
            shell.functions.pop(name, None)
            continue
        if not valid_reference(name):
            complain("unset", f"`{name}': not a valid identifier")
            status = 1
            continue
        try:
            base, subscript = split_subscript(name)
            if mode == "n" and base in shell.namerefs:
                shell.namerefs.pop(base, None)  # the reference itself, not what it names
                shell.attrs.pop(base, None)
                shell._rewatch()
            elif subscript is not None:
                shell.unset_element(base, subscript)
            elif name in shell.vars or name not in shell.functions:
                shell.unsetvar(name)
            else:
                shell.functions.pop(name, None)
        except PyshError as error:
            complain("unset", error.message)
            status = 1
    return status


@builtin("shift", "shift [n]", "Drop the first n positional parameters.", special=True)
def shift(shell, argv):
    try:
        count = int(argv[1]) if len(argv) > 1 else 1
    except ValueError:
        complain("shift", f"{argv[1]}: numeric argument required")
        return 1
    if count < 0 or count > len(shell.positional):
        complain("shift", "shift count out of range")
        return 1
    shell.positional = shell.positional[count:]
    return 0


@builtin("set", "set [-euxfCavn] [-o option] [--] [arg ...]",
         "Set options (-e errexit, -u nounset, -x xtrace, -o pipefail...) or the positional parameters.",
         special=True)
def set_(shell, argv):
    from pyshell.runtime.shell import OPTION_LETTERS, PYSH_OPTIONS

    args = argv[1:]
    if not args:
        from pyshell.builtins.declare import _set_line

        for name in sorted(shell.vars):
            write_out(_set_line(shell, name) + "\n")
        return 0
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            shell.positional = args[index + 1:]
            return 0
        if arg == "-":
            shell.options.xtrace = shell.options.verbose = False
            if index + 1 < len(args):   # `set -` alone leaves the parameters as they are
                shell.positional = args[index + 1:]
            return 0
        if arg[0] not in "-+" or len(arg) < 2:
            shell.positional = args[index:]
            return 0
        turn_on = arg[0] == "-"
        if arg[1:] == "o":
            if index + 1 == len(args):
                for name in sorted(OPTION_LETTERS):
                    state = shell.options.get(name)
                    if turn_on:
                        write_out(f"{name:<15}\t{'on' if state else 'off'}\n")
                    else:
                        write_out(f"set {'-' if state else '+'}o {name}\n")
                return 0
            name = args[index + 1]
            if name not in OPTION_LETTERS and name not in PYSH_OPTIONS:
                raise PyshError(f"set: {name}: invalid option name", status=2)
            _set_option(shell, name, turn_on)
            index += 2
            continue
        index += 1
        for letter in arg[1:]:
            if letter == "o":   # -eo pipefail: the option name is the next argument
                if index == len(args):
                    raise PyshError(f"set: {arg[0]}o: option requires an argument", status=2)
                if args[index] not in OPTION_LETTERS:
                    raise PyshError(f"set: {args[index]}: invalid option name", status=2)
                _set_option(shell, args[index], turn_on)
                index += 1
                continue
            name = shell.options.by_letter(letter)
            if name is None:
                raise PyshError(f"set: {arg[0]}{letter}: invalid option", status=2)
            _set_option(shell, name, turn_on)
    return 0


def _set_option(shell, name: str, value: bool) -> None:
    if name == "monitor" and value and shell.jobs.terminal is None:
        if not shell.jobs.take_terminal():
            return
    shell.options.set(name, value)


# ---------------------------------------------------------------- running code


@builtin("source", "source file [args]", "Run the commands of a file in this shell.", special=True,
         aliases=(".",))
def source(shell, argv):
    if len(argv) < 2:
        complain(argv[0], "filename argument required")
        return 2
    path = argv[1]
    if "/" not in path:  # POSIX: a name without a slash is looked up on $PATH only
        found = None
        for directory in (shell.getvar("PATH") or "").split(":"):
            candidate = os.path.join(directory or ".", path)
            if os.path.isfile(candidate):
                found = candidate
                break
        if found is None:
            raise PyshError(f"{argv[0]}: {path}: file not found")
        path = found
    shell.source_depth += 1
    try:
        return shell.run_file(path, argv[2:] if len(argv) > 2 else None)
    except PyshError as error:  # unreadable: an error of a special builtin (ends a script)
        raise PyshError(error.message, status=1) from None
    finally:
        shell.source_depth -= 1


@builtin("eval", "eval [arg ...]", "Join the arguments and run them as shell commands.", special=True)
def eval_(shell, argv):
    args = argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    source = " ".join(args)
    if not source.strip():
        return 0
    return shell.run_source(source, filename="eval", syntax_error_exits=not shell.interactive)


@builtin("exec", "exec [command [args]] [redirections]",
         "Replace the shell with a command, or (alone) apply redirections for good.", special=True)
def exec_(shell, argv):
    # `exec` alone with redirections is handled by the executor (they must stay applied).
    from pyshell.runtime.execute import find_program

    args = argv[1:]
    argv0 = None
    while args and args[0] in ("-a", "-c", "-l"):
        option = args.pop(0)
        if option == "-a" and args:
            argv0 = args.pop(0)   # exec -a NAME: the program sees NAME as its argv[0]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        return 0
    path = find_program(shell, args[0])
    if argv0 is not None:
        args = [argv0, *args[1:]]
    if path is None:
        complain("exec", f"{args[0]}: not found")
        status = 127
    else:
        for signum in shell.signals_to_reset():
            signal.signal(signum, signal.SIG_DFL)
        try:
            os.execve(path, args, shell.environ())
        except OSError as error:
            complain("exec", f"{args[0]}: {error.strerror}")
            status = 127 if error.errno == 2 else 126
            signal.signal(signal.SIGPIPE, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.default_int_handler)
    if not shell.interactive:
        raise ExitShell(status)
    return status


_DEFAULT_PATH = "/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin"  # command -p


@builtin("command", "command [-p] [-v|-V] name [args]",
         "Run a command ignoring functions, or (-v/-V) say what a name is.")
def command(shell, argv):
    from pyshell.runtime.execute import run_argv

    args = argv[1:]
    mode = None
    default_path = False
    while args and args[0].startswith("-") and args[0] != "-":
        flags = args.pop(0)
        if flags == "--":
            break
        for flag in flags[1:]:
            if flag in "vV":
                mode = flag
            elif flag == "p":
                default_path = True
            else:
                complain("command", f"-{flag}: invalid option")
                return 2
    if not args:
        return 0
    if default_path and mode is None and not is_builtin(args[0]) and "/" not in args[0]:
        from pyshell.runtime.path import search

        found = search(args[0], _DEFAULT_PATH)   # `command -p`: the standard utilities
        if found is not None:
            args = [found, *args[1:]]
    if mode == "v":
        status = 0
        for name in args:
            kind, detail = _lookup(shell, name)
            if kind == "alias":
                write_out(f"alias {name}={_quote(detail)}\n")
            elif kind:
                write_out((detail if kind == "file" else name) + "\n")
            else:
                status = 1
        return status
    if mode == "V":
        return type_(shell, ["type", *args])
    return run_argv(shell, args, use_functions=False)


def _lookup(shell, name: str) -> tuple[str, str]:
    from pyshell.runtime.execute import lookup

    return lookup(shell, name)


@builtin("type", "type [-afptP] name ...", "Say how each name would be run.")
def type_(shell, argv):
    args = argv[1:]
    flags = letter_flags("type", args, "afptP")
    if flags is None:
        return 2
    status = 0
    for name in args:
        found = _descriptions(shell, name, flags)
        if not found:
            if not flags & set("tpP"):
                complain("type", f"{name}: not found")
            status = 1
        for kind, detail in found:
            if "P" in flags or "p" in flags:
                if kind == "file":
                    write_out(detail + "\n")
            elif "t" in flags:
                write_out(kind + "\n")
            elif kind == "alias":
                write_out(f"{name} is aliased to `{detail}'\n")
            elif kind == "keyword":
                write_out(f"{name} is a shell keyword\n")
            elif kind == "function":
                write_out(f"{name} is a function\n")
            elif kind == "builtin":
                special = find_builtin(name).special
                write_out(f"{name} is a {'special ' if special else ''}shell builtin\n")
            else:
                write_out(f"{name} is {detail}\n")
    return status


def _descriptions(shell, name: str, flags: set) -> list[tuple[str, str]]:
    """What ``name`` is, as type's flags ask: the first meaning, or with -a all of them;
    -P: only a file on $PATH; -f: functions skipped."""
    from pyshell.runtime.path import search

    if "P" in flags:
        path = search(name, shell.getvar("PATH")) if "/" not in name else name
        return [("file", path)] if path else []
    if "a" not in flags:
        kind, detail = _lookup(shell, name)
        if kind == "function" and "f" in flags:
            kind, detail = "", ""
        return [(kind, detail)] if kind else []
    found = []
    if name in shell.aliases:
        found.append(("alias", shell.aliases[name]))
    kind, _ = _lookup(shell, name)
    if kind == "keyword":
        found.append(("keyword", name))
    if name in shell.functions and "f" not in flags:
        found.append(("function", name))
    if is_builtin(name):
        found.append(("builtin", name))
    for directory in (shell.getvar("PATH") or "").split(":"):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            found.append(("file", candidate))
    return found


@builtin("builtin", "builtin name [args]", "Run a shell builtin, even when a function has its name.")
def builtin_(shell, argv):
    from pyshell.runtime.execute import run_argv

    if len(argv) < 2:
        return 0
    if not is_builtin(argv[1]):
        complain("builtin", f"{argv[1]}: not a shell builtin")
        return 1
    return run_argv(shell, argv[1:], use_functions=False)


@builtin("enable", "enable [-a] [-n] [-p] [name ...]", "List the builtins (pysh cannot turn one off).")
def enable(shell, argv):
    from pyshell.builtins import load_all

    args = [arg for arg in argv[1:] if arg not in ("-a", "-p", "-s")]
    if args and args[0] == "-n":
        complain("enable", "pysh cannot disable its builtins")
        return 1
    for name in args:
        if not is_builtin(name):
            complain("enable", f"{name}: not a shell builtin")
            return 1
    if args:
        return 0
    for name in sorted(load_all()):
        write_out(f"enable {name}\n")
    return 0


@builtin("alias", "alias [name[=value] ...]", "Define or list aliases.")
def alias(shell, argv):
    if len(argv) == 1:
        for name in sorted(shell.aliases):
            write_out(f"{name}={_quote(shell.aliases[name])}\n")
        return 0
    status = 0
    for arg in argv[1:]:
        name, equals, value = arg.partition("=")
        if equals:
            shell.aliases[name] = value
        elif name in shell.aliases:
            write_out(f"{name}={_quote(shell.aliases[name])}\n")
        else:
            complain("alias", f"{name}: not found")
            status = 1
    return status


@builtin("unalias", "unalias [-a] name ...", "Remove aliases (-a: all of them).")
def unalias(shell, argv):
    if argv[1:2] == ["-a"]:
        shell.aliases.clear()
        return 0
    status = 0
    for name in argv[1:]:
        if shell.aliases.pop(name, None) is None:
            complain("unalias", f"{name}: not found")
            status = 1
    return status


@builtin("hash", "hash [-r] [name ...]", "Remember (or with -r forget) where commands are on $PATH.")
def hash_(shell, argv):
    args = argv[1:]
    cache = shell.command_cache
    if args[:1] == ["-r"]:
        cache.forget()
        args = args[1:]
    if args[:1] == ["-t"]:   # where each remembered name is
        status = 0
        for name in args[1:]:
            if name in cache.paths:
                write_out(cache.paths[name] + "\n")
            else:
                complain("hash", f"{name}: not found")
                status = 1
        return status
    if not args and len(argv) == 1:
        for name in sorted(cache.paths):
            write_out(f"{name}\t{cache.paths[name]}\n")
        return 0
    status = 0
    for name in args:
        if cache.find(name, shell.getvar("PATH")) is None and not is_builtin(name):
            complain("hash", f"{name}: not found")
            status = 1
    return status


# ---------------------------------------------------------------- signals and traps


def _signal_number(spec: str) -> int | None:
    """INT, SIGINT, 2 → 2; EXIT and 0 → 0; RTMIN+1 → 35; None if unknown."""
    if spec.isdigit():
        number = int(spec)
        return number if number == 0 or number in _signal_numbers() else None
    name = spec.upper()
    if name == "EXIT":
        return 0
    if not name.startswith("SIG"):
        name = "SIG" + name
    for number, each in _signal_table():
        if each == name:
            return number
    return None


def _signal_numbers() -> set[int]:
    return {number for number, _ in _signal_table()}


def _signal_table() -> list[tuple[int, str]]:
    """(number, SIGNAME) for every signal, with bash's names for the real-time ones
    (SIGRTMIN, SIGRTMIN+1 … SIGRTMAX-1, SIGRTMAX)."""
    table = {int(each): each.name for each in signal.Signals if not each.name.startswith("SIG_")}
    low, high = signal.SIGRTMIN, signal.SIGRTMAX
    for number in range(low, high + 1):
        middle = (low + high) // 2
        table[number] = (f"SIGRTMIN+{number - low}" if number <= middle else f"SIGRTMAX-{high - number}"
                         ).replace("+0", "").replace("-0", "")
    return sorted(table.items())


def _signal_name(number: int) -> str:
    if number == 0:
        return "EXIT"
    return dict(_signal_table())[number][3:]


def _signal_list() -> str:
    """trap -l and kill -L: bash's table, five signals a line."""
    entries = [f"{number:2d}) {name}" for number, name in _signal_table()]
    lines = ["\t".join(entries[index:index + 5]) for index in range(0, len(entries), 5)]
    return "\n".join(lines) + "\n"


_PSEUDO = ("DEBUG", "ERR", "RETURN")


def _trap_condition(spec: str) -> str | None:
    """The trap table's name for a condition: EXIT, INT, DEBUG...; None if unknown."""
    if spec.upper() in _PSEUDO:
        return spec.upper()
    number = _signal_number(spec)
    return None if number is None else _signal_name(number)


@builtin("trap", "trap [-lp] [command | - | ''] [signal ...]",
         "Run a command when a signal arrives (or EXIT, ERR, DEBUG, RETURN); `trap` alone lists traps.",
         special=True)
def trap(shell, argv):
    args = argv[1:]
    printing = False
    while args and args[0] in ("-p", "-l", "-lp", "-pl"):
        if "l" in args[0]:
            write_out(_signal_list())
            return 0
        printing = True
        args = args[1:]
    if args and args[0] == "--":
        args = args[1:]
    if printing or not args:
        wanted = None
        if args:
            wanted = []
            for spec in args:
                name = _trap_condition(spec)
                if name is None:
                    complain("trap", f"{spec}: invalid signal specification")
                    return 1
                wanted.append(name)
        listed = {**shell.parent_traps, **shell.traps}
        for name, command_text in sorted(listed.items(), key=_trap_order):
            if wanted is None or name in wanted:
                write_out(f"trap -- {_quote(command_text)} {name}\n")
        return 0
    if len(args) == 1 or _signal_number(args[0]) is not None and args[0].isdigit():
        action, conditions = "-", args  # `trap SIG`, `trap 2 15`: reset
    else:
        action, conditions = args[0], args[1:]
    status = 0
    for condition in conditions:
        name = _trap_condition(condition)
        if name is None or name in ("KILL", "STOP"):
            complain("trap", f"{condition}: invalid signal specification")
            status = 1
            continue
        shell.set_trap(name, None if action == "-" else action)
    return status


def _trap_order(item) -> tuple:
    name = item[0]
    if name == "EXIT":
        return (0, 0)
    if name in _PSEUDO:
        return (2, _PSEUDO.index(name))
    return (1, _signal_number(name) or 0)


@builtin("kill", "kill [-s SIG | -SIG] pid|%job ... ; kill -l",
         "Send a signal (default TERM) to processes or jobs.")
def kill(shell, argv):
    args = argv[1:]
    if not args:
        complain("kill", "usage: kill [-s SIG | -SIG] pid|%job ... or kill -l")
        return 2
    if args[0] == "-L":   # bash's table form of -l
        if len(args) == 1:
            write_out(_signal_list())
            return 0
        args = ["-l", *args[1:]]
    if args[0] == "-l":
        if len(args) > 1:
            for each in args[1:]:
                number = int(each) - 128 if each.isdigit() and int(each) > 128 else _signal_number(each)
                if not number or number not in _signal_numbers():
                    complain("kill", f"{each}: invalid signal specification")
                    return 1
                write_out((str(number) if not each.isdigit() else _signal_name(number)) + "\n")
            return 0
        write_out(" ".join(_signal_name(n) for n in sorted(_signal_numbers())) + "\n")
        return 0
    signum = signal.SIGTERM
    if args[0] in ("-s", "-n") and len(args) > 1:
        spec, args = args[1], args[2:]
    elif args[0].startswith("-") and args[0] != "--" and len(args[0]) > 1:
        spec, args = args[0][1:], args[1:]
    else:
        spec = None
    if args and args[0] == "--":
        args = args[1:]
    if spec is not None:
        number = _signal_number(spec)
        if number is None:
            complain("kill", f"{spec}: invalid signal specification")
            return 1
        signum = number
    status = 0
    for target in args:
        try:
            if target.startswith("%"):
                shell.jobs.signal_job(shell.jobs.find(target), signum)
            else:
                os.kill(int(target), signum)
        except ValueError:
            complain("kill", f"{target}: arguments must be process or job IDs")
            status = 1
        except PyshError as error:
            complain("kill", error.message)
            status = 1
        except OSError as error:
            complain("kill", f"({target}) - {error.strerror}")
            status = 1
    return status


# ---------------------------------------------------------------- jobs


@builtin("jobs", "jobs [-l|-p]", "List background and stopped jobs.")
def jobs(shell, argv):
    if "-p" in argv[1:]:
        shell.jobs.poll()
        for number in sorted(shell.jobs.jobs):
            job = shell.jobs.jobs[number]
            write_out(f"{job.pgid or job.pids[0]}\n")
        return 0
    specs = [arg for arg in argv[1:] if not arg.startswith("-")]
    try:
        wanted = {f"[{shell.jobs.find(spec).number}]" for spec in specs}
    except PyshError as error:
        complain("jobs", error.message)
        return 1
    for line in shell.jobs.listing(long="-l" in argv[1:]):
        if not wanted or line[:line.index("]") + 1] in wanted:  # "[2]+  Running ..."
            write_out(line + "\n")
    return 0


def _job_argument(shell, name: str, argv):
    if shell.jobs.terminal is None:
        complain(name, "no job control")
        return None
    try:
        return shell.jobs.find(argv[1] if len(argv) > 1 else None)
    except PyshError as error:
        complain(name, error.message)
        return None


@builtin("fg", "fg [%job]", "Bring a job to the foreground.")
def fg(shell, argv):
    job = _job_argument(shell, "fg", argv)
    return 1 if job is None else shell.jobs.foreground(job)


@builtin("bg", "bg [%job]", "Let a stopped job continue in the background.")
def bg(shell, argv):
    job = _job_argument(shell, "bg", argv)
    if job is None:
        return 1
    shell.jobs.background(job)
    return 0


@builtin("wait", "wait [-n] [pid|%job ...]",
         "Wait for background jobs (-n: the next to end); the status is the last one's.")
def wait(shell, argv):
    from pyshell.runtime.jobs import WaitInterrupted

    # POSIX: a signal with a trap interrupts `wait`, whose status is then 128+N.
    shell.wait_interruptible = True
    try:
        return _wait(shell, argv)
    except WaitInterrupted as interrupted:
        return 128 + interrupted.signum
    finally:
        shell.wait_interruptible = False


def _wait(shell, argv):
    if len(argv) == 1:
        return shell.jobs.wait_all()
    if argv[1] == "-n":
        return shell.jobs.wait_next()
    if argv[1] == "--":
        argv = argv[1:]
    status = 0
    for target in argv[1:]:
        try:
            if target.startswith("%"):
                status = shell.jobs.wait_job(shell.jobs.find(target))
                continue
            pid = int(target)
        except ValueError:
            complain("wait", f"`{target}': not a pid or valid job spec")
            status = 2
            continue
        except PyshError as error:
            complain("wait", error.message)
            status = 127
            continue
        result = shell.jobs.wait_pid(pid)
        if result is None:
            complain("wait", f"pid {pid} is not a child of this shell")
            status = 127
        else:
            status = result
    return status


# ---------------------------------------------------------------- the process


@builtin("umask", "umask [-S] [mode]", "Show or set the file creation mask (octal or u=rwx,g=rx,o=).")
def umask(shell, argv):
    args = argv[1:]
    symbolic = bool(args) and args[0] == "-S"
    if symbolic:
        args = args[1:]
    current = os.umask(0)
    os.umask(current)
    if not args:
        if symbolic:
            allowed = ~current & 0o777
            parts = []
            for who, shift_by in (("u", 6), ("g", 3), ("o", 0)):
                bits = (allowed >> shift_by) & 7
                parts.append(who + "=" + "".join(c for c, b in (("r", 4), ("w", 2), ("x", 1)) if bits & b))
            write_out(",".join(parts) + "\n")
        else:
            write_out(f"{current:04o}\n")
        return 0
    mode = args[0]
    try:
        new = int(mode, 8) if mode.isdigit() else _symbolic_umask(mode, current)
    except ValueError:
        complain("umask", f"{mode}: invalid mode")
        return 1
    os.umask(new & 0o777)
    return 0


def _symbolic_umask(mode: str, current: int) -> int:
    allowed = ~current & 0o777
    for clause in mode.split(","):
        who = ""
        while clause and clause[0] in "ugoa":
            who += clause[0]
            clause = clause[1:]
        if not clause or clause[0] not in "=+-" or any(c not in "rwx" for c in clause[1:]):
            raise ValueError(mode)
        op, perms = clause[0], clause[1:]
        bits = sum(b for c, b in (("r", 4), ("w", 2), ("x", 1)) if c in perms)
        for letter, shift_by in (("u", 6), ("g", 3), ("o", 0)):
            if who and letter not in who and "a" not in who:
                continue
            mask = 7 << shift_by
            if op == "=":
                allowed = (allowed & ~mask) | (bits << shift_by)
            elif op == "+":
                allowed |= bits << shift_by
            else:
                allowed &= ~(bits << shift_by)
    return ~allowed & 0o777


@builtin("times", "times", "Print the user and system times of the shell and of its children.", special=True)
def times(shell, argv):
    now = os.times()

    def minutes_seconds(seconds: float) -> str:
        return f"{int(seconds // 60)}m{seconds % 60:.3f}s"

    write_out(f"{minutes_seconds(now.user)} {minutes_seconds(now.system)}\n"
              f"{minutes_seconds(now.children_user)} {minutes_seconds(now.children_system)}\n")
    return 0


# ulimit flag -> (resource name, description, unit name, unit divisor), in bash's order.
# -c and -f count 512-byte blocks, as POSIX says (bash's own mode: 1024). -p (the pipe
# buffer, 8 blocks of 512 bytes on Linux) is no resource limit: it can only be shown.
_LIMITS = {
    "R": ("RLIMIT_RTTIME", "real-time non-blocking time", "microseconds", 1),
    "c": ("RLIMIT_CORE", "core file size", "blocks", 512),
    "d": ("RLIMIT_DATA", "data seg size", "kbytes", 1024),
    "e": ("RLIMIT_NICE", "scheduling priority", "", 1),
    "f": ("RLIMIT_FSIZE", "file size", "blocks", 512),
    "i": ("RLIMIT_SIGPENDING", "pending signals", "", 1),
    "l": ("RLIMIT_MEMLOCK", "max locked memory", "kbytes", 1024),
    "m": ("RLIMIT_RSS", "max memory size", "kbytes", 1024),
    "n": ("RLIMIT_NOFILE", "open files", "", 1),
    "p": (None, "pipe size", "512 bytes", 1),
    "q": ("RLIMIT_MSGQUEUE", "POSIX message queues", "bytes", 1),
    "r": ("RLIMIT_RTPRIO", "real-time priority", "", 1),
    "s": ("RLIMIT_STACK", "stack size", "kbytes", 1024),
    "t": ("RLIMIT_CPU", "cpu time", "seconds", 1),
    "u": ("RLIMIT_NPROC", "max user processes", "", 1),
    "v": ("RLIMIT_AS", "virtual memory", "kbytes", 1024),
    "x": ("RLIMIT_LOCKS", "file locks", "", 1),
}


def _resource_number(name: str) -> int:
    import resource

    return getattr(resource, name) if hasattr(resource, name) else {"RLIMIT_LOCKS": 10}[name]  # Linux


@builtin("ulimit", "ulimit [-SH] [-a | -Rcdefilmnpqrstuvx] [limit]", "Show or set a resource limit of the shell.")
def ulimit(shell, argv):
    import resource

    hard = soft = False
    flag = "f"
    show_all = False
    value = None
    for arg in argv[1:]:
        if arg.startswith("-") and len(arg) > 1:
            for letter in arg[1:]:
                if letter == "H":
                    hard = True
                elif letter == "S":
                    soft = True
                elif letter == "a":
                    show_all = True
                elif letter in _LIMITS:
                    flag = letter
                else:
                    complain("ulimit", f"-{letter}: invalid option")
                    return 2
        else:
            value = arg
    which = 1 if hard and not soft else 0

    def shown(letter: str) -> str:
        name, _, _, unit = _LIMITS[letter]
        if name is None:
            return "8"
        limit = resource.getrlimit(_resource_number(name))[which]
        return "unlimited" if limit == resource.RLIM_INFINITY else str(limit // unit)

    if show_all:
        for letter, (_, description, unit_name, _) in _LIMITS.items():
            units = f"({unit_name}, -{letter}) " if unit_name else f"(-{letter}) "
            write_out(f"{description:<20} {units:>20}{shown(letter)}\n")
        return 0
    if value is None:
        write_out(shown(flag) + "\n")
        return 0
    name, description, _, unit = _LIMITS[flag]
    if name is None:
        complain("ulimit", f"{description}: cannot modify limit: Invalid argument")
        return 1
    kind = _resource_number(name)
    current_soft, current_hard = resource.getrlimit(kind)
    try:
        new = resource.RLIM_INFINITY if value == "unlimited" else int(value) * unit
    except ValueError:
        complain("ulimit", f"{value}: invalid number")
        return 1
    if not hard and not soft:
        hard = soft = True
    try:
        resource.setrlimit(kind, (new if soft else current_soft, new if hard else current_hard))
    except OverflowError:
        complain("ulimit", f"{value}: limit out of range")
        return 1
    except (ValueError, OSError) as error:
        complain("ulimit", f"{description}: cannot modify limit: {error}")
        return 1
    return 0


# ---------------------------------------------------------------- help and front ends


@builtin("help", "help [name]", "List the builtins, or show how to use one.")
def help_(shell, argv):
    if len(argv) == 1:
        write_out("pysh builtins (help NAME for its usage):\n")
        builtins = load_all()
        width = max(len(name) for name in builtins)
        for name in sorted(builtins):
            write_out(f"  {name:<{width}}  {builtins[name].summary}\n")
        return 0
    status = 0
    for name in argv[1:]:
        entry = find_builtin(name)
        if entry is None:
            complain("help", f"no help topics match `{name}'")
            status = 1
            continue
        write_out(f"{name}: {entry.usage}\n    {entry.summary}\n")
    return status


def _front_end(module_name: str, name: str, argv) -> int:
    import sys

    try:
        __import__(module_name)  # not importlib.import_module: the importlib package costs ~0.3 ms
    except ModuleNotFoundError as missing:
        if missing.name and module_name.startswith(missing.name):
            write_err(f"pysh: {name}: not available (module {module_name} is missing)\n")
            return 127
        raise
    return sys.modules[module_name].main(list(argv[1:]))


@builtin("contain", "contain COMMAND [args]", "Run and manage containers (namespaces, overlayfs, cgroups).")
def contain(shell, argv):
    if argv[1:2] == ["compose"]:  # `contain compose ...` is `compose ...`, as `docker compose`
        return _front_end("pyshell.compose.cli", "compose", argv[1:])
    return _front_end("pyshell.contain.cli", "contain", argv)


@builtin("compose", "compose [OPTIONS] COMMAND [args]", "Run multi-container projects from compose files on contain.")
def compose(shell, argv):
    return _front_end("pyshell.compose.cli", "compose", argv)


@builtin("vm", "vm COMMAND [args]", "Run and manage QEMU virtual machines.")
def vm(shell, argv):
    return _front_end("pyshell.vm.cli", "vm", argv)


@builtin("explain", "explain [-n] [--ascii] [--svg FILE] [--json FILE] COMMANDLINE [--vs COMMANDLINE]",
         "Run a command line, then draw its processes, pipes, fd tables and system calls.")
def explain(shell, argv):
    from pyshell.explain.command import main

    return main(shell, argv)
