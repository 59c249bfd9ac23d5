"""Importing interviews collected elsewhere (CATI on the 12340 line, paper forms, kiosks).

The file layout is DESIGN §11: one row per (interview, rated unit) with ``interview_id,
unit_code, channel, interview_date, duration_s, design_weight, linkage_key``, an optional
``interviewer_id`` (the field agency's code of the interviewer; none on the web channel) and one
column per question name. Each interview is validated exactly like a web submission (the same
``validate_answers``); every bad row is reported with its row number; a file with any bad row
imports nothing; interviews already in the wave are skipped, so re-importing a file is harmless.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from survey import audit
from survey.errors import NotFound, ValidationFailed
from survey.hashing import body_sha256, keyed_hash
from survey.i18n import _
from survey.jobs import Progress, no_progress
from survey.models import Channel, QualityReview, Rating, Submission, Wave
from survey.quality import submission_flags
from survey.questionnaire import Definition, validate_answers
from survey.submission_store import (
    SubmissionRows,
    WaveUnits,
    definition_of,
    submission_rows,
    units_of,
)
from survey.upload_files import Table, read_table

META_COLUMNS = ("interview_id", "unit_code", "channel", "interview_date", "duration_s",
                "design_weight", "linkage_key")
#: Columns a file may leave out (an export writes them after META_COLUMNS).
OPTIONAL_COLUMNS = ("interviewer_id",)
#: Columns the responses export adds after the questions; ignored on import.
#: Columns an export adds that an import reads past (final_weight: the weight in a chosen run,
#: derived again by any evaluation of the imported copy).
EXPORT_COLUMNS = ("submission_id", "questionnaire_version", "status", "flags", "submitted_at",
                  "final_weight")
IMPORT_CHANNELS = tuple(c.value for c in Channel)
HMAC_HEX = re.compile(r"[0-9a-f]{64}")
INTERVIEW_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,49}")
INTERVIEWER_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Interviews inserted per round of statements (one multi-row INSERT per table).
STORE_BATCH = 1_000
#: Interviews checked between two progress reports.
PROGRESS_EVERY = 500


@dataclass
class ImportReport:
    imported: int = 0
    skipped: int = 0
    submission_ids: list[int] = field(default_factory=list)
    #: File rows of the imported interviews (one per rated unit, or one for an interview
    #: that rates none).
    rows: int = 0


@dataclass(frozen=True)
class ImportLayout:
    """The columns of an interview file for one wave (DESIGN §11), for the upload page."""

    respondent_questions: tuple[str, ...]
    unit_questions: tuple[str, ...]
    channels: tuple[str, ...] = IMPORT_CHANNELS


@dataclass
class _Interview:
    key: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def _unescape(text: str) -> str:
    """Undo the export's spreadsheet-formula escaping (a leading apostrophe)."""
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r" else text


def _number(text: str, *, positive: bool) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")) or value < 0 or (positive and value == 0):
        return None
    return value


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def linkage_hash(secret: str, value: str) -> str | None:
    """A supplier's key kept if it is already a 64-hex HMAC, otherwise hashed with the secret."""
    value = value.strip()
    if not value:
        return None
    lowered = value.lower()
    return lowered if HMAC_HEX.fullmatch(lowered) else keyed_hash(secret, "linkage", value)


def import_layout(session: Session, wave: Wave) -> ImportLayout:
    """The question columns a file for ``wave`` may have, respondent questions first."""
    definition = definition_of(session, wave.questionnaire_version_id)
    return ImportLayout(
        respondent_questions=tuple(q.name for q in definition.respondent_questions
                                   if q.type != "note"),
        unit_questions=tuple(q.name for q in definition.unit_questions if q.type != "note"))


def import_interviews(session: Session, wave_id: int, filename: str, data: bytes, *,
                      secret: str, actor: str) -> ImportReport:
    """Validate the whole file, then store every new interview (the caller commits)."""
    _wave(session, wave_id)
    return import_interview_table(session, wave_id, filename, read_table(filename, data),
                                  secret=secret, actor=actor)


def _wave(session: Session, wave_id: int) -> Wave:
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise NotFound(_("Wave %(id)s does not exist.", id=wave_id))
    return wave


def import_interview_table(session: Session, wave_id: int, filename: str, table: Table, *,
                           secret: str, actor: str, progress: Progress = no_progress) -> ImportReport:
    """Validate every row of ``table`` (every error collected, with its row number), then store
    every new interview in the caller's transaction, :data:`STORE_BATCH` at a time; nothing
    is written before the whole file has passed. ``progress`` hears ``checking`` and
    ``saving`` with the fraction of that stage done."""
    wave = _wave(session, wave_id)
    definition = definition_of(session, wave.questionnaire_version_id)
    units = units_of(session, wave)
    question_names = {q.name.lower(): q.name for q in definition.questions if q.type != "note"}
    errors: list[tuple[str, str]] = []
    missing = [c for c in META_COLUMNS if c not in table.header]
    if missing:
        errors.append(("file", _("Missing columns: %(columns)s.", columns=", ".join(missing))))
    unknown = [h for h in table.header if h and h not in META_COLUMNS and h not in OPTIONAL_COLUMNS
               and h not in EXPORT_COLUMNS and h not in question_names]
    if unknown:
        errors.append(("file", _("Unknown columns (not questions of this questionnaire): %(columns)s.",
                               columns=", ".join(unknown)[:300])))
    if errors:
        raise ValidationFailed(errors)
    interviews: dict[str, _Interview] = {}
    for number, row in table.rows:
        key = row.get("interview_id", "")
        if not INTERVIEW_ID.fullmatch(key):
            errors.append((_("row %(n)s", n=number), _(
                "interview_id must be 1–50 letters, digits or . _ : / - (got %(value)s).",
                value=repr(key)[:60])))
            continue
        interviews.setdefault(key, _Interview(key)).rows.append((number, row))
    existing = set(session.scalars(select(Submission.interview_id).where(
        Submission.wave_id == wave.id, Submission.interview_id.is_not(None)))) & set(interviews)
    prepared = []
    progress("checking", 0.0)
    for done, interview in enumerate(interviews.values(), start=1):
        checked = _check_interview(definition, units, interview, question_names, secret, errors)
        if checked is not None and interview.key not in existing:
            prepared.append(checked)
        if done % PROGRESS_EVERY == 0:
            progress("checking", done / len(interviews))
    if errors:
        raise ValidationFailed(errors)
    report = ImportReport(skipped=len(existing))
    seen_keys = set(session.scalars(select(Submission.linkage_key).where(
        Submission.wave_id == wave.id, Submission.linkage_key.is_not(None))))
    for item in prepared:
        duplicate = bool(item["linkage_key"]) and item["linkage_key"] in seen_keys
        item["flags"] = submission_flags(definition, wave, item["cleaned"]["ratings"],
                                         duration_s=item["duration_s"], recent_from_source=None,
                                         duplicate=duplicate, honeypot=False)
        seen_keys.add(item["linkage_key"])
    progress("saving", 0.0)
    for start in range(0, len(prepared), STORE_BATCH):
        batch = [_submission_rows(wave, definition, units, item)
                 for item in prepared[start:start + STORE_BATCH]]
        report.submission_ids += insert_many(session, batch)
        progress("saving", min(1.0, (start + STORE_BATCH) / len(prepared)))
    report.imported = len(prepared)
    report.rows = sum(item["rows"] for item in prepared)
    audit.record(session, actor, "submissions.import", "wave", wave.id,
                 new={"file": filename[:200], "imported": report.imported,
                      "skipped": report.skipped})
    return report


_INSERT_SUBMISSIONS = insert(Submission.__table__).returning(Submission.__table__.c.id,
                                                            sort_by_parameter_order=True)


def insert_many(session: Session, batch: list[SubmissionRows]) -> list[int]:
    """Insert many submissions with their ratings and reviews: one multi-row INSERT per table
    (SQLAlchemy's "insertmanyvalues"), not two round trips per interview; returns their ids in
    order."""
    connection = session.connection()
    ids = list(connection.execute(_INSERT_SUBMISSIONS, [rows.submission for rows in batch]).scalars())
    ratings = [{**rating, "submission_id": sid}
               for rows, sid in zip(batch, ids, strict=True) for rating in rows.ratings]
    if ratings:
        connection.execute(insert(Rating.__table__), ratings)
    reviews = [{**rows.review, "submission_id": sid}
               for rows, sid in zip(batch, ids, strict=True) if rows.review is not None]
    if reviews:
        connection.execute(insert(QualityReview.__table__), reviews)
    return ids


def _submission_rows(wave: Wave, definition: Definition, units: WaveUnits,
                     item: dict[str, Any]) -> SubmissionRows:
    """The rows of one checked interview under the storage contract of every submission."""
    cleaned = item["cleaned"]
    return submission_rows(
        wave, definition, units, client_id=f"interview:{item['interview_id']}",
        body_hash=body_sha256({"answers": cleaned["answers"], "ratings": cleaned["ratings"],
                               "started_at": None, "invitation_code": None}),
        cleaned=cleaned, channel=item["channel"], started_at=None,
        submitted_at=item["submitted_at"], duration_s=item["duration_s"], flags=item["flags"],
        design_weight=item["design_weight"], linkage_key=item["linkage_key"],
        interview_id=item["interview_id"], interviewer_id=item["interviewer_id"] or None)


def _check_interview(definition: Definition, units: Any, interview: _Interview,
                     question_names: dict[str, str], secret: str,
                     errors: list[tuple[str, str]]) -> dict[str, Any] | None:
    """Validate one interview's rows like a web submission; append located errors."""
    first_number, first = interview.rows[0]
    before = len(errors)

    def error(number: int, column: str, message: str) -> None:
        errors.append((_("row %(n)s", n=number), f"{column}: {message}"))

    for column in (*META_COLUMNS[2:], *OPTIONAL_COLUMNS):
        values = {row.get(column, "") for _n, row in interview.rows}
        if len(values) > 1:
            error(interview.rows[1][0], column, _(
                "differs between the rows of interview %(id)s.", id=interview.key))
    channel = first.get("channel", "").lower()
    if channel not in IMPORT_CHANNELS:
        error(first_number, "channel", _("must be one of %(values)s.", values=", ".join(IMPORT_CHANNELS)))
    interviewer = _unescape(first.get("interviewer_id", ""))
    if interviewer and not INTERVIEWER_ID.fullmatch(interviewer):
        error(first_number, "interviewer_id", _(
            "must be 1–64 letters, digits or . _ : - (got %(value)s).", value=repr(interviewer)[:60]))
    elif interviewer and channel == Channel.WEB.value:
        error(first_number, "interviewer_id", _(
            "a web response has no interviewer: leave interviewer_id empty on the web channel."))
    day = _date(first.get("interview_date", ""))
    if day is None:
        error(first_number, "interview_date", _("expected a date such as 2026-11-24."))
    duration = None
    if first.get("duration_s", ""):
        duration = _number(first["duration_s"], positive=False)
        if duration is None:
            error(first_number, "duration_s", _("expected a number of seconds."))
    weight = 1.0
    if first.get("design_weight", ""):
        weight = _number(first["design_weight"], positive=True) or 0.0
        if not weight:
            error(first_number, "design_weight", _("expected a positive number."))
    respondent = {q.name for q in definition.respondent_questions}
    answers: dict[str, Any] = {}
    ratings: dict[str, dict[str, Any]] = {}
    row_of_unit: dict[str, int] = {}
    for number, row in interview.rows:
        unit = row.get("unit_code", "")
        if unit in row_of_unit:
            error(number, "unit_code", _("unit %(code)s appears twice in interview %(id)s.",
                                         code=unit, id=interview.key))
        row_of_unit[unit] = number
        block: dict[str, Any] = {}
        for header, text in row.items():
            name = question_names.get(header)
            if name is None or not text:
                continue
            value: Any = _unescape(text)
            if name in respondent:
                if name in answers and answers[name] != value:
                    error(number, name, _("differs between the rows of interview %(id)s.",
                                          id=interview.key))
                answers.setdefault(name, value)
            elif unit:
                block[name] = value
            else:
                error(number, name, _("a unit question needs a unit_code on its row."))
        if unit:
            ratings[unit] = block
    result = validate_answers(definition, answers, ratings, allowed_units=units.ids,
                              unit_kinds=units.kinds)
    for path, message in result.errors:
        number, column = first_number, path
        if path.startswith("ratings."):
            _prefix, code, *rest = path.split(".", 2)
            number = row_of_unit.get(code, first_number)
            column = rest[0] if rest else "unit_code"
        elif path == "ratings":
            column = "unit_code"
        error(number, column, message)
    if len(errors) > before or day is None:
        return None
    return {
        "interview_id": interview.key, "channel": Channel(channel), "duration_s": duration,
        "design_weight": weight, "interviewer_id": interviewer or None, "linkage_key": linkage_hash(secret, first.get("linkage_key", "")),
        "submitted_at": datetime.combine(day, time(12), SHANGHAI), "cleaned": result.cleaned,
        "rows": len(interview.rows),
    }
