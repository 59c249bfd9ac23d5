"""Defensive reading of an .xlsx upload into plain rows (no formulas, bounded size).

The workbook is opened read-only with formulas kept as text so that nothing is evaluated; a
formula cell is an error. Size is checked before openpyxl sees the file (compressed and
uncompressed, against zip bombs).
"""

from __future__ import annotations

import datetime
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from survey.i18n import _

from .errors import XLSFormIssue

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 200


@dataclass
class Row:
    """One spreadsheet row: 1-based ``number`` and values keyed by (lower-cased) header."""

    number: int
    values: dict[str, Any]

    def get(self, column: str) -> Any:
        return self.values.get(column)


@dataclass
class Sheet:
    name: str
    headers: list[str]
    rows: list[Row] = field(default_factory=list)

    def has(self, column: str) -> bool:
        return column in self.headers


def _load_bytes(source: str | Path | bytes, issues: list[XLSFormIssue]) -> bytes | None:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        path = Path(source)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                data = b"x" * (MAX_FILE_BYTES + 1)
            else:
                data = path.read_bytes()
        except OSError:
            issues.append(XLSFormIssue(None, None, None, _("The file cannot be read.")))
            return None
    if len(data) > MAX_FILE_BYTES:
        issues.append(XLSFormIssue(None, None, None, _(
            "The file is too large (at most %(max)s MB).", max=MAX_FILE_BYTES // (1024 * 1024))))
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                issues.append(XLSFormIssue(None, None, None, _("The workbook is too large.")))
                return None
    except zipfile.BadZipFile:
        issues.append(XLSFormIssue(None, None, None, _("This is not an .xlsx workbook.")))
        return None
    return data


def read_workbook(source: str | Path | bytes, issues: list[XLSFormIssue]) -> dict[str, Sheet] | None:
    """Read every sheet (by lower-cased name) into :class:`Sheet`; problems go to ``issues``."""
    import openpyxl  # imported here: no work at import time for callers that never upload

    data = _load_bytes(source, issues)
    if data is None:
        return None
    sheets: dict[str, Sheet] = {}
    with warnings.catch_warnings():
        # openpyxl warns about unsupported extensions (data validation, styles): irrelevant here
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                              keep_vba=False, keep_links=False)
        except Exception:  # noqa: BLE001 - any parser failure is "not a readable workbook"
            issues.append(XLSFormIssue(None, None, None, _("The workbook cannot be read.")))
            return None
        try:
            for worksheet in workbook.worksheets:
                sheet = _read_sheet(worksheet, issues)
                sheets.setdefault(sheet.name.lower(), sheet)
        except Exception:  # noqa: BLE001 - a corrupt sheet part
            issues.append(XLSFormIssue(None, None, None, _("The workbook cannot be read.")))
            return None
        finally:
            workbook.close()
    return sheets


def _read_sheet(worksheet: Any, issues: list[XLSFormIssue]) -> Sheet:
    name = str(worksheet.title)
    worksheet.reset_dimensions()  # do not trust a stored dimension: read what is there
    sheet = Sheet(name, [])
    for number, cells in enumerate(worksheet.iter_rows(), start=1):
        if number > MAX_ROWS:
            issues.append(XLSFormIssue(name, number, None, _(
                "Too many rows (at most %(max)s).", max=MAX_ROWS)))
            break
        cells = cells[:MAX_COLUMNS]
        if number == 1:
            sheet.headers = [_header(cell.value) for cell in cells]
            _check_headers(sheet, issues)
            continue
        values: dict[str, Any] = {}
        for index, cell in enumerate(cells):
            header = sheet.headers[index] if index < len(sheet.headers) else ""
            value = _value(cell, name, number, header, issues)
            if value is not None and header:
                values[header] = value
        if values:
            sheet.rows.append(Row(number, values))
    return sheet


def _header(value: Any) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    base, sep, lang = text.partition("::")
    return f"{base.strip().lower()}{sep}{lang.strip()}" if sep else text.lower()


def _check_headers(sheet: Sheet, issues: list[XLSFormIssue]) -> None:
    seen: set[str] = set()
    for header in sheet.headers:
        if header and header in seen:
            issues.append(XLSFormIssue(sheet.name, 1, header, _(
                "The column %(column)s appears twice.", column=header)))
        seen.add(header)


def _value(cell: Any, sheet: str, row: int, column: str, issues: list[XLSFormIssue]) -> Any:
    if getattr(cell, "data_type", None) == "f":
        issues.append(XLSFormIssue(sheet, row, column or None, _(
            "Formulas are not allowed; type the value itself.")))
        return None
    if getattr(cell, "data_type", None) == "e":
        issues.append(XLSFormIssue(sheet, row, column or None, _(
            "The cell holds a spreadsheet error (%(value)s).", value=str(cell.value)[:20])))
        return None
    value = cell.value
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, datetime.datetime | datetime.date | datetime.time | datetime.timedelta):
        issues.append(XLSFormIssue(sheet, row, column or None, _(
            "A date or time is not expected here.")))
        return None
    return value
