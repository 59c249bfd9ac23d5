"""``POST /api/v1/waves/<wave>/submissions``: the JSON submission API (DESIGN §6, §11)."""

from __future__ import annotations

from typing import cast

from babel import Locale
from flask import current_app, jsonify, request
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests
from werkzeug.wrappers import Response

from app.api import bp
from app.collect._shared import device_cookie, limit_per_source_and_wave
from app.database import db_session
from app.i18n import current_language
from survey.body_checks import BodyError, parse_json_body
from survey.submissions import SubmissionRequest, submit

#: The languages of the API's messages, parsed once (``force_locale`` takes a Locale as it is).
_LOCALES = {"zh_CN": Locale.parse("zh_CN"), "en": Locale.parse("en")}
DEFAULT_LOCALE = "zh_CN"


def _supported(tag: str) -> str | None:
    """The locale for a language tag (``en``, ``en-US``, ``zh``, ``zh_CN`` …), None if unknown."""
    primary = tag.replace("_", "-").split("-", 1)[0].strip().lower()
    return {"zh": "zh_CN", "en": "en"}.get(primary)


def api_locale() -> Locale:
    """The language of the API's messages (DESIGN §6): ``lang``, else the request's
    Accept-Language, else zh. An unsupported ``lang`` counts as absent; an Accept-Language that
    names no supported language gives zh. The language cookie of the HTML pages is not read."""
    chosen = _supported(request.args.get("lang", ""))
    if chosen is None:
        best = request.accept_languages.best_match(tuple(_LOCALES))
        chosen = _supported(best) if best else None
    return _LOCALES[chosen or DEFAULT_LOCALE]


@bp.post("/waves/<dbid:wave_id>/submissions")
@limit_per_source_and_wave
def create_submission(wave_id: int) -> tuple[Response, int]:
    """Store one submission; 201 new, 200 replay, 409/422/403/410 refused (nothing stored).

    This API is the web channel (no channel in the body; ``SubmissionRequest.channel`` keeps its
    default, WEB): a body with ``interviewer_id`` is a 422, and so is any other top-level key
    that is not part of a submission. Interviewer-administered interviews (CATI, paper, kiosk)
    and their interviewer_id arrive by the interview import instead.
    """
    with force_locale(api_locale()):
        return _create_submission(wave_id)


def _create_submission(wave_id: int) -> tuple[Response, int]:
    raw = request.get_data()  # 413 when the declared length is over MAX_CONTENT_LENGTH
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(raw) >= limit:
        # a chunked body: Werkzeug stops reading at the limit without saying it was cut
        raise RequestEntityTooLarge()
    try:
        payload = parse_json_body(raw)
    except BodyError as error:
        return jsonify(errors=[{"question": q, "message": m} for q, m in error.errors]), 422
    result = submit(db_session(), SubmissionRequest(
        wave_id=wave_id, body=payload,
        secret=current_app.config["SECRET_KEY"], source=request.remote_addr,
        device=device_cookie(), language=current_language()))
    if result.ok:  # committed at the edge (app.database) before the client hears 201
        return jsonify(submission_id=result.submission_id), result.status
    if result.status == 422:
        return jsonify(errors=[{"question": q, "message": m} for q, m in result.errors]), 422
    return jsonify(error=result.reason, message=result.message), result.status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> tuple[Response, int]:
    """413 as JSON: the body is over ``MAX_CONTENT_LENGTH``, with or without its length."""
    with force_locale(api_locale()):
        message = _("The request body is too large.")
    return jsonify(error="too_large", message=message), 413


@bp.errorhandler(TooManyRequests)
def _too_many(error: TooManyRequests) -> Response:
    """429 as JSON for API clients, with the Retry-After header of the limit."""
    # werkzeug builds it as a full (WSGI) Response; its annotation names the sans-IO base class
    response = cast(Response, error.get_response())
    with force_locale(api_locale()):
        message = _("Too many requests. Please wait a moment and try again.")
    response.set_data(jsonify(error="rate_limited", message=message).get_data())
    response.content_type = "application/json"
    return response
