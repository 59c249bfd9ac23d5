"""The safe expression language of ``relevant``, ``constraint`` and ``screen_out``.

A hand-written tokenizer and recursive-descent parser turn the source text into a small AST
(frozen dataclasses). Nothing is ever ``eval``-ed: :mod:`.expr_eval` walks the tree. Input is
bounded (:data:`MAX_LENGTH` characters, :data:`MAX_DEPTH` levels of nesting) so that hostile text
fails with an :class:`ExpressionError`, never a ``RecursionError``.

Grammar (XPath-like, as used by XLSForm)::

    expr    := and ('or' and)*
    and     := eq ('and' eq)*
    eq      := rel (('=' | '!=') rel)*
    rel     := add (('<' | '<=' | '>' | '>=') add)*
    add     := mul (('+' | '-') mul)*
    mul     := unary (('*' | 'div' | 'mod') unary)*
    unary   := '-' unary | primary
    primary := NUMBER | STRING | '${' NAME '}' | '.' | FUNC '(' [expr (',' expr)*] ')' | '(' expr ')'
    FUNC    := 'not' | 'selected' | 'count-selected' | 'string-length'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from survey.i18n import _

MAX_LENGTH = 2000
MAX_DEPTH = 32  # levels of parentheses, function calls and unary minus (parser recursion)
MAX_TREE_DEPTH = 100  # depth of the syntax tree (bounds the recursion of checker and evaluator)

FUNCTIONS: dict[str, int] = {"not": 1, "selected": 2, "count-selected": 1, "string-length": 1}
KEYWORDS = frozenset({"and", "or", "div", "mod"})
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
ARITHMETIC = ("+", "-", "*", "div", "mod")

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")


class ExpressionError(ValueError):
    """A syntax error or a rejected (too long, too deep) expression; ``message`` is translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- AST -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: int | float


@dataclass(frozen=True)
class String:
    value: str


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Current:
    """``.``: the answer being checked (constraints and screen-outs only)."""


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Node, ...]


Node = Number | String | Ref | Current | Negate | Binary | Call


# --- tokenizer -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, ref, dot, op, word, lparen, rparen, comma, end
    text: str
    pos: int  # 1-based character position, for messages


def _syntax(pos: int, detail: str) -> ExpressionError:
    return ExpressionError(_("Syntax error at character %(pos)s: %(detail)s", pos=pos, detail=detail))


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens; raise :class:`ExpressionError` on a bad character."""
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c.isspace():
            i += 1
        elif c == "$":
            m = _NAME.match(source, i + 2) if source.startswith("${", i) else None
            if m is None or not source.startswith("}", m.end()):
                raise _syntax(i + 1, _("write a reference as ${name}"))
            tokens.append(Token("ref", m.group(), i + 1))
            i = m.end() + 1
        elif c in "'\"":
            end = source.find(c, i + 1)
            if end < 0:
                raise _syntax(i + 1, _("unterminated string"))
            tokens.append(Token("string", source[i + 1 : end], i + 1))
            i = end + 1
        elif c.isdigit():
            m = _NUMBER.match(source, i)
            assert m is not None
            tokens.append(Token("number", m.group(), i + 1))
            i = m.end()
        elif c == ".":
            tokens.append(Token("dot", ".", i + 1))
            i += 1
        elif source.startswith(("!=", "<=", ">="), i):
            tokens.append(Token("op", source[i : i + 2], i + 1))
            i += 2
        elif c in "=<>+-*":
            tokens.append(Token("op", c, i + 1))
            i += 1
        elif c in "(),":
            tokens.append(Token({"(": "lparen", ")": "rparen", ",": "comma"}[c], c, i + 1))
            i += 1
        elif c.isascii() and (c.isalpha() or c == "_"):
            m = _WORD.match(source, i)
            assert m is not None
            tokens.append(Token("word", m.group(), i + 1))
            i = m.end()
        else:
            raise _syntax(i + 1, _("unexpected character %(char)s", char=repr(c)))
    tokens.append(Token("end", "", n + 1))
    return tokens


# --- parser ----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at(self, kind: str, *texts: str) -> bool:
        token = self.peek()
        return token.kind == kind and (not texts or token.text in texts)

    def expect(self, kind: str, what: str) -> Token:
        if not self.at(kind):
            raise self.unexpected(what)
        return self.take()

    def unexpected(self, wanted: str) -> ExpressionError:
        token = self.peek()
        found = _("end of expression") if token.kind == "end" else repr(token.text)
        return _syntax(token.pos, _("expected %(wanted)s, found %(found)s", wanted=wanted, found=found))

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                _("The expression is nested too deeply (at most %(max)s levels).", max=MAX_DEPTH)
            )

    def binary(self, operand: Callable[[], Node], kind: str, ops: tuple[str, ...]) -> Node:
        left = operand()
        while self.at(kind, *ops):
            op = self.take().text
            left = Binary(op, left, operand())
        return left

    def expr(self) -> Node:
        return self.binary(self.and_, "word", ("or",))

    def and_(self) -> Node:
        return self.binary(self.eq, "word", ("and",))

    def eq(self) -> Node:
        return self.binary(self.rel, "op", ("=", "!="))

    def rel(self) -> Node:
        return self.binary(self.add, "op", ("<", "<=", ">", ">="))

    def add(self) -> Node:
        return self.binary(self.mul, "op", ("+", "-"))

    def mul(self) -> Node:
        left = self.unary()
        while self.at("op", "*") or self.at("word", "div", "mod"):
            op = self.take().text
            left = Binary(op, left, self.unary())
        return left

    def unary(self) -> Node:
        if self.at("op", "-"):
            self.take()
            self.enter()
            node = Negate(self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        token = self.peek()
        if token.kind == "number":
            self.take()
            return Number(float(token.text) if "." in token.text else int(token.text))
        if token.kind == "string":
            self.take()
            return String(token.text)
        if token.kind == "ref":
            self.take()
            return Ref(token.text)
        if token.kind == "dot":
            self.take()
            return Current()
        if token.kind == "lparen":
            self.take()
            self.enter()
            node = self.expr()
            self.expect("rparen", "')'")
            self.depth -= 1
            return node
        if token.kind == "word" and token.text not in KEYWORDS:
            return self.call()
        raise self.unexpected(_("a value, a reference ${name} or '('"))

    def call(self) -> Node:
        token = self.take()
        if token.text not in FUNCTIONS:
            raise _syntax(
                token.pos,
                _("unknown function %(name)s (allowed: %(allowed)s)", name=token.text,
                  allowed=", ".join(sorted(FUNCTIONS))),
            )
        self.expect("lparen", "'('")
        self.enter()
        args: list[Node] = []
        if not self.at("rparen"):
            args.append(self.expr())
            while self.at("comma"):
                self.take()
                args.append(self.expr())
        self.expect("rparen", "')'")
        self.depth -= 1
        if len(args) != FUNCTIONS[token.text]:
            raise _syntax(
                token.pos,
                _("%(name)s() takes %(count)s argument(s)", name=token.text,
                  count=FUNCTIONS[token.text]),
            )
        return Call(token.text, tuple(args))


def parse_expression(source: str) -> Node:
    """Parse ``source`` into an AST; raise :class:`ExpressionError` with a translated message."""
    if not isinstance(source, str):
        raise ExpressionError(_("An expression must be text."))
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            _("The expression is too long (%(length)s characters, at most %(max)s).",
              length=len(source), max=MAX_LENGTH)
        )
    if not source.strip():
        raise ExpressionError(_("The expression is empty."))
    parser = _Parser(tokenize(source))
    node = parser.expr()
    if not parser.at("end"):
        raise parser.unexpected(_("an operator or the end of the expression"))
    if tree_depth(node) > MAX_TREE_DEPTH:
        raise ExpressionError(
            _("The expression is too complex (more than %(max)s nested operations).",
              max=MAX_TREE_DEPTH)
        )
    return node


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Negate):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def tree_depth(node: Node) -> int:
    """Depth of the syntax tree, computed without recursion."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in _children(current))
    return deepest


def references(node: Node) -> list[str]:
    """Names referenced as ``${name}`` in ``node``, in order of first appearance."""
    found: list[str] = []
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Ref) and current.name not in found:
            found.append(current.name)
        stack.extend(reversed(_children(current)))
    return found


def unparse(node: Node) -> str:
    """Render ``node`` as source text (fully parenthesised) that parses back to ``node``."""
    if isinstance(node, Number):
        return repr(node.value)
    if isinstance(node, String):
        quote = "'" if "'" not in node.value else '"'
        return f"{quote}{node.value}{quote}"
    if isinstance(node, Ref):
        return "${" + node.name + "}"
    if isinstance(node, Current):
        return "."
    if isinstance(node, Negate):
        return f"-{unparse(node.operand)}"
    if isinstance(node, Binary):
        return f"({unparse(node.left)} {node.op} {unparse(node.right)})"
    return f"{node.function}({', '.join(unparse(arg) for arg in node.args)})"
