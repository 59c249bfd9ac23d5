"""Ways into a survey: the wave's landing page (open link), the invitation code, the QR link."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.collect import _state, bp
from app.collect._links import see_other
from app.collect._shared import (
    DEVICE_COOKIE,
    device_cookie,
    limit_per_source_and_wave,
    new_device_id,
)
from app.database import db_session
from app.i18n import current_language, safe_next
from survey.db import utcnow
from survey.devices import device_answered
from survey.drafts import load_draft
from survey.hashing import keyed_hash
from survey.invitations import find_invitation, group_code, normalize_code
from survey.models import AccessMode, Wave
from survey.submission_store import definition_of

LARGE_COOKIE = "minyi_large"
#: What went wrong with the last code typed, shown on ``GET /s/code`` (Post/Redirect/Get).
CODE_PROBLEM = "code_problem"
MAX_CODE_LENGTH = 128


def message_page(status: int, title: str, message: str, wave: Wave | None = None) -> tuple[str, int]:
    return render_template("collect/message.html", title=title, message=message,
                           wave=wave, status=status), status


def closed_page(wave: Wave | None) -> tuple[str, int]:
    return message_page(410, _("This survey is closed"), _(
        "This survey is not open at the moment. Thank you for your interest."), wave)


def used_page(wave: Wave | None) -> tuple[str, int]:
    return message_page(409, _("This code has already been used"), _(
        "A response has already been received with this invitation code. Each code can be used once."),
        wave)


def _device_answered(wave: Wave) -> bool:
    device = device_cookie()
    if not device:
        return False
    device_hash = keyed_hash(current_app.config["SECRET_KEY"], "device", device)
    return device_answered(db_session().connection(), wave.id, device_hash)


@bp.get("/<dbid:wave_id>")
def start(wave_id: int) -> str | tuple[str, int]:
    """A wave's landing page: what the survey is (from its questionnaire), and the start."""
    db = db_session()
    wave = db.get(Wave, wave_id)
    if wave is None:
        abort(404)
    if not wave.accepts_at(utcnow()):
        return closed_page(wave)
    if wave.access == AccessMode.OPEN and _device_answered(wave):
        return message_page(409, _("You have already answered"), _(
            "A response to this survey was already sent from this device. Thank you!"), wave)
    definition = definition_of(db, wave.questionnaire_version_id)
    introduction = definition.label(definition.introduction, current_language())
    state = _state.current(wave_id)
    resume = state is not None and not state.done and wave.access == AccessMode.OPEN
    return render_template("collect/start.html", wave=wave, resume=resume,
                           introduction=introduction)


@bp.post("/<dbid:wave_id>/begin")
def begin(wave_id: int) -> Response | tuple[str, int]:
    """Start an open-link survey: a fresh submission id and signed issue time."""
    wave = db_session().get(Wave, wave_id)
    if wave is None:
        abort(404)
    if not wave.accepts_at(utcnow()):
        return closed_page(wave)
    if wave.access != AccessMode.OPEN:
        return see_other("collect.start", wave_id=wave_id)
    state = _state.current(wave_id)
    if state is None or state.done:
        state = _state.SurveyState.new(wave_id)
        _state.store(state)
    response = see_other("collect.page", wave_id=wave_id, page=state.page)
    if device_cookie() is None:
        response.set_cookie(DEVICE_COOKIE, new_device_id(), max_age=365 * 24 * 3600,
                            httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def _enter(code: str) -> Response | tuple[str, str | None]:
    """Open (or resume) the survey of ``code``: a redirect to its page, or what went wrong
    (``invalid``, ``closed`` or ``used``) and the wave."""
    db = db_session()
    invitation = None
    if len(code) <= MAX_CODE_LENGTH and normalize_code(code):
        invitation = find_invitation(db, current_app.config["SECRET_KEY"], code)
    if invitation is None or invitation.revoked_at is not None:
        return "invalid", None
    wave = db.get(Wave, invitation.wave_id)
    if wave is None or not wave.accepts_at(utcnow()):
        return "closed", str(invitation.wave_id)
    if invitation.used_at is not None:
        return "used", str(wave.id)
    state = _state.current(wave.id)
    if state is None or state.invitation_id != invitation.id or state.done:
        state = _state.SurveyState.new(wave.id, group_code(normalize_code(code)), invitation.id)
    # the draft is the latest copy, wherever it was saved (this device or another)
    draft = load_draft(db, invitation.id)
    if draft is not None and isinstance(draft.answers, dict):
        state.resume(draft.answers)
    _state.store(state)
    return see_other("collect.page", wave_id=wave.id, page=state.page)


def _problem_page(kind: str, code: str = "", wave_id: str | None = None) -> tuple[str, int]:
    """The code page (or a message) saying what went wrong with a code."""
    wave = db_session().get(Wave, int(wave_id)) if wave_id else None
    if kind == "closed":
        return closed_page(wave)
    if kind == "used":
        return used_page(wave)
    if kind == "empty":
        return render_template("collect/code.html", code="", wave=None, error=_(
            "Enter the invitation code from your letter or message.")), 422
    return render_template("collect/code.html", code=code, wave=None, error=_(
        "This invitation code is not valid. Check it and try again.")), 403


@bp.get("/code")
def code_page() -> str | tuple[str, int]:
    """The code form; after a code was refused, the form again with what went wrong."""
    problem = session.pop(CODE_PROBLEM, None)
    if isinstance(problem, dict):
        return _problem_page(str(problem.get("kind")), str(problem.get("code") or ""),
                             problem.get("wave"))
    return render_template("collect/code.html", code="", wave=None, error=None)


@bp.post("/code")
@limit_per_source_and_wave
def enter_code() -> Response:
    """The code typed on the home page or the code page. A refused code comes back to the code
    page by a redirect (Back never offers to send the form again); the typed code is kept."""
    code = request.form.get("code", "")
    if not code.strip():
        session[CODE_PROBLEM] = {"kind": "empty"}
        return see_other("collect.code_page")
    entered = _enter(code)
    if isinstance(entered, Response):
        return entered
    kind, wave_id = entered
    # a refused code is kept to be corrected; a valid one (used, closed) is not kept
    session[CODE_PROBLEM] = {"kind": kind, "code": code.strip()[:MAX_CODE_LENGTH] if kind == "invalid"
                             else "", "wave": wave_id}
    return see_other("collect.code_page")


@bp.get("/code/<path:code>")
@limit_per_source_and_wave
def code_link(code: str) -> Response | tuple[str, int]:
    """The link printed as a QR code on an invitation letter."""
    entered = _enter(code)
    if isinstance(entered, Response):
        return entered
    kind, wave_id = entered
    return _problem_page(kind, code if kind == "invalid" else "", wave_id)


@bp.get("/large")
def large_text() -> Response:
    """Toggle large text (a cookie read by the base template) and go back."""
    response = redirect(safe_next(request.args.get("next")), code=303)
    if request.args.get("on") == "1":
        response.set_cookie(LARGE_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    else:
        response.delete_cookie(LARGE_COOKIE)
    return response
