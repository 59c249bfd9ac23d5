"""DESIGN §7 "Golden example", reproduced to 4 decimals through ``evaluate_wave``.

Source of every expected number: /work/shared/DESIGN.md §7, section "Golden example (a test
must reproduce it to 4 decimals)". Raking is off and the table's final weights w are passed as
design weights; thresholds LOW_N (n < 5) and WIDE_CI (half-width > 10) as the example says.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis import ComponentScores, ItemSpec, ScoringConfig, WaveInput, evaluate_wave
from tests.golden import GOLDEN_TABLE as TABLE

NAN = float("nan")
#: answer codes 5..1 and 9 (不了解) -> option index; points 100/80/60/40/0, 9 missing
CODES = {5: 0, 4: 1, 3: 2, 2: 3, 1: 4, 9: 5}
POINTS = (100.0, 80.0, 60.0, 40.0, 0.0, NAN)

UNITS = ["A", "B", "C"]


def golden_input(with_components: bool = True) -> WaveInput:
    persons = sorted({row[2] for row in TABLE})
    answers = np.array([[CODES[c] for c in row[3:6]] for row in TABLE])
    components = ComponentScores(
        base=np.array([28.5, 29.0, 27.0]), diff=np.array([44.0, 46.5, 42.0]),
        bonus=np.array([2.0, 1.0, 3.5]), deduction=np.zeros(3), veto=np.zeros(3, dtype=bool),
    )
    return WaveInput(
        design_weight=np.array([row[6] for row in TABLE]),
        linkage=np.array([persons.index(row[2]) for row in TABLE]),
        rating_submission=np.arange(len(TABLE)),
        rating_unit=np.array([UNITS.index(row[1]) for row in TABLE]),
        answers=answers,
        items=[ItemSpec("q1", 0.5, POINTS, overall=True), ItemSpec("q2", 0.25, POINTS),
               ItemSpec("q3", 0.25, POINTS)],
        unit_codes=UNITS, unit_names=["甲单位", "乙单位", "丙单位"], peer_groups=["县区"] * 3,
        components=components if with_components else None,
    )


#: The golden numbers stand with the classic settings: direct SI, Wald interval, plain ranks.
GOLDEN_CONFIG = ScoringConfig(raking=False, n_min=5, wide_ci_half_width=10.0, points_basis="direct",
                              ci_method="wald", rank_points="plain")


@pytest.fixture(scope="module")
def result():
    return evaluate_wave(golden_input(), GOLDEN_CONFIG)


# unit: n, SI, SE, CI low, CI high, n_eff  (DESIGN §7 golden table)
EXPECTED = {
    "A": (5, 83.7667, 7.9020, 68.2790, 99.2543, 4.4803),
    "B": (4, 63.6250, 7.5986, 48.7320, 78.5180, 3.8278),
    "C": (4, 87.1250, 4.9583, 77.4069, 96.8431, 3.9801),
}
# unit: M1, M2, M3, M4 points
POINTS_EXPECTED = {
    "A": (16.7533, 18.8567, 17.0782, 16.0000),
    "B": (12.7250, 12.0000, 13.1964, 12.0000),
    "C": (17.4250, 20.0000, 17.7254, 20.0000),
}


@pytest.mark.parametrize("code", UNITS)
def test_unit_index(result, code):
    row = result.row(code)
    n, si, se, lo, hi, neff = EXPECTED[code]
    assert row.n_valid == n
    assert_allclose([row.si, row.si_se, row.si_ci_low, row.si_ci_high, row.n_eff], [si, se, lo, hi, neff],
                    atol=5e-5)


@pytest.mark.parametrize("code", UNITS)
def test_points_all_methods(result, code):
    i = UNITS.index(code)
    got = [result.sensitivity.points[m][i] for m in ("M1", "M2", "M3", "M4")]
    assert_allclose(got, POINTS_EXPECTED[code], atol=5e-5)
    row = result.row(code)
    assert row.social_method == "M2"
    assert row.social_points == pytest.approx(POINTS_EXPECTED[code][1], abs=5e-5)
    assert row.social_points_linear == pytest.approx(POINTS_EXPECTED[code][0], abs=5e-5)
    assert row.social_max == 20.0


def test_totals_ranks_tiers(result):
    """Totals and ranks as in DESIGN §7; tiers by the amended §7 (e), worked out by hand.

    A's total is in the 优秀 zone (rank 1 of 3) but only 0.8567 above C: the social points'
    covariance J·diag(SE²)·Jᵀ gives A's points the SE sqrt(0.3404²·7.902² + 0.0487²·7.599² +
    0.2918²·4.958²) = 3.0767 (B and C sit at the band's edges, their own points fixed), so
    z = 0.8567/3.0767 = 0.28 < 1.645 (one-sided, α/k = 5% for a one-place zone): provisional.
    C (n = 4 < n_min = 5) gets an indicative 良好; B's 较差 is provisional (LOW_N).
    """
    expected = {"A": (93.3567, 1, "优秀(待复核)", "provisional"), "C": (92.5000, 2, "良好", "indicative"),
                "B": (88.5000, 3, "较差(待复核)", "provisional")}
    for code, (total, rank, tier, status) in expected.items():
        row = result.row(code)
        assert row.total == pytest.approx(total, abs=5e-5)
        assert (row.total_rank, row.total_tier, row.total_tier_status) == (rank, tier, status)
    assert result.row("A").points_se == pytest.approx(3.0767, abs=5e-4)
    assert result.row("B").points_se == pytest.approx(0.0, abs=1e-9)
    assert result.row("C").points_se == pytest.approx(0.0, abs=1e-9)


def test_social_tiers_and_evidence(result):
    """Amended §7 (e): no placement at n = 4–5 is final where it matters.

    C is ranked first (优秀 zone) but is LOW_N (n = 4) and not significantly above A
    (z = 0.36 < 1.645): 优秀(待复核), TOP_NOT_SIG. A is 良好 with n = 5 = n_min: final.
    B is in the 较差 zone and significantly below both others one-sided at 5% (A vs B
    z = 1.8373, C vs B z = 23.5/9.0735 = 2.59, both ≥ 1.645) — so no BOTTOM_NOT_SIG — but
    LOW_N: 较差(待复核).
    """
    got = [(result.row(c).social_tier, result.row(c).social_tier_status) for c in ("C", "A", "B")]
    assert got == [("优秀(待复核)", "provisional"), ("良好", "final"), ("较差(待复核)", "provisional")]
    assert [result.row(c).social_rank for c in ("C", "A", "B")] == [1, 2, 3]
    assert "BOTTOM_NOT_SIG" not in result.row("B").flags
    assert "TOP_NOT_SIG" in result.row("C").flags
    a, b = result.row("A"), result.row("B")
    z = (a.si - b.si) / np.hypot(a.si_se, b.si_se)
    assert z == pytest.approx(1.8373, abs=5e-5)


def test_rank_sets(result):
    """Simultaneous 95% rank sets: only C vs B (z = 2.59) clears the all-pairs critical value
    (about 2.4 here; 2.34 for three equal SEs, Tukey), so C ∈ [1, 2], A ∈ [1, 3], B ∈ [2, 3]."""
    got = {c: (result.row(c).social_rankset_low, result.row(c).social_rankset_high) for c in UNITS}
    assert got == {"A": (1, 3), "B": (2, 3), "C": (1, 2)}


def test_needed_n(result):
    """A: s² = 7.902²·4.4803 = 279.76, deff = 5/4.4803, h = 10: 1.96²·279.76·1.116/100 = 11.99 → 12."""
    assert result.row("A").n_needed == 12


def test_dk_and_top2(result):
    dk = {"A": 0.1333, "B": 0.1333, "C": 0.0}
    top2 = {"A": 0.7000, "B": 0.4250, "C": 1.0000}
    for code in UNITS:
        assert result.row(code).dk_rate == pytest.approx(dk[code], abs=5e-5)
        assert result.row(code).sat_rate_top2 == pytest.approx(top2[code], abs=5e-5)


def test_unit_flags(result):
    has = {code: set(result.row(code).flags) for code in UNITS}
    assert {c for c in UNITS if "LOW_N" in has[c]} == {"B", "C"}
    assert {c for c in UNITS if "WIDE_CI" in has[c]} == {"A", "B"}
    assert {c for c in UNITS if "ADJ_NOT_SIG" in has[c]} == {"A", "B", "C"}
    c, a = result.row("C"), result.row("A")
    assert (c.si - a.si) / np.hypot(c.si_se, a.si_se) == pytest.approx(0.3600, abs=5e-5)
    for code in UNITS:
        assert list(result.row(code).flags) == sorted(result.row(code).flags)
        assert result.row(code).method_version == "minyi-si/2.0"


def test_respondent_flags(result):
    ids = [row[0] for row in TABLE]
    sub, rat = result.submission_flags, result.rating_flags
    assert [ids[i] for i in np.flatnonzero(sub["DUPLICATE"])] == ["C5"]
    assert [ids[i] for i in np.flatnonzero(rat["INSUFFICIENT_ITEMS"])] == ["B5"]
    # DESIGN §7 (j) replaces the >= 3-equal-items rule: identical answers count as STRAIGHTLINE
    # only when given fast, and the example has no durations (A2, C2, C5 were flagged before)
    assert not rat["STRAIGHTLINE"].any()
    assert [ids[i] for i in np.flatnonzero(~result.rating_counted)] == ["B5", "C5"]
    assert np.isnan(result.submission_weights[[9, 14]]).all()


def test_entry_point_without_components_leaves_totals_empty():
    res = evaluate_wave(golden_input(with_components=False), GOLDEN_CONFIG)
    assert all(np.isnan(r.total) and r.total_rank is None for r in res.rows)
    assert res.row("A").si == pytest.approx(83.7667, abs=5e-5)
