"""Property tests (hypothesis) of issue 3, "What must be shown"."""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import (
    ItemSpec,
    Margin,
    ScoringConfig,
    Stratum,
    WaveInput,
    evaluate_wave,
    rake,
    social_points,
    tier_for,
    unit_index,
)
from analysis.ranking import tiers

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAN = float("nan")
POINTS = (100.0, 80.0, 60.0, 40.0, 0.0, NAN)


@st.composite
def raking_problems(draw):
    """Codes for 1-3 variables with every joint cell occupied (so the margins are attainable)."""
    n_vars = draw(st.integers(1, 3))
    dims = [draw(st.integers(2, 4)) for _ in range(n_vars)]
    n_cells = int(np.prod(dims))
    n = n_cells + draw(st.integers(0, 80))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    cells = np.concatenate([np.arange(n_cells), rng.integers(0, n_cells, n - n_cells)])
    rng.shuffle(cells)
    codes, cats, margins = {}, {}, []
    for v, (k, c) in enumerate(zip(dims, np.unravel_index(cells, dims), strict=True)):
        name = f"v{v}"
        codes[name] = c
        cats[name] = tuple(f"c{i}" for i in range(k))
        shares = rng.uniform(0.2, 1.0, k)
        shares /= shares.sum()  # share margins must sum to 1 (DESIGN §7b: no silent rescaling)
        margins.append(Margin(name, {f"c{i}": float(s) for i, s in enumerate(shares)}))
    d = rng.uniform(0.2, 5.0, n)
    return codes, cats, d, margins


@SETTINGS
@given(raking_problems())
def test_raked_weights_reproduce_every_margin(problem):
    codes, cats, d, margins = problem
    res = rake(codes, cats, d, margins, trim=None, tol=1e-8, max_iter=5000)
    n = d.size
    assert res.weights.sum() == pytest.approx(n, rel=1e-12)
    for m in margins:
        total = sum(m.targets.values())
        achieved = np.bincount(codes[m.variable], weights=res.weights, minlength=len(cats[m.variable])) / n
        for i, cat in enumerate(cats[m.variable]):
            target = m.targets[cat] / total
            assert abs(achieved[i] - target) <= 1e-8 * target + 1e-12
    assert res.max_rel_error <= 1e-8


@SETTINGS
@given(raking_problems())
def test_trimmed_raking_meets_bounds_and_margins_or_says_so(problem):
    from analysis import RakingError

    codes, cats, d, margins = problem
    try:
        res = rake(codes, cats, d, margins, trim=(0.3, 3.0), max_iter=5000)
    except RakingError as exc:
        assert "trim bounds" in str(exc) and "worst margin" in str(exc)
        return
    f = res.weights / d
    rel = f / f.mean()
    assert rel.min() >= 0.3 * (1 - 1e-6) and rel.max() <= 3.0 * (1 + 1e-6)
    assert res.max_rel_error <= 1e-8


@st.composite
def waves(draw, equal_weights: bool = False):
    """A random small wave: 2-6 units in 1-2 peer groups, 3 items, optional raking margins."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_units = draw(st.integers(2, 6))
    per_unit = draw(st.integers(2, 12))
    s = n_units * per_unit
    unit = np.repeat(np.arange(n_units), per_unit)
    answers = rng.integers(0, 6, (s, 3))
    answers[:, 0] = rng.integers(0, 5, s)  # overall item always answered, so every rating is valid
    sex = np.concatenate([[0, 1], rng.integers(0, 2, s - 2)])
    d = np.ones(s) if equal_weights else rng.uniform(0.5, 2.0, s)
    groups = [draw(st.sampled_from(["g1", "g2"])) for _ in range(n_units)]
    return WaveInput(
        design_weight=d, rating_submission=np.arange(s), rating_unit=unit, answers=answers,
        items=[ItemSpec("q1", 0.5, POINTS, overall=True), ItemSpec("q2", 0.3, POINTS), ItemSpec("q3", 0.2, POINTS)],
        unit_codes=[f"U{i}" for i in range(n_units)], unit_names=[f"单位{i}" for i in range(n_units)],
        peer_groups=groups, strata={"sex": Stratum(sex, ("m", "f"))},
        margins=[Margin("sex", {"m": 0.48, "f": 0.52})] if draw(st.booleans()) else [],
    )


NUMERIC = ("si", "si_se", "si_ci_low", "si_ci_high", "n_eff", "social_points", "social_points_linear",
           "si_shrunk", "dk_rate", "sat_rate_top2")


@SETTINGS
@given(waves(), st.floats(0.01, 100.0))
def test_scaling_base_weights_changes_nothing(inp, c):
    cfg = ScoringConfig(trim_low=0.05, trim_high=20.0)
    a = evaluate_wave(inp, cfg)
    b = evaluate_wave(dataclasses.replace(inp, design_weight=inp.design_weight * c), cfg)
    for ra, rb in zip(a.rows, b.rows, strict=True):
        for name in NUMERIC:
            x, y = getattr(ra, name), getattr(rb, name)
            assert (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, rel=1e-9, abs=1e-9), name
        assert (ra.social_rank, ra.social_tier, ra.flags) == (rb.social_rank, rb.social_tier, rb.flags)


@SETTINGS
@given(waves())
def test_si_between_smallest_and_largest_score_of_its_unit(inp):
    res = evaluate_wave(inp, ScoringConfig(trim_low=0.05, trim_high=20.0))
    unit = np.asarray(inp.rating_unit)
    for i, row in enumerate(res.rows):
        y = res.rating_scores[(unit == i) & res.rating_counted]
        assert y.min() - 1e-9 <= row.si <= y.max() + 1e-9


@SETTINGS
@given(st.lists(st.floats(0, 100), min_size=2, max_size=40))
def test_equal_weights_se_is_textbook(ys):
    y = np.array(ys)
    n = y.size
    r = unit_index(np.zeros(n, dtype=int), y, np.ones(n), 1)
    textbook = math.sqrt(n / (n - 1) * float(((y - y.mean()) ** 2).sum())) / n
    assert r.si[0] == pytest.approx(y.mean(), abs=1e-9)
    assert r.se[0] == pytest.approx(textbook, rel=1e-7, abs=1e-7)


@SETTINGS
@given(st.lists(st.floats(0, 100), min_size=1, max_size=30), st.integers(1, 3), st.integers(0, 2**31))
def test_points_lie_in_their_ranges(si_list, n_groups, seed):
    si = np.array(si_list)
    groups = np.random.default_rng(seed).integers(0, n_groups, si.size)
    band = (12.0, 20.0)
    for method in ("M1", "M2", "M3", "M4", "M5"):
        sp = social_points(si, groups, method, social_max=20.0, band=band)
        for p, used in zip(sp.points, sp.method_used, strict=True):
            if used == "M1":  # M1, or M2-M4 falling back on a degenerate group
                assert 0.0 <= p <= 20.0
            else:
                assert band[0] - 1e-9 <= p <= band[1] + 1e-9


def reference_tier(r: int, n: int) -> str:
    """DESIGN §7e in exact arithmetic."""
    if r <= math.ceil(Fraction(3, 10) * n):
        return "优秀"
    if r > n - max(1, math.floor(Fraction(1, 10) * n)):
        return "较差"
    if r <= math.ceil(Fraction(7, 10) * n):
        return "良好"
    return "一般"


@pytest.mark.parametrize("n", range(1, 61))
def test_tiers_follow_the_counts(n):
    got = tiers(np.arange(1, n + 1, dtype=float), np.zeros(n, dtype=int)).tolist()
    assert got == [reference_tier(r, n) for r in range(1, n + 1)]
    assert got.count("优秀") == math.ceil(0.3 * n - 1e-9)
    if n >= 2:
        assert got.count("较差") == max(1, n // 10)
    assert [tier_for(r, n) for r in range(1, n + 1)] == got


@SETTINGS
@given(waves())
def test_cell_statistics_equal_a_direct_computation_with_the_final_weights(inp):
    # the linearized SE itself: no pooled variance floor
    res = evaluate_wave(inp, ScoringConfig(trim_low=0.05, trim_high=20.0, se_floor_fraction=0.0))
    rs, ru = np.asarray(inp.rating_submission), np.asarray(inp.rating_unit)
    for i, row in enumerate(res.rows):
        sel = (ru == i) & res.rating_counted
        y, w = res.rating_scores[sel], res.submission_weights[rs[sel]]
        n = y.size
        si = float(w @ y / w.sum())
        se = math.sqrt(n / (n - 1) * float(((w * (y - si)) ** 2).sum())) / w.sum() if n > 1 else math.nan
        assert row.si == pytest.approx(si, rel=1e-10)
        if n > 1:
            assert row.si_se == pytest.approx(se, rel=1e-7, abs=1e-9)
        else:  # a single rating has no variance of its own: it gets the pooled one (or none)
            assert n == 0 or math.isnan(row.si_se) or row.si_se >= 0
        assert row.n_eff == pytest.approx(w.sum() ** 2 / (w @ w), rel=1e-10)
