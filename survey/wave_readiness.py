"""What opening or closing a wave will do, for the confirmation step before it (both are
irreversible: a closed wave never reopens, an opened one never returns to draft).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.i18n import _
from survey.models import AccessMode, Invitation, Submission, SurveySession, UnitKind, Wave
from survey.strata import stratum_categories, wave_definition


@dataclass(frozen=True)
class WaveFacts:
    """The counts a confirmation shows, and the warnings worth reading before confirming."""

    units: int
    districts: int
    departments: int
    quotas: int
    margins: int
    codes_unused: int
    responses: int
    surveys_in_progress: int
    warnings: list[str] = field(default_factory=list)


def wave_facts(session: Session, wave: Wave) -> WaveFacts:
    """The wave's counts and what may go wrong once it is open (no margins, no codes...)."""
    units = list(wave.units)
    codes_unused = session.scalar(select(func.count(Invitation.id)).where(
        Invitation.wave_id == wave.id, Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None))) or 0
    responses = session.scalar(select(func.count(Submission.id)).where(
        Submission.wave_id == wave.id)) or 0
    in_progress = session.scalar(select(func.count(SurveySession.id)).where(
        SurveySession.wave_id == wave.id)) or 0
    warnings = []
    variables = set(stratum_categories(session, wave_definition(wave), wave))
    named = {part for m in wave.margins for part in m.variable.split("*")}
    missing = sorted(variables - named)
    if missing:
        warnings.append(_("No population margins for %(variables)s: responses will not be weighted "
                          "by them.", variables=", ".join(missing)))
    if wave.access == AccessMode.INVITATION and not codes_unused:
        warnings.append(_("No unused invitation code: nobody can answer until codes are issued."))
    return WaveFacts(
        units=len(units), districts=sum(u.kind == UnitKind.DISTRICT for u in units),
        departments=sum(u.kind == UnitKind.DEPARTMENT for u in units), quotas=len(wave.quotas),
        margins=len(wave.margins), codes_unused=int(codes_unused), responses=int(responses),
        surveys_in_progress=int(in_progress), warnings=warnings)
