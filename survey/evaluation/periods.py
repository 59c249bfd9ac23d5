"""Runs over other periods: the annual run (mean of the quarterly SIs) and rolling monthly runs.

The annual run reads the published quarterly runs of a year; its SI and SE come from
``analysis.annual_index`` and its points, ranks and tiers from the same placement as a wave.
A rolling run evaluates the submissions of the three months ending with a month; it is never
published (DESIGN §7c).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import ComponentScores, annual_index, consec_bottom
from analysis.placement import place_units
from survey import audit
from survey.errors import ValidationFailed
from survey.evaluation.inputs import Window, load_components, load_definition, load_window
from survey.evaluation.runs import compute_wave, published_for
from survey.evaluation.settings import RunSettings
from survey.evaluation.storage import code_version, plain, result_rows, summary
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


def evaluate_year_run(session: Session, year: int, settings: RunSettings, actor: str) -> EvaluationRun:
    """The annual run of ``year``: mean of its published quarterly SIs, placed like a wave."""
    quarters = _quarter_runs(session, year)
    if not quarters:
        raise ValidationFailed([("year", _("No published quarterly run for %(year)s: publish the "
                                           "quarters first.", year=year))])
    cfg = settings.scoring
    codes = sorted({r.unit_code for run in quarters for r in run.results})
    first: dict[str, EvaluationResult] = {}
    si = np.full((len(quarters), len(codes)), np.nan)
    se = np.full_like(si, np.nan)
    n_valid = np.zeros(len(codes), dtype=np.int64)
    for q, run in enumerate(quarters):
        for r in run.results:
            j = codes.index(r.unit_code)
            first.setdefault(r.unit_code, r)
            si[q, j] = np.nan if r.si is None else r.si
            se[q, j] = np.nan if r.si_se is None else r.si_se
            n_valid[j] += r.n_valid
    mean, err, n_quarters = annual_index(si, se)
    peer = [first[c].peer_group for c in codes]
    groups = np.unique(np.array(peer, dtype=object).astype(str), return_inverse=True)[1]
    place = place_units(mean, err, groups, cfg)
    unit_ids = {u.code: u.id for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    comps, _covered = load_components(session, str(year), [unit_ids[c] for c in codes])
    totals = _totals(comps, place, groups, cfg, codes)
    previous = _previous_year(session, year)
    run = EvaluationRun(
        wave_id=None, year=year, period=str(year), kind="year", config=settings.to_dict(),
        config_sha256=settings.sha256(), input_sha256=_quarters_hash(quarters),
        code_version=code_version(), status=RunStatus.DRAFT, created_by=actor,
        summary=plain({"quarters": [{"run": r.id, "period": r.period, "input_sha256": r.input_sha256}
                                    for r in quarters],
                       "sensitivity": {"units": codes, "points": place.points_by_method,
                                       "ranks": place.ranks_by_method,
                                       "total_ranks": totals["ranks_by_method"] if totals else {}},
                       "components_complete": comps is not None}),
    )
    session.add(run)
    session.flush()
    ci_low, ci_high = _interval(mean, err, cfg.z_crit)
    rows = []
    for j, code in enumerate(codes):
        flags = set()
        if n_valid[j] < cfg.n_min:
            flags.add("LOW_N")
        if np.isfinite(err[j]) and cfg.z_crit * err[j] > cfg.wide_ci_half_width:
            flags.add("WIDE_CI")
        if place.adj_not_sig[j]:
            flags.add("ADJ_NOT_SIG")
        if place.bottom_not_sig[j]:
            flags.add("BOTTOM_NOT_SIG")
        total = rank = tier = None
        if totals:
            total, rank, tier = totals["total"][j], totals["rank"][j], totals["tier"][j]
            flags |= totals["flags"][j]
        rows.append(EvaluationResult(
            run_id=run.id, unit_id=unit_ids[code], unit_code=code, unit_name=first[code].unit_name,
            peer_group=peer[j], n_valid=int(n_valid[j]), n_eff=None, si=plain(mean[j]),
            si_se=plain(err[j]), si_ci_low=plain(ci_low[j]), si_ci_high=plain(ci_high[j]),
            sat_rate_top2=None, dk_rate=None, social_method=str(place.method_used[j] or ""),
            social_max=cfg.social_max, social_points=plain(place.points[j]),
            social_points_linear=plain(place.points_linear[j]), social_rank=_int(place.rank[j]),
            social_rank_low=_int(place.rank_low[j]), social_rank_high=_int(place.rank_high[j]),
            social_tier=place.tier[j], si_shrunk=plain(place.shrunk.estimate[j]),
            si_shrunk_ci_low=plain(place.shrunk.ci_low[j]), si_shrunk_ci_high=plain(place.shrunk.ci_high[j]),
            total=plain(total), total_rank=_int(rank), total_tier=tier, flags="",
            method_version=first[code].method_version,
            extra={"quarters": int(n_quarters[j]),
                   "points_by_method": {m: plain(p[j]) for m, p in place.points_by_method.items()},
                   "ranks_by_method": {m: plain(p[j]) for m, p in place.ranks_by_method.items()}},
        ))
        rows[-1].flags = ";".join(sorted(flags))
    _mark_consec_bottom(rows, previous)
    session.add_all(rows)
    session.flush()
    audit.record(session, actor, "run.create", "evaluation_run", run.id,
                 new={"period": str(year), "kind": "year", "quarters": [r.id for r in quarters]})
    return run


def _int(value: object) -> int | None:
    return int(value) if value is not None and np.isfinite(value) else None  # type: ignore[arg-type]


def _interval(si: np.ndarray, se: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    # The annual interval is the §7c normal interval on the annual SE, clipped to [0, 100].
    with np.errstate(invalid="ignore"):
        return np.clip(si - z * se, 0.0, 100.0), np.clip(si + z * se, 0.0, 100.0)


def _quarters_hash(quarters: list[EvaluationRun]) -> str:
    from survey.hashing import canonical_json, sha256_hex

    return sha256_hex(canonical_json([[r.id, r.input_sha256] for r in quarters]))


def _totals(comps: ComponentScores | None, place, groups: np.ndarray, cfg, codes: list[str]) -> dict | None:
    from analysis import comprehensive_scores

    if comps is None:
        return None
    try:
        res = comprehensive_scores(comps, place.points, groups, social_max=cfg.social_max,
                                   base_max=cfg.base_max, diff_max=cfg.diff_max, bonus_cap=cfg.bonus_cap,
                                   unit_codes=codes, sensitivity_points=place.points_by_method,
                                   rank_unstable_places=cfg.rank_unstable_places)
    except ValueError as error:
        raise ValidationFailed([("components", str(error))]) from error
    flags = [({"BONUS_CAPPED"} if res.bonus_capped[j] else set())
             | ({"RANK_UNSTABLE"} if res.rank_unstable[j] else set()) for j in range(len(codes))]
    return {"total": res.total, "rank": res.total_rank, "tier": list(res.total_tier), "flags": flags,
            "ranks_by_method": res.ranks_by_method}


def _previous_year(session: Session, year: int) -> EvaluationRun | None:
    return published_for(session, str(year - 1), "year")


def _mark_consec_bottom(rows: list[EvaluationResult], previous: EvaluationRun | None) -> None:
    """CONSEC_BOTTOM on units whose total tier is 较差 this year and last (with significance)."""
    if previous is None:
        return
    before = {r.unit_code: (r.total_tier, (r.flags or "").split(";")) for r in previous.results}
    now = {r.unit_code: (r.total_tier, (r.flags or "").split(";")) for r in rows}
    hits = {c.unit_code: c for c in consec_bottom(before, now)}
    for row in rows:
        if row.unit_code in hits:
            hit = hits[row.unit_code]
            row.flags = ";".join(sorted(set(filter(None, row.flags.split(";"))) | {"CONSEC_BOTTOM"}))
            row.extra = {**row.extra, "consec_bottom": {
                "previous_run": previous.id, "previous_year_significant": hit.year1_significant,
                "this_year_significant": hit.year2_significant}}
