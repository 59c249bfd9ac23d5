"""The quarterly report (按季通报): a print-ready page and a PDF download."""

from __future__ import annotations

from flask import Response, current_app, render_template
from flask_babel import gettext as _

from app.database import db_session
from app.office import bp
from app.office.runs import load_run, viewer_unit


def sponsor() -> str:
    """The issuing office named on reports (``OFFICE_SPONSOR``, else the default name)."""
    return current_app.config.get("OFFICE_SPONSOR") or _("City comprehensive target assessment office")


@bp.get("/runs/<int:run_id>/report")
def report(run_id: int) -> str:
    """Print-ready report: ranked results with rank sets and tier statuses, the office's decisions,
    CONSEC_BOTTOM evidence (annual runs), charts and the AAPOR-style disclosure."""
    from survey.evaluation.report import (
        RANKSET_NOTE,
        consec_bottom_evidence,
        decision_lines,
        disclosure,
        flags_used,
        grouped_rows,
        pending_lines,
        report_cells,
        visible_rows,
    )
    from survey.evaluation.report_pdf import disclosure_lines

    run = load_run(run_id)
    unit = viewer_unit()
    info = disclosure(db_session(), run, sponsor())
    return render_template("office/report.html", run=run, groups=grouped_rows(run, unit),
                           cells=report_cells(run, unit), rankset_note=_(RANKSET_NOTE),
                           decided=decision_lines(run, unit), pending=pending_lines(run, unit),
                           consec=consec_bottom_evidence(run, unit),
                           legend=flags_used(visible_rows(run, unit)), info=info,
                           lines=disclosure_lines(info))


@bp.get("/runs/<int:run_id>/report.pdf")
def report_pdf(run_id: int) -> Response:
    from survey.evaluation.report import disclosure
    from survey.evaluation.report_pdf import report_pdf as build

    run = load_run(run_id)
    data = build(db_session(), run, disclosure(db_session(), run, sponsor()), viewer_unit())
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="minyi-report-{run.period}-{run.id}.pdf"'
    return response
