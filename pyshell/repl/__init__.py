"""The interactive pysh, on prompt_toolkit. Imported only when stdin is a terminal.

    app.py        run_repl(shell): the loop (prompt -> run -> job notices), ~/.pyshrc
    keys.py       Enter: run a complete command, continue an incomplete one (parser decides)
    prompt.py     PS1/PS2: \\u \\h \\w ... escapes, then $VAR and $(...) by the shell's expander
    highlight.py  PyshLexer: pysh's own lexer (highlight_spans) as a Pygments lexer/plugin
    commands.py   what a command name is (builtin, function, on PATH, missing), PATH cached
    complete.py   Tab: commands, files, $VARS, contain/vm/compose subcommands and objects
    history.py    the history file shared by all sessions, and the `history` builtin

Nothing outside this package imports it except ``pyshell.__main__`` (and Pygments,
through the plugin entry point), so `pysh -c` and scripts never load prompt_toolkit.
"""
