"""Requests commit once, after the view (app.database): a failed commit is the request's error,
stores nothing and leaves the session cookie as the browser sent it."""

from __future__ import annotations

from flask import session
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.database import db_session
from survey.models import AuditLog, Submission
from tests.collect.factory import body, build_city


def _writing_view(app) -> None:
    """A view that writes a row and changes the cookie, as the survey's last page does."""
    from app.authz import public
    from survey.audit import record

    @app.post("/_test/write")
    @public
    def write() -> str:
        record(db_session(), "test", "test.write", "test")
        session["stage"] = "stored"
        return "ok"


def test_a_failed_commit_is_a_500_stores_nothing_and_keeps_the_cookie(app, db, monkeypatch):
    _writing_view(app)
    app.config.update(PROPAGATE_EXCEPTIONS=False, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["stage"] = "answering"
    assert client.post("/_test/write").status_code == 200  # commits: one row, cookie changed
    with client.session_transaction() as cookie:
        assert cookie["stage"] == "stored"
        cookie["stage"] = "answering"

    def failing_commit(self: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(Session, "commit", failing_commit)  # the database fails at COMMIT
    response = client.post("/_test/write")
    monkeypatch.undo()
    assert response.status_code == 500
    assert "Set-Cookie" not in response.headers
    with client.session_transaction() as cookie:
        assert cookie["stage"] == "answering"  # not "stored": nothing was
    db.expire_all()
    assert db.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "test.write")) == 1


def test_an_acknowledged_submission_is_committed_before_the_answer(client, db):
    city = build_city(db)
    db.commit()
    response = client.post(f"/api/v1/waves/{city.waves['open']}/submissions", json=body())
    assert response.status_code == 201
    db.expire_all()
    assert db.scalar(select(func.count(Submission.id))) == 1
