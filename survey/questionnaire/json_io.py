"""Minyi JSON text in and out (canonical: sorted keys, UTF-8 text, two-space indent)."""

from __future__ import annotations

import json

from survey.i18n import _

from .definition import Definition
from .errors import DefinitionError, DefinitionIssue
from .validation import parse_definition

MAX_JSON_BYTES = 5 * 1024 * 1024


def definition_from_json(text: bytes | str) -> Definition:
    """Decode a Minyi JSON document (UTF-8, BOM allowed) and validate it.

    Raises :class:`DefinitionError` for undecodable or invalid input.
    """
    if len(text) > MAX_JSON_BYTES:
        raise DefinitionError([DefinitionIssue("", _(
            "The file is too large (at most %(max)s MB).", max=MAX_JSON_BYTES // (1024 * 1024)))])
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DefinitionError([DefinitionIssue("", _("The file is not UTF-8 text."))]) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise DefinitionError([DefinitionIssue("", _("The file is not valid JSON: %(error)s",
                                                     error=str(exc)[:200]))]) from None
    return parse_definition(data)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def definition_to_json(definition: Definition) -> str:
    """The canonical JSON text of ``definition`` (sorted keys, ``ensure_ascii=False``)."""
    return json.dumps(definition.to_dict(), ensure_ascii=False, sort_keys=True, indent=2) + "\n"
