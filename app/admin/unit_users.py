"""Liaisons of evaluated units (role unit): create one and bind it to its units."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.admin import bp
from app.admin._pages import actor, errors_of, field_errors, load
from app.database import db_session
from survey.accounts import create_user, generate_password
from survey.errors import DomainError
from survey.models import Role
from survey.unit_users import get_unit_user, set_user_units, unit_users
from survey.units import peer_groups


def _page(values: dict[str, object], errors: dict[str, list[str]], status: int = 200,
          password: str | None = None) -> tuple[str, int]:
    session = db_session()
    return render_template("admin/unit_users.html", users=unit_users(session), groups=peer_groups(session),
                           values=values, errors=errors, password=password), status


@bp.get("/unit-users")
def unit_users_page() -> tuple[str, int]:
    """The units' liaisons and the form to add one."""
    return _page({"units": []}, {})


@bp.post("/unit-users")
def unit_user_new() -> tuple[str, int]:
    """Create a unit user bound to the chosen units; a generated password is shown once."""
    username = request.form.get("username", "").strip()
    codes = request.form.getlist("units")
    typed = request.form.get("password", "")
    password = typed or generate_password()
    values: dict[str, object] = {"username": username, "units": codes}
    session = db_session()
    try:
        user = create_user(session, username, Role.UNIT, password, actor=actor(), unit_codes=codes)
    except DomainError as error:
        session.rollback()
        return _page(values, field_errors(errors_of(error)), 422)
    flash(_("Unit user %(name)s created for %(units)s.", name=user.username,
            units=", ".join(u.code for u in user.units)), "success")
    return _page({"units": []}, {}, 201, password=None if typed else password)


@bp.route("/unit-users/<dbid:user_id>/units", methods=["GET", "POST"])
def unit_user_units(user_id: int) -> tuple[str, int] | Response:
    """Change the units a unit user speaks for."""
    session = db_session()
    user = load(get_unit_user, session, user_id)
    if request.method == "GET":
        return render_template("admin/unit_user_units.html", user=user, groups=peer_groups(session),
                               values={"units": [u.code for u in user.units]}, errors={}), 200
    codes = request.form.getlist("units")
    try:
        set_user_units(session, user, codes, actor())
    except DomainError as error:
        session.rollback()
        return render_template("admin/unit_user_units.html", user=user, groups=peer_groups(session),
                               values={"units": codes}, errors=field_errors(errors_of(error))), 422
    flash(_("The units of %(name)s are saved.", name=user.username), "success")
    return redirect(url_for("admin.unit_users_page"), 303)
