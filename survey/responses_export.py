"""Raw responses export for statisticians (DESIGN §8): CSV or XLSX in the interview layout.

One row per (submission, rated unit) — a screened-out response gets one row with no unit — in
the column layout of the interview import (DESIGN §11, with its optional ``interviewer_id``, empty
for the web channel), so an export imports again, followed by the questionnaire version, status
and flags. No invitation code or network address is ever
stored; anonymized waves export the date only, other waves also the exact submit time.

With a run of the wave, a last column ``final_weight`` gives each submission's final weight in
that run: recomputed from the run's stored settings through the same code as the evaluation
(``load_wave`` + ``compute_wave``, as ``verify-run`` does), refused when the run is not a run of
the wave or when the wave's inputs changed since the run. A submission the run did not weight
(not accepted, or excluded by a flag) has an empty cell. The weight is repeated on each of the
submission's rows (one per rated unit).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.errors import NotFound, ValidationFailed
from survey.export_text import safe_cell
from survey.i18n import _
from survey.interviews import META_COLUMNS, OPTIONAL_COLUMNS
from survey.models import EvaluationRun, QuestionnaireVersion, Submission, Unit, Wave
from survey.submission_store import definition_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
FORMATS = ("csv", "xlsx")
WEIGHT_COLUMN = "final_weight"
#: Submissions fetched per round trip of the streamed query.
BATCH_ROWS = 2_000
#: Size of the CSV pieces handed to the writer or the HTTP response.
CHUNK_BYTES = 256 * 1024
#: The sheet's part in the package openpyxl writes (one sheet).
SHEET_PART = "xl/worksheets/sheet1.xml"
#: What XML text escapes, as lxml (openpyxl's writer) does: a carriage return too, or a reader
#: would turn it into a line feed.
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_XML_ESCAPED = re.compile("[&<>\r]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def export_columns(session: Session, wave: Wave, weighted: bool = False) -> list[str]:
    definition = definition_of(session, wave.questionnaire_version_id)
    questions = [q.name for q in definition.respondent_questions if q.type != "note"]
    questions += [q.name for q in definition.unit_questions if q.type != "note"]
    extra = ["submission_id", "questionnaire_version", "status", "flags"]
    if not wave.anonymized:
        extra.append("submitted_at")
    if weighted:
        extra.append(WEIGHT_COLUMN)
    return [*META_COLUMNS, *OPTIONAL_COLUMNS, *questions, *extra]


def run_weights(session: Session, wave_id: int, run_id: int) -> dict[int, float]:
    """Each accepted submission's final weight in run ``run_id`` of wave ``wave_id`` (NaN: not
    weighted), recomputed from the run's stored settings as the evaluation computed it."""
    import math

    from survey.evaluation.inputs import load_wave
    from survey.evaluation.runs import compute_wave
    from survey.evaluation.settings import RunSettings

    run = session.get(EvaluationRun, run_id)
    if run is None:
        raise NotFound(_("Evaluation run %(id)s does not exist.", id=run_id))
    if run.wave_id != wave_id:
        raise ValidationFailed([("run", _(
            "Run %(run)s is not a run of wave %(wave)s: choose a run that evaluated this wave.",
            run=run_id, wave=wave_id))])
    settings = RunSettings.from_dict(run.config)
    data = load_wave(session, wave_id, item_weights=dict(settings.item_weights or {}) or None,
                     district_variable=settings.scoring.district_variable)
    if data.input_sha256 != run.input_sha256:
        raise ValidationFailed([("run", _(
            "The responses of wave %(wave)s changed since run %(run)s was computed: its weights "
            "cannot be reproduced. Export with a run made on the current responses.",
            wave=wave_id, run=run_id))])
    weights = compute_wave(data, settings).submission_weights
    return {int(sid): float(w) if math.isfinite(float(w)) else math.nan
            for sid, w in zip(data.submission_ids.tolist(), weights.tolist(), strict=True)}


class _Cells:
    """Export cells (text neutralised by :func:`survey.export_text.safe_cell`) of stored values,
    remembering short texts and whole blocks of unit answers: a million rows hold few distinct
    answer codes ("4", "D01", "30-39"), so most cells cost one dictionary lookup."""

    def __init__(self, limit: int = 100_000) -> None:
        self.texts: dict[str, Any] = {"": ""}
        self.blocks: dict[tuple[Any, ...], list[Any]] = {}
        self.limit = limit

    def __call__(self, value: Any) -> Any:
        text = value if value.__class__ is str else _text(value)
        cell = self.texts.get(text)
        if cell is None:
            cell = safe_cell(text)
            if len(text) <= 32 and len(self.texts) < self.limit:
                self.texts[text] = cell
        return cell

    def block(self, values: tuple[Any, ...]) -> list[Any]:
        """The cells of one rating's answers (``values`` in question order)."""
        try:
            cells = self.blocks.get(values)
        except TypeError:  # a list (select_multiple) among the values
            return [self(value) for value in values]
        if cells is None:
            cells = [self(value) for value in values]
            if len(self.blocks) < self.limit and all(
                    value.__class__ is not str or len(value) <= 32 for value in values):
                self.blocks[values] = cells
        return cells


def response_rows(session: Session, wave_id: int, run_id: int | None = None
                  ) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and the rows (text cells neutralised by :func:`survey.export_text.safe_cell`:
    no formula, no control character, no lone surrogate) of a wave's responses; with
    ``run_id``, a last cell with the submission's final weight in that run (a float, or None).

    The rows come from one Core query streamed in batches of :data:`BATCH_ROWS` (a server-side
    cursor on PostgreSQL, SQLite's own stepping): memory stays flat whatever the wave's size.
    The query only reads, so the export never holds the database's write lock.
    """
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise NotFound(_("Wave %(id)s does not exist.", id=wave_id))
    weights = run_weights(session, wave_id, run_id) if run_id is not None else None
    header = export_columns(session, wave, weighted=weights is not None)
    definition = definition_of(session, wave.questionnaire_version_id)
    respondent = [q.name for q in definition.respondent_questions if q.type != "note"]
    unit_qs = [q.name for q in definition.unit_questions if q.type != "note"]
    versions = {key: str(value) for key, value in session.execute(
        select(QuestionnaireVersion.id, QuestionnaireVersion.version)).tuples()}
    known_units = set(session.scalars(select(Unit.code)))
    timestamps = not wave.anonymized
    table = Submission.__table__.c
    query = (select(table.id, table.interview_id, table.channel, table.submitted_at,
                    table.duration_s, table.design_weight, table.linkage_key, table.interviewer_id,
                    table.answers, table.questionnaire_version_id, table.status, table.flags)
             .where(table.wave_id == wave.id).order_by(table.id)
             .execution_options(yield_per=BATCH_ROWS))

    def rows() -> Iterator[list[Any]]:
        # a connection of its own, taken when the first row is wanted and given back as soon as
        # the last one was read: a web response streams after its request's transaction was
        # committed, and may be closed by the client long after
        cell = _Cells()
        with session.get_bind().connect() as conn:
            yield from _rows(conn, cell)

    def _rows(conn: Any, cell: _Cells) -> Iterator[list[Any]]:
        for sub in conn.execute(query):
            local = sub.submitted_at.astimezone(SHANGHAI)
            stored = sub.answers or {}
            answers = stored.get("answers", {})
            ratings = {c: v for c, v in stored.get("ratings", {}).items()
                       if c in known_units} or {"": {}}
            # values of one submission (its id, its time) are not remembered: only repeated ones
            first = safe_cell(sub.interview_id or f"web-{sub.id}")
            middle = [cell(sub.channel.value), cell(local.date().isoformat()),
                      cell(round(sub.duration_s) if sub.duration_s is not None else None),
                      cell(sub.design_weight), cell(sub.linkage_key or ""),
                      cell(sub.interviewer_id or "")]
            middle += [cell(answers.get(name)) for name in respondent]
            last = [str(sub.id), versions.get(sub.questionnaire_version_id, ""), sub.status.value,
                    cell(";".join(sorted(sub.flags or [])))]
            if timestamps:
                last.append(safe_cell(local.isoformat(timespec="seconds")))
            if weights is not None:
                weight = weights.get(sub.id)
                last.append(weight if weight is not None and weight == weight else None)
            for code, values in ratings.items():
                yield [first, cell(code), *middle, *cell.block(tuple(map(values.get, unit_qs))), *last]

    return header, rows()


def _csv_value(cell: Any) -> Any:
    return "" if cell is None else repr(cell) if isinstance(cell, float) else cell


def csv_chunks(header: list[str], rows: Iterator[list[Any]]) -> Iterator[bytes]:
    """The export as UTF-8 CSV with BOM (opens in Excel), in chunks of about
    :data:`CHUNK_BYTES`: a float (the final weight) is written as the shortest text that reads
    back as the same double, None as an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(cell) for cell in row] if row[-1] is None
                        or isinstance(row[-1], float) else row)
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(header: list[str], rows: Iterator[list[Any]], out: BinaryIO) -> None:
    """The export as an XLSX workbook written to ``out`` row by row, in flat memory.

    openpyxl's write-only workbook writes the package (content types, relations, styles, fixed
    document timestamps) and the sheet with its header row; the data rows are then streamed into
    that sheet's part as openpyxl writes cells (:func:`sheet_rows_xml`), which is four times
    faster than a cell object each: a million rows in about 30 s instead of 130 s
    (bench/export_bench.py). An empty text cell is left out (it reads back the same, as no value).
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    workbook.properties.created = workbook.properties.modified = datetime(2000, 1, 1)
    sheet = workbook.create_sheet("responses")
    sheet.append(header)
    skeleton = io.BytesIO()
    workbook.save(skeleton)
    with zipfile.ZipFile(skeleton) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename != SHEET_PART:
                target.writestr(info, content)
                continue
            head, tail = content.split(b"</sheetData>")
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with target.open(entry, "w", force_zip64=True) as part:
                part.write(head)
                for chunk in sheet_rows_xml(rows, len(header), first_row=2):
                    part.write(chunk)
                part.write(b"</sheetData>" + tail)


def sheet_rows_xml(rows: Iterator[list[Any]], columns: int, first_row: int) -> Iterator[bytes]:
    """``<row>`` elements of a sheet, as openpyxl writes cells: text as an inline string (at most
    32,767 characters, ``&<>`` and carriage returns escaped, ``xml:space="preserve"`` when it
    has outer spaces), a number as ``%.16g``; None and empty text are left out. The text must
    already be neutralised (:func:`survey.export_text.safe_cell`: no formula, no character XML
    forbids)."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(i) for i in range(1, columns + 1)]
    parts: list[str] = []
    for number, row in enumerate(rows, start=first_row):
        cells = []
        for letter, value in zip(letters, row, strict=False):
            if value is None or value == "":
                continue
            if value.__class__ is str:
                text = value[:32767]
                space = ' xml:space="preserve"' if text != text.strip() else ""
                if _XML_ESCAPED.search(text):
                    text = text.translate(_XML_ESCAPES)
                cells.append(f'<c r="{letter}{number}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
            else:
                cells.append(f'<c r="{letter}{number}" t="n"><v>{value:.16g}</v></c>')
        parts.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(parts) == 1_000:
            yield "".join(parts).encode("utf-8")
            parts = []
    yield "".join(parts).encode("utf-8")


def write_export(session: Session, wave_id: int, fmt: str, out: BinaryIO,
                 run_id: int | None = None) -> int:
    """Write a wave's responses export to the binary file ``out``; return its number of rows
    (the header apart). Memory stays flat: CSV is written chunk by chunk, XLSX row by row."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    header, rows = response_rows(session, wave_id, run_id)
    counted = _Counted(rows)
    if fmt == "csv":
        for chunk in csv_chunks(header, counted):
            out.write(chunk)
    else:
        write_xlsx(header, counted, out)
    return counted.count


class _Counted:
    """An iterator of rows that counts them."""

    def __init__(self, rows: Iterator[list[Any]]) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[list[Any]]:
        for row in self.rows:
            self.count += 1
            yield row


def export_responses(session: Session, wave_id: int, fmt: str, run_id: int | None = None) -> bytes:
    """The export file's bytes in memory (small waves, tests): UTF-8 CSV with BOM, or an XLSX
    workbook; see :func:`write_export`, which large exports use.

    With ``run_id``, the last column is each submission's final weight in that run (CSV: the
    shortest text that reads back as the same double; XLSX: a number; empty when not weighted).
    """
    out = io.BytesIO()
    write_export(session, wave_id, fmt, out, run_id)
    return out.getvalue()
