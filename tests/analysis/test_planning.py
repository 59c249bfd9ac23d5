"""Sample-size planning (DESIGN §7 (i)): the formulas, the power search, and its check by an
independent respondent-level simulation through ``evaluate_wave``."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis import ItemSpec, ScoringConfig, WaveInput, evaluate_wave
from analysis.intervals import needed_n
from analysis.placement import place_units
from analysis.planning import (
    N_MAX,
    PlanInputs,
    final_poor,
    n_for_half_width,
    n_for_power,
    plan_group,
    power_ceiling,
    power_final_poor,
)


def test_half_width_formula_against_a_hand_computation():
    # z = 1.959964 at 95%: z² = 3.841459; 3.841459 · 20² · 1.25 / 3² = 213.41 → 214
    assert n_for_half_width(20.0, 1.25, 3.0, 0.95) == 214
    # at 90%: z = 1.644854, z² = 2.705543; 2.705543 · 15² · 1.0 / 2² = 152.19 → 153
    assert n_for_half_width(15.0, 1.0, 2.0, 0.90) == 153
    # the floor n_min
    assert n_for_half_width(20.0, 1.25, 6.0, 0.95, n_min=75) == 75
    # the same rule as the run's needed n: SE² = s²·deff/n, n_eff = n/deff
    n, deff, s = 40, 1.25, 20.0
    se = s * math.sqrt(deff / n)
    assert needed_n(np.array([se]), np.array([n]), np.array([n / deff]), 0, 3.0)[0] == 214
    with pytest.raises(ValueError, match="half_width"):
        n_for_half_width(20.0, 1.0, 0.0)


def test_inputs_are_validated_all_at_once():
    with pytest.raises(ValueError) as error:
        PlanInputs(n_units=0, tau=float("nan"), s=-1.0, deff=0.0, lost=1.0, level=0.2, n_min=-1)
    text = str(error.value)
    for name in ("n_units", "tau", "s", "deff", "lost", "level", "n_min"):
        assert f"{name}:" in text
    p = PlanInputs(n_units=20, tau=4.0, s=20.0, deff=1.3, lost=0.1)
    assert p.interviews(300) == 334  # 300 / 0.9 = 333.3
    assert p.interviews(90) == 100  # exactly 100, not 101
    assert math.isclose(p.se(300), 20.0 * math.sqrt(1.3 / 300))


def test_batched_verdicts_are_those_of_place_units():
    """The planner judges many simulated groups at once; each verdict must be place_units'."""
    rng = np.random.default_rng(7)
    cfg = ScoringConfig(n_draws=50)
    sizes = [3, 5, 10, 20, 7, 12]
    si = np.concatenate([75 + 4 * rng.standard_normal(n) - np.r_[rng.uniform(6, 20), np.zeros(n - 1)]
                         for n in sizes])
    se = rng.uniform(0.3, 2.0, si.size)
    n_valid = rng.integers(40, 400, si.size)
    groups = np.repeat(np.arange(len(sizes)), sizes)
    batched = final_poor(si, se, groups, n_valid, cfg)
    expected = []
    for code in range(len(sizes)):
        idx = np.flatnonzero(groups == code)
        placed = place_units(si[idx], se[idx], np.zeros(idx.size, int), cfg, n_valid=n_valid[idx])
        expected += [t == "较差" and s == "final" for t, s in zip(placed.tier, placed.status, strict=True)]
    assert batched.tolist() == expected
    assert any(expected) and not all(expected)
    for evidence in ("simultaneous", "marginal"):
        other = ScoringConfig(n_draws=50, tier_evidence=evidence)
        placed = place_units(si[:20], se[:20], groups[:20], other, n_valid=n_valid[:20])
        want = [t == "较差" and s == "final" for t, s in zip(placed.tier, placed.status, strict=True)]
        assert final_poor(si[:20], se[:20], groups[:20], n_valid[:20], other).tolist() == want


def test_power_rises_with_n_and_with_d_and_is_reproducible():
    p = PlanInputs(n_units=10, tau=3.0, s=20.0, deff=1.2)
    by_n = [power_final_poor(n, p, 8.0, reps=300, seed=11) for n in (100, 300, 1000, 3000)]
    assert by_n == sorted(by_n) and by_n[-1] - by_n[0] > 0.4
    by_d = [power_final_poor(400, p, d, reps=300, seed=11) for d in (4.0, 8.0, 12.0)]
    assert by_d == sorted(by_d) and by_d[-1] - by_d[0] > 0.4
    assert power_final_poor(400, p, 8.0, reps=300, seed=11) == by_d[1]  # seeded
    # below n_min nothing is ever final
    assert power_final_poor(74, p, 30.0, reps=50) == 0.0


def test_power_search_finds_the_smallest_n_on_its_curve():
    p = PlanInputs(n_units=10, tau=3.0, s=20.0, deff=1.2, lost=0.1)
    plan = n_for_power(p, 8.0, 0.8, reps=300, seed=2)
    assert plan.reachable and plan.n is not None
    assert plan.power >= 0.8
    assert power_final_poor(plan.n - 1, p, 8.0, reps=300, seed=2) < 0.8
    assert plan.curve == tuple(sorted(plan.curve)) and (plan.n, plan.power) in plan.curve
    assert "per unit" in plan.message
    # n_min itself is enough when the unit is far below
    easy = n_for_power(p, 40.0, 0.8, reps=100)
    assert easy.n == 75


def test_a_unit_that_cannot_be_separated_is_said_so():
    # 20 units with τ = 4: a unit 2 points below the median is below ~ 6 of the others in truth
    p = PlanInputs(n_units=20, tau=4.0, s=20.0, deff=1.3, lost=0.1)
    assert power_ceiling(p, 2.0) < 0.8
    plan = n_for_power(p, 2.0, 0.8, reps=100)
    assert not plan.reachable and plan.n is None
    assert plan.message.startswith(f"cannot be separated within {N_MAX}")
    assert "unlimited" in plan.message
    # reachable in principle (ceiling 0.93) but not within a small budget
    small = n_for_power(p, 8.0, 0.8, reps=200, n_max=400)
    assert power_ceiling(p, 8.0) > 0.8
    assert not small.reachable and small.power < 0.8
    assert small.message.startswith("cannot be separated within 400")
    group = plan_group(p, ["A", "B"], half_width=3.0, d=2.0, power=0.8, reps=100)
    for unit in group.units:
        assert unit.separable is False and unit.n_power is None
        assert unit.n_plan == unit.n_half_width == n_for_half_width(20.0, 1.3, 3.0, n_min=75)
    # a lone unit has nobody to be separated from
    assert not n_for_power(PlanInputs(n_units=1, tau=4.0, s=20.0), 8.0, 0.8, reps=50).reachable


def test_plan_group_takes_the_largest_need():
    p = PlanInputs(n_units=10, tau=3.0, s=20.0, deff=1.2, lost=0.2)
    group = plan_group(p, ["A", "B"], half_width=6.0, d=8.0, power=0.8, reps=200,
                       unit_s={"B": 60.0})
    power_n = group.power_plan.n
    a, b = group.units
    assert a.n_power == b.n_power == power_n and a.separable
    assert a.n_half_width == 75  # 3.84·400·1.2/36 = 51 → n_min
    assert b.n_half_width == math.ceil(1.959964**2 * 3600 * 1.2 / 36)
    assert a.n_plan == max(power_n, 75) and b.n_plan == max(power_n, b.n_half_width)
    assert a.interviews == math.ceil(a.n_plan / 0.8 - 1e-9)
    assert group.total_interviews == a.interviews + b.interviews
    only_hw = plan_group(p, ["A"], half_width=3.0)
    assert only_hw.power_plan is None and only_hw.units[0].separable is None
    with pytest.raises(ValueError, match="both"):
        plan_group(p, ["A"], d=8.0)


# ---------------------------------------------------------------------------------------------
# The check by simulation (DESIGN §7 (i)): for the planned n, a respondent-level simulation
# through evaluate_wave gives a final 较差 to the target unit as often as the planner promised.

POINTS = (100.0, 80.0, 60.0, 40.0, 0.0, float("nan"))
ITEM_WEIGHTS = np.array([0.5, 0.25, 0.25])
ITEMS = [ItemSpec(f"q{j + 1}", float(w), POINTS, overall=j == 0) for j, w in enumerate(ITEM_WEIGHTS)]
CUTS = np.array([-1.6, -0.9, -0.1, 0.8])  #: latent thresholds 很不满意 | 不太满意 | 一般 | 比较满意 | 非常满意
P_DK = 0.10  #: 说不清 per item
PERSON_SD, ITEM_SD, WEIGHT_SD = 0.8, 0.6, 0.5
UNITS, TAU, D, POWER, CENTER = 20, 3.0, 8.0, 0.8, 75.0


def _answers(rng: np.random.Generator, latent: np.ndarray) -> np.ndarray:
    """(n, 3) option indexes (0 = 非常满意 … 4 = 很不满意, 5 = 说不清)."""
    eta = latent[:, None] + rng.normal(0.0, ITEM_SD, (latent.size, 3))
    option = 4 - np.searchsorted(CUTS, eta)
    option[rng.random(option.shape) < P_DK] = 5
    return option


def _scores(option: np.ndarray) -> np.ndarray:
    """Respondent scores as §1 defines them (NaN when less than half the weight is answered)."""
    pts = np.array(POINTS)[option]
    answered = ~np.isnan(pts)
    wsum = (answered * ITEM_WEIGHTS).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(answered, pts, 0.0) @ ITEM_WEIGHTS / wsum
    return np.where(wsum >= 0.5, y, np.nan)


def _respondents(rng: np.random.Generator, mu: np.ndarray) -> np.ndarray:
    return _answers(rng, mu + rng.normal(0.0, PERSON_SD, mu.size))


class Model:
    """The generating model: latent unit mean μ ↔ true SI (population mean score), and the
    planner's inputs measured on large generated samples: s (the SD of the score of a unit at
    the median), its slope (the SD at the target's level, median − d, is larger: the score is
    bounded by 100), deff of the design weights and the share of ratings lost."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.mu = np.linspace(-0.2, 1.2, 15)
        self.si = np.array([np.nanmean(_scores(_respondents(rng, np.full(200_000, m))))
                            for m in self.mu])
        assert np.all(np.diff(self.si) > 0)
        y = _scores(_respondents(rng, np.full(400_000, self.mu_for(CENTER))))
        self.s = float(np.nanstd(y))
        self.lost = float(np.isnan(y).mean())
        low = _scores(_respondents(rng, np.full(400_000, self.mu_for(CENTER - D))))
        self.s_slope = (self.s - float(np.nanstd(low))) / D
        w = rng.lognormal(0.0, WEIGHT_SD, 400_000)
        self.deff = float(w.size * (w**2).sum() / w.sum() ** 2)  # Kish: n / n_eff

    def mu_for(self, si: np.ndarray | float) -> np.ndarray:
        return np.interp(si, self.si, self.mu)


def simulated_power(model: Model, n_valid: int, reps: int, seed: int) -> float:
    """Share of waves in which the target unit (d below the median) gets a final 较差."""
    rng = np.random.default_rng(seed)
    per_unit = math.ceil(n_valid / (1.0 - model.lost))  # ratings collected per unit
    unit = np.repeat(np.arange(UNITS), per_unit)
    size = unit.size
    # quarterly defaults (95%, n_min 75, zone evidence); the rank sets, which the zone verdicts
    # do not use, with fewer draws to save time
    config = ScoringConfig(raking=False, n_draws=200)
    codes = [f"U{i:02d}" for i in range(UNITS)]
    hits = 0
    for _ in range(reps):
        truth = np.r_[CENTER - D, CENTER + TAU * rng.standard_normal(UNITS - 1)]
        inp = WaveInput(design_weight=rng.lognormal(0.0, WEIGHT_SD, size),
                        rating_submission=np.arange(size), rating_unit=unit,
                        answers=_respondents(rng, model.mu_for(truth)[unit]), items=ITEMS,
                        unit_codes=codes, unit_names=codes, peer_groups=["g"] * UNITS)
        row = evaluate_wave(inp, config).rows[0]
        hits += row.social_tier == "较差" and row.social_tier_status == "final"
    return hits / reps


@pytest.mark.slow
def test_planned_n_gives_the_requested_power_in_a_respondent_level_simulation():
    model = Model(np.random.default_rng(20261207))
    assert 15 < model.s < 30 and 1.2 < model.deff < 1.4 and 0 < model.lost < 0.05
    assert -0.6 < model.s_slope < -0.1
    inputs = PlanInputs(n_units=UNITS, tau=TAU, s=model.s, deff=model.deff, lost=model.lost,
                        level=0.95, n_min=75, s_slope=model.s_slope, median=CENTER)
    plan = n_for_power(inputs, D, POWER, reps=1000, seed=3)
    assert plan.reachable and plan.n is not None
    simulated = simulated_power(model, plan.n, reps=600, seed=41)
    print(f"s = {model.s:.2f}, slope {model.s_slope:.3f}, deff {model.deff:.3f}, lost "
          f"{model.lost:.4f}; planned n = {plan.n} (planner's power {plan.power:.3f}); respondent-level "
          f"simulation: {simulated:.3f} over 600 waves")
    assert abs(simulated - POWER) <= 0.05
