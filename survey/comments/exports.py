"""A unit's comments of one period as CSV or XLSX: redacted, formula-safe, header-keyed.

The office's file has every comment with its question, stratum and survey weight; a unit's file
has only the comments the k rule lets it see, and neither stratum nor weight (a weight follows
from the respondent's weighting cell). Rows come in listing order (least satisfied first), never
in submission order. Text cells that a spreadsheet would run as a formula get a leading
apostrophe; the texts were redacted when they were extracted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from survey.comments.browse import listing_order
from survey.comments.extract import CommentRecord
from survey.evaluation.exports import escape_text
from survey.xlsx_bytes import first_sheet, workbook_bytes

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
UNIT_COLUMNS = ("period", "unit_code", "unit_name", "score", "satisfaction", "comment")
OFFICE_COLUMNS = ("period", "unit_code", "unit_name", "question", "score", "satisfaction",
                  "weight", "stratum", "comment")


def satisfaction_code(comment: CommentRecord) -> str:
    if comment.dissatisfied is None:
        return ""
    return "dissatisfied" if comment.dissatisfied else "satisfied"


def comment_table(comments: Sequence[CommentRecord], period: str, unit_code: str, unit_name: str,
                  office: bool) -> tuple[tuple[str, ...], list[list[object]]]:
    """The header and rows (numbers as numbers, text formula-escaped)."""
    header = OFFICE_COLUMNS if office else UNIT_COLUMNS
    rows: list[list[object]] = []
    for c in listing_order(comments):
        score = round(c.score, 2) if c.score is not None else None
        values: dict[str, object] = {
            "period": escape_text(period), "unit_code": escape_text(unit_code),
            "unit_name": escape_text(unit_name), "question": escape_text(c.question), "score": score,
            "satisfaction": satisfaction_code(c), "weight": round(c.weight, 6),
            "stratum": escape_text(c.stratum), "comment": escape_text(c.text)}
        rows.append([values[column] for column in header])
    return header, rows


def export_comments(comments: Sequence[CommentRecord], fmt: str, *, period: str, unit_code: str,
                    unit_name: str, office: bool, moment: datetime) -> bytes:
    """The file's bytes: UTF-8 CSV with BOM (opens in Excel), or XLSX stamped with ``moment``."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    header, rows = comment_table(comments, period, unit_code, unit_name, office)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = first_sheet(workbook)
    sheet.title = "comments"
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    return workbook_bytes(workbook, moment.replace(tzinfo=None))
