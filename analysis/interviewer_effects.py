"""Interviewer clustering in the SE (DESIGN §7c, option ``interviewer_clustering``).

Answers collected by one interviewer resemble each other a little (an intra-interviewer
correlation ρ), so a unit's m interviews by few interviewers carry less information than m
independent ones. Kish's design effect for interviewers, per unit u: deff_u = 1 + (m̄_u − 1)·ρ̂
with m̄_u = Σ_j m_uj² / n_u (the size-weighted mean number of the unit's ratings per
interviewer; a rating without an interviewer is its own cluster of one). ρ̂ is the one-way ANOVA
estimator pooled over every unit of the wave (interviewers nested in units):
ρ̂ = max(0, (MSB − MSW) / (MSB + (m₀ − 1)·MSW)), m₀ = (N − Σ_u Σ_j m_uj²/n_u) / df_B. The unit's
SE is multiplied by sqrt(deff_u); design weights do not enter ρ̂.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class InterviewerEffect(NamedTuple):
    rho: float  #: pooled intra-interviewer correlation (0 when it cannot be estimated)
    deff: np.ndarray  #: (U,) design effect of interviewer clustering per unit (1 without interviewers)


def interviewer_effect(unit: np.ndarray, interviewer: np.ndarray, y: np.ndarray, n_units: int) -> InterviewerEffect:
    """Pooled ρ̂ and each unit's interviewer design effect from its counted ratings.

    Examples
    --------
    Two units, two interviewers of 20 each, means 70 and 80, within-SS 736.8 per cluster:
    MSB = 2000/2, MSW = 2947/76, m₀ = 20, so ρ̂ = (1000 − 38.78)/(1000 + 19·38.78):

    >>> unit = np.repeat([0, 1], 40)
    >>> who = np.tile(np.repeat([0, 1], 20), 2)
    >>> y = np.where(who == 0, 70.0, 80.0) + np.tile(np.linspace(-10, 10, 20), 4)
    >>> eff = interviewer_effect(unit, who, y, 2)
    >>> round(eff.rho, 3), eff.deff.round(2).tolist()
    (0.553, [11.52, 11.52])
    """
    unit = np.asarray(unit, dtype=np.int64)
    who = np.asarray(interviewer, dtype=np.int64)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(y)
    deff = np.ones(n_units)
    has = ok & (who >= 0)
    if has.sum() < 3:
        return InterviewerEffect(0.0, deff)
    # clusters: (unit, interviewer); a rating without an interviewer is a cluster of its own
    solo = np.arange(who.size) + (int(who.max()) + 1)
    cid = np.where(who >= 0, who, solo)
    keys, inv = np.unique(np.stack([unit[ok], cid[ok]], axis=1), axis=0, return_inverse=True)
    inv = inv.ravel()
    m = np.bincount(inv).astype(float)
    sums = np.bincount(inv, weights=y[ok])
    cluster_unit = keys[:, 0]
    n_u = np.bincount(cluster_unit, weights=m, minlength=n_units)
    mean_u = np.bincount(cluster_unit, weights=sums, minlength=n_units) / np.maximum(n_u, 1)
    mean_c = sums / m
    ssb = float(np.sum(m * (mean_c - mean_u[cluster_unit]) ** 2))
    ssw = float(np.sum((y[ok] - mean_c[inv]) ** 2))
    clusters_u = np.bincount(cluster_unit, minlength=n_units)
    df_b = float(np.sum(np.maximum(clusters_u - 1, 0)))
    df_w = float(ok.sum() - keys.shape[0])
    if df_b <= 0 or df_w <= 0:
        return InterviewerEffect(0.0, deff)
    m2_u = np.bincount(cluster_unit, weights=m * m, minlength=n_units)
    m0 = (float(ok.sum()) - float(np.sum(np.where(n_u > 0, m2_u / np.maximum(n_u, 1), 0.0)))) / df_b
    msb, msw = ssb / df_b, ssw / df_w
    denom = msb + (m0 - 1.0) * msw
    rho = max(0.0, (msb - msw) / denom) if denom > 0 else 0.0
    mbar = np.where(n_u > 0, m2_u / np.maximum(n_u, 1), 1.0)
    return InterviewerEffect(rho, 1.0 + (mbar - 1.0) * rho)
