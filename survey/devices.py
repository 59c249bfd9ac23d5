"""One response per device on an open link, recorded so that the record cannot be joined to the
answers (:class:`survey.models.DeviceBucket`: hashes in sorted lists, not a row per device).

The lists are read and written with ordinary statements in the submission's transaction. A
wave's first device creates all of its buckets at once, in bucket order (an insert that ignores
rows already there), so that the rows' order says nothing of when each bucket was first used. A
list is replaced only if nobody changed it since it was read (``version``); a lost race reads it
again. On SQLite the first write takes the database's write lock, so the race cannot happen
there.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from typing import Any, cast

from sqlalchemy import Connection, Insert, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from survey.models import DeviceBucket
from survey.models.submissions import DEVICE_BUCKETS

_B = cast(Table, DeviceBucket.__table__)  # a declarative model's table
_READ = select(_B.c.hashes, _B.c.version).where(
    _B.c.wave_id == bindparam("wave"), _B.c.bucket == bindparam("which"))
_REPLACE = (update(_B)
            .where(_B.c.wave_id == bindparam("wave"), _B.c.bucket == bindparam("which"),
                   _B.c.version == bindparam("seen"))
            .values(hashes=bindparam("new_hashes", type_=_B.c.hashes.type),
                    version=_B.c.version + 1))
_MAX_ATTEMPTS = 50


def bucket_of(device_hash: str) -> int:
    """The bucket of a device's hash (a hex HMAC): uniform, and nothing to do with time."""
    return int(device_hash[:8], 16) % DEVICE_BUCKETS


def bucket_query(wave: Any) -> Any:
    """A scalar subquery: the list of bucket ``:device_bucket`` of ``wave`` (a column or a bind
    parameter); NULL when the bucket holds nothing yet."""
    return (select(_B.c.hashes)
            .where(_B.c.wave_id == wave, _B.c.bucket == bindparam("device_bucket"))
            .scalar_subquery())


def listed(hashes: list[str] | None, device_hash: str) -> bool:
    """Whether ``device_hash`` is in a bucket's sorted list."""
    if not hashes:
        return False
    i = bisect_left(hashes, device_hash)
    return i < len(hashes) and hashes[i] == device_hash


def _create_buckets(conn: Connection, wave_id: int) -> None:
    values = [{"wave_id": wave_id, "bucket": b, "hashes": [], "version": 0}
              for b in range(DEVICE_BUCKETS)]
    statement: Insert
    if conn.dialect.name == "postgresql":
        statement = postgresql.insert(_B).on_conflict_do_nothing()
    elif conn.dialect.name == "sqlite":
        statement = sqlite.insert(_B).on_conflict_do_nothing()
    else:  # pragma: no cover - Minyi runs on SQLite and PostgreSQL
        statement = insert(_B)
    conn.execute(statement, values)


def record_device(conn: Connection, wave_id: int, device_hash: str) -> bool:
    """Add ``device_hash`` to the wave's devices; False when it was there already (nothing
    changed). Runs in the caller's transaction."""
    bucket = bucket_of(device_hash)
    for _attempt in range(_MAX_ATTEMPTS):
        row = conn.execute(_READ, {"wave": wave_id, "which": bucket}).first()
        if row is None:
            _create_buckets(conn, wave_id)
            continue
        hashes, version = list(row.hashes or []), row.version
        if listed(hashes, device_hash):
            return False
        insort(hashes, device_hash)
        if conn.execute(_REPLACE, {"wave": wave_id, "which": bucket, "seen": version,
                                   "new_hashes": hashes}).rowcount == 1:
            return True
    raise RuntimeError("the device list kept changing: too many concurrent writers")


def device_answered(conn: Connection, wave_id: int, device_hash: str) -> bool:
    """Whether a response to the wave came from this device."""
    row = conn.execute(_READ, {"wave": wave_id, "which": bucket_of(device_hash)}).first()
    return row is not None and listed(row.hashes, device_hash)
