"""The office's comments explorer (倾听意见): every unit's comments of a wave, redacted, with
keywords, dissatisfied and satisfied terms, rising themes, and their export.

The office and the administrator read every comment (masked, like everyone: no page shows a
comment unredacted); viewers do not.
"""

from __future__ import annotations

import re

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.database import db_session
from app.i18n import current_language
from app.office import bp
from survey.comments.browse import MOODS, browse
from survey.comments.corpus import CommentAnalysis, comment_analysis
from survey.comments.exports import FORMATS, MEDIA_TYPES, export_comments
from survey.comments.extract import WAVE, masked_counts
from survey.models import Role, Submission, SubmissionStatus, Unit, Wave


def _require_reader() -> None:
    if current_user.role not in (Role.OFFICE, Role.ADMIN):
        abort(403)


def _wave(wave_id: int) -> Wave:
    _require_reader()
    wave = db_session().get(Wave, wave_id)
    if wave is None:
        abort(404)
    return wave


def _unit(unit_id: int) -> Unit:
    unit = db_session().get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


@bp.get("/comments")
def comments_index() -> str:
    """The waves whose comments can be read."""
    _require_reader()
    session = db_session()
    waves = session.scalars(select(Wave).order_by(Wave.opens_at.desc())).all()
    accepted: dict[int, int] = dict(session.execute(
        select(Submission.wave_id, func.count(Submission.id))
        .where(Submission.status == SubmissionStatus.ACCEPTED).group_by(Submission.wave_id)).tuples().all())
    return render_template("office/comments_index.html", waves=waves, accepted=accepted)


@bp.get("/comments/waves/<dbid:wave_id>")
def comments_wave(wave_id: int) -> str:
    """Every unit of a wave: respondents, comments, dissatisfied share, mean score, keywords."""
    wave = _wave(wave_id)
    analysis = comment_analysis(db_session(), wave, k=None)
    units = {u.code: u for u in db_session().scalars(select(Unit))}
    lines = [(units.get(code), code, analysis.wave_comments.unit_respondents(code), summary)
             for code, summary in sorted(analysis.units.items()) if code != WAVE]
    silent = sorted(code for code in {c for c, _s in analysis.wave_comments.cells if c != WAVE}
                    if code not in analysis.units)
    return render_template("office/comments_wave.html", wave=wave, analysis=analysis, lines=lines,
                           units=units, silent=silent, general=analysis.units.get(WAVE),
                           masked=masked_counts(analysis.comments))


def _detail(wave: Wave, analysis: CommentAnalysis, code: str, unit: Unit | None) -> str:
    mine = analysis.unit_comments(code)
    mood = request.args.get("mood", "all")
    mood = mood if mood in MOODS else "all"
    term = request.args.get("q", "").strip()
    page = browse(mine, mood, term, request.args.get("page", 1, type=int) or 1)
    args = {"wave_id": wave.id, **({"unit_id": unit.id} if unit else {})}
    title = f"{unit.code} {unit.display_name(current_language())}" if unit else _("The survey as a whole")
    return render_template(
        "office/comments_unit.html", wave=wave, unit=unit, title=title, summary=analysis.units.get(code),
        corpus=analysis.comments, count=len(mine), masked=masked_counts(mine), page=page, mood=mood,
        term=term, previous_period=analysis.previous_period, args=args,
        respondents=analysis.wave_comments.unit_respondents(code),
        weight_source=analysis.wave_comments.weight_source,
        endpoint="office.comments_unit" if unit else "office.comments_general")


@bp.get("/comments/waves/<dbid:wave_id>/units/<dbid:unit_id>")
def comments_unit(wave_id: int, unit_id: int) -> str:
    """One unit's comments of a wave, all of them, redacted."""
    wave = _wave(wave_id)
    unit = _unit(unit_id)
    return _detail(wave, comment_analysis(db_session(), wave, k=None), unit.code, unit)


@bp.get("/comments/waves/<dbid:wave_id>/general")
def comments_general(wave_id: int) -> str:
    """Comments about the wave as a whole (text questions asked once, not about a unit)."""
    wave = _wave(wave_id)
    return _detail(wave, comment_analysis(db_session(), wave, k=None), WAVE, None)


@bp.get("/comments/waves/<dbid:wave_id>/units/<dbid:unit_id>.<fmt>")
def comments_unit_export(wave_id: int, unit_id: int, fmt: str) -> Response:
    """One unit's comments of a wave as CSV or XLSX (redacted, with weights and strata)."""
    wave = _wave(wave_id)
    unit = _unit(unit_id)
    return _export(wave, unit.code, unit.name, fmt)


@bp.get("/comments/waves/<dbid:wave_id>/general.<fmt>")
def comments_general_export(wave_id: int, fmt: str) -> Response:
    wave = _wave(wave_id)
    return _export(wave, WAVE, "", fmt)


def _export(wave: Wave, code: str, name: str, fmt: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    analysis = comment_analysis(db_session(), wave, k=None)
    data = export_comments(analysis.unit_comments(code), fmt, period=wave.period, unit_code=code,
                           unit_name=name, office=True, moment=wave.closes_at)
    response = Response(data, mimetype=MEDIA_TYPES[fmt])
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", f"{code or 'wave'}-{wave.period}")
    response.headers["Content-Disposition"] = f'attachment; filename="minyi-comments-{safe}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
