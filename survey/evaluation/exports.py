"""Exports of a run's results: the DESIGN §8 columns, then the evidence behind each verdict.

Columns: the DESIGN §8 columns in their order, then ``sum_w, deff``, the rank confidence sets of
the SI and of the total (``*_rankset_low/high``), the status of each tier (``*_tier_status``:
final, provisional, indicative, confirmed or cleared — the plain codes in every format, so that
scripts can read them), ``n_needed`` (valid ratings needed for a unit short of them) and
``office_decisions`` (the office's decisions on provisional placements, one line per row:
``scope: decision from → to (by): reason``, joined by `` | ``) and ``consec_bottom_evidence``
(for a CONSEC_BOTTOM unit of an annual run, each year's total tier, status, rank and rank set).

CSV and XLSX write numbers with 6 decimals (counts, ranks and rank sets as integers). JSON writes
every float at full precision (the shortest repr that reads back as the same double), so that
``json.loads`` gives back exactly the stored value; NaN and empty values are ``null``. Flags are
sorted and joined by ``;``; text cells that start with ``= + - @``, a tab or a carriage return get
a leading ``'`` against spreadsheet formula injection, and control characters (NUL...) or lone
surrogates in a text become U+FFFD (:mod:`survey.export_text`). The same run always gives the same bytes:
the XLSX has fixed document and zip timestamps (the run's publication or creation time). The
XLSX of a run that corrected another has a second sheet, ``correction``: the reason and what
changed per unit, rounded (:data:`CORRECTION_COLUMNS`).
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime
from typing import Any

from survey.evaluation.decisions import consec_bottom_text, decision_text
from survey.export_text import safe_cell
from survey.models import EvaluationResult, EvaluationRun
from survey.xlsx_bytes import first_sheet, workbook_bytes

#: The DESIGN §8 columns, in their order.
DESIGN_COLUMNS: tuple[str, ...] = (
    "period", "unit_code", "unit_name", "peer_group", "n_valid", "n_eff", "si", "si_se",
    "si_ci_low", "si_ci_high", "sat_rate_top2", "dk_rate", "social_method", "social_max",
    "social_points", "social_points_linear", "social_rank", "social_rank_low", "social_rank_high",
    "social_tier", "si_shrunk", "si_shrunk_ci_low", "si_shrunk_ci_high", "total", "total_rank",
    "total_tier", "flags", "method_version", "run_id", "input_sha256",
)
#: The evidence behind the verdicts (DESIGN §7e), after the DESIGN §8 columns.
EVIDENCE_COLUMNS: tuple[str, ...] = (
    "sum_w", "deff", "social_rankset_low", "social_rankset_high", "social_tier_status",
    "total_rankset_low", "total_rankset_high", "total_tier_status", "n_needed", "office_decisions",
    "consec_bottom_evidence",
)
COLUMNS: tuple[str, ...] = DESIGN_COLUMNS + EVIDENCE_COLUMNS
INT_COLUMNS = frozenset({"n_valid", "social_rank", "social_rank_low", "social_rank_high",
                         "total_rank", "run_id", "social_rankset_low", "social_rankset_high",
                         "total_rankset_low", "total_rankset_high", "n_needed"})
TEXT_COLUMNS = frozenset({"period", "unit_code", "unit_name", "peer_group", "social_method",
                          "social_tier", "total_tier", "flags", "method_version", "input_sha256",
                          "social_tier_status", "total_tier_status", "office_decisions",
                          "consec_bottom_evidence"})
FORMATS = ("csv", "xlsx", "json")


def escape_text(text: str) -> str:
    """Neutralise a text cell: a leading ``'`` before a formula, U+FFFD for a control character
    or lone surrogate (XLSX cannot hold them, UTF-8 cannot encode the latter)."""
    return str(safe_cell(text))


def row_values(run: EvaluationRun, row: EvaluationResult) -> dict[str, Any]:
    """The export columns of one result row as Python values (None when empty)."""
    values: dict[str, Any] = {}
    for column in COLUMNS:
        if column == "period":
            values[column] = run.period
        elif column == "run_id":
            values[column] = run.id
        elif column == "input_sha256":
            values[column] = run.input_sha256
        elif column == "flags":
            values[column] = ";".join(sorted(f for f in (row.flags or "").split(";") if f))
        elif column == "office_decisions":
            values[column] = decision_text(row)
        elif column == "consec_bottom_evidence":
            values[column] = consec_bottom_text(row)
        else:
            values[column] = getattr(row, column)
    return values


def _ordered(run: EvaluationRun) -> list[EvaluationResult]:
    return sorted(run.results, key=lambda r: (r.peer_group, r.unit_code))


def number_text(column: str, value: Any) -> str:
    """A number as CSV text: an integer, or 6 decimals; empty for None."""
    if value is None:
        return ""
    if column in INT_COLUMNS:
        return str(int(value))
    number = float(value)
    return f"{number:.6f}" if math.isfinite(number) else ""


def json_number(column: str, value: Any) -> str:
    """A number as a JSON literal at full precision (``repr`` of the double); null for None/NaN."""
    if value is None:
        return "null"
    if column in INT_COLUMNS:
        return str(int(value))
    number = float(value)
    return json.dumps(number) if math.isfinite(number) else "null"


def cell_text(column: str, value: Any) -> str:
    """The text of a cell in CSV: escaped text, or a number with 6 decimals."""
    if column in TEXT_COLUMNS:
        return escape_text("" if value is None else str(value))
    return number_text(column, value)


def export_csv(run: EvaluationRun) -> bytes:
    """UTF-8 CSV with BOM, header row first."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in _ordered(run):
        values = row_values(run, row)
        writer.writerow([cell_text(c, values[c]) for c in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_json(run: EvaluationRun) -> bytes:
    """A JSON array of row objects with the columns in order; floats at full precision."""
    lines = []
    for row in _ordered(run):
        values = row_values(run, row)
        parts = []
        for column in COLUMNS:
            value = values[column]
            if column in TEXT_COLUMNS:
                token = "null" if value is None else json.dumps(cell_text(column, value), ensure_ascii=False)
            else:
                token = json_number(column, value)
            parts.append(f"{json.dumps(column)}: {token}")
        lines.append("  {" + ", ".join(parts) + "}")
    return ("[\n" + ",\n".join(lines) + "\n]\n").encode("utf-8")


def _fixed_time(run: EvaluationRun) -> datetime:
    moment = run.published_at or run.created_at
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def export_xlsx(run: EvaluationRun) -> bytes:
    """One sheet, header row, numbers as numbers (format 0.000000); byte-identical per run."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = first_sheet(workbook)
    sheet.title = "results"
    sheet.append(list(COLUMNS))
    for row in _ordered(run):
        values = row_values(run, row)
        cells: list[str | int | float | None] = []
        for column in COLUMNS:
            value = values[column]
            if column in TEXT_COLUMNS:
                cells.append(escape_text("" if value is None else str(value)))
            elif value is None or (column not in INT_COLUMNS and not math.isfinite(float(value))):
                cells.append(None)
            elif column in INT_COLUMNS:
                cells.append(int(value))
            else:
                cells.append(round(float(value), 6))
        sheet.append(cells)
        for column, cell in zip(COLUMNS, sheet[sheet.max_row], strict=True):
            if column in TEXT_COLUMNS:
                cell.data_type = "s"  # never a formula, whatever the text
            elif column not in INT_COLUMNS:
                cell.number_format = "0.000000"
    if run.supersedes_id is not None:
        _correction_sheet(workbook, run)
    return workbook_bytes(workbook, _fixed_time(run))


#: The columns of the ``correction`` sheet of a run that corrected (superseded) another.
CORRECTION_COLUMNS = ("supersedes_run", "reason", "unit_code", "field", "old", "new")


def correction_rows(run: EvaluationRun) -> list[list[Any]]:
    """What a correcting run changed, one row per unit and field, rounded as people read it
    (the same diff the office page, the API and ``supersede`` print)."""
    from survey.evaluation.runs import rounded_diff

    diff = rounded_diff((run.summary or {}).get("diff") or [])
    reason = escape_text(run.reason or "")
    return [[run.supersedes_id, reason, escape_text(str(c["unit_code"])), escape_text(str(c["field"])),
             c["old"] if isinstance(c["old"], int | float) or c["old"] is None else escape_text(str(c["old"])),
             c["new"] if isinstance(c["new"], int | float) or c["new"] is None else escape_text(str(c["new"]))]
            for c in diff] or [[run.supersedes_id, reason, None, None, None, None]]


def _correction_sheet(workbook: Any, run: EvaluationRun) -> None:
    sheet = workbook.create_sheet("correction")
    sheet.append(list(CORRECTION_COLUMNS))
    for values in correction_rows(run):
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def export_run(run: EvaluationRun, fmt: str) -> bytes:
    """The run's results in ``fmt`` (csv, xlsx or json)."""
    return {"csv": export_csv, "xlsx": export_xlsx, "json": export_json}[fmt](run)


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
