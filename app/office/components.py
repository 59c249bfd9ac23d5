"""Importing base / differential / bonus scores (office or admin only); a large file is a
background job (survey.import_jobs) with a page of its own."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.database import db_session
from app.import_jobs import import_job_page, start_import
from app.office import bp
from app.office.runs import require_write
from survey.errors import ValidationFailed
from survey.import_jobs import ImportFile, in_background, table_now
from survey.import_templates import COMPONENT_COLUMNS


@bp.route("/components", methods=["GET", "POST"])
def components() -> Any:
    """Upload a CSV/XLSX of component scores; every error is listed with its row."""
    from survey.evaluation.components import COLUMNS, import_component_table, list_components

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
                # a table of more than IMMEDIATE_ROWS rows (or a large workbook) is a background job
                file = ImportFile("components", upload.filename, upload.read())
                table = table_now(file)
                if in_background(table):
                    return redirect(url_for("office.import_job", job_id=start_import(file, table)), 303)
                rows = import_component_table(session, table, current_user.username)
                flash(_("%(n)s component rows imported.", n=len(rows)), "success")
                return redirect(url_for("office.components"), 303)
            except ValidationFailed as error:
                session.rollback()
                errors, status = error.errors, 422
    return render_template("office/components.html", errors=errors, columns=COLUMNS,
                           template_columns=COMPONENT_COLUMNS,
                           rows=list_components(session, request.args.get("period"))), status


@bp.get("/imports/<job_id>")
def import_job(job_id: str) -> Any:
    """Progress of a background import of component scores; what was stored, or every error."""
    require_write()
    return import_job_page(job_id, ("components",), lambda _kind, _args: {
        "again": url_for("office.components"), "result": url_for("office.components")})
