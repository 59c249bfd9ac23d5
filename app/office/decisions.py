"""The office's decisions on provisional placements (DESIGN §7e): confirm or clear, with a reason."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.database import db_session
from app.office import bp
from app.office.runs import domain_error_page, load_run, render_run, require_write
from survey.errors import DomainError, ValidationFailed


@bp.post("/runs/<dbid:run_id>/decisions")
def decide(run_id: int) -> Any:
    """Confirm or clear one provisional placement; errors re-render the page with the reason kept."""
    from survey.evaluation.decisions import decide_placement

    require_write()
    load_run(run_id)
    form = request.form
    unit_code, scope = form.get("unit_code", ""), form.get("scope", "")
    try:
        decide_placement(db_session(), run_id, unit_code, scope, form.get("decision", ""),
                         form.get("reason", ""), current_user.username)
    except ValidationFailed as error:
        db_session().rollback()
        typed = {"unit_code": unit_code, "scope": scope, "decision": form.get("decision", ""),
                 "reason": form.get("reason", ""), "errors": dict(error.errors)}
        return render_run(load_run(run_id), typed), 422
    except DomainError as error:
        return domain_error_page(error)
    flash(_("Decision recorded for %(unit)s.", unit=unit_code), "success")
    return redirect(url_for("office.run_detail", run_id=run_id, _anchor="decisions"), 303)
