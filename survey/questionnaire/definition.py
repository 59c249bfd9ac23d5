"""The parsed, validated questionnaire: immutable objects built by :func:`parse_definition`.

Objects here are never built by hand from untrusted data; :mod:`.validation` checks a JSON-like
dict and only then constructs them. ``Definition.to_dict()`` gives the canonical Minyi JSON
(optional fields left out when they hold their default).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .expressions import Node

FORMAT = "minyi-questionnaire/1"
SECTION_KINDS = ("respondent", "unit")
QUESTION_TYPES = (
    "select_one",
    "select_multiple",
    "integer",
    "decimal",
    "text",
    "note",
    "select_one_unit",
    "select_multiple_unit",
)
SELECT_TYPES = ("select_one", "select_multiple")
UNIT_TYPES = ("select_one_unit", "select_multiple_unit")
UNIT_KINDS = ("district", "department")

Texts = Mapping[str, str]  # language code → text


@dataclass(frozen=True)
class Choice:
    """One option of a choice list; ``score`` (0–100) for scored scales, ``missing`` for DK."""

    name: str
    label: Texts
    score: int | float | None = None
    missing: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "label": dict(self.label)}
        if self.score is not None:
            out["score"] = self.score
        if self.missing:
            out["missing"] = True
        return out


@dataclass(frozen=True)
class Question:
    """A question; ``section``/``kind`` say where it is asked, ``path`` where it is defined."""

    name: str
    type: str
    label: Texts
    section: str
    kind: str  # "respondent" or "unit"
    path: str
    hint: Texts = field(default_factory=dict)
    required: bool = False
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Texts = field(default_factory=dict)
    list_name: str | None = None
    min: int | float | None = None
    max: int | float | None = None
    max_length: int | None = None
    scored: bool = False
    weight: int | float | None = None
    dimension: str | None = None
    overall: bool = False
    stratum: bool = False
    unit_kind: str | None = None
    screen_out: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "label": dict(self.label)}
        optional: dict[str, Any] = {
            "hint": dict(self.hint),
            "required": self.required,
            "relevant": self.relevant,
            "constraint": self.constraint,
            "constraint_message": dict(self.constraint_message),
            "list": self.list_name,
            "min": self.min,
            "max": self.max,
            "max_length": self.max_length,
            "scored": self.scored,
            "weight": self.weight,
            "dimension": self.dimension,
            "overall": self.overall,
            "stratum": self.stratum,
            "unit_kind": self.unit_kind,
            "screen_out": self.screen_out,
        }
        # identity checks: a bound of 0 is kept (0 == False)
        out.update({k: v for k, v in optional.items() if v is not None and v is not False and v != {}})
        return out


@dataclass(frozen=True)
class Group:
    """A nested group of items, shown on its section's page; ``relevant`` applies to all."""

    name: str
    label: Texts
    items: tuple[Item, ...]
    relevant: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "group", "name": self.name, "label": dict(self.label)}
        if self.relevant is not None:
            out["relevant"] = self.relevant
        out["items"] = [item.to_dict() for item in self.items]
        return out


Item = Question | Group


@dataclass(frozen=True)
class Section:
    """A page: ``respondent`` sections are asked once, ``unit`` sections once per rated unit."""

    name: str
    kind: str
    title: Texts
    items: tuple[Item, ...]
    relevant: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "title": dict(self.title)}
        if self.relevant is not None:
            out["relevant"] = self.relevant
        out["items"] = [item.to_dict() for item in self.items]
        return out

    @property
    def questions(self) -> tuple[Question, ...]:
        """The section's questions in order, groups flattened."""
        return tuple(_flatten(self.items))


def _flatten(items: tuple[Item, ...]) -> list[Question]:
    out: list[Question] = []
    for item in items:
        if isinstance(item, Group):
            out.extend(_flatten(item.items))
        else:
            out.append(item)
    return out


@dataclass(frozen=True)
class ScoredItem:
    """A scored item as the analysis needs it (points on 0–100, NaN for missing codes)."""

    name: str
    weight: float
    dimension: str | None
    overall: bool
    option_names: tuple[str, ...]
    option_points: tuple[float, ...]  # NaN for a missing-code option
    top2: tuple[str, ...]  # the two best-scored options (ties keep list order)

    @property
    def missing_options(self) -> tuple[str, ...]:
        return tuple(n for n, p in zip(self.option_names, self.option_points, strict=True)
                     if math.isnan(p))

    def points(self, option: str) -> float | None:
        """Points of ``option``; None for a missing code or an unknown option."""
        for name, value in zip(self.option_names, self.option_points, strict=True):
            if name == option:
                return None if math.isnan(value) else value
        return None


@dataclass(frozen=True)
class Compiled:
    """Parsed expressions of one question: every enclosing condition, constraint, screen-out."""

    conditions: tuple[Node, ...]  # section, group and own ``relevant``, outermost first
    constraint: Node | None
    screen_out: Node | None


@dataclass(frozen=True, eq=False)
class Definition:
    """A valid questionnaire. Compare definitions with ``to_dict()``."""

    form_id: str
    title: Texts
    languages: tuple[str, ...]
    default_language: str
    choice_lists: Mapping[str, tuple[Choice, ...]]
    sections: tuple[Section, ...]
    version_label: str = ""
    compiled: Mapping[str, Compiled] = field(default_factory=dict, repr=False)
    #: What the survey is about, shown on its start page (``{}``: the site's generic text).
    introduction: Texts = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The canonical Minyi JSON document (a fresh, JSON-serialisable dict)."""
        out: dict[str, Any] = {"format": FORMAT, "form_id": self.form_id}
        if self.version_label:
            out["version_label"] = self.version_label
        out["title"] = dict(self.title)
        if self.introduction:
            out["introduction"] = dict(self.introduction)
        out["languages"] = list(self.languages)
        out["default_language"] = self.default_language
        out["choice_lists"] = {
            name: [choice.to_dict() for choice in choices]
            for name, choices in self.choice_lists.items()
        }
        out["sections"] = [section.to_dict() for section in self.sections]
        return out

    # Derived views are cached: a Definition never changes once built.

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """Every question (notes included) in the order asked."""
        return tuple(q for section in self.sections for q in section.questions)

    @cached_property
    def _by_name(self) -> dict[str, Question]:
        return {q.name: q for q in self.questions}

    @cached_property
    def respondent_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.kind == "respondent")

    @cached_property
    def unit_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.kind == "unit")

    @cached_property
    def scored_items(self) -> tuple[ScoredItem, ...]:
        out = []
        for q in self.questions:
            if not q.scored or q.list_name is None or q.weight is None:
                continue
            choices = self.choice_lists[q.list_name]
            points = tuple(
                math.nan if c.missing or c.score is None else float(c.score) for c in choices
            )
            ranked = sorted(
                (i for i, p in enumerate(points) if not math.isnan(p)), key=lambda i: -points[i]
            )
            out.append(ScoredItem(
                name=q.name, weight=float(q.weight), dimension=q.dimension, overall=q.overall,
                option_names=tuple(c.name for c in choices), option_points=points,
                top2=tuple(choices[i].name for i in ranked[:2]),
            ))
        return tuple(out)

    @property
    def overall_item(self) -> ScoredItem | None:
        return next((item for item in self.scored_items if item.overall), None)

    @property
    def stratum_variables(self) -> tuple[Question, ...]:
        """Weighting variables: ``stratum`` questions and the district of residence."""
        residence = self.residence_question
        return tuple(q for q in self.questions if q.stratum or q is residence)

    @property
    def residence_question(self) -> Question | None:
        """The ``select_one_unit`` question with ``unit_kind`` district, if any."""
        return next((q for q in self.questions
                     if q.type == "select_one_unit" and q.unit_kind == "district"), None)

    @property
    def unit_selector(self) -> Question | None:
        """The ``select_multiple_unit`` question ("which departments have you dealt with?")."""
        return next((q for q in self.questions if q.type == "select_multiple_unit"), None)

    @property
    def screen_out_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.screen_out is not None)

    def question(self, name: str) -> Question:
        """The question called ``name``; ``KeyError`` if there is none."""
        return self._by_name[name]

    def choices(self, list_name: str) -> tuple[Choice, ...]:
        """The options of ``list_name``; ``KeyError`` if there is no such list."""
        return self.choice_lists[list_name]

    def section(self, name: str) -> Section:
        for section in self.sections:
            if section.name == name:
                return section
        raise KeyError(name)

    def label(self, obj: Texts | Question | Choice | Group | Section, lang: str | None = None) -> str:
        """Text of ``obj`` (a texts mapping or anything with a label/title) in ``lang``.

        Falls back to the default language, then to any language, then to ``""``.
        """
        if isinstance(obj, Section):
            texts: Texts = obj.title
        elif isinstance(obj, Question | Choice | Group):
            texts = obj.label
        else:
            texts = obj
        for candidate in (lang, self.default_language, *self.languages):
            if candidate and texts.get(candidate):
                return texts[candidate]
        return next(iter(texts.values()), "")
