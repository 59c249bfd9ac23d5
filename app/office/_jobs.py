"""Long evaluation runs in a background thread; their state and progress live in the database.

Any gunicorn worker (or app server) answers the job's page (DESIGN §2, issue 14): the job row is
committed before the thread starts, and every write of the thread (progress, heartbeat, failure)
is a short transaction in a session of its own, never the request's. The run and the job's
``done`` are committed together. In testing the job runs inline, so that tests stay
deterministic.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_babel import gettext
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from survey import jobs
from survey.errors import DomainError, ValidationFailed
from survey.i18n import N_

log = logging.getLogger(__name__)
Work = Callable[[Session, Callable[[str, float], None]], int]
#: Seconds between two heartbeats of a running job (well below ``jobs.STALE_AFTER_S``).
HEARTBEAT_S = 20.0
FAILED = N_("The evaluation failed:")
RAKING_ADVICE = N_("Check the wave's margins and the run settings, then start the run again.")
SETTINGS_ADVICE = N_("Check the run settings, then start the run again.")
UNEXPECTED = N_("The run failed unexpectedly; the error was logged.")
UNEXPECTED_ADVICE = N_("Start the run again; if it fails again, tell the administrator.")


def _write(sessions: sessionmaker, action: Callable[[Session], None]) -> None:
    """One short transaction in a session of its own."""
    with sessions() as session, session.begin():
        action(session)


def _heartbeats(sessions: sessionmaker, job_id: str, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_S):
        try:
            _write(sessions, lambda s: jobs.heartbeat(s, job_id))
        except Exception:  # noqa: BLE001 - a missed heartbeat is retried; the job goes on
            log.warning("heartbeat of job %s failed", job_id, exc_info=True)


#: analysis.raking's message when trimming keeps a margin from being met (its shape is stable:
#: tests/office/test_jobs.py builds it from real runs).
TRIM_FAILURE = re.compile(r"did not converge within trim bounds \(([\d.eE+-]+), ([\d.eE+-]+)\) after "
                          r"(\d+) iterations; worst margin ([^=\s]+)=(.+): relative error ([\d.eE+-]+)")
DIVERGED = re.compile(r"raking diverged after \d+ iterations: .*\(margin (\S+) and the others conflict\)")
TRIMMED_MARGIN = N_("Weighting cannot meet the population margin %(margin)s within the trimming bounds "
                    "%(low)s–%(high)s: after %(iterations)s rounds it is still off by %(error)s.")
TRIM_ADVICE = N_("Widen the trimming bounds in the run settings (the defaults are 0.3 and 3), or check "
                 "the wave's population margins of %(variable)s; then start the run again.")
CONFLICTING_MARGINS = N_("Weighting cannot meet all the population margins with the responses "
                         "received: the margins of %(variable)s and the others conflict.")


def failure_of(error: Exception) -> dict[str, Any]:
    """How a job failed, for :func:`survey.jobs.fail_job`: msgids and their values, so that the
    page says it in the reader's language, with what to do.

    Weighting failures analysis explains in English are recognised and reworded (the margin that
    cannot be met, the bounds to widen); other domain errors keep their details, shown as
    technical details; anything else is logged, not shown."""
    if not isinstance(error, DomainError):
        return {"message": UNEXPECTED, "advice": UNEXPECTED_ADVICE}
    details = error.errors if isinstance(error, ValidationFailed) else [("run", error.message)]
    for field, text in details:
        if field != "raking":
            continue
        trimmed, diverged = TRIM_FAILURE.search(text), DIVERGED.search(text)
        if trimmed:
            low, high, iterations, variable, category, off = trimmed.groups()
            params = {"low": low, "high": high, "iterations": iterations, "variable": variable,
                      "category": category, "error": f"{float(off):.1%}"}
            return {"message": TRIMMED_MARGIN, "params": params, "advice": TRIM_ADVICE}
        if diverged:
            return {"message": CONFLICTING_MARGINS, "params": {"variable": diverged.group(1)},
                    "advice": RAKING_ADVICE}
    raking = any(field in ("raking", "analysis") for field, _text in details)
    return {"message": FAILED, "details": details, "advice": RAKING_ADVICE if raking else SETTINGS_ADVICE}


def _fail(sessions: sessionmaker, job_id: str, actor: str, error: Exception) -> None:
    if not isinstance(error, DomainError):
        log.error("evaluation job %s of %s failed", job_id, actor, exc_info=error)
    args = failure_of(error)
    _write(sessions, lambda s: jobs.fail_job(s, job_id, **args))


def _execute(app: Flask, job_id: str, actor: str, work: Work) -> None:
    sessions: sessionmaker = app.extensions["minyi_sessions"]
    stop = threading.Event()
    if not _inline(app):
        threading.Thread(target=_heartbeats, args=(sessions, job_id, stop), daemon=True,
                         name=f"heartbeat-{job_id[:8]}").start()
    with app.app_context():
        session: Session = sessions()
        wrote: list[bool] = []
        # once the work has written, its transaction holds SQLite's write lock until it commits:
        # later progress (only "done") is left to finish_job, in the work's own transaction
        event.listen(session, "after_flush", lambda *_args: wrote.append(True))

        def progress(stage: str, fraction: float) -> None:
            if not wrote:
                _write(sessions, lambda s: jobs.update_progress(s, job_id, stage, fraction))

        try:
            _write(sessions, lambda s: jobs.update_progress(s, job_id, "queued", 0.0))
            run_id = work(session, progress)
            jobs.finish_job(session, job_id, run_id)
            session.commit()
        except Exception as error:  # noqa: BLE001 - reported on the job's page, logged in full
            session.rollback()
            _fail(sessions, job_id, actor, error)
        finally:
            stop.set()
            session.close()


def _inline(app: Flask) -> bool:
    return bool(app.config.get("TESTING") or app.config.get("OFFICE_INLINE_JOBS"))


def start_job(app: Flask, actor: str, label: str, work: Work,
              form_args: dict[str, Any] | None = None) -> str:
    """Record a job (committed before it starts) and run it, in a daemon thread or inline when
    testing; return its id."""
    sessions: sessionmaker = app.extensions["minyi_sessions"]
    with sessions() as session, session.begin():
        job_id = jobs.create_job(session, "evaluation", label, actor, form_args).id
    if _inline(app):
        _execute(app, job_id, actor, work)
    else:
        threading.Thread(target=_execute, args=(app, job_id, actor, work), daemon=True,
                         name=f"evaluation-{job_id[:8]}").start()
    return job_id


def failure_words(error: dict[str, Any] | None, margin_words: Callable[[str, str], str] | None = None
                  ) -> tuple[str, list[tuple[str, str]], str | None]:
    """A stored failure in the reader's language: message, technical details, advice.

    ``margin_words(variable, category)`` names a margin as the questionnaire does (年龄段 70+)."""
    error = error or {"message": UNEXPECTED, "advice": UNEXPECTED_ADVICE}
    params = dict(error.get("params") or {})
    if "variable" in params:
        name = margin_words or (lambda variable, category: f"{variable} {category}".strip())
        params["margin"] = name(params["variable"], params.get("category", ""))
        params["variable"] = name(params["variable"], "")
    message = gettext(error["message"], **params)
    advice = gettext(error["advice"], **params) if error.get("advice") else None
    return message, [(str(f), str(t)) for f, t in error.get("details") or []], advice


__all__ = ["Work", "failure_of", "failure_words", "start_job"]
