"""DESIGN §7b (amended): bad weighting inputs are refused, never repaired silently.

NaN / infinite / negative / zero design weights and margins that do not add up raise an error
naming the row or margin; ``normalise`` rescales margins and flags MARGINS_NORMALISED; a dropped
empty cell is flagged like a collapsed one, and CELL_COLLAPSED marks only the rows it concerns.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis import (
    ItemSpec,
    Margin,
    RakingError,
    ScoringConfig,
    Stratum,
    WaveInput,
    evaluate_wave,
    poststratify,
    rake,
    rake_cells,
    rake_labels,
)
from analysis.flags import CELL_COLLAPSED, MARGINS_NORMALISED
from analysis.weighting import weight_respondents

AGES = ("18-29", "30-44", "45-59", "60+")
SEXES = ("m", "f")
PTS = (100.0, 80.0, 60.0, 40.0, 0.0, float("nan"))
WIDE = ScoringConfig(trim_low=0.01, trim_high=100.0)


def sample(n: int = 400, seed: int = 3):
    rng = np.random.default_rng(seed)
    codes = {"age": rng.choice(4, n, p=[0.1, 0.2, 0.3, 0.4]), "sex": rng.choice(2, n, p=[0.35, 0.65])}
    margins = [Margin("age", dict(zip(AGES, (0.2, 0.3, 0.3, 0.2), strict=True))),
               Margin("sex", {"m": 0.49, "f": 0.51})]
    return codes, {"age": AGES, "sex": SEXES}, rng.uniform(0.5, 3.0, n), margins


# -- design weights ---------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [float("nan"), -1.0, 0.0, float("inf")])
def test_bad_design_weight_is_refused_naming_the_row(bad):
    codes, cats, d, margins = sample()
    d[[17, 40, 41]] = bad
    msg = r"row 17 has design weight .*3 rows have a NaN, infinite, negative or zero design weight"
    with pytest.raises(RakingError, match=msg):
        rake(codes, cats, d, margins)
    with pytest.raises(RakingError, match=msg):
        rake_cells(codes["age"] * 2 + codes["sex"], d, ("age", "sex"), (AGES, SEXES), margins)
    labels = {v: np.asarray(cats[v])[codes[v]] for v in codes}
    with pytest.raises(RakingError, match=msg):
        rake_labels(labels, d, margins)
    joint = Margin("age*sex", {f"{a}*{s}": 1 / 8 for a in AGES for s in SEXES})
    with pytest.raises(RakingError, match=msg):
        poststratify(codes, cats, d, joint)


def test_one_nan_weight_no_longer_gives_all_nan_weights_reported_as_converged():
    codes, cats, d, margins = sample()
    d[0] = np.nan
    with pytest.raises(RakingError, match=r"row 0 has design weight nan; 1 row has"):
        rake(codes, cats, d, margins, trim=None)


def small_wave(n: int = 60, seed: int = 0, **extra) -> WaveInput:
    rng = np.random.default_rng(seed)
    fields = {
        "design_weight": rng.uniform(0.5, 2.0, n), "rating_submission": np.arange(n),
        "rating_unit": np.arange(n) % 3, "answers": rng.integers(0, 5, (n, 1)),
        "items": [ItemSpec("q1", 1.0, PTS, overall=True)], "unit_codes": ["U0", "U1", "U2"],
        "unit_names": ["甲", "乙", "丙"], "peer_groups": ["g"] * 3,
        "strata": {"sex": Stratum(np.arange(n) % 2, SEXES)},
        "margins": [Margin("sex", {"m": 0.49, "f": 0.51})],
    }
    fields.update(extra)
    return WaveInput(**fields)


def test_wave_design_weights_are_refused_naming_the_submission_row():
    inp = small_wave()
    d = inp.design_weight.copy()
    d[[3, 7]] = [-2.0, 0.0]
    bad = dataclasses.replace(inp, design_weight=d)
    with pytest.raises(ValueError, match=r"design_weight: row 3 has design weight -2; 2 rows have"):
        evaluate_wave(bad, WIDE)
    person = np.zeros(inp.n_submissions, bool)
    person[[1, 7, 9]] = True  # row 7 is the second weighted person: named by its submission row
    with pytest.raises(RakingError, match=r"row 7 has design weight 0; 1 row has"):
        weight_respondents(bad, person, WIDE)


# -- share and count margins -----------------------------------------------------------------

@pytest.mark.parametrize(("targets", "total"), [
    ({"18-29": 0.3, "30-44": 0.3, "45-59": 0.3, "60+": 0.2}, "1.1"),
    ({"18-29": 20, "30-44": 29, "45-59": 31, "60+": 20}, "100"),
])
def test_shares_not_summing_to_one_are_refused_naming_the_variable(targets, total):
    codes, cats, d, margins = sample()
    with pytest.raises(RakingError, match=rf"^age: shares sum to {total}, not 1 \(within 1e-06\)"):
        rake(codes, cats, d, [Margin("age", targets), margins[1]])


def test_percentages_are_refused_with_a_hint():
    codes, cats, d, _ = sample()
    with pytest.raises(RakingError, match=r"sex: shares sum to 100, not 1.*percentages"):
        rake(codes, cats, d, [Margin("sex", {"m": 49, "f": 51})])


def test_a_share_sum_within_1e_6_is_accepted():
    codes, cats, d, _ = sample()
    res = rake(codes, cats, d, [Margin("sex", {"m": 0.49 + 5e-7, "f": 0.51})])
    assert res.adjustments == ()


def test_per_district_share_margin_is_named_with_its_district():
    rng = np.random.default_rng(1)
    codes = {"district": rng.integers(0, 2, 200), "sex": rng.integers(0, 2, 200)}
    cats = {"district": ("东城", "西城"), "sex": SEXES}
    margins = [Margin("sex", {"m": 0.5, "f": 0.5}), Margin("sex", {"m": 0.5, "f": 0.6}, district="西城")]
    with pytest.raises(RakingError, match=r"sex in district 西城: shares sum to 1.1, not 1"):
        rake(codes, cats, np.ones(200), margins, scope="district")
    res = rake(codes, cats, np.ones(200), margins, scope="district", normalise=True)
    assert res.adjustments == ("MARGINS_NORMALISED sex in district 西城: shares summed to 1.1",)


@pytest.mark.parametrize(("variable", "raw"), [
    ("age", {"18-29": 0.15, "30-44": 0.25, "45-59": 0.35, "60+": 0.35}),  # sums to 1.1
    ("age", {"18-29": 15, "30-44": 25, "45-59": 35, "60+": 35}),
    ("sex", {"m": 49, "f": 51}),  # percentages
])
def test_normalise_accepts_and_equals_prenormalised_shares(variable, raw):
    codes, cats, d, margins = sample()
    total = sum(raw.values())
    others = [m for m in margins if m.variable != variable]
    fixed = rake(codes, cats, d, [Margin(variable, {k: v / total for k, v in raw.items()}), *others])
    res = rake(codes, cats, d, [Margin(variable, raw), *others], normalise=True)
    assert_allclose(res.weights, fixed.weights, rtol=1e-12, atol=0)
    assert res.adjustments == (f"MARGINS_NORMALISED {variable}: shares summed to {total:.10g}",)
    assert fixed.adjustments == ()
    labels = {v: np.asarray(cats[v])[codes[v]] for v in codes}
    by_label = rake_labels(labels, d, [Margin(variable, raw), *others], normalise=True)
    assert_allclose(by_label.weights, fixed.weights, rtol=1e-12, atol=0)


def test_count_margins_with_different_totals_are_refused_naming_both():
    codes, cats, d, _ = sample()
    counts = [Margin("age", {"18-29": 250, "30-44": 250, "45-59": 250, "60+": 250}, kind="count"),
              Margin("sex", {"m": 600, "f": 600}, kind="count")]
    with pytest.raises(RakingError, match=r"count margins age and sex have different totals \(1000 and 1200\)"):
        rake(codes, cats, d, counts)
    res = rake(codes, cats, d, counts, normalise=True)
    assert res.adjustments == ("MARGINS_NORMALISED sex: counts totalled 1200, rescaled to 1000 (the total of age)",)
    shares = [Margin("age", {a: 0.25 for a in AGES}), Margin("sex", {"m": 0.5, "f": 0.5})]
    assert_allclose(res.weights, rake(codes, cats, d, shares).weights, rtol=1e-12)


def test_count_totals_are_compared_within_each_scope():
    rng = np.random.default_rng(2)
    n = 300
    codes = {"district": rng.integers(0, 2, n), "sex": rng.integers(0, 2, n), "age": rng.integers(0, 4, n)}
    cats = {"district": ("东城", "西城"), "sex": SEXES, "age": AGES}
    margins = [
        Margin("district", {"东城": 3000, "西城": 1000}, kind="count"),
        Margin("sex", {"m": 2000, "f": 2000}, kind="count"),
        Margin("age", {a: 0.25 for a in AGES}),
        Margin("sex", {"m": 480, "f": 520}, kind="count", district="西城"),  # 西城's own total
        Margin("age", {a: 250 for a in AGES}, kind="count", district="西城"),
    ]
    res = rake(codes, cats, np.ones(n), margins, scope="district", trim=None)
    assert res.adjustments == ()
    bad = [*margins[:4], Margin("age", {a: 300 for a in AGES}, kind="count", district="西城")]
    with pytest.raises(RakingError, match=r"sex in district 西城 and age in district 西城 .*\(1000 and 1200\)"):
        rake(codes, cats, np.ones(n), bad, scope="district")


def test_wave_refuses_unnormalised_margins_unless_asked_and_then_flags_every_row():
    inp = small_wave(margins=[Margin("sex", {"m": 0.5, "f": 0.6})])
    with pytest.raises(RakingError, match="sex: shares sum to 1.1"):
        evaluate_wave(inp, WIDE)
    res = evaluate_wave(inp, dataclasses.replace(WIDE, normalise_margins=True))
    fixed = evaluate_wave(dataclasses.replace(inp, margins=[Margin("sex", {"m": 5 / 11, "f": 6 / 11})]), WIDE)
    assert_allclose(res.submission_weights, fixed.submission_weights, rtol=1e-12)
    assert res.weighting.flags == (MARGINS_NORMALISED,)
    assert res.weighting.adjustments == ("MARGINS_NORMALISED sex: shares summed to 1.1",)
    assert all(MARGINS_NORMALISED in r.flags for r in res.rows)
    assert all(MARGINS_NORMALISED not in r.flags for r in fixed.rows) and fixed.weighting.flags == ()


# -- empty cells: drop is a collapse, and who is concerned -------------------------------------

def empty_category_sample():
    codes, cats, d, margins = sample()
    codes["age"] = np.where(codes["age"] == 1, 2, codes["age"])  # nobody aged 30-44
    return codes, cats, d, margins


def test_collapse_concerns_the_respondents_of_the_receiving_category():
    codes, cats, d, margins = empty_category_sample()
    res = rake(codes, cats, d, margins, trim=None)
    (adj,) = res.cell_adjustments
    assert (adj.action, adj.variable, adj.category, adj.into, adj.district) == ("collapse", "age", "30-44", "45-59", None)
    assert np.array_equal(res.collapse_concerned, codes["age"] == 2)
    named = rake(codes, cats, d, margins, trim=None, collapse_neighbours=[("age", "30-44", "18-29")])
    assert np.array_equal(named.collapse_concerned, codes["age"] == 0)


def test_drop_concerns_every_respondent_of_the_occupied_categories():
    codes, cats, d, margins = empty_category_sample()
    res = rake(codes, cats, d, margins, trim=None, empty_cell_policy="drop")
    assert res.adjustments == ("DROPPED age: 30-44",)
    assert [a.action for a in res.cell_adjustments] == ["drop"]
    assert res.collapse_concerned.all()
    clean = rake(*sample(), trim=None)
    assert clean.cell_adjustments == () and not clean.collapse_concerned.any()


@pytest.mark.parametrize("policy", ["collapse", "drop"])
def test_drop_policy_sets_cell_collapsed_like_a_collapse(policy):
    inp = small_wave(strata={"sex": Stratum(np.zeros(60, dtype=np.int64), SEXES)})  # no women
    res = evaluate_wave(inp, dataclasses.replace(WIDE, empty_cell_policy=policy))
    assert res.weighting.flags == (CELL_COLLAPSED,)
    assert [a.action for a in res.weighting.cell_adjustments] == [policy]
    assert res.weighting.n_collapse_concerned == 60
    assert all(CELL_COLLAPSED in r.flags for r in res.rows)


def district_wave() -> WaveInput:
    """Two districts; in 西城 nobody is 18-39, so raking within districts collapses 18-39 -> 40-59.

    Persons 0-4 live in 东城, 5-9 in 西城. Ratings (unit <- persons): U0 <- 0-4 (东城 only);
    U1 <- 6, 7, 9 (西城 60+) and 5 (西城 40-59, but as STAFF_OF_UNIT, not counted);
    U2 <- 5, 8 (西城 40-59); U3 <- 1 (东城 40-59) and 8 (西城 40-59).
    """
    district = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    age = np.array([0, 1, 2, 0, 2, 1, 2, 2, 1, 2])
    rs = np.array([0, 1, 2, 3, 4, 6, 7, 9, 5, 5, 8, 1, 8])
    ru = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3])
    staff = np.zeros(rs.size, dtype=bool)
    staff[8] = True  # person 5's rating of U1
    return WaveInput(
        design_weight=np.linspace(0.8, 1.6, 10), rating_submission=rs, rating_unit=ru,
        answers=(np.arange(rs.size) % 5)[:, None], items=[ItemSpec("q1", 1.0, PTS, overall=True)],
        unit_codes=["U0", "U1", "U2", "U3"], unit_names=["甲", "乙", "丙", "丁"], peer_groups=["g"] * 4,
        strata={"district": Stratum(district, ("东城", "西城")), "age": Stratum(age, ("18-39", "40-59", "60+"))},
        rating_flags={"STAFF_OF_UNIT": staff},
        margins=[Margin("district", {"东城": 0.5, "西城": 0.5}),
                 Margin("age", {"18-39": 0.3, "40-59": 0.4, "60+": 0.3})],
    )


def test_cell_collapsed_marks_only_units_rated_by_concerned_persons():
    inp = district_wave()
    res = evaluate_wave(inp, dataclasses.replace(WIDE, raking_scope="district"))
    assert res.weighting.adjustments == ("CELL_COLLAPSED age: 18-39 -> 40-59 in district 西城",)
    (adj,) = res.weighting.cell_adjustments
    assert (adj.category, adj.into, adj.district) == ("18-39", "40-59", "西城")
    assert res.weighting.flags == (CELL_COLLAPSED,) and res.weighting.n_collapse_concerned == 2
    assert [CELL_COLLAPSED in r.flags for r in res.rows] == [False, False, True, True]
    # the concerned persons are 西城's 40-59 respondents (5 and 8), whose weights absorb the target
    wts = weight_respondents(inp, np.ones(10, bool), dataclasses.replace(WIDE, raking_scope="district"))
    assert np.flatnonzero(wts.collapse_concerned).tolist() == [5, 8]
    # raking city-wide, 18-39 is occupied (东城): nothing collapses, no row is flagged
    city = evaluate_wave(inp, WIDE)
    assert city.weighting.flags == () and not any(CELL_COLLAPSED in r.flags for r in city.rows)


# -- the trimming algorithm is what the ipf docstring says -------------------------------------

def documented_rake(codes, targets, d, lo, hi, tol=1e-12, max_iter=5000):
    """The ipf / _trim docstring, re-implemented per respondent (not per cell)."""
    n = d.size
    w = d.copy()
    for _ in range(max_iter):
        for c, t in zip(codes, targets, strict=True):  # margins in the order given
            cur = np.bincount(c, w, minlength=t.size)
            w = w * np.where(cur > 0, t / np.where(cur > 0, cur, 1.0), 1.0)[c]
        f = w / d
        mean = f.mean()  # count-weighted mean factor over occupied cells
        clipped = np.clip(f, lo * mean, hi * mean)
        at = clipped != f
        change = float(np.max(np.abs(clipped[at] / f[at] - 1.0))) if at.any() else 0.0
        if at.any():
            free_mass = (d * clipped)[~at].sum()
            scale = (w.sum() - (d * clipped)[at].sum()) / free_mass if free_mass > 0 else 0.0
            f = np.where(~at & (scale > 0), clipped * scale, clipped)
            w = d * f
        err = max(np.max(np.abs(np.bincount(c, w, minlength=t.size) - t) / t)
                  for c, t in zip(codes, targets, strict=True))
        if err <= tol and change <= tol:
            return w * n / w.sum()
    raise AssertionError("documented algorithm did not converge")


def test_trimmed_raking_follows_the_documented_algorithm_to_1e_9():
    rng = np.random.default_rng(0)
    n = 3000
    age = rng.choice(4, n, p=[0.1, 0.2, 0.3, 0.4])
    sex = rng.choice(2, n, p=[0.72, 0.28])  # young women need a factor > 3: trimming binds
    d = np.where(rng.random(n) < 0.02, 2.0, 1.0)
    margins = [Margin("sex", {"m": 0.5, "f": 0.5}), Margin("age", {a: 0.25 for a in AGES})]
    res = rake({"age": age, "sex": sex}, {"age": AGES, "sex": SEXES}, d, margins, trim=(0.3, 3.0),
               tol=1e-12, max_iter=5000)
    assert res.share_trimmed > 0
    ref = documented_rake([sex, age], [np.full(2, n / 2), np.full(4, n / 4)], d, 0.3, 3.0)
    assert_allclose(res.weights, ref, rtol=1e-9, atol=0)
