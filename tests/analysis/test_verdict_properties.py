"""Properties of the verdict rules (DESIGN §7 d–e, amended): points continuous and in band,
tiers invariant to scaling all weights, and no jump where the old degenerate rule jumped."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import ItemSpec, ScoringConfig, WaveInput, evaluate_wave, social_points

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
METHODS = ("M1", "M2", "M3", "M4", "M5")
BAND = (12.0, 20.0)


@st.composite
def groups_of_units(draw):
    """2–12 units with SIs on a coarse grid (so ties and near-ties are common) and SEs."""
    n = draw(st.integers(2, 12))
    si = np.array(draw(st.lists(st.integers(600, 900), min_size=n, max_size=n)), dtype=float) / 10.0
    se = np.array(draw(st.lists(st.floats(0.3, 8.0), min_size=n, max_size=n)))
    return si, se, np.zeros(n, dtype=int)


@SETTINGS
@given(groups_of_units(), st.sampled_from(METHODS), st.integers(0, 11), st.sampled_from([1e-6, -1e-6]))
def test_every_method_is_continuous_and_inside_its_band(case, method, which, eps):
    si, se, groups = case
    u = which % si.size
    base = social_points(si, groups, method, se=se, band=BAND).points
    moved = si.copy()
    moved[u] += eps
    after = social_points(moved, groups, method, se=se, band=BAND).points
    # Lipschitz: the largest slope is (U−L)/m3_min_sd·(1/4)... bounded well below 100 per SI point
    assert np.abs(after - base).max() <= 100 * abs(eps)
    low, high = (0.0, 20.0) if method == "M1" else BAND
    assert ((low - 1e-9 <= base) & (base <= high + 1e-9)).all()


@pytest.mark.parametrize("method", METHODS)
def test_no_jump_at_the_old_degenerate_range(method):
    """80.00 vs 80.02 and vs 80.009 (the old rule gave 12/20, then M1's 16/16)."""
    se = np.array([2.0, 2.0])
    for gap in (0.02, 0.009, 0.0):
        pts = social_points(np.array([80.0, 80.0 + gap]), np.zeros(2, int), method, se=se).points
        if method != "M1":
            assert abs(pts[1] - pts[0]) < 0.05, (method, gap, pts)


def small_wave(seed: int, n_units: int = 8) -> WaveInput:
    rng = np.random.default_rng(seed)
    n = rng.integers(20, 120, n_units)
    unit = np.repeat(np.arange(n_units), n)
    level = rng.normal(0, 0.6, n_units)[unit] + rng.normal(0, 1, unit.size)
    answers = np.clip(2 - np.round(level[:, None] + rng.normal(0, 0.5, (unit.size, 3))), 0, 4).astype(int)
    pts = (100.0, 80.0, 60.0, 40.0, 0.0, float("nan"))
    items = [ItemSpec(f"q{j}", w, pts, overall=j == 0) for j, w in enumerate((0.5, 0.25, 0.25))]
    return WaveInput(
        design_weight=rng.uniform(0.5, 2.0, unit.size), rating_submission=np.arange(unit.size),
        rating_unit=unit, answers=answers, items=items,
        unit_codes=[f"U{i}" for i in range(n_units)], unit_names=[f"单位{i}" for i in range(n_units)],
        peer_groups=["g"] * n_units)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("factor", [0.001, 3.7, 1000.0])
def test_tiers_never_change_when_all_weights_are_scaled(seed, factor):
    inp = small_wave(seed)
    scaled = dataclasses.replace(inp, design_weight=np.asarray(inp.design_weight) * factor)
    config = ScoringConfig(raking=False, n_min=30)
    a, b = evaluate_wave(inp, config), evaluate_wave(scaled, config)
    keys = ("social_rank", "social_tier", "social_tier_status", "social_rankset_low", "social_rankset_high")
    assert [tuple(getattr(r, k) for k in keys) for r in a.rows] == [tuple(getattr(r, k) for k in keys) for r in b.rows]
    assert [r.si for r in a.rows] == pytest.approx([r.si for r in b.rows], rel=1e-12)


def test_four_respondents_all_very_satisfied_are_not_a_certain_winner():
    """The issue's case: n = 4, all 非常满意, used to get SE 0, CI [100, 100], rank set [1, 1], 优秀."""
    rng = np.random.default_rng(11)
    sizes = [4, 120, 120, 120, 120]
    unit = np.repeat(np.arange(5), sizes)
    # the others: about 86 with a respondent SD of about 22 (one answer repeated over the items)
    others = rng.choice(5, size=unit.size, p=[0.6, 0.25, 0.08, 0.04, 0.03])
    answers = np.where(unit[:, None] == 0, 0, others[:, None].repeat(3, axis=1))
    pts = (100.0, 80.0, 60.0, 40.0, 0.0, float("nan"))
    inp = WaveInput(
        design_weight=np.ones(unit.size), rating_submission=np.arange(unit.size), rating_unit=unit,
        answers=answers, items=[ItemSpec(f"q{j}", 1.0, pts, overall=j == 0) for j in range(3)],
        unit_codes=list("ABCDE"), unit_names=list("甲乙丙丁戊"), peer_groups=["g"] * 5)
    a = evaluate_wave(inp, ScoringConfig(raking=False)).row("A")
    assert a.si == 100.0 and a.si_se > 3.0  # the pooled variance floor
    assert a.si_ci_low < 95.0 and a.si_ci_high == 100.0
    assert (a.social_tier, a.social_tier_status) == ("优秀(待复核)", "provisional")
    assert "LOW_N" in a.flags and a.n_needed >= 75
    assert a.social_rankset_low == 1 and a.social_rankset_high > 1  # not a certain first
