"""Social placement of units: points, ranks, tiers with their evidence, rank sets, significance.

Shared by the wave evaluation and the annual index, so both place units the same way.

Verdict rule (DESIGN §7e): the rank cut-offs say which zone a unit's rank falls in (优秀, 良好,
一般, 较差). A 优秀 or 较差 placement is *final* only when the unit's rank confidence set
(:mod:`analysis.rank_sets`, simultaneous by default) lies entirely inside that zone and the unit
has at least ``n_min`` valid ratings; otherwise it is *provisional* (优秀(待复核) / 较差(待复核))
for the office to decide. A middle tier is final, or *indicative* for a unit below ``n_min``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from analysis.config import METHODS, ScoringConfig
from analysis.points import social_points
from analysis.rank_sets import RankSets, as_covariance, difference_sd, group_rank_sets
from analysis.ranking import (
    EXCELLENT,
    POOR,
    adjacent_si_not_sig,
    ordered_ranks,
    rank_intervals,
    tiers,
)
from analysis.shrinkage import Shrunk, fay_herriot

FINAL, PROVISIONAL, INDICATIVE = "final", "provisional", "indicative"
#: Suffix of a provisional placement's tier word.
REVIEW_SUFFIX = "(待复核)"


class Placement(NamedTuple):
    """Per-unit placement arrays (NaN / None where a unit has no SI or SE)."""

    points: np.ndarray  #: under the configured method, on the points basis
    method_used: np.ndarray  #: object
    points_linear: np.ndarray  #: M1 on the points basis
    points_se: np.ndarray  #: SE of the points (delta method): sqrt of the diagonal of points_cov
    points_cov: np.ndarray  #: (U, U) covariance of the points, the social part of the totals' covariance
    basis: np.ndarray  #: the values the points were computed from
    rank: np.ndarray  #: by points, ties by SI
    rank_low: np.ndarray  #: percentiles of simulated ranks at confidence_level (descriptive)
    rank_high: np.ndarray
    rankset_low: np.ndarray  #: rank confidence set (config.tier_evidence) of the direct SI
    rankset_high: np.ndarray
    zone: np.ndarray  #: object: 优秀 / 良好 / 一般 / 较差 by rank
    tier: np.ndarray  #: object: the zone, with (待复核) when provisional
    status: np.ndarray  #: object: final / provisional / indicative
    low_n: np.ndarray
    adj_not_sig: np.ndarray
    bottom_not_sig: np.ndarray
    top_not_sig: np.ndarray
    points_by_method: dict[str, np.ndarray]
    ranks_by_method: dict[str, np.ndarray]
    shrunk: Shrunk


def zone_limits(n: int) -> tuple[int, int]:
    """(last rank of 优秀, first rank of 较差) among ``n`` ranked units (DESIGN §7e).

    Examples
    --------
    >>> zone_limits(20), zone_limits(3)
    ((6, 19), (1, 3))
    """
    return (3 * n + 9) // 10, n - max(1, n // 10) + 1


def evidence_status(zone: np.ndarray, low: np.ndarray, high: np.ndarray, groups: np.ndarray,
                    low_n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Status of each placement and the TOP/BOTTOM_NOT_SIG masks (rank set not inside the zone).

    Examples
    --------
    >>> zone = np.array(["优秀", "良好", "较差"], dtype=object)
    >>> status, top, bottom = evidence_status(zone, np.array([1.0, 1, 3]), np.array([1.0, 3, 3]),
    ...                                       np.zeros(3, int), np.array([False, False, True]))
    >>> status.tolist(), top.tolist(), bottom.tolist()
    (['final', 'final', 'provisional'], [False, False, False], [False, False, False])
    """
    g = np.asarray(groups)
    ranked = np.array([z is not None for z in zone])
    status = np.full(zone.shape, None, dtype=object)
    top = np.zeros(zone.shape, dtype=bool)
    bottom = np.zeros(zone.shape, dtype=bool)
    for code in np.unique(g[ranked]):
        idx = np.flatnonzero(ranked & (g == code))
        last_top, first_bottom = zone_limits(idx.size)
        for i in idx:
            if zone[i] == EXCELLENT:
                top[i] = not high[i] <= last_top
                status[i] = PROVISIONAL if top[i] or low_n[i] else FINAL
            elif zone[i] == POOR:
                bottom[i] = not low[i] >= first_bottom
                status[i] = PROVISIONAL if bottom[i] or low_n[i] else FINAL
            else:
                status[i] = INDICATIVE if low_n[i] else FINAL
    return status, top, bottom


def zone_test_sets(si: np.ndarray, se: np.ndarray, groups: np.ndarray, level: float = 0.95
                   ) -> tuple[np.ndarray, np.ndarray]:
    """One-sided rank bounds for the zone verdicts ("zone" evidence).

    For each unit: ``low`` = 1 + #units significantly above it and ``high`` = N − #units
    significantly below it, each comparison one-sided at level α/k where k is the size of the
    zone the bound is compared with (the 较差 zone for ``low``, the 优秀 zone for ``high``).
    ``low ≥ first rank of 较差`` then means: at least N − k of the others are significantly
    better, which is wrong with probability ≤ α whatever the truth (if the unit's true rank is
    outside the zone, at least k comparisons are true nulls and one of them must be rejected
    falsely: k·α/k = α; more true nulls need more false rejections, Markov's inequality).

    Examples
    --------
    >>> low, high = zone_test_sets(np.array([80.0, 79.0, 78.0, 60.0]), np.ones(4), np.zeros(4, int))
    >>> low.tolist(), high.tolist()
    ([1.0, 1.0, 1.0, 4.0], [3.0, 3.0, 3.0, 4.0])
    """
    from analysis.config import normal_quantile

    si = np.asarray(si, float)
    cov = as_covariance(se)
    g = np.asarray(groups)
    low = np.full(si.shape, np.nan)
    high = np.full(si.shape, np.nan)
    ok = np.isfinite(si) & np.isfinite(np.diag(cov))
    alpha = 1.0 - level
    for code in np.unique(g[ok]):
        idx = np.flatnonzero(ok & (g == code))
        n = idx.size
        last_top, first_bottom = zone_limits(n)
        k_bottom, k_top = n - first_bottom + 1, last_top
        x, sd = si[idx], difference_sd(cov[np.ix_(idx, idx)])
        diff = x[None, :] - x[:, None]  # [u, k] = SI_k − SI_u
        with np.errstate(invalid="ignore", divide="ignore"):
            zz = np.where(sd > 0, diff / np.where(sd > 0, sd, 1.0), np.sign(diff) * np.inf)
        np.fill_diagonal(zz, 0.0)
        above = (zz >= normal_quantile(1.0 - alpha / k_bottom)).sum(axis=1)
        below = (-zz >= normal_quantile(1.0 - alpha / k_top)).sum(axis=1)
        low[idx] = 1.0 + above
        high[idx] = float(n) - below
    return low, high


def shown_tier(zone: np.ndarray, status: np.ndarray) -> np.ndarray:
    """The tier word: the zone, with (待复核) on a provisional placement."""
    return np.array([None if z is None else z + REVIEW_SUFFIX if s == PROVISIONAL else z
                     for z, s in zip(zone, status, strict=True)], dtype=object)


def _basis(si: np.ndarray, se: np.ndarray, shrunk: Shrunk, config: ScoringConfig
           ) -> tuple[np.ndarray, np.ndarray]:
    """Points basis and its SE: the EB estimate (sqrt MSE) or the direct SI (SE).

    The EB estimate is the small-sample rule: a unit's points move toward its group's mean in
    proportion to its sampling variance, so a small unit is not punished (or rewarded) for noise.
    """
    use_shrunk = np.isfinite(shrunk.estimate) & (config.points_basis == "shrunk")
    basis = np.where(use_shrunk, shrunk.estimate, si)
    basis_se = np.where(use_shrunk, np.sqrt(shrunk.mse), se)
    return basis, basis_se


def points_on_basis(si: np.ndarray, se: np.ndarray, groups: np.ndarray, config: ScoringConfig,
                    methods: tuple[str, ...]) -> tuple[dict[str, np.ndarray], np.ndarray, Shrunk]:
    """Points under ``methods`` on the configured basis (with the shrinkage), the basis, the shrinkage."""
    shrunk = fay_herriot(si, se, groups, config.z)
    basis, basis_se = _basis(si, se, shrunk, config)
    out = {}
    for m in methods:
        out[m] = social_points(
            basis, groups, m, se=basis_se, social_max=config.social_max,
            band=(config.band_low, config.band_high), m5_points=config.m5_points,
            m2_min_range=config.m2_min_range, m3_min_sd=config.m3_min_sd,
            rank_points=config.rank_points, tie_break=si,
        ).points
    return out, basis, shrunk


def points_covariance(si: np.ndarray, se: np.ndarray, groups: np.ndarray, config: ScoringConfig,
                      step: float = 0.01) -> np.ndarray:
    """Covariance of the social points, J·diag(SE²)·Jᵀ (delta method).

    J = ∂points/∂SI by central differences of the whole pipeline (shrinkage and the group's
    min, max, mean or ranks included), so a unit pinned at the band's edge, whose own points do
    not move, still differs in a random way from its neighbours. NaN where a unit is not placed.
    """
    u_all = si.size
    ok = np.isfinite(si) & np.isfinite(se)
    jac = np.zeros((u_all, u_all))
    for u in np.flatnonzero(ok):
        up, down = si.copy(), si.copy()
        up[u] += step
        down[u] -= step
        p_up = points_on_basis(up, se, groups, config, (config.method,))[0][config.method]
        p_down = points_on_basis(down, se, groups, config, (config.method,))[0][config.method]
        jac[:, u] = np.nan_to_num((p_up - p_down) / (2 * step))
    cov = (jac * np.where(ok, se, 0.0) ** 2) @ jac.T
    cov[~ok, :] = np.nan
    cov[:, ~ok] = np.nan
    return cov


def verdict_bounds(values: np.ndarray, se: np.ndarray, groups: np.ndarray, sets: RankSets,
                   config: ScoringConfig) -> tuple[np.ndarray, np.ndarray]:
    """The rank bounds a verdict is judged by: the zone tests, or the rank sets themselves."""
    if config.tier_evidence == "zone":
        return zone_test_sets(values, se, groups, config.confidence_level)
    return sets.low, sets.high


def placeable(si: np.ndarray, se: np.ndarray, groups: np.ndarray, n_valid: np.ndarray | None,
              n_min: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """SI and SE as floats, NaN for a unit missing either (it is not placed), the groups, and
    which placed units are below ``n_min`` (no n given: none)."""
    si = np.asarray(si, dtype=float)
    se = np.asarray(se, dtype=float)
    ok = np.isfinite(si) & np.isfinite(se)
    n = np.full(si.shape, np.iinfo(np.int64).max) if n_valid is None else np.asarray(n_valid)
    return np.where(ok, si, np.nan), np.where(ok, se, np.nan), np.asarray(groups), ok & (n < n_min)


def place_units(si: np.ndarray, se: np.ndarray, groups: np.ndarray, config: ScoringConfig,
                n_valid: np.ndarray | None = None) -> Placement:
    """Points (all of M1–M5), social ranks, zones and their evidence, rank sets, shrinkage.

    Units need both SI and SE to be placed; the others get NaN points and no rank.

    Examples
    --------
    Golden example of DESIGN §7 with its classic settings (direct SI, plain ranks, Wald):
    no placement at n = 4–5 is final.

    >>> si, se = np.array([83.7667, 63.625, 87.125]), np.array([7.9020, 7.5986, 4.9583])
    >>> cfg = ScoringConfig(points_basis="direct", rank_points="plain", ci_method="wald", n_min=5)
    >>> p = place_units(si, se, np.zeros(3, int), cfg, n_valid=np.array([5, 4, 4]))
    >>> p.points.round(4), p.rank, p.tier.tolist(), p.status.tolist()
    (array([18.8567, 12.    , 20.    ]), array([2., 3., 1.]), ['良好', '较差(待复核)', '优秀(待复核)'], ['final', 'provisional', 'provisional'])
    """
    si_r, se_r, g, low_n = placeable(si, se, groups, n_valid, config.n_min)
    pts, basis, shrunk = points_on_basis(si_r, se_r, g, config, METHODS)
    ranks = {m: ordered_ranks(pts[m], si_r, g) for m in METHODS[:4]}
    rank = ordered_ranks(pts[config.method], si_r, g)
    zone = tiers(rank, g)
    sets = group_rank_sets(si_r, se_r, g, coverage=config.confidence_level,
                           simultaneous=config.tier_evidence != "marginal", n_draws=config.n_draws,
                           seed=config.seed)
    ev_low, ev_high = verdict_bounds(si_r, se_r, g, sets, config)
    status, top, bottom = evidence_status(zone, ev_low, ev_high, g, low_n)
    lo, hi = rank_intervals(si_r, se_r, g, config.n_draws, config.seed, config.confidence_level)
    pcov = points_covariance(si_r, se_r, g, config)
    method_used = np.full(np.shape(si_r), None, dtype=object)
    method_used[np.isfinite(si_r)] = config.method
    return Placement(
        points=pts[config.method], method_used=method_used,
        points_linear=pts["M1"], points_se=np.sqrt(np.diag(pcov)), points_cov=pcov, basis=basis,
        rank=rank, rank_low=lo, rank_high=hi, rankset_low=sets.low, rankset_high=sets.high,
        zone=zone, tier=shown_tier(zone, status), status=status, low_n=low_n,
        adj_not_sig=adjacent_si_not_sig(si_r, se_r, g, config.z), bottom_not_sig=bottom, top_not_sig=top,
        points_by_method={m: pts[m] for m in METHODS[:4]}, ranks_by_method=ranks,
        shrunk=shrunk,
    )
