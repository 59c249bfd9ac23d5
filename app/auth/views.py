"""Login (rate-limited, generic error) and logout."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from app.authz import public
from app.database import db_session
from app.extensions import limiter
from app.i18n import safe_next
from survey.accounts import authenticate
from survey.models import Role

bp = Blueprint("auth", __name__)


def home_for(role: Role) -> str:
    return {
        Role.ADMIN: url_for("admin.dashboard"),
        Role.OFFICE: url_for("office.dashboard"),
    }.get(role, url_for("office.dashboard"))


def _login_limit() -> str:
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login() -> str | Response:
    """Sign in; a wrong username or password gets the same message."""
    from app.auth.forms import LoginForm

    form = LoginForm()
    if form.validate_on_submit():
        session = db_session()
        user = authenticate(session, form.username.data or "", form.password.data or "")
        if user is None:
            session.rollback()
            flash(_("The username or password is not correct."), "error")
            return render_template("auth/login.html", form=form), 401
        session.commit()
        login_user(user)
        return redirect(safe_next(request.args.get("next"), home_for(user.role)), code=303)
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(current_user.role))
    return render_template("auth/login.html", form=form), 400 if request.method == "POST" else 200


@bp.post("/logout")
@public
def logout() -> Response:
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("public.index"), code=303)
