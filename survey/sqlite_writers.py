"""SQLite writers take turns through a file lock instead of SQLite's sleeping busy handler.

SQLite allows one writer at a time. A connection that finds the write lock taken gets
SQLITE_BUSY, and the busy handler sleeps 1, 2, 5, 10, 15… ms before it tries again, however soon
the lock is free: two gunicorn workers storing submissions wait for each other far longer than
the few milliseconds a write transaction lasts. Here every connection to a database file first
takes an exclusive ``flock`` on ``<database>-writers`` before its first write statement, and
releases it when the transaction ends; the kernel wakes the next writer the moment the lock is
free. Readers never take it (WAL readers do not block writers). A writer that cannot get the
lock within the busy timeout fails like SQLite would: ``database is locked``.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from typing import Any

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class _Cursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        connection: WriterConnection = self.connection  # type: ignore[assignment]
        connection.before(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            connection.after()

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> sqlite3.Cursor:
        connection: WriterConnection = self.connection  # type: ignore[assignment]
        connection.before(sql)
        try:
            return super().executemany(sql, seq_of_parameters)
        finally:
            connection.after()


class WriterConnection(sqlite3.Connection):
    """A sqlite3 connection that holds the writers' lock from its first write to commit or
    rollback. Pass as ``factory=`` to :func:`sqlite3.connect`, then set ``lock_path`` (without
    it the connection behaves as a plain one) and ``lock_timeout``."""

    lock_path: str | None = None
    lock_timeout: float = 10.0
    _fd: int | None = None
    _held = False

    def cursor(self, factory: Any = _Cursor) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory)

    def before(self, sql: str) -> None:
        if not self._held and self.lock_path and sql.lstrip()[:7].upper().startswith(WRITES):
            self._acquire()

    def after(self) -> None:
        if self._held and not self.in_transaction:  # autocommit, or the statement failed
            self._release()

    def commit(self) -> None:
        self._end(super().commit)

    def rollback(self) -> None:
        self._end(super().rollback)

    def _end(self, finish: Any) -> None:
        """End the transaction with ``finish`` and let the next writer in, whatever happens."""
        try:
            finish()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _acquire(self) -> None:
        if self._fd is None:
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)  # type: ignore[arg-type]
        deadline = time.monotonic() + self.lock_timeout
        pause = 0.00005
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._held = True
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.0005)

    def _release(self) -> None:
        if self._held:
            self._held = False
            fcntl.flock(self._fd, fcntl.LOCK_UN)  # type: ignore[arg-type]
