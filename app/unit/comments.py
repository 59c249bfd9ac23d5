"""The unit portal's comments: keywords, themes and redacted comments under the k rule, and
their export."""

from __future__ import annotations

import re

from flask import Response, abort, render_template, request
from sqlalchemy.orm import Session

from app.database import db_session
from app.unit import bp
from app.unit._access import allowed_unit, chosen_run
from survey.comments.browse import MOODS, browse
from survey.comments.corpus import comment_analysis
from survey.comments.exports import FORMATS, MEDIA_TYPES, export_comments
from survey.comments.extract import CommentRecord, masked_counts
from survey.comments.visibility import K_MIN, suppressed_everything
from survey.models import EvaluationRun, Unit, Wave


def _wave(session: Session, run: EvaluationRun) -> Wave:
    wave = session.get(Wave, run.wave_id)
    if wave is None:
        abort(404)
    return wave


@bp.get("/<dbid:unit_id>/comments")
def comments(unit_id: int) -> str:
    """What the unit's citizens said in one published period (k-suppressed, redacted)."""
    unit = allowed_unit(unit_id)
    run, runs = chosen_run(unit)
    if run is None:
        return render_template("unit/comments.html", unit=unit, run=None, runs=runs, k=K_MIN)
    session = db_session()
    analysis = comment_analysis(session, _wave(session, run), k=K_MIN)
    hidden = suppressed_everything(analysis.wave_comments, unit.code)
    mine = [] if hidden else analysis.unit_comments(unit.code)
    mood = request.args.get("mood", "all")
    mood = mood if mood in MOODS else "all"
    page = browse(mine, mood, request.args.get("q", ""), request.args.get("page", 1, type=int) or 1)
    return render_template(
        "unit/comments.html", unit=unit, run=run, runs=runs, hidden=hidden, k=K_MIN,
        summary=None if hidden else analysis.units.get(unit.code), corpus=analysis.comments,
        count=len(mine), masked=masked_counts(mine), page=page, mood=mood,
        term=request.args.get("q", "").strip(), previous_period=analysis.previous_period)


@bp.get("/<dbid:unit_id>/comments.<fmt>")
def comments_export(unit_id: int, fmt: str) -> Response:
    """The comments the unit may see of one period, as CSV or XLSX."""
    unit = allowed_unit(unit_id)
    if fmt not in FORMATS:
        abort(404)
    run, _runs = chosen_run(unit)
    if run is None:
        abort(404)
    session = db_session()
    analysis = comment_analysis(session, _wave(session, run), k=K_MIN)
    mine = [] if suppressed_everything(analysis.wave_comments, unit.code) else analysis.unit_comments(unit.code)
    return _download(mine, fmt, run, unit)


def _download(mine: list[CommentRecord], fmt: str, run: EvaluationRun, unit: Unit) -> Response:
    data = export_comments(mine, fmt, period=run.period, unit_code=unit.code, unit_name=unit.name,
                           office=False, moment=run.published_at or run.created_at)
    response = Response(data, mimetype=MEDIA_TYPES[fmt])
    name = re.sub(r"[^A-Za-z0-9_-]", "_", f"{unit.code}-{run.period}")
    response.headers["Content-Disposition"] = f'attachment; filename="minyi-comments-{name}.{fmt}"'

    response.headers["Cache-Control"] = "private, no-store"
    return response
