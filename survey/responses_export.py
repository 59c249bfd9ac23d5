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
from collections.abc import Iterator
from datetime import datetime
from typing import Any
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


def response_rows(session: Session, wave_id: int, run_id: int | None = None
                  ) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and the rows (text cells neutralised by :func:`survey.export_text.safe_cell`:
    no formula, no control character, no lone surrogate) of a wave's responses; with
    ``run_id``, a last cell with the submission's final weight in that run (a float, or None)."""
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise NotFound(_("Wave %(id)s does not exist.", id=wave_id))
    weights = run_weights(session, wave_id, run_id) if run_id is not None else None
    header = export_columns(session, wave, weighted=weights is not None)
    definition = definition_of(session, wave.questionnaire_version_id)
    respondent = [q.name for q in definition.respondent_questions if q.type != "note"]
    unit_qs = [q.name for q in definition.unit_questions if q.type != "note"]
    versions = dict(session.execute(select(QuestionnaireVersion.id, QuestionnaireVersion.version)).all())
    known_units = set(session.scalars(select(Unit.code)))

    def rows() -> Iterator[list[Any]]:
        query = (select(Submission).where(Submission.wave_id == wave.id)
                 .order_by(Submission.id).execution_options(yield_per=500))
        for submission in session.scalars(query):
            local = submission.submitted_at.astimezone(SHANGHAI)
            answers = submission.answers.get("answers", {})
            ratings = {c: v for c, v in submission.answers.get("ratings", {}).items()
                       if c in known_units} or {"": {}}
            for code, values in ratings.items():
                row: list[Any] = [
                    submission.interview_id or f"web-{submission.id}", code,
                    submission.channel.value, local.date().isoformat(),
                    _text(round(submission.duration_s) if submission.duration_s is not None else None),
                    _text(submission.design_weight), submission.linkage_key or "",
                    submission.interviewer_id or ""]
                row += [_text(answers.get(name)) for name in respondent]
                row += [_text(values.get(name)) for name in unit_qs]
                row += [str(submission.id), str(versions.get(submission.questionnaire_version_id, "")),
                        submission.status.value, ";".join(sorted(submission.flags or []))]
                if not wave.anonymized:
                    row.append(local.isoformat(timespec="seconds"))
                row = [safe_cell(cell) for cell in row]
                if weights is not None:
                    weight = weights.get(submission.id)
                    row.append(weight if weight is not None and weight == weight else None)
                yield row

    return header, rows()


def export_responses(session: Session, wave_id: int, fmt: str, run_id: int | None = None) -> bytes:
    """The export file's bytes: UTF-8 CSV with BOM (opens in Excel), or an XLSX workbook.

    With ``run_id``, the last column is each submission's final weight in that run (CSV: the
    shortest text that reads back as the same double; XLSX: a number; empty when not weighted).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    header, rows = response_rows(session, wave_id, run_id)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(["" if cell is None else repr(cell) if isinstance(cell, float) else cell
                          for cell in row] for row in rows)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
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
