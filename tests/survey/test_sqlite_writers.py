"""SQLite writers take turns through the file lock: a waiting writer goes on as soon as the
other commits, readers never wait, and a writer that waits too long fails like SQLite does."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from survey.db import make_engine
from survey.sqlite_writers import WriterConnection


def _connect(path: Path, timeout: float = 10.0) -> WriterConnection:
    connection = sqlite3.connect(path, timeout=timeout, factory=WriterConnection, check_same_thread=False)
    assert isinstance(connection, WriterConnection)
    connection.lock_path = f"{path}-writers"
    connection.lock_timeout = timeout
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "w.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)")
    return path


def test_a_second_writer_waits_for_the_commit_and_then_goes_on(database: Path) -> None:
    first, second = _connect(database), _connect(database)
    first.execute("INSERT INTO t (who) VALUES ('first')")  # holds the writers' lock
    done = threading.Event()
    finished_at: list[float] = []

    def write() -> None:
        second.execute("INSERT INTO t (who) VALUES ('second')")
        second.commit()
        finished_at.append(time.monotonic())
        done.set()

    worker = threading.Thread(target=write)
    worker.start()
    assert not done.wait(0.2)  # blocked while the first transaction is open
    assert first.execute("SELECT count(*) FROM t").fetchone() == (1,)  # reading never waits
    committed_at = time.monotonic()
    first.commit()
    assert done.wait(5)
    worker.join()
    # the second writer went on only after the first committed (how soon is a matter for bench/)
    assert finished_at[0] >= committed_at
    assert [r[0] for r in first.execute("SELECT who FROM t ORDER BY id")] == ["first", "second"]
    first.close()
    second.close()


def test_a_rollback_releases_the_lock(database: Path) -> None:
    first, second = _connect(database), _connect(database, timeout=0.5)
    first.execute("INSERT INTO t (who) VALUES ('gone')")
    first.rollback()
    second.execute("INSERT INTO t (who) VALUES ('kept')")
    second.commit()
    assert [r[0] for r in first.execute("SELECT who FROM t")] == ["kept"]


def test_a_writer_that_waits_past_the_timeout_gets_database_is_locked(database: Path) -> None:
    first, second = _connect(database), _connect(database, timeout=0.2)
    first.execute("UPDATE t SET who = 'x'")  # a write (of no rows) still takes the lock
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        second.execute("INSERT INTO t (who) VALUES ('late')")
    assert time.monotonic() - started >= 0.2  # it waited its timeout first (no upper bound: load)
    first.commit()
    second.execute("INSERT INTO t (who) VALUES ('now')")
    second.commit()


def test_autocommit_statements_release_the_lock_at_once(database: Path) -> None:
    first, second = _connect(database), _connect(database, timeout=0.5)
    first.isolation_level = None  # every statement commits by itself
    first.execute("INSERT INTO t (who) VALUES ('auto')")
    second.execute("INSERT INTO t (who) VALUES ('next')")
    second.commit()
    assert second.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_engines_on_a_database_file_use_the_writers_lock(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO t DEFAULT VALUES"))
        dbapi = conn.connection.dbapi_connection
        assert isinstance(dbapi, WriterConnection) and dbapi._held
    assert not dbapi._held  # released by the commit
    assert (tmp_path / "e.db-writers").exists()
    engine.dispose()
