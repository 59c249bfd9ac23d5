"""The writes of one accepted submission (survey.submission_writes): all or nothing, nothing once
the invitation is used, the same ordinary statements in one transaction on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select, update

from survey.models import (
    DeviceBucket,
    Draft,
    Invitation,
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
    record = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        new_id = write_submission(db, rows, invitation_id=invitation.id, used_on=datetime.now(UTC),
                                  device_hash=None, delete_draft=True)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    db.commit()
    assert new_id is not None
    # the same statements on SQLite and PostgreSQL (the ten ratings in one executemany)
    assert [" ".join(s.split()[:3]) for s in statements] == [
        "UPDATE invitation SET", "INSERT INTO submission", "INSERT INTO rating",
        "INSERT INTO quality_review", "DELETE FROM draft"]
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
                                delete_draft=False) is None
        db.rollback()
    assert counts(db) == (0, 0, 1)  # only the invitation used beforehand


def test_an_open_link_submission_records_its_device(db, city):
    new_id = write_submission(db, _rows(db, city.waves["open"]), invitation_id=None, used_on=None,
                              device_hash="d" * 64, delete_draft=False)
    db.commit()
    assert new_id is not None and counts(db) == (1, 10, 1)
    lists = db.scalars(select(DeviceBucket.hashes).order_by(DeviceBucket.bucket)).all()
    assert len(lists) == 256  # all of the wave's buckets, created together
    assert [h for h in lists if h] == [["d" * 64]]
    assert TEST_SECRET  # the secret the codes were hashed with (factory)


def test_a_request_writes_in_one_transaction_committed_at_the_edge(app, client, db, city):
    """The API's reads and writes run in one transaction, committed once after the view (the
    same on both databases): a refused second use of the code commits nothing."""
    engine = app.extensions["minyi_engine"]
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        seen.append(statement.split()[0].upper())

    listeners = [("before_cursor_execute", record),
                 ("begin", lambda conn: seen.append("BEGIN")),
                 ("commit", lambda conn: seen.append("COMMIT")),
                 ("rollback", lambda conn: seen.append("ROLLBACK"))]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        code = city.codes["invite"][0]
        response = client.post(f"/api/v1/waves/{city.waves['invite']}/submissions",
                               json=body(code))
        first = list(seen)
        seen.clear()
        again = client.post(f"/api/v1/waves/{city.waves['invite']}/submissions", json=body(code))
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
    assert response.status_code == 201 and again.status_code == 409
    assert first[0] == "BEGIN" and first[-1] == "COMMIT" and first.count("COMMIT") == 1
    assert first.count("BEGIN") == 1 and {"UPDATE", "INSERT", "DELETE"} & set(first)
    assert "COMMIT" not in seen and seen[-1] == "ROLLBACK"
    assert not {"UPDATE", "INSERT", "DELETE"} & set(seen)
    assert counts(db) == (1, 10, 1)


def test_a_second_write_with_the_same_submission_id_raises_integrity_error(db, city):
    from sqlalchemy.exc import IntegrityError

    def write() -> int | None:
        return write_submission(db, _rows(db, city.waves["open"]), invitation_id=None,
                                used_on=None, device_hash=None, delete_draft=False)

    assert write() is not None
    db.commit()
    with pytest.raises(IntegrityError):
        write()
    db.rollback()
    assert counts(db) == (1, 10, 0)  # an open link without a device cookie
