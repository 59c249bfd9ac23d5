"""Evaluation runs: create, publish (freeze), supersede with a reason and a per-unit diff.

A run stores its settings (and their hash), the hash of its inputs, the code version, one result
row per unit and a summary (weighting diagnostics, sensitivity of ranks to the method). Published
runs never change: the service refuses, and the database triggers of
:mod:`survey.models.frozen_runs` refuse too.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import RakingError, WaveResult, evaluate_wave
from survey import audit
from survey.db import utcnow
from survey.errors import InvalidTransition, NotFound, ValidationFailed
from survey.evaluation.decisions import require_decided
from survey.evaluation.inputs import WaveData, load_wave
from survey.evaluation.padding import excluded_by_flag, summary_findings
from survey.evaluation.settings import RunSettings
from survey.evaluation.storage import code_version, result_rows, summary
from survey.i18n import _
from survey.models import EvaluationResult, EvaluationRun, RunStatus, Wave

log = logging.getLogger(__name__)
Progress = Callable[[str, float], None]
#: Fields compared in a supersession diff (old → new per unit).
DIFF_FIELDS = ("n_valid", "si", "social_points", "social_rank", "social_tier", "social_tier_status",
               "total", "total_rank", "total_tier", "total_tier_status", "flags")
#: Decimals a diff shows people (SI and totals 2, social points 3); other fields as they are.
DIFF_DECIMALS = {"si": 2, "total": 2, "social_points": 3}


def _noop(_stage: str, _fraction: float) -> None:
    return None


def compute_wave(data: WaveData, settings: RunSettings) -> WaveResult:
    """Run analysis on loaded wave data; analysis errors become ``ValidationFailed``."""
    try:
        return evaluate_wave(data.inp, settings.scoring)
    except RakingError as error:
        raise ValidationFailed([("raking", str(error))]) from error
    except ValueError as error:
        raise ValidationFailed([("analysis", str(error))]) from error


def get_run(session: Session, run_id: int) -> EvaluationRun:
    run = session.get(EvaluationRun, run_id)
    if run is None:
        raise NotFound(_("Evaluation run %(id)s does not exist.", id=run_id))
    return run


def evaluate_wave_run(session: Session, wave_id: int, settings: RunSettings, actor: str,
                      progress: Progress = _noop) -> EvaluationRun:
    """Evaluate one wave (a quarter) and store the run as a draft."""
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise NotFound(_("Wave %(id)s does not exist.", id=wave_id))
    progress("reading", 0.1)
    data = load_wave(session, wave_id, item_weights=dict(settings.item_weights or {}) or None,
                     district_variable=settings.scoring.district_variable)
    progress("computing", 0.4)
    result = compute_wave(data, settings)
    progress("saving", 0.8)
    run = EvaluationRun(
        wave_id=wave.id, period=wave.period, kind="quarter", config=settings.to_dict(),
        config_sha256=settings.sha256(), input_sha256=data.input_sha256,
        code_version=code_version(), status=RunStatus.DRAFT, created_by=actor,
        summary=summary(result, submissions=data.status_counts,
                        n_accepted=int(data.submission_ids.size),
                        component_units=data.component_units,
                        components_complete=data.inp.components is not None,
                        padding=summary_findings(result, data.inp.unit_codes, data.inp.unit_names,
                                                 data.interviewer_ids),
                        excluded_by_flag=excluded_by_flag(result, settings.scoring.excluding_flags),
                        interviewer_rho=result.interviewer_rho),
    )
    session.add(run)
    session.flush()
    session.add_all(_attach(result_rows(result, data.unit_ids), run))
    session.flush()
    audit.record(session, actor, "run.create", "evaluation_run", run.id,
                 new={"wave": wave.id, "period": wave.period, "config_sha256": run.config_sha256,
                      "input_sha256": run.input_sha256})
    log.info("evaluation run %s of wave %s created by %s", run.id, wave.id, actor)
    progress("done", 1.0)
    return run


def _attach(rows: list[EvaluationResult], run: EvaluationRun) -> list[EvaluationResult]:
    for row in rows:
        row.run_id = run.id
    return rows


def _require_draft(run: EvaluationRun) -> None:
    if run.status != RunStatus.DRAFT:
        raise InvalidTransition(
            _("Run %(id)s is %(status)s: a published run is frozen and cannot be changed or "
              "deleted. Make a new run that supersedes it.", id=run.id, status=run.status.value))


def publish_run(session: Session, run_id: int, actor: str, reason: str | None = None) -> EvaluationRun:
    """Freeze a draft run. Rolling monthly runs are never published."""
    run = get_run(session, run_id)
    _require_draft(run)
    if run.kind == "rolling":
        raise InvalidTransition(_("Rolling monthly analyses are never published."))
    require_decided(run)
    current = published_for(session, run.period, run.kind)
    if current is not None:
        raise InvalidTransition(
            _("Run %(old)s is already published for %(period)s: supersede it with a reason instead.",
              old=current.id, period=run.period))
    run.status = RunStatus.PUBLISHED
    run.published_by = actor
    run.published_at = utcnow()
    if reason:
        run.reason = reason
    session.flush()
    audit.record(session, actor, "run.publish", "evaluation_run", run.id,
                 old={"status": "draft"}, new={"status": "published", "input_sha256": run.input_sha256})
    return run


def published_for(session: Session, period: str, kind: str) -> EvaluationRun | None:
    """The published run of a period and kind, if any."""
    return session.scalar(select(EvaluationRun).where(
        EvaluationRun.period == period, EvaluationRun.kind == kind,
        EvaluationRun.status == RunStatus.PUBLISHED))


def unit_diff(old: EvaluationRun, new: EvaluationRun) -> list[dict[str, Any]]:
    """Per-unit changes between two runs: ``{unit_code, field, old, new}`` for what differs."""
    before = {r.unit_code: r for r in old.results}
    after = {r.unit_code: r for r in new.results}
    out = []
    for code in sorted(set(before) | set(after)):
        a, b = before.get(code), after.get(code)
        for field in DIFF_FIELDS:
            va = getattr(a, field) if a is not None else None
            vb = getattr(b, field) if b is not None else None
            if va != vb:
                out.append({"unit_code": code, "field": field, "old": va, "new": vb})
    return out


def rounded_diff(diff: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A diff of :func:`unit_diff` with its numbers rounded for people (see ``DIFF_DECIMALS``).

    A change that vanishes once rounded (floating-point noise such as 12.000000000000002 → 12.0)
    is left out; the run's stored diff keeps it.
    """
    out = []
    for change in diff:
        old, new = _rounded(change["field"], change["old"]), _rounded(change["field"], change["new"])
        if old != new:
            out.append({**change, "old": old, "new": new})
    return out


def _rounded(field: str, value: Any) -> Any:
    digits = DIFF_DECIMALS.get(field)
    if digits is None or not isinstance(value, int | float) or isinstance(value, bool):
        return value
    number = float(value)
    return round(number, digits) if math.isfinite(number) else None


def supersede_run(session: Session, old_id: int, new_id: int, reason: str, actor: str) -> EvaluationRun:
    """Publish draft ``new_id`` in place of published ``old_id``; the reason is mandatory."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([("reason", _("Give the reason for the correction."))])
    old, new = get_run(session, old_id), get_run(session, new_id)
    if old.status != RunStatus.PUBLISHED:
        raise InvalidTransition(_("Only a published run can be superseded."))
    _require_draft(new)
    if (new.period, new.kind) != (old.period, old.kind):
        raise ValidationFailed([("run", _("The correcting run must cover the same period."))])
    require_decided(new)
    diff = unit_diff(old, new)
    new.summary = {**new.summary, "diff": diff, "supersedes": old.id}
    new.supersedes_id = old.id
    new.reason = reason
    old.status = RunStatus.SUPERSEDED
    session.flush()
    new.status = RunStatus.PUBLISHED
    new.published_by = actor
    new.published_at = utcnow()
    session.flush()
    audit.record(session, actor, "run.supersede", "evaluation_run", new.id,
                 old={"run": old.id}, new={"run": new.id, "reason": reason, "changes": len(diff)})
    return new


def delete_run(session: Session, run_id: int, actor: str) -> None:
    """Delete a draft run; published and superseded runs are refused."""
    run = get_run(session, run_id)
    _require_draft(run)
    for row in list(run.results):
        session.delete(row)
    session.flush()
    session.delete(run)
    session.flush()
    audit.record(session, actor, "run.delete", "evaluation_run", run_id, old={"period": run.period})


def list_runs(session: Session, period: str | None = None, published_only: bool = False
              ) -> list[EvaluationRun]:
    stmt = select(EvaluationRun).order_by(EvaluationRun.id.desc())
    if period:
        stmt = stmt.where(EvaluationRun.period == period)
    if published_only:
        stmt = stmt.where(EvaluationRun.status == RunStatus.PUBLISHED)
    return list(session.scalars(stmt))
