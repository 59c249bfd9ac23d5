"""Runs over other periods: the annual run (mean of the quarterly SIs) and rolling monthly runs.

The annual run reads the published quarterly runs of a year; its SI and SE come from
``analysis.annual_index`` and its points, ranks and tiers from the same placement as a wave.
A rolling run evaluates the submissions of the three months ending with a month; it is never
published (DESIGN §7c).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import UnitRow, consec_bottom, evaluate_year
from survey import audit
from survey.errors import ValidationFailed
from survey.evaluation.inputs import Window, load_components, load_definition, load_window
from survey.evaluation.runs import compute_wave, published_for
from survey.evaluation.settings import RunSettings
from survey.evaluation.storage import code_version, plain, result_rows, stored_unit_rows, summary
from survey.hashing import canonical_json, sha256_hex
from survey.i18n import _
from survey.models import EvaluationResult, EvaluationRun, RunStatus, Unit, Wave
from survey.models.waves import WAVE_TIMEZONE

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month_start(year: int, month: int) -> datetime:
    while month < 1:
        year, month = year - 1, month + 12
    while month > 12:
        year, month = year + 1, month - 12
    return datetime(year, month, 1, tzinfo=ZoneInfo(WAVE_TIMEZONE))


def evaluate_rolling_run(session: Session, month: str, settings: RunSettings, actor: str) -> EvaluationRun:
    """Evaluate the submissions of the 3 months ending with ``month`` (YYYY-MM); a draft, kind rolling."""
    match = MONTH.match(month or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationFailed([("month", _("Give the month as YYYY-MM."))])
    year, mon = int(match.group(1)), int(match.group(2))
    since, until = _month_start(year, mon - 2), _month_start(year, mon + 1)
    waves = list(session.scalars(select(Wave).where(Wave.opens_at < until, Wave.closes_at > since)
                                 .order_by(Wave.opens_at, Wave.id)))
    if not waves:
        raise ValidationFailed([("month", _("No wave collected responses in the three months "
                                            "ending %(month)s.", month=month))])
    version_id = waves[-1].questionnaire_version_id
    waves = [w for w in waves if w.questionnaire_version_id == version_id]
    definition = load_definition(session, version_id)
    data = load_window(session, Window(tuple(w.id for w in waves), since, until), definition,
                       item_weights=dict(settings.item_weights or {}) or None,
                       district_variable=settings.scoring.district_variable)
    result = compute_wave(data, settings)
    run = EvaluationRun(
        wave_id=None, period=month, kind="rolling", config=settings.to_dict(),
        config_sha256=settings.sha256(), input_sha256=data.input_sha256, code_version=code_version(),
        status=RunStatus.DRAFT, created_by=actor,
        summary=summary(result, submissions=data.status_counts, waves=[w.id for w in waves],
                        window=[since.isoformat(), until.isoformat()]),
    )
    session.add(run)
    session.flush()
    for row in result_rows(result, data.unit_ids):
        row.run_id = run.id
        session.add(row)
    session.flush()
    audit.record(session, actor, "run.create", "evaluation_run", run.id,
                 new={"period": month, "kind": "rolling"})
    return run


def _quarter_runs(session: Session, year: int) -> list[EvaluationRun]:
    runs = [published_for(session, f"{year}-Q{q}", "quarter") for q in range(1, 5)]
    return [r for r in runs if r is not None]


@dataclass(frozen=True)
class _StoredQuarter:
    """A published quarterly run seen as analysis results (``evaluate_year`` reads ``rows``)."""

    rows: tuple[UnitRow, ...]


def compute_year(session: Session, year: int, quarters: list[EvaluationRun], settings: RunSettings
                 ) -> tuple[Any, dict[str, int], list[EvaluationResult], list[str], bool]:
    """Annual result of ``quarters`` and its (unsaved) result rows, CONSEC_BOTTOM included."""
    stored = [_StoredQuarter(tuple(stored_unit_rows(run))) for run in quarters]
    codes: list[str] = []
    for quarter in stored:
        codes += [r.unit_code for r in quarter.rows if r.unit_code not in codes]
    unit_ids = {u.code: u.id for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    components, covered = load_components(session, str(year), [unit_ids[c] for c in codes])
    try:
        result = evaluate_year(stored, settings.scoring, components)  # type: ignore[arg-type]
    except ValueError as error:
        raise ValidationFailed([("analysis", str(error))]) from error
    rows = result_rows(result, [unit_ids[r.unit_code] for r in result.rows],
                       {r.unit_code: {"quarters": int(q)} for r, q in zip(result.rows, result.quarters,
                                                                           strict=True)})
    _mark_consec_bottom(rows, _previous_year(session, year), None, str(year))
    return result, unit_ids, rows, covered, components is not None


def evaluate_year_run(session: Session, year: int, settings: RunSettings, actor: str) -> EvaluationRun:
    """The annual run of ``year`` from its published quarterly runs (``analysis.evaluate_year``)."""
    quarters = _quarter_runs(session, year)
    if not quarters:
        raise ValidationFailed([("year", _("No published quarterly run for %(year)s: publish the "
                                           "quarters first.", year=year))])
    result, _unit_ids, rows, covered, complete = compute_year(session, year, quarters, settings)
    run = EvaluationRun(
        wave_id=None, year=year, period=str(year), kind="year", config=settings.to_dict(),
        config_sha256=settings.sha256(), input_sha256=_quarters_hash(quarters),
        code_version=code_version(), status=RunStatus.DRAFT, created_by=actor,
        summary=plain({
            "quarters": [{"run": r.id, "period": r.period, "input_sha256": r.input_sha256}
                         for r in quarters],
            "sensitivity": {"units": [r.unit_code for r in result.rows],
                            "points": result.sensitivity.points, "ranks": result.sensitivity.ranks,
                            "total_ranks": result.sensitivity.total_ranks},
            "component_units": covered, "components_complete": complete,
            "method_version": result.method_version}),
    )
    session.add(run)
    session.flush()
    for row in rows:
        row.run_id = run.id
    session.add_all(rows)
    session.flush()
    for row in rows:
        if "consec_bottom" in row.extra:
            row.extra = {**row.extra, "consec_bottom": {**row.extra["consec_bottom"], "years": [
                row.extra["consec_bottom"]["years"][0], {**row.extra["consec_bottom"]["years"][1], "run": run.id}]}}
    session.flush()
    audit.record(session, actor, "run.create", "evaluation_run", run.id,
                 new={"period": str(year), "kind": "year", "quarters": [r.id for r in quarters]})
    return run


def _quarters_hash(quarters: list[EvaluationRun]) -> str:
    return sha256_hex(canonical_json([[r.id, r.input_sha256] for r in quarters]))


def _previous_year(session: Session, year: int) -> EvaluationRun | None:
    return published_for(session, str(year - 1), "year")


def _year_evidence(run_id: int | None, period: str, row: EvaluationResult) -> dict[str, Any]:
    """One year's total placement and what it rests on, as CONSEC_BOTTOM records it."""
    decision = (row.decisions or {}).get("total")
    return {"run": run_id, "period": period, "total_tier": row.total_tier,
            "status": row.total_tier_status, "total_rank": row.total_rank,
            "rankset": [row.total_rankset_low, row.total_rankset_high],
            "office_reason": decision["reason"] if decision else None}


def _mark_consec_bottom(rows: list[EvaluationResult], previous: EvaluationRun | None,
                        run_id: int | None = None, period: str = "") -> None:
    """CONSEC_BOTTOM on units whose total tier is 较差 this year and last, each time final or
    confirmed by the office; each year's evidence goes to ``extra["consec_bottom"]``."""
    for row in rows:  # recomputed from scratch: a decision may have changed this year's status
        row.flags = ";".join(sorted(set(filter(None, (row.flags or "").split(";"))) - {"CONSEC_BOTTOM"}))
        if "consec_bottom" in (row.extra or {}):
            row.extra = {k: v for k, v in row.extra.items() if k != "consec_bottom"}
    if previous is None:
        return
    before = {r.unit_code: r for r in previous.results}
    hits = {c.unit_code for c in consec_bottom(
        {c: (r.total_tier, r.total_tier_status) for c, r in before.items()},
        {r.unit_code: (r.total_tier, r.total_tier_status) for r in rows})}
    for row in rows:
        if row.unit_code in hits:
            row.flags = ";".join(sorted(set(filter(None, row.flags.split(";"))) | {"CONSEC_BOTTOM"}))
            row.extra = {**(row.extra or {}), "consec_bottom": {
                "previous_run": previous.id,
                "years": [_year_evidence(previous.id, previous.period, before[row.unit_code]),
                          _year_evidence(run_id, period, row)]}}


def refresh_consec_bottom(session: Session, run: EvaluationRun) -> None:
    """Recompute CONSEC_BOTTOM of a draft annual run after the office decided a total placement."""
    _mark_consec_bottom(list(run.results), _previous_year(session, int(run.period)), run.id, run.period)
    session.flush()
