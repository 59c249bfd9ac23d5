"""The liaisons of evaluated units (role ``unit``): who they are and which units they speak for.

A ``unit`` user is created with :func:`survey.accounts.create_user` (``unit_codes``); the
administrator changes its units here. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import audit
from survey.errors import NotFound, ValidationFailed
from survey.i18n import _
from survey.models import Role, Unit, User


def unit_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.role == Role.UNIT).order_by(User.username)))


def get_unit_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.role != Role.UNIT:
        raise NotFound(_("There is no unit user with this id."))
    return user


def set_user_units(session: Session, user: User, unit_codes: Sequence[str], actor: str) -> User:
    """Bind ``user`` (role unit) to exactly ``unit_codes`` (known units; none unbinds it: the
    account stays, its portal shows nothing)."""
    wanted = list(dict.fromkeys(c.strip() for c in unit_codes if c and c.strip()))
    units = list(session.scalars(select(Unit).where(Unit.code.in_(wanted)).order_by(Unit.code)))
    unknown = [c for c in wanted if c not in {u.code for u in units}]
    if unknown:
        raise ValidationFailed([("units", _("Unknown unit code %(code)s.", code=c)) for c in unknown])
    old = [u.code for u in user.units]
    user.units = units
    session.flush()
    audit.record(session, actor, "user.units", "user", user.id, old={"units": old},
                 new={"units": [u.code for u in units]})
    return user


def units_for(session: Session, user: User) -> list[Unit]:
    """The units whose portal ``user`` may open: its own (role unit), every unit (office, admin)."""
    if user.role == Role.UNIT:
        return list(user.units)
    if user.role in (Role.OFFICE, Role.ADMIN):
        return list(session.scalars(select(Unit).order_by(Unit.code)))
    return []
