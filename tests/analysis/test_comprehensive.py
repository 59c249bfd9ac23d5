"""Comprehensive score (DESIGN §7f), annual index (§7c), CONSEC_BOTTOM (§7e), shrinkage, ranks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis import (
    ComponentScores,
    ScoringConfig,
    annual_index,
    comprehensive_scores,
    consec_bottom,
    evaluate_wave,
    fay_herriot,
    group_ranks,
    rank_intervals,
    with_components,
)
from tests.analysis.test_golden import GOLDEN_CONFIG, golden_input

GOLDEN_COMPONENTS = ComponentScores(base=np.array([28.5, 29.0, 27.0]), diff=np.array([44.0, 46.5, 42.0]),
                                    bonus=np.array([2.0, 1.0, 3.5]))


def test_maxima_must_sum_to_100_and_scores_lie_within_them():
    bad = dataclasses.replace(GOLDEN_COMPONENTS, base_max=np.array([30.0, 35.0, 30.0]),
                              base=np.array([28.5, 29.0, 31.0]))
    with pytest.raises(ValueError) as err:
        comprehensive_scores(bad, np.array([18.0, 12.0, 20.0]), np.zeros(3, int), unit_codes=["A", "B", "C"])
    msg = str(err.value)
    assert "B: base_max + diff_max + social max = 35 + 50 + 20, must be 100" in msg
    assert "C: base_score 31 must lie in 0..30" in msg


def test_bonus_cap_deduction_and_veto():
    comp = ComponentScores(base=np.array([30.0, 20.0, 25.0]), diff=np.array([50.0, 40.0, 45.0]),
                           bonus=np.array([8.0, 0.0, 1.0]), deduction=np.array([0.0, 0.0, 2.0]),
                           veto=np.array([True, False, False]))
    r = comprehensive_scores(comp, np.array([20.0, 12.0, 16.0]), np.zeros(3, int))
    assert_allclose(r.total, [105.0, 72.0, 85.0])  # 30+50+20+min(8,5); 25+45+16+1-2
    assert r.bonus_capped.tolist() == [True, False, False]
    assert r.total_rank.tolist() == [1, 3, 2]  # veto keeps the rank ...
    assert r.total_tier.tolist() == ["较差", "较差", "良好"]  # ... and forces 较差


def test_golden_totals_through_with_components_equal_the_entry_point():
    base = evaluate_wave(golden_input(with_components=False), GOLDEN_CONFIG)
    joined = with_components(base, GOLDEN_COMPONENTS, GOLDEN_CONFIG)
    direct = evaluate_wave(golden_input(), GOLDEN_CONFIG)
    assert joined.rows == direct.rows
    # DESIGN §7 golden: M4 puts C first in total, so A and C move one place: not RANK_UNSTABLE (< 2)
    assert direct.sensitivity.total_ranks["M4"].tolist() == [2, 3, 1]
    assert not any("RANK_UNSTABLE" in r.flags for r in direct.rows)
    one_place = with_components(base, GOLDEN_COMPONENTS, dataclasses.replace(GOLDEN_CONFIG, rank_unstable_places=1))
    assert [("RANK_UNSTABLE" in r.flags) for r in one_place.rows] == [True, False, True]


def test_annual_index_is_mean_of_quarters_with_combined_se():
    si = np.array([[80.0], [82.0], [84.0], [86.0]])
    se = np.array([[2.0], [3.0], [1.0], [4.0]])
    mean, err, q = annual_index(si, se)
    assert mean[0] == pytest.approx(83.0)
    assert err[0] == pytest.approx(np.sqrt(4 + 9 + 1 + 16) / 4)
    assert q[0] == 4


def test_consec_bottom_counts_only_final_or_confirmed_placements():
    y1 = {"A": ("较差", "final"), "B": ("较差", "confirmed"), "C": ("较差", "final"),
          "D": ("较差(待复核)", "provisional"), "E": ("较差", "final")}
    y2 = {"A": ("较差", "confirmed"), "B": ("较差", "final"), "C": ("一般", "cleared"),
          "D": ("较差", "final"), "E": ("较差(待复核)", "provisional")}
    got = consec_bottom(y1, y2)
    assert [(c.unit_code, c.year1_status, c.year2_status) for c in got] == \
        [("A", "final", "confirmed"), ("B", "confirmed", "final")]


def test_shrinkage_pulls_noisy_units_most_and_stays_between():
    si = np.array([70.0, 75.0, 80.0, 85.0, 95.0])
    se = np.array([1.0, 1.0, 1.0, 1.0, 15.0])
    r = fay_herriot(si, se, np.zeros(5, int))
    assert r.gamma[4] < r.gamma[0]
    mu = (r.estimate - r.gamma * si) / (1 - r.gamma)  # the group mean each unit is pulled to
    assert_allclose(mu, mu[0])
    for s, e in zip(si, r.estimate, strict=True):
        assert min(s, mu[0]) - 1e-9 <= e <= max(s, mu[0]) + 1e-9
    assert (r.ci_high - r.ci_low)[4] < 2 * 1.959964 * 15.0  # narrower than the direct interval
    single = fay_herriot(np.array([60.0]), np.array([3.0]), np.zeros(1, int))
    assert single.estimate[0] == 60.0 and single.mse[0] == pytest.approx(9.0)


def test_ranks_min_ties_and_rank_intervals_inverted_cdf():
    assert group_ranks(np.array([5.0, 7.0, 7.0, 1.0]), np.zeros(4, int)).tolist() == [3, 1, 1, 4]
    si, se = np.array([90.0, 50.0, 70.0]), np.array([0.001, 0.001, 0.001])
    lo, hi = rank_intervals(si, se, np.zeros(3, int), n_draws=1000, seed=0)
    assert lo.tolist() == [1, 3, 2] and hi.tolist() == [1, 3, 2]
    lo2, hi2 = rank_intervals(np.array([80.0, 80.5]), np.array([5.0, 5.0]), np.zeros(2, int), seed=0)
    assert lo2.tolist() == [1, 1] and hi2.tolist() == [2, 2]


def test_m5_and_degenerate_groups():
    cfg = dataclasses.replace(GOLDEN_CONFIG, method="M5")
    res = evaluate_wave(golden_input(), cfg)
    assert [res.row(c).social_points for c in "CAB"] == [20.0, 18.0, 14.0]
    single = dataclasses.replace(golden_input(with_components=False), peer_groups=["g1", "g2", "g3"])
    res1 = evaluate_wave(single, GOLDEN_CONFIG)
    # a group of one unit gets the middle of the band under M2 (continuous: no fallback to M1)
    assert all(r.social_method == "M2" and r.social_points == 16.0 for r in res1.rows)
    assert res1.row("A").social_points_linear == pytest.approx(16.7533, abs=5e-5)
    assert ScoringConfig().method == "M2"


def test_evaluate_year_combines_quarters_and_places_units():
    from analysis import evaluate_year

    q = evaluate_wave(golden_input(with_components=False), GOLDEN_CONFIG)
    missing_b = dataclasses.replace(q, rows=tuple(r for r in q.rows if r.unit_code != "B"))
    year = evaluate_year([q, q, q, missing_b], GOLDEN_CONFIG, components=GOLDEN_COMPONENTS)
    a, b = year.row("A"), year.row("B")
    assert a.si == pytest.approx(q.row("A").si) and a.si_se == pytest.approx(q.row("A").si_se / 2)
    assert b.si_se == pytest.approx(np.sqrt(3) * q.row("B").si_se / 3)
    assert (a.n_valid, b.n_valid) == (20, 12)
    assert year.quarters.tolist() == [4, 3, 4]
    assert "PARTIAL_YEAR" in b.flags and "PARTIAL_YEAR" not in a.flags
    assert a.total == pytest.approx(93.3567, abs=5e-5)
    # first in total but only 0.86 above C, whose total has SE about 1.5 (points SE of the year)
    assert (a.total_tier, a.total_tier_status) == ("优秀(待复核)", "provisional")
    annual_defaults = evaluate_year([q] * 4)
    assert all("LOW_N" in r.flags for r in annual_defaults.rows)  # n_min 300 for a year
