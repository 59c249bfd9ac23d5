"""Confidence sets for ranks (Mogstad, Romano, Shaikh and Wilhelm, "Inference for Ranks", REStud 2024).

The procedure of the R package csranks (``csranks(x, Sigma, simul=..., stepdown=TRUE)``) for
independent estimates (diagonal Sigma): every pairwise hypothesis θ_i ≤ θ_j is tested with the
statistic (x_i − x_j)/σ_ij, σ_ij = sqrt(se_i² + se_j²); the critical value is the ``coverage``
quantile (numpy's default "linear" method, R's type 7) of the largest of those statistics over a
parametric bootstrap Z ~ N(0, diag(se²)) restricted to the hypotheses still in play; rejected
hypotheses leave the family and the step repeats until nothing new is rejected (stepdown).
A unit's rank set is ``[1 + #units significantly better, N − #units significantly worse]``.

Simultaneous sets test every pair at once: with probability ≥ ``coverage`` every unit's true
rank lies in its set. Marginal sets run the procedure separately for each unit over the pairs
that involve it. Ties in the truth share the smallest rank (1, 1, 3).

One difference from csranks: the bootstrap draws are made once (``numpy.random.default_rng(seed)``)
and reused at every step; csranks draws afresh at each step. Both are valid; reuse makes a set
depend on nothing but the seed.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class RankSets(NamedTuple):
    """Lower and upper bounds of the rank confidence sets (1 = best), NaN for units not ranked."""

    low: np.ndarray
    high: np.ndarray


def difference_sd(cov: np.ndarray) -> np.ndarray:
    """SD of every pairwise difference: sqrt(Σ_ii + Σ_jj − 2Σ_ij) (clipped at 0)."""
    var = np.diag(cov)
    return np.sqrt(np.maximum(var[:, None] + var[None, :] - 2.0 * cov, 0.0))


def normal_draws(cov: np.ndarray, n_draws: int, seed: int) -> np.ndarray:
    """(n_draws, p) draws of N(0, cov) from ``default_rng(seed)`` (symmetric square root, so a
    singular covariance is fine; a diagonal one gives standard normals times the SEs)."""
    z = np.random.default_rng(seed).standard_normal((n_draws, cov.shape[0]))
    if np.count_nonzero(cov - np.diag(np.diag(cov))) == 0:
        return z * np.sqrt(np.maximum(np.diag(cov), 0.0))
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2.0)
    root = vecs * np.sqrt(np.maximum(vals, 0.0))
    return z @ root.T


def as_covariance(se: np.ndarray) -> np.ndarray:
    """A covariance matrix from SEs (1-d, independent estimates) or a covariance (2-d) as given."""
    a = np.asarray(se, dtype=float)
    return np.diag(a**2) if a.ndim == 1 else a


def _better_matrix(x: np.ndarray, sd: np.ndarray, family: np.ndarray, z: np.ndarray, coverage: float,
                   ) -> np.ndarray:
    """``better[i, j]``: θ_i > θ_j is established (stepdown over the hypotheses in ``family``)."""
    diff = x[:, None] - x[None, :]
    better = np.zeros(family.shape, dtype=bool)
    active = family.copy()
    while active.any():
        i, j = np.nonzero(active)
        scale = np.where(sd[i, j] > 0, sd[i, j], 1.0)
        boot = np.where(sd[i, j] > 0, (z[:, i] - z[:, j]) / scale, 0.0)  # (draws, hypotheses in play)
        crit = float(np.quantile(boot.max(axis=1), coverage))
        rejected = diff[i, j] - sd[i, j] * crit > 0
        if not rejected.any():
            break
        better[i[rejected], j[rejected]] = True
        active[i[rejected], j[rejected]] = False
    return better


def rank_sets(estimates: np.ndarray, se: np.ndarray, *, coverage: float = 0.95, simultaneous: bool = True,
              n_draws: int = 1000, seed: int = 0) -> RankSets:
    """Two-sided confidence sets for the ranks of ``estimates`` (largest = rank 1).

    Parameters
    ----------
    estimates : the estimates; units where the estimate or its variance is not finite are left
        out and get NaN.
    se : their standard errors (1-d, independent estimates) or their covariance matrix (2-d).
        A pair whose difference has SD 0 is decided by its values.
    coverage : confidence level of the sets (simultaneous or per unit).
    simultaneous : True for sets that cover every true rank at once; False for marginal sets.
    n_draws, seed : parametric bootstrap size and the seed of ``numpy.random.default_rng``.

    Examples
    --------
    Three units with SE 1: unit 0 is significantly above both others, units 1 and 2 cannot be
    told apart (Tukey's critical value for three means is 3.314/√2 = 2.343):

    >>> rs = rank_sets(np.array([10.0, 5.0, 4.0]), np.ones(3), n_draws=4000)
    >>> rs.low, rs.high
    (array([1., 2., 2.]), array([1., 3., 3.]))
    """
    x = np.asarray(estimates, dtype=float)
    cov = as_covariance(se)
    low = np.full(x.shape, np.nan)
    high = np.full(x.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(np.diag(cov)) & (np.diag(cov) >= 0))
    p = ok.size
    if p == 0:
        return RankSets(low, high)
    if p == 1:
        low[ok] = high[ok] = 1.0
        return RankSets(low, high)
    xo, co = x[ok], np.nan_to_num(cov[np.ix_(ok, ok)])
    sd = difference_sd(co)
    z = normal_draws(co, n_draws, seed)
    off = ~np.eye(p, dtype=bool)
    if simultaneous:
        better = _better_matrix(xo, sd, off, z, coverage)
        n_above, n_below = better.sum(axis=0), better.sum(axis=1)
    else:
        n_above = np.zeros(p, dtype=int)
        n_below = np.zeros(p, dtype=int)
        for k in range(p):
            family = np.zeros((p, p), dtype=bool)
            family[k, :] = True
            family[:, k] = True
            family &= off
            better = _better_matrix(xo, sd, family, z, coverage)
            n_above[k], n_below[k] = better[:, k].sum(), better[k, :].sum()
    low[ok] = 1.0 + n_above
    high[ok] = float(p) - n_below
    return RankSets(low, high)


def group_rank_sets(estimates: np.ndarray, se: np.ndarray, groups: np.ndarray, **options: object) -> RankSets:
    """:func:`rank_sets` within each peer group (the same seed in every group); ``se`` as there.

    Examples
    --------
    >>> rs = group_rank_sets(np.array([10.0, 5.0, 9.0, 1.0]), np.ones(4), np.array([0, 0, 1, 1]))
    >>> rs.low, rs.high
    (array([1., 2., 1., 2.]), array([1., 2., 1., 2.]))
    """
    x = np.asarray(estimates, dtype=float)
    g = np.asarray(groups)
    low = np.full(x.shape, np.nan)
    high = np.full(x.shape, np.nan)
    cov = as_covariance(se)
    for code in np.unique(g):
        idx = np.flatnonzero(g == code)
        rs = rank_sets(x[idx], cov[np.ix_(idx, idx)], **options)  # type: ignore[arg-type]
        low[idx], high[idx] = rs.low, rs.high
    return RankSets(low, high)
