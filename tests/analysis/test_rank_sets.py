"""Confidence sets for ranks (csranks procedure) checked against independently computed values.

With equal SEs σ, the simultaneous family's first critical value is the 95% quantile of
max |Z_i − Z_j| / (σ√2) over all pairs, i.e. the studentized range q(0.95; p, ∞)/√2 (Tukey's
HSD; computed here by scipy.stats.studentized_range, not by the bootstrap under test). For two
units the marginal set is the ordinary two-sided z-test at 1.96.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm, studentized_range

from analysis.rank_sets import group_rank_sets, rank_sets


def tukey(p: int, level: float = 0.95) -> float:
    return float(studentized_range.ppf(level, p, np.inf) / np.sqrt(2.0))


def hand_simultaneous(x: np.ndarray, crit_of: callable) -> tuple[list[int], list[int]]:
    """The stepdown of csranks for equal SE 1, with exact critical values (by hand, not bootstrap).

    With equal SEs the hypotheses still in play after a step are the pairs not yet rejected; the
    next critical value is the studentized-range quantile over the units those pairs involve —
    an upper bound that is exact when they form one block, as in the examples below.
    """
    p = x.size
    better = np.zeros((p, p), dtype=bool)
    active = ~np.eye(p, dtype=bool)
    while True:
        involved = np.flatnonzero(active.any(axis=0) | active.any(axis=1))
        crit = crit_of(involved.size)
        new = active & ((x[:, None] - x[None, :]) / np.sqrt(2.0) > crit)
        if not new.any():
            break
        better |= new
        active &= ~new
    return (1 + better.sum(axis=0)).tolist(), (p - better.sum(axis=1)).tolist()


def test_three_units_match_tukeys_critical_value():
    # 10 vs 4: z = 6/√2 = 4.24 > 2.344; 10 vs 6.8: 2.26 < 2.344 (not rejected); 6.8 vs 4: 1.98
    x = np.array([10.0, 6.8, 4.0])
    rs = rank_sets(x, np.ones(3), n_draws=20000, seed=1)
    assert (rs.low.tolist(), rs.high.tolist()) == hand_simultaneous(x, tukey)
    assert (rs.low.tolist(), rs.high.tolist()) == ([1, 1, 2], [2, 3, 3])


@pytest.mark.parametrize("z_outer", [2.30, 2.39])
def test_first_critical_value_is_tukeys_quantile(z_outer):
    """Units at 0, a, 2a (SE 1): only the outer pair can be separated, and only when its z-gap
    2a/√2 exceeds the first step's critical value q(0.95; 3, ∞)/√2 = 2.3437; 2.30 and 2.39 lie
    on either side. Once it is, the inner gaps (z = 1.15–1.2) stay far below any later value."""
    a = z_outer / 2.0 * np.sqrt(2.0)
    rs = rank_sets(np.array([0.0, a, 2 * a]), np.ones(3), n_draws=40000, seed=3)
    if z_outer > tukey(3):
        assert (rs.low.tolist(), rs.high.tolist()) == ([2, 1, 1], [3, 3, 2])
    else:
        assert (rs.low.tolist(), rs.high.tolist()) == ([1, 1, 1], [3, 3, 3])
    assert tukey(3) == pytest.approx(2.3437, abs=1e-4)


def test_two_units_marginal_is_the_two_sided_z_test():
    z975 = norm.ppf(0.975)
    for gap, apart in ((z975 * np.sqrt(2) * 1.02, True), (z975 * np.sqrt(2) * 0.98, False)):
        rs = rank_sets(np.array([gap, 0.0]), np.ones(2), simultaneous=False, n_draws=40000, seed=2)
        assert rs.low.tolist() == ([1, 2] if apart else [1, 1])
        assert rs.high.tolist() == ([1, 2] if apart else [2, 2])


def test_sets_are_ordered_and_marginal_sets_are_never_wider():
    rng = np.random.default_rng(5)
    x = rng.normal(70, 5, 15)
    se = rng.uniform(0.5, 3.0, 15)
    simul = rank_sets(x, se)
    marg = rank_sets(x, se, simultaneous=False)
    for s in (simul, marg):
        assert (s.low >= 1).all() and (s.low <= s.high).all() and (s.high <= 15).all()
    assert (marg.low >= simul.low).all() and (marg.high <= simul.high).all()
    # the estimated rank always lies in its own set
    rank = 1 + (x[None, :] > x[:, None]).sum(axis=1)
    assert ((simul.low <= rank) & (rank <= simul.high)).all()


def test_csranks_examples_of_its_own_tests():
    """csranks' test suite: x = 1:10, Sigma = diag(1): bounds in 1..10 and L <= U."""
    rs = rank_sets(np.arange(1.0, 11.0), np.ones(10), n_draws=100)
    assert rs.low.dtype == float and not np.isnan(rs.low).any()
    assert ((rs.low >= 1) & (rs.low <= rs.high) & (rs.high <= 10)).all()


def test_groups_missing_values_and_a_full_covariance():
    rs = group_rank_sets(np.array([80.0, np.nan, 60.0, 90.0]), np.array([1.0, 1.0, 1.0, np.nan]),
                         np.array([0, 0, 0, 1]))
    assert rs.low.tolist()[0::2] == [1, 2] and np.isnan(rs.low[[1, 3]]).all()
    # perfectly correlated estimates: their difference has no noise, so 0.1 apart is decided
    cov = np.array([[4.0, 4.0], [4.0, 4.0]])
    rs = rank_sets(np.array([50.1, 50.0]), cov)
    assert rs.low.tolist() == [1, 2] and rs.high.tolist() == [1, 2]
