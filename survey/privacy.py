"""Rewriting a wave's participation records together, so that nothing in the storage engine
pairs each one with its submission any more (docs/privacy.md).

On PostgreSQL every row carries ``xmin``, the transaction that wrote it: a used invitation's row
and its submission's rows share one, and a live superuser can join them (``pg_dump`` does not
write it). Rewriting every used invitation and every device list of the wave in one transaction
gives them all the same ``xmin``. On SQLite it ends the write-ahead log's record of which page
changed with which submission: the rows are rewritten and the log is checkpointed and emptied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnClause, CursorResult, func, literal_column, select, text, update
from sqlalchemy.orm import Session

from survey.audit import record
from survey.errors import DomainError
from survey.i18n import _
from survey.models import DeviceBucket, Invitation, Wave


@dataclass(frozen=True)
class Resealed:
    wave_id: int
    invitations: int
    device_lists: int


def reseal_wave(session: Session, wave_id: int, actor: str) -> Resealed:
    """Rewrite the wave's used invitations and device lists in the caller's transaction."""
    if session.get(Wave, wave_id) is None:
        raise DomainError(_("There is no survey wave %(wave)s.", wave=wave_id))
    # an UPDATE's result is a CursorResult (the ORM's execute is typed with the general Result)
    invitations = cast(CursorResult[Any], session.execute(
        update(Invitation).where(Invitation.wave_id == wave_id, Invitation.used_at.is_not(None))
        .values(used_at=Invitation.used_at))).rowcount
    lists = cast(CursorResult[Any], session.execute(
        update(DeviceBucket).where(DeviceBucket.wave_id == wave_id)
        .values(version=DeviceBucket.version))).rowcount
    record(session, actor, "wave.reseal", "wave", wave_id,
           new={"invitations": invitations, "device_lists": lists})
    return Resealed(wave_id, invitations, lists)


def checkpoint_sqlite(session: Session) -> None:
    """Copy SQLite's write-ahead log into the database file and empty it (no-op elsewhere).
    Run after the transaction that resealed a wave was committed."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def distinct_writers(session: Session, wave_id: int) -> int | None:
    """How many transactions wrote the wave's used invitations (PostgreSQL's ``xmin``; None on
    other databases): 1 after :func:`reseal_wave`."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    xmin: ColumnClause[str] = literal_column("xmin::text")
    return session.scalar(select(func.count(func.distinct(xmin))).select_from(Invitation)
                          .where(Invitation.wave_id == wave_id, Invitation.used_at.is_not(None)))
