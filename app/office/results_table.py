"""What the results table of a run page needs beyond the rows: peer group names, veto reasons."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import current_language
from survey.models import ComponentScore, EvaluationResult, EvaluationRun, PeerGroup, Unit


def peer_group_names(session: Session, codes: set[str]) -> dict[str, str]:
    """``{code: name}`` of the peer groups, in the reader's language (the Chinese name when
    there is no English one)."""
    if not codes:
        return {}
    english = current_language() == "en"
    groups = session.scalars(select(PeerGroup).where(PeerGroup.code.in_(codes)))
    return {g.code: (g.name_en if english and g.name_en else g.name) for g in groups}


def veto_reasons(session: Session, run: EvaluationRun, rows: list[EvaluationResult]) -> dict[str, str]:
    """``{unit code: the note of its veto}`` for the rows flagged VETO (empty note: none given).

    The veto comes from the component scores of the run's period, imported with a note that
    says why (``note`` column); the table shows it beside the total tier it decided."""
    vetoed = [r.unit_code for r in rows if "VETO" in (r.flags or "").split(";")]
    if not vetoed:
        return {}
    stmt = (select(Unit.code, ComponentScore.note).join(ComponentScore.unit)
            .where(ComponentScore.period == run.period, ComponentScore.veto.is_(True),
                   Unit.code.in_(vetoed)))
    notes = {code: (note or "").strip() for code, note in session.execute(stmt)}
    return {code: notes.get(code, "") for code in vetoed}


def table_context(session: Session, run: EvaluationRun, rows: list[EvaluationResult]) -> dict[str, Any]:
    """Template values of the results table: ``group_names``, ``vetoes``, ``has_totals``."""
    return {"group_names": peer_group_names(session, {r.peer_group for r in rows}),
            "vetoes": veto_reasons(session, run, rows),
            "has_totals": any(r.total is not None for r in rows)}
