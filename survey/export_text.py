"""Text cells of exports and imports: no formula, no control character, always encodable.

Stored text comes from citizens and staff. Three kinds of it broke exports or would run:

- a cell starting with ``= + - @``, a tab or a carriage return is a formula to a spreadsheet
  (``=cmd|' /C calc'!A0``): it gets a leading apostrophe;
- XML 1.0 forbids most C0 control characters (NUL included) and U+FFFE/U+FFFF, so one comment
  with a NUL made openpyxl refuse the whole wave's XLSX (IllegalCharacterError);
- a lone surrogate (``"\\ud800"`` in a JSON body) cannot be encoded as UTF-8, so the CSV failed.

:func:`export_text` replaces every such character with U+FFFD (the replacement character), keeping
tabs and line breaks inside the text. Imports refuse the same characters with the row and
column (:func:`first_control_character`), so an export always imports again.
"""

from __future__ import annotations

import re

#: Leading characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: C0 controls except tab, line feed and carriage return; DEL; non-characters U+FFFE/U+FFFF;
#: and surrogates (which only exist alone in a Python str, never in valid UTF-8).
UNSAFE_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def export_text(text: str) -> str:
    """``text`` with control characters and lone surrogates replaced by U+FFFD."""
    return UNSAFE_CHARACTERS.sub(REPLACEMENT, text)


def safe_cell(value: object) -> object:
    """A cell for CSV or XLSX: text neutralised (formula apostrophe, U+FFFD for unsafe
    characters); numbers and None as they are."""
    if not isinstance(value, str):
        return value
    value = export_text(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def first_control_character(text: str) -> str | None:
    """The first character of ``text`` an import refuses (as ``U+0000``), or None."""
    match = UNSAFE_CHARACTERS.search(text)
    return None if match is None else f"U+{ord(match.group()):04X}"
