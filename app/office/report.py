"""The 通报 (quarterly notification): its page with the heading form, and its Word and PDF files.

The page shows the notice as it will read; the form on it takes the heading (issuing office,
document number, date, recipients) and returns the DOCX or the PDF. ``report.docx`` and
``report.pdf`` give the files with the default heading.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from app.database import db_session
from app.i18n import language_of
from app.office import bp
from app.office.runs import load_run, viewer_unit
from survey.models import EvaluationRun
from survey.models.waves import WAVE_TIMEZONE

FORMATS = ("docx", "pdf")


def sponsor() -> str:
    """The issuing office named on reports (``OFFICE_SPONSOR``, else the default name)."""
    return current_app.config.get("OFFICE_SPONSOR") or _("City comprehensive target assessment office")


def default_heading():
    """The heading before the office changes it: the configured office and recipients, today."""
    from survey.evaluation.report_model import NoticeHeading

    recipients = (current_app.config.get("NOTICE_RECIPIENTS")
                  or _("The district governments and the departments of the city government"))
    return NoticeHeading(issuer=sponsor(), number="", date=datetime.now(ZoneInfo(WAVE_TIMEZONE)).date(),
                         recipients=recipients)


def _language() -> str:
    return language_of(str(get_locale()))


def _notice(run: EvaluationRun, heading: Any):
    from survey.evaluation.report_model import build_notice

    return build_notice(db_session(), run, heading, viewer_unit(), _language())


def _page(run: EvaluationRun, heading: Any, errors: list[tuple[str, str]] | None = None,
          status: int = 200) -> tuple[str, int]:
    from survey.evaluation.report_model import section_title

    values = {"issuer": heading.issuer, "number": heading.number, "recipients": heading.recipients,
              "date": heading.date.isoformat()}
    if errors:  # keep what was typed, even a date that could not be read
        values.update({k: request.form.get(k, values[k]) for k in values})
    return render_template("office/report.html", run=run, notice=_notice(run, heading), values=values,
                           errors=dict(errors or []), section_title=section_title), status


@bp.get("/runs/<dbid:run_id>/report")
def report(run_id: int) -> tuple[str, int]:
    """The notice as it will read, with the heading form for the Word and PDF files."""
    return _page(load_run(run_id), default_heading())


def _file(run: EvaluationRun, heading: Any, fmt: str) -> Response:
    from survey.evaluation.report_docx import DOCX_MIMETYPE, report_docx
    from survey.evaluation.report_pdf import PDF_MIMETYPE, report_pdf

    notice = _notice(run, heading)
    if fmt == "docx":
        data, mimetype = report_docx(notice), DOCX_MIMETYPE
    else:
        data, mimetype = report_pdf(notice), PDF_MIMETYPE
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="minyi-notice-{run.period}-{run.id}.{fmt}"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/runs/<dbid:run_id>/notice")
def notice_file(run_id: int) -> Response | tuple[str, int]:
    """The notice with the heading typed on the form, as DOCX or PDF (the button pressed)."""
    from survey.evaluation.report_model import parse_heading

    run = load_run(run_id)
    fmt = request.form.get("format", "")
    if fmt not in FORMATS:
        abort(400)
    heading, errors = parse_heading({k: request.form.get(k) for k in ("issuer", "number", "date",
                                                                       "recipients")},
                                    default_heading())
    if errors:
        return _page(run, heading, errors, 400)
    return _file(run, heading, fmt)


@bp.get("/runs/<dbid:run_id>/report.pdf")
def report_pdf(run_id: int) -> Response:
    """The notice with the default heading, as PDF."""
    return _file(load_run(run_id), default_heading(), "pdf")


@bp.get("/runs/<dbid:run_id>/report.docx")
def report_docx(run_id: int) -> Response:
    """The notice with the default heading, as an editable Word document."""
    return _file(load_run(run_id), default_heading(), "docx")


@bp.get("/runs/<dbid:run_id>/report/charts/<key>.png")
def report_chart(run_id: int, key: str) -> Response:
    """A chart of the notice as the page shows it."""
    run = load_run(run_id)
    chart = _notice(run, default_heading()).chart(key)
    if chart is None:
        abort(404)
    response = Response(chart.png(dpi=100), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
