"""The rules for questions, their expressions and the form-wide checks (scored items, strata)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from survey.i18n import _

from .definition import (
    QUESTION_TYPES,
    SELECT_TYPES,
    UNIT_KINDS,
    UNIT_TYPES,
    Choice,
    Compiled,
    Question,
)
from .expr_eval import ExprType, RefInfo, check_expression
from .expressions import Node
from .fields import check_bool, check_identifier, check_number, check_text

if TYPE_CHECKING:
    from .validation import Context

_COMMON = frozenset({"name", "type", "label", "hint", "required", "relevant", "constraint",
                     "constraint_message", "screen_out"})
FIELDS_BY_TYPE: dict[str, frozenset[str]] = {
    "select_one": _COMMON | {"list", "scored", "weight", "dimension", "overall", "stratum"},
    "select_multiple": _COMMON | {"list"},
    "integer": _COMMON | {"min", "max"},
    "decimal": _COMMON | {"min", "max"},
    "text": _COMMON | {"max_length"},
    "note": frozenset({"name", "type", "label", "hint", "relevant"}),
    "select_one_unit": _COMMON | {"unit_kind", "stratum"},
    "select_multiple_unit": _COMMON | {"unit_kind"},
}
ALL_FIELDS = frozenset().union(*FIELDS_BY_TYPE.values())
EXPR_TYPES = {
    "select_one": ExprType.STRING, "select_multiple": ExprType.MULTI,
    "integer": ExprType.NUMBER, "decimal": ExprType.NUMBER, "text": ExprType.STRING,
    "select_one_unit": ExprType.STRING, "select_multiple_unit": ExprType.MULTI,
}
MAX_TEXT_LENGTH = 10000


@dataclass(frozen=True)
class _Ref:
    position: int
    kind: str
    info: RefInfo | None  # None for a note


@dataclass(frozen=True)
class _Pending:
    location: str
    source: str
    position: int  # questions at positions < this one may be referenced
    kind: str
    current: RefInfo | None


class QuestionBuilder:
    """Builds questions while the document is walked; checks expressions at :meth:`finish`."""

    def __init__(self, ctx: Context, choice_lists: dict[str, tuple[Choice, ...]]) -> None:
        self.ctx = ctx
        self.choice_lists = choice_lists
        self.questions: list[Question] = []
        self.refs: dict[str, _Ref] = {}
        self.position = 0
        self.pending: list[_Pending] = []
        self.stack: list[tuple[str, str, str | None]] = []  # (container, kind, condition location)
        self.conditions: dict[str, tuple[str | None, ...]] = {}  # question → condition locations
        self.first_screen_out: tuple[int, str] | None = None
        self.strata: list[tuple[int, Question]] = []
        self.overall: list[str] = []  # locations of items marked overall
        self.scored_seen: list[str] = []

    @property
    def kind(self) -> str:
        return self.stack[-1][1] if self.stack else "respondent"

    def enter(self, container: str, kind: str, condition: tuple[str, str] | None) -> None:
        self.stack.append((container, kind, condition[1] if condition else None))

    def leave(self) -> None:
        self.stack.pop()

    def condition(self, value: Any, location: str, kind: str) -> tuple[str, str] | None:
        """Register a ``relevant`` expression; returns ``(source, location)`` or None."""
        return self._expression(value, location, kind, None, self.position)

    def _expression(self, value: Any, location: str, kind: str, current: RefInfo | None,
                    position: int) -> tuple[str, str] | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.ctx.report(location, _("An expression must be non-empty text."))
            return None
        source = value.strip()
        self.pending.append(_Pending(location, source, position, kind, current))
        return source, location

    def question(self, raw: dict[str, Any], location: str) -> Question | None:  # noqa: C901
        ctx, report = self.ctx, self.ctx.report
        kind = self.kind
        qtype = raw.get("type")
        if not isinstance(qtype, str):
            qtype = repr(qtype)[:60]  # reported as an unknown type below
        if qtype not in QUESTION_TYPES:
            report(f"{location}.type", _("Unknown question type %(type)s (allowed: %(allowed)s).",
                                         type=repr(qtype)[:60], allowed=", ".join(QUESTION_TYPES)))
            allowed = ALL_FIELDS
        else:
            allowed = FIELDS_BY_TYPE[qtype]
        for key in raw:
            if key not in ALL_FIELDS:
                report(f"{location}.{key}", _("Unknown field %(field)s.", field=repr(key)[:60]))
            elif key not in allowed and raw[key] is not None:
                report(f"{location}.{key}", _("%(field)s does not apply to a %(type)s question.",
                                              field=key, type=qtype))
        name = check_identifier(raw.get("name"), f"{location}.name", report)
        ctx.claim_name(name, f"{location}.name")
        position = self.position
        self.position += 1
        info = None
        if qtype != "note":
            info = RefInfo(EXPR_TYPES.get(qtype, ExprType.ANY), self._choices_of(raw, qtype))
        if name is not None and name not in self.refs:
            self.refs[name] = _Ref(position, kind, info)
        get = {k: raw.get(k) for k in allowed}
        label = ctx.texts(get.get("label"), f"{location}.label", required=True)
        hint = ctx.texts(get.get("hint"), f"{location}.hint", required=False)
        required = check_bool(get.get("required"), f"{location}.required", report)
        relevant = self._expression(get.get("relevant"), f"{location}.relevant", kind, None,
                                    position)
        constraint = self._expression(get.get("constraint"), f"{location}.constraint", kind,
                                      info, position + 1)
        message = ctx.texts(get.get("constraint_message"), f"{location}.constraint_message",
                            required=False)
        if message and constraint is None:
            report(f"{location}.constraint_message", _("A constraint message needs a constraint."))
        screen_out = self._expression(get.get("screen_out"), f"{location}.screen_out", kind,
                                      info, position + 1)
        if screen_out is not None:
            if kind != "respondent":
                report(f"{location}.screen_out",
                       _("Only questions in a respondent section can screen out."))
            elif self.first_screen_out is None:
                self.first_screen_out = (position, name or location)
        list_name = self._list(get.get("list"), qtype, location)
        integer = qtype == "integer"
        low = check_number(get.get("min"), f"{location}.min", report, integer=integer)
        high = check_number(get.get("max"), f"{location}.max", report, integer=integer)
        if low is not None and high is not None and low > high:
            report(f"{location}.max", _("max must not be smaller than min."))
        max_length = check_number(get.get("max_length"), f"{location}.max_length", report,
                                  integer=True)
        assert max_length is None or isinstance(max_length, int)
        if max_length is not None and not 1 <= max_length <= MAX_TEXT_LENGTH:
            report(f"{location}.max_length", _("max_length must be between 1 and %(max)s.",
                                               max=MAX_TEXT_LENGTH))
        unit_kind = get.get("unit_kind")
        if qtype in UNIT_TYPES:
            if unit_kind not in UNIT_KINDS:
                report(f"{location}.unit_kind", _("unit_kind must be district or department."))
            if kind != "respondent":
                report(f"{location}.type",
                       _("A unit question belongs in a respondent section."))
        stratum = check_bool(get.get("stratum"), f"{location}.stratum", report)
        if stratum and kind != "respondent":
            report(f"{location}.stratum", _("A stratum variable belongs in a respondent section."))
        scored, weight, dimension, overall = self._scoring(get, location, kind, list_name)
        if name is None:
            return None
        question = Question(
            name=name or "", type=str(qtype), label=label, section=self.stack[0][0], kind=kind,
            path=location, hint=hint, required=required,
            relevant=relevant[0] if relevant else None,
            constraint=constraint[0] if constraint else None, constraint_message=message,
            list_name=list_name, min=low, max=high, max_length=max_length, scored=scored,
            weight=weight, dimension=dimension, overall=overall, stratum=stratum,
            unit_kind=unit_kind if qtype in UNIT_TYPES else None,
            screen_out=screen_out[0] if screen_out else None,
        )
        self.questions.append(question)
        own = relevant[1] if relevant else None
        self.conditions[question.name] = (*(entry[2] for entry in self.stack), own)
        if stratum or (qtype == "select_one_unit" and unit_kind == "district"):
            self.strata.append((position, question))
        return question

    def _choices_of(self, raw: dict[str, Any], qtype: Any) -> frozenset[str] | None:
        if qtype in SELECT_TYPES and isinstance(raw.get("list"), str):
            choices = self.choice_lists.get(raw["list"])
            return frozenset(c.name for c in choices) if choices is not None else None
        return None

    def _list(self, value: Any, qtype: Any, location: str) -> str | None:
        if qtype not in SELECT_TYPES:
            return None
        if value is None or value == "":
            self.ctx.report(f"{location}.list", _("A %(type)s question needs a choice list.",
                                                  type=qtype))
            return None
        if not isinstance(value, str) or value not in self.choice_lists:
            self.ctx.report(f"{location}.list", _("Unknown choice list %(name)s.",
                                                  name=repr(value)[:60]))
            return None
        return value

    def _scoring(self, get: dict[str, Any], location: str, kind: str, list_name: str | None,
                 ) -> tuple[bool, int | float | None, str | None, bool]:
        report = self.ctx.report
        scored = check_bool(get.get("scored"), f"{location}.scored", report)
        weight = check_number(get.get("weight"), f"{location}.weight", report)
        dimension = None
        if get.get("dimension") is not None:
            dimension = check_text(get["dimension"], f"{location}.dimension", report,
                                   max_length=100) or None
        overall = check_bool(get.get("overall"), f"{location}.overall", report)
        if not scored:
            for key, value in (("weight", weight), ("dimension", dimension), ("overall", overall)):
                if value not in (None, False):
                    report(f"{location}.{key}", _("%(field)s is only for scored items (scored: "
                                                  "true).", field=key))
            return False, None, None, False
        if kind != "unit":
            report(f"{location}.scored", _("Scored items belong in a unit section."))
        if weight is None or weight <= 0:
            report(f"{location}.weight", _("A scored item needs a weight greater than 0."))
        choices = self.choice_lists.get(list_name or "")
        if choices:
            unscored = [c.name for c in choices if not c.missing and c.score is None]
            if unscored or all(c.missing for c in choices):
                report(f"{location}.list", _(
                    "Choice list %(list)s is used by a scored item: every option that is not a "
                    "missing code needs a score (missing: %(names)s).", list=list_name,
                    names=", ".join(unscored) or "-"))
        if overall:
            self.overall.append(location)
        self.scored_seen.append(location)
        return True, weight, dimension, overall

    def finish(self) -> dict[str, Compiled]:
        """Check every expression and the form-wide rules; return the compiled expressions."""
        ast: dict[str, Node] = {}
        for pending in self.pending:
            node, errors = check_expression(
                pending.source, self._visible(pending), current=pending.current,
                explain_unknown=partial(self._explain, pending=pending))
            for message in errors:
                self.ctx.report(pending.location, message)
            if node is not None:
                ast[pending.location] = node
        self._form_rules()
        compiled: dict[str, Compiled] = {}
        for q in self.questions:
            conditions = tuple(ast[loc] for loc in self.conditions[q.name] if loc in ast)
            compiled[q.name] = Compiled(conditions, ast.get(f"{q.path}.constraint"),
                                        ast.get(f"{q.path}.screen_out"))
        return compiled

    def _visible(self, pending: _Pending) -> dict[str, RefInfo]:
        return {name: ref.info for name, ref in self.refs.items()
                if ref.info is not None and ref.position < pending.position
                and (pending.kind == "unit" or ref.kind == "respondent")}

    def _explain(self, name: str, *, pending: _Pending) -> str:
        ref = self.refs.get(name)
        if ref is None:
            return _("Unknown question %(name)s.", name="${" + name + "}")
        if ref.info is None:
            return _("%(name)s is a note and has no answer.", name="${" + name + "}")
        if ref.kind == "unit" and pending.kind == "respondent":
            return _("%(name)s is asked once per unit and cannot be used here.",
                     name="${" + name + "}")
        return _("%(name)s is asked later; refer only to earlier questions.", name="${" + name + "}")

    def _form_rules(self) -> None:
        report = self.ctx.report
        if self.scored_seen and not self.overall:
            report(f"{self.scored_seen[0]}.overall",
                   _("Mark exactly one scored item as overall (overall: true)."))
        for location in self.overall[1:]:
            report(f"{location}.overall", _("Only one scored item can be marked overall."))
        if self.first_screen_out is not None:
            limit, screen_name = self.first_screen_out
            for position, q in self.strata:
                if position > limit:
                    report(f"{q.path}.stratum", _(
                        "The stratum variable %(name)s must be asked before the screen-out "
                        "question %(screen)s.", name=q.name, screen=screen_name))
        residence = [q for q in self.questions if q.type == "select_one_unit"
                     and q.unit_kind == "district"]
        selectors = [q for q in self.questions if q.type == "select_multiple_unit"]
        for q in residence[1:]:
            report(f"{q.path}.type", _("Only one question can ask the district of residence."))
        for q in selectors[1:]:
            report(f"{q.path}.type", _("Only one question can select the units to rate."))
