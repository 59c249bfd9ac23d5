"""Comprehensive score, annual index and CONSEC_BOTTOM (DESIGN §7c, §7e, §7f)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.inputs import ComponentScores
from analysis.placement import FINAL, evidence_status, shown_tier, zone_test_sets
from analysis.rank_sets import as_covariance, group_rank_sets
from analysis.ranking import POOR, ordered_ranks, tiers


@dataclass(frozen=True, eq=False)
class ComprehensiveResult:
    """Totals, ranks and tiers within peer groups (arrays aligned with units)."""

    total: np.ndarray
    total_rank: np.ndarray  #: float, NaN where the total is unknown
    total_tier: np.ndarray  #: object array of tiers (None where unranked)
    bonus_capped: np.ndarray  #: bool
    rank_unstable: np.ndarray  #: bool; False when no sensitivity points were given
    ranks_by_method: Mapping[str, np.ndarray]  #: total ranks with social points under M1..M4
    rankset_low: np.ndarray  #: rank confidence set of the total (its SE is the social points' SE)
    rankset_high: np.ndarray
    tier_status: np.ndarray  #: object: final / provisional / indicative (None where unranked)
    veto: np.ndarray  #: bool


def _full(value: np.ndarray | None, default: float, n: int) -> np.ndarray:
    return np.full(n, float(default)) if value is None else np.asarray(value, dtype=float)


def comprehensive_scores(
    components: ComponentScores,
    social_points: np.ndarray,
    groups: np.ndarray,
    *,
    social_max: float = 20.0,
    base_max: float = 30.0,
    diff_max: float = 50.0,
    bonus_cap: float = 5.0,
    unit_codes: Sequence[str] | None = None,
    sensitivity_points: Mapping[str, np.ndarray] | None = None,
    rank_unstable_places: int = 2,
    points_se: np.ndarray | None = None,
    si: np.ndarray | None = None,
    low_n: np.ndarray | None = None,
    coverage: float = 0.95,
    evidence: str = "simultaneous",
    n_draws: int = 1000,
    seed: int = 0,
) -> ComprehensiveResult:
    """Total = Base + Differential + Social + min(Bonus, cap) − Deduction, ranked within groups.

    Scores are used as imported; ``base_max + diff_max + social_max`` must be 100 for every
    unit. A bonus above its cap sets BONUS_CAPPED; ``veto`` forces the tier 较差 (final: an
    administrative fact, not a statistical one) but keeps the rank. RANK_UNSTABLE when the total
    rank moves over ``rank_unstable_places`` or more places across the social points of M1..M4
    (``sensitivity_points``). Ranks follow the total, ties broken by ``si``.

    The total carries the uncertainty of its social part: ``points_se`` is the SE (1-d) or the
    covariance (2-d) of the social points, imported components being exact, its rank set comes from :func:`analysis.rank_sets.rank_sets`, and a
    优秀 / 较差 placement is final only when that set lies inside the zone and the unit is not
    ``low_n`` (as for the social tier). Without ``points_se`` every placement is final.

    Raises
    ------
    ValueError
        Listing every unit whose maxima do not sum to 100 or whose score lies outside 0..max.

    Examples
    --------
    Golden example of DESIGN §7 (M2 social points):

    >>> c = ComponentScores(base=np.array([28.5, 29.0, 27.0]), diff=np.array([44.0, 46.5, 42.0]),
    ...                     bonus=np.array([2.0, 1.0, 3.5]))
    >>> r = comprehensive_scores(c, np.array([18.856667, 12.0, 20.0]), np.zeros(3, int))
    >>> r.total.round(4), r.total_rank, r.total_tier
    (array([93.3567, 88.5   , 92.5   ]), array([1., 3., 2.]), array(['优秀', '较差', '良好'], dtype=object))
    """
    sp = np.asarray(social_points, dtype=float)
    n = sp.size
    codes = list(unit_codes) if unit_codes is not None else [str(i) for i in range(n)]
    base, diff, bonus = (np.asarray(a, dtype=float) for a in (components.base, components.diff, components.bonus))
    bmax = _full(components.base_max, base_max, n)
    dmax = _full(components.diff_max, diff_max, n)
    cap = _full(components.bonus_cap, bonus_cap, n)
    deduction = _full(components.deduction, 0.0, n)
    veto = np.zeros(n, dtype=bool) if components.veto is None else np.asarray(components.veto, dtype=bool)
    errors = []
    for i in range(n):
        if abs(bmax[i] + dmax[i] + social_max - 100.0) > 1e-9:
            errors.append(f"{codes[i]}: base_max + diff_max + social max = "
                          f"{bmax[i]:g} + {dmax[i]:g} + {social_max:g}, must be 100")
        for name, val, hi in (("base_score", base[i], bmax[i]), ("diff_score", diff[i], dmax[i])):
            if not 0.0 <= val <= hi:
                errors.append(f"{codes[i]}: {name} {val:g} must lie in 0..{hi:g}")
        if bonus[i] < 0 or deduction[i] < 0 or cap[i] < 0:
            errors.append(f"{codes[i]}: bonus, bonus_cap and deduction must be >= 0")
    if errors:
        raise ValueError("; ".join(errors))
    fixed = base + diff + np.minimum(bonus, cap) - deduction
    total = fixed + sp
    tie = np.zeros(n) if si is None else np.asarray(si, dtype=float)
    rank = ordered_ranks(total, tie, groups)
    zone = tiers(rank, groups)
    se = np.zeros((n, n)) if points_se is None else np.array(as_covariance(points_se), dtype=float)
    se[~np.isfinite(total), :] = np.nan
    se[:, ~np.isfinite(total)] = np.nan
    sets = group_rank_sets(total, se, groups, coverage=coverage, simultaneous=evidence != "marginal",
                           n_draws=n_draws, seed=seed)
    low, high = zone_test_sets(total, se, groups, coverage) if evidence == "zone" else (sets.low, sets.high)
    small = np.zeros(n, dtype=bool) if low_n is None else np.asarray(low_n, dtype=bool)
    status, _top, _bottom = evidence_status(zone, low, high, groups, small)
    vetoed = veto & np.isfinite(rank)
    zone[vetoed] = POOR
    status[vetoed] = FINAL
    by_method: dict[str, np.ndarray] = {}
    unstable = np.zeros(n, dtype=bool)
    if sensitivity_points:
        for m, pts in sensitivity_points.items():
            by_method[m] = ordered_ranks(fixed + np.asarray(pts, dtype=float), tie, groups)
        stack = np.vstack(list(by_method.values()))
        finite = np.isfinite(stack).all(axis=0)
        spread = np.where(finite, np.ptp(np.where(finite, stack, 0.0), axis=0), 0.0)
        unstable = spread >= rank_unstable_places
    return ComprehensiveResult(total, rank, shown_tier(zone, status), bonus > cap, unstable, by_method,
                               sets.low, sets.high, status, vetoed)


def annual_index(si: np.ndarray, se: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Annual SI = mean of the quarterly SIs, SE = sqrt(Σ SE_q²)/Q (Q = 4 for a full year).

    ``si`` and ``se`` have shape (Q, U); quarters where a unit has no SI (NaN) are left out and
    the third result says how many quarters each unit had.

    Examples
    --------
    >>> si = np.array([[80.0, 70.0], [82.0, 72.0], [84.0, np.nan], [86.0, 76.0]])
    >>> se = np.full((4, 2), 2.0)
    >>> annual_index(si, se)
    (array([83.        , 72.66666667]), array([1.        , 1.15470054]), array([4, 3]))
    """
    si, se = np.atleast_2d(np.asarray(si, float)), np.atleast_2d(np.asarray(se, float))
    ok = np.isfinite(si) & np.isfinite(se)
    q = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(q > 0, np.where(ok, si, 0.0).sum(axis=0) / q, np.nan)
        err = np.where(q > 0, np.sqrt(np.where(ok, se**2, 0.0).sum(axis=0)) / q, np.nan)
    return mean, err, q


#: Statuses of a 较差 total placement that count for CONSEC_BOTTOM: the evidence's or the office's.
COUNTED_STATUSES = ("final", "confirmed")


@dataclass(frozen=True)
class ConsecBottom:
    """CONSEC_BOTTOM for one unit: a counted 较差 total tier in both years, with each year's status."""

    unit_code: str
    year1_status: str  #: final (the evidence) or confirmed (the office)
    year2_status: str


def consec_bottom(
    year1: Mapping[str, tuple[str | None, str | None]],
    year2: Mapping[str, tuple[str | None, str | None]],
) -> list[ConsecBottom]:
    """Units whose total tier is 较差 in two consecutive years, final or confirmed by the office
    both times (``unit code -> (total_tier, total_tier_status)``); provisional and cleared
    placements never count.

    Examples
    --------
    >>> y1 = {"A": ("较差", "final"), "B": ("较差(待复核)", "provisional"), "C": ("较差", "confirmed")}
    >>> y2 = {"A": ("较差", "confirmed"), "B": ("较差", "final"), "C": ("一般", "cleared")}
    >>> consec_bottom(y1, y2)
    [ConsecBottom(unit_code='A', year1_status='final', year2_status='confirmed')]
    """
    out = []
    for code in sorted(set(year1) & set(year2)):
        (t1, s1), (t2, s2) = year1[code], year2[code]
        if t1 == POOR and t2 == POOR and s1 in COUNTED_STATUSES and s2 in COUNTED_STATUSES:
            out.append(ConsecBottom(code, str(s1), str(s2)))
    return out
