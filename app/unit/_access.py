"""Which unit and which published period a portal request may read (not a route module)."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from app.database import db_session
from survey.comments.portal import published_runs
from survey.models import EvaluationRun, Role, Unit


def allowed_unit(unit_id: int) -> Unit:
    """The unit ``unit_id`` if the user may read its portal: 403 for another unit's id (a unit
    user gets 403 for any id not its own, existing or not), 404 for a missing unit."""
    if current_user.role == Role.UNIT and unit_id not in {u.id for u in current_user.units}:
        abort(403)
    unit = db_session().get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


def chosen_run(unit: Unit) -> tuple[EvaluationRun | None, list[EvaluationRun]]:
    """The published run of the period asked for (``?period=``; default: the latest) and all
    published runs of the unit; 404 for a period without a published run of the unit."""
    runs = published_runs(db_session(), unit)
    period = request.args.get("period", "").strip()
    if not period:
        return (runs[0] if runs else None), runs
    run = next((r for r in runs if r.period == period), None)
    if run is None:
        abort(404)
    return run, runs
