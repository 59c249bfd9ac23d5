"""The unit portal's pages: the units one may open, and a unit's published results."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.database import db_session
from app.i18n import current_language
from app.unit import bp
from app.unit._access import allowed_unit, chosen_run
from survey.comments.portal import unit_results
from survey.comments.visibility import K_MIN
from survey.models import Role
from survey.unit_users import units_for


@bp.get("/")
def index() -> str | Response:
    """The units whose portal the user may open (straight to it when there is one)."""
    units = units_for(db_session(), current_user)
    if current_user.role == Role.UNIT and len(units) == 1:
        return redirect(url_for("unit.results", unit_id=units[0].id))
    return render_template("unit/index.html", units=units)


@bp.get("/<dbid:unit_id>/")
def results(unit_id: int) -> str:
    """A unit's published results of one period: score, rank set, trend, items, breakdowns."""
    unit = allowed_unit(unit_id)
    run, runs = chosen_run(unit)
    view = unit_results(db_session(), unit, run, current_language()) if run is not None else None
    return render_template("unit/results.html", unit=unit, run=run, runs=runs, view=view, k=K_MIN)
