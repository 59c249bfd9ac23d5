"""Large uploads imported by a background thread, followed on a page any worker answers (issue 17).

:func:`start_import` records the job (committed before the thread starts) and runs
:func:`survey.import_jobs.run_import` in a daemon thread with a session of its own; inline when
testing. Progress, heartbeat and failure are each a short transaction of their own; the imported
rows and the job's ``done`` commit together. On SQLite the import's transaction holds the write
lock from its first INSERT to its commit, so from the ``saving`` stage on only that commit
reports (PostgreSQL keeps reporting). :func:`import_job_page` renders the job's page for the
admin and office blueprints: it refreshes itself (``<meta http-equiv="refresh">``, no script)
only while the job runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, make_response, render_template
from flask_babel import force_locale, get_locale, gettext
from flask_login import current_user
from sqlalchemy.orm import Session, sessionmaker

from app.database import db_session, this_app
from survey import jobs
from survey.db import utcnow
from survey.errors import DomainError
from survey.import_jobs import (
    JOB_KINDS,
    STAGE_WORDS,
    UNEXPECTED,
    UNEXPECTED_ADVICE,
    ImportFile,
    failure_of,
    run_import,
)
from survey.models import JobStatus
from survey.upload_files import Table

log = logging.getLogger(__name__)
#: Seconds between two heartbeats of a running import (well below ``jobs.STALE_AFTER_S``).
HEARTBEAT_S = 20.0
#: Seconds between two reloads of a running job's page.
REFRESH_S = 2


def _write(sessions: sessionmaker, action: Callable[[Session], None]) -> None:
    """One short transaction in a session of its own."""
    with sessions() as session, session.begin():
        action(session)


def _heartbeats(sessions: sessionmaker, job_id: str, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_S):
        try:
            _write(sessions, lambda s: jobs.heartbeat(s, job_id))
        except Exception:  # noqa: BLE001 - SQLite's write lock is the import's until it commits
            log.info("heartbeat of import job %s postponed", job_id, exc_info=True)


def _inline(app: Flask) -> bool:
    return bool(app.config.get("TESTING") or app.config.get("OFFICE_INLINE_JOBS"))


def start_import(upload: ImportFile, table: Table | None) -> str:
    """Record an import job for the current user and run it (in a daemon thread, or inline
    when testing); return its id. ``table``: the upload as the request read it, or None."""
    app: Flask = this_app()
    actor = str(current_user.username)
    form_args = {"wave": upload.wave_id} if upload.wave_id is not None else None
    sessions: sessionmaker = app.extensions["minyi_sessions"]
    with sessions() as session, session.begin():
        job_id = jobs.create_job(session, JOB_KINDS[upload.kind], upload.filename[:200], actor,
                                 form_args).id
    args = (app, job_id, upload, table, actor, str(get_locale()))
    if _inline(app):
        _execute(*args)
    else:
        threading.Thread(target=_execute, args=args, daemon=True,
                         name=f"import-{job_id[:8]}").start()
    return job_id


def _execute(app: Flask, job_id: str, upload: ImportFile, table: Table | None, actor: str,
             locale: str) -> None:
    sessions: sessionmaker = app.extensions["minyi_sessions"]
    sqlite = app.extensions["minyi_engine"].dialect.name == "sqlite"
    stop = threading.Event()
    if not _inline(app):
        threading.Thread(target=_heartbeats, args=(sessions, job_id, stop), daemon=True,
                         name=f"heartbeat-{job_id[:8]}").start()
    saving: list[bool] = []

    def progress(stage: str, fraction: float) -> None:
        if sqlite and saving:
            return  # the import's transaction holds SQLite's write lock: its commit reports
        _write(sessions, lambda s: jobs.update_progress(s, job_id, stage, fraction))
        if stage == "saving":
            saving.append(True)

    with app.app_context(), force_locale(locale):
        session: Session = sessions()
        try:
            progress("queued", 0.0)
            result = run_import(session, upload, table, actor=actor,
                                secret=app.config["SECRET_KEY"], progress=progress)
            jobs.finish_job(session, job_id, result=result)
            session.commit()
            log.info("import job %s (%s, %s) by %s done", job_id, upload.kind, upload.filename, actor)
        except Exception as error:  # noqa: BLE001 - shown on the job's page, logged in full
            session.rollback()
            if not isinstance(error, DomainError):
                log.error("import job %s of %s failed", job_id, actor, exc_info=error)
            failure = failure_of(error)
            _write(sessions, lambda s: jobs.fail_job(s, job_id, **failure))
        finally:
            stop.set()
            session.close()


def _words(message: dict[str, Any] | None) -> tuple[str, list[tuple[str, str]], str | None]:
    """A stored result or failure in the reader's language: message, details, advice."""
    message = message or {"message": UNEXPECTED, "advice": UNEXPECTED_ADVICE}
    params = dict(message.get("params") or {})
    advice = message.get("advice")
    return (gettext(message["message"], **params),
            [(str(f), str(t)) for f, t in message.get("details") or []],
            gettext(advice, **params) if advice else None)


def import_job_page(job_id: str, kinds: tuple[str, ...], links: Callable[[str, dict[str, Any]], dict[str, str]]
                    ) -> Any:
    """The page of one of the current user's import jobs of ``kinds`` (else 404): stage and
    progress while it runs (the page reloads itself), what was stored, or every error.
    ``links(kind, form_args)``: ``{"again": upload page, "result": where the data show}``."""
    found = jobs.get_job(db_session(), job_id)
    if (found is None or found.owner != current_user.username
            or found.kind not in {JOB_KINDS[kind] for kind in kinds}):
        abort(404)
    state = jobs.job_state(found, utcnow())
    kind = found.kind.removeprefix("import-")
    running = state.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    outcome = None
    if state.status == JobStatus.DONE:
        outcome = _words(state.result)
    elif state.status == JobStatus.FAILED:
        outcome = _words(state.error)
    response = make_response(render_template(
        "imports/job.html", job=found, state=state, kind=kind, running=running, outcome=outcome,
        stage=gettext(STAGE_WORDS.get(state.stage, STAGE_WORDS["queued"])), refresh_s=REFRESH_S,
        links=links(kind, found.form_args or {})))
    response.headers["Cache-Control"] = "no-store"
    return response
