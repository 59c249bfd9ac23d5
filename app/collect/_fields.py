"""What the template needs to draw one question: ids, labels, options and their state.

Built in Python (labels cached per questionnaire and language) so that the template only
prints; this keeps a page with fifty options cheap to render.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from survey.questionnaire import Definition, Question
from survey.submissions import WaveUnits

SELECTS = ("select_one", "select_multiple", "select_one_unit", "select_multiple_unit")
MULTI = ("select_multiple", "select_multiple_unit")


@dataclass
class Option:
    id: str
    value: str
    label: str
    checked: bool


@dataclass
class Field:
    name: str
    kind: str  # note | choice | text | number
    label: str
    hint: str
    error: str
    required: bool
    multi: bool
    relevant: str | None
    options: list[Option]
    value: str
    max_length: int | None
    numeric_mode: str

    @property
    def described_by(self) -> str:
        ids = [f"q-{self.name}-hint"] if self.hint else []
        if self.error:
            ids.append(f"q-{self.name}-error")
        return " ".join(ids)


@lru_cache(maxsize=4096)
def _texts(definition: Definition, name: str, lang: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    q = definition.question(name)
    hint = definition.label(q.hint, lang) if q.hint else ""
    options: tuple[tuple[str, str], ...] = ()
    if q.type in ("select_one", "select_multiple") and q.list_name:
        options = tuple((c.name, definition.label(c, lang)) for c in definition.choices(q.list_name))
    return definition.label(q, lang), hint, options


def _unit_options(q: Question, units: WaveUnits, lang: str) -> list[tuple[str, str]]:
    index = 1 if lang == "en" else 0
    return [(code, units.names[code][index]) for code in units.ids
            if units.kinds.get(code) == q.unit_kind]


def field_views(definition: Definition, units: WaveUnits, questions: list[Question],
                values: dict[str, Any], errors: dict[str, str], lang: str) -> list[Field]:
    out = []
    for q in questions:
        label, hint, options = _texts(definition, q.name, lang)
        value = values.get(q.name)
        multi = q.type in MULTI
        views: list[Option] = []
        if q.type in SELECTS:
            pairs = options if q.type in ("select_one", "select_multiple") else _unit_options(q, units, lang)
            chosen = set(value) if multi and isinstance(value, list) else {value}
            views = [Option(f"q-{q.name}" if i == 0 else f"q-{q.name}-{i}", name, text, name in chosen)
                     for i, (name, text) in enumerate(pairs)]
        kind = ("note" if q.type == "note" else "choice" if q.type in SELECTS
                else "text" if q.type == "text" else "number")
        out.append(Field(
            name=q.name, kind=kind, label=label, hint=hint, error=errors.get(q.name, ""),
            required=q.required, multi=multi, relevant=q.relevant, options=views,
            value="" if value is None or isinstance(value, list) else str(value),
            max_length=q.max_length, numeric_mode="numeric" if q.type == "integer" else "decimal"))
    return out
