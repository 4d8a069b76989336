"""The state of one shell: variables, options, functions, aliases, traps and jobs.

A ``Shell`` is passed explicitly to everything that needs it (the executor, builtins,
the REPL); there is no global session. A forked subshell is simply the child's copy.
"""

from __future__ import annotations

import os
import signal

from pyshell.errors import ParseError, PyshError
from pyshell.runtime.control import AbortCommandLine, ExitShell, ReturnFromFunction
from pyshell.runtime.path import CommandCache

# `set -o NAME` names with their `set -X` letters (None: only the long form). The ones
# from braceexpand on are bash's, accepted so that scripts setting them run: pysh always
# expands braces and allows comments; the others change nothing (yet) but are listed.
OPTION_LETTERS = {
    "allexport": "a", "errexit": "e", "noglob": "f", "monitor": "m", "noclobber": "C",
    "noexec": "n", "nounset": "u", "verbose": "v", "xtrace": "x", "pipefail": None,
    "ignoreeof": None, "notify": "b", "hashall": "h",
    "braceexpand": "B", "emacs": None, "errtrace": "E", "functrace": "T", "histexpand": "H",
    "history": None, "interactive-comments": None, "keyword": "k", "nolog": None,
    "onecmd": "t", "physical": "P", "posix": None, "privileged": "p", "vi": None,
}
# pysh's own options: `set -o NAME` takes them, the `set -o` listing keeps to bash's.
# explain: the REPL runs each line through the `explain` builtin (pyshell/explain).
PYSH_OPTIONS = ("explain",)
_ON_BY_DEFAULT = ("hashall", "braceexpand", "interactive-comments")

# bash's `shopt` options and their defaults; pysh acts on the glob ones, expand_aliases,
# lastpipe (accepted) and nocasematch, and lists every one like bash so scripts that
# check or set them run.
SHOPT_DEFAULTS = {name: value == "on" for name, value in (item.split(":") for item in (
    "autocd:off assoc_expand_once:off cdable_vars:off cdspell:off checkhash:off "
    "checkjobs:off checkwinsize:on cmdhist:on compat31:off compat32:off compat40:off "
    "compat41:off compat42:off compat43:off compat44:off complete_fullquote:on "
    "direxpand:off dirspell:off dotglob:off execfail:off expand_aliases:off extdebug:off "
    "extglob:off extquote:on failglob:off force_fignore:on globasciiranges:on "
    "globskipdots:on globstar:off gnu_errfmt:off histappend:off histreedit:off "
    "histverify:off hostcomplete:on huponexit:off inherit_errexit:off "
    "interactive_comments:on lastpipe:off lithist:off localvar_inherit:off "
    "localvar_unset:off login_shell:off mailwarn:off no_empty_cmd_completion:off "
    "nocaseglob:off nocasematch:off noexpand_translation:off nullglob:off "
    "patsub_replacement:on progcomp:on progcomp_alias:off promptvars:on "
    "restricted_shell:off shift_verbose:off sourcepath:on varredir_close:off "
    "xpg_echo:off "
).split())}


class Options:
    """The shell options as plain attributes: ``shell.options.errexit`` and so on
    (``get``/``set`` take the `set -o` name, in which a ``-`` is a ``_`` here)."""

    __slots__ = tuple(name.replace("-", "_") for name in OPTION_LETTERS) + PYSH_OPTIONS

    def __init__(self):
        for name in self.__slots__:
            setattr(self, name, False)
        for name in _ON_BY_DEFAULT:
            self.set(name, True)

    def get(self, name: str) -> bool:
        return getattr(self, name.replace("-", "_"))

    def set(self, name: str, value: bool) -> None:
        if value and name in ("vi", "emacs"):   # one line editing mode at a time
            setattr(self, "emacs" if name == "vi" else "vi", False)
        setattr(self, name.replace("-", "_"), value)

    def by_letter(self, letter: str) -> str | None:
        for name, each in OPTION_LETTERS.items():
            if each == letter:
                return name
        return None

    def letters(self, interactive: bool = False) -> str:
        """The option letters of ``$-``, in bash's order (brace expansion, B, is always on)."""
        out = []
        for letter in "abefhimnuvxBC":
            if letter == "i":
                on = interactive
            elif letter == "B":
                on = True
            else:
                on = self.get(self.by_letter(letter))
            if on:
                out.append(letter)
        return "".join(out)


_SPECIAL_PARAMETERS = frozenset("?$!#0-@*")
PYSH_VERSION = "0.1.0"  # as in pyproject.toml
PSEUDO_SIGNALS = ("EXIT", "DEBUG", "ERR", "RETURN")  # trap conditions that are not signals
DEFAULT_IFS = " \t\n"


class Shell:
    def __init__(self, argv0: str = "pysh", args=(), interactive: bool = False):
        self.argv0 = argv0
        self.positional: list[str] = list(args)
        self.last_status = 0
        self.options = Options()
        self.interactive = interactive
        self.functions: dict = {}
        self.aliases: dict[str, str] = {}
        self.pid = os.getpid()              # $$ stays the main shell's pid in subshells
        self.last_background_pid: int | None = None
        self.lineno = 0
        self.is_subshell = False
        self.norc = False                   # set by `pysh --norc`: the REPL skips ~/.pyshrc

        self.vars: dict[str, str] = dict(os.environ)
        self.exported: set[str] = set(os.environ)
        self.readonly: set[str] = set()
        self.attrs: dict[str, str] = {}     # name -> the letters of declare -i -l -u -n it has
        self.namerefs: set[str] = set()     # the names declared -n
        # Computed on each read (an unset one becomes an ordinary name, as in bash).
        self.dynamic = {"LINENO", "RANDOM", "SECONDS", "BASHPID", "EPOCHSECONDS",
                        "EPOCHREALTIME", "SRANDOM", "PIPESTATUS", "FUNCNAME", "DIRSTACK"}
        for name in self.dynamic:
            self.vars.pop(name, None)
        self.pipe_statuses: list[int] | None = None  # of the last pipeline of several commands
        self.function_names: list[str] = []  # the functions running, innermost last ($FUNCNAME)
        self.call_sites: list[tuple[str, int]] = []  # (function, line it was called at): caller
        self.script_name: str | None = None  # the script file pysh runs, if any (caller)
        self.dir_stack: list[str] = []      # pushd's saved directories, most recent first
        self.flag_letters = ""              # the letters $- adds for how pysh was started (c, s)
        self._environ_cache: dict[str, str] | None = None
        # One dict per running function: name -> what to put back on return
        # (value, exported, attributes, readonly, nameref).
        self.local_frames: list[dict[str, tuple]] = []
        self.vars.setdefault("PS1", "$ " if os.geteuid() else "# ")
        self.vars.setdefault("PS2", "> ")
        self.vars.setdefault("PS4", "+ ")
        self.vars["OPTIND"] = "1"
        self.vars["IFS"] = DEFAULT_IFS  # never taken from the environment
        self.vars["PPID"] = str(os.getppid())
        self.vars.setdefault("PWD", _current_directory())
        self._set_startup_variables()

        self.command_cache = CommandCache()
        self._rewatch()
        # Python ignores SIGXFSZ (a write past `ulimit -f` fails instead); a shell and the
        # programs it starts are killed by it, as in bash.
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        import time

        from pyshell.expand.variables import BashRandom

        self.seconds_base = time.monotonic()
        self.random = BashRandom(os.getpid() ^ int(time.time()))
        self.traps: dict[str, str] = {}      # "EXIT", "INT", ... -> command text
        self.parent_traps: dict[str, str] = {}  # in a subshell: the parent's, for listing only
        # bash's DEBUG (before each simple command), ERR (after a failure), RETURN traps
        self.debug_trap: str | None = None
        self.err_trap: str | None = None
        self.return_trap: str | None = None
        self.running_trap = False
        self.pending_signals: list[int] = []
        self.wait_interruptible = False     # True while the `wait` builtin blocks
        self.errexit_suppressed = 0         # > 0 inside if/while conditions, && || left sides, !
        self.loop_depth = 0
        self.source_depth = 0               # > 0 while a `.`/source file runs (`return` allowed)
        self.substitution_status: int | None = None

        from pyshell.runtime.jobs import JobTable

        self.jobs = JobTable(self)
        self.options.monitor = interactive
        self.options.emacs = interactive
        # pysh expands aliases in scripts too (as POSIX says): expand_aliases is on
        self.shopts = {name for name, on in SHOPT_DEFAULTS.items() if on} | {"expand_aliases"}

    def _set_startup_variables(self) -> None:
        """The variables bash sets when it starts, that scripts read ($UID, $HOSTNAME...);
        pysh's own version is $PYSH_VERSION (it does not pretend to be bash)."""
        vars = self.vars
        vars.setdefault("PATH", "/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin:.")
        vars["PYSH_VERSION"] = PYSH_VERSION
        for name, value in (("UID", os.getuid()), ("EUID", os.geteuid())):
            vars[name] = str(value)
            self.attrs[name] = "i"
            self.readonly.add(name)
        self.readonly.add("PPID")
        self.attrs["PPID"] = "i"
        uname = os.uname()
        vars.setdefault("HOSTNAME", uname.nodename)
        vars.setdefault("HOSTTYPE", uname.machine)
        vars.setdefault("OSTYPE", "linux-gnu" if uname.sysname == "Linux" else uname.sysname.lower())
        vars.setdefault("MACHTYPE", f"{uname.machine}-pc-{vars['OSTYPE']}")
        try:
            level = int(vars.get("SHLVL", "0")) + 1
        except ValueError:
            level = 1
        vars["SHLVL"] = str(max(level, 0))
        self.exported.add("SHLVL")
        self.exported.add("OLDPWD")  # exported but not set, until the first cd

    # ---------------------------------------------------------------- variables
    #
    # A value in ``self.vars`` is a str, or an array (runtime/variables.py). Names that
    # need more than a dict store — readonly, with attributes (-i -l -u -n), computed
    # ($RANDOM, $SECONDS...), or PATH — are in ``self._watched``, so a plain assignment
    # costs one set lookup more than a dict store.

    def getvar(self, name: str) -> str | None:
        if self.namerefs and name in self.namerefs:
            return self._get_reference(name)
        value = self.vars.get(name)
        if value is not None:
            if value.__class__ is str:
                return value
            from pyshell.expand.variables import scalar_of

            return scalar_of(value)
        if name in self.dynamic:
            return self._dynamic_value(name)
        if name not in _SPECIAL_PARAMETERS and not name.isdigit():
            return None
        if name == "?":
            return str(self.last_status)
        if name.isdigit():
            index = int(name)
            if index == 0:
                return self.argv0
            return self.positional[index - 1] if index <= len(self.positional) else None
        if name == "$":
            return str(self.pid)
        if name == "#":
            return str(len(self.positional))
        if name == "!":
            return None if self.last_background_pid is None else str(self.last_background_pid)
        if name == "-":
            return self.options.letters(self.interactive) + self.flag_letters
        return " ".join(self.positional)  # @ and * read as one string

    def setvar(self, name: str, value: str, export: bool | None = None) -> None:
        if name in self._watched:
            name, value = self._checked_assignment(name, value)
            if name is None:
                return
        old = self.vars.get(name)
        if old is not None and old.__class__ is not str:
            old[0 if old.kind == "a" else "0"] = value  # `a=x` on an array sets a[0]
        else:
            self.vars[name] = value
        if export or (export is None and self.options.allexport):
            self.exported.add(name)
        elif export is False:
            self.exported.discard(name)
        if name in self.exported or export is False:
            self._environ_cache = None

    def _checked_assignment(self, name: str, value: str):
        """setvar for a watched name: (the name to store, the value to store), or (None, _)
        when the assignment was handled here (a computed variable)."""
        if name in self.readonly:
            raise PyshError(f"{name}: readonly variable")
        if name in self.namerefs:
            target = self.vars.get(name)
            if target:
                from pyshell.expand.variables import split_subscript

                target_name, subscript = split_subscript(target)
                if subscript is not None:
                    self.set_element(target_name, subscript, value)
                    return None, value
                return self._checked_assignment(target_name, value) if target_name in self._watched \
                    else (target_name, value)
            from pyshell.expand.variables import valid_reference

            if not valid_reference(value):
                raise PyshError(f"`{value}': invalid variable name for name reference")
            return name, value
        letters = self.attrs.get(name)
        if letters:
            value = self.apply_attributes(letters, value)
        if name in self.dynamic:
            if self._set_dynamic(name, value):
                return None, value
        if name == "PATH":
            self.command_cache.forget()
        return name, value

    def append_var(self, name: str, value: str) -> None:
        """``name+=value``: appended text, or with ``declare -i`` a sum."""
        resolved = self.resolve_name(name) if self.namerefs else name
        letters = self.attrs.get(resolved)
        old = self.getvar(resolved)
        if letters and "i" in letters:
            from pyshell.expand import arith

            total = arith.evaluate(old or "0", self) + arith.evaluate(value or "0", self)
            self.setvar(resolved, str(total))
            return
        self.setvar(resolved, (old or "") + value)

    def apply_attributes(self, letters: str, value: str, old: str | None = None) -> str:
        """What ``declare -i`` (evaluated), ``-l``, ``-u`` make of an assigned value."""
        if "i" in letters:
            from pyshell.expand import arith

            value = str(arith.evaluate(value, self)) if value.strip() else "0"
        if "l" in letters:
            value = value.lower()
        elif "u" in letters:
            value = value.upper()
        return value

    def unsetvar(self, name: str) -> None:
        if self.namerefs and name in self.namerefs and self.vars.get(name):
            name = self.vars[name]
            from pyshell.expand.variables import split_subscript

            name, subscript = split_subscript(name)
            if subscript is not None:
                self.unset_element(name, subscript)
                return
        if name in self.readonly:
            raise PyshError(f"{name}: cannot unset: readonly variable")
        if self.local_frames and self._unset_outer_local(name):
            return
        self.vars.pop(name, None)
        self.attrs.pop(name, None)
        self.namerefs.discard(name)
        if name in self.dynamic:
            self.dynamic.discard(name)   # as in bash: an unset $RANDOM is an ordinary name
        self._rewatch()
        if name in self.exported:
            self.exported.discard(name)
            self._environ_cache = None
        if name == "PATH":
            self.command_cache.forget()

    def _unset_outer_local(self, name: str) -> bool:
        """bash's dynamic scope: ``unset x`` in a function that did not make x local, while
        a caller did, removes the caller's local and shows the value under it."""
        if name in self.local_frames[-1]:
            return False
        for frame in reversed(self.local_frames[:-1]):
            if name in frame:
                saved = frame.pop(name)
                self._put_back(name, saved)
                return True
        return False

    def restore_var(self, name: str, value: str | None) -> None:
        """Put back a value saved before a temporary assignment (`X=1 builtin`)."""
        if value is None:
            self.vars.pop(name, None)
        else:
            self.vars[name] = value
        self._environ_cache = None
        if name == "PATH":
            self.command_cache.forget()

    def export(self, name: str) -> None:
        self.exported.add(name)
        self._environ_cache = None

    def is_exported(self, name: str) -> bool:
        return name in self.exported

    def environ(self) -> dict[str, str]:
        """The exported variables, for the environment of an executed command (arrays
        are not exported, as in bash)."""
        if self._environ_cache is None:
            environ = {}
            for name in self.exported:
                value = self.vars.get(name)
                if value is None and name in self.dynamic:
                    value = self._dynamic_value(name)
                if value.__class__ is str:
                    environ[name] = value
            self._environ_cache = environ
        return self._environ_cache

    def make_local(self, name: str) -> None:
        """``local name``: remember the caller's value and attributes, to put back when the
        function returns."""
        if not self.local_frames:
            raise PyshError("local: can only be used in a function")
        frame = self.local_frames[-1]
        if name not in frame:
            frame[name] = (self.vars.get(name), name in self.exported, self.attrs.get(name),
                           name in self.readonly, name in self.namerefs)

    def restore_locals(self, frame: dict) -> None:
        for name, saved in frame.items():
            self._put_back(name, saved)
        if frame:
            self._environ_cache = None

    def _put_back(self, name: str, saved) -> None:
        value, was_exported, attrs, was_readonly, was_ref = saved
        if value is None:
            self.vars.pop(name, None)
        else:
            self.vars[name] = value
        if was_exported:
            self.exported.add(name)
        else:
            self.exported.discard(name)
        if attrs:
            self.attrs[name] = attrs
        else:
            self.attrs.pop(name, None)
        if was_readonly:
            self.readonly.add(name)
        else:
            self.readonly.discard(name)
        if was_ref:
            self.namerefs.add(name)
        else:
            self.namerefs.discard(name)
        self._rewatch()
        self._environ_cache = None
        if name == "PATH":
            self.command_cache.forget()

    def _rewatch(self) -> None:
        self._watched = self.readonly | self.namerefs | set(self.attrs) | self.dynamic | {"PATH"}

    def set_readonly(self, name: str) -> None:
        self.readonly.add(name)
        self._watched.add(name)

    def set_attribute(self, name: str, letter: str, on: bool = True) -> None:
        letters = self.attrs.get(name, "")
        if on and letter not in letters:
            if letter in "lu":
                letters = letters.replace("l" if letter == "u" else "u", "")
            letters += letter
        elif not on:
            letters = letters.replace(letter, "")
        if letters:
            self.attrs[name] = letters
        else:
            self.attrs.pop(name, None)
        if letter == "n":
            (self.namerefs.add if on else self.namerefs.discard)(name)
        self._rewatch()

    # ---------------------------------------------------------------- arrays

    def set_reference(self, text: str, value: str) -> None:
        """Assign to ``name`` or ``name[subscript]``, as read, printf -v and getopts do."""
        if text.endswith("]") and "[" in text:
            name, _, subscript = text.partition("[")
            self.set_element(name, subscript[:-1], value)
        else:
            self.setvar(text, value)

    def is_set(self, text: str) -> bool:
        """``[[ -v name ]]`` and ``-v name[subscript]``: is there such a value?"""
        if text.endswith("]") and "[" in text:
            name, _, subscript = text.partition("[")
            subscript = subscript[:-1]
            if subscript in ("@", "*"):
                return bool(self.array_values(name))
            try:
                return self.get_element(name, subscript) is not None
            except PyshError:
                return False
        return self.getvar(text) is not None

    def resolve_name(self, name: str) -> str:
        """Follow namerefs (``declare -n r=a``) to the name they stand for."""
        seen = 0
        while name in self.namerefs and self.vars.get(name) and seen < 8:
            name = self.vars[name]
            seen += 1
        return name

    def _get_reference(self, name: str) -> str | None:
        target = self.vars.get(name)
        if not target:
            return None
        from pyshell.expand.variables import split_subscript

        target_name, subscript = split_subscript(target)
        if target_name == name:
            return None
        if subscript is not None:
            return self.get_element(target_name, subscript)
        return self.getvar(target_name)

    def get_array(self, name: str):
        """The array called ``name`` (following namerefs), or None."""
        if self.namerefs:
            name = self.resolve_name(name)
        value = self.vars.get(name)
        return value if value is not None and value.__class__ is not str else None

    def array_values(self, name: str) -> list[str]:
        """``"${name[@]}"``: the elements in order; a scalar is a one-element array."""
        if self.namerefs:
            name = self.resolve_name(name)
        value = self.vars.get(name)
        if value is None:
            listed = self._dynamic_array(name)
            if listed is not None:
                return listed
            special = self.getvar(name) if name in self.dynamic else None
            return [] if special is None else [special]
        if value.__class__ is str:
            return [value]
        return value.values_in_order()

    def array_keys(self, name: str) -> list[str]:
        """``"${!name[@]}"``: the indexes (keys) in order."""
        if self.namerefs:
            name = self.resolve_name(name)
        value = self.vars.get(name)
        if value is None:
            listed = self._dynamic_array(name)
            if listed is not None:
                return [str(number) for number in range(len(listed))]
            return ["0"] if name in self.dynamic else []
        if value.__class__ is str:
            return ["0"]
        return [str(key) for key in value.ordered_keys()]

    def _key(self, name: str, value, subscript: str):
        """The dict key of ``name[subscript]``: the subscript's text for an associative
        array, else its arithmetic value (negative: from the end)."""
        if value is not None and value.__class__ is not str and value.kind == "A":
            return subscript
        from pyshell.expand import arith
        from pyshell.expand.variables import index_of

        number = arith.evaluate(subscript, self) if subscript.strip() else None
        if number is None:
            raise PyshError(f"{name}[]: bad array subscript")
        if number < 0:
            if value is None or value.__class__ is str:
                if value is not None and number == -1:
                    return 0
                raise PyshError(f"{name}: bad array subscript")
            return index_of(value, number, name)
        return number

    def get_element(self, name: str, subscript: str) -> str | None:
        """``${name[subscript]}``."""
        if self.namerefs:
            name = self.resolve_name(name)
        value = self.vars.get(name)
        if value is None:
            listed = self._dynamic_array(name)
            if listed is not None:
                key = self._key(name, _StatusList(listed), subscript)
                return listed[key] if 0 <= key < len(listed) else None
            key = self._key(name, None, subscript)
            return self.getvar(name) if key == 0 and name in self.dynamic else None
        key = self._key(name, value, subscript)
        if value.__class__ is str:
            return value if key == 0 else None
        return value.get(key)

    def set_element(self, name: str, subscript: str, text: str, append: bool = False) -> None:
        """``name[subscript]=text`` (``+=`` with ``append``): makes ``name`` an indexed
        array if it is not an array yet."""
        from pyshell.expand.variables import IndexedArray

        if self.namerefs:
            name = self.resolve_name(name)
        if name in self.readonly:
            raise PyshError(f"{name}: readonly variable")
        value = self.vars.get(name)
        key = self._key(name, value, subscript)
        if value is None or value.__class__ is str:
            array = IndexedArray()
            if value is not None:
                array[0] = value
            value = array
            self.vars[name] = value
            self._environ_cache = None
        letters = self.attrs.get(name)
        if append:
            old = value.get(key)
            if letters and "i" in letters:
                from pyshell.expand import arith

                text = str(arith.evaluate(old or "0", self) + arith.evaluate(text or "0", self))
                letters = letters.replace("i", "")
            else:
                text = (old or "") + text
        if letters:
            text = self.apply_attributes(letters, text)
        value[key] = text

    def unset_element(self, name: str, subscript: str) -> None:
        if self.namerefs:
            name = self.resolve_name(name)
        if name in self.readonly:
            raise PyshError(f"{name}: cannot unset: readonly variable")
        value = self.vars.get(name)
        if value is None:
            return
        if subscript in ("@", "*"):
            self.unsetvar(name)
            return
        key = self._key(name, value, subscript)
        if value.__class__ is str:
            if key == 0:
                self.unsetvar(name)
            return
        value.pop(key, None)

    def assign_array(self, name: str, items, append: bool = False, kind: str | None = None) -> None:
        """``name=(items)``: items are values, or (subscript, value, append) for ``[k]=v``.
        An associative array keeps its kind; anything else becomes an indexed array."""
        from pyshell.expand.variables import AssocArray, IndexedArray

        if self.namerefs:
            name = self.resolve_name(name)
        if name in self.readonly:
            raise PyshError(f"{name}: readonly variable")
        old = self.vars.get(name)
        associative = kind == "A" or (kind is None and old is not None
                                      and old.__class__ is AssocArray)
        if associative:
            array = old.copy() if append and old.__class__ is AssocArray else AssocArray()
        else:
            if append and old.__class__ is IndexedArray:
                array = old.copy()
            else:
                array = IndexedArray()
                if append and old is not None and old.__class__ is str:
                    array[0] = old
        letters = self.attrs.get(name)
        self.vars[name] = array   # keys below may read the array (a=([i]=x [i+1]=y))
        self._environ_cache = None
        next_index = array.next_index() if not associative else 0
        pending_key = None
        for item in items:
            if isinstance(item, tuple):
                subscript, text, item_append = item
                if associative:
                    key = subscript
                else:
                    key = self._key(name, array, subscript)
                    next_index = key + 1
                if item_append:
                    text = array.get(key, "") + text
            elif associative:
                # bash 5.1+: `m=(k1 v1 k2 v2)`, pairs of key and value
                if pending_key is None:
                    pending_key = item
                    continue
                key, pending_key = pending_key, None
                text = item
            else:
                key = next_index
                next_index += 1
                text = item
            if letters:
                text = self.apply_attributes(letters, text)
            array[key] = text
        if pending_key is not None:
            array[pending_key] = ""

    # ---------------------------------------------------------------- computed variables

    def _dynamic_array(self, name: str) -> list[str] | None:
        """The computed arrays: PIPESTATUS, FUNCNAME (None for any other name)."""
        if name not in self.dynamic:
            return None
        if name == "PIPESTATUS":
            return [str(status) for status in self.pipe_statuses or (self.last_status,)]
        if name == "FUNCNAME":
            return self.function_names[::-1]
        if name == "DIRSTACK":
            return [self.getvar("PWD") or "", *self.dir_stack]
        return None

    def _dynamic_value(self, name: str) -> str | None:
        if name == "LINENO":
            return str(self.lineno)
        if name == "RANDOM":
            return str(self.random.next())
        if name == "SECONDS":
            import time

            return str(int(time.monotonic() - self.seconds_base))
        if name == "BASHPID":
            return str(os.getpid())
        if name == "EPOCHSECONDS":
            import time

            return str(int(time.time()))
        if name == "EPOCHREALTIME":
            import time

            return f"{time.time():.6f}"
        if name == "SRANDOM":
            return str(int.from_bytes(os.urandom(4), "little"))
        if name == "PIPESTATUS":
            return str((self.pipe_statuses or (self.last_status,))[0])
        if name == "FUNCNAME":
            return self.function_names[-1] if self.function_names else None
        if name == "DIRSTACK":
            return self.getvar("PWD")
        return None

    def _set_dynamic(self, name: str, value: str) -> bool:
        """An assignment to a computed variable: True when it is handled (not stored)."""
        if name == "RANDOM":
            self.random.seed(_as_number(value))
            return True
        if name == "SECONDS":
            import time

            self.seconds_base = time.monotonic() - _as_number(value)
            return True
        if name == "LINENO":
            return True
        if name in ("BASHPID", "EPOCHSECONDS", "EPOCHREALTIME", "SRANDOM", "PIPESTATUS", "FUNCNAME",
                    "DIRSTACK"):
            return True
        return False

    @property
    def ifs(self) -> str:
        value = self.vars.get("IFS")
        return DEFAULT_IFS if value is None else value

    # ---------------------------------------------------------------- running code

    def run_source(self, source: str, filename: str = "-c", syntax_error_exits: bool = False,
                   first_line: int = 1) -> int:
        """Parse and run ``source`` one top-level command at a time (aliases apply to later lines).

        A syntax error stops the source with status 2 (and, with ``syntax_error_exits``,
        the whole shell: `eval` in a script).
        """
        from pyshell.syntax import iter_commands

        status = 0
        if self.options.verbose:  # set -v: echo the input as it is read
            self.echo_input(source)
        try:
            for script in iter_commands(source, filename, lambda: self.aliases, first_line):
                if self.options.noexec:
                    continue
                try:
                    status = self.run_script(script)
                except AbortCommandLine as aborted:
                    status = self.last_status = aborted.status
        except ParseError as error:
            self.report(f"{error.filename}:{error.line}:{error.col}: {error.args[0]}")
            status = self.last_status = 2
            if syntax_error_exits:
                raise ExitShell(2) from None
        except RecursionError:
            self.report(f"{filename}: nested too deeply")
            status = self.last_status = 2
        return status

    def echo_input(self, text: str) -> None:
        from pyshell.runtime.registry import write_err

        write_err(text if text.endswith("\n") else text + "\n")

    def run_script(self, script) -> int:
        from pyshell.runtime.execute import run_script

        return run_script(self, script)

    def run_file(self, path: str, args=None) -> int:
        """Run the commands in a file in this shell (``.``/``source``, or ``pysh FILE``)."""
        try:
            with open(path, "rb") as file:
                source = file.read().decode("utf-8", "surrogateescape")
        except OSError as error:
            raise PyshError(f"{path}: {error.strerror}", status=127 if error.errno == 2 else 126) from None
        first_line = source[:80].split("\n", 1)[0]
        if "\0" in first_line:  # as bash: a NUL before the first newline means a program, not a script
            raise PyshError(f"{path}: cannot execute binary file", status=126)
        saved = self.positional
        if args is not None:
            self.positional = list(args)
        try:
            return self.run_source(source, filename=path)
        except ReturnFromFunction as returned:
            return returned.status
        finally:
            if args is not None:
                self.positional = saved

    def command_substitution(self, script) -> str:
        """The callback expansion calls for ``$(...)``: run ``script``, return its output."""
        from pyshell.runtime.execute import capture_output

        output, status = capture_output(self, script)
        self.substitution_status = self.last_status = status
        return output.rstrip("\n")

    def report(self, message: str) -> None:
        """Print a one-line error ``pysh: message`` on stderr."""
        from pyshell.runtime.registry import write_err

        try:
            write_err(f"pysh: {message}\n")
        except OSError:
            pass

    # ---------------------------------------------------------------- traps

    def set_trap(self, signame: str, command: str | None) -> None:
        """``trap CMD SIG`` (command), ``trap '' SIG`` (ignore), ``trap - SIG`` (None: default)."""
        self.parent_traps = {}
        if command is None:
            self.traps.pop(signame, None)
        else:
            self.traps[signame] = command
        if signame in PSEUDO_SIGNALS:
            if signame in ("DEBUG", "ERR", "RETURN"):
                setattr(self, signame.lower() + "_trap", command or None)
            return
        signum = getattr(signal, "SIG" + signame)
        if command is None:
            default = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
            signal.signal(signum, default)
        elif command == "":
            signal.signal(signum, signal.SIG_IGN)
        else:
            signal.signal(signum, self._note_signal)

    def _note_signal(self, signum, frame) -> None:
        # Only record it: the trap runs at the next safe point (between commands).
        self.pending_signals.append(signum)
        if self.wait_interruptible:
            from pyshell.runtime.jobs import WaitInterrupted

            self.wait_interruptible = False
            raise WaitInterrupted(signum)

    def signals_to_reset(self) -> tuple[int, ...]:
        """Signals a child gets back at their default action: all that Python or job
        control changed, except those the user ignored (`trap '' INT` is inherited)."""
        from pyshell.runtime.process import RESET_SIGNALS

        ignored = {getattr(signal, "SIG" + name) for name, command in self.traps.items()
                   if command == "" and name not in PSEUDO_SIGNALS}
        return tuple(signum for signum in RESET_SIGNALS if signum not in ignored)

    def run_trap(self, command: str) -> None:
        """Run a DEBUG/ERR/RETURN handler: $? is kept, and a handler does not trigger itself."""
        if self.running_trap:
            return
        saved_status = self.last_status
        self.running_trap = True
        try:
            self.run_source(command, filename="trap", first_line=self.lineno)
        finally:
            self.running_trap = False
            self.last_status = saved_status

    def run_pending_traps(self) -> None:
        while self.pending_signals:
            signum = self.pending_signals.pop(0)
            command = self.traps.get(signal.Signals(signum).name[3:])
            if command:
                saved_status = self.last_status
                self.run_source(command, filename="trap")
                self.last_status = saved_status

    def run_exit_trap(self) -> int:
        """Run the EXIT trap (once); return the shell's final status (`exit N` in the trap sets it)."""
        command = self.traps.pop("EXIT", None)
        if command:
            saved_status = self.last_status
            try:
                self.run_source(command, filename="trap")
                self.last_status = saved_status
            except ExitShell as exiting:
                self.last_status = exiting.status
        return self.last_status

    def become_subshell(self) -> None:
        """In a forked child: traps are not inherited (but ignored signals stay ignored)."""
        self.is_subshell = True
        self.debug_trap = self.err_trap = self.return_trap = None
        # As in bash, `trap` in a subshell still lists the parent's traps ($(trap -p)),
        # until the subshell sets one of its own.
        self.parent_traps = {name: command for name, command in self.traps.items() if command}
        for name, command in list(self.traps.items()):
            if command != "":
                self.traps.pop(name)
                if name not in PSEUDO_SIGNALS:
                    signum = getattr(signal, "SIG" + name)
                    signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT
                                  else signal.SIG_DFL)
        self.pending_signals.clear()
        self.interactive = False
        self.options.monitor = False
        self.jobs = self.jobs.for_subshell()


def _as_number(text: str) -> int:
    try:
        return int(text.strip() or "0")
    except ValueError:
        return 0


class _StatusList(tuple):
    """PIPESTATUS's statuses, seen as an indexed array for a negative subscript."""

    kind = "a"

    def next_index(self) -> int:
        return len(self)


def _current_directory() -> str:
    try:
        return os.getcwd()
    except OSError:
        return "/"
