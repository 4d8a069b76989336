"""Builtins bash has and POSIX does not: ``let``, ``mapfile``/``readarray``, ``shopt``,
``pushd``/``popd``/``dirs`` and ``caller``.

They are loaded the first time a script uses one (see LAZY_BUILTINS).
"""

from __future__ import annotations

import os

from pyshell.builtins import builtin, complain, letter_flags, write_err
from pyshell.errors import PyshError


@builtin("let", "let expression ...", "Evaluate arithmetic expressions; status 0 if the last is not 0.")
def let(shell, argv):
    from pyshell.expand import arith

    if len(argv) < 2:
        complain("let", "expression expected")
        return 1
    value = 0
    for expression in argv[1:]:
        try:
            value = arith.evaluate(expression, shell)
        except PyshError as error:
            complain("let", error.message)
            return 1
    return 0 if value else 1


_MAPFILE_USAGE = ("mapfile [-d delim] [-n count] [-O origin] [-s count] [-t] [-u fd] "
                  "[-C callback] [-c quantum] [array]")


@builtin("mapfile", _MAPFILE_USAGE, "Read lines of input into an indexed array (MAPFILE by default).",
         aliases=("readarray",))
def mapfile(shell, argv):
    name = argv[0]
    args = argv[1:]
    delimiter, count, origin, skip, trim, fd = b"\n", 0, None, 0, False, 0
    callback, quantum = None, 5000
    while args and args[0].startswith("-") and len(args[0]) > 1:
        option = args.pop(0)
        if option == "--":
            break
        flag, value = option[1], option[2:]
        if flag == "t" and not value:
            trim = True
            continue
        if flag not in "dnOsuCc":
            complain(name, f"{option}: invalid option")
            write_err(f"{name}: usage: {_MAPFILE_USAGE}\n")
            return 2
        if not value:
            if not args:
                complain(name, f"-{flag}: option requires an argument")
                return 2
            value = args.pop(0)
        if flag == "d":
            delimiter = value.encode("utf-8", "surrogateescape")[:1] or b"\0"
        elif flag == "C":
            callback = value
        else:
            if not value.isdigit():
                what = {"n": "line count", "O": "array index", "s": "line count",
                        "u": "file descriptor", "c": "callback quantum"}[flag]
                complain(name, f"{value}: invalid {what}")
                return 1
            number = int(value)
            if flag == "n":
                count = number
            elif flag == "O":
                origin = number
            elif flag == "s":
                skip = number
            elif flag == "u":
                fd = number
            else:
                quantum = number
    target = args[0] if args else "MAPFILE"
    if not target.isidentifier():
        complain(name, f"`{target}': not a valid identifier")
        return 1
    lines = _read_records(fd, delimiter, count + skip if count else 0)
    if lines is None:
        complain(name, f"{fd}: invalid file descriptor: Bad file descriptor")
        return 1
    lines = lines[skip:]
    texts = [line.decode("utf-8", "surrogateescape") for line in lines]
    if trim:
        ending = delimiter.decode("utf-8", "surrogateescape")
        texts = [text[:-1] if text.endswith(ending) else text for text in texts]
    array = shell.get_array(target)
    start = origin if origin is not None else 0
    try:
        if origin is None or array is None:
            shell.assign_array(target, [], kind="a")
        for number, text in enumerate(texts):
            if callback is not None and number % quantum == quantum - 1:
                shell.run_source(f"{callback} {start + number} {_quoted(text)}", filename="mapfile")
            shell.set_element(target, str(start + number), text)
    except PyshError as error:
        complain(name, error.message)
        return 1
    return 0


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _read_records(fd: int, delimiter: bytes, wanted: int) -> list[bytes] | None:
    """The records of fd up to EOF (or the first ``wanted`` of them), each with its
    delimiter. From a regular file, what was read past the last record is given back
    (lseek), so the next command reads on from there."""
    chunks = bytearray()
    try:
        seekable = os.lseek(fd, 0, os.SEEK_CUR) >= 0 and not os.isatty(fd)
    except OSError:
        seekable = False
    records: list[bytes] = []
    start = 0
    while True:
        try:
            chunk = os.read(fd, 65536 if seekable or not wanted else 1)
        except OSError:
            if not chunks and not records:
                return None
            break
        if not chunk:
            break
        chunks += chunk
        while True:
            end = chunks.find(delimiter, start)
            if end < 0:
                break
            records.append(bytes(chunks[start:end + 1]))
            start = end + 1
            if wanted and len(records) >= wanted:
                if seekable:
                    os.lseek(fd, start - len(chunks), os.SEEK_CUR)
                return records
    if start < len(chunks):
        records.append(bytes(chunks[start:]))
    return records


@builtin("shopt", "shopt [-pqsu] [-o] [optname ...]",
         "Set (-s), unset (-u), query (-q) or list bash's shell options (-o: set -o's).")
def shopt(shell, argv):
    from pyshell.builtins import write_out
    from pyshell.runtime.shell import OPTION_LETTERS, SHOPT_DEFAULTS

    args = argv[1:]
    flags = letter_flags("shopt", args, "pqsuo", usage="shopt [-pqsu] [-o] [optname ...]")
    if flags is None:
        return 2
    if "s" in flags and "u" in flags:
        complain("shopt", "cannot set and unset shell options simultaneously")
        return 1
    set_options = "o" in flags
    known = OPTION_LETTERS if set_options else SHOPT_DEFAULTS

    def state(name: str) -> bool:
        return shell.options.get(name) if set_options else name in shell.shopts

    for name in args:
        if name not in known:
            complain("shopt", f"{name}: invalid {'option' if set_options else 'shell option'} name")
            return 1
    if "s" in flags or "u" in flags:
        turn_on = "s" in flags
        if not args:   # shopt -s: list those that are on
            names = [name for name in (sorted(known) if set_options else known) if state(name) == turn_on]
            _list(shell, names, state, "p" in flags, set_options, write_out)
            return 0
        for name in args:
            if set_options:
                shell.options.set(name, turn_on)
            elif turn_on:
                shell.shopts.add(name)
            else:
                shell.shopts.discard(name)
        return 0
    names = args or (sorted(known) if set_options else list(known))
    if "q" in flags:
        return 0 if all(state(name) for name in names) else 1
    _list(shell, names, state, "p" in flags, set_options, write_out)
    return 0 if all(state(name) for name in args) else 1


def _list(shell, names, state, reusable: bool, set_options: bool, write_out) -> None:
    for name in names:
        on = state(name)
        if reusable and set_options:
            write_out(f"set {'-' if on else '+'}o {name}\n")
        elif reusable:
            write_out(f"shopt {'-s' if on else '-u'} {name}\n")
        else:
            write_out(f"{name:<15}\t{'on' if on else 'off'}\n")


# ---------------------------------------------------------------- the directory stack
#
# shell.dir_stack holds the directories pushd saved, the most recent first; the stack
# as dirs shows it (and $DIRSTACK) is the current directory followed by them.


def _stack(shell) -> list[str]:
    return [shell.getvar("PWD") or os.getcwd(), *shell.dir_stack]


def _show(shell, path: str, long: bool) -> str:
    home = shell.getvar("HOME")
    if not long and home and (path == home or path.startswith(home.rstrip("/") + "/")):
        return "~" + path[len(home.rstrip("/")):]
    return path


def _print_stack(shell, long=False, per_line=False, numbered=False) -> None:
    from pyshell.builtins import write_out

    entries = [_show(shell, path, long) for path in _stack(shell)]
    if numbered:
        write_out("".join(f"{number:2d}  {path}\n" for number, path in enumerate(entries)))
    elif per_line:
        write_out("".join(path + "\n" for path in entries))
    else:
        write_out(" ".join(entries) + "\n")


def _change_to(shell, path: str) -> bool:
    from pyshell.builtins import find_builtin

    return find_builtin("cd").run(shell, ["cd", path]) == 0


def _rotation(spec: str, size: int) -> int | None:
    """+N counts from the left of the dirs listing, -N from the right: an index."""
    if len(spec) < 2 or spec[0] not in "+-" or not spec[1:].isdigit():
        return None
    number = int(spec[1:])
    index = number if spec[0] == "+" else size - 1 - number
    return index if 0 <= index < size else -1


@builtin("pushd", "pushd [-n] [+N | -N | dir]", "Push a directory on the stack and go there (no dir: swap the top two).")
def pushd(shell, argv):
    args = argv[1:]
    quiet = "-n" in args
    args = [arg for arg in args if arg != "-n"]
    stack = _stack(shell)
    if not args:
        if len(stack) < 2:
            complain("pushd", "no other directory")
            return 1
        target = stack[1]
        if not quiet and not _change_to(shell, target):
            return 1
        shell.dir_stack[0] = stack[0]
    elif _rotation(args[0], len(stack)) is not None:
        index = _rotation(args[0], len(stack))
        if index < 0:
            complain("pushd", f"{args[0]}: directory stack index out of range")
            return 1
        rotated = stack[index:] + stack[:index]
        if not _change_to(shell, rotated[0]):
            return 1
        shell.dir_stack[:] = rotated[1:]
    else:
        if quiet:
            shell.dir_stack.insert(0, args[0])
        else:
            old = stack[0]
            if not _change_to(shell, args[0]):
                return 1
            shell.dir_stack.insert(0, old)
    _print_stack(shell)
    return 0


@builtin("popd", "popd [-n] [+N | -N]", "Take the top directory off the stack and go to the next.")
def popd(shell, argv):
    args = [arg for arg in argv[1:] if arg != "-n"]
    quiet = "-n" in argv[1:]
    if not shell.dir_stack:
        complain("popd", "directory stack empty")
        return 1
    stack = _stack(shell)
    index = 0
    if args:
        index = _rotation(args[0], len(stack))
        if index is None or index < 0:
            complain("popd", f"{args[0]}: {'invalid argument' if index is None else 'directory stack index out of range'}")
            return 1
    if index == 0:
        if not quiet and not _change_to(shell, stack[1]):
            return 1
        shell.dir_stack.pop(0)
    else:
        shell.dir_stack.pop(index - 1)
    _print_stack(shell)
    return 0


@builtin("dirs", "dirs [-clpv] [+N | -N]", "Show the directory stack (-c: clear it).")
def dirs(shell, argv):
    from pyshell.builtins import write_out

    flags = set()
    position = None
    for arg in argv[1:]:
        if arg[:1] in "+-" and arg[1:].isdigit():
            position = arg
        elif arg.startswith("-") and len(arg) > 1 and set(arg[1:]) <= set("clpv"):
            flags.update(arg[1:])
        else:
            complain("dirs", f"{arg}: invalid option")
            return 2
    if "c" in flags:
        shell.dir_stack.clear()
        return 0
    if position is not None:
        stack = _stack(shell)
        index = _rotation(position, len(stack))
        if index is None or index < 0:
            complain("dirs", f"{position}: directory stack index out of range")
            return 1
        write_out(_show(shell, stack[index], "l" in flags) + "\n")
        return 0
    _print_stack(shell, "l" in flags, "p" in flags, "v" in flags)
    return 0


@builtin("caller", "caller [n]", "Say where the running function was called from: line, function, file.")
def caller(shell, argv):
    from pyshell.builtins import write_out

    calls = shell.call_sites   # (function name, line it was called at), innermost last
    if not calls:
        return 1
    if len(argv) < 2:
        write_out(f"{calls[-1][1]} {shell.script_name or 'NULL'}\n")
        return 0
    if not argv[1].isdigit():
        complain("caller", f"{argv[1]}: invalid number")
        return 2
    depth = int(argv[1])
    if depth >= len(calls):
        return 1
    line = calls[-1 - depth][1]
    outer = calls[-2 - depth][0] if depth + 1 < len(calls) else "main"
    if outer == "main" and not shell.script_name:
        return 1   # under -c the top level has no name to give (as bash)
    write_out(f"{line} {outer} {shell.script_name or 'NULL'}\n")
    return 0
