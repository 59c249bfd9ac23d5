"""The demo city ships varied Chinese comments, some with phone and ID numbers to mask, a unit
liaison and dictionary terms, so that the explorer and the portal have something to show."""

from __future__ import annotations

import re

import numpy as np
from sqlalchemy import select

from survey.models import CommentTerm, Role, Submission, User, Wave, WaveState

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_CARD = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")


def test_demo_comments_are_deterministic_and_favour_the_dissatisfied() -> None:
    from survey.demo_comments import demo_comments

    rated = np.zeros(20000, dtype=np.int64)
    worst = demo_comments(7, ["S11"], rated, np.full(20000, 4))
    best = demo_comments(7, ["S11"], rated, np.full(20000, 0))
    assert demo_comments(7, ["S11"], rated, np.full(20000, 4)) == worst
    assert len(worst) > 2.5 * len(best)
    assert any("城管执法态度粗暴" in t for t in worst.values())
    assert any("背街小巷" in t for t in best.values())


def test_the_demo_city_has_comments_to_mask_a_liaison_and_dictionary_terms(db, client, auth) -> None:
    from survey.comments.corpus import wave_comments
    from survey.demo import seed_demo

    seed_demo(db, n_responses=3000)
    db.commit()
    wave = db.scalar(select(Wave).where(Wave.state == WaveState.CLOSED))
    raw = [a for a in db.scalars(select(Submission.answers).where(Submission.wave_id == wave.id))]
    texts = [r["comment"] for body in raw for r in body["ratings"].values() if "comment" in r]
    assert len(texts) > 500 and len(set(texts)) > 300
    assert any(MOBILE.search(t) for t in texts) and any(ID_CARD.search(t) for t in texts)
    extracted = wave_comments(db, wave)
    assert len(extracted.comments) == len(texts)
    assert {c.unit_code for c in extracted.comments} >= {"S11", "D12", "E14", "D01"}
    for comment in extracted.comments:
        assert not MOBILE.search(comment.text) and not ID_CARD.search(comment.text), comment.text
    masked = {kind for c in extracted.comments for kind in c.masked}
    assert {"phone", "id_card"} <= masked
    liaison = db.scalar(select(User).where(User.username == "liaison"))
    assert liaison.role == Role.UNIT and [u.code for u in liaison.units] == ["D12", "S11"]
    assert "背街小巷" in db.scalars(select(CommentTerm.term)).all()
    auth.login_as("office")
    page = client.get(f"/office/comments/waves/{wave.id}")
    assert page.status_code == 200 and "市城市管理局" in page.get_data(as_text=True)
