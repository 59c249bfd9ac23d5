"""The office's dashboard: waves ready for analysis, the runs made so far, what to do next."""

from __future__ import annotations

from typing import cast

from flask import Flask, render_template
from sqlalchemy import case, func, select

from app.database import db_session
from app.office import bp
from app.office.runs import can_write, viewer_unit
from app.office.words import init_words
from survey.models import EvaluationResult, EvaluationRun, RunStatus, Wave

bp.record_once(lambda state: init_words(cast(Flask, state.app)))


@bp.app_template_global()
def flag_text(flag: str) -> str:
    """Plain-language meaning of a unit flag (for ``<abbr title>`` and legends)."""
    from survey.evaluation.report import flag_text as text

    return text(flag)


@bp.get("/")
def dashboard() -> str:
    session = db_session()
    waves = session.scalars(select(Wave).order_by(Wave.opens_at.desc())).all()
    stmt = select(EvaluationRun).order_by(EvaluationRun.id.desc()).limit(50)
    if viewer_unit() is not None:
        stmt = stmt.where(EvaluationRun.status != RunStatus.DRAFT)
    runs = session.scalars(stmt).all()
    years = sorted({int(w.period[:4]) for w in waves if w.period[:4].isdigit()}, reverse=True)
    return render_template("office/dashboard.html", waves=waves, runs=runs, years=years,
                           can_write=can_write(), undecided=_undecided(session, [r.id for r in runs]))


def _undecided(session, run_ids: list[int]) -> dict[int, int]:
    """Provisional placements the office has not decided, per run (one aggregate query)."""
    if not run_ids:
        return {}
    provisional = (case((EvaluationResult.social_tier_status == "provisional", 1), else_=0)
                   + case((EvaluationResult.total_tier_status == "provisional", 1), else_=0))
    stmt = (select(EvaluationResult.run_id, func.sum(provisional))
            .where(EvaluationResult.run_id.in_(run_ids)).group_by(EvaluationResult.run_id))
    return {run_id: int(count or 0) for run_id, count in session.execute(stmt)}
