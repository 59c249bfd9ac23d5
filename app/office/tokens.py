"""Bearer tokens for the published-results API (office or admin only)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.database import db_session
from app.office import bp
from app.office.runs import require_write
from survey.errors import DomainError


@bp.route("/tokens", methods=["GET", "POST"])
def tokens() -> Any:
    """List tokens; POST creates one and shows its secret once."""
    from survey.evaluation.tokens import create_token, list_tokens

    require_write()
    session = db_session()
    errors: list[tuple[str, str]] = []
    secret, status = None, 200
    if request.method == "POST":
        try:
            _token, secret = create_token(session, request.form.get("name", ""), current_user.username,
                                          current_user.username)
        except DomainError as error:
            session.rollback()
            errors, status = getattr(error, "errors", [("name", error.message)]), 422
    return render_template("office/tokens.html", tokens=list_tokens(session), secret=secret,
                           errors=errors), status


@bp.post("/tokens/<dbid:token_id>/revoke")
def revoke_token(token_id: int) -> Any:
    from survey.evaluation.tokens import revoke_token as revoke

    require_write()
    try:
        revoke(db_session(), token_id, current_user.username)
    except DomainError as error:
        db_session().rollback()
        return render_template("error.html", code=error.status, message=error.message), error.status
    flash(_("Token %(id)s revoked.", id=token_id), "success")
    return redirect(url_for("office.tokens"), 303)
