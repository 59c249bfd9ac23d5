"""The single entry point survey/ calls: :func:`evaluate_wave` (DESIGN §3, §7)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from analysis import flags as F
from analysis.comprehensive import comprehensive_scores
from analysis.config import ScoringConfig
from analysis.inputs import ComponentScores, WaveInput
from analysis.intervals import with_intervals
from analysis.interviewer_effects import interviewer_effect
from analysis.placement import place_units
from analysis.respondent_flags import any_flag, respondent_flags
from analysis.results import Sensitivity, WaveResult
from analysis.rows import int_or_none, standard_unit_flags, unit_rows
from analysis.scoring import item_table, respondent_scores
from analysis.unit_index import unit_cell_stats, unit_index_from_stats
from analysis.weighting import quota_reports, weight_respondents

if TYPE_CHECKING:
    from analysis.annual import YearResult

#: A wave's or a year's result: anything with ``rows`` and ``sensitivity``.
R = TypeVar("R", WaveResult, "YearResult")


def evaluate_wave(inp: WaveInput, config: ScoringConfig | None = None) -> WaveResult:
    """Score, weight and place every unit of one wave; one row per unit (DESIGN §7, §8).

    Steps: item → respondent scores; respondent flags (DUPLICATE, SPEEDING, STRAIGHTLINE,
    INSUFFICIENT_ITEMS plus the preset ones) and exclusions; raking of the persons with a
    counted rating; unit index, SE, CI, n_eff, top-2 rate and dk_rate; Fay–Herriot shrinkage;
    social points M1–M5, ranks, tiers, rank intervals and significance flags; unit flags;
    the comprehensive total when ``inp.components`` is given.

    A rating counts when neither it nor its submission carries a flag of
    ``config.excluding_flags``; dk_rate is taken over the ratings that only INSUFFICIENT_ITEMS
    keeps out (for the golden example: all non-duplicate ratings). CELL_COLLAPSED goes only on
    units with a counted rating by a person the collapse or drop concerns (see
    :mod:`analysis.weighting`); other run-level weighting flags (MARGINS_NORMALISED) go on every row.

    Parameters
    ----------
    inp : the wave as arrays (see :class:`analysis.WaveInput`).
    config : scoring parameters; default ``ScoringConfig()``.

    Raises
    ------
    ValueError
        Listing every malformed input field; :class:`analysis.RakingError` when the margins
        cannot be met.

    Examples
    --------
    >>> from analysis import ItemSpec, ScoringConfig, WaveInput
    >>> nan = float("nan")
    >>> item = ItemSpec("q1", 1.0, (100, 80, 60, 40, 0, nan), overall=True)
    >>> inp = WaveInput(design_weight=np.ones(4), rating_submission=np.arange(4),
    ...                 rating_unit=np.array([0, 0, 1, 1]), answers=np.array([[0], [1], [1], [3]]),
    ...                 items=[item], unit_codes=["A", "B"], unit_names=["甲", "乙"],
    ...                 peer_groups=["g", "g"])
    >>> res = evaluate_wave(inp, ScoringConfig(n_min=2))
    >>> [(r.unit_code, r.si, round(r.social_points, 6), r.social_tier, r.social_tier_status) for r in res.rows]
    [('A', 90.0, 20.0, '优秀(待复核)', 'provisional'), ('B', 60.0, 12.0, '较差(待复核)', 'provisional')]
    """
    config = config or ScoringConfig()
    errs = inp.validate()
    if errs:
        raise ValueError("; ".join(f"{name}: {msg}" for name, msg in errs))
    s, r, u = inp.n_submissions, inp.n_ratings, inp.n_units
    answers = np.asarray(inp.answers)
    table = item_table(inp.items, config.substantive_points())
    scores = respondent_scores(answers, table, config.min_answered_weight)

    flagged = respondent_flags(inp, answers, scores, table, config)
    sub_flags, rat_flags = flagged.submission, flagged.rating

    excluding = set(config.excluding_flags)
    rs = np.asarray(inp.rating_submission, dtype=np.int64)
    ru = np.asarray(inp.rating_unit, dtype=np.int64)
    sub_out = any_flag(sub_flags, excluding, s)[rs]
    # dk_rate is over ratings kept apart from INSUFFICIENT_ITEMS, the very thing it measures
    dk_pool = ~(sub_out | any_flag(rat_flags, excluding - {F.INSUFFICIENT_ITEMS}, r))
    counted = dk_pool & ~(rat_flags[F.INSUFFICIENT_ITEMS] if F.INSUFFICIENT_ITEMS in excluding else False)
    person = np.zeros(s, dtype=bool)
    person[rs[counted]] = True

    wts = weight_respondents(inp, person, config)
    n_cells = wts.cell_factor.size
    crs = rs[counted]
    d = np.asarray(inp.design_weight, dtype=float)[crs]
    j0 = table.overall
    top2 = topbox = answered = None
    if j0 >= 0:
        opt = answers[counted, j0]
        answered = (opt >= 0) & ~scores.missing[counted, j0]
        safe = np.clip(opt, 0, None)
        top2 = table.top2[j0, safe] & answered
        topbox = table.topbox[j0, safe] & answered
    stats = unit_cell_stats(ru[counted], wts.cell[crs], d, scores.y[counted], u, n_cells,
                            top2=top2, topbox=topbox, overall_answered=answered)
    idx = unit_index_from_stats(stats, wts.cell_factor, config.z)
    rho = float("nan")
    if config.interviewer_clustering and inp.interviewer is not None:
        effect = interviewer_effect(ru[counted], np.asarray(inp.interviewer)[crs], scores.y[counted], u)
        idx, rho = idx._replace(se=idx.se * np.sqrt(effect.deff)), effect.rho
    idx = with_intervals(idx, config.se_floor_fraction, config.confidence_level, config.ci_method)
    dk_num = np.bincount(ru[dk_pool], weights=scores.n_missing[dk_pool], minlength=u)
    dk_den = np.bincount(ru[dk_pool], weights=scores.n_answered[dk_pool], minlength=u)
    with np.errstate(invalid="ignore", divide="ignore"):
        dk_rate = np.where(dk_den > 0, dk_num / dk_den, np.nan)
    n_opts = table.points.shape[1]
    dist = np.zeros((u, n_opts))
    if j0 >= 0:
        opt = answers[counted, j0]
        given = opt >= 0
        w_r = wts.weights[crs]
        dist = np.bincount(ru[counted][given] * n_opts + opt[given], weights=w_r[given],
                           minlength=u * n_opts).reshape(u, n_opts).astype(float)
        tot = dist.sum(axis=1, keepdims=True)
        dist = np.divide(dist, tot, out=np.zeros_like(dist), where=tot > 0)

    _, groups = np.unique(np.asarray(inp.peer_groups, dtype=object).astype(str), return_inverse=True)
    place = place_units(idx.si, idx.se, groups, config, n_valid=idx.n_valid)
    quotas = quota_reports(inp, wts, stats.n, config)
    diagnostics = dataclasses.replace(wts.diagnostics, quotas=quotas)

    unit_flags = standard_unit_flags(idx, dk_rate, groups, place, config)
    # CELL_COLLAPSED only on units with a counted rating by a concerned person; the rest everywhere
    touched = np.bincount(ru[counted], weights=wts.collapse_concerned[crs], minlength=u) > 0
    for i, fl in enumerate(unit_flags):
        fl.update(f for f in diagnostics.flags if f != F.CELL_COLLAPSED or touched[i])
    for q in quotas:
        if q.shortfall and q.unit >= 0:
            unit_flags[q.unit].add(F.QUOTA_SHORTFALL)
    rows = unit_rows(inp.unit_codes, inp.unit_names, inp.peer_groups, idx, dk_rate, place, unit_flags, config)
    result = WaveResult(
        rows=rows,
        sensitivity=Sensitivity(place.points_by_method, place.ranks_by_method, {}),
        weighting=diagnostics, submission_weights=wts.weights, submission_flags=sub_flags,
        rating_flags=rat_flags, rating_scores=scores.y, rating_counted=counted,
        overall_distribution=dist, config_hash=config.config_hash(), points_cov=place.points_cov,
        padding=flagged.padding, test_groups=flagged.group, interviewer_rho=rho, rating_submission=rs,
    )
    if inp.components is not None:
        result = with_components(result, inp.components, config)
    return result


def with_components(result: R, components: ComponentScores, config: ScoringConfig) -> R:
    """Add the comprehensive total, rank and tier (DESIGN §7f) to an evaluated wave or year.

    Adds BONUS_CAPPED and RANK_UNSTABLE (total rank over M1–M4 social points) to the flags.

    Examples
    --------
    See :func:`analysis.comprehensive_scores` for the arithmetic; this only joins its output
    to the rows: ``evaluate_wave(dataclasses.replace(inp, components=c))`` is the same.
    """
    groups = np.unique([r.peer_group for r in result.rows], return_inverse=True)[1]
    comp = comprehensive_scores(
        components, np.array([r.social_points for r in result.rows]), groups,
        social_max=config.social_max, base_max=config.base_max, diff_max=config.diff_max,
        bonus_cap=config.bonus_cap, unit_codes=[r.unit_code for r in result.rows],
        sensitivity_points=result.sensitivity.points, rank_unstable_places=config.rank_unstable_places,
        points_se=result.points_cov if result.points_cov is not None else np.array([r.points_se for r in result.rows]),
        si=np.array([r.si for r in result.rows]),
        low_n=np.array([F.LOW_N in r.flags for r in result.rows]), coverage=config.confidence_level,
        evidence=config.tier_evidence, n_draws=config.n_draws, seed=config.seed,
    )
    rows = []
    for i, row in enumerate(result.rows):
        fl = set(row.flags)
        for flag, on in ((F.BONUS_CAPPED, comp.bonus_capped[i]), (F.RANK_UNSTABLE, comp.rank_unstable[i]),
                         (F.VETO, comp.veto[i])):
            if on:
                fl.add(flag)
        rows.append(dataclasses.replace(
            row, total=float(comp.total[i]), total_rank=int_or_none(comp.total_rank[i]),
            total_tier=comp.total_tier[i], flags=tuple(sorted(fl)),
            total_rankset_low=int_or_none(comp.rankset_low[i]),
            total_rankset_high=int_or_none(comp.rankset_high[i]), total_tier_status=comp.tier_status[i],
        ))
    sens = Sensitivity(result.sensitivity.points, result.sensitivity.ranks, comp.ranks_by_method)
    return dataclasses.replace(result, rows=tuple(rows), sensitivity=sens)
