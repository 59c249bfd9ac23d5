"""One :class:`~analysis.results.UnitRow` per unit from its index, placement and unit flags."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analysis import flags as F
from analysis.config import METHOD_VERSION, ScoringConfig
from analysis.fabrication import topbox_funnel
from analysis.intervals import needed_n
from analysis.placement import Placement
from analysis.results import UnitRow
from analysis.unit_index import UnitIndex


def int_or_none(x: float) -> int | None:
    """Ranks travel as floats with NaN for "unranked"; rows carry int or None."""
    return int(x) if np.isfinite(x) else None


def standard_unit_flags(idx: UnitIndex, dk_rate: np.ndarray, groups: np.ndarray, place: Placement,
                        config: ScoringConfig) -> list[set[str]]:
    """LOW_N, WIDE_CI, LOW_NEFF, HIGH_DK, TOPBOX_ANOMALY, ADJ_NOT_SIG, TOP/BOTTOM_NOT_SIG per unit.

    WIDE_CI compares half the published interval's width with ``wide_ci_half_width``.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        checks = {
            F.LOW_N: idx.n_valid < config.n_min,
            F.WIDE_CI: (idx.ci_high - idx.ci_low) / 2.0 > config.wide_ci_half_width,
            F.LOW_NEFF: idx.n_eff / idx.n_valid < config.low_neff_ratio,
            F.HIGH_DK: dk_rate > config.high_dk_rate,
            F.TOPBOX_ANOMALY: topbox_funnel(idx.topbox_rate, idx.n_eff, groups, config.confidence_level),
            F.ADJ_NOT_SIG: place.adj_not_sig,
            F.BOTTOM_NOT_SIG: place.bottom_not_sig,
            F.TOP_NOT_SIG: place.top_not_sig,
        }
    out: list[set[str]] = [set() for _ in range(idx.si.size)]
    for name, mask in checks.items():
        for i in np.flatnonzero(mask):
            out[i].add(name)
    return out


def unit_rows(codes: Sequence[str], names: Sequence[str], peer_groups: Sequence[str], idx: UnitIndex,
              dk_rate: np.ndarray, place: Placement, flags: Sequence[set[str]],
              config: ScoringConfig) -> tuple[UnitRow, ...]:
    """Assemble the rows (a loop over units only, U is small)."""
    needed = needed_n(idx.se, idx.n_valid, idx.n_eff, config.n_min, config.wide_ci_half_width,
                      config.confidence_level)
    rows = []
    for i in range(len(codes)):
        n = int(idx.n_valid[i])
        rows.append(UnitRow(
            unit_code=str(codes[i]), unit_name=str(names[i]), peer_group=str(peer_groups[i]), n_valid=n,
            n_eff=float(idx.n_eff[i]), sum_w=float(idx.sum_w[i]),
            deff=float(n / idx.n_eff[i]) if n else float("nan"),
            si=float(idx.si[i]), si_se=float(idx.se[i]), si_ci_low=float(idx.ci_low[i]),
            si_ci_high=float(idx.ci_high[i]), sat_rate_top2=float(idx.sat_rate_top2[i]),
            topbox_rate=float(idx.topbox_rate[i]), dk_rate=float(dk_rate[i]),
            social_method=place.method_used[i], social_max=float(config.social_max),
            social_points=float(place.points[i]), social_points_linear=float(place.points_linear[i]),
            social_rank=int_or_none(place.rank[i]), social_rank_low=int_or_none(place.rank_low[i]),
            social_rank_high=int_or_none(place.rank_high[i]), social_tier=place.tier[i],
            si_shrunk=float(place.shrunk.estimate[i]), si_shrunk_ci_low=float(place.shrunk.ci_low[i]),
            si_shrunk_ci_high=float(place.shrunk.ci_high[i]), weight_min=float(idx.weight_min[i]),
            weight_max=float(idx.weight_max[i]), flags=tuple(sorted(flags[i])),
            method_version=METHOD_VERSION, points_se=float(place.points_se[i]),
            social_rankset_low=int_or_none(place.rankset_low[i]),
            social_rankset_high=int_or_none(place.rankset_high[i]), social_tier_status=place.status[i],
            n_needed=int(needed[i]) if n else None,
        ))
    return tuple(rows)
