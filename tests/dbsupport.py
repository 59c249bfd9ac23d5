"""Test database helpers: migrate, truncate, create and drop throw-away PostgreSQL databases."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import text

from survey.db import Base, make_engine

ROOT = Path(__file__).resolve().parent.parent
#: Fixtures that touch a database; tests using them are marked ``db``.
DB_FIXTURES = frozenset({"database_url", "app", "client", "runner", "db", "auth", "raw_sql"})
PG_ADMIN_URL = os.environ.get(
    "MINYI_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def test_database_url() -> str | None:
    return os.environ.get("MINYI_TEST_DATABASE_URL") or None


def alembic_config(url: str):
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["url"] = url
    config.attributes["configure_logger"] = False
    return config


def migrate_to_head(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def truncate_all(url: str) -> None:
    """Empty every table (TRUNCATE does not fire the row triggers that freeze runs)."""
    import survey.models  # noqa: F401

    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def create_pg_database(prefix: str = "minyi_test") -> str:
    """Create an empty PostgreSQL database and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def pg_available() -> bool:
    try:
        engine = make_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False
