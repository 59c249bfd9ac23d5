"""The office's dashboard: waves ready for analysis and the runs made so far."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from app.database import db_session
from app.office import bp
from survey.models import EvaluationRun, Wave


@bp.get("/")
def dashboard() -> str:
    session = db_session()
    waves = session.scalars(select(Wave).order_by(Wave.opens_at.desc())).all()
    runs = session.scalars(
        select(EvaluationRun).order_by(EvaluationRun.id.desc()).limit(20)
    ).all()
    return render_template("office/dashboard.html", waves=waves, runs=runs)
