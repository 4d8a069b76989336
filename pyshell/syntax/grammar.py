"""The shell grammar, as PLY productions: each ``p_`` function's docstring is a rule, its
body builds the AST node. Names follow the POSIX grammar (XCU 2.10.2) so the two can be
read side by side; bash additions are marked.

The LALR tables are generated once, by

    python -m pyshell.syntax.grammar --regenerate

which has PLY compute the LALR(1) tables and writes them to pyshell/syntax/lrtables.py
(committed), and grammar/pysh.bnf (this grammar without the Python). At run time lr.py
runs those tables with these p_ functions, without PLY; a test checks that the tables
still match this file and that PLY's own parser builds the same trees.
"""

from __future__ import annotations

import re

from ..errors import ParseError
from . import ast
from .tokens import GRAMMAR_TOKENS, REDIRECT_OPS

tokens = GRAMMAR_TOKENS
start = "program"


def _statements_background(statements, separator):
    """``cmd &``: the separator after the last statement makes it run in the background."""
    if separator == "&":
        last = statements[-1]
        statements[-1] = ast.Statement(last.command, background=True, pos=last.pos)
    return statements


def _script(statements) -> ast.Script:
    return ast.Script(tuple(statements), pos=statements[0].pos if statements else None)


def _statement(command) -> ast.Statement:
    return ast.Statement(command, pos=command.pos)


def _error_at(message, pos, token=None):
    # filename and source line are filled in by parser.py, which knows the source.
    return ParseError(message, filename=None, line=pos.line, col=pos.col, token=token)


# ---------------------------------------------------------------- lists


def p_program(p):
    """program : linebreak complete_commands linebreak
               | linebreak"""
    p[0] = _script(p[2] if len(p) == 4 else [])


def p_complete_commands(p):
    """complete_commands : complete_commands newline_list complete_command
                         | complete_command"""
    if len(p) == 2:
        p[0] = p[1]
    else:
        p[0] = p[1] + p[3]


def p_complete_command(p):
    """complete_command : list separator_op
                        | list"""
    p[0] = _statements_background(p[1], p[2] if len(p) == 3 else ";")


def p_list(p):
    """list : list separator_op and_or
            | and_or"""
    if len(p) == 2:
        p[0] = [_statement(p[1])]
    else:
        p[0] = _statements_background(p[1], p[2])
        p[0].append(_statement(p[3]))


def p_and_or(p):
    """and_or : pipeline
              | and_or AND_IF linebreak pipeline
              | and_or OR_IF linebreak pipeline"""
    if len(p) == 2:
        p[0] = p[1]
    else:
        p[0] = ast.AndOr(p.slice[2].text, p[1], p[4], pos=p[1].pos)


def p_pipeline(p):
    """pipeline : pipe_sequence
                | BANG pipe_sequence
                | TIME pipe_sequence
                | TIME BANG pipe_sequence"""
    commands, stderr_too = p[len(p) - 1]
    kinds = [p.slice[index].type for index in range(1, len(p) - 1)]
    negated = "BANG" in kinds
    timed = None
    if "TIME" in kinds:
        timed = "posix" if p[1] == "-p" else "bash"   # the lexer gives `time -p` as "-p"
    if len(commands) == 1 and not negated and timed is None:
        p[0] = commands[0]  # a lone command is not wrapped in a Pipeline
    else:
        pos = commands[0].pos if not kinds else p.slice[1].pos
        p[0] = ast.Pipeline(tuple(commands), negated=negated, stderr_too=tuple(stderr_too),
                            timed=timed, pos=pos)


def p_pipe_sequence(p):
    """pipe_sequence : command
                     | pipe_sequence PIPE linebreak command
                     | pipe_sequence PIPE_AMP linebreak command"""
    if len(p) == 2:
        p[0] = ([p[1]], [])
    else:
        commands, stderr_too = p[1]
        commands.append(p[4])
        stderr_too.append(p.slice[2].type == "PIPE_AMP")  # bash: |& pipes stderr too
        p[0] = p[1]


# ---------------------------------------------------------------- commands


def p_command(p):
    """command : simple_command
               | compound_command
               | compound_command redirect_list
               | function_definition"""
    p[0] = p[1]
    if len(p) == 3:
        p[0] = _with_redirects(p[1], p[2])


def _with_redirects(compound, redirects):
    return compound.replace(redirects=tuple(redirects))


def p_compound_command(p):
    """compound_command : brace_group
                        | subshell
                        | for_clause
                        | case_clause
                        | if_clause
                        | while_clause
                        | until_clause
                        | ARITH_CMD
                        | COND_CMD"""
    p[0] = p[1]  # bash's (( )) and [[ ]] come ready-made from the Scanner


def p_subshell(p):
    """subshell : LPAREN compound_list RPAREN"""
    p[0] = ast.Subshell(p[2], pos=p[1])


def p_compound_list(p):
    """compound_list : linebreak term
                     | linebreak term separator"""
    statements = p[2]
    if len(p) == 4:
        statements = _statements_background(statements, p[3])
    p[0] = _script(statements)


def p_term(p):
    """term : term separator and_or
            | and_or"""
    if len(p) == 2:
        p[0] = [_statement(p[1])]
    else:
        p[0] = _statements_background(p[1], p[2])
        p[0].append(_statement(p[3]))


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def p_for_clause(p):
    """for_clause : FOR name do_group
                  | FOR name sequential_sep do_group
                  | FOR name linebreak IN sequential_sep do_group
                  | FOR name linebreak IN wordlist sequential_sep do_group"""
    if len(p) <= 5:
        items = None  # no `in`: loop over "$@"
    elif len(p) == 7:
        items = ()
    else:
        items = tuple(p[5])
    p[0] = ast.For(p[2], items, p[len(p) - 1], pos=p[1])


def p_for_clause_arith(p):
    """for_clause : FOR ARITH_CMD do_group
                  | FOR ARITH_CMD sequential_sep do_group"""
    # bash's for ((init; cond; step)): the Scanner read the (( )) whole; cut it at its ;s.
    expressions = _split_arith_for(p[2].expr)
    if len(expressions) != 3:
        raise _error_at("for (( )) needs three expressions: init; condition; step", p[2].pos, "((")
    p[0] = ast.ArithFor(*expressions, p[len(p) - 1], pos=p[1])


def _split_arith_for(word):
    """The words between the top-level ``;`` of a for (( )) (``;`` is plain text there)."""
    words, current = [], []
    for part in word.parts:
        if isinstance(part, ast.Lit) and ";" in part.text:
            pieces = part.text.split(";")
            for piece in pieces[:-1]:
                if piece:
                    current.append(ast.Lit(piece))
                words.append(ast.Word(tuple(current)))
                current = []
            if pieces[-1]:
                current.append(ast.Lit(pieces[-1]))
        else:
            current.append(part)
    words.append(ast.Word(tuple(current)))
    return words


def p_name(p):
    """name : WORD"""
    word = p[1]
    text = word.parts[0].text if len(word.parts) == 1 and isinstance(word.parts[0], ast.Lit) else None
    if text is None or not _NAME.match(text):
        raise _error_at(f"'{p.slice[1].text}' is not a valid name", word.pos, p.slice[1].text)
    p[0] = text


def p_wordlist(p):
    """wordlist : wordlist WORD
                | WORD"""
    if len(p) == 2:
        p[0] = [p[1]]
    else:
        p[0] = p[1]
        p[0].append(p[2])


def p_case_clause(p):
    """case_clause : CASE WORD linebreak IN linebreak case_list ESAC
                   | CASE WORD linebreak IN linebreak case_list_ns ESAC
                   | CASE WORD linebreak IN linebreak ESAC"""
    items = tuple(p[6]) if len(p) == 8 else ()
    p[0] = ast.Case(p[2], items, pos=p[1])


def p_case_list_ns(p):
    """case_list_ns : case_list case_item_ns
                    | case_item_ns"""
    p[0] = p[1] + [p[2]] if len(p) == 3 else [p[1]]


def p_case_list(p):
    """case_list : case_list case_item
                 | case_item"""
    if len(p) == 2:
        p[0] = [p[1]]
    else:
        p[0] = p[1]
        p[0].append(p[2])


def p_case_item_ns(p):
    """case_item_ns : pattern RPAREN linebreak
                    | pattern RPAREN compound_list
                    | LPAREN pattern RPAREN linebreak
                    | LPAREN pattern RPAREN compound_list"""
    p[0] = _case_item(p, len(p) - 1)


def p_case_item(p):
    """case_item : pattern RPAREN linebreak DSEMI linebreak
                 | pattern RPAREN compound_list DSEMI linebreak
                 | LPAREN pattern RPAREN linebreak DSEMI linebreak
                 | LPAREN pattern RPAREN compound_list DSEMI linebreak"""
    p[0] = _case_item(p, len(p) - 3)


def _case_item(p, body_index):
    patterns = p[body_index - 2]
    body = p[body_index] if isinstance(p[body_index], ast.Script) else ast.Script()
    return ast.CaseItem(tuple(patterns), body, pos=patterns[0].pos)


def p_pattern(p):
    """pattern : WORD
               | pattern PIPE WORD"""
    if len(p) == 2:
        p[0] = [p[1]]
    else:
        p[0] = p[1]
        p[0].append(p[3])


def p_if_clause(p):
    """if_clause : IF compound_list THEN compound_list else_part FI
                 | IF compound_list THEN compound_list FI"""
    clauses = [(p[2], p[4])]
    else_body = None
    if len(p) == 7:
        more, else_body = p[5]
        clauses += more
    p[0] = ast.If(tuple(clauses), else_body, pos=p[1])


def p_else_part(p):
    """else_part : ELIF compound_list THEN compound_list
                 | ELIF compound_list THEN compound_list else_part
                 | ELSE compound_list"""
    if len(p) == 3:
        p[0] = ([], p[2])
    elif len(p) == 5:
        p[0] = ([(p[2], p[4])], None)
    else:
        more, else_body = p[5]
        p[0] = ([(p[2], p[4])] + more, else_body)


def p_while_clause(p):
    """while_clause : WHILE compound_list do_group"""
    p[0] = ast.While(p[2], p[3], pos=p[1])


def p_until_clause(p):
    """until_clause : UNTIL compound_list do_group"""
    p[0] = ast.While(p[2], p[3], until=True, pos=p[1])


def p_function_definition(p):
    """function_definition : fname LPAREN RPAREN linebreak function_body"""
    name, pos = p[1]
    p[0] = ast.FunctionDef(name, p[5], pos=pos)


def p_function_definition_bash(p):
    """function_definition : FUNCTION fname LPAREN RPAREN linebreak function_body
                           | FUNCTION fname linebreak brace_group
                           | FUNCTION fname linebreak brace_group redirect_list"""
    # bash: `function name { ...; }` or `function name() body`
    name, _ = p[2]
    if len(p) == 7:
        body = p[6]
    elif len(p) == 5:
        body = p[4]
    else:
        body = _with_redirects(p[4], p[5])
    p[0] = ast.FunctionDef(name, body, pos=p[1])


def p_function_body(p):
    """function_body : compound_command
                     | compound_command redirect_list"""
    p[0] = p[1] if len(p) == 2 else _with_redirects(p[1], p[2])


def p_fname(p):
    """fname : WORD"""
    word = p[1]
    if not (len(word.parts) == 1 and isinstance(word.parts[0], ast.Lit)):
        raise _error_at(f"'{p.slice[1].text}' is not a valid function name", word.pos, p.slice[1].text)
    p[0] = (word.parts[0].text, word.pos)


def p_brace_group(p):
    """brace_group : LBRACE compound_list RBRACE"""
    p[0] = ast.BraceGroup(p[2], pos=p[1])


def p_do_group(p):
    """do_group : DO compound_list DONE"""
    p[0] = p[2]


# ---------------------------------------------------------------- simple commands


def p_simple_command(p):
    """simple_command : cmd_prefix cmd_word cmd_suffix
                      | cmd_prefix cmd_word
                      | cmd_prefix
                      | cmd_name cmd_suffix
                      | cmd_name"""
    assigns, words, redirects = [], [], []
    for kind, value in zip(p.slice[1:], p[1:]):
        if kind.type == "cmd_prefix":
            assigns, redirects = value[0], value[1] + redirects
        elif kind.type in ("cmd_name", "cmd_word"):
            words.append(value)
        else:
            words += value[0]
            redirects += value[1]
    first = (assigns + words + redirects)
    pos = min((node.pos for node in first), key=lambda pos: (pos.line, pos.col))
    p[0] = ast.SimpleCommand(tuple(assigns), tuple(words), tuple(redirects), pos=pos)


def p_cmd_name(p):
    """cmd_name : WORD"""
    p[0] = p[1]


def p_cmd_word(p):
    """cmd_word : WORD"""
    p[0] = p[1]


def p_cmd_prefix(p):
    """cmd_prefix : io_redirect
                  | cmd_prefix io_redirect
                  | ASSIGNMENT_WORD
                  | cmd_prefix ASSIGNMENT_WORD"""
    assigns, redirects = p[1] if len(p) == 3 else ([], [])
    item = p[len(p) - 1]
    (assigns if isinstance(item, ast.Assignment) else redirects).append(item)
    p[0] = (assigns, redirects)


def p_cmd_suffix(p):
    """cmd_suffix : io_redirect
                  | cmd_suffix io_redirect
                  | WORD
                  | cmd_suffix WORD"""
    words, redirects = p[1] if len(p) == 3 else ([], [])
    item = p[len(p) - 1]
    (words if isinstance(item, ast.Word) else redirects).append(item)
    p[0] = (words, redirects)


def p_redirect_list(p):
    """redirect_list : io_redirect
                     | redirect_list io_redirect"""
    if len(p) == 2:
        p[0] = [p[1]]
    else:
        p[0] = p[1]
        p[0].append(p[2])


def p_io_redirect(p):
    """io_redirect : io_file
                   | IO_NUMBER io_file
                   | io_here
                   | IO_NUMBER io_here"""
    if len(p) == 2:
        p[0] = p[1]
    else:
        r = p[2]
        p[0] = ast.Redirect(r.op, r.target, fd=p[1], heredoc=r.heredoc, pos=p.slice[1].pos)


def p_io_file(p):
    """io_file : LESS filename
               | LESSAND filename
               | GREAT filename
               | GREATAND filename
               | DGREAT filename
               | LESSGREAT filename
               | CLOBBER filename
               | AND_GREAT filename
               | AND_DGREAT filename
               | TLESS filename"""
    p[0] = ast.Redirect(REDIRECT_OPS[p.slice[1].type], p[2], pos=p[1])


def p_filename(p):
    """filename : WORD"""
    p[0] = p[1]


def p_io_here(p):
    """io_here : DLESS here_end
               | DLESSDASH here_end"""
    doc = p[1]
    p[0] = ast.Redirect(REDIRECT_OPS[p.slice[1].type], p[2], heredoc=doc.body, pos=doc.pos)


def p_here_end(p):
    """here_end : WORD"""
    p[0] = p[1]


# ---------------------------------------------------------------- separators


def p_newline_list(p):
    """newline_list : NEWLINE
                    | newline_list NEWLINE"""


def p_linebreak(p):
    """linebreak : newline_list
                 | empty"""


def p_empty(p):
    """empty :"""


def p_separator_op(p):
    """separator_op : AMP
                    | SEMI"""
    p[0] = p.slice[1].text


def p_separator(p):
    """separator : separator_op linebreak
                 | newline_list"""
    p[0] = p[1] if len(p) == 3 else "\n"


def p_sequential_sep(p):
    """sequential_sep : SEMI linebreak
                      | newline_list"""


def p_error(token):
    if token is None:
        # The text ended where more was expected: the REPL asks for another line.
        raise ParseError("syntax error near end of file", filename=None, line=None, col=None,
                         incomplete=True)
    if token.type == "ERROR":
        raise token.value  # the lexer's own error (an unterminated quote...), now reached
    text = "newline" if token.type == "NEWLINE" else token.text
    raise _error_at(f"syntax error near '{text}'", token.pos, text)


# ---------------------------------------------------------------- table generation


def _grammar_rules():
    """The productions, in file order, as (name, [alternatives]) from the p_ docstrings."""
    from ply import yacc
    import sys
    info = yacc.ParserReflect(vars(sys.modules[__name__]), log=yacc.PlyLogger(sys.stderr))
    info.get_all()
    if info.validate_all():
        raise SystemExit("the p_ rules of grammar.py are not a valid PLY grammar")
    rules: dict[str, list[list[str]]] = {}
    for _, (_, _, name, symbols) in info.grammar:
        rules.setdefault(name, []).append(symbols)
    return info, rules


def build_tables(outputdir: str) -> dict:
    """Have PLY build the LALR tables; write lrtables.py and pysh.bnf into ``outputdir``.
    Returns the conflict counts."""
    import os
    from ply import yacc

    info, rules = _grammar_rules()
    grammar = yacc.Grammar(info.tokens)
    for funcname, (file, line, name, symbols) in info.grammar:
        grammar.add_production(name, symbols, funcname, file, line)
    grammar.set_start(info.start)
    problems = grammar.undefined_symbols() + [(t, None) for t in grammar.unused_terminals()]
    if problems:
        raise SystemExit(f"grammar problems: {problems}")
    tables = yacc.LRGeneratedTable(grammar, "LALR", yacc.NullLogger())
    with open(os.path.join(outputdir, "lrtables.py"), "w") as out:
        out.write(lrtables_text(tables))
    with open(os.path.join(outputdir, "pysh.bnf"), "w") as out:
        out.write(bnf_text(rules))
    return {"shift/reduce": len(tables.sr_conflicts), "reduce/reduce": len(tables.rr_conflicts)}


def lrtables_text(tables) -> str:
    """The source of lrtables.py: PLY's LALR tables as plain Python literals (see lr.py)."""
    lines = [
        '"""LALR(1) tables of the grammar in grammar.py, computed by PLY and run by lr.py.',
        "",
        "Generated by `python -m pyshell.syntax.grammar --regenerate`: do not edit.",
        '"""',
        "",
        "# Productions: (rule name, number of symbols on its right-hand side, p_ function).",
        "PRODUCTIONS = (",
    ]
    for production in tables.lr_productions:
        lines.append(f"    ({production.name!r}, {production.len}, {production.func!r}),")
    lines += [
        ")",
        "",
        "# ACTION[state][token type]: > 0 shift and go to that state, < 0 reduce by",
        "# production -n, 0 accept; a token type missing from the state is a syntax error.",
        "ACTION = (",
    ]
    for state in range(len(tables.lr_action)):
        moves = tables.lr_action[state]
        lines.append("    {" + ", ".join(f"{key!r}: {moves[key]}" for key in sorted(moves)) + "},")
    lines += [
        ")",
        "",
        "# GOTO[state][rule name]: the state to go to after a reduction to that rule.",
        "GOTO = (",
    ]
    for state in range(len(tables.lr_action)):
        targets = tables.lr_goto.get(state, {})
        lines.append("    {" + ", ".join(f"{key!r}: {targets[key]}" for key in sorted(targets)) + "},")
    defaults = {state: list(moves.values())[0] for state, moves in sorted(tables.lr_action.items())
                if len(moves) == 1 and list(moves.values())[0] < 0}
    lines += [
        ")",
        "",
        "# States whose only move is one reduction: it is made without reading the next",
        "# token (as PLY does), so a syntax error is reported at the token that causes it.",
        "DEFAULT_REDUCE = {" + ", ".join(f"{state}: {move}" for state, move in defaults.items()) + "}",
        "",
    ]
    return "\n".join(lines)


def bnf_text(rules=None) -> str:
    if rules is None:
        rules = _grammar_rules()[1]
    from .tokens import OPERATORS, RESERVED
    lines = [
        "# pysh grammar: generated from the p_ rules of pyshell/syntax/grammar.py by",
        "#     python -m pyshell.syntax.grammar --regenerate",
        "# Do not edit by hand; a test checks that it matches the grammar.",
        "#",
        "# Terminals made by the lexer (pyshell/syntax/lexer.py):",
        "#   WORD ASSIGNMENT_WORD IO_NUMBER NEWLINE",
    ]
    lines += [f"#   {kind:<11} {text}" for text, kind in OPERATORS.items()]
    lines += [f"#   {kind:<11} {text:<9} (reserved word)" for text, kind in RESERVED.items()]
    lines.append("")
    for name, alternatives in rules.items():
        width = len(name)
        for index, symbols in enumerate(alternatives):
            lead = name if index == 0 else " " * width
            sep = ":" if index == 0 else "|"
            lines.append(f"{lead} {sep} {' '.join(symbols) if symbols else '/* empty */'}")
        lines.append(" " * width + " ;")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    import argparse
    import os
    import shutil
    import tempfile
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--regenerate", action="store_true",
                        help="rewrite lrtables.py and grammar/pysh.bnf")
    args = parser.parse_args(argv)
    package_dir = os.path.dirname(os.path.abspath(__file__))
    # Run as __main__, this file is a second copy of the module: use the real one.
    from pyshell.syntax import grammar
    with tempfile.TemporaryDirectory() as tmp:
        conflicts = grammar.build_tables(tmp)
        print(f"LALR conflicts: {conflicts['shift/reduce']} shift/reduce, "
              f"{conflicts['reduce/reduce']} reduce/reduce")
        if args.regenerate:
            shutil.copy(os.path.join(tmp, "lrtables.py"), os.path.join(package_dir, "lrtables.py"))
            bnf = os.path.join(os.path.dirname(os.path.dirname(package_dir)), "grammar", "pysh.bnf")
            shutil.copy(os.path.join(tmp, "pysh.bnf"), bnf)
            print("wrote lrtables.py, grammar/pysh.bnf")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
