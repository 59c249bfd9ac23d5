"""Invitation codes: issue (CSV download or printable QR sheet, shown once), revoke."""

from __future__ import annotations

import segno
from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response as BaseResponse

from app.admin import bp
from app.admin._pages import actor, load, refused
from app.database import db_session
from survey.errors import DomainError
from survey.invitations import codes_csv, issue_codes, revoke_code, revoke_unused
from survey.waves import get_wave

Page = str | tuple[str, int] | BaseResponse


def code_link_template() -> str:
    """The absolute link of a code (``collect.code_link``), with a ``{code}`` placeholder."""
    try:
        link = url_for("collect.code_link", code="CODE", _external=True)
        return link.replace("CODE", "{code}")
    except BuildError:  # the citizen pages are not registered (yet)
        return request.url_root.rstrip("/") + "/s/code/{code}"


@bp.post("/waves/<dbid:wave_id>/codes")
def codes_issue(wave_id: int) -> Page:
    """Issue codes; the response is the only place they appear (CSV or printable sheet)."""
    session = db_session()
    wave = load(get_wave, session, wave_id)
    count_text = request.form.get("count", "").strip()
    back = url_for("admin.wave", wave_id=wave_id)
    try:
        count = int(count_text) if count_text.isdigit() else 0
        issued = issue_codes(session, wave, count, request.form.get("stratum"),
                             current_app.config["SECRET_KEY"], actor())
    except DomainError as error:
        session.rollback()
        return refused(error, back)
    link = code_link_template()
    if request.form.get("output") == "sheet":
        cards = [(item, Markup(segno.make(link.format(code=item.code), error="m").svg_inline(
            scale=3, title=item.code)), link.format(code=item.code)) for item in issued]
        response = Response(render_template("admin/codes_sheet.html", wave=wave, cards=cards))
    else:
        response = Response(codes_csv(wave, issued, link).encode("utf-8-sig"),
                            mimetype="text/csv", headers={
                                "Content-Disposition":
                                    f'attachment; filename="wave-{wave.id}-codes.csv"'})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/waves/<dbid:wave_id>/codes/revoke")
def codes_revoke(wave_id: int) -> Page:
    """Revoke one unused code (typed by the administrator)."""
    session = db_session()
    wave = load(get_wave, session, wave_id)
    try:
        revoke_code(session, wave, request.form.get("code", ""), current_app.config["SECRET_KEY"],
                    actor())
    except DomainError as error:
        session.rollback()
        return refused(error, url_for("admin.wave", wave_id=wave_id))
    flash(_("The code is revoked."), "success")
    return redirect(url_for("admin.wave", wave_id=wave_id, _anchor="codes"), 303)


@bp.post("/waves/<dbid:wave_id>/codes/revoke-unused")
def codes_revoke_unused(wave_id: int) -> Page:
    """Revoke every unused code of the wave (or of one stratum)."""
    session = db_session()
    wave = load(get_wave, session, wave_id)
    count = revoke_unused(session, wave, request.form.get("stratum", "").strip() or None, actor())
    flash(_("%(count)s unused codes revoked.", count=count), "success")
    return redirect(url_for("admin.wave", wave_id=wave_id, _anchor="codes"), 303)
