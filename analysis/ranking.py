"""Ranks, tiers, significance flags and rank intervals within peer groups (DESIGN §7e)."""

from __future__ import annotations

import numpy as np

from analysis.config import two_sided_z

EXCELLENT, GOOD, FAIR, POOR = "优秀", "良好", "一般", "较差"
#: Social tier of a 较差 unit not significantly below the rest (BOTTOM_NOT_SIG).
POOR_REVIEW = "较差(待复核)"
TIERS: tuple[str, ...] = (EXCELLENT, GOOD, FAIR, POOR)


def group_ranks(values: np.ndarray, groups: np.ndarray, ties: str = "min", decimals: int = 9) -> np.ndarray:
    """Rank values within groups, largest first; NaN values get NaN ranks.

    ``ties`` is ``"min"`` (1, 2, 2, 4) or ``"average"`` (1, 2.5, 2.5, 4); values equal after
    rounding to ``decimals`` are ties.

    Examples
    --------
    >>> group_ranks(np.array([90.0, 80.0, 80.0, 70.0, 5.0]), np.array([0, 0, 0, 0, 1]))
    array([1., 2., 2., 4., 1.])
    >>> group_ranks(np.array([90.0, 80.0, 80.0, 70.0]), np.zeros(4, dtype=int), ties="average")
    array([1. , 2.5, 2.5, 4. ])
    """
    v = np.round(np.asarray(values, dtype=float), decimals)
    g = np.asarray(groups)
    out = np.full(v.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(v))
    if ok.size == 0:
        return out
    vv, gg = v[ok], g[ok]
    order = np.lexsort((-vv, gg))
    vs, gs = vv[order], gg[order]
    new_group = np.r_[True, gs[1:] != gs[:-1]]
    new_value = new_group | np.r_[True, vs[1:] != vs[:-1]]
    pos = np.arange(order.size)
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    run_start = np.maximum.accumulate(np.where(new_value, pos, 0))
    if ties == "min":
        r = run_start - group_start + 1.0
    elif ties == "average":
        run_id = np.cumsum(new_value) - 1
        run_end = np.bincount(run_id, weights=pos) / np.bincount(run_id)
        r = (run_end[run_id] - group_start) + 1.0
    else:
        raise ValueError(f"ties: must be 'min' or 'average', not {ties!r}")
    ranks = np.empty(order.size)
    ranks[order] = r
    out[ok] = ranks
    return out


def ordered_ranks(primary: np.ndarray, secondary: np.ndarray, groups: np.ndarray, decimals: int = 9) -> np.ndarray:
    """Ranks by ``primary`` (largest first), ties broken by ``secondary``; equal in both share the
    smallest rank. NaN primaries get NaN.

    Examples
    --------
    Points tied at the band's edge are ordered by SI:

    >>> ordered_ranks(np.array([20.0, 20.0, 12.0, 12.0]), np.array([88.0, 91.0, 60.0, 60.0]), np.zeros(4, int))
    array([2., 1., 3., 3.])
    """
    p = np.round(np.asarray(primary, dtype=float), decimals)
    s = np.round(np.nan_to_num(np.asarray(secondary, dtype=float), nan=-np.inf), decimals)
    g = np.asarray(groups)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size == 0:
        return out
    order = ok[np.lexsort((-s[ok], -p[ok], g[ok]))]
    gs, ps, ss = g[order], p[order], s[order]
    new_group = np.r_[True, gs[1:] != gs[:-1]]
    new_value = new_group | np.r_[True, (ps[1:] != ps[:-1]) | (ss[1:] != ss[:-1])]
    pos = np.arange(order.size)
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    run_start = np.maximum.accumulate(np.where(new_value, pos, 0))
    out[order] = run_start - group_start + 1.0
    return out


def tier_for(rank: int, n: int) -> str:
    """Tier of rank ``rank`` among ``n`` units (DESIGN §7e, precedence 优秀 > 较差 > 良好 > 一般).

    Examples
    --------
    >>> [tier_for(r, 10) for r in range(1, 11)]
    ['优秀', '优秀', '优秀', '良好', '良好', '良好', '良好', '一般', '一般', '较差']
    """
    if rank <= (3 * n + 9) // 10:
        return EXCELLENT
    if rank > n - max(1, n // 10):
        return POOR
    if rank <= (7 * n + 9) // 10:
        return GOOD
    return FAIR


def tiers(ranks: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Tier per unit from its rank and its group's number of ranked units (object array, None = unranked).

    Examples
    --------
    >>> tiers(np.array([1.0, 2.0, 3.0, np.nan]), np.zeros(4, int)).tolist()
    ['优秀', '良好', '较差', None]
    """
    r = np.asarray(ranks, dtype=float)
    g = np.asarray(groups)
    ok = np.isfinite(r)
    out = np.full(r.shape, None, dtype=object)
    codes, inv = np.unique(g, return_inverse=True)
    sizes = np.bincount(inv[ok], minlength=codes.size)
    for i in np.flatnonzero(ok):
        out[i] = tier_for(int(r[i]), int(sizes[inv[i]]))
    return out


def _z(si: np.ndarray, se: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    diff = np.abs(si[a] - si[b])
    sd = np.sqrt(se[a] ** 2 + se[b] ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(sd > 0, diff / sd, np.where(diff > 0, np.inf, 0.0))
    return np.where(np.isfinite(sd), z, 0.0)


def adjacent_not_sig(si: np.ndarray, se: np.ndarray, ranks: np.ndarray, groups: np.ndarray, z: float | None = None) -> np.ndarray:
    """ADJ_NOT_SIG: both units of an adjacent pair (in rank order) whose SI difference has |z| < z.

    Examples
    --------
    >>> si, se = np.array([87.125, 83.7667, 63.625]), np.array([4.9583, 7.9020, 7.5986])
    >>> adjacent_not_sig(si, se, np.array([1.0, 2.0, 3.0]), np.zeros(3, dtype=int))
    array([ True,  True,  True])
    """
    z = two_sided_z() if z is None else z
    r = np.asarray(ranks, dtype=float)
    ok = np.flatnonzero(np.isfinite(r))
    out = np.zeros(r.shape, dtype=bool)
    order = ok[np.lexsort((r[ok], np.asarray(groups)[ok]))]
    if order.size < 2:
        return out
    a, b = order[:-1], order[1:]
    same = np.asarray(groups)[a] == np.asarray(groups)[b]
    bad = same & (_z(np.asarray(si, float), np.asarray(se, float), a, b) < z)
    out[a[bad]] = True
    out[b[bad]] = True
    return out


def adjacent_si_not_sig(si: np.ndarray, se: np.ndarray, groups: np.ndarray, z: float | None = None) -> np.ndarray:
    """ADJ_NOT_SIG: both units of a pair adjacent in SI order whose SI difference has |z| < z.

    Examples
    --------
    >>> si, se = np.array([87.125, 63.625, 83.7667]), np.array([4.9583, 7.5986, 7.9020])
    >>> adjacent_si_not_sig(si, se, np.zeros(3, dtype=int))
    array([ True,  True,  True])
    >>> adjacent_si_not_sig(np.array([90.0, 80.0, 79.0]), np.ones(3), np.zeros(3, dtype=int))
    array([False,  True,  True])
    """
    si_a = np.asarray(si, dtype=float)
    return adjacent_not_sig(si_a, se, ordered_ranks(si_a, np.zeros(si_a.size), groups), groups, z)


def rank_intervals(si: np.ndarray, se: np.ndarray, groups: np.ndarray, n_draws: int = 1000, seed: int = 0,
                   level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """2.5th-97.5th percentile of each unit's rank over seeded normal draws of all unit estimates.

    All draws are one (n_draws, U) array from ``numpy.random.default_rng(seed)``; percentiles use
    the ``inverted_cdf`` method. Units without SI or SE get NaN.

    Examples
    --------
    >>> lo, hi = rank_intervals(np.array([90.0, 60.0, 89.0]), np.array([1.0, 1.0, 1.0]), np.zeros(3, int))
    >>> lo, hi
    (array([1., 3., 1.]), array([2., 3., 2.]))
    """
    si, se = np.asarray(si, float), np.asarray(se, float)
    g = np.asarray(groups)
    ok = np.isfinite(si) & np.isfinite(se)
    rng = np.random.default_rng(seed)
    draws = rng.standard_normal((n_draws, si.size)) * np.where(ok, se, 0.0) + np.where(ok, si, 0.0)
    lo = np.full(si.shape, np.nan)
    hi = np.full(si.shape, np.nan)
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    for code in np.unique(g[ok]):
        idx = np.flatnonzero(ok & (g == code))
        sub = draws[:, idx]
        ranks = np.empty(sub.shape, dtype=np.int64)
        order = np.argsort(-sub, axis=1)
        np.put_along_axis(ranks, order, np.arange(1, idx.size + 1)[None, :].repeat(n_draws, 0), axis=1)
        pct = np.percentile(ranks, q, axis=0, method="inverted_cdf")
        lo[idx], hi[idx] = pct[0], pct[1]
    return lo, hi
