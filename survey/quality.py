"""Quality flags raised at submission time, and the quarantine / restore / exclude decisions.

Flags set here only drive quarantine (DESIGN §7(g)); evaluations recompute respondent flags.
Nothing is ever deleted: a submission is accepted, quarantined or excluded, and every decision
is a :class:`QualityReview` row with its reason (plus an audit row when a person decided).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from survey import audit
from survey.errors import InvalidTransition, NotFound, ValidationFailed
from survey.i18n import _
from survey.models import QualityReview, ReviewAction, Submission, SubmissionStatus, Wave
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
    "quarantine_flags": [HONEYPOT, DUPLICATE, BURST],  # flags that quarantine at submission
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


def _review(session: Session, submission: Submission, action: ReviewAction, reason: str,
            actor: str, status: SubmissionStatus) -> QualityReview:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([("reason", _("Give a reason for this decision."))])
    old = submission.status
    submission.status = status
    review = QualityReview(submission_id=submission.id, action=action, reason=reason[:2000],
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
