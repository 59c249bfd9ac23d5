"""Background jobs in the database: create, report progress, finish, fail, read (DESIGN §2).

Evaluation runs and large imports (issue 17) are jobs; ``kind`` tells them apart.

The functions flush and leave the commit to the caller (STYLE habit 3); a background thread
calls each in a session of its own and commits at once, so that the job's page on any worker
sees the progress. A job that is running but whose heartbeat is older than ``stale_after_s``
reads as failed: its worker stopped (killed, restarted), and nothing needs cleaning up.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import update
from sqlalchemy.orm import Session

from survey.db import utcnow
from survey.errors import NotFound
from survey.i18n import N_, _
from survey.models import Job, JobStatus

#: Seconds without a heartbeat after which a running job is taken for dead.
STALE_AFTER_S = 120
#: The failure of a job whose worker stopped (msgid and advice, translated when shown).
STOPPED = N_("The worker that ran this job stopped.")
START_AGAIN = N_("Start the run again.")
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
#: How a long service reports how far it got: ``progress(stage, fraction 0..1)``.
Progress = Callable[[str, float], None]


def no_progress(_stage: str, _fraction: float) -> None:
    """The progress callback of a service run in the foreground (CLI, small uploads)."""


class JobState(NamedTuple):
    """What a job's page shows: its status as read now (a stale running job is failed)."""

    status: JobStatus
    stage: str
    fraction: float
    run_id: int | None
    error: dict[str, Any] | None
    result: dict[str, Any] | None = None


def create_job(session: Session, kind: str, label: str, owner: str,
               form_args: dict[str, Any] | None = None) -> Job:
    now = utcnow()
    job = Job(id=secrets.token_urlsafe(18), kind=kind, label=label, owner=owner, status=JobStatus.QUEUED,
              stage="queued", progress=0.0, form_args=form_args, created_at=now, updated_at=now,
              heartbeat_at=now)
    session.add(job)
    session.flush()
    return job


def _require(session: Session, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(_("Job %(id)s does not exist.", id=job_id))
    return job


def update_progress(session: Session, job_id: str, stage: str, fraction: float) -> None:
    """Record the stage and progress (0..1) of a job; it is running and alive."""
    job = _require(session, job_id)
    now = utcnow()
    job.status, job.stage = JobStatus.RUNNING, stage
    job.progress = min(1.0, max(0.0, float(fraction)))
    job.updated_at = job.heartbeat_at = now
    session.flush()


def heartbeat(session: Session, job_id: str) -> None:
    """A sign of life of the worker of an active job (one UPDATE; finished jobs are left alone)."""
    session.execute(update(Job).where(Job.id == job_id, Job.status.in_(ACTIVE)).values(heartbeat_at=utcnow()))


def finish_job(session: Session, job_id: str, run_id: int | None = None,
               result: dict[str, Any] | None = None) -> None:
    """Mark a job done, with the run it made or ``result`` (``{"message": msgid, "params":
    {...}}``, translated when shown); flushed in the caller's transaction, so that the job is
    done exactly when its work is committed."""
    job = _require(session, job_id)
    job.status, job.stage, job.progress, job.run_id = JobStatus.DONE, "done", 1.0, run_id
    job.result = result
    job.updated_at = job.heartbeat_at = utcnow()
    session.flush()


def fail_job(session: Session, job_id: str, message: str, params: dict[str, Any] | None = None,
             details: list[tuple[str, str]] | None = None, advice: str | None = None) -> None:
    """Mark a job failed. ``message`` and ``advice`` are English msgids (with ``%(name)s``
    placeholders filled from ``params``), translated in the reader's language when shown;
    ``details`` are (field, text) pairs shown as they are."""
    job = _require(session, job_id)
    job.status, job.stage = JobStatus.FAILED, "failed"
    job.error = {"message": message, "params": dict(params or {}),
                 "details": [[field, text] for field, text in details or []], "advice": advice}
    job.updated_at = utcnow()
    session.flush()


def get_job(session: Session, job_id: str) -> Job | None:
    return session.get(Job, job_id) if job_id else None


def job_state(job: Job, now: datetime, stale_after_s: float = STALE_AFTER_S) -> JobState:
    """The job as its page shows it; an active job without a recent heartbeat has failed."""
    if job.status in ACTIVE and now - job.heartbeat_at > timedelta(seconds=stale_after_s):
        stopped = {"message": STOPPED, "params": {}, "details": [], "advice": START_AGAIN}
        return JobState(JobStatus.FAILED, "failed", job.progress, None, stopped)
    return JobState(job.status, job.stage, job.progress, job.run_id, job.error, job.result)
