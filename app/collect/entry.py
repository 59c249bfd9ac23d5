"""Ways into a survey: the wave's landing page (open link), the invitation code, the QR link."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.collect import _state, bp
from app.collect._shared import (
    DEVICE_COOKIE,
    device_cookie,
    limit_per_source_and_wave,
    new_device_id,
)
from app.database import db_session
from app.i18n import safe_next
from survey.db import utcnow
from survey.drafts import load_draft
from survey.hashing import keyed_hash
from survey.models import AccessMode, Participation, Wave
from survey.submissions import find_invitation_any_wave

LARGE_COOKIE = "minyi_large"


def message_page(status: int, title: str, message: str, wave: Wave | None = None) -> tuple[str, int]:
    return render_template("collect/message.html", title=title, message=message,
                           wave=wave, status=status), status


def closed_page(wave: Wave | None) -> tuple[str, int]:
    return message_page(410, _("This survey is closed"), _(
        "This survey is not open at the moment. Thank you for your interest."), wave)


def _device_answered(wave: Wave) -> bool:
    device = device_cookie()
    if not device:
        return False
    device_hash = keyed_hash(current_app.config["SECRET_KEY"], "device", device)
    return db_session().query(Participation.id).filter_by(
        wave_id=wave.id, device_hash=device_hash).first() is not None


@bp.get("/<int:wave_id>")
def start(wave_id: int) -> str | tuple[str, int]:
    """A wave's landing page: what the survey is, how long it takes, and the start button."""
    wave = db_session().get(Wave, wave_id)
    if wave is None:
        abort(404)
    if not wave.accepts_at(utcnow()):
        return closed_page(wave)
    if wave.access == AccessMode.OPEN and _device_answered(wave):
        return message_page(409, _("You have already answered"), _(
            "A response to this survey was already sent from this device. Thank you!"), wave)
    state = _state.current(wave_id)
    resume = state is not None and not state.get("done") and wave.access == AccessMode.OPEN
    return render_template("collect/start.html", wave=wave, resume=resume)


@bp.post("/<int:wave_id>/begin")
def begin(wave_id: int) -> Response | tuple[str, int]:
    """Start an open-link survey: a fresh submission id and signed issue time."""
    wave = db_session().get(Wave, wave_id)
    if wave is None:
        abort(404)
    if not wave.accepts_at(utcnow()):
        return closed_page(wave)
    if wave.access != AccessMode.OPEN:
        return redirect(url_for("collect.start", wave_id=wave_id), code=303)
    state = _state.current(wave_id)
    if state is None or state.get("done"):
        _state.store(_state.new_state(wave_id))
    response = redirect(url_for("collect.page", wave_id=wave_id, page=0), code=303)
    if device_cookie() is None:
        response.set_cookie(DEVICE_COOKIE, new_device_id(), max_age=365 * 24 * 3600,
                            httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def _enter(code: str) -> Response | tuple[str, int]:
    """Check a code and open (or resume) the survey it belongs to."""
    db = db_session()
    invitation = find_invitation_any_wave(db, current_app.config["SECRET_KEY"], code)
    if invitation is None or invitation.revoked_at is not None:
        return render_template("collect/code.html", code=code, error=_(
            "This invitation code is not valid. Check it and try again."), wave=None), 403
    wave = db.get(Wave, invitation.wave_id)
    if wave is None or not wave.accepts_at(utcnow()):
        return closed_page(wave)
    if invitation.used_at is not None:
        return message_page(409, _("This code has already been used"), _(
            "A response has already been received with this invitation code. Each code can be used once."),
            wave)
    state = _state.current(wave.id)
    if state is None or state.get("i") != invitation.id or state.get("done"):
        state = _state.new_state(wave.id, code.strip(), invitation.id)
        draft = load_draft(db, invitation.id)
        if draft and isinstance(draft.answers, dict) and draft.answers.get("w") == wave.id:
            state = {**state, **draft.answers, "c": code.strip(), "i": invitation.id, "done": None}
    _state.store(state)
    page = int(state.get("p", 0) or 0)
    return redirect(url_for("collect.page", wave_id=wave.id, page=page), code=303)


@bp.post("/code")
@limit_per_source_and_wave
def enter_code() -> Response | tuple[str, int]:
    """The code typed on the home page."""
    code = request.form.get("code", "")
    if not code.strip():
        return render_template("collect/code.html", code="", wave=None,
                               error=_("Enter the invitation code from your letter or message.")), 422
    return _enter(code)


@bp.get("/code/<path:code>")
@limit_per_source_and_wave
def code_link(code: str) -> Response | tuple[str, int]:
    """The link printed as a QR code on an invitation letter."""
    return _enter(code)


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
