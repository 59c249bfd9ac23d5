"""The administrator's dashboard."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from app.admin import bp
from app.database import db_session
from survey.models import AuditLog, Questionnaire, Submission, Unit, Wave


@bp.get("/")
def dashboard() -> str:
    """Counts of what is registered and the latest administrative changes."""
    session = db_session()
    counts = {
        "units": session.scalar(select(func.count(Unit.id))),
        "questionnaires": session.scalar(select(func.count(Questionnaire.id))),
        "waves": session.scalar(select(func.count(Wave.id))),
        "submissions": session.scalar(select(func.count(Submission.id))),
    }
    waves = session.scalars(select(Wave).order_by(Wave.opens_at.desc()).limit(10)).all()
    recent = session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(10)).all()
    return render_template("admin/dashboard.html", counts=counts, waves=waves, recent=recent)
