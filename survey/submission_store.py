"""The storage contract of a submission, and the wave facts every submission path reads.

``store_submission`` writes one Submission and its Rating rows exactly as DESIGN §4 and the
project conventions describe (also used by the interview import); ``definition_of`` and
``units_of`` give the parsed questionnaire and the wave's units, cached because they are read by
every page and submission.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from survey.hashing import strata_key
from survey.models import (
    Channel,
    QualityReview,
    QuestionnaireVersion,
    Rating,
    ReviewAction,
    Submission,
    SubmissionStatus,
    Unit,
    VersionStatus,
    Wave,
    wave_units,
)
from survey.quality import SYSTEM_ACTOR, quarantines
from survey.questionnaire import Definition, parse_definition
from survey.wave_facts import WaveFacts

UNITS_TTL_S = 30.0
_DEFINITIONS: dict[str, Definition] = {}
_UNITS: dict[tuple[str, int, Any], tuple[float, WaveUnits]] = {}
# declarative models' tables (typed FromClause on the class)
_SUBMISSION = cast(Table, Submission.__table__)
_INSERT_SUBMISSION = insert(_SUBMISSION).returning(_SUBMISSION.c.id)
_INSERT_RATING = insert(cast(Table, Rating.__table__))
_INSERT_REVIEW = insert(cast(Table, QualityReview.__table__))


@dataclass(frozen=True)
class WaveUnits:
    """A wave's units: code → id, code → kind, code → (zh name, en name)."""

    ids: dict[str, int]
    kinds: dict[str, str]
    names: dict[str, tuple[str, str]] = field(default_factory=dict)

    def code_of(self, unit_id: int | None) -> str | None:
        return next((c for c, i in self.ids.items() if i == unit_id), None)


def definition_of(session: Session, version_id: int, sha: str | None = None,
                  status: VersionStatus | None = None) -> Definition:
    """The parsed definition of a questionnaire version.

    Published versions never change, so their parse is cached by the definition's SHA-256
    (pass ``sha`` and ``status`` when already known to skip their query).
    """
    if sha is None or status is None:
        sha, status = session.execute(
            select(QuestionnaireVersion.definition_sha256, QuestionnaireVersion.status)
            .where(QuestionnaireVersion.id == version_id)).one()
    definition = _DEFINITIONS.get(sha)
    if definition is None or status == VersionStatus.DRAFT:
        version = session.get(QuestionnaireVersion, version_id)
        assert version is not None
        definition = parse_definition(version.definition)
        if status != VersionStatus.DRAFT:
            _DEFINITIONS[sha] = definition
    return definition


def units_of(session: Session, wave: Wave | WaveFacts | int) -> WaveUnits:
    """The wave's units by code. Cached per wave for :data:`UNITS_TTL_S` seconds (the list is
    read on every page and submission and changes only when an administrator edits the wave)."""
    if isinstance(wave, int):
        loaded = session.get(Wave, wave)
        if loaded is None:
            raise LookupError(wave)
        wave = loaded
    wave_id = wave.id
    key = (str(session.get_bind().engine.url), wave_id, wave.created_at)
    cached = _UNITS.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    rows = session.execute(
        select(Unit.code, Unit.id, Unit.kind, Unit.name, Unit.name_en)
        .join(wave_units, wave_units.c.unit_id == Unit.id)
        .where(wave_units.c.wave_id == wave_id).order_by(Unit.code)).all()
    units = WaveUnits({r.code: r.id for r in rows}, {r.code: r.kind.value for r in rows},
                      {r.code: (r.name, r.name_en or r.name) for r in rows})
    if len(_UNITS) > 1000:
        _UNITS.clear()
    _UNITS[key] = (time.monotonic() + UNITS_TTL_S, units)
    return units


@dataclass(frozen=True)
class SubmissionRows:
    """What storing one submission writes: the submission's values, its rating rows (without
    ``submission_id``) and, when quarantined, its review (without ``submission_id``)."""

    submission: dict[str, Any]
    ratings: list[dict[str, Any]]
    review: dict[str, Any] | None


def submission_rows(
    wave: Wave | WaveFacts,
    definition: Definition,
    units: WaveUnits,
    *,
    client_id: str,
    body_hash: str,
    cleaned: Mapping[str, Any],
    channel: Channel,
    started_at: datetime | None,
    submitted_at: datetime,
    duration_s: float | None,
    source_hash: str | None = None,
    flags: list[str] | None = None,
    design_weight: float = 1.0,
    linkage_key: str | None = None,
    interview_id: str | None = None,
    interviewer_id: str | None = None,
) -> SubmissionRows:
    """The rows of one submission under the storage contract, quarantined per the wave's rules."""
    flags = flags or []
    answers = cleaned["answers"]
    ratings = cleaned["ratings"]
    strata = strata_key({q.name: str(answers[q.name]) for q in definition.stratum_variables
                         if q.name in answers and not isinstance(answers[q.name], list)})
    quarantined = quarantines(wave, flags)
    submission = {
        "wave_id": wave.id, "client_submission_id": client_id, "body_sha256": body_hash,
        "answers": {"answers": answers, "ratings": ratings},
        "questionnaire_version_id": wave.questionnaire_version_id, "channel": channel,
        "design_weight": design_weight, "linkage_key": linkage_key, "source_hash": source_hash,
        "interview_id": interview_id, "interviewer_id": interviewer_id, "strata": strata, "started_at": started_at,
        "submitted_at": submitted_at, "duration_s": duration_s, "flags": flags,
        "status": SubmissionStatus.QUARANTINED if quarantined else SubmissionStatus.ACCEPTED,
    }
    items = definition.scored_items
    rows = [{"wave_id": wave.id, "unit_id": units.ids[code], "item": item.name,
             "choice": values.get(item.name),
             "choice_index": (item.option_names.index(values[item.name])
                              if values.get(item.name) is not None else None)}
            for code, values in ratings.items() for item in items]
    review = None
    if quarantined:
        review = {"action": ReviewAction.QUARANTINE, "reason": "flags: " + ", ".join(flags),
                  "actor": SYSTEM_ACTOR, "at": submitted_at}
    return SubmissionRows(submission, rows, review)


def insert_rows(session: Session, rows: SubmissionRows) -> int:
    """Insert ``rows`` (one statement per table); returns the submission's id."""
    conn = session.connection()  # Core statements: the ORM layer adds nothing here but time
    submission_id = conn.execute(_INSERT_SUBMISSION, rows.submission).scalar_one()
    if rows.ratings:
        conn.execute(_INSERT_RATING, [{**r, "submission_id": submission_id} for r in rows.ratings])
    if rows.review is not None:
        conn.execute(_INSERT_REVIEW, {**rows.review, "submission_id": submission_id})
    return submission_id


def store_submission(session: Session, wave: Wave | WaveFacts, definition: Definition,
                     units: WaveUnits, **fields: Any) -> int:
    """Insert a Submission and its Rating rows (the storage contract), quarantined per the
    wave's rules (``fields``: those of :func:`submission_rows`); returns the submission's id."""
    return insert_rows(session, submission_rows(wave, definition, units, **fields))
