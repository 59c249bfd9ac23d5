"""Database ids in URLs, query strings and forms: only values an id column can hold.

Every id column is an INTEGER (PostgreSQL: 32-bit signed; SQLite: 64-bit). A larger number
would reach the driver and fail there (``OverflowError`` on SQLite, ``NumericValueOutOfRange``
on PostgreSQL): ``/admin/waves/99999999999999999999`` must be a 404 like any other missing row.
The ``dbid`` URL converter (registered in :func:`app.create_app`) matches 1 … 2³¹−1 only, so a
larger or zero id matches no route and gets the ordinary 404.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

#: The largest value of a PostgreSQL INTEGER (and so of every id in both databases).
MAX_DB_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<dbid:name>``: a positive decimal integer an id column can hold (1 … 2³¹−1)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, min=1, max=MAX_DB_ID)


def db_id(value: object) -> int | None:
    """``value`` (text from a query string or form) as an id, or None when it cannot be one."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_DB_ID else None
