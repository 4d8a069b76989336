"""The LR parsing loop: runs the LALR(1) tables of lrtables.py over a list of tokens.

PLY computes the tables from the grammar (``python -m pyshell.syntax.grammar
--regenerate``); this loop is all that runs at start-up, so that pysh never imports PLY
(with what it imports, ``import ply.yacc`` costs more than the rest of the shell's start).
A test runs PLY's own parser beside this one over the whole corpus and compares the trees.

How an LR parser works, in a few lines: a stack of *states* remembers how much of which
rules has been seen. At each step the state and the next token select an action in the
ACTION table: *shift* (push the token and a new state), *reduce* by a production (pop
as many entries as the production has symbols, call its p_ function to build the node,
push the result and the state GOTO[uncovered state][rule name]), *accept* or, where the
table has nothing, a syntax error.
"""

from __future__ import annotations


class Symbol:
    """An entry of the parse stack: a token, or a rule's result (``type`` is the rule name)."""

    __slots__ = ("type", "value")

    def __init__(self, type, value=None):
        self.type = type
        self.value = value


END = Symbol("$end")  # what the parser sees once the tokens run out


class Production:
    """What a p_ function of grammar.py receives: ``p[1]``… are the values of the symbols
    on the right-hand side, ``p[0] = …`` sets the rule's result, ``p.slice`` holds the
    symbols themselves (their ``type`` and, for tokens, ``pos``/``text``). PLY's
    YaccProduction has the same interface, so the grammar runs under both."""

    __slots__ = ("slice",)

    def __init__(self, symbols):
        self.slice = symbols

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [symbol.value for symbol in self.slice[index]]
        return self.slice[index].value

    def __setitem__(self, index, value):
        self.slice[index].value = value

    def __len__(self):
        return len(self.slice)


class Parser:
    """The tables of lrtables.py bound to the p_ functions that build the tree."""

    def __init__(self, rules, on_error):
        """``rules`` maps a p_ function's name to the function; ``on_error(token)`` is
        called with the token the tables have no move for (None at the end of the input)
        and must raise."""
        from . import lrtables  # here, not at the top: --regenerate must work without it
        self.tables = lrtables
        self.productions = [(name, length, rules.get(function))
                            for name, length, function in lrtables.PRODUCTIONS]
        self.on_error = on_error

    def parse(self, tokens):
        """Parse ``tokens`` (objects with ``type`` and ``value``); the start rule's result."""
        action_table, goto_table = self.tables.ACTION, self.tables.GOTO
        default_reduce = self.tables.DEFAULT_REDUCE
        productions = self.productions
        tokens = iter(tokens)
        states = [0]
        symbols = [END]
        lookahead = None
        while True:
            state = states[-1]
            move = default_reduce.get(state)  # a lone reduction needs no lookahead (as PLY)
            if move is None:
                if lookahead is None:
                    lookahead = next(tokens, END)
                move = action_table[state].get(lookahead.type)
                if move is None:
                    self.on_error(None if lookahead is END else lookahead)
                    raise AssertionError("on_error must raise")
            if move > 0:  # shift
                states.append(move)
                symbols.append(lookahead)
                lookahead = None
            elif move < 0:  # reduce by production -move
                name, length, function = productions[-move]
                result = Symbol(name)
                if length:
                    function(Production([result] + symbols[-length:]))
                    del symbols[-length:]
                    del states[-length:]
                else:
                    function(Production([result]))
                symbols.append(result)
                states.append(goto_table[states[-1]][name])
            else:  # accept
                return symbols[-1].value
