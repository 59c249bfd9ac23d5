"""Participation cannot be joined to answers: no shared time, no shared order."""

from __future__ import annotations

from sqlalchemy import select

from survey.models import Invitation, Participation, Submission
from tests.collect.factory import body


def test_participation_ids_do_not_follow_the_order_of_submissions(client, db, city) -> None:
    wave = city.waves["invite"]
    for code in city.codes["invite"][:8]:
        response = client.post(f"/api/v1/waves/{wave}/submissions", json=body(code))
        assert response.status_code == 201, response.get_json()
    db.expire_all()
    participation = db.scalars(select(Participation.id).where(Participation.wave_id == wave)).all()
    assert len(participation) == 8
    # Random 62-bit ids: a sequence (1, 2, 3, ...) would mirror the submissions' order.
    assert min(participation) > 2**31
    submitted = db.scalars(select(Submission.submitted_at).where(Submission.wave_id == wave)).all()
    used = db.scalars(select(Invitation.used_at).where(Invitation.used_at.is_not(None))).all()
    # The invitation keeps the day it was used, never the submission's exact time.
    assert not set(used) & set(submitted)
    assert all(u.hour == u.minute == u.second == 0 for u in used)
