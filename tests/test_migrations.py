"""Migrations: upgrade an empty SQLite and PostgreSQL database to head, compare with the
models (``alembic check``), and downgrade to base."""

from __future__ import annotations

import os

import pytest
from alembic import command
from alembic.util.exc import CommandError
from sqlalchemy import inspect

from survey.db import make_engine
from tests.dbsupport import alembic_config, create_pg_database, drop_pg_database, pg_available

TABLES = {
    "unit", "peer_group", "user_account", "api_token", "audit_log", "questionnaire",
    "questionnaire_version", "wave", "wave_unit", "quota", "population_margin", "invitation",
    "draft", "submission", "rating", "device_bucket", "quality_review", "evaluation_run",
    "evaluation_result", "component_score", "survey_session",
}


def roundtrip(url: str) -> None:
    config = alembic_config(url)
    command.upgrade(config, "head")
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) >= TABLES
    command.check(config)  # raises when the models and the migrations differ
    command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    engine.dispose()


def test_sqlite_upgrade_check_downgrade(tmp_path) -> None:
    roundtrip(f"sqlite:///{tmp_path / 'm.db'}")


def test_postgresql_upgrade_check_downgrade() -> None:
    if not pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is unreachable in CI")
        pytest.skip("PostgreSQL is unreachable")
    url = create_pg_database("minyi_migr")
    try:
        roundtrip(url)
    finally:
        drop_pg_database(url)


def test_check_detects_a_model_change(tmp_path) -> None:
    """``alembic check`` is a real guard: a column missing from the migrations is reported."""
    from sqlalchemy import Column, Integer

    from survey.models import Unit

    url = f"sqlite:///{tmp_path / 'c.db'}"
    config = alembic_config(url)
    command.upgrade(config, "head")
    column = Column("probe_only_in_model", Integer)
    Unit.__table__.append_column(column)
    try:
        with pytest.raises(CommandError, match="New upgrade operations detected"):
            command.check(config)
    finally:
        Unit.__table__._columns.remove(column)
