"""evaluate_wave end to end: exclusions, flags, weighting, quotas, scales, determinism."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis import (
    ItemSpec,
    Margin,
    QuotaTarget,
    ScoringConfig,
    Stratum,
    WaveInput,
    evaluate_wave,
    speeding_flags,
    straightline_flags,
    topbox_funnel,
)
from analysis.results import EXPORT_FIELDS
from tests.analysis.test_golden import GOLDEN_CONFIG, golden_input

NAN = float("nan")
PTS = (100.0, 80.0, 60.0, 40.0, 0.0, NAN)


def synthetic(n: int = 600, n_units: int = 6, seed: int = 0, **extra) -> WaveInput:
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, n_units, n)
    quality = np.linspace(0.8, 2.2, n_units)[unit][:, None]
    answers = np.clip(np.round(rng.normal(quality, 1.0, (n, 4))), 0, 4).astype(int)
    answers[rng.random((n, 4)) < 0.05] = 5  # 不了解
    sex = rng.integers(0, 2, n)
    age = rng.integers(0, 3, n)
    return WaveInput(
        design_weight=rng.uniform(0.7, 1.5, n), rating_submission=np.arange(n), rating_unit=unit,
        answers=answers,
        items=[ItemSpec("q1", 0.4, PTS, overall=True), ItemSpec("q2", 0.2, PTS), ItemSpec("q3", 0.2, PTS),
               ItemSpec("q4", 0.2, PTS)],
        unit_codes=[f"U{i}" for i in range(n_units)], unit_names=[f"单位{i}" for i in range(n_units)],
        peer_groups=["县区"] * (n_units // 2) + ["市级部门"] * (n_units - n_units // 2),
        strata={"sex": Stratum(sex, ("m", "f")), "age": Stratum(age, ("18-39", "40-59", "60+"))},
        margins=[Margin("sex", {"m": 0.49, "f": 0.51}), Margin("age", {"18-39": 0.4, "40-59": 0.35, "60+": 0.25})],
        **extra,
    )


def test_rows_carry_every_export_field_and_are_deterministic():
    inp = synthetic()
    a, b = evaluate_wave(inp), evaluate_wave(inp)
    assert a.rows == b.rows
    for row in a.rows:
        d = row.export_dict()
        assert list(d) == list(EXPORT_FIELDS)
        assert d["method_version"] == "minyi-si/2.0"
        assert row.social_rank_low <= row.social_rank <= row.social_rank_high or row.social_rank_low <= row.social_rank_high
    assert a.config_hash == ScoringConfig().config_hash()
    w = a.submission_weights
    assert w[~np.isnan(w)].sum() == pytest.approx(a.weighting.n)
    assert a.weighting.max_rel_error <= 1e-8 and a.weighting.iterations > 0
    assert a.weighting.deff == pytest.approx(a.weighting.n / a.weighting.n_eff)


def test_rank_intervals_depend_on_the_seed_only():
    inp = synthetic(n=200)
    a = evaluate_wave(inp, ScoringConfig(seed=1))
    b = evaluate_wave(inp, ScoringConfig(seed=1))
    assert [(r.social_rank_low, r.social_rank_high) for r in a.rows] == \
        [(r.social_rank_low, r.social_rank_high) for r in b.rows]


def test_honeypot_and_staff_ratings_are_excluded_burst_and_speeding_only_reported():
    n = 40
    inp = synthetic(n=n, n_units=2, seed=3)
    honeypot = np.zeros(n, bool)
    honeypot[0] = True
    burst = np.zeros(n, bool)
    burst[1] = True
    staff = np.zeros(n, bool)
    staff[2] = True
    duration = np.full(n, 300.0)
    duration[3] = 50.0
    inp = dataclasses.replace(inp, submission_flags={"HONEYPOT": honeypot, "BURST": burst},
                              rating_flags={"STAFF_OF_UNIT": staff}, duration=duration, margins=[])
    res = evaluate_wave(inp)
    assert not res.rating_counted[0] and not res.rating_counted[2]
    assert res.rating_counted[1] and res.rating_counted[3]
    assert res.submission_flags["SPEEDING"][3]
    # a BURST set at submission time (a count from one address) is no evidence by itself
    assert not res.submission_flags["BURST"][1]
    assert np.isnan(res.submission_weights[0])
    counted = res.rating_counted & ~res.rating_flags["INSUFFICIENT_ITEMS"]
    assert sum(r.n_valid for r in res.rows) == counted.sum()
    # the excluding set is configurable: with SPEEDING excluding, submission 3 drops too
    cfg = ScoringConfig(excluding_flags=("DUPLICATE", "HONEYPOT", "INSUFFICIENT_ITEMS", "STAFF_OF_UNIT", "SPEEDING"))
    assert not evaluate_wave(inp, cfg).rating_counted[3]


def test_a_person_rating_several_units_carries_one_weight():
    inp = golden_input(with_components=False)
    # h01 also rates unit C in the same submission
    inp = dataclasses.replace(
        inp, rating_submission=np.r_[inp.rating_submission, 0], rating_unit=np.r_[inp.rating_unit, 2],
        answers=np.vstack([inp.answers, [[1, 1, 1]]]),
    )
    res = evaluate_wave(inp, GOLDEN_CONFIG)
    assert res.row("C").n_valid == 5
    assert res.submission_weights[0] == pytest.approx(1.2)


def test_unit_flags_low_neff_high_dk_quota_and_collapse():
    inp = synthetic(n=300, n_units=3, seed=4)
    answers = inp.answers.copy()
    answers[inp.rating_unit == 0, 1:] = 5  # unit 0: most answers 不了解
    d = inp.design_weight.copy()
    d[inp.rating_unit == 1] = np.where(np.arange((inp.rating_unit == 1).sum()) % 10 == 0, 40.0, 1.0)
    age = inp.strata["age"].codes.copy()
    age[age == 1] = 2  # nobody 40-59: collapsed into 60+
    inp = dataclasses.replace(
        inp, answers=answers, design_weight=d,
        strata={"sex": inp.strata["sex"], "age": Stratum(age, inp.strata["age"].categories)},
        quotas=[QuotaTarget({"sex": "f"}, 1000, unit=2), QuotaTarget({"sex": "m"}, 10, unit=2),
                QuotaTarget({"age": "60+"}, 10)],
    )
    res = evaluate_wave(inp, ScoringConfig(trim_low=0.01, trim_high=100))
    assert "HIGH_DK" in res.row("U0").flags
    assert res.row("U0").dk_rate > 0.5
    assert "LOW_NEFF" in res.row("U1").flags
    assert "QUOTA_SHORTFALL" in res.row("U2").flags and "QUOTA_SHORTFALL" not in res.row("U1").flags
    assert [q.shortfall for q in res.weighting.quotas] == [True, False, False]
    assert res.weighting.adjustments == ("CELL_COLLAPSED age: 40-59 -> 60+",)
    assert res.weighting.flags == ("CELL_COLLAPSED",)
    # only units rated (and counted) by respondents the collapse concerns; U0 has no counted rating
    assert ["CELL_COLLAPSED" in r.flags for r in res.rows] == [False, True, True]


def test_district_scope_and_raking_off_give_weights_that_sum_to_n():
    inp = synthetic(n=400, n_units=4, seed=8)
    district = inp.rating_unit % 2
    inp = dataclasses.replace(inp, strata={**inp.strata, "district": Stratum(district, ("东城", "西城"))})
    res = evaluate_wave(inp, ScoringConfig(raking_scope="district"))
    w = res.submission_weights
    weighted = ~np.isnan(w)
    assert_allclose([w[weighted & (district == k)].sum() for k in (0, 1)], np.bincount(district[weighted]))
    off = evaluate_wave(inp, ScoringConfig(raking=False))
    assert not off.weighting.raked
    w_off = off.submission_weights[weighted]
    assert_allclose(w_off / inp.design_weight[weighted], weighted.sum() / inp.design_weight[weighted].sum())


def test_scale_presets_rescore_the_substantive_options():
    inp = golden_input(with_components=False)
    base = evaluate_wave(inp, GOLDEN_CONFIG)
    same = evaluate_wave(inp, dataclasses.replace(GOLDEN_CONFIG, scale="5level"))
    assert base.rows == same.rows
    other = evaluate_wave(inp, dataclasses.replace(GOLDEN_CONFIG, option_points=(100, 80, 60, 30, 0)))
    assert other.row("B").si < base.row("B").si  # B2 answered 2 (不太满意): 40 -> 30
    with pytest.raises(ValueError, match="items: item 'q1' has 5 substantive options but the scale has 3"):
        evaluate_wave(inp, dataclasses.replace(GOLDEN_CONFIG, scale="3level_55"))


def test_bad_input_lists_every_problem():
    inp = golden_input()
    bad = dataclasses.replace(inp, design_weight=-inp.design_weight, rating_unit=inp.rating_unit + 5)
    with pytest.raises(ValueError, match="design_weight: .*rating_unit: "):
        evaluate_wave(bad)


def test_unit_without_ratings_has_no_rank_but_the_rest_are_placed():
    inp = golden_input(with_components=False)
    inp = dataclasses.replace(inp, unit_codes=["A", "B", "C", "D"], unit_names=["a", "b", "c", "d"],
                              peer_groups=["县区"] * 4)
    res = evaluate_wave(inp, GOLDEN_CONFIG)
    d = res.row("D")
    assert d.n_valid == 0 and np.isnan(d.si) and d.social_rank is None and d.social_tier is None
    assert "LOW_N" in d.flags
    assert res.row("A").social_points == pytest.approx(18.8567, abs=5e-5)


def test_respondent_flag_functions():
    assert speeding_flags(np.array([300.0, 90.0, 330.0, 20.0]), np.array([0, 0, 0, 1])).tolist() == \
        [False, True, False, False]
    a = np.array([[2, 2, 2, -1], [2, 2, 5, 2], [2, 2, -1, 5]])
    fast = np.array([True, True, True])
    assert straightline_flags(a, a == 5, 3, fast).tolist() == [True, True, False]
    assert straightline_flags(a, a == 5, 3, ~fast).tolist() == [False, False, False]
    # funnel limits: 0.9 of 300 is far outside; the same share from 8 ratings is within the limits
    rates = np.array([0.3, 0.31, 0.29, 0.32, 0.9, 0.9])
    n_eff = np.array([300.0, 300.0, 300.0, 300.0, 300.0, 8.0])
    groups = np.array([0, 0, 0, 0, 0, 0])
    assert topbox_funnel(rates[:5], n_eff[:5], groups[:5]).tolist() == [False] * 4 + [True]
    assert topbox_funnel(np.r_[rates[:4], 0.6], np.r_[n_eff[:4], 8.0], groups[:5]).tolist() == [False] * 5


def test_overall_distribution_sums_to_one():
    res = evaluate_wave(synthetic())
    assert_allclose(res.overall_distribution.sum(axis=1), 1.0)


def test_burst_flags_match_a_brute_force_count():
    from analysis import flags

    rng = np.random.default_rng(9)
    n = 400
    src = rng.integers(-1, 4, n)
    t = np.sort(rng.uniform(0, 3000, n))
    got = flags.burst_flags(src, t, max_count=5, window_s=100)
    want = np.zeros(n, bool)
    for i in range(n):  # every window ending at i with more than 5 from one source
        if src[i] < 0:
            continue
        members = np.flatnonzero((src == src[i]) & (t > t[i] - 100) & (t <= t[i]))
        if members.size > 5:
            want[members] = True
    assert got.tolist() == want.tolist()


def test_burst_needs_an_answer_pattern_not_only_one_address():
    """25 submissions from one address in 250 s: honest answers are no BURST (a carrier's shared
    address); the same burst answering 非常满意 to everything is BURST and PADDING_SUSPECT."""
    inp = synthetic(n=200, n_units=2, seed=6)
    source = np.arange(200) + 100
    source[:25] = 7
    timed = dataclasses.replace(inp, source=source, submitted_at=np.arange(200) * 10.0)
    honest = evaluate_wave(timed)
    assert not honest.submission_flags["BURST"].any()
    assert not honest.rating_flags["PADDING_SUSPECT"].any()
    answers = np.asarray(inp.answers).copy()
    padded_rows = np.isin(np.asarray(inp.rating_submission), np.arange(25))
    answers[padded_rows] = 0  # every item 非常满意
    padded = evaluate_wave(dataclasses.replace(timed, answers=answers))
    assert padded.submission_flags["BURST"][:25].all() and not padded.submission_flags["BURST"][25:].any()
    assert padded.rating_flags["PADDING_SUSPECT"][padded_rows].all()
    assert not padded.rating_flags["PADDING_SUSPECT"][~padded_rows].any()
    # reported, not excluded, by default: the office decides
    assert padded.rating_counted[padded_rows].sum() == honest.rating_counted[padded_rows].sum()


def test_an_empty_wave_gives_rows_without_numbers():
    inp = synthetic(n=10, n_units=2)
    empty = dataclasses.replace(inp, rating_submission=np.zeros(0, int), rating_unit=np.zeros(0, int),
                                answers=np.zeros((0, 4), int))
    res = evaluate_wave(empty)
    assert [r.n_valid for r in res.rows] == [0, 0]
    assert all(np.isnan(r.si) and r.social_rank is None and "LOW_N" in r.flags for r in res.rows)
    assert res.weighting.n == 0 and not res.weighting.raked


def test_unit_weight_extremes():
    res = evaluate_wave(golden_input(with_components=False), GOLDEN_CONFIG)
    assert (res.row("A").weight_min, res.row("A").weight_max) == pytest.approx((0.5, 1.5))
    assert (res.row("B").weight_min, res.row("B").weight_max) == pytest.approx((0.7, 1.3))


def test_unknown_codes_block_raking_only_for_margin_variables():
    from analysis import RakingError

    inp = synthetic(n=200, n_units=2, seed=12)
    edu = np.random.default_rng(0).integers(-1, 3, 200)  # optional question, some unanswered
    with_edu = dataclasses.replace(inp, strata={**inp.strata, "edu": Stratum(edu, ("low", "mid", "high"))})
    res = evaluate_wave(with_edu)
    assert res.weighting.raked and res.weighting.max_rel_error <= 1e-8
    with pytest.raises(ValueError, match="quotas: variable 'edu'"):
        evaluate_wave(dataclasses.replace(with_edu, quotas=[QuotaTarget({"edu": "low"}, 10)]))
    sex = inp.strata["sex"].codes.copy()
    sex[:3] = -1
    bad = dataclasses.replace(inp, strata={**inp.strata, "sex": Stratum(sex, ("m", "f"))})
    with pytest.raises(RakingError, match="sex: .* weighted respondents have no category"):
        evaluate_wave(bad)


def test_float_answers_are_refused_by_name():
    inp = golden_input()
    with pytest.raises(ValueError, match="answers: option indexes must be integers"):
        evaluate_wave(dataclasses.replace(inp, answers=inp.answers.astype(float)))
