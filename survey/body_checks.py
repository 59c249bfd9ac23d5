"""What any submission body must be before anything reads it: JSON of bounded depth whose texts
are well-formed (DESIGN §6, §10). Shared by the JSON API and the HTML form's path into
:func:`survey.submissions.submit`.

A body nested deeper than :data:`MAX_DEPTH` is refused (Python's parser would otherwise hit its
recursion limit); a text holding a lone surrogate (``"\\ud800"``, which UTF-8 cannot encode) or a
control character other than tab, line feed and carriage return (NUL...) is refused with the
path of the field, e.g. ``ratings.D01.comment``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from survey.i18n import _

#: A submission is ``{"ratings": {unit: {item: value}}}`` at its deepest: 3 levels, plus room.
MAX_DEPTH = 8
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class BodyError(ValueError):
    """A body that cannot be a submission; ``errors`` are (field path, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def too_deep() -> BodyError:
    return BodyError([("body", _("The request body is nested too deeply (at most %(depth)d levels).",
                                 depth=MAX_DEPTH))])


def parse_json_body(raw: bytes) -> Any:
    """The decoded JSON of ``raw``, or None when it is not JSON; raises :class:`BodyError` when
    it is nested too deeply."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise too_deep() from None
    except ValueError:  # not JSON, or not UTF-8
        return None


def check_body(body: Any) -> None:
    """Raise :class:`BodyError` when ``body`` is nested deeper than :data:`MAX_DEPTH` or holds a
    malformed text (every such text is named)."""
    errors: list[tuple[str, str]] = []
    stack: list[tuple[Any, str, int]] = [(body, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise too_deep()
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and _BAD_TEXT.search(key):
                    errors.append((path or "body", _bad_text_message()))
                stack.append((item, where, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str) and _BAD_TEXT.search(value):
            errors.append((path or "body", _bad_text_message()))
    if errors:
        raise BodyError(sorted(errors))


def _bad_text_message() -> str:
    return _("This text holds a character that cannot be stored (a control character such as "
             "NUL, or a broken Unicode escape). Please remove it and send again.")
