"""Monitoring page (admin): SQL aggregates, quarantine decisions with reasons, escaping."""

from __future__ import annotations

from sqlalchemy import select

from survey.models import AuditLog, QualityReview, Submission, SubmissionStatus
from survey.monitoring import wave_monitoring
from tests.collect.factory import body, rating
from tests.conftest import csrf_from

XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']


def _submit(client, wave_id, **kw):
    response = client.post(f"/api/v1/waves/{wave_id}/submissions", json=body(**kw))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["submission_id"]


def test_figures_per_unit_quota_day_channel_and_flags(client, db, city):
    wave = city.waves["open"]
    _submit(client, wave)
    _submit(client, wave, answers={"district": "D02", "age_band": "18-29", "sex": "m",
                                   "gov_staff": "no"}, ratings={"D02": rating()})
    flat = {k: "5" for k in rating() if k.startswith("sat_")}
    _submit(client, wave, ratings={"D01": flat, "H02": rating()})
    m = wave_monitoring(db, wave)
    units = {u.code: (u.accepted, u.set_aside) for u in m.units}
    assert units["D01"] == (2, 0) and units["D02"] == (1, 0) and units["H02"] == (2, 0)
    assert units["H01"] == (0, 0)
    quotas = {q.cell: (q.target, q.accepted, round(q.fill_pct, 1)) for q in m.quotas}
    assert quotas == {"district=D01": (10, 2, 20.0), "district=D02": (4, 1, 25.0)}
    assert sum(n for _d, n in m.by_day) == 3 and m.by_channel == [("web", 3)]
    assert m.flags["STRAIGHTLINE"] == 1 and m.flags["BURST"] == 0
    assert m.by_status == {"accepted": 3, "quarantined": 0, "excluded": 0}


def test_page_requires_admin(client, db, city, auth):
    assert client.get(f"/admin/waves/{city.waves['open']}/monitoring").status_code == 302
    auth.login_as("office")
    assert client.get(f"/admin/waves/{city.waves['open']}/monitoring").status_code == 403


def test_text_answers_are_escaped_on_the_quarantine_list(client, db, city, auth, app):
    wave = city.waves["open"]
    sub_id = _submit(client, wave, ratings={"D01": rating(comment=XSS[0]),
                                            "H02": rating(comment=XSS[1])})
    stored = db.get(Submission, sub_id)
    assert stored.answers["ratings"]["D01"]["comment"] == XSS[0]  # stored as text, unchanged
    stored.status = SubmissionStatus.QUARANTINED
    db.commit()
    auth.login_as("admin")
    for url in (f"/admin/waves/{wave}/monitoring", "/admin/monitoring"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    html = client.get(f"/admin/waves/{wave}/monitoring").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def test_restore_and_exclude_need_a_reason_and_write_the_audit_log(client, db, city, auth):
    wave = city.waves["open"]
    sub_id = _submit(client, wave)
    db.get(Submission, sub_id).status = SubmissionStatus.QUARANTINED
    db.commit()
    auth.login_as("admin")
    page = client.get(f"/admin/waves/{wave}/monitoring").get_data(as_text=True)
    token = csrf_from(page)
    url = f"/admin/submissions/{sub_id}/review"
    refused = client.post(url, data={"csrf_token": token, "action": "restore", "reason": "  "})
    assert refused.status_code == 303
    db.expire_all()
    assert db.get(Submission, sub_id).status == SubmissionStatus.QUARANTINED
    ok = client.post(url, data={"csrf_token": token, "action": "restore", "reason": "checked by phone"})
    assert ok.status_code == 303
    db.expire_all()
    assert db.get(Submission, sub_id).status == SubmissionStatus.ACCEPTED
    client.post(url, data={"csrf_token": token, "action": "exclude", "reason": "fake"})
    db.expire_all()
    assert db.get(Submission, sub_id).status == SubmissionStatus.EXCLUDED
    reviews = db.scalars(select(QualityReview).order_by(QualityReview.id)).all()
    assert [(r.action.value, r.reason, r.actor) for r in reviews] == [
        ("restore", "checked by phone", "admin1"), ("exclude", "fake", "admin1")]
    actions = db.scalars(select(AuditLog.action).where(AuditLog.object_type == "submission")).all()
    assert actions == ["submission.restore", "submission.exclude"]
    assert db.get(Submission, sub_id) is not None  # never deleted


def test_responses_download(client, db, city, auth):
    _submit(client, city.waves["open"])
    auth.login_as("admin")
    response = client.get(f"/admin/waves/{city.waves['open']}/responses.csv")
    assert response.status_code == 200 and b"interview_id,unit_code" in response.data
    assert client.get(f"/admin/waves/{city.waves['open']}/responses.pdf").status_code == 404
