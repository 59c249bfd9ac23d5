"""Confidence intervals of the unit index and the pooled variance floor (DESIGN §7c).

A unit's linearized SE is first floored: its per-respondent variance s²_u = SE_u²·n_eff_u may
not fall below ``fraction`` × the wave's pooled within-unit variance s²_pool =
Σ(n_u − 1)s²_u / Σ(n_u − 1), so a unit whose answers are all identical never gets SE 0. A unit
with one valid rating has no variance of its own: it gets the whole pooled variance.

Intervals (``ci_method``):

- ``wald``: SI ± z·SE, clipped to [0, 100] (the DESIGN golden example).
- ``t``: SI ± t_{df}·SE with df = n_eff − 1 (at least 1), clipped to [0, 100].
- ``logit_t`` (default): the t interval on the logit of p = SI/100 with the delta-method SE
  SE/(100·p(1 − p)), mapped back; it is asymmetric and stays inside (0, 100). At SI = 0 or 100
  exactly, where the logit is infinite, the ``t`` interval is used.
"""

from __future__ import annotations

import numpy as np

from analysis.unit_index import UnitIndex


def pooled_variance(se: np.ndarray, n: np.ndarray, n_eff: np.ndarray) -> float:
    """Pooled per-respondent variance Σ(n−1)·SE²·n_eff / Σ(n−1) over units with n ≥ 2 (NaN if none).

    Examples
    --------
    >>> round(pooled_variance(np.array([2.0, 4.0]), np.array([26, 11]), np.array([25.0, 10.0])), 4)
    117.1429
    """
    se, n, n_eff = (np.asarray(a, dtype=float) for a in (se, n, n_eff))
    ok = (n >= 2) & np.isfinite(se) & np.isfinite(n_eff)
    dof = (n[ok] - 1.0).sum()
    return float(((n[ok] - 1.0) * se[ok] ** 2 * n_eff[ok]).sum() / dof) if dof > 0 else float("nan")


def floored_se(se: np.ndarray, n: np.ndarray, n_eff: np.ndarray, fraction: float) -> np.ndarray:
    """SE with the pooled variance floor; n = 1 gets the pooled variance, n = 0 stays NaN.

    Examples
    --------
    Four respondents who all answer 非常满意 (SE 0), a unit of 25 (SE 4) and a unit of one:

    >>> floored_se(np.array([0.0, 4.0, np.nan]), np.array([4, 25, 1]), np.array([4.0, 25.0, 1.0]),
    ...            0.25).round(4)
    array([ 4.714 ,  4.    , 18.8562])
    """
    se, n, n_eff = (np.asarray(a, dtype=float) for a in (se, n, n_eff))
    pool = pooled_variance(se, n, n_eff)
    if not np.isfinite(pool):
        return se
    with np.errstate(invalid="ignore", divide="ignore"):
        floor = np.sqrt(fraction * pool / n_eff)
        single = np.sqrt(pool / n_eff)
    out = np.where(n >= 2, np.fmax(se, floor), np.where(n == 1, single, np.nan))
    return out


def _t_quantile(level: float, df: np.ndarray) -> np.ndarray:
    from scipy.stats import t

    return np.asarray(t.ppf(0.5 + level / 2.0, df))


def confidence_interval(si: np.ndarray, se: np.ndarray, n_eff: np.ndarray, level: float = 0.95,
                        method: str = "logit_t") -> tuple[np.ndarray, np.ndarray]:
    """Interval of each unit's SI (0–100) by ``method`` (``logit_t``, ``t`` or ``wald``).

    Examples
    --------
    >>> lo, hi = confidence_interval(np.array([83.7667]), np.array([7.9020]), np.array([4.4803]),
    ...                              method="wald")
    >>> lo.round(4), hi.round(4)
    (array([68.2791]), array([99.2543]))
    >>> lo, hi = confidence_interval(np.array([90.0]), np.array([3.0]), np.array([30.0]))
    >>> lo.round(2), hi.round(2)
    (array([81.99]), array([94.68]))
    """
    si, se, n_eff = (np.asarray(a, dtype=float) for a in (si, se, n_eff))
    if method == "wald":
        from analysis.config import normal_quantile

        q = np.full(si.shape, normal_quantile(0.5 + level / 2.0))
    elif method in ("t", "logit_t"):
        q = _t_quantile(level, np.maximum(np.nan_to_num(n_eff - 1.0, nan=1.0), 1.0))
    else:
        raise ValueError(f"method: unknown interval method {method!r}; use logit_t, t or wald")
    lo = np.clip(si - q * se, 0.0, 100.0)
    hi = np.clip(si + q * se, 0.0, 100.0)
    if method == "logit_t":
        p = si / 100.0
        inner = (p > 0.0) & (p < 1.0) & np.isfinite(se)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            lg = np.log(p / (1.0 - p))
            se_l = se / (100.0 * p * (1.0 - p))
            lo_l = 100.0 / (1.0 + np.exp(-(lg - q * se_l)))
            hi_l = 100.0 / (1.0 + np.exp(-(lg + q * se_l)))
        lo = np.where(inner, lo_l, lo)
        hi = np.where(inner, hi_l, hi)
    return lo, hi


def needed_n(se: np.ndarray, n: np.ndarray, n_eff: np.ndarray, n_min: int, half_width: float,
             level: float = 0.95) -> np.ndarray:
    """Valid ratings a unit needs for n ≥ n_min and a half-width ≤ ``half_width`` at its deff.

    n' = z²·s²·deff/h² with the unit's per-respondent variance s² = SE²·n_eff and deff = n/n_eff.

    Examples
    --------
    SE 6 with 40 ratings (n_eff 32): 6² · 32 = 1,152 per respondent, deff 1.25, h = 3:

    >>> needed_n(np.array([6.0]), np.array([40]), np.array([32.0]), 75, 3.0)
    array([615])
    """
    from analysis.config import normal_quantile

    se, n, n_eff = (np.asarray(a, dtype=float) for a in (se, n, n_eff))
    z = normal_quantile(0.5 + level / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        want = np.ceil(z * z * se * se * n_eff * (n / n_eff) / (half_width * half_width))
    ok = np.isfinite(want)
    return np.where(ok, np.maximum(np.where(ok, want, 0), n_min), n_min).astype(np.int64)


def with_intervals(idx: UnitIndex, fraction: float, level: float, method: str) -> UnitIndex:
    """The unit index with the pooled variance floor applied to its SE and its interval redone."""
    se = floored_se(idx.se, idx.n_valid, idx.n_eff, fraction)
    lo, hi = confidence_interval(idx.si, se, idx.n_eff, level, method)
    return idx._replace(se=se, ci_low=lo, ci_high=hi)
