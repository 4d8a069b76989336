"""The printer: AST -> canonical shell text, such that ``parse(format(tree)) == tree``.

The canonical form: one statement per line, compound commands spread over lines with
two-space indentation, ``{ ...; }``, ``( ... )`` and ``$( ... )`` kept on one line when
their body fits on one. Here-document bodies are written after the end of the line
that opened them, as the lexer reads them.
"""

from __future__ import annotations

from ..errors import ParseError
from . import ast
from .lexer import _delimiter_text
from .tokens import RESERVED

_INDENT = "  "
_HEREDOC_OPS = ("<<", "<<-")


def format(node) -> str:
    """The canonical text of a Script, a command, a Word or a word part."""
    printer = _Printer()
    try:
        printer.node(node)
        printer.finish()
    except RecursionError:
        raise ParseError("nesting too deep to print", filename="-", line=1, col=1) from None
    return "".join(printer.out)


class _Printer:
    def __init__(self):
        self.out: list[str] = []
        self.indent = 0
        self.pending: list[ast.Redirect] = []   # here-documents waiting for the newline
        self._flat: dict[int, bool] = {}

    # ------------------------------------------------------------ output

    def write(self, text: str):
        self.out.append(text)

    def newline(self, indent: int):
        """End the line (writing the here-documents it opened) and start one at ``indent``."""
        self.out.append("\n")
        self._flush_heredocs()
        self.indent = indent
        self.out.append(_INDENT * indent)

    def finish(self):
        if self.pending:
            self.out.append("\n")
            self._flush_heredocs()

    def _flush_heredocs(self):
        pending, self.pending = self.pending, []
        for redirect in pending:
            body = self._word_text(redirect.heredoc or ast.Word(()), "heredoc")
            if body and not body.endswith("\n"):
                body += "\n"
            self.out.append(body + _delimiter_text(redirect.target)[0] + "\n")

    # ------------------------------------------------------------ dispatch

    def node(self, node):
        if isinstance(node, ast.Script):
            self.script_lines(node.body, self.indent)
        elif isinstance(node, ast.Statement):
            self.statement(node)
        elif isinstance(node, ast.Word):
            self.write(self._word_text(node, "plain"))
        elif isinstance(node, (ast.Redirect, ast.Assignment)):
            self.write(self._redirect_or_assign(node))
        elif isinstance(node, ast.CaseItem):
            self.case_item(node, self.indent)
        elif isinstance(node, _PART_TYPES):
            self.write(self._word_text(ast.Word((node,)), "plain"))
        else:
            self.command(node)

    def command(self, command):
        method = getattr(self, "cmd_" + type(command).__name__)
        method(command)

    # ------------------------------------------------------------ lists

    def script_lines(self, statements, indent):
        """Statements one per line at ``indent`` (the current line is already indented)."""
        for index, statement in enumerate(statements):
            if index:
                self.newline(indent)
            self.statement(statement)

    def inline(self, statements):
        """Statements on one line: ``a; b & c``; the caller adds what ends the last one."""
        for index, statement in enumerate(statements):
            if index:
                self.write(" " if statements[index - 1].background else "; ")
            self.statement(statement)

    def end_inline(self, statements, closer):
        """After inline statements: ``; then`` (or `` then`` after a ``&``)."""
        self.write((" " if statements and statements[-1].background else "; ") + closer)

    def statement(self, statement):
        self.command(statement.command)
        if statement.background:
            self.write(" &")

    def block(self, script, indent):
        """A compound command's body on its own lines, one level deeper."""
        self.newline(indent + 1)
        self.script_lines(script.body, indent + 1)
        self.newline(indent)

    # ------------------------------------------------------------ commands

    def cmd_SimpleCommand(self, command):
        redirects = command.redirects
        if not command.assigns and command.words and redirects and _is_reserved(command.words[0]):
            # `<f if` runs a command named if: written first, `if` would be a keyword.
            self.redirects(redirects[:1], leading_space=False)
            self.write(" ")
            redirects = redirects[1:]
        items = [self._redirect_or_assign(a) for a in command.assigns]
        items += [self._word_text(w, "plain") for w in command.words]
        self.write(" ".join(items))
        self.redirects(redirects, leading_space=bool(items))

    def redirects(self, redirects, leading_space=True):
        for index, redirect in enumerate(redirects):
            if leading_space or index:
                self.write(" ")
            self.write(self._redirect_or_assign(redirect))
            if redirect.op in _HEREDOC_OPS:
                self.pending.append(redirect)

    def cmd_Pipeline(self, pipeline):
        if pipeline.timed:
            self.write("time -p " if pipeline.timed == "posix" else "time ")
        if pipeline.negated:
            self.write("! ")
        for index, command in enumerate(pipeline.commands):
            if index:
                stderr_too = index - 1 < len(pipeline.stderr_too) and pipeline.stderr_too[index - 1]
                self.write(" |& " if stderr_too else " | ")
            self.command(command)

    def cmd_AndOr(self, and_or):
        self.command(and_or.left)
        self.write(f" {and_or.op} ")
        self.command(and_or.right)

    def cmd_Subshell(self, subshell):
        indent = self.indent
        if self.flat_script(subshell.body):
            text = self._inline_text(subshell.body.body)
            self.write("( " + text + " )" if text.startswith("(") else "(" + text + ")")
        else:
            self.write("(")
            self.block(subshell.body, indent)
            self.write(")")
        self.redirects(subshell.redirects)

    def cmd_BraceGroup(self, group):
        indent = self.indent
        if self.flat_script(group.body):
            self.write("{ ")
            self.inline(group.body.body)
            self.end_inline(group.body.body, "}")
        else:
            self.write("{")
            self.block(group.body, indent)
            self.write("}")
        self.redirects(group.redirects)

    def cmd_If(self, command):
        indent = self.indent
        for index, (condition, body) in enumerate(command.clauses):
            self.write("if " if index == 0 else "elif ")
            self.inline(condition.body)
            self.end_inline(condition.body, "then")
            self.block(body, indent)
        if command.else_body is not None:
            self.write("else")
            self.block(command.else_body, indent)
        self.write("fi")
        self.redirects(command.redirects)

    def cmd_While(self, loop):
        indent = self.indent
        self.write("until " if loop.until else "while ")
        self.inline(loop.cond.body)
        self.end_inline(loop.cond.body, "do")
        self.block(loop.body, indent)
        self.write("done")
        self.redirects(loop.redirects)

    def cmd_For(self, loop):
        indent = self.indent
        self.write(f"for {loop.var}")
        if loop.items is not None:
            self.write(" in" + "".join(" " + self._word_text(w, "plain") for w in loop.items))
        self.write("; do")
        self.block(loop.body, indent)
        self.write("done")
        self.redirects(loop.redirects)

    def cmd_ArithFor(self, loop):
        indent = self.indent
        expressions = ";".join(self._word_text(w, "arith") for w in (loop.init, loop.cond, loop.step))
        self.write("for ((" + expressions + ")); do")
        self.block(loop.body, indent)
        self.write("done")
        self.redirects(loop.redirects)

    def cmd_Case(self, case):
        indent = self.indent
        self.write(f"case {self._word_text(case.word, 'plain')} in")
        for item in case.items:
            self.newline(indent + 1)
            self.case_item(item, indent + 1)
        self.newline(indent)
        self.write("esac")
        self.redirects(case.redirects)

    def case_item(self, item, indent):
        patterns = " | ".join(self._word_text(w, "plain") for w in item.patterns)
        # `esac` first in a pattern would end the case: the optional ( makes it a pattern.
        self.write(("(" if patterns.startswith("esac") else "") + patterns + ")")
        if item.body.body:
            self.newline(indent + 1)
            self.script_lines(item.body.body, indent + 1)
        self.newline(indent + 1)
        self.write(";;")

    def cmd_FunctionDef(self, function):
        name = function.name
        if name in RESERVED or name == "[[" or "=" in name:
            self.write(f"function {name}() ")   # bash form: a plain `if()` would be a keyword
        else:
            self.write(f"{name}() ")
        self.command(function.body)

    def cmd_ArithCommand(self, command):
        self.write("((" + self._word_text(command.expr, "arith") + "))")
        self.redirects(command.redirects)

    def cmd_CondCommand(self, command):
        self.write("[[ " + self._cond_text(command.expr) + " ]]")
        self.redirects(command.redirects)

    def _cond_text(self, expr) -> str:
        """The text of a [[ ]] expression tree (see ast.CondCommand)."""
        tag = expr[0]
        if tag == "word":
            return self._word_text(expr[1], "plain")
        if tag == "()":
            return "( " + self._cond_text(expr[1]) + " )"
        if tag == "!":
            return "! " + self._cond_text(expr[1])
        if tag in ("&&", "||"):
            return self._cond_text(expr[1]) + f" {tag} " + self._cond_text(expr[2])
        if len(expr) == 2:
            return tag + " " + self._word_text(expr[1], "plain")
        return (self._word_text(expr[1], "plain") + f" {tag} " + self._word_text(expr[2], "plain"))

    # ------------------------------------------------------------ one-line bodies

    def flat_script(self, script) -> bool:
        """Can this body be printed on one line? (no compound commands, no here-documents)"""
        key = id(script)
        if key not in self._flat:
            self._flat[key] = all(self._flat_command(s.command) for s in script.body)
        return self._flat[key]

    def _flat_command(self, command) -> bool:
        if isinstance(command, ast.SimpleCommand):
            return (all(self._flat_word(w) for w in command.words)
                    and all(self._flat_word(a.value) for a in command.assigns)
                    and self._flat_redirects(command.redirects))
        if isinstance(command, ast.Pipeline):
            return all(self._flat_command(c) for c in command.commands)
        if isinstance(command, ast.AndOr):
            return self._flat_command(command.left) and self._flat_command(command.right)
        if isinstance(command, (ast.Subshell, ast.BraceGroup)):
            return self.flat_script(command.body) and self._flat_redirects(command.redirects)
        if isinstance(command, ast.ArithCommand):
            return self._flat_word(command.expr) and self._flat_redirects(command.redirects)
        if isinstance(command, ast.CondCommand):
            return (all(self._flat_word(w) for w in _cond_words(command.expr))
                    and self._flat_redirects(command.redirects))
        return False

    def _flat_redirects(self, redirects) -> bool:
        return all(r.op not in _HEREDOC_OPS and self._flat_word(r.target) for r in redirects)

    def _flat_word(self, word) -> bool:
        for part in word.parts:
            if isinstance(part, ast.CmdSubst) and not self.flat_script(part.body):
                return False
            if isinstance(part, ast.DblQuoted) and not self._flat_word(ast.Word(part.parts)):
                return False
            if isinstance(part, ast.ParamExp) and not all(
                    self._flat_word(word) for word in (part.arg, part.arg2) if word is not None):
                return False
            if isinstance(part, ast.ArithExp) and not self._flat_word(part.expr):
                return False
        return True

    def _inline_text(self, statements) -> str:
        """Print statements on one line into a string (the body is known to be flat)."""
        saved = self.out
        self.out = []
        self.inline(statements)
        text, self.out = "".join(self.out), saved
        return text

    # ------------------------------------------------------------ words

    def _redirect_or_assign(self, node) -> str:
        if isinstance(node, ast.Assignment):
            target = node.name
            if node.index is not None:
                target += "[" + self._word_text(node.index, "plain") + "]"
            target += "+=" if node.append else "="
            if node.array is not None:
                return target + self._part_text(node.array, "plain")
            return target + self._word_text(node.value, "plain")
        fd = "" if node.fd is None else ("{" + node.fd + "}" if isinstance(node.fd, str) else str(node.fd))
        return fd + node.op + self._word_text(node.target, "plain")

    def _word_text(self, word, context) -> str:
        return "".join(self._part_text(part, context) for part in word.parts)

    def _part_text(self, part, context) -> str:
        if isinstance(part, ast.Lit):
            return part.text
        if isinstance(part, ast.Escaped):
            return "\\" + part.char
        if isinstance(part, ast.SglQuoted):
            if part.ansi or "'" in part.text:
                return _ansi_quoted(part.text)
            return "'" + part.text + "'"
        if isinstance(part, ast.DblQuoted):
            return '"' + "".join(self._part_text(p, "dquote") for p in part.parts) + '"'
        if isinstance(part, ast.ParamExp):
            return self._param_text(part)
        if isinstance(part, ast.ArithExp):
            return "$((" + self._word_text(part.expr, "arith") + "))"
        if isinstance(part, ast.CmdSubst):
            return self._cmdsubst_text(part)
        if isinstance(part, ast.ProcSubst):
            return part.direction + self._cmdsubst_text(ast.CmdSubst(part.body))[1:]
        if isinstance(part, ast.ArrayLit):
            return "(" + " ".join(self._array_item_text(item) for item in part.items) + ")"
        raise TypeError(f"not a word part: {part!r}")

    def _array_item_text(self, item) -> str:
        if isinstance(item, ast.ArrayItem):
            return ("[" + self._word_text(item.index, "plain") + "]" + ("+=" if item.append else "=")
                    + self._word_text(item.value, "plain"))
        return self._word_text(item, "plain")

    def _param_text(self, param) -> str:
        if not param.braced:
            return "$" + param.name
        name = param.name
        if param.index is not None:
            name += "[" + self._word_text(param.index, "plain") + "]"
        if param.op == "len":
            return "${#" + name + "}"
        if param.op in ("prefix*", "prefix@"):
            return "${!" + name + param.op[-1] + "}"
        arg = self._word_text(param.arg, "plain") if param.arg is not None else ""
        if param.arg2 is not None:
            arg += (":" if param.op == ":" else "/") + self._word_text(param.arg2, "plain")
        return "${" + ("!" if param.indirect else "") + name + (param.op or "") + arg + "}"

    def _cmdsubst_text(self, subst) -> str:
        """``$( body )`` (or a backquoted body), printed with its own here-document queue."""
        saved_out, saved_pending, saved_indent = self.out, self.pending, self.indent
        self.out, self.pending = [], []
        statements = subst.body.body
        if self.flat_script(subst.body):
            self.inline(statements)
            text = "".join(self.out)
            if text.startswith("(") and not subst.backquoted:
                text = " " + text + " "   # $( (a) ) is a subshell; $((a)) would be arithmetic
        else:
            self.newline(saved_indent + 1)
            self.script_lines(statements, saved_indent + 1)
            self.newline(saved_indent)
            text = "".join(self.out)
        self.out, self.pending, self.indent = saved_out, saved_pending, saved_indent
        if subst.backquoted:
            return "`" + text.replace("\\", "\\\\").replace("`", "\\`") + "`"
        return "$(" + text + ")"


_ANSI_NAMES = {"\n": "\\n", "\t": "\\t", "\\": "\\\\", "'": "\\'", "\x1b": "\\e", "\r": "\\r",
               "\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"}


def _ansi_quoted(text: str) -> str:
    """``$'...'`` holding ``text``, control characters and raw bytes written as escapes."""
    out = []
    for char in text:
        if char in _ANSI_NAMES:
            out.append(_ANSI_NAMES[char])
        elif char < " " or "\x7f" <= char <= "\x9f":
            out.append(f"\\x{ord(char):02x}")
        elif "\udc80" <= char <= "\udcff":   # a raw byte (surrogateescape)
            out.append(f"\\x{ord(char) - 0xDC00:02x}")
        else:
            out.append(char)
    return "$'" + "".join(out) + "'"


def _cond_words(expr):
    """The words of a [[ ]] expression tree."""
    for item in expr[1:]:
        if isinstance(item, tuple):
            yield from _cond_words(item)
        else:
            yield item


def _is_reserved(word) -> bool:
    """Would this word be read as a keyword where a command starts? (``[[`` too: it opens
    a conditional there.)"""
    return (len(word.parts) == 1 and isinstance(word.parts[0], ast.Lit)
            and (word.parts[0].text in RESERVED or word.parts[0].text == "[["))


_PART_TYPES = (ast.Lit, ast.Escaped, ast.SglQuoted, ast.DblQuoted, ast.ParamExp,
               ast.CmdSubst, ast.ArithExp, ast.ArrayLit, ast.ProcSubst)
