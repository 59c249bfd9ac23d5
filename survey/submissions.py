"""The submission service shared by the HTML form and the JSON API (DESIGN §6).

:func:`submit` runs the checks in the contract's order — replay lookup by
``client_submission_id`` (200 / 409, even after the wave closed or the code was used), wave open
(410), invitation (403), invitation used (409), answers (422) — and then stores the submission,
its rating rows and the participation record and consumes the invitation atomically, all in the
caller's transaction (the rate limit, 429, is the web layer's). Exactly one of several concurrent
submissions with one code wins: the conditional ``UPDATE invitation ... WHERE used_at IS NULL``
must change one row, and the unique ``(wave_id, client_submission_id)`` backs idempotency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, bindparam, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.body_checks import BodyError, check_body
from survey.devices import bucket_of, bucket_query, device_answered, listed
from survey.hashing import body_sha256, keyed_hash
from survey.i18n import _
from survey.invitations import code_hash
from survey.models import (
    AccessMode,
    Channel,
    Draft,
    Invitation,
    Submission,
    Unit,
    Wave,
)
from survey.quality import setting, submission_flags
from survey.questionnaire import Definition, validate_answers
from survey.submission_store import (  # noqa: F401  (re-exported for the web layer)
    WaveUnits,
    definition_of,
    submission_rows,
    units_of,
)
from survey.submission_writes import write_submission
from survey.wave_facts import COLUMNS, WaveFacts, facts_query

CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
#: The top-level keys of a submission body (DESIGN §6); ``interviewer_id`` has its own check.
BODY_FIELDS = frozenset({"client_submission_id", "invitation_code", "started_at", "answers",
                         "ratings", "interviewer_id"})
MAX_CODE_LENGTH = 128
# Statements of the hot path, built once (parameters bound per call).
_REPLAY = select(Submission.id, Submission.body_sha256).where(
    Submission.wave_id == bindparam("wave"), Submission.client_submission_id == bindparam("client"))
_LOAD_WAVE = facts_query().where(Wave.__table__.c.id == bindparam("wave"))


@dataclass(frozen=True)
class SubmissionRequest:
    """One submission attempt. ``body`` is the decoded JSON (any value); raw sources are hashed."""

    wave_id: int
    body: Any
    secret: str
    source: str | None = None  # network address: only its HMAC is stored
    device: str | None = None  # open-link device cookie: only its HMAC is stored
    issued_at: datetime | None = None  # signed issue time of the form (trusted), else started_at
    honeypot: bool = False
    channel: Channel = Channel.WEB
    language: str | None = None


@dataclass
class SubmissionResult:
    """The outcome: an HTTP-like ``status`` and what the client is told."""

    status: int
    reason: str  # created | replay | conflict | used | device | invalid | forbidden | closed
    submission_id: int | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in (200, 201)


def invitation_code_hash(secret: str, code: str) -> str:
    """The stored hash of an invitation code (the same as :func:`survey.invitations.code_hash`)."""
    return code_hash(secret, code)


def find_invitation_any_wave(session: Session, secret: str, code: str) -> Invitation | None:
    """The invitation for ``code`` in whichever wave issued it (code entry page)."""
    if not code.strip() or len(code) > MAX_CODE_LENGTH:
        return None
    return session.scalars(select(Invitation).where(
        Invitation.code_hash == code_hash(secret, code))).first()


def _replay(session: Session, wave_id: int, client_id: str, body_hash: str) -> SubmissionResult | None:
    row = session.execute(_REPLAY, {"wave": wave_id, "client": client_id}).first()
    if row is None:
        return None
    if row.body_sha256 == body_hash:
        return SubmissionResult(200, "replay", submission_id=row.id)
    return SubmissionResult(409, "conflict", message=_(
        "This submission id was already used with different answers."))


def _parse_time(value: object) -> tuple[datetime | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, str) or len(value) > 64:
        return None, _("Expected an ISO 8601 date and time.")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None, _("Expected an ISO 8601 date and time.")
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), None


def refuse_closed(wave: Wave | WaveFacts | None, now: datetime) -> SubmissionResult | None:
    if wave is None or not wave.accepts_at(now):
        return SubmissionResult(410, "closed", message=_("This survey is not open."))
    return None


@dataclass(frozen=True)
class _Lookup:
    """Everything ``submit`` reads before deciding, fetched in one round trip."""

    replay_id: int | None
    replay_hash: str | None
    invitation_id: int | None
    used_at: datetime | None
    revoked_at: datetime | None
    district_unit_id: int | None
    has_draft: bool
    device_used: bool
    recent_from_source: int


def _lookup_statement() -> Any:
    """The wave (:class:`WaveFacts`) joined to the replayed submission and the invitation (each
    unique, so one row at most), with the draft, device and burst facts as subqueries, in one
    SELECT (no row: no such wave)."""
    s, i, d = Submission.__table__.c, Invitation.__table__.c, Draft.__table__.c
    wave: BindParameter[Any] = bindparam("wave")
    burst = (select(s.id).where(s.wave_id == wave, s.source_hash == bindparam("source"),
                                s.submitted_at >= bindparam("since", type_=s.submitted_at.type))
             .limit(bindparam("limit")).subquery())
    return (facts_query(
        s.id, s.body_sha256, i.id, i.used_at, i.revoked_at, i.district_unit_id,
        exists().where(d.invitation_id == i.id),
        bucket_query(wave),
        select(func.count()).select_from(burst).scalar_subquery(),
    ).outerjoin(Submission.__table__,
                (s.wave_id == Wave.__table__.c.id) & (s.client_submission_id == bindparam("client")))
     .outerjoin(Invitation.__table__,
                (i.wave_id == Wave.__table__.c.id) & (i.code_hash == bindparam("code")))
     .where(Wave.__table__.c.id == wave))


_LOOKUP = _lookup_statement()
_SETTINGS = select(Wave.__table__.c.settings).where(Wave.__table__.c.id == bindparam("wave"))


def _lookup(session: Session, wave_id: int, client_id: str | None, code: object, secret: str,
            device_hash: str | None, source_hash: str | None, now: datetime
            ) -> tuple[WaveFacts, _Lookup] | None:
    """The wave and every fact the checks need, in one round trip (absent keys match nothing);
    None when there is no such wave."""
    valid_code = isinstance(code, str) and bool(code.strip()) and len(code) <= MAX_CODE_LENGTH
    conn = session.connection()
    # the burst window and limit are parameters of the lookup: read the wave's settings first,
    # on every request, so that a change applies to the very next submission
    settings = conn.execute(_SETTINGS, {"wave": wave_id}).scalar() or {}
    row = conn.execute(_LOOKUP, {
        "wave": wave_id, "client": client_id or "",
        "code": code_hash(secret, code) if valid_code else "",  # type: ignore[arg-type]
        "device_bucket": bucket_of(device_hash) if device_hash else -1,
        "source": source_hash or "",
        "since": now - timedelta(seconds=float(setting(settings, "burst_window_s"))),
        "limit": int(setting(settings, "burst_limit")) + 1,
    }).first()
    if row is None:
        return None
    wave = WaveFacts.from_row(row)
    rest = row[len(COLUMNS):]
    return wave, _Lookup(rest[0] if client_id else None, rest[1], rest[2], rest[3], rest[4], rest[5],
                         bool(rest[6]), device_hash is not None and listed(rest[7], device_hash),
                         int(rest[8] or 0) if source_hash else 0)


def load_wave(session: Session, wave_id: int) -> WaveFacts | None:
    """The wave with its questionnaire version's hash and status (for :func:`definition_of`)."""
    row = session.connection().execute(_LOAD_WAVE, {"wave": wave_id}).first()
    return WaveFacts.from_row(row) if row else None


def _replay_result(lookup: _Lookup, body_hash: str) -> SubmissionResult | None:
    if lookup.replay_id is None:
        return None
    if lookup.replay_hash == body_hash:
        return SubmissionResult(200, "replay", submission_id=lookup.replay_id)
    return SubmissionResult(409, "conflict", message=_(
        "This submission id was already used with different answers."))


def submit(session: Session, request: SubmissionRequest, now: datetime | None = None) -> SubmissionResult:
    """Check and store one submission (DESIGN §6); flushes, the caller commits on ``ok``.

    The wave and the facts are read up front (one query); the decisions follow the contract's
    order. On a lost race (unique constraint) the session is rolled back and the replay lookup
    re-run.
    """
    now = now or datetime.now(UTC)
    body = request.body
    is_object = isinstance(body, dict)
    if is_object:
        try:
            check_body(body)  # before anything hashes or reads it
        except BodyError as error:
            return SubmissionResult(422, "invalid", errors=error.errors)
    raw_client_id = body.get("client_submission_id") if is_object else None
    client_id = (raw_client_id if isinstance(raw_client_id, str)
                 and CLIENT_ID.fullmatch(raw_client_id) is not None else None)  # None unless valid
    body_hash = body_sha256(body) if is_object else ""
    device_hash = keyed_hash(request.secret, "device", request.device) if request.device else None
    source_hash = keyed_hash(request.secret, "source", request.source) if request.source else None
    code = body.get("invitation_code") if is_object else None
    loaded = _lookup(session, request.wave_id, client_id, code,
                     request.secret, device_hash, source_hash, now)
    if loaded is None:  # no wave: nothing can have been stored in it either
        return SubmissionResult(410, "closed", message=_("This survey is not open."))
    wave, facts = loaded
    if wave.access != AccessMode.OPEN:  # one response per device: open links only
        device_hash = None
        facts = replace(facts, device_used=False)
    replay = _replay_result(facts, body_hash)
    if replay:
        return replay
    closed = refuse_closed(wave, now)
    if closed:
        return closed
    if not is_object:
        return SubmissionResult(422, "invalid", errors=[("body", _(
            "The request body must be a JSON object."))])
    if wave.access == AccessMode.INVITATION:
        if facts.invitation_id is None or facts.revoked_at is not None:
            return SubmissionResult(403, "forbidden", message=_(
                "This invitation code is not valid for this survey."))
        if facts.used_at is not None:
            # the code may have been used by this very submission a moment ago (a racing retry)
            return (client_id is not None and _replay(session, wave.id, client_id, body_hash)) or \
                SubmissionResult(409, "used", message=_("This invitation code has already been used."))
    if facts.device_used:
        return (client_id is not None and _replay(session, wave.id, client_id, body_hash)) or \
            SubmissionResult(409, "device", message=_(
                "A response to this survey was already sent from this device."))
    definition = definition_of(session, wave.questionnaire_version_id, wave.version_sha,
                               wave.version_status)
    return _validate_and_store(session, request, wave, definition, facts, body,
                               client_id, body_hash, device_hash,
                               source_hash, now)


def _device_used(session: Session, wave_id: int, device_hash: str) -> bool:
    return device_answered(session.connection(), wave_id, device_hash)


def _validate_and_store(session: Session, request: SubmissionRequest, wave: WaveFacts,
                        definition: Definition, facts: _Lookup, body: dict[str, Any],
                        client_id: str | None, body_hash: str, device_hash: str | None,
                        source_hash: str | None, now: datetime) -> SubmissionResult:
    units = units_of(session, wave)
    invitation_id = facts.invitation_id if wave.access == AccessMode.INVITATION else None
    district = None
    if invitation_id is not None and facts.district_unit_id is not None:
        district = units.code_of(facts.district_unit_id) or session.scalar(
            select(Unit.code).where(Unit.id == facts.district_unit_id))
    result = validate_answers(definition, body.get("answers"), body.get("ratings"),
                              allowed_units=units.ids, unit_kinds=units.kinds,
                              invitation_district=district, language=request.language)
    errors = list(result.errors)
    if client_id is None:
        errors.insert(0, ("client_submission_id", _(
            "A client_submission_id (1–64 letters, digits or . _ : -, e.g. a UUID) is required.")))
    if "interviewer_id" in body:
        # DESIGN §6 allows ``interviewer_id`` "on an interviewer-administered channel" only. This
        # service has no such channel: both callers (the JSON API and the HTML form) submit with
        # ``SubmissionRequest.channel`` = WEB and the body names no channel, so a web response has
        # no interviewer. Interviews by phone, on paper or at a kiosk arrive by the interview
        # import (survey.interviews), which stores their interviewer_id. Refused rather than
        # ignored, so that a client never believes an interviewer was recorded.
        errors.append(("interviewer_id", _(
            "The submission API is the web channel, which has no interviewer: remove "
            "interviewer_id. Interviews by phone, on paper or at a kiosk are imported from a file "
            "with their interviewer_id.")))
    errors.extend((key, _(
        "This field is not part of a submission: the body may hold only client_submission_id, "
        "invitation_code, started_at, answers and ratings.")) for key in body if key not in BODY_FIELDS)
    started_at, time_error = _parse_time(body.get("started_at"))
    if time_error:
        errors.append(("started_at", time_error))
    if errors:
        return SubmissionResult(422, "invalid", errors=errors)
    assert client_id is not None
    begun = request.issued_at or started_at
    duration = (now - begun).total_seconds() if begun else None
    # Every read happened before the first write, so that the write transaction (on SQLite, the
    # database's single write lock) is held only for the few statements below and the commit.
    flags = submission_flags(definition, wave, result.ratings, duration_s=duration,
                             recent_from_source=facts.recent_from_source if source_hash else None,
                             duplicate=False, honeypot=request.honeypot)
    rows = submission_rows(
        wave, definition, units, client_id=client_id, body_hash=body_hash,
        cleaned=result.cleaned, channel=request.channel, started_at=started_at,
        submitted_at=now, duration_s=duration, source_hash=source_hash, flags=flags)
    # a web response has no interviewer; the SQLite writer binds every column of the table
    try:
        # the day only: an exact instant would join the code to the answers by time
        submission_id = write_submission(
            session, rows, invitation_id=invitation_id, used_on=now.replace(
                hour=0, minute=0, second=0, microsecond=0), device_hash=device_hash,
            delete_draft=facts.has_draft and invitation_id is not None)
        if submission_id is None:  # the code was used, or the device answered, meanwhile
            session.rollback()
            return _lost_race(session, wave.id, client_id, body_hash, device_hash)
    except IntegrityError:
        session.rollback()
        return _lost_race(session, wave.id, client_id, body_hash, device_hash)
    return SubmissionResult(201, "created", submission_id=submission_id)


def _lost_race(session: Session, wave_id: int, client_id: str, body_hash: str,
               device_hash: str | None) -> SubmissionResult:
    """What a submission that another one overtook is told: the replay of its own earlier
    attempt, or that the device or the code was used (the session was rolled back)."""
    replay = _replay(session, wave_id, client_id, body_hash)
    if replay:
        return replay
    if device_hash and _device_used(session, wave_id, device_hash):
        return SubmissionResult(409, "device", message=_(
            "A response to this survey was already sent from this device."))
    return SubmissionResult(409, "used", message=_("This invitation code has already been used."))
