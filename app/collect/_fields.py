"""The markup of each question: ids, labels, options, hint, error and the typed answer.

Built in Python (labels and option markup cached per questionnaire and language) instead of a
Jinja macro: a macro call costs tens of microseconds, and a page has a dozen questions and
fifty options. Every text is escaped here; the template only prints the finished markup.

Accessibility (WCAG 2.1 AA): choices are a fieldset with a legend, other questions a label; the
hint and the error are tied to the control by ``aria-describedby``; an error sets
``aria-invalid``. The error summary links to ``#q-<name>`` (the first control of a question).

Live skip logic: a question asked only under conditions carries them in ``data-when``, as the
JSON form (:func:`expression_json`) of the trees the server parsed, so that ``static/js/survey.js``
evaluates exactly what the server will, with no parser of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from survey.questionnaire import Definition, Question
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
from survey.submission_store import WaveUnits

JSONTree = list[Any]


def expression_json(node: Node) -> JSONTree:
    """A parsed expression as nested JSON arrays: ``["num", 5]``, ``["str", "yes"]``,
    ``["ref", "q"]``, ``["cur"]``, ``["neg", x]``, ``["bin", op, left, right]``,
    ``["call", function, arg, ...]`` (what ``static/js/survey.js`` evaluates)."""
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


@lru_cache(maxsize=4096)
def _conditions(definition: Definition, name: str) -> str | None:
    """The JSON of every condition that decides whether ``name`` is asked (section, groups,
    its own ``relevant``; all must hold), or None when it is always asked."""
    compiled = definition.compiled.get(name)
    if compiled is None or not compiled.conditions:
        return None
    return json.dumps([expression_json(c) for c in compiled.conditions], ensure_ascii=False,
                      separators=(",", ":"))

SELECTS = ("select_one", "select_multiple", "select_one_unit", "select_multiple_unit")
MULTI = ("select_multiple", "select_multiple_unit")


@dataclass
class Field:
    name: str
    kind: str  # note | choice | text | number
    label: str
    hint: str
    error: str
    required: bool
    multi: bool
    conditions: str | None  # JSON (see :func:`_conditions`)
    options_html: Markup
    value: str
    max_length: int | None
    numeric_mode: str
    bounds: tuple[int | float | None, int | float | None] = (None, None)

    @property
    def described_by(self) -> str:
        ids = [f"q-{self.name}-hint"] if self.hint else []
        if self.error:
            ids.append(f"q-{self.name}-error")
        return " ".join(ids)

    def html(self, required_text: str, error_prefix: str) -> Markup:
        """This question's markup; ``required_text`` and ``error_prefix`` are translated."""
        name = escape(self.name)
        attrs = f' aria-describedby="{escape(self.described_by)}"' if self.described_by else ""
        if self.error:
            attrs += ' aria-invalid="true"'
        req = f' <span class="req">{escape(required_text)}</span>' if self.required else ""
        notes = f'<p class="hint" id="q-{name}-hint">{escape(self.hint)}</p>' if self.hint else ""
        if self.error:
            notes += (f'<p class="field-error" id="q-{name}-error"><span class="visually-hidden">'
                      f'{escape(error_prefix)}: </span>{escape(self.error)}</p>')
        head = f'<div class="question{" has-error" if self.error else ""}" data-name="{name}"'
        if self.kind == "number":
            head += f' data-type="{self.numeric_mode}"'
            for attribute, bound in zip(("data-min", "data-max"), self.bounds, strict=True):
                if bound is not None:
                    head += f' {attribute}="{bound}"'
        if self.conditions:
            head += f' data-when="{escape(self.conditions)}"'
        head += ">\n"
        label = escape(self.label)
        if self.kind == "note":
            body = f'  <p class="note" id="q-{name}">{label}</p>\n'
        elif self.kind == "choice":
            body = (f"  <fieldset{attrs}>\n    <legend>{label}{req}</legend>\n    {notes}\n"
                    f"    {self.options_html}\n  </fieldset>\n")
        elif self.kind == "text":
            limit = f' maxlength="{self.max_length}"' if self.max_length else ""
            body = (f'  <label for="q-{name}">{label}{req}</label>\n  {notes}\n'
                    f'  <textarea id="q-{name}" name="{name}"{limit}{attrs}>{escape(self.value)}</textarea>\n')
        else:
            body = (f'  <label for="q-{name}">{label}{req}</label>\n  {notes}\n'
                    f'  <input id="q-{name}" name="{name}" type="text" inputmode="{self.numeric_mode}" '
                    f'value="{escape(self.value)}" class="short"{attrs}>\n')
        return Markup(head + body + "</div>")


@lru_cache(maxsize=4096)
def _texts(definition: Definition, name: str, lang: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    q = definition.question(name)
    hint = definition.label(q.hint, lang) if q.hint else ""
    options: tuple[tuple[str, str], ...] = ()
    if q.type in ("select_one", "select_multiple") and q.list_name:
        options = tuple((c.name, definition.label(c, lang)) for c in definition.choices(q.list_name))
    return definition.label(q, lang), hint, options


def _unit_options(q: Question, units: WaveUnits, lang: str) -> tuple[tuple[str, str], ...]:
    index = 1 if lang == "en" else 0
    return tuple((code, units.names[code][index]) for code in units.ids
                 if units.kinds.get(code) == q.unit_kind)


@lru_cache(maxsize=4096)
def _option_markup(name: str, multi: bool, pairs: tuple[tuple[str, str], ...]
                   ) -> tuple[tuple[str, str, str], ...]:
    """Each option's HTML, unchecked and checked: (value, html, checked html). The first
    option's input has the question's id ``q-<name>`` (the error summary links to it)."""
    kind = "checkbox" if multi else "radio"
    out = []
    for i, (value, text) in enumerate(pairs):
        ident = f"q-{name}" if i == 0 else f"q-{name}-{i}"
        head = (f'<div class="choice"><input type="{kind}" name="{escape(name)}" '
                f'value="{escape(value)}" id="{escape(ident)}"')
        tail = f'> <label for="{escape(ident)}">{escape(text)}</label></div>\n'
        out.append((value, head + tail, head + " checked" + tail))
    return tuple(out)


def field_views(definition: Definition, units: WaveUnits, questions: list[Question],
                values: dict[str, Any], errors: dict[str, str], lang: str) -> list[Field]:
    out = []
    for q in questions:
        label, hint, options = _texts(definition, q.name, lang)
        value = values.get(q.name)
        multi = q.type in MULTI
        html = ""
        if q.type in SELECTS:
            pairs = options if q.type in ("select_one", "select_multiple") else _unit_options(q, units, lang)
            chosen = set(value) if multi and isinstance(value, list) else {value}
            html = "".join(on if name in chosen else off
                           for name, off, on in _option_markup(q.name, multi, pairs))
        kind = ("note" if q.type == "note" else "choice" if q.type in SELECTS
                else "text" if q.type == "text" else "number")
        out.append(Field(
            name=q.name, kind=kind, label=label, hint=hint, error=errors.get(q.name, ""),
            required=q.required, multi=multi, conditions=_conditions(definition, q.name),
            options_html=Markup(html),
            value="" if value is None or isinstance(value, list) else str(value),
            max_length=q.max_length, numeric_mode="numeric" if q.type == "integer" else "decimal",
            bounds=(q.min, q.max)))
    return out


def fixed_html(definition: Definition, units: WaveUnits, question: Question, code: str,
               lang: str, note: str) -> Markup:
    """A question the invitation answers (the district it was issued for): said, not asked.
    ``note`` (translated) says where the answer comes from."""
    label = _texts(definition, question.name, lang)[0]
    names = units.names.get(code, (code, code))
    name = (names[1] or names[0]) if lang == "en" else names[0]
    return Markup(f'<div class="prefilled" id="q-{escape(question.name)}">\n'
                  f'  <p class="prefilled-label">{escape(label)}</p>\n'
                  f'  <p class="prefilled-value"><strong>{escape(name)}</strong> '
                  f'<span class="hint">{escape(note)}</span></p>\n</div>')
