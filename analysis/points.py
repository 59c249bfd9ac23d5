"""Social points from the unit index, methods M1–M5, within peer groups (DESIGN §7d).

Every method is continuous in its inputs and stays inside its band (M1 in [0, P], M2–M5 in
[L, U]):

- M1 ``P·v/100``.
- M2 min–max (功效系数), centred: ``(L+U)/2 + (U−L)(v − (min+max)/2)/max(max − min, m2_min_range)``.
  When the group's values span at least ``m2_min_range`` points this is the classic
  ``L + (U−L)(v−min)/(max−min)``; a narrower spread is not stretched over the whole band, so
  units the data cannot tell apart are not handed 12 vs 20 points. One unit gets (L+U)/2.
- M3 z-score ``clip((L+U)/2 + (U−L)/4·(v − mean)/max(sd, m3_min_sd), L, U)``, population sd.
- M4 Borda ``U − (r−1)(U−L)/(N−1)`` and M5 tier points (优秀/良好/一般/较差) on the rank r.
  With ``rank_points="expected"`` (default) r is the expected rank 1 + Σ_k Φ((v_k − v_u)/h_uk),
  h_uk = sqrt(se_u² + se_k²) — the rank averaged over the sampling uncertainty, continuous in
  the values — and M5 interpolates the tier points linearly between whole ranks. With
  ``"plain"`` r is the ordinary rank (ties averaged for M4; for M5 ties broken by ``tie_break``).

``v`` is the points basis: the direct SI or its empirical-Bayes estimate (``points_basis``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from analysis.ranking import TIERS, group_ranks, ordered_ranks, tier_for

METHODS_RANKED: tuple[str, ...] = ("M1", "M2", "M3", "M4")


class SocialPoints(NamedTuple):
    """Points per unit and the method used (None for units without a value)."""

    points: np.ndarray
    method_used: np.ndarray  #: object array of "M1".."M5"


def _group_stat(values: np.ndarray, inv: np.ndarray, n_groups: int) -> tuple[np.ndarray, ...]:
    lo = np.full(n_groups, np.inf)
    hi = np.full(n_groups, -np.inf)
    np.minimum.at(lo, inv, values)
    np.maximum.at(hi, inv, values)
    cnt = np.bincount(inv, minlength=n_groups).astype(float)
    mean = np.bincount(inv, weights=values, minlength=n_groups) / np.maximum(cnt, 1)
    var = np.bincount(inv, weights=(values - mean[inv]) ** 2, minlength=n_groups) / np.maximum(cnt, 1)
    return lo, hi, cnt, mean, np.sqrt(var)


def expected_ranks(values: np.ndarray, se: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """1 + Σ_{k≠u, same group} Φ((v_k − v_u)/sqrt(se_u² + se_k²)); a zero scale counts ties as ½.

    Examples
    --------
    >>> expected_ranks(np.array([90.0, 60.0, 89.0]), np.array([1.0, 1.0, 1.0]), np.zeros(3, int)).round(3)
    array([1.24, 3.  , 1.76])
    """
    from scipy.special import ndtr

    v = np.asarray(values, dtype=float)
    s = np.asarray(se, dtype=float)
    same = inv[:, None] == inv[None, :]
    np.fill_diagonal(same, False)
    diff = v[None, :] - v[:, None]  # [u, k] = v_k − v_u
    h = np.sqrt(s[:, None] ** 2 + s[None, :] ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        prob = np.where(h > 0, ndtr(diff / np.where(h > 0, h, 1.0)), np.where(diff > 0, 1.0, np.where(diff == 0, 0.5, 0.0)))
    return 1.0 + np.where(same, prob, 0.0).sum(axis=1)


def _tier_curve(r: np.ndarray, n: np.ndarray, m5_points: Sequence[float]) -> np.ndarray:
    """M5 points of (possibly fractional) ranks: tier points at whole ranks, linear between."""
    table = dict(zip(TIERS, m5_points, strict=True))
    out = np.empty(r.shape)
    for i, (rank, size) in enumerate(zip(r, n, strict=True)):
        whole = np.arange(1, int(size) + 1)
        pts = [table[tier_for(int(k), int(size))] for k in whole]
        out[i] = float(np.interp(rank, whole, pts))
    return out


def social_points(
    values: np.ndarray,
    groups: np.ndarray,
    method: str = "M2",
    *,
    se: np.ndarray | None = None,
    social_max: float = 20.0,
    band: tuple[float, float] = (12.0, 20.0),
    m5_points: Sequence[float] = (20.0, 18.0, 16.0, 14.0),
    m2_min_range: float = 10.0,
    m3_min_sd: float = 2.5,
    rank_points: str = "expected",
    tie_break: np.ndarray | None = None,
) -> SocialPoints:
    """Convert the points basis (0–100) into social points within each peer group.

    ``se`` (the SE of each value) is needed for expected ranks; without it M4 and M5 use plain
    ranks. See the module docstring for the formulas.

    Examples
    --------
    The golden example of DESIGN §7 (direct SI, plain ranks):

    >>> si = np.array([83.7667, 63.625, 87.125])
    >>> [social_points(si, np.zeros(3, int), m, rank_points="plain").points.round(4).tolist()
    ...  for m in ("M1", "M2", "M4")]
    [[16.7533, 12.725, 17.425], [18.8567, 12.0, 20.0], [16.0, 12.0, 20.0]]

    Values 0.02 apart are not 8 points apart, and a lone unit sits in the middle of the band:

    >>> social_points(np.array([80.0, 80.02]), np.zeros(2, int)).points.round(3).tolist()
    [15.992, 16.008]
    >>> social_points(np.array([70.0]), np.zeros(1, int)).points.tolist()
    [16.0]
    """
    v_all = np.asarray(values, dtype=float)
    g = np.asarray(groups)
    low, high = band
    mid = (low + high) / 2.0
    pts = np.full(v_all.shape, np.nan)
    used = np.full(v_all.shape, None, dtype=object)
    ok = np.isfinite(v_all)
    if method not in ("M1", "M2", "M3", "M4", "M5"):
        raise ValueError(f"method: unknown social points method {method!r}; use M1..M5")
    if not ok.any():
        return SocialPoints(pts, used)
    _, inv_all = np.unique(g, return_inverse=True)
    n_groups = int(inv_all.max()) + 1
    v, inv = v_all[ok], inv_all[ok]
    lo, hi, cnt, mean, sd = _group_stat(v, inv, n_groups)
    if method == "M1":
        out = social_max * v / 100.0
    elif method == "M2":
        span = np.maximum(hi[inv] - lo[inv], m2_min_range)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(span > 0, mid + (high - low) * (v - (lo[inv] + hi[inv]) / 2.0) / span, mid)
    elif method == "M3":
        scale = np.maximum(sd[inv], m3_min_sd)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(scale > 0, (v - mean[inv]) / scale, 0.0)
        out = np.clip(mid + (high - low) / 4.0 * z, low, high)
    else:
        expected = rank_points == "expected" and se is not None
        if expected:
            r = expected_ranks(v, np.asarray(se, dtype=float)[ok], inv)
        elif method == "M4":
            r = group_ranks(v, inv, ties="average")
        else:
            tb = np.zeros(v.size) if tie_break is None else np.asarray(tie_break, dtype=float)[ok]
            r = ordered_ranks(v, tb, inv)
        n = cnt[inv]
        if method == "M4":
            with np.errstate(invalid="ignore", divide="ignore"):
                out = np.where(n > 1, high - (r - 1.0) * (high - low) / (n - 1.0), mid)
        else:
            out = _tier_curve(r, n, m5_points)
    pts[ok] = out
    used[ok] = method
    return SocialPoints(pts, used)
