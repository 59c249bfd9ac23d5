"""Raking: design weights kept within cells, empty-cell policies, scopes, errors, trimming."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis import Margin, RakingError, codes_from_labels, poststratify, rake, rake_labels
from analysis.unit_index import unit_index

AGES = ("18-29", "30-44", "45-59", "60+")
SEXES = ("m", "f")


def sample(n: int = 400, seed: int = 3):
    rng = np.random.default_rng(seed)
    age = rng.choice(4, n, p=[0.1, 0.2, 0.3, 0.4])
    sex = rng.choice(2, n, p=[0.35, 0.65])
    d = rng.uniform(0.5, 3.0, n)
    margins = [Margin("age", {"18-29": 0.25, "30-44": 0.25, "45-59": 0.25, "60+": 0.25}),
               Margin("sex", {"m": 0.5, "f": 0.5})]
    return {"age": age, "sex": sex}, {"age": AGES, "sex": SEXES}, d, margins


def test_design_weights_keep_their_relative_size_within_each_cell():
    # A known bug class elsewhere: design weights silently replaced by cell means.
    codes, cats, d, margins = sample()
    res = rake(codes, cats, d, margins, trim=None)
    cell = codes["age"] * 2 + codes["sex"]
    for c in np.unique(cell):
        sel = cell == c
        ratio = res.weights[sel] / d[sel]
        assert_allclose(ratio, ratio[0], rtol=1e-12)
    # ... and the design weights changed the answer (raking from ones would differ)
    flat = rake(codes, cats, np.ones_like(d), margins, trim=None)
    assert not np.allclose(flat.weights, res.weights)


def test_margins_met_and_weights_sum_to_n():
    codes, cats, d, margins = sample()
    res = rake(codes, cats, d, margins)
    n = d.size
    assert res.weights.sum() == pytest.approx(n)
    assert_allclose(np.bincount(codes["age"], res.weights) / n, 0.25, rtol=1e-8)
    assert_allclose(np.bincount(codes["sex"], res.weights) / n, 0.5, rtol=1e-8)
    assert res.iterations >= 1 and res.max_rel_error <= 1e-8
    assert {e.variable for e in res.margin_errors} == {"age", "sex"}
    assert max(e.rel_error for e in res.margin_errors) <= 1e-8


def test_counts_and_shares_give_the_same_weights():
    codes, cats, d, margins = sample()
    counts = [Margin("age", {a: 250_000 for a in AGES}, kind="count"), Margin("sex", {"m": 5e5, "f": 5e5}, "count")]
    assert_allclose(rake(codes, cats, d, margins).weights, rake(codes, cats, d, counts).weights)


def test_labels_and_codes_agree():
    codes, cats, d, margins = sample()
    labels = {v: np.asarray(cats[v])[codes[v]] for v in codes}
    assert_allclose(rake_labels(labels, d, margins).weights, rake(codes, cats, d, margins).weights)
    with pytest.raises(RakingError, match="sex: unknown category 'x'"):
        codes_from_labels(np.array(["m", "x"]), SEXES, "sex")


def test_bounds_that_cannot_hold_with_the_margins_are_reported():
    rng = np.random.default_rng(7)
    n = 2000
    age = rng.choice(4, n, p=[0.03, 0.17, 0.3, 0.5])  # 18-29 needs a factor near 10 on its own
    sex = rng.integers(0, 2, n)
    margins = [Margin("age", {a: 0.25 for a in AGES}), Margin("sex", {"m": 0.5, "f": 0.5})]
    with pytest.raises(RakingError, match="within trim bounds.*worst margin age=18-29"):
        rake({"age": age, "sex": sex}, {"age": AGES, "sex": SEXES}, np.ones(n), margins, trim=(0.3, 3.0))


def test_trimming_meets_bounds_and_margins_when_both_can_hold():
    rng = np.random.default_rng(0)
    n = 3000
    age = rng.choice(4, n, p=[0.1, 0.2, 0.3, 0.4])
    sex = rng.choice(2, n, p=[0.72, 0.28])  # young women get a factor > 3 without trimming
    d = np.where(rng.random(n) < 0.02, 2.0, 1.0)
    margins = [Margin("age", {a: 0.25 for a in AGES}), Margin("sex", {"m": 0.5, "f": 0.5})]
    cats = {"age": AGES, "sex": SEXES}
    untrimmed = rake({"age": age, "sex": sex}, cats, d, margins, trim=None)
    f0 = untrimmed.weights / d
    assert (f0 / f0.mean()).max() > 4
    res = rake({"age": age, "sex": sex}, cats, d, margins, trim=(0.3, 3.0))
    f = res.weights / d
    rel = f / f.mean()
    assert rel.min() >= 0.3 * (1 - 1e-9) and rel.max() <= 3.0 * (1 + 1e-9)
    assert 0 < res.share_trimmed < 0.1
    assert res.max_rel_error <= 1e-8
    assert_allclose(np.bincount(age, res.weights) / n, 0.25, rtol=1e-8)


def test_no_convergence_names_the_worst_margin():
    codes, cats, d, margins = sample()
    with pytest.raises(RakingError, match=r"did not converge.*worst margin (age|sex)="):
        rake(codes, cats, d, margins, max_iter=1, trim=None, tol=1e-14)


def empty_category_sample():
    codes, cats, d, margins = sample()
    codes = dict(codes)
    codes["age"] = np.where(codes["age"] == 1, 2, codes["age"])  # nobody aged 30-44
    return codes, cats, d, margins


def test_empty_cell_policy_error():
    codes, cats, d, margins = empty_category_sample()
    with pytest.raises(RakingError, match="age: no respondents in category 30-44"):
        rake(codes, cats, d, margins, empty_cell_policy="error")


def test_empty_cell_policy_collapse_with_next_and_named_neighbour():
    codes, cats, d, margins = empty_category_sample()
    res = rake(codes, cats, d, margins, trim=None)
    assert res.adjustments == ("CELL_COLLAPSED age: 30-44 -> 45-59",)
    assert_allclose(np.bincount(codes["age"], res.weights, minlength=4) / d.size, [0.25, 0, 0.5, 0.25])
    named = rake(codes, cats, d, margins, trim=None, collapse_neighbours=[("age", "30-44", "18-29")])
    assert named.adjustments == ("CELL_COLLAPSED age: 30-44 -> 18-29",)
    assert_allclose(np.bincount(codes["age"], named.weights, minlength=4) / d.size, [0.5, 0, 0.25, 0.25])


def test_empty_cell_policy_drop_spreads_mass():
    codes, cats, d, margins = empty_category_sample()
    res = rake(codes, cats, d, margins, trim=None, empty_cell_policy="drop")
    assert res.adjustments == ("DROPPED age: 30-44",)
    assert_allclose(np.bincount(codes["age"], res.weights, minlength=4) / d.size, [1 / 3, 0, 1 / 3, 1 / 3])


def test_respondents_in_a_zero_target_category_are_an_error():
    codes, cats, d, _ = sample()
    bad = [Margin("sex", {"m": 1.0, "f": 0.0})]
    with pytest.raises(RakingError, match="sex: category f has .* respondents but a zero target"):
        rake(codes, cats, d, bad)


def test_unknown_margin_variable_or_category():
    codes, cats, d, _ = sample()
    with pytest.raises(RakingError, match="income"):
        rake(codes, cats, d, [Margin("income", {"low": 1})])
    with pytest.raises(RakingError, match="unknown category 'x' of sex"):
        rake(codes, cats, d, [Margin("sex", {"m": 0.5, "x": 0.5})])


def test_district_scope_rakes_each_district_to_its_margins():
    rng = np.random.default_rng(5)
    n = 1200
    district = rng.integers(0, 3, n)
    sex = rng.choice(2, n, p=[0.3, 0.7])
    d = rng.uniform(0.5, 2, n)
    dists = ("东城", "西城", "南城")
    margins = [
        Margin("district", {"东城": 0.5, "西城": 0.3, "南城": 0.2}),
        Margin("sex", {"m": 0.5, "f": 0.5}),
        Margin("sex", {"m": 0.4, "f": 0.6}, district="西城"),
    ]
    res = rake({"district": district, "sex": sex}, {"district": dists, "sex": SEXES}, d, margins,
               scope="district", trim=None)
    w = res.weights
    assert_allclose(np.bincount(district, w) / n, [0.5, 0.3, 0.2], rtol=1e-8)
    for k, male_share in enumerate([0.5, 0.4, 0.5]):
        sel = district == k
        assert w[sel & (sex == 0)].sum() / w[sel].sum() == pytest.approx(male_share, rel=1e-8)
    assert any(e.district == "西城" for e in res.margin_errors)


def test_poststratification_on_the_joint_table():
    codes, cats, d, _ = sample()
    joint = {f"{a}*{s}": 1 / 8 for a in AGES for s in SEXES}
    res = poststratify(codes, cats, d, Margin("age*sex", joint))
    cell = codes["age"] * 2 + codes["sex"]
    assert_allclose(np.bincount(cell, res.weights) / d.size, 1 / 8, rtol=1e-12)
    assert res.iterations == 1


def test_raking_and_index_are_invariant_to_the_order_of_respondents():
    codes, cats, d, margins = sample()
    y = np.random.default_rng(1).uniform(0, 100, d.size)
    perm = np.random.default_rng(2).permutation(d.size)
    a = rake(codes, cats, d, margins)
    b = rake({k: v[perm] for k, v in codes.items()}, cats, d[perm], margins)
    assert_allclose(a.weights[perm], b.weights, rtol=1e-12)
    ia = unit_index(np.zeros(d.size, int), y, a.weights, 1)
    ib = unit_index(np.zeros(d.size, int), y[perm], b.weights, 1)
    assert_allclose([ia.si[0], ia.se[0]], [ib.si[0], ib.se[0]], rtol=1e-10)
