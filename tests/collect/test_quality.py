"""Quarantine services: a reason is mandatory, transitions are guarded, nothing is deleted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey import quality
from survey.errors import InvalidTransition, NotFound, ValidationFailed
from survey.models import AuditLog, Submission, SubmissionStatus
from tests.collect.factory import body


def _one(client, city) -> int:
    response = client.post(f"/api/v1/waves/{city.waves['open']}/submissions", json=body())
    return response.get_json()["submission_id"]


def test_quarantine_restore_exclude_cycle(client, db, city):
    sub_id = _one(client, city)
    with pytest.raises(ValidationFailed):
        quality.quarantine(db, sub_id, "   ", actor="admin")
    quality.quarantine(db, sub_id, "odd pattern", actor="admin")
    with pytest.raises(InvalidTransition):
        quality.quarantine(db, sub_id, "again", actor="admin")
    quality.exclude(db, sub_id, "confirmed fake", actor="admin")
    with pytest.raises(InvalidTransition):
        quality.exclude(db, sub_id, "again", actor="admin")
    quality.restore(db, sub_id, "appeal accepted", actor="admin")
    db.commit()
    assert db.get(Submission, sub_id).status == SubmissionStatus.ACCEPTED
    actions = db.scalars(select(AuditLog.action).where(AuditLog.object_type == "submission")
                         .order_by(AuditLog.id)).all()
    assert actions == ["submission.quarantine", "submission.exclude", "submission.restore"]
    with pytest.raises(NotFound):
        quality.restore(db, 999999, "x", actor="admin")


def test_quarantine_rules_follow_the_wave_settings(client, db, city):
    from survey.models import Wave

    wave = db.get(Wave, city.waves["open"])
    wave.settings = dict(wave.settings, quarantine_flags=["STRAIGHTLINE"])
    db.commit()
    flat = {k: "4" for k in ("sat_overall", "sat_attitude", "sat_efficiency", "sat_integrity",
                             "sat_openness")}
    response = client.post(f"/api/v1/waves/{wave.id}/submissions",
                           json=body(ratings={"D01": flat, "H02": flat}))
    submission = db.get(Submission, response.get_json()["submission_id"])
    assert submission.status == SubmissionStatus.QUARANTINED and submission.flags == ["STRAIGHTLINE"]
