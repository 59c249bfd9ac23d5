"""User accounts: creation with validation, authentication, password hashing (scrypt)."""

from __future__ import annotations

import re
import secrets

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
) -> User:
    """Create a user after checking every field; raises ValidationFailed / Conflict."""
    errors: list[tuple[str, str]] = []
    if not USERNAME_RE.match(username or ""):
        errors.append(("username", _("A username has 3 to 64 letters, digits, '.', '_' or '-'.")))
    try:
        role = Role(role)
    except ValueError:
        errors.append(("role", _("Unknown role %(role)s: use admin, office or viewer.", role=role)))
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors.append(
            ("password", _("A password needs at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
        )
    unit = None
    if unit_code:
        unit = session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            errors.append(("unit", _("Unknown unit code %(code)s.", code=unit_code)))
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(_("The username %(name)s is taken.", name=username))
    user = User(
        username=username,
        role=Role(role),
        password_hash=generate_password_hash(password),
        unit_id=unit.id if unit else None,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "user.create", "user", user.id,
        new={"username": username, "role": Role(role).value, "unit": unit_code},
    )
    return user


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
