"""Checks of single field values used while validating a definition (collect, never raise)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from survey.i18n import _

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
CHOICE_NAME = re.compile(r"[^\s'\"]+")
LANGUAGE = re.compile(r"[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_NAME = 64
MAX_TEXT = 2000

Report = Callable[[str, str], None]  # (location, message)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_identifier(value: Any, location: str, report: Report) -> str | None:
    """A name such as a question, group, section, list or form id."""
    if not isinstance(value, str) or not value:
        report(location, _("A name is required."))
        return None
    if len(value) > MAX_NAME or not IDENTIFIER.fullmatch(value):
        report(location, _(
            "%(value)s is not a valid name: use letters, digits and _ (at most %(max)s "
            "characters), not starting with a digit.", value=repr(value)[:80], max=MAX_NAME))
        return None
    return value


def check_text(value: Any, location: str, report: Report, *, max_length: int = MAX_TEXT) -> str | None:
    """A single line or paragraph of text; stripped; control characters refused."""
    if not isinstance(value, str):
        report(location, _("Text expected."))
        return None
    text = value.strip()
    if len(text) > max_length:
        report(location, _("The text is too long (at most %(max)s characters).", max=max_length))
        return None
    if CONTROL.search(text):
        report(location, _("The text contains control characters."))
        return None
    return text


def check_texts(
    value: Any, location: str, report: Report, languages: tuple[str, ...], default: str,
    *, required: bool,
) -> dict[str, str]:
    """A ``{language: text}`` mapping (or a plain string in the default language).

    Texts are stripped, empty ones dropped; with ``required`` the default language must be there.
    """
    if value is None:
        value = {}
    if isinstance(value, str) and default:
        value = {default: value}  # a plain string is the default language's text
    if not isinstance(value, dict):
        report(location, _("Expected texts by language, e.g. {\"zh\": \"...\", \"en\": \"...\"}."))
        return {}
    out: dict[str, str] = {}
    for lang, text in value.items():
        if lang not in languages:
            report(f"{location}.{lang}", _(
                "Language %(lang)s is not one of the questionnaire's languages (%(languages)s).",
                lang=repr(lang)[:20], languages=", ".join(languages)))
            continue
        checked = check_text(text, f"{location}.{lang}", report)
        if checked:
            out[lang] = checked
    if required and default and not out.get(default):
        report(location, _("A label in the default language (%(lang)s) is required.", lang=default))
    return out


def check_bool(value: Any, location: str, report: Report) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        report(location, _("Expected true or false."))
        return False
    return value


def check_number(value: Any, location: str, report: Report, *, integer: bool = False) -> int | float | None:
    """A finite JSON number; an integral float is normalised to an int."""
    if value is None:
        return None
    if not is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        report(location, _("Expected a number."))
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)
    if integer and not isinstance(value, int):
        report(location, _("Expected a whole number."))
        return None
    number: int | float = value
    return number
