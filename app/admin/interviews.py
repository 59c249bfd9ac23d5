"""Importing interviews collected elsewhere (CATI, paper, kiosks) into a wave from a file."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app.admin import bp
from app.admin._pages import actor, errors_of, load, uploaded_file
from app.database import db_session
from app.import_jobs import start_import
from survey.errors import DomainError
from survey.import_jobs import ImportFile, in_background, table_now
from survey.import_templates import INTERVIEW_COLUMNS
from survey.interviews import import_interview_table, import_layout
from survey.models import Wave
from survey.waves import get_wave


def _page(wave: Wave, errors: list[tuple[str, str]], status: int = 200) -> tuple[str, int]:
    return render_template("admin/interviews_import.html", wave=wave, errors=errors,
                           layout=import_layout(db_session(), wave), columns=INTERVIEW_COLUMNS), status


@bp.route("/waves/<dbid:wave_id>/interviews/import", methods=["GET", "POST"])
def interviews_import(wave_id: int) -> tuple[str, int] | Response:
    """Import interviews from a .csv or .xlsx file: every bad row reported, nothing stored then."""
    session = db_session()
    wave = load(get_wave, session, wave_id)
    if request.method == "GET":
        return _page(wave, [])
    upload = uploaded_file()
    if upload is None:
        return _page(wave, [("file", _("Choose a file to upload."))], 422)
    try:
        # a table of more than IMMEDIATE_ROWS rows (or a large workbook) is a background job
        table = table_now(ImportFile("interviews", *upload, wave_id=wave.id))
        if in_background(table):
            job_id = start_import(ImportFile("interviews", *upload, wave_id=wave.id), table)
            return redirect(url_for("admin.import_job", job_id=job_id), 303)
        report = import_interview_table(session, wave.id, upload[0], table,
                                        secret=current_app.config["SECRET_KEY"], actor=actor())
    except DomainError as error:
        session.rollback()
        return _page(wave, errors_of(error), 422)
    except IntegrityError:
        # The same interviews were stored by an import that ran at the same moment (a double
        # click): the unique (wave, interview_id) constraint refused this one as a whole.
        session.rollback()
        return _page(wave, [("file", _("Another import of these interviews finished at the same "
                                       "time, so nothing from this upload was stored. Upload the "
                                       "file again: interviews already present are skipped."))],
                     409)
    flash(_("%(imported)s interviews imported (%(rows)s rows); %(skipped)s interviews were already "
            "in this wave and were skipped.", imported=report.imported, rows=report.rows,
            skipped=report.skipped), "success")
    return redirect(url_for("admin.monitoring", wave_id=wave_id), 303)
