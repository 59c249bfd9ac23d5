"""The writes of one accepted submission (survey.submission_writes): all or nothing, and nothing
once the invitation is used; on PostgreSQL in one statement, elsewhere one per table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select, update

from survey.models import (
    Draft,
    Invitation,
    Participation,
    QualityReview,
    Rating,
    Submission,
    SubmissionStatus,
)
from survey.submission_store import definition_of, submission_rows, units_of
from survey.submission_writes import write_submission
from tests.collect.factory import body, counts
from tests.conftest import TEST_SECRET


def _rows(db, wave_id, flags=None):
    from survey.submissions import load_wave

    wave = load_wave(db, wave_id)
    definition = definition_of(db, wave.questionnaire_version_id)
    cleaned = {"answers": body()["answers"], "ratings": body()["ratings"]}
    return submission_rows(wave, definition, units_of(db, wave), client_id="c-1", body_hash="h",
                           cleaned=cleaned, channel="web", started_at=None,
                           submitted_at=datetime.now(UTC), duration_s=12.5, flags=flags or [])


def _invitation(db, wave_id):
    return db.scalars(select(Invitation).where(Invitation.wave_id == wave_id)).first()


def test_every_row_is_written_with_its_values(app, db, city):
    wave_id = city.waves["invite"]
    invitation = _invitation(db, wave_id)
    db.add(Draft(invitation_id=invitation.id, answers={"a": {}}, section="about"))
    db.commit()
    rows = _rows(db, wave_id, flags=["HONEYPOT"])
    statements: list[str] = []
    engine = app.extensions["minyi_engine"]
    postgres = engine.dialect.name == "postgresql"
    record = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    if not postgres:  # run on the driver's cursor: SQLite's own trace sees them
        db.connection().connection.driver_connection.set_trace_callback(statements.append)
    try:
        new_id = write_submission(db, rows, invitation_id=invitation.id, used_on=datetime.now(UTC),
                                  device_hash=None, recorded_on=datetime.now(UTC).date(),
                                  delete_draft=True)
    finally:
        event.remove(engine, "before_cursor_execute", record)
        if not postgres:
            db.connection().connection.driver_connection.set_trace_callback(None)
    db.commit()
    assert new_id is not None
    written = [" ".join(s.split()[:3]) for s in statements if not s.startswith("BEGIN")]
    if postgres:
        assert len(written) == 1 and written[0].startswith("WITH used AS")
    else:
        assert written == ["UPDATE invitation SET", "INSERT INTO submission", *["INSERT INTO rating"] * 10,
                           "INSERT INTO quality_review", "INSERT INTO participation", "DELETE FROM draft"]
    submission = db.get(Submission, new_id)
    assert (submission.client_submission_id, submission.duration_s, submission.flags,
            submission.status) == ("c-1", 12.5, ["HONEYPOT"], SubmissionStatus.QUARANTINED)
    assert submission.strata == "age_band=30-39;district=D01;sex=f"
    ratings = db.execute(select(Rating.unit_id, Rating.item, Rating.choice, Rating.choice_index)
                         .where(Rating.submission_id == new_id)).all()
    assert len(ratings) == 10  # 2 units x 5 scored items
    assert (city.unit_ids["H02"], "sat_overall", "3", 2) in ratings
    assert (city.unit_ids["D01"], "sat_openness", "9", 5) in ratings
    review = db.scalars(select(QualityReview).where(QualityReview.submission_id == new_id)).one()
    assert review.reason == "flags: HONEYPOT"
    assert db.scalars(select(Participation.invitation_id)).all() == [invitation.id]
    assert db.scalars(select(Draft)).all() == []
    db.refresh(invitation)
    assert invitation.used_at is not None


def test_nothing_is_written_once_the_invitation_is_used_or_revoked(db, city):
    wave_id = city.waves["invite"]
    used, revoked = db.scalars(select(Invitation).where(Invitation.wave_id == wave_id)).all()[:2]
    db.execute(update(Invitation).where(Invitation.id == used.id).values(used_at=datetime.now(UTC)))
    db.execute(update(Invitation).where(Invitation.id == revoked.id).values(revoked_at=datetime.now(UTC)))
    db.commit()
    for invitation in (used, revoked):
        assert write_submission(db, _rows(db, wave_id), invitation_id=invitation.id,
                                used_on=datetime.now(UTC), device_hash=None,
                                recorded_on=datetime.now(UTC).date(), delete_draft=False) is None
        db.rollback()
    assert counts(db) == (0, 0, 0)


def test_an_open_link_submission_records_its_device(db, city):
    new_id = write_submission(db, _rows(db, city.waves["open"]), invitation_id=None, used_on=None,
                              device_hash="d" * 64, recorded_on=datetime.now(UTC).date(),
                              delete_draft=False)
    db.commit()
    assert new_id is not None and counts(db) == (1, 10, 1)
    assert db.scalars(select(Participation.device_hash)).one() == "d" * 64
    assert TEST_SECRET  # the secret the codes were hashed with (factory)


def test_the_api_on_postgresql_needs_no_transaction_block(app, client, db, city):
    """Its reads and its one write are each atomic: no BEGIN and COMMIT round trips (PostgreSQL);
    elsewhere the writes share one transaction."""
    engine = app.extensions["minyi_engine"]
    seen: list[tuple[str, bool]] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        dbapi = conn.connection.dbapi_connection
        seen.append((statement.split()[0], bool(getattr(dbapi, "autocommit", False))))

    event.listen(engine, "before_cursor_execute", record)
    try:
        code = city.codes["invite"][0]
        response = client.post(f"/api/v1/waves/{city.waves['invite']}/submissions",
                               json=body(code))
        again = client.post(f"/api/v1/waves/{city.waves['invite']}/submissions", json=body(code))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 201 and again.status_code == 409
    postgres = engine.dialect.name == "postgresql"
    assert all(autocommit == postgres for _, autocommit in seen)
    if postgres:
        assert [verb for verb, _ in seen if verb != "SELECT"] == ["WITH"]  # the one write
    assert counts(db) == (1, 10, 1)


def test_a_second_write_with_the_same_submission_id_raises_integrity_error(db, city):
    from sqlalchemy.exc import IntegrityError

    def write() -> int | None:
        return write_submission(db, _rows(db, city.waves["open"]), invitation_id=None,
                                used_on=None, device_hash=None,
                                recorded_on=datetime.now(UTC).date(), delete_draft=False)

    assert write() is not None
    db.commit()
    with pytest.raises(IntegrityError):
        write()
    db.rollback()
    assert counts(db) == (1, 10, 1)
