"""bash's declaration builtins: ``declare``/``typeset`` and ``local``, with attributes.

    declare [-aAfFgilnprux] [+ilnrux] [name[=value] | name=(…)] ...

-a indexed array, -A associative array, -i integer (assignments are evaluated), -l/-u
lower/upper case, -n name reference, -r readonly, -x exported; ``+`` turns an attribute
off. -p prints the variables as declare commands that read back (all of them with no
name), -f/-F the functions. In a function, declare makes its variables local, as
``local`` does, unless -g is given. Arguments written ``name=value`` reach the builtin
unsplit; ``name=( … )`` arrives expanded, as a variables.ArrayArgument.
"""

from __future__ import annotations

from pyshell.builtins import builtin, complain, write_out
from pyshell.errors import PyshError
from pyshell.expand.variables import (AssocArray, IndexedArray, declare_line, split_subscript,
                                       valid_name)

_ATTRIBUTES = "aAilnrux"


@builtin("declare", "declare [-aAfFgilnprux] [name[=value] ...]",
         "Set variables' values and attributes (arrays, integers, namerefs...), or print them.",
         aliases=("typeset",))
def declare(shell, argv):
    return _declare(shell, argv, local=bool(shell.local_frames))


@builtin("local", "local [-aAilnrux] [name[=value] ...]", "Make variables local to the running function.")
def local(shell, argv):
    if not shell.local_frames:
        complain("local", "can only be used in a function")
        return 1
    return _declare(shell, argv, local=True)


def _declare(shell, argv, local: bool) -> int:
    name = argv[0]
    on, off = set(), set()
    printing = functions = names_only = global_ = False
    args = argv[1:]
    while args and args[0][:1] in ("-", "+") and len(args[0]) > 1:
        option = args.pop(0)
        if option == "--":
            break
        for letter in option[1:]:
            if letter in _ATTRIBUTES:
                (on if option[0] == "-" else off).add(letter)
            elif letter == "p":
                printing = True
            elif letter == "f":
                functions = True
            elif letter == "F":
                functions = names_only = True
            elif letter == "g":
                global_ = True
            else:
                complain(name, f"{option[0]}{letter}: invalid option")
                complain(name, f"usage: {name} [-aAfFgilnrtux] [name[=value] ...]")
                return 2
    if global_:
        local = False
    if functions:
        return _functions(shell, args, names_only)
    if printing or (not args and not on and not off):
        return _print(shell, name, args, on, printing)
    if not args:
        return _print(shell, name, args, on, True)
    status = 0
    for arg in args:
        try:
            if not _declare_one(shell, name, arg, on, off, local):
                status = 1
        except PyshError as error:
            complain(name, error.message)
            status = 1
    return status


def _declare_one(shell, builtin_name: str, arg: str, on: set, off: set, local: bool) -> bool:
    items = getattr(arg, "items", None)
    target, equals, value = arg.partition("=")
    append = target.endswith("+")
    if append:
        target = target[:-1]
    name, subscript = split_subscript(target)
    if not valid_name(name) or subscript == "":
        complain(builtin_name, f"`{arg}': not a valid identifier")
        return False
    if "n" in on and (equals and not _valid_ref(value)):
        complain(builtin_name, f"`{value}': invalid variable name for name reference")
        return False
    if local and name in shell.readonly:
        complain(builtin_name, f"{name}: readonly variable")
        return False
    if local:
        _make_local(shell, name, bool(equals) or bool(on & set("aA")))
    # a nameref's own attributes are changed with -n/+n; anything else goes through it
    resolved = name if "n" in on or "n" in off else shell.resolve_name(name)
    current = shell.vars.get(resolved)
    if "r" in off and resolved in shell.readonly:
        complain(builtin_name, f"{name}: readonly variable")
        return False
    if resolved in shell.readonly and (equals or on - {"r", "x"}):
        complain(builtin_name, f"{name}: readonly variable")
        return False
    # The kind of array first: the value is then stored into it.
    if "A" in on:
        if current.__class__ is IndexedArray:
            complain(builtin_name, f"{name}: cannot convert indexed to associative array")
            return False
        if current.__class__ is not AssocArray:
            shell.store_array(resolved, AssocArray())
    elif "a" in on:
        if current.__class__ is AssocArray:
            complain(builtin_name, f"{name}: cannot convert associative to indexed array")
            return False
        if current.__class__ is not IndexedArray:
            array = IndexedArray()
            if current is not None:
                array[0] = current
            shell.store_array(resolved, array)
    for letter in "ilun":
        if letter in on:
            shell.set_attribute(resolved, letter)
        if letter in off:
            shell.set_attribute(resolved, letter, on=False)
    if equals:
        if items is not None:
            kind = "A" if shell.vars.get(resolved).__class__ is AssocArray else None
            shell.assign_array(resolved, items, append=append, kind=kind)
        elif subscript is not None:
            shell.set_element(resolved, subscript, value, append)
        elif append:
            shell.append_var(resolved, value)
        else:
            if "n" in on and resolved in shell.namerefs:
                shell.namerefs[resolved] = value
            else:
                shell.setvar(resolved, value)
    elif resolved not in shell.vars and not (on | off) and not local:
        shell.attrs.setdefault(resolved, "")   # declared, still unset: `declare -p` shows it
    if "x" in on:
        shell.export(resolved)
    if "x" in off:
        shell.exported.discard(resolved)
        shell._environ_cache = None
    if "r" in on:
        shell.set_readonly(resolved)
    return True


def _valid_ref(value: str) -> bool:
    name, subscript = split_subscript(value)
    return valid_name(name) and subscript != ""


def _make_local(shell, name: str, assigned: bool) -> None:
    """Save the caller's value; a new local with no value is unset (as in bash), unless
    it already was local here or came from ``x=1 f``."""
    frame = shell.local_frames[-1]
    fresh = name not in frame
    shell.make_local(name)
    if fresh:
        shell.vars.pop(name, None)
        shell.attrs.pop(name, None)
        shell.namerefs.pop(name, None)
        shell.readonly.discard(name)
        shell.exported.discard(name)
        shell._rewatch()
        shell._environ_cache = None


def _print(shell, builtin_name: str, names, on: set, as_declare: bool) -> int:
    if not names:
        for name in sorted(set(shell.vars) | set(shell.namerefs)):
            if on and not _has_all(shell, name, on):
                continue
            if as_declare:
                write_out(declare_line(shell, name) + "\n")
            else:
                write_out(_set_line(shell, name) + "\n")
        return 0
    status = 0
    for name in names:
        if name not in shell.vars and name not in shell.attrs and name not in shell.exported \
                and name not in shell.readonly:
            complain(builtin_name, f"{name}: not found")
            status = 1
            continue
        write_out(declare_line(shell, name) + "\n")
    return status


def _has_all(shell, name: str, letters: set) -> bool:
    line = declare_line(shell, name).split(" ", 2)[1]
    return all(letter in line for letter in letters)


def _set_line(shell, name: str) -> str:
    """A line of `set` / `declare` with no arguments: name=value, arrays as (…)."""
    from pyshell.expand.variables import array_text

    value = shell.namerefs[name] if name in shell.namerefs else shell.vars[name]
    if value.__class__ is str:
        from pyshell.runtime.execute import quote

        return f"{name}={quote(value)}"
    return f"{name}={array_text(value)}"


def _functions(shell, names, names_only: bool) -> int:
    from pyshell.syntax import format as format_source

    status = 0
    for name in names or sorted(shell.functions):
        function = shell.functions.get(name)
        if function is None:
            status = 1
            continue
        if names_only:
            write_out(f"declare -f {name}\n" if not names else f"{name}\n")
        else:
            write_out(format_source(function).rstrip("\n") + "\n")
    return status
