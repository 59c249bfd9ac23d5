"""Quality flags raised at submission time, and the quarantine / restore / exclude decisions.

Flags set here only drive quarantine (DESIGN §7(g)); evaluations recompute respondent flags.
Nothing is ever deleted: a submission is accepted, quarantined or excluded, and every decision
is a :class:`QualityReview` row with its reason (plus an audit row when a person decided). An
administrator can also set aside, or restore, all the interviews of one interviewer in a wave in
one decision (:func:`quarantine_interviewer`, :func:`restore_interviewer`; issue 13).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey import audit
from survey.errors import InvalidTransition, NotFound, ValidationFailed
from survey.i18n import _
from survey.models import (
    AuditLog,
    QualityReview,
    ReviewAction,
    Submission,
    SubmissionStatus,
    Wave,
)
from survey.questionnaire import Definition
from survey.wave_facts import WaveFacts

SPEEDING = "SPEEDING"
STRAIGHTLINE = "STRAIGHTLINE"
BURST = "BURST"
DUPLICATE = "DUPLICATE"
HONEYPOT = "HONEYPOT"
SUBMISSION_FLAGS = (SPEEDING, STRAIGHTLINE, BURST, DUPLICATE, HONEYPOT)

#: Wave settings and their defaults (``Wave.settings``).
DEFAULT_SETTINGS: dict[str, Any] = {
    "min_duration_s": 0,  # below it: SPEEDING
    "burst_limit": 20,  # more than this many submissions from one source ...
    "burst_window_s": 600,  # ... within this many seconds: BURST
    # flags that quarantine at submission. Not BURST: citizens behind a carrier's shared address
    # would be set aside; evaluations judge bursts by their answer patterns (DESIGN §7(j)).
    "quarantine_flags": [HONEYPOT, DUPLICATE],
}
SYSTEM_ACTOR = "system"


def wave_setting(wave: Wave | WaveFacts, key: str) -> Any:
    return setting(wave.settings, key)


def setting(settings: Mapping[str, Any] | None, key: str) -> Any:
    """``key`` of a wave's ``settings``, or its default."""
    return (settings or {}).get(key, DEFAULT_SETTINGS[key])


def straightlined(definition: Definition, ratings: Mapping[str, Mapping[str, Any]]) -> bool:
    """True when some rating has ≥ 3 non-missing scored answers, all equal."""
    items = definition.scored_items
    for answers in ratings.values():
        values = []
        for item in items:
            choice = answers.get(item.name)
            if choice is not None and item.points(choice) is not None:
                values.append(choice)
        if len(values) >= 3 and len(set(values)) == 1:
            return True
    return False


def submission_flags(
    definition: Definition,
    wave: Wave | WaveFacts,
    ratings: Mapping[str, Mapping[str, Any]],
    *,
    duration_s: float | None,
    recent_from_source: int | None,
    duplicate: bool,
    honeypot: bool,
) -> list[str]:
    """The flags of a new submission. ``recent_from_source`` counts the source's submissions in
    the wave's burst window (read by the submission service; None when the source is unknown)."""
    flags: list[str] = []
    minimum = float(wave_setting(wave, "min_duration_s") or 0)
    if duration_s is not None and minimum and duration_s < minimum:
        flags.append(SPEEDING)
    if straightlined(definition, ratings):
        flags.append(STRAIGHTLINE)
    if recent_from_source is not None and recent_from_source + 1 > int(wave_setting(wave, "burst_limit")):
        flags.append(BURST)
    if duplicate:
        flags.append(DUPLICATE)
    if honeypot:
        flags.append(HONEYPOT)
    return flags


def quarantines(wave: Wave | WaveFacts, flags: Iterable[str]) -> bool:
    """Whether ``flags`` quarantine a submission under the wave's rules (HONEYPOT always does)."""
    rule = set(wave_setting(wave, "quarantine_flags")) | {HONEYPOT}
    return bool(rule.intersection(flags))


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([("reason", _("Give a reason for this decision."))])
    return reason[:2000]


def _review(session: Session, submission: Submission, action: ReviewAction, reason: str,
            actor: str, status: SubmissionStatus) -> QualityReview:
    reason = _reason(reason)
    old = submission.status
    submission.status = status
    review = QualityReview(submission_id=submission.id, action=action, reason=reason,
                           actor=actor)
    session.add(review)
    session.flush()
    audit.record(session, actor, f"submission.{action.value}", "submission", submission.id,
                 old={"status": old}, new={"status": status, "reason": review.reason})
    return review


def _load(session: Session, submission_id: int) -> Submission:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(_("Response %(id)s does not exist.", id=submission_id))
    return submission


def quarantine(session: Session, submission_id: int, reason: str, actor: str) -> QualityReview:
    """Set an accepted response aside (it stops counting) with a reason."""
    submission = _load(session, submission_id)
    if submission.status != SubmissionStatus.ACCEPTED:
        raise InvalidTransition(_("Only an accepted response can be quarantined."))
    return _review(session, submission, ReviewAction.QUARANTINE, reason, actor,
                   SubmissionStatus.QUARANTINED)


def restore(session: Session, submission_id: int, reason: str, actor: str) -> QualityReview:
    """Put a quarantined or excluded response back into the count, with a reason."""
    submission = _load(session, submission_id)
    if submission.status == SubmissionStatus.ACCEPTED:
        raise InvalidTransition(_("This response is already accepted."))
    return _review(session, submission, ReviewAction.RESTORE, reason, actor,
                   SubmissionStatus.ACCEPTED)


def exclude(session: Session, submission_id: int, reason: str, actor: str) -> QualityReview:
    """Exclude a response for good (it is kept, never deleted), with a reason."""
    submission = _load(session, submission_id)
    if submission.status == SubmissionStatus.EXCLUDED:
        raise InvalidTransition(_("This response is already excluded."))
    return _review(session, submission, ReviewAction.EXCLUDE, reason, actor,
                   SubmissionStatus.EXCLUDED)


INTERVIEWER_QUARANTINE = "interviewer.quarantine"
INTERVIEWER_RESTORE = "interviewer.restore"


def _interviewer_wave(session: Session, wave_id: int, interviewer_id: str) -> None:
    """NotFound unless the wave exists and ``interviewer_id`` has interviews in it."""
    if session.get(Wave, wave_id) is None:
        raise NotFound(_("Wave %(id)s does not exist.", id=wave_id))
    found = session.scalar(select(Submission.id).where(
        Submission.wave_id == wave_id, Submission.interviewer_id == interviewer_id).limit(1))
    if found is None:
        raise NotFound(_("Interviewer %(interviewer)s has no interviews in this wave.",
                         interviewer=interviewer_id))


def _decide(session: Session, wave_id: int, interviewer_id: str, submissions: list[Submission],
            action: ReviewAction, status: SubmissionStatus, reason: str, actor: str) -> int:
    """Give each submission ``status`` with its review, and audit the whole action once."""
    for submission in submissions:
        submission.status = status
    session.add_all([QualityReview(submission_id=s.id, action=action, reason=reason, actor=actor)
                     for s in submissions])
    session.flush()
    audit.record(session, actor, f"interviewer.{action.value}", "wave", wave_id,
                 new={"interviewer": interviewer_id, "count": len(submissions), "reason": reason})
    return len(submissions)


def quarantine_interviewer(session: Session, wave_id: int, interviewer_id: str, reason: str,
                           actor: str) -> int:
    """Set aside every accepted interview of ``interviewer_id`` in the wave, in one decision:
    one review per interview (with ``reason``) and one audit row for the whole action. Returns
    how many were set aside. Flushes; the caller commits."""
    reason = _reason(reason)
    _interviewer_wave(session, wave_id, interviewer_id)
    accepted = list(session.scalars(select(Submission).where(
        Submission.wave_id == wave_id, Submission.interviewer_id == interviewer_id,
        Submission.status == SubmissionStatus.ACCEPTED).order_by(Submission.id)))
    if not accepted:
        raise InvalidTransition(_(
            "Interviewer %(interviewer)s has no accepted interview left to set aside.",
            interviewer=interviewer_id))
    return _decide(session, wave_id, interviewer_id, accepted, ReviewAction.QUARANTINE,
                   SubmissionStatus.QUARANTINED, reason, actor)


def restore_interviewer(session: Session, wave_id: int, interviewer_id: str, reason: str,
                        actor: str) -> int:
    """Put back exactly the interviews that :func:`quarantine_interviewer` set aside.

    Nothing is added to the schema: the audit rows of the interviewer's quarantine actions in
    the wave give their (reason, actor) pairs, and an interview is put back when it is still
    quarantined and its latest review is a quarantine with one of those pairs. So an interview
    set aside at submission (reason "flags: ..."), one quarantined alone afterwards with another
    reason, restored or excluded since, stays as it is. (A single quarantine by the same person
    with the very same reason text would be taken for part of the action.)
    """
    reason = _reason(reason)
    _interviewer_wave(session, wave_id, interviewer_id)
    decisions = session.execute(select(AuditLog.new, AuditLog.actor).where(
        AuditLog.action == INTERVIEWER_QUARANTINE, AuditLog.object_type == "wave",
        AuditLog.object_id == str(wave_id))).all()
    pairs = {(str(new.get("reason")), actor_) for new, actor_ in decisions
             if isinstance(new, dict) and new.get("interviewer") == interviewer_id}
    of_interviewer = select(Submission.id).where(
        Submission.wave_id == wave_id, Submission.interviewer_id == interviewer_id,
        Submission.status == SubmissionStatus.QUARANTINED)
    latest = (select(func.max(QualityReview.id).label("id"))
              .where(QualityReview.submission_id.in_(of_interviewer))
              .group_by(QualityReview.submission_id).subquery())
    rows = session.execute(
        select(Submission, QualityReview.reason, QualityReview.actor)
        .join(QualityReview, QualityReview.submission_id == Submission.id)
        .join(latest, latest.c.id == QualityReview.id)
        .where(QualityReview.action == ReviewAction.QUARANTINE).order_by(Submission.id)).all()
    chosen = [submission for submission, why, who in rows if (why, who) in pairs]
    if not chosen:
        raise InvalidTransition(_(
            "No interview of interviewer %(interviewer)s is set aside by a decision on the "
            "interviewer: there is nothing to restore.", interviewer=interviewer_id))
    return _decide(session, wave_id, interviewer_id, chosen, ReviewAction.RESTORE,
                   SubmissionStatus.ACCEPTED, reason, actor)
