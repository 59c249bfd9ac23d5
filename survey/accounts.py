"""User accounts: creation with validation, authentication, password hashing (scrypt)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from survey import audit
from survey.db import utcnow
from survey.errors import Conflict, ValidationFailed
from survey.i18n import _
from survey.models import Role, Unit, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
MIN_PASSWORD_LENGTH = 10
# A hash to check against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def generate_password() -> str:
    """A random password that is easy to type (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


def create_user(
    session: Session,
    username: str,
    role: Role | str,
    password: str,
    *,
    actor: str,
    unit_code: str | None = None,
    unit_codes: Sequence[str] = (),
) -> User:
    """Create a user after checking every field; raises ValidationFailed / Conflict.

    ``unit_code`` binds a viewer to one unit; ``unit_codes`` are the units of a ``unit`` user
    (refused for the other roles; a unit user without units sees nothing until it is bound).
    """
    errors: list[tuple[str, str]] = []
    if not USERNAME_RE.match(username or ""):
        errors.append(("username", _("A username has 3 to 64 letters, digits, '.', '_' or '-'.")))
    try:
        role = Role(role)
    except ValueError:
        errors.append(("role", _("Unknown role %(role)s: use admin, office, viewer or unit.", role=role)))
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors.append(
            ("password", _("A password needs at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
        )
    unit = None
    if unit_code:
        unit = session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            errors.append(("unit", _("Unknown unit code %(code)s.", code=unit_code)))
    bound = _bound_units(session, role, unit_codes, errors)
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(_("The username %(name)s is taken.", name=username))
    user = User(
        username=username,
        role=Role(role),
        password_hash=generate_password_hash(password),
        unit_id=unit.id if unit else None,
        units=bound,
    )
    session.add(user)
    session.flush()
    new: dict[str, Any] = {"username": username, "role": Role(role).value, "unit": unit_code}
    if bound:
        new["units"] = [u.code for u in bound]
    audit.record(session, actor, "user.create", "user", user.id, new=new)
    return user


def _bound_units(session: Session, role: object, codes: Sequence[str],
                 errors: list[tuple[str, str]]) -> list[Unit]:
    """The units of a new ``unit`` user (errors appended for an unknown code)."""
    wanted = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    if not wanted:
        return []
    if role != Role.UNIT:
        errors.append(("units", _("Only a user with the role unit is bound to units.")))
        return []
    units = list(session.scalars(select(Unit).where(Unit.code.in_(wanted)).order_by(Unit.code)))
    known = {u.code for u in units}
    errors.extend(("units", _("Unknown unit code %(code)s.", code=code)) for code in wanted if code not in known)
    return units


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None (no hint which was wrong)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.active or not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


def end_all_sessions(session: Session, user: User, *, actor: str) -> None:
    """End every signed-in session of ``user`` (each one carries the old session version)."""
    user.session_version = User.session_version + 1
    session.flush()
    session.refresh(user, ["session_version"])
    audit.record(session, actor, "user.sessions_end", "user", user.id)


def change_password(session: Session, user: User, current: str, new: str, confirm: str, *,
                    actor: str) -> None:
    """Replace ``user``'s password after checking the current one; every session of the user
    ends (the caller keeps the session that made the change). Raises ValidationFailed."""
    errors: list[tuple[str, str]] = []
    if not check_password_hash(user.password_hash, current or ""):
        errors.append(("current", _("The current password is not correct.")))
    if len(new or "") < MIN_PASSWORD_LENGTH:
        errors.append(("new", _("A password needs at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)))
    elif new == current:
        errors.append(("new", _("Choose a password different from the current one.")))
    if (new or "") != (confirm or ""):
        errors.append(("confirm", _("The two new passwords are not the same.")))
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = generate_password_hash(new)
    user.session_version = User.session_version + 1
    session.flush()
    session.refresh(user, ["session_version"])
    audit.record(session, actor, "user.password_change", "user", user.id)
