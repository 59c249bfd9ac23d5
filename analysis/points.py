"""Social points from the unit index, methods M1–M5, within peer groups (DESIGN §7d)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from analysis.ranking import TIERS, group_ranks, tiers

METHODS_RANKED: tuple[str, ...] = ("M1", "M2", "M3", "M4")


class SocialPoints(NamedTuple):
    """Points per unit and the method actually used (M1 where a degenerate group fell back)."""

    points: np.ndarray
    method_used: np.ndarray  #: object array of "M1".."M5" (None for units without SI)


def _group_stat(values: np.ndarray, inv: np.ndarray, n_groups: int) -> tuple[np.ndarray, ...]:
    lo = np.full(n_groups, np.inf)
    hi = np.full(n_groups, -np.inf)
    np.minimum.at(lo, inv, values)
    np.maximum.at(hi, inv, values)
    cnt = np.bincount(inv, minlength=n_groups).astype(float)
    mean = np.bincount(inv, weights=values, minlength=n_groups) / np.maximum(cnt, 1)
    var = np.bincount(inv, weights=(values - mean[inv]) ** 2, minlength=n_groups) / np.maximum(cnt, 1)
    return lo, hi, cnt, mean, np.sqrt(var)


def social_points(
    si: np.ndarray,
    groups: np.ndarray,
    method: str = "M2",
    *,
    social_max: float = 20.0,
    band: tuple[float, float] = (12.0, 20.0),
    m5_points: Sequence[float] = (20.0, 18.0, 16.0, 14.0),
    degenerate_range: float = 0.01,
) -> SocialPoints:
    """Convert SI (0–100) into social points within each peer group.

    M1 ``P·SI/100``; M2 min–max ``L + (U−L)(SI−min)/(max−min)``; M3 z-score
    ``clip((L+U)/2 + s·z, L, U)`` with s = (U−L)/4 and the population sd; M4 Borda
    ``U − (r−1)(U−L)/(N−1)`` with averaged ties; M5 tier points (优秀/良好/一般/较差).
    A group with one unit or a range below ``degenerate_range`` uses M1 for M2–M4.

    Examples
    --------
    The golden example of DESIGN §7:

    >>> si = np.array([83.7667, 63.625, 87.125])
    >>> [social_points(si, np.zeros(3, int), m).points.round(4).tolist() for m in ("M1", "M2", "M4")]
    [[16.7533, 12.725, 17.425], [18.8567, 12.0, 20.0], [16.0, 12.0, 20.0]]
    """
    si = np.asarray(si, dtype=float)
    g = np.asarray(groups)
    low, high = band
    pts = np.full(si.shape, np.nan)
    used = np.full(si.shape, None, dtype=object)
    ok = np.isfinite(si)
    if not ok.any():
        return SocialPoints(pts, used)
    _, inv_all = np.unique(g, return_inverse=True)
    n_groups = int(inv_all.max()) + 1
    v, inv = si[ok], inv_all[ok]
    lo, hi, cnt, mean, sd = _group_stat(v, inv, n_groups)
    degenerate = (cnt[inv] < 2) | (hi[inv] - lo[inv] < degenerate_range)
    linear = social_max * v / 100.0
    if method == "M1":
        out, fallback = linear, np.zeros(v.shape, dtype=bool)
    elif method == "M2":
        span = np.where(degenerate, 1.0, hi[inv] - lo[inv])
        out, fallback = np.where(degenerate, linear, low + (high - low) * (v - lo[inv]) / span), degenerate
    elif method == "M3":
        z = (v - mean[inv]) / np.where(degenerate, 1.0, sd[inv])
        m3 = np.clip((low + high) / 2 + (high - low) / 4 * z, low, high)
        out, fallback = np.where(degenerate, linear, m3), degenerate
    elif method == "M4":
        r = group_ranks(v, inv, ties="average")
        n = np.maximum(cnt[inv] - 1, 1)
        out, fallback = np.where(degenerate, linear, high - (r - 1) * (high - low) / n), degenerate
    elif method == "M5":
        tier = tiers(group_ranks(v, inv, ties="min"), inv)
        table = dict(zip(TIERS, m5_points, strict=True))
        out, fallback = np.array([table[t] for t in tier], dtype=float), np.zeros(v.shape, dtype=bool)
    else:
        raise ValueError(f"method: unknown social points method {method!r}; use M1..M5")
    pts[ok] = out
    used[ok] = np.where(fallback, "M1", method)
    return SocialPoints(pts, used)
