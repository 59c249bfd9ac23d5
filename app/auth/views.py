"""Login (rate-limited, generic error), logout and the password change."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from app.auth.login_sessions import end_session, keep_session, start_session
from app.authz import public
from app.database import db_session
from app.extensions import limiter
from app.i18n import safe_next
from survey.accounts import authenticate, change_password, end_all_sessions
from survey.errors import ValidationFailed
from survey.models import Role

bp = Blueprint("auth", __name__)


def home_for(role: Role) -> str:
    return {
        Role.ADMIN: url_for("admin.dashboard"),
        Role.OFFICE: url_for("office.dashboard"),
        Role.UNIT: url_for("unit.index"),
    }.get(role, url_for("office.dashboard"))


def _login_limit() -> str:
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login() -> str | tuple[str, int] | Response:
    """Sign in; a wrong username or password gets the same message."""
    from app.auth.forms import LoginForm

    form = LoginForm()
    if form.validate_on_submit():
        session = db_session()
        user = authenticate(session, form.username.data or "", form.password.data or "")
        if user is None:
            flash(_("The username or password is not correct."), "error")
            return render_template("auth/login.html", form=form), 401
        start_session(user)  # the login is committed at the edge (app.database)
        return redirect(safe_next(request.args.get("next"), home_for(user.role)), code=303)
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(current_user.role))
    return render_template("auth/login.html", form=form), 400 if request.method == "POST" else 200


@bp.post("/logout")
@public
def logout() -> Response:
    """Sign out everywhere: every session of the user ends, not only this browser's."""
    if current_user.is_authenticated:
        end_all_sessions(db_session(), current_user, actor=current_user.username)
    logout_user()
    end_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("public.index"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@public
@login_required
def password() -> str | Response | tuple[str, int]:
    """Change one's own password; every other session of the user ends."""
    values: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = request.form
        try:
            change_password(db_session(), current_user, form.get("current", ""), form.get("new", ""),
                            form.get("confirm", ""), actor=current_user.username)
        except ValidationFailed as error:  # a 400: rolled back at the edge
            for field, message in error.errors:
                errors.setdefault(field, []).append(message)
            return render_template("auth/password.html", values=values, errors=errors), 400
        keep_session(current_user)
        flash(_("Your password was changed. Every other session of your account has ended."),
              "success")
        return redirect(home_for(current_user.role), code=303)
    return render_template("auth/password.html", values=values, errors=errors)
