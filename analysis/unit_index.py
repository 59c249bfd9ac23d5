"""Unit index SI with linearized SE, from per-(unit × cell) sufficient statistics (DESIGN §7c).

Final weights are ``w_i = d_i · F[cell_i]``. One O(N) pass gathers the design-weighted sums
per (unit, cell); every index, SE, n_eff and top-2 rate is then a small matrix product with
the cell factors ``F`` — so re-weighting never touches respondents again. Scores are centred
on each unit's design-weighted mean before squaring, so the one-pass variance keeps its
precision (a unit whose scores are all equal gets an SE of 0, not rounding noise).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from analysis.config import two_sided_z


class UnitCellStats(NamedTuple):
    """Design-weighted sums per (unit, cell), each of shape (U, C); y is centred on ``center``."""

    center: np.ndarray  #: (U,) design-weighted mean score per unit
    n: np.ndarray
    sd: np.ndarray
    sdy: np.ndarray
    sd2: np.ndarray
    sd2y: np.ndarray
    sd2y2: np.ndarray
    s_top2: np.ndarray
    s_topbox: np.ndarray
    s_overall: np.ndarray
    d_min: np.ndarray  #: smallest design weight per (unit, cell), inf where empty
    d_max: np.ndarray  #: largest design weight per (unit, cell), -inf where empty


class UnitIndex(NamedTuple):
    """Per-unit estimates (arrays of length U; NaN where a unit has no valid rating)."""

    n_valid: np.ndarray
    sum_w: np.ndarray
    n_eff: np.ndarray
    si: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    sat_rate_top2: np.ndarray
    topbox_rate: np.ndarray
    weight_min: np.ndarray
    weight_max: np.ndarray


def unit_cell_stats(
    unit: np.ndarray,
    cell: np.ndarray,
    d: np.ndarray,
    y: np.ndarray,
    n_units: int,
    n_cells: int,
    *,
    top2: np.ndarray | None = None,
    topbox: np.ndarray | None = None,
    overall_answered: np.ndarray | None = None,
) -> UnitCellStats:
    """One pass over valid ratings: design-weighted sums per (unit, cell).

    Parameters
    ----------
    unit, cell : unit index and joint stratum cell of each valid rating.
    d : the rating's design weight (its person's).
    y : respondent score 0-100 of the rating.
    top2, topbox : bool, the overall item's answer is one of the two best / the best option.
    overall_answered : bool, the overall item has a non-missing answer.
    """
    unit = np.asarray(unit, dtype=np.int64)
    key = unit * n_cells + np.asarray(cell, dtype=np.int64)
    size = n_units * n_cells
    y = np.asarray(y, dtype=float)
    d = np.asarray(d, dtype=float)
    sum_d = np.bincount(unit, weights=d, minlength=n_units)
    with np.errstate(invalid="ignore", divide="ignore"):
        center = np.where(sum_d > 0, np.bincount(unit, weights=d * y, minlength=n_units) / sum_d, 0.0)
    yc = y - center[unit]
    dy = d * yc
    d2 = d * d
    d2y = d2 * yc

    def acc(weights: np.ndarray | None) -> np.ndarray:
        return np.bincount(key, weights=weights, minlength=size).reshape(n_units, n_cells)

    zeros = np.zeros((n_units, n_cells))
    d_min = np.full(size, np.inf)
    d_max = np.full(size, -np.inf)
    np.minimum.at(d_min, key, d)
    np.maximum.at(d_max, key, d)
    return UnitCellStats(
        center=center,
        n=acc(None).astype(float),
        sd=acc(d),
        sdy=acc(dy),
        sd2=acc(d2),
        sd2y=acc(d2y),
        sd2y2=acc(d2y * yc),
        s_top2=acc(d * top2) if top2 is not None else zeros,
        s_topbox=acc(d * topbox) if topbox is not None else zeros,
        s_overall=acc(d * overall_answered) if overall_answered is not None else zeros,
        d_min=d_min.reshape(n_units, n_cells),
        d_max=d_max.reshape(n_units, n_cells),
    )


def unit_index_from_stats(stats: UnitCellStats, cell_factor: np.ndarray, z: float | None = None) -> UnitIndex:
    """SI = Σwy/Σw and SE = sqrt(n/(n−1)·Σw²(y−SI)²)/Σw per unit, n the unit's own ratings.

    That is R's ``svymean`` on ``svydesign(ids=~1, weights=~w, data=df[df$unit == u, ])``; a
    domain estimate on ``subset()`` of the whole design uses the design's count N instead of n
    (docs/methodology.md gives the conversion).

    Examples
    --------
    Two cells whose factors double the weight of the second cell:

    >>> st = unit_cell_stats(np.zeros(4, int), np.array([0, 0, 1, 1]), np.ones(4),
    ...                      np.array([60.0, 80.0, 90.0, 100.0]), 1, 2)
    >>> r = unit_index_from_stats(st, np.array([1.0, 2.0]))
    >>> round(float(r.si[0]), 4), round(float(r.n_eff[0]), 4)
    (86.6667, 3.6)
    """
    z = two_sided_z() if z is None else z
    f = np.asarray(cell_factor, dtype=float)
    f2 = f * f
    n = stats.n.sum(axis=1)
    sum_w = stats.sd @ f
    sum_w2 = stats.sd2 @ f2
    with np.errstate(invalid="ignore", divide="ignore"):
        m = (stats.sdy @ f) / sum_w
        q = stats.sd2y2 @ f2 - 2.0 * m * (stats.sd2y @ f2) + m * m * sum_w2
        q = np.maximum(q, 0.0)
        se = np.where(n > 1, np.sqrt(n / (n - 1.0) * q) / sum_w, np.nan)
        si = np.where(n > 0, stats.center + m, np.nan)
        n_eff = np.where(n > 0, sum_w * sum_w / sum_w2, np.nan)
        s_overall = stats.s_overall @ f
        top2 = np.where(s_overall > 0, (stats.s_top2 @ f) / s_overall, np.nan)
        topbox = np.where(s_overall > 0, (stats.s_topbox @ f) / s_overall, np.nan)
    w_min = (stats.d_min * f).min(axis=1)
    w_max = (stats.d_max * f).max(axis=1)
    return UnitIndex(
        n_valid=n.astype(np.int64),
        sum_w=sum_w,
        n_eff=n_eff,
        si=si,
        se=se,
        ci_low=np.clip(si - z * se, 0.0, 100.0),
        ci_high=np.clip(si + z * se, 0.0, 100.0),
        sat_rate_top2=top2,
        topbox_rate=topbox,
        weight_min=np.where(n > 0, w_min, np.nan),
        weight_max=np.where(n > 0, w_max, np.nan),
    )


def unit_index(unit: np.ndarray, y: np.ndarray, w: np.ndarray, n_units: int, z: float | None = None) -> UnitIndex:
    """Hájek mean and linearized SE per unit for given final weights (no cells).

    Examples
    --------
    Unit A of the DESIGN §7 golden example:

    >>> y = np.array([95.0, 80.0, 100.0, 65.0, 260 / 3])
    >>> r = unit_index(np.zeros(5, dtype=int), y, np.array([1.2, 0.8, 1.0, 1.5, 0.5]), 1)
    >>> round(float(r.si[0]), 4), round(float(r.se[0]), 4), round(float(r.n_eff[0]), 4)
    (83.7667, 7.902, 4.4803)
    """
    stats = unit_cell_stats(unit, np.zeros(len(y), dtype=np.int64), w, y, n_units, 1)
    return unit_index_from_stats(stats, np.ones(1), z)
