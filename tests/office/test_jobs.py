"""Issue 14: an evaluation run's job lives in the database, so any gunicorn worker answers its page.

Two application instances bound to one database stand for two workers."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask

from tests.conftest import TEST_SECRET, AuthActions
from tests.office.fixtures import golden_wave
from tests.office.test_web import _golden_form


@pytest.fixture
def wave(db):
    return golden_wave(db)


@pytest.fixture
def other_app(database_url: str) -> Iterator[Flask]:
    """A second worker: another app instance on the same database."""
    from app import create_app

    application = create_app({"ENVIRON": {"MINYI_ENV": "testing", "MINYI_DATABASE_URL": database_url,
                                          "MINYI_SECRET_KEY": TEST_SECRET}})
    yield application
    application.extensions["minyi_engine"].dispose()


def _office_client(application: Flask, username: str = "office1", create: bool = True):
    client = application.test_client()
    auth = AuthActions(client, application)
    if create:
        auth.create(username, "office")
    assert auth.login(username).status_code == 303
    return client


def _job(db, owner: str = "office1", **values: object):
    from survey.jobs import create_job

    job = create_job(db, "evaluation", "2026-Q4", owner, {"wave": 1})
    for name, value in values.items():
        setattr(job, name, value)
    db.commit()
    return job


def test_progress_written_by_one_worker_is_read_by_the_other(app, other_app, db, wave):
    """A threaded run on worker A: worker B shows its progress, then sends the owner to the run."""
    from app.office._jobs import start_job
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    client_b = _office_client(other_app)
    gate, reached = threading.Event(), threading.Event()
    settings = RunSettings.from_dict({"scoring": {"raking": False, "n_min": 5}})

    def work(session, progress) -> int:
        progress("computing", 0.4)
        reached.set()
        assert gate.wait(20)
        return evaluate_wave_run(session, wave.id, settings, "office1").id

    app.config["TESTING"] = False  # a real background thread, as under gunicorn
    try:
        job_id = start_job(app, "office1", "2026-Q4", work, {"wave": wave.id})
    finally:
        app.config["TESTING"] = True
    assert reached.wait(20)
    page = client_b.get(f"/office/jobs/{job_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:500]
    assert '<progress class="progress" max="1" value="0.40"' in html
    assert "正在计算" in html or "Computing" in html
    assert 'http-equiv="refresh"' in html
    gate.set()
    for _attempt in range(200):
        page = client_b.get(f"/office/jobs/{job_id}")
        if page.status_code != 200:
            break
        time.sleep(0.05)
    assert page.status_code == 303
    run_id = int(page.headers["Location"].rsplit("/", 1)[1])
    assert client_b.get(page.headers["Location"]).status_code == 200
    from survey.models import EvaluationRun, Job, JobStatus

    db.expire_all()
    assert db.get(EvaluationRun, run_id).wave_id == wave.id
    stored = db.get(Job, job_id)
    assert stored.status == JobStatus.DONE and stored.progress == 1.0 and stored.run_id == run_id


def test_web_run_is_followed_on_another_worker(client, auth, other_app, wave):
    """The redirect after "开始评价" lands on the other worker: the job is already there."""
    auth.login_as("office")
    html = client.get(f"/office/runs/new?wave={wave.id}").get_data(as_text=True)
    response = client.post(f"/office/runs/new?wave={wave.id}", data=_golden_form(html))
    assert response.status_code == 303
    page = _office_client(other_app, create=False).get(response.headers["Location"])
    assert page.status_code == 303 and "/office/runs/" in page.headers["Location"]


def _margins_that_cannot_be_met(db, wave) -> None:
    from survey.models import PopulationMargin

    db.add(PopulationMargin(wave_id=wave.id, variable="district", category="A", share=1.0))
    db.add(PopulationMargin(wave_id=wave.id, variable="district", category="Z", share=1.0))
    db.commit()


@pytest.mark.parametrize(("lang", "advice", "back"), [
    ("zh", "请检查本期调查的总体结构（边际分布）和评价设置，然后重新开始评价。", "返回评价设置"),
    ("en", "Check the wave&#39;s margins and the run settings, then start the run again.", "Back to the run form"),
])
def test_a_raking_failure_names_the_margin_and_says_what_to_do(client, auth, other_app, db, wave,
                                                              lang, advice, back):
    _margins_that_cannot_be_met(db, wave)
    auth.login_as("office")
    html = client.get(f"/office/runs/new?wave={wave.id}").get_data(as_text=True)
    response = client.post(f"/office/runs/new?wave={wave.id}", data=_golden_form(html, raking="1"))
    assert response.status_code == 303
    location = response.headers["Location"]
    for reader in (client, _office_client(other_app, create=False)):
        page = reader.get(f"{location}?lang={lang}")
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "raking" in text and advice in text and back in text
        assert f'href="/office/runs/new?wave={wave.id}"' in text
        assert 'http-equiv="refresh"' not in text and "<progress" not in text


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", ("评价意外失败，错误已记录在日志中。", "请告知系统管理员")),
    ("en", ("The run failed unexpectedly; the error was logged.", "tell the administrator")),
])
def test_an_unexpected_error_is_logged_and_not_shown(app, client, auth, db, caplog, lang, words):
    from app.office._jobs import start_job
    from survey.models import Job, JobStatus

    def work(session, progress) -> int:
        progress("reading", 0.1)
        raise ValueError("secret internals")

    auth.login_as("office")
    with caplog.at_level(logging.ERROR, logger="app.office._jobs"):
        job_id = start_job(app, "office1", "2026", work, {"year": 2026})
    assert "office1" in caplog.text and "secret internals" in caplog.text
    assert db.get(Job, job_id).status == JobStatus.FAILED
    text = client.get(f"/office/jobs/{job_id}?lang={lang}").get_data(as_text=True)
    assert all(w in text for w in words) and "secret internals" not in text
    assert 'href="/office/runs/new?year=2026"' in text


def test_a_job_whose_worker_stopped_reads_as_failed(client, auth, db):
    from survey.db import utcnow
    from survey.jobs import job_state
    from survey.models import JobStatus

    auth.login_as("office")
    now = utcnow()
    stale = _job(db, status=JobStatus.RUNNING, stage="computing", progress=0.4,
                 heartbeat_at=now - timedelta(seconds=300))
    alive = _job(db, status=JobStatus.RUNNING, stage="computing", progress=0.4,
                 heartbeat_at=now - timedelta(seconds=30))
    assert job_state(stale, now).status == JobStatus.FAILED
    assert job_state(stale, now, stale_after_s=600).status == JobStatus.RUNNING
    assert job_state(alive, now).status == JobStatus.RUNNING
    text = client.get(f"/office/jobs/{stale.id}").get_data(as_text=True)
    assert "执行这项任务的服务进程已停止。" in text and "请重新开始评价。" in text
    assert 'http-equiv="refresh"' not in text
    text = client.get(f"/office/jobs/{stale.id}?lang=en").get_data(as_text=True)
    assert "The worker that ran this job stopped." in text and "Start the run again." in text
    text = client.get(f"/office/jobs/{alive.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in text and 'value="0.40"' in text


def test_a_long_step_keeps_its_job_alive_with_heartbeats(app, db, monkeypatch):
    """A computing step longer than the staleness limit is not taken for a dead worker."""
    from app.office import _jobs
    from survey.db import utcnow
    from survey.jobs import job_state
    from survey.models import Job, JobStatus

    monkeypatch.setattr(_jobs, "HEARTBEAT_S", 0.05)
    gate, reached = threading.Event(), threading.Event()

    def work(session, progress) -> int:
        progress("computing", 0.4)
        reached.set()
        gate.wait(20)
        raise ValueError("stopped by the test")

    app.config["TESTING"] = False
    try:
        job_id = _jobs.start_job(app, "office1", "2026-Q4", work)
    finally:
        app.config["TESTING"] = True
    assert reached.wait(20)
    old = utcnow() - timedelta(seconds=300)
    db.get(Job, job_id).heartbeat_at = old
    db.commit()
    for _attempt in range(100):
        db.expire_all()
        if db.get(Job, job_id).heartbeat_at > old:
            break
        time.sleep(0.05)
    assert job_state(db.get(Job, job_id), utcnow()).status == JobStatus.RUNNING
    gate.set()
    for _attempt in range(100):
        db.expire_all()
        if db.get(Job, job_id).status == JobStatus.FAILED:
            break
        time.sleep(0.05)
    assert db.get(Job, job_id).status == JobStatus.FAILED


def test_a_queued_job_shows_it_waits(client, auth, db):
    auth.login_as("office")
    text = client.get(f"/office/jobs/{_job(db).id}").get_data(as_text=True)
    assert "等待开始" in text and 'value="0.00"' in text and 'http-equiv="refresh"' in text


def test_only_the_owner_sees_a_job(client, auth, db):
    auth.create("office2", "office")
    auth.login_as("office")
    theirs = _job(db, owner="office2")
    assert client.get(f"/office/jobs/{theirs.id}").status_code == 404
    assert client.get("/office/jobs/no-such-job").status_code == 404
    assert client.get(f"/office/jobs/{_job(db).id}").status_code == 200


def test_a_done_job_whose_draft_was_deleted_is_gone(client, auth, db):
    from survey.models import JobStatus

    auth.login_as("office")
    assert client.get(f"/office/jobs/{_job(db, status=JobStatus.DONE).id}").status_code == 404
