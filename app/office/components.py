"""Importing base / differential / bonus scores (office or admin only)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.database import db_session
from app.office import bp
from app.office.runs import require_write
from survey.errors import ValidationFailed
from survey.import_templates import COMPONENT_COLUMNS


@bp.route("/components", methods=["GET", "POST"])
def components() -> Any:
    """Upload a CSV/XLSX of component scores; every error is listed with its row."""
    from survey.evaluation.components import COLUMNS, import_components, list_components

    require_write()
    session = db_session()
    errors: list[tuple[str, str]] = []
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            errors, status = [("", _("Choose a .csv or .xlsx file."))], 422
        else:
            try:
                rows = import_components(session, upload.filename, upload.read(), current_user.username)
                session.commit()
                flash(_("%(n)s component rows imported.", n=len(rows)), "success")
                return redirect(url_for("office.components"), 303)
            except ValidationFailed as error:
                session.rollback()
                errors, status = error.errors, 422
    return render_template("office/components.html", errors=errors, columns=COLUMNS,
                           template_columns=COMPONENT_COLUMNS,
                           rows=list_components(session, request.args.get("period"))), status
