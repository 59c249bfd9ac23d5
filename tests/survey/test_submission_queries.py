"""The submission lookup reads indexes only: its cost must not grow with the wave's size."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from survey.submissions import _LOOKUP


def test_the_lookup_uses_an_index_for_every_table(db: Session) -> None:
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("the query plan is checked on SQLite (PostgreSQL plans by table size)")
    compiled = _LOOKUP.compile(dialect=db.get_bind().dialect)
    params = compiled.construct_params({
        "wave": 1, "client": "c", "code": "h", "device_bucket": 7, "source": "s",
        "since": datetime.now(UTC), "limit": 6})
    values = [params[name] for name in compiled.positiontup]
    plan = [row[3] for row in db.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + str(compiled), tuple(
            v.isoformat(" ") if isinstance(v, datetime) else v for v in values))]
    # "SCAN anon_…" counts the rows of the burst subquery, which its LIMIT bounds
    scans = [step for step in plan if step.startswith("SCAN") and not step.startswith("SCAN anon_")]
    assert scans == [], plan
    assert any("ix_submission_burst" in step for step in plan), plan
