"""Raw responses export for statisticians (DESIGN §8): CSV or XLSX in the interview layout.

One row per (submission, rated unit) — a screened-out response gets one row with no unit — in
the column layout of the interview import (DESIGN §11), so an export imports again, followed by
the questionnaire version, status and flags. No invitation code or network address is ever
stored; anonymized waves export the date only, other waves also the exact submit time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.errors import NotFound
from survey.i18n import _
from survey.interviews import META_COLUMNS
from survey.models import QuestionnaireVersion, Submission, Unit, Wave
from survey.submission_store import definition_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (numbers don't)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def export_columns(session: Session, wave: Wave) -> list[str]:
    definition = definition_of(session, wave.questionnaire_version_id)
    questions = [q.name for q in definition.respondent_questions if q.type != "note"]
    questions += [q.name for q in definition.unit_questions if q.type != "note"]
    extra = ["submission_id", "questionnaire_version", "status", "flags"]
    if not wave.anonymized:
        extra.append("submitted_at")
    return [*META_COLUMNS, *questions, *extra]


def response_rows(session: Session, wave_id: int) -> tuple[list[str], Iterator[list[str]]]:
    """The header and the rows (text cells, formula-escaped) of a wave's responses."""
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise NotFound(_("Wave %(id)s does not exist.", id=wave_id))
    header = export_columns(session, wave)
    definition = definition_of(session, wave.questionnaire_version_id)
    respondent = [q.name for q in definition.respondent_questions if q.type != "note"]
    unit_qs = [q.name for q in definition.unit_questions if q.type != "note"]
    versions = dict(session.execute(select(QuestionnaireVersion.id, QuestionnaireVersion.version)).all())
    known_units = set(session.scalars(select(Unit.code)))

    def rows() -> Iterator[list[str]]:
        query = (select(Submission).where(Submission.wave_id == wave.id)
                 .order_by(Submission.id).execution_options(yield_per=500))
        for submission in session.scalars(query):
            local = submission.submitted_at.astimezone(SHANGHAI)
            answers = submission.answers.get("answers", {})
            ratings = {c: v for c, v in submission.answers.get("ratings", {}).items()
                       if c in known_units} or {"": {}}
            for code, values in ratings.items():
                row = [submission.interview_id or f"web-{submission.id}", code,
                       submission.channel.value, local.date().isoformat(),
                       _text(round(submission.duration_s) if submission.duration_s is not None else None),
                       _text(submission.design_weight), submission.linkage_key or ""]
                row += [_text(answers.get(name)) for name in respondent]
                row += [_text(values.get(name)) for name in unit_qs]
                row += [str(submission.id), str(versions.get(submission.questionnaire_version_id, "")),
                        submission.status.value, ";".join(sorted(submission.flags or []))]
                if not wave.anonymized:
                    row.append(local.isoformat(timespec="seconds"))
                yield [safe_cell(cell) for cell in row]

    return header, rows()


def export_responses(session: Session, wave_id: int, fmt: str) -> bytes:
    """The export file's bytes: UTF-8 CSV with BOM (opens in Excel), or an XLSX workbook."""
    header, rows = response_rows(session, wave_id)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        workbook.properties.created = workbook.properties.modified = datetime(2000, 1, 1)
        sheet = workbook.create_sheet("responses")
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
