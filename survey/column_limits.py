"""Text longer than its column, or integers beyond it, refused before the database sees them.

PostgreSQL refuses a 10,000-character peer group name in a ``VARCHAR(200)`` (and an integer over
2³¹−1 in an ``INTEGER``) with an error that ends the transaction: a 500 for the person who typed
it. SQLite stores either without a word, so the two databases disagreed. Every flush checks the
new and changed rows against their columns' lengths and ranges and raises
:class:`~survey.errors.ValidationFailed` naming the field, which every form and import already
shows as a message.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String, event, inspect
from sqlalchemy.orm import InstanceState, Mapper, Session, sessionmaker

from survey.errors import ValidationFailed
from survey.i18n import _

#: Per mapped class: (attribute, max length or None, integer range or None).
Limit = tuple[str, int | None, tuple[int, int] | None]
_LIMITS: dict[Mapper[Any], list[Limit]] = {}


def _integer_range(column_type: object) -> tuple[int, int] | None:
    for kind, bits in ((SmallInteger, 16), (BigInteger, 64), (Integer, 32)):
        if isinstance(column_type, kind):
            return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return None


def limits_of(mapper: Mapper[Any]) -> list[Limit]:
    """The checked columns of a mapped class (computed once per class)."""
    found = _LIMITS.get(mapper)
    if found is None:
        found = []
        for attribute in mapper.column_attrs:
            column_type = attribute.columns[0].type
            length = column_type.length if isinstance(column_type, String) else None
            integers = _integer_range(column_type)
            if length or integers:
                found.append((attribute.key, length, integers))
        _LIMITS[mapper] = found
    return found


def column_errors(instance: object) -> list[tuple[str, str]]:
    """``(field, message)`` for each loaded value of ``instance`` its column cannot hold."""
    state: InstanceState[Any] = inspect(instance, raiseerr=True)
    errors: list[tuple[str, str]] = []
    for key, length, integers in limits_of(state.mapper):
        value = state.dict.get(key)
        if length and isinstance(value, str) and len(value) > length:
            errors.append((key, _("At most %(max)s characters (%(length)s given).",
                                  max=length, length=len(value))))
        elif integers and isinstance(value, int) and not isinstance(value, bool) \
                and not integers[0] <= value <= integers[1]:
            errors.append((key, _("The number %(value)s is too large.", value=str(value)[:24])))
    return errors


def _check_flush(session: Session, _context: object, _instances: object) -> None:
    errors = [error for instance in (*session.new, *session.dirty) for error in column_errors(instance)]
    if errors:
        raise ValidationFailed(errors)


def enforce_column_limits(sessions: sessionmaker) -> None:
    """Check every flush of the sessions of ``sessions`` (idempotent)."""
    if not event.contains(sessions, "before_flush", _check_flush):
        event.listen(sessions, "before_flush", _check_flush)
