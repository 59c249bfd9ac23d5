"""Sample-size plan of a wave (DESIGN §7 (i)): the plan table and the quotas it implies."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.admin import bp
from app.admin._pages import actor, errors_of, field_errors, form_data, load, refused
from app.database import db_session
from survey.errors import DomainError, ValidationFailed
from survey.planning import apply_plan, margin_variables, plan_wave
from survey.waves import get_wave

Page = str | tuple[str, int] | Response
FIELDS = ("half_width", "detect", "power", "variable")


def _options(values: dict[str, str]) -> dict[str, object]:
    return {k: values.get(k, "") for k in FIELDS[:3]} | {"variable": values.get("variable") or None}


def _page(wave_id: int, values: dict[str, str], plan=None, errors=None,  # noqa: ANN001
          status: int = 200) -> tuple[str, int]:
    wave = load(get_wave, db_session(), wave_id)
    return render_template("admin/planning.html", wave=wave, plan=plan, values=values,
                           errors=errors or {}, variables=margin_variables(wave)), status


@bp.get("/waves/<dbid:wave_id>/plan")
def wave_plan(wave_id: int) -> Page:
    """The plan for the options in the query string (none: the half-width of the last run)."""
    session = db_session()
    load(get_wave, session, wave_id)
    values = {k: request.args.get(k, "") for k in FIELDS}
    try:
        plan = plan_wave(session, wave_id, **_options(values))  # type: ignore[arg-type]
    except ValidationFailed as error:
        return _page(wave_id, values, errors=field_errors(errors_of(error)), status=422)
    finally:
        session.rollback()
    return _page(wave_id, values, plan)


@bp.post("/waves/<dbid:wave_id>/plan")
def wave_plan_apply(wave_id: int) -> Page:
    """Replace the wave's quotas by the plan's (one action, audited by the quota service)."""
    session = db_session()
    load(get_wave, session, wave_id)
    values = {k: v for k, v in form_data().items() if k in FIELDS}
    try:
        plan = apply_plan(session, wave_id, actor(), **_options(values))
    except ValidationFailed as error:
        session.rollback()
        return _page(wave_id, values, errors=field_errors(errors_of(error)), status=422)
    except DomainError as error:
        session.rollback()
        return refused(error, url_for("admin.wave_plan", wave_id=wave_id))
    flash(_("%(count)s quota cells set from the sample-size plan.", count=len(plan.quotas)),
          "success")
    return redirect(url_for("admin.wave", wave_id=wave_id), 303)
