"""Field-work monitoring of a wave (admin): counts, quotas, days, channels, flags, quarantine."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from app.admin import bp
from app.database import db_session
from survey import quality
from survey.errors import DomainError, NotFound, ValidationFailed
from survey.models import Submission, Wave
from survey.monitoring import wave_monitoring
from survey.responses_export import FORMATS, export_responses

REVIEWS = {"restore": quality.restore, "exclude": quality.exclude, "quarantine": quality.quarantine}


@bp.get("/monitoring")
def monitoring_index() -> str:
    """Waves to monitor, newest first."""
    waves = db_session().scalars(select(Wave).order_by(Wave.opens_at.desc())).all()
    return render_template("admin/monitoring/index.html", waves=waves)


@bp.get("/waves/<int:wave_id>/monitoring")
def monitoring(wave_id: int) -> str:
    """One wave's progress and quality, and the responses set aside for review."""
    try:
        figures = wave_monitoring(db_session(), wave_id)
    except NotFound:
        abort(404)
    return render_template("admin/monitoring/wave.html", m=figures)


@bp.post("/submissions/<int:submission_id>/review")
def review_submission(submission_id: int) -> WerkzeugResponse:
    """Restore, exclude or quarantine a response; a reason is required (audit log)."""
    session = db_session()
    submission = session.get(Submission, submission_id)
    if submission is None:
        abort(404)
    action = REVIEWS.get(request.form.get("action", ""))
    if action is None:
        abort(400)
    wave_id = submission.wave_id
    try:
        action(session, submission_id, request.form.get("reason", ""), actor=current_user.username)
        session.commit()
        flash(_("Response %(id)s: decision recorded.", id=submission_id), "success")
    except ValidationFailed as error:
        session.rollback()
        flash(_("Response %(id)s: %(message)s", id=submission_id, message=error.errors[0][1]), "error")
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
    return redirect(url_for("admin.monitoring", wave_id=wave_id) + "#quarantine", code=303)


@bp.get("/waves/<int:wave_id>/responses.<fmt>")
def responses_download(wave_id: int, fmt: str) -> Response:
    """The raw responses export (CSV or XLSX) for statisticians."""
    if fmt not in FORMATS:
        abort(404)
    try:
        data = export_responses(db_session(), wave_id, fmt)
    except NotFound:
        abort(404)
    mimetype = ("text/csv; charset=utf-8" if fmt == "csv" else
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=responses-wave-{wave_id}.{fmt}"})
