"""Reading uploaded tables defensively: CSV (UTF-8 with or without BOM, then GB18030) or the
first sheet of an .xlsx (openpyxl, read-only, cached values: formulas are never evaluated).

Rows come back keyed by their (lower-cased, stripped) header, with their 1-based file row
number, so that validators can report ``row N, column X`` (DESIGN §8, §11).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from survey.errors import ValidationFailed
from survey.i18n import _

#: The largest table file accepted (the web layer also caps request bodies).
MAX_TABLE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000


@dataclass
class Table:
    """Header names and rows (``(row number, {header: text})``) of an uploaded table."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def decode_text(data: bytes) -> str:
    """Decode an uploaded text file: UTF-8 (BOM allowed), then GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ValidationFailed(
            [("file", _("The file is neither UTF-8 nor GB18030 text."))]) from None


def read_table(filename: str, data: bytes, *, max_bytes: int = MAX_TABLE_BYTES) -> Table:
    """Read a .csv or .xlsx upload into a :class:`Table`; ``ValidationFailed`` when unreadable."""
    if len(data) > max_bytes:
        raise ValidationFailed([("file", _("The file is too large (at most %(max)s MB).",
                                           max=max_bytes // (1024 * 1024)))])
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")):
        rows = list(csv.reader(io.StringIO(decode_text(data), newline="")))
    else:
        raise ValidationFailed([("file", _("Upload a .csv or .xlsx file."))])
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ValidationFailed([("file", _("The file is empty: the first row must name the "
                                           "columns."))])
    if len(rows) > MAX_ROWS + 1:
        raise ValidationFailed([("file", _("The file has more than %(max)s rows.", max=MAX_ROWS))])
    header = [cell.strip().lower().lstrip("\ufeff") for cell in rows[0]]
    table = Table(header=header)
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines are ignored
        values = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header) if h}
        table.rows.append((number, values))
    return table


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationFailed([("file", _("The file is not a readable .xlsx workbook."))]) from None
    try:
        sheet = workbook.worksheets[0]
        out: list[list[str]] = []
        for row in sheet.iter_rows(values_only=True):
            out.append([_cell_text(value) for value in row])
            if len(out) > MAX_ROWS + 1:
                break
        return out
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
