"""``POST /api/v1/waves/<wave>/submissions``: the JSON submission API (DESIGN §6, §11)."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from app.api import bp
from app.collect._shared import device_cookie, limit_per_source_and_wave
from app.database import db_session
from app.i18n import current_language
from survey.submissions import SubmissionRequest, submit_alone


@bp.post("/waves/<int:wave_id>/submissions")
@limit_per_source_and_wave
def create_submission(wave_id: int) -> tuple[Response, int]:
    """Store one submission; 201 new, 200 replay, 409/422/403/410 refused (nothing stored).

    This API is the web channel (no channel in the body; ``SubmissionRequest.channel`` keeps its
    default, WEB): a body with ``interviewer_id`` is a 422. Interviewer-administered interviews
    (CATI, paper, kiosk) and their interviewer_id arrive by the interview import instead.
    """
    session = db_session()
    result = submit_alone(session, SubmissionRequest(
        wave_id=wave_id, body=request.get_json(force=True, silent=True),
        secret=current_app.config["SECRET_KEY"], source=request.remote_addr,
        device=device_cookie(), language=current_language()))
    if result.ok:
        session.commit()
        return jsonify(submission_id=result.submission_id), result.status
    session.rollback()
    if result.status == 422:
        return jsonify(errors=[{"question": q, "message": m} for q, m in result.errors]), 422
    return jsonify(error=result.reason, message=result.message), result.status


@bp.errorhandler(TooManyRequests)
def _too_many(error: TooManyRequests) -> Response:
    """429 as JSON for API clients, with the Retry-After header of the limit."""
    response = error.get_response()
    response.set_data(jsonify(error="rate_limited", message=_(
        "Too many requests. Please wait a moment and try again.")).get_data())
    response.content_type = "application/json"
    return response
