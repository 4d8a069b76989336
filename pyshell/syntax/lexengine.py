"""The engine that runs the PLY lexeme rules of lexer.py: one master regex per state.

The ``t_`` rules of lexer.py are written for PLY (a rule is a function whose docstring
is its regex; ``t_dquote_LIT`` belongs to state ``dquote``), and PLY checks them in the
tests. At run time this small engine applies them, the way PLY does, so that starting
pysh does not import PLY (whose imports cost more than the rest of the shell's start):

- the rules of a state, in the order they are written, are joined into one *master
  regex* ``(?P<rule1>…)|(?P<rule2>…)|…``: at a position, the first rule that matches wins;
- a state's master regex is compiled the first time the state is entered (most command
  lines never enter ``arith`` or ``braceword``);
- characters of the state's ``ignore`` string between lexemes are skipped; where no rule
  matches, the state's ``error`` rule decides.
A test lexes the corpus with PLY's lexer and with this one and compares every lexeme.
"""

from __future__ import annotations

import re


class Lexeme:
    """A piece of text a rule matched (PLY calls it a LexToken)."""

    __slots__ = ("type", "value", "lexpos", "lineno", "lexer")

    def __init__(self, type, value, lexpos, lexer):
        self.type = type
        self.value = value
        self.lexpos = lexpos
        self.lineno = 1  # unused: positions are worked out from lexpos (lexer.Source)
        self.lexer = lexer

    def __repr__(self):
        return f"Lexeme({self.type}, {self.value!r}, {self.lexpos})"


class RuleSet:
    """The rules of one lexer module, grouped by state; master regexes made on demand."""

    def __init__(self, module):
        names = vars(module)
        self.states = ["INITIAL"] + [name for name, _ in names["states"]]
        exclusive = {name for name, kind in names["states"] if kind == "exclusive"}
        rules: dict[str, list] = {state: [] for state in self.states}
        self.ignore = {state: "" for state in self.states}
        self.error = {}
        functions = [value for key, value in names.items() if key.startswith("t_") and callable(value)]
        functions.sort(key=lambda function: function.__code__.co_firstlineno)  # written order
        for function in functions:
            states, token_type = self._split_name(function.__name__)
            for state in states:
                if token_type == "error":
                    self.error[state] = function
                else:
                    rules[state].append(function)
        for key, value in names.items():
            if key.startswith("t_") and key.endswith("ignore"):
                states, _ = self._split_name(key)
                for state in states:
                    self.ignore[state] = value
        for state in self.states:  # an inclusive state also has the INITIAL rules
            if state != "INITIAL" and state not in exclusive:
                rules[state] += rules["INITIAL"]
        self._rules = rules
        self._masters: dict[str, tuple] = {}

    def _split_name(self, name):
        """``t_dquote_heredoc_LIT`` -> (["dquote", "heredoc"], "LIT"); no state: INITIAL."""
        parts = name.split("_")[1:]
        states = []
        while parts and (parts[0] in self.states or parts[0] == "ANY"):
            states += self.states if parts[0] == "ANY" else [parts[0]]
            parts.pop(0)
        return states or ["INITIAL"], "_".join(parts)

    def master(self, state):
        """(compiled master regex, {group name: (rule function, token type)}) of a state."""
        if state not in self._masters:
            rules = self._rules[state]
            pattern = "|".join(f"(?P<{rule.__name__}>{rule.regex if hasattr(rule, 'regex') else rule.__doc__})"
                               for rule in rules)
            by_group = {rule.__name__: (rule, self._split_name(rule.__name__)[1]) for rule in rules}
            self._masters[state] = (re.compile(pattern), by_group)
        return self._masters[state]


class RuleLexer:
    """A lexer over one text, with PLY's interface: ``input``, ``token``, ``lexpos``,
    ``lexdata``, ``begin``, ``push_state``, ``pop_state``, ``skip``, ``clone``."""

    def __init__(self, rules: RuleSet, text: str = ""):
        self.rules = rules
        self.lexdata = text
        self.lexpos = 0
        self.lexstatestack: list[str] = []
        self.begin("INITIAL")

    def clone(self):
        return RuleLexer(self.rules, self.lexdata)

    def input(self, text):
        self.lexdata = text
        self.lexpos = 0

    def begin(self, state):
        self.state = state
        self._master, self._by_group = self.rules.master(state)
        self._ignore = self.rules.ignore[state]
        self._error = self.rules.error.get(state)

    def push_state(self, state):
        self.lexstatestack.append(self.state)
        self.begin(state)

    def pop_state(self):
        self.begin(self.lexstatestack.pop())

    def skip(self, count):
        self.lexpos += count

    def token(self):
        """The next lexeme, or None at the end of the text."""
        data = self.lexdata
        while self.lexpos < len(data):
            position = self.lexpos
            if data[position] in self._ignore:
                self.lexpos += 1
                continue
            match = self._master.match(data, position)
            if match is None:  # no rule matches here: the error rule says what to do
                if self._error is None:
                    raise SyntaxError(f"no lexeme rule matches at {position}")
                lexeme = self._error(Lexeme("error", data[position:], position, self))
                if self.lexpos == position:
                    raise SyntaxError(f"the error rule did not move on at {position}")
            else:
                rule, token_type = self._by_group[match.lastgroup]
                self.lexpos = match.end()
                lexeme = rule(Lexeme(token_type, match.group(), position, self))
            if lexeme is not None:  # a rule may drop what it matched by returning None
                return lexeme
        self.lexpos += 1  # as PLY: one past the end once the text is used up
        return None
