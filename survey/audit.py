"""Writing the audit trail: every administrative change records actor, action and old/new."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from survey.models import AuditLog


def _plain(value: Any) -> Any:
    """JSON-safe form of a value (enums by value, datetimes ISO)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of ``obj`` as a JSON-safe dict, for ``old`` / ``new``."""
    return {f: _plain(getattr(obj, f)) for f in fields}


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str,
    object_id: object = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> AuditLog:
    """Add one audit row (flushed with the caller's transaction, never committed here)."""
    row = AuditLog(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        old=_plain(old) if old is not None else None,
        new=_plain(new) if new is not None else None,
    )
    session.add(row)
    session.flush()
    return row
