"""Word expansion: from the parser's words to the strings a command receives.

One entry per context, as in mvdan/sh:

    fields(words, shell)    argv: tilde, $param, $(cmd), $((arith)), field splitting, globbing
    literal(word, shell)    assignment values and redirect targets: no splitting, no globbing
    document(word, shell)   here-document bodies: everything is quoted
    pattern(word, shell)    case patterns, ${x#pat}: quoted characters lose their meaning
    regex(word, shell)      the right of [[ x =~ re ]]: a compiled regular expression

Command words first go through brace expansion (braces.py), bash's ``a{b,c}`` and ``{1..5}``.

Expansion imports only ``pyshell.syntax`` (and errors). It reads and writes the shell's
state through the ``shell`` object it is handed — ``getvar``, ``setvar``, ``positional``,
``options``, ``ifs`` — and runs command substitutions through ``shell.command_substitution
(script) -> str``, a callback the runtime provides. So this package never imports the runtime.
"""

from pyshell.expand.words import document, fields, literal, pattern, regex

__all__ = ["fields", "literal", "document", "pattern", "regex"]
