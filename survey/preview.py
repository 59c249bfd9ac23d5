"""A questionnaire tried as a citizen answers it, without storing anything.

The preview walks the same pages as the survey (:mod:`survey.drafts`: respondent sections, then
the unit sections once per rated unit), checks each page with the same validator
(:func:`survey.questionnaire.validate_answers`) and applies the same skip logic and screen-outs.
Its answers live only in the page (a hidden field posted back with each page); nothing is
written to the database, so leaving the preview throws them away.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from survey.drafts import Step, page_questions, rateable_units, survey_steps
from survey.questionnaire import Definition, Question, screened_out_by, validate_answers
from survey.questionnaire.expressions import (
    Binary,
    Call,
    Current,
    Negate,
    Node,
    Number,
    Ref,
    String,
)

MULTI_TYPES = ("select_multiple", "select_multiple_unit")
#: The largest preview state accepted back from the page (it only holds one person's answers).
MAX_STATE_CHARS = 200_000


@dataclass(frozen=True)
class PreviewUnits:
    """The units a respondent may choose in the preview: code → kind, code → (zh, en) name."""

    kinds: dict[str, str]
    names: dict[str, tuple[str, str]]

    def name(self, code: str, lang: str) -> str:
        zh, en = self.names.get(code, (code, code))
        return (en or zh) if lang == "en" else zh


@dataclass
class PreviewState:
    """Cleaned answers so far: respondent answers and one block per rated unit."""

    answers: dict[str, Any] = field(default_factory=dict)
    ratings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"a": self.answers, "r": self.ratings}, ensure_ascii=False,
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> PreviewState:
        """The state posted back by the page; anything unreadable starts afresh."""
        try:
            data = json.loads(text) if text and len(text) <= MAX_STATE_CHARS else {}
        except (ValueError, RecursionError):  # RecursionError: nesting thousands deep
            data = {}
        answers = data.get("a") if isinstance(data, dict) else None
        ratings = data.get("r") if isinstance(data, dict) else None
        return cls(answers if isinstance(answers, dict) else {},
                   {k: v for k, v in ratings.items() if isinstance(v, dict)}
                   if isinstance(ratings, dict) else {})


def steps(definition: Definition, state: PreviewState, units: PreviewUnits) -> list[Step]:
    """The pages of the survey given the answers so far (the citizen's own rule)."""
    rated = rateable_units(definition, state.answers, dict.fromkeys(units.kinds, 0), units.kinds, None)
    return survey_steps(definition, state.answers, rated)


def questions_of(definition: Definition, state: PreviewState, step: Step,
                 values: Mapping[str, Any]) -> list[Question]:
    """The questions a page shows (relevant given the answers so far, or decided on the page)."""
    if step.unit:
        return page_questions(definition, step.section, state.answers, values)
    return page_questions(definition, step.section, {**state.answers, **values})


@dataclass(frozen=True)
class PageCheck:
    """The outcome of sending one page: errors by question name (the page again), or the new
    state and the page to show next (``None``: the survey is over)."""

    errors: dict[str, str]
    other_errors: list[str]
    state: PreviewState
    next_page: int | None
    screened_out: str | None = None


def check_page(definition: Definition, state: PreviewState, units: PreviewUnits, page: int,
               values: dict[str, Any], lang: str) -> PageCheck:
    """Validate the answers of page ``page`` as the survey does; keep them when valid."""
    plan = steps(definition, state, units)
    step = plan[page]
    common: dict[str, Any] = {"allowed_units": units.kinds, "unit_kinds": units.kinds,
                              "language": lang, "sections": {step.section}}
    if step.unit:
        result = validate_answers(definition, state.answers,
                                  {step.unit: {**state.ratings.get(step.unit, {}), **values}}, **common)
        prefix = f"ratings.{step.unit}."
        errors = [(p.removeprefix(prefix), m) for p, m in result.errors
                  if p.startswith(prefix) or p == "ratings"]
    else:
        result = validate_answers(definition, {**state.answers, **values}, {}, **common)
        errors = list(result.errors)
    if errors:
        names = {q.name for q in questions_of(definition, state, step, values)}
        by_name: dict[str, str] = {}
        other = []
        for name, message in errors:
            if name in names:
                by_name.setdefault(name, message)
            else:
                other.append(message)
        return PageCheck(by_name, other, state, page)
    if step.unit:
        new = PreviewState(dict(state.answers), {**state.ratings,
                                                 step.unit: result.ratings.get(step.unit, {})})
    else:
        new = PreviewState(result.answers, dict(state.ratings))
    plan = steps(definition, new, units)
    rated = {s.unit for s in plan if s.unit}
    new.ratings = {code: v for code, v in new.ratings.items() if code in rated}
    screened = screened_out_by(definition, new.answers)
    following = page + 1 if page + 1 < len(plan) else None
    return PageCheck({}, [], new, following, screened)


def page_values(state: PreviewState, step: Step) -> dict[str, Any]:
    """The answers already given on a page (shown again when it is revisited)."""
    return dict(state.ratings.get(step.unit, {}) if step.unit else state.answers)


class PostedForm(Protocol):
    """A posted form as the web layer hands it over (werkzeug's ``MultiDict``)."""

    def get(self, key: str, default: str, /) -> str: ...

    def getlist(self, key: str) -> list[Any]: ...


def posted_values(questions: list[Question], form: PostedForm) -> dict[str, Any]:
    """A page's answers from a posted form (``form.getlist`` for multiple choices)."""
    values: dict[str, Any] = {}
    for q in questions:
        if q.type == "note":
            continue
        values[q.name] = form.getlist(q.name) if q.type in MULTI_TYPES else form.get(q.name, "")
    return values


def expression_json(node: Node) -> list[Any]:
    """A parsed condition as the JSON tree the survey pages' script evaluates
    (``["bin", "=", ["ref", "q"], ["str", "x"]]``); the same form as the citizen's pages."""
    if isinstance(node, Number):
        return ["num", node.value]
    if isinstance(node, String):
        return ["str", node.value]
    if isinstance(node, Ref):
        return ["ref", node.name]
    if isinstance(node, Current):
        return ["cur"]
    if isinstance(node, Negate):
        return ["neg", expression_json(node.operand)]
    if isinstance(node, Binary):
        return ["bin", node.op, expression_json(node.left), expression_json(node.right)]
    assert isinstance(node, Call)
    return ["call", node.function, *(expression_json(arg) for arg in node.args)]


def conditions_json(definition: Definition, name: str) -> str | None:
    """Every condition deciding whether question ``name`` is asked, as JSON (None: always)."""
    compiled = definition.compiled.get(name)
    if compiled is None or not compiled.conditions:
        return None
    return json.dumps([expression_json(c) for c in compiled.conditions], ensure_ascii=False,
                      separators=(",", ":"))
