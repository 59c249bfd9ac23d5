"""Long evaluation runs in a background thread, with progress a page can poll without JS.

The registry lives in this process (a run started on one gunicorn worker is followed on that
worker's page; the run itself lands in the database either way). In testing the job runs
inline so that tests stay deterministic.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy.orm import Session

from survey.errors import DomainError, ValidationFailed

log = logging.getLogger(__name__)
Work = Callable[[Session, Callable[[str, float], None]], int]


@dataclass
class Job:
    id: str
    owner: str
    label: str
    stage: str = "queued"
    fraction: float = 0.0
    run_id: int | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.run_id is not None or bool(self.errors)

    @property
    def percent(self) -> int:
        return int(round(100 * self.fraction))


_JOBS: dict[str, Job] = {}
_LOCK = threading.Lock()


def get_job(job_id: str) -> Job | None:
    with _LOCK:
        return _JOBS.get(job_id)


def _execute(app: Flask, job: Job, work: Work) -> None:
    def progress(stage: str, fraction: float) -> None:
        job.stage, job.fraction = stage, fraction

    with app.app_context():
        session: Session = app.extensions["minyi_sessions"]()
        try:
            run_id = work(session, progress)
            session.commit()
            job.run_id, job.stage, job.fraction = run_id, "done", 1.0
        except DomainError as error:
            session.rollback()
            job.errors = error.errors if isinstance(error, ValidationFailed) else [("run", error.message)]
            job.stage = "failed"
        except Exception as error:  # noqa: BLE001 - reported on the progress page, logged in full
            session.rollback()
            log.exception("evaluation job %s failed", job.id)
            job.errors, job.stage = [("run", str(error))], "failed"
        finally:
            session.close()


def start_job(app: Flask, owner: str, label: str, work: Work) -> Job:
    """Register a job and run it (in a daemon thread, or inline when testing)."""
    job = Job(uuid.uuid4().hex, owner, label)
    with _LOCK:
        _JOBS[job.id] = job
        if len(_JOBS) > 200:  # forget the oldest finished jobs
            for key in [k for k, j in _JOBS.items() if j.done][:100]:
                del _JOBS[key]
    if app.config.get("TESTING") or app.config.get("OFFICE_INLINE_JOBS"):
        _execute(app, job, work)
    else:
        threading.Thread(target=_execute, args=(app, job, work), daemon=True,
                         name=f"evaluation-{job.id[:8]}").start()
    return job
