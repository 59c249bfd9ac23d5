"""Social placement of units: points under every method, ranks, tiers, intervals, significance.

Shared by the wave evaluation and the annual index, so both place units the same way.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from analysis.config import METHODS, ScoringConfig
from analysis.points import social_points
from analysis.ranking import (
    POOR_REVIEW,
    adjacent_not_sig,
    bottom_not_sig,
    group_ranks,
    rank_intervals,
    tiers,
)
from analysis.shrinkage import Shrunk, fay_herriot


class Placement(NamedTuple):
    """Per-unit placement arrays (NaN / None where a unit has no SI or SE)."""

    points: np.ndarray  #: under the configured method
    method_used: np.ndarray  #: object, "M1" where a degenerate group fell back
    points_linear: np.ndarray  #: M1
    rank: np.ndarray
    rank_low: np.ndarray
    rank_high: np.ndarray
    tier: np.ndarray  #: object; 较差(待复核) where BOTTOM_NOT_SIG
    adj_not_sig: np.ndarray
    bottom_not_sig: np.ndarray
    bottom_z: np.ndarray
    points_by_method: dict[str, np.ndarray]
    ranks_by_method: dict[str, np.ndarray]
    shrunk: Shrunk


def place_units(si: np.ndarray, se: np.ndarray, groups: np.ndarray, config: ScoringConfig) -> Placement:
    """Points (all of M1–M5), social ranks and tiers, rank intervals, ADJ/BOTTOM_NOT_SIG, shrinkage.

    Units need both SI and SE to be placed; the others get NaN points and no rank.

    Examples
    --------
    Golden example of DESIGN §7:

    >>> si, se = np.array([83.7667, 63.625, 87.125]), np.array([7.9020, 7.5986, 4.9583])
    >>> p = place_units(si, se, np.zeros(3, int), ScoringConfig())
    >>> p.points.round(4), p.rank, p.tier.tolist()
    (array([18.8567, 12.    , 20.    ]), array([2., 3., 1.]), ['良好', '较差(待复核)', '优秀'])
    """
    si = np.asarray(si, dtype=float)
    se = np.asarray(se, dtype=float)
    ok = np.isfinite(si) & np.isfinite(se)
    si_r = np.where(ok, si, np.nan)
    se_r = np.where(ok, se, np.nan)
    band = (config.band_low, config.band_high)
    pts: dict[str, np.ndarray] = {}
    used: dict[str, np.ndarray] = {}
    for m in METHODS:
        sp = social_points(si_r, groups, m, social_max=config.social_max, band=band,
                           m5_points=config.m5_points, degenerate_range=config.degenerate_range)
        pts[m], used[m] = sp.points, sp.method_used
    ranks = {m: group_ranks(pts[m], groups) for m in METHODS[:4]}
    rank = group_ranks(pts[config.method], groups)
    tier = tiers(rank, groups)
    adj = adjacent_not_sig(si_r, se_r, rank, groups, config.z_crit)
    bottom, bz = bottom_not_sig(si_r, se_r, rank, tier, groups, config.z_crit)
    tier[bottom] = POOR_REVIEW
    lo, hi = rank_intervals(si_r, se_r, groups, config.n_draws, config.seed)
    return Placement(
        points=pts[config.method], method_used=used[config.method], points_linear=pts["M1"],
        rank=rank, rank_low=lo, rank_high=hi, tier=tier, adj_not_sig=adj, bottom_not_sig=bottom,
        bottom_z=bz, points_by_method={m: pts[m] for m in METHODS[:4]}, ranks_by_method=ranks,
        shrunk=fay_herriot(si_r, se_r, groups, config.z_crit),
    )
