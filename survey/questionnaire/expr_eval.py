"""Static checking and evaluation of parsed expressions (see :mod:`.expressions`).

Values while evaluating: ``int``/``float`` for numbers, ``str`` for text and single choices,
``list``/``tuple`` of names for multiple choices, ``bool`` for conditions and ``None`` for an
unanswered question. An unanswered value equals only ``''`` (and another unanswered value); every
ordering comparison with it is false; arithmetic with it gives ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeGuard

from survey.i18n import _

from .expressions import (
    Binary,
    Call,
    Current,
    ExpressionError,
    Negate,
    Node,
    Number,
    Ref,
    String,
    parse_expression,
)


class ExprType(Enum):
    """The static type of a (sub)expression."""

    NUMBER = "number"
    STRING = "text"
    BOOL = "condition"
    MULTI = "multiple choice"
    ANY = "any"  # unknown (e.g. a question whose own type is invalid): accepted everywhere


@dataclass(frozen=True)
class RefInfo:
    """What the checker knows about a referenceable question."""

    type: ExprType
    choices: frozenset[str] | None = None  # choice names for select questions with a known list


def _type_name(t: ExprType) -> str:
    return {
        ExprType.NUMBER: _("a number"),
        ExprType.STRING: _("text"),
        ExprType.BOOL: _("a condition"),
        ExprType.MULTI: _("a multiple choice"),
        ExprType.ANY: _("any value"),
    }[t]


class _Checker:
    def __init__(
        self,
        refs: Mapping[str, RefInfo],
        current: RefInfo | None,
        explain_unknown: Callable[[str], str] | None,
    ) -> None:
        self.refs = refs
        self.current = current
        self.explain_unknown = explain_unknown
        self.errors: list[str] = []

    def info(self, node: Node) -> RefInfo | None:
        if isinstance(node, Ref):
            return self.refs.get(node.name)
        if isinstance(node, Current):
            return self.current
        return None

    def check_choice(self, node: Node, value: Node) -> None:
        info = self.info(node)
        if (info is not None and info.choices is not None and isinstance(value, String)
                and value.value != "" and value.value not in info.choices):
            name = node.name if isinstance(node, Ref) else "."
            self.errors.append(
                _("%(value)s is not a choice of %(name)s.", value=repr(value.value), name=name)
            )

    def want(self, node: Node, wanted: ExprType, what: str) -> None:
        got = self.type_of(node)
        if got not in (wanted, ExprType.ANY):
            self.errors.append(
                _("%(what)s needs %(wanted)s, not %(got)s.", what=what,
                  wanted=_type_name(wanted), got=_type_name(got))
            )

    def type_of(self, node: Node) -> ExprType:  # noqa: C901 - one branch per node kind
        if isinstance(node, Number):
            return ExprType.NUMBER
        if isinstance(node, String):
            return ExprType.STRING
        if isinstance(node, Ref):
            info = self.refs.get(node.name)
            if info is None:
                self.errors.append(
                    self.explain_unknown(node.name) if self.explain_unknown
                    else _("Unknown question %(name)s.", name="${" + node.name + "}")
                )
                return ExprType.ANY
            return info.type
        if isinstance(node, Current):
            if self.current is None:
                self.errors.append(_("'.' (the current answer) can only be used in a constraint."))
                return ExprType.ANY
            return self.current.type
        if isinstance(node, Negate):
            self.want(node.operand, ExprType.NUMBER, "'-'")
            return ExprType.NUMBER
        if isinstance(node, Call):
            return self.call(node)
        return self.binary(node)

    def call(self, node: Call) -> ExprType:
        if node.function == "not":
            self.want(node.args[0], ExprType.BOOL, "not()")
            return ExprType.BOOL
        if node.function == "count-selected":
            self.want(node.args[0], ExprType.MULTI, "count-selected()")
            return ExprType.NUMBER
        if node.function == "string-length":
            self.want(node.args[0], ExprType.STRING, "string-length()")
            return ExprType.NUMBER
        # selected(question, 'choice')
        subject, choice = node.args
        got = self.type_of(subject)
        if got not in (ExprType.MULTI, ExprType.STRING, ExprType.ANY):
            self.errors.append(_("selected() needs a choice question as its first argument."))
        if not isinstance(choice, String):
            self.errors.append(_("selected() needs a quoted choice name as its second argument."))
        else:
            self.check_choice(subject, choice)
        return ExprType.BOOL

    def binary(self, node: Binary) -> ExprType:
        op = node.op
        if op in ("and", "or"):
            self.want(node.left, ExprType.BOOL, repr(op))
            self.want(node.right, ExprType.BOOL, repr(op))
            return ExprType.BOOL
        if op in ("+", "-", "*", "div", "mod"):
            self.want(node.left, ExprType.NUMBER, repr(op))
            self.want(node.right, ExprType.NUMBER, repr(op))
            return ExprType.NUMBER
        left, right = self.type_of(node.left), self.type_of(node.right)
        empty = (isinstance(node.left, String) and node.left.value == "") or (
            isinstance(node.right, String) and node.right.value == ""
        )
        if ExprType.ANY not in (left, right):
            allowed: tuple[ExprType, ...] = (ExprType.NUMBER, ExprType.STRING)
            if op in ("=", "!="):
                allowed = (ExprType.NUMBER, ExprType.STRING, ExprType.BOOL)
            scalar_empty = op in ("=", "!=") and empty and ExprType.MULTI not in (left, right)
            if not scalar_empty and (left != right or left not in allowed):
                hint = ""
                if {left, right} == {ExprType.NUMBER, ExprType.STRING}:
                    hint = " " + _("Put choice names in quotes, e.g. '5'.")
                self.errors.append(
                    _("Cannot compare %(left)s with %(right)s using %(op)s.", left=_type_name(left),
                      right=_type_name(right), op=repr(op)) + hint
                )
        self.check_choice(node.left, node.right)
        self.check_choice(node.right, node.left)
        return ExprType.BOOL


def check_expression(
    source: str,
    refs: Mapping[str, RefInfo],
    *,
    current: RefInfo | None = None,
    explain_unknown: Callable[[str], str] | None = None,
) -> tuple[Node | None, list[str]]:
    """Parse and type-check a condition; return ``(ast or None, translated error messages)``.

    ``refs`` are the questions the expression may reference; ``current`` describes ``.`` (None
    where ``.`` is not allowed); ``explain_unknown`` words the error for a name not in ``refs``.
    """
    try:
        node = parse_expression(source)
    except ExpressionError as exc:
        return None, [exc.message]
    checker = _Checker(refs, current, explain_unknown)
    result = checker.type_of(node)
    if result not in (ExprType.BOOL, ExprType.ANY):
        checker.errors.append(
            _("The expression must be a condition (true or false), not %(got)s.",
              got=_type_name(result))
        )
    return node, list(dict.fromkeys(checker.errors))


# --- evaluation ------------------------------------------------------------------------------


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(left: object, right: object) -> bool:
    if left is None or right is None:
        return (left if left is not None else right) in (None, "")
    if _is_number(left) and _is_number(right):
        return left == right
    if isinstance(left, list | tuple) or isinstance(right, list | tuple):
        return False
    return type(left) is type(right) and left == right


def _arith(op: str, a: object, b: object) -> int | float | None:
    if not (_is_number(a) and _is_number(b)):
        return None
    result: int | float
    try:
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        elif op == "div":
            result = a / b
        else:
            result = math.fmod(a, b)
    except (ZeroDivisionError, ValueError, OverflowError):
        return None
    if isinstance(result, float) and not math.isfinite(result):
        return None
    return result


def evaluate(node: Node, answers: Mapping[str, object], current: object = None) -> object:
    """Evaluate ``node`` over ``answers`` (question name → value); ``current`` is ``.``."""
    if isinstance(node, Number | String):
        return node.value
    if isinstance(node, Ref):
        return answers.get(node.name)
    if isinstance(node, Current):
        return current
    if isinstance(node, Negate):
        value = evaluate(node.operand, answers, current)
        return -value if _is_number(value) else None
    if isinstance(node, Call):
        return _call(node, answers, current)
    op = node.op
    if op == "and":
        return truthy(evaluate(node.left, answers, current)) and truthy(
            evaluate(node.right, answers, current))
    if op == "or":
        return truthy(evaluate(node.left, answers, current)) or truthy(
            evaluate(node.right, answers, current))
    left = evaluate(node.left, answers, current)
    right = evaluate(node.right, answers, current)
    if op == "=":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    if op in ("<", "<=", ">", ">="):
        return _order(op, left, right)
    return _arith(op, left, right)


def _order(op: str, left: object, right: object) -> bool:
    """``<``, ``<=``, ``>``, ``>=`` on two numbers or two texts; anything else is false."""
    if _is_number(left) and _is_number(right):
        a: Any = left
        b: Any = right
    elif isinstance(left, str) and isinstance(right, str):
        a, b = left, right
    else:
        return False
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _call(node: Call, answers: Mapping[str, object], current: object) -> object:
    values = [evaluate(arg, answers, current) for arg in node.args]
    if node.function == "not":
        return not truthy(values[0])
    if node.function == "count-selected":
        return len(values[0]) if isinstance(values[0], list | tuple) else 0
    if node.function == "string-length":
        value = values[0]
        if value is None:
            return 0
        return len(value) if isinstance(value, str) else len(str(value))
    subject, choice = values
    if isinstance(subject, list | tuple):
        return choice in subject
    return subject is not None and subject == choice


def truthy(value: object) -> bool:
    """Only ``True`` is true: unanswered, numbers and text are not conditions."""
    return value is True


def evaluate_condition(node: Node, answers: Mapping[str, object], current: object = None) -> bool:
    """Evaluate a condition; anything but ``True`` (e.g. an unanswered operand) is false."""
    return truthy(evaluate(node, answers, current))
