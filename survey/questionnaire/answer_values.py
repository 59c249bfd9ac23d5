"""Normalising one submitted answer to its question's type (the per-value checks)."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping

from survey.i18n import _

from .definition import Definition, Question

MAX_FREE_TEXT = 10000
MAX_MAGNITUDE = 10**15
_INTEGER = re.compile(r"[+-]?[0-9]{1,15}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,15}(?:\.[0-9]*)?|\.[0-9]+)")


def is_empty(value: object) -> bool:
    """None, blank text and an empty list are "no answer"."""
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, list | tuple) and not value)


def _names(raw: object) -> list[str] | None:
    """A list of names from a list (of text or whole numbers) or a space-separated string."""
    if isinstance(raw, str):
        return list(dict.fromkeys(raw.split()))
    if not isinstance(raw, list | tuple):
        return None
    out: list[str] = []
    for item in raw:
        if isinstance(item, int) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str) or not item.strip():
            return None
        out.append(item.strip())
    return list(dict.fromkeys(out))


def _name(raw: object) -> str | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    return raw.strip() if isinstance(raw, str) else None


def clean_value(
    definition: Definition,
    question: Question,
    raw: object,
    *,
    allowed_units: Collection[str] | None = None,
    unit_kinds: Mapping[str, str] | None = None,
) -> tuple[object, str | None]:
    """Return ``(normalised value or None if unanswered, translated error or None)``."""
    if is_empty(raw):
        return None, None
    qtype = question.type
    if qtype == "select_one":
        name = _name(raw)
        if name is None:
            return None, _("Expected one choice.")
        if name not in {c.name for c in definition.choices(question.list_name or "")}:
            return None, _("%(value)s is not one of the choices.", value=repr(name)[:60])
        return name, None
    if qtype == "select_multiple":
        names = _names(raw)
        if names is None:
            return None, _("Expected a list of choices.")
        order = [c.name for c in definition.choices(question.list_name or "")]
        unknown = [n for n in names if n not in order]
        if unknown:
            return None, _("%(values)s: not among the choices.", values=", ".join(unknown)[:200])
        return [n for n in order if n in names], None
    if qtype in ("integer", "decimal"):
        return _number(question, raw)
    if qtype == "text":
        if not isinstance(raw, str):
            return None, _("Expected text.")
        text = raw.strip()
        limit = question.max_length or MAX_FREE_TEXT
        if len(text) > limit:
            return None, _("At most %(max)s characters (this answer has %(length)s).",
                           max=limit, length=len(text))
        return text, None
    if qtype == "select_one_unit":
        code = _name(raw)
        if code is None:
            return None, _("Expected a unit code.")
        error = _unit_error([code], question, allowed_units, unit_kinds)
        return (None, error) if error else (code, None)
    if qtype == "select_multiple_unit":
        codes = _names(raw)
        if codes is None:
            return None, _("Expected a list of unit codes.")
        error = _unit_error(codes, question, allowed_units, unit_kinds)
        return (None, error) if error else (codes, None)
    return None, _("This is a note; it takes no answer.")


def _unit_error(codes: list[str], question: Question, allowed_units: Collection[str] | None,
                unit_kinds: Mapping[str, str] | None) -> str | None:
    bad = [c for c in codes if (allowed_units is not None and c not in allowed_units)
           or (unit_kinds is not None and unit_kinds.get(c) != question.unit_kind)]
    if bad:
        return _("%(codes)s: not a unit that can be chosen here.", codes=", ".join(bad)[:200])
    return None


def _number(question: Question, raw: object) -> tuple[object, str | None]:
    integer = question.type == "integer"
    value: int | float | None = None
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, int) or isinstance(raw, float) and math.isfinite(raw):
        value = raw
    elif isinstance(raw, str) and (_INTEGER if integer else _DECIMAL).fullmatch(raw.strip()):
        value = int(raw.strip()) if integer else float(raw.strip())
    if integer and isinstance(value, float):
        value = int(value) if value.is_integer() and abs(value) < 2**53 else None
    if value is None:
        return None, _("Expected a whole number.") if integer else _("Expected a number.")
    if abs(value) > MAX_MAGNITUDE:
        return None, _("The number is too large.")
    if not integer:
        value = float(value)
    if question.min is not None and value < question.min:
        return None, _("Must be at least %(min)s.", min=question.min)
    if question.max is not None and value > question.max:
        return None, _("Must be at most %(max)s.", max=question.max)
    return value, None
