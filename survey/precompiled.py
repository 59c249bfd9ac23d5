"""Statements compiled once by SQLAlchemy and run straight on the DBAPI cursor.

SQLAlchemy spends 30–60 µs around every execution of even a cached statement (its parameters,
its result, its events), more than SQLite takes to run a small insert. On the hottest path, the
writes of a submission under SQLite's single write lock, that doubled the time the lock was
held. A :class:`Precompiled` statement keeps what SQLAlchemy is there for, the SQL text of the
dialect and the conversion of each value by its column's type (enums, JSON, aware datetimes),
both worked out once, and leaves the execution to the driver.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ClauseElement


class Precompiled:
    """``statement`` compiled for ``dialect`` (a positional paramstyle, as SQLite's) with the
    bind processors of its parameters' types."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if compiled.positiontup is None:
            raise ValueError(f"{dialect.name} does not use a positional paramstyle")
        self.sql = str(compiled)
        binds = [compiled.binds[name] for name in compiled.positiontup]
        self.parameters: list[tuple[str, Callable[[Any], Any] | None]] = [
            (bind.key, bind.type.dialect_impl(dialect).bind_processor(dialect)) for bind in binds]
        self.integrity_error = dialect.dbapi.IntegrityError  # type: ignore[union-attr]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        return [params[k] if p is None else p(params[k]) for k, p in self.parameters]

    def execute(self, cursor: Any, params: Mapping[str, Any]) -> Any:
        """Run on ``cursor``; a unique or foreign key violation raises SQLAlchemy's
        ``IntegrityError``, as the same statement run through SQLAlchemy would."""
        try:
            return cursor.execute(self.sql, self.arguments(params))
        except self.integrity_error as error:
            raise IntegrityError(self.sql, None, error) from error

    def execute_many(self, cursor: Any, rows: Sequence[Mapping[str, Any]]) -> Any:
        try:
            return cursor.executemany(self.sql, [self.arguments(row) for row in rows])
        except self.integrity_error as error:
            raise IntegrityError(self.sql, None, error) from error
