"""Field-work monitoring of a wave (admin): counts, quotas, days, channels, interviewers, flags,
the review list of flagged and set-aside responses, and the decisions on one response or on all
the interviews of one interviewer (issue 13)."""

from __future__ import annotations

import tempfile
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from app.admin import bp
from app.admin._pages import actor, errors_of
from app.database import db_session
from app.i18n import current_language
from survey import quality
from survey.errors import DomainError, NotFound, ValidationFailed
from survey.evaluation.padding import latest_run_findings, wave_findings
from survey.models import Submission, Wave
from survey.monitoring import ANY_FLAG, FLAG_WORDS, flag_text, wave_monitoring
from survey.responses_export import FORMATS, csv_chunks, response_rows, write_xlsx

REVIEWS = {"restore": quality.restore, "exclude": quality.exclude, "quarantine": quality.quarantine}
#: The last page of the review list that is served (a larger ``?page=`` shows this one).
MAX_PAGE = 100_000
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INTERVIEWER_REVIEWS = {"quarantine": quality.quarantine_interviewer,
                       "restore": quality.restore_interviewer}


@bp.get("/monitoring")
def monitoring_index() -> str:
    """Waves to monitor, newest first."""
    waves = db_session().scalars(select(Wave).order_by(Wave.opens_at.desc())).all()
    return render_template("admin/monitoring/index.html", waves=waves)


def _page(wave_id: int, status: int = 200, decision: dict[str, Any] | None = None
          ) -> tuple[str, int]:
    """The wave's monitoring page (``?flag=`` filters the review list, ``?page=`` pages it);
    ``decision``: the refused interviewer form (its interviewer, typed reason and errors)."""
    try:
        page = min(max(int(request.args.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        page = 1
    try:
        figures = wave_monitoring(db_session(), wave_id, flag=request.args.get("flag") or None,
                                  page=page, lang=current_language())
    except NotFound:
        abort(404)
    # the padding tests: as the latest run recorded them, or on the data as it stands (?tests=1)
    live = request.args.get("tests") == "1"
    findings_run, findings = (None, wave_findings(db_session(), wave_id)) if live else \
        latest_run_findings(db_session(), wave_id)
    return render_template("admin/monitoring/wave.html", m=figures, flag_text=flag_text,
                           any_flag=ANY_FLAG, decision=decision or {}, findings=findings,
                           findings_live=live, findings_run=findings_run), status


@bp.get("/waves/<dbid:wave_id>/monitoring")
def monitoring(wave_id: int) -> tuple[str, int]:
    """One wave's progress and quality, its interviewers and the responses to review."""
    return _page(wave_id)


def _back(wave_id: int, anchor: str) -> str:
    """The monitoring page again, with the review list's filter the form was posted from."""
    flag = request.form.get("flag", "")
    args = {"flag": flag} if flag in FLAG_WORDS or flag == ANY_FLAG else {}
    return url_for("admin.monitoring", wave_id=wave_id, **args) + anchor


@bp.post("/submissions/<dbid:submission_id>/review")
def review_submission(submission_id: int) -> WerkzeugResponse:
    """Restore, exclude or quarantine a response; a reason is required (audit log)."""
    session = db_session()
    submission = session.get(Submission, submission_id)
    if submission is None:
        abort(404)
    action = REVIEWS.get(request.form.get("action", ""))
    if action is None:
        abort(400)
    wave_id = submission.wave_id
    try:
        action(session, submission_id, request.form.get("reason", ""), actor=actor())
        flash(_("Response %(id)s: decision recorded.", id=submission_id), "success")
    except ValidationFailed as error:
        session.rollback()
        flash(_("Response %(id)s: %(message)s", id=submission_id, message=error.errors[0][1]), "error")
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
    return redirect(_back(wave_id, "#review"), code=303)


@bp.post("/waves/<dbid:wave_id>/interviewers/<interviewer_id>/review")
def review_interviewer(wave_id: int, interviewer_id: str) -> tuple[str, int] | WerkzeugResponse:
    """Set aside, or restore, all the interviews of one interviewer in one decision (reason
    required): 303 back to the page, or the page with the error next to the form."""
    action = INTERVIEWER_REVIEWS.get(request.form.get("action", ""))
    if action is None:
        abort(400)
    session = db_session()
    reason = request.form.get("reason", "")
    try:
        count = action(session, wave_id, interviewer_id, reason, actor())
    except NotFound:
        session.rollback()
        abort(404)
    except DomainError as error:
        session.rollback()
        return _page(wave_id, error.status, decision={
            "interviewer": interviewer_id, "reason": reason,
            "errors": [message for _field, message in errors_of(error)]})
    if request.form.get("action") == "quarantine":
        flash(_("%(count)s interviews of interviewer %(interviewer)s were set aside.",
                count=count, interviewer=interviewer_id), "success")
    else:
        flash(_("%(count)s interviews of interviewer %(interviewer)s were restored.",
                count=count, interviewer=interviewer_id), "success")
    return redirect(url_for("admin.monitoring", wave_id=wave_id) + "#interviewers", code=303)


@bp.get("/waves/<dbid:wave_id>/responses.<fmt>")
def responses_download(wave_id: int, fmt: str) -> Response:
    """The raw responses export for statisticians: CSV streamed row by row as it is read; XLSX
    written row by row to a temporary file, then streamed. Memory stays flat either way."""
    if fmt not in FORMATS:
        abort(404)
    try:
        header, rows = response_rows(db_session(), wave_id)
    except NotFound:
        abort(404)
    name = f"responses-wave-{wave_id}.{fmt}"
    if fmt == "csv":
        return Response(stream_with_context(csv_chunks(header, rows)),
                        mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename={name}"})
    # deleted when closed: by the response once sent, or here if writing fails
    spooled = tempfile.TemporaryFile(prefix="minyi-export-")  # noqa: SIM115
    try:
        write_xlsx(header, rows, spooled)
    except BaseException:
        spooled.close()
        raise
    size = spooled.tell()
    spooled.seek(0)
    response = send_file(spooled, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name)
    response.content_length = size
    return response
