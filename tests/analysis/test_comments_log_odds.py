"""Weighted log-odds with an informative Dirichlet prior: hand values and a corpus with a known answer."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis.comments.explore import Comment, analyse
from analysis.comments.log_odds import log_odds_arrays, log_odds_dirichlet
from analysis.comments.segment import shared_segmenter
from analysis.comments.themes import benjamini_hochberg


def test_two_word_toy_against_a_hand_computation():
    # a: 排队 6, 态度 4 (n_a = 10); b: 排队 1, 态度 9 (n_b = 10); prior shares 0.4 / 0.6, α0 = 5
    # → α = (2, 3). Monroe et al. eq. 16 and 18, by hand:
    #   排队: log(8 / (10 + 5 − 8)) − log(3 / (10 + 5 − 3)) = log(8/7) − log(3/12) = 1.519826
    #         σ² = 1/8 + 1/3 = 0.458333, z = 1.519826 / 0.677003 = 2.244931
    #   态度: log(7 / 8) − log(12 / 3) = −1.519826, σ² = 1/7 + 1/12 = 0.226190, z = −3.195631
    out = log_odds_dirichlet({"排队": 6, "态度": 4}, {"排队": 1, "态度": 9}, {"排队": 40, "态度": 60}, 5.0)
    assert_allclose(out["排队"], (1.519826, 2.244931), rtol=1e-5)
    assert_allclose(out["态度"], (-1.519826, -3.195631), rtol=1e-5)


def test_unscaled_prior_uses_the_background_counts_themselves():
    a = log_odds_dirichlet({"x": 3, "y": 1}, {"x": 1, "y": 3}, {"x": 2, "y": 2})
    b = log_odds_dirichlet({"x": 3, "y": 1}, {"x": 1, "y": 3}, {"x": 50, "y": 50}, 4.0)
    assert a == pytest.approx(b)
    # by hand, α = (2, 2): δ_x = log(5/3) − log(3/5)
    assert a["x"][0] == pytest.approx(2 * math.log(5 / 3))


def test_swapping_the_groups_flips_the_sign_and_words_outside_the_prior_are_refused():
    ab = log_odds_dirichlet({"x": 5, "y": 2}, {"x": 1, "y": 6}, {"x": 6, "y": 8}, 3.0)
    ba = log_odds_dirichlet({"x": 1, "y": 6}, {"x": 5, "y": 2}, {"x": 6, "y": 8}, 3.0)
    for w in ab:
        assert ab[w] == pytest.approx(tuple(-v for v in ba[w]))
    with pytest.raises(ValueError, match="'z' has a count but no positive prior"):
        log_odds_dirichlet({"z": 1}, {"x": 1}, {"x": 1})


def test_the_prior_shrinks_a_word_said_once():
    rare = log_odds_dirichlet({"偶然": 1, "其他": 99}, {"其他": 100}, {"偶然": 1, "其他": 199}, 20.0)
    common = log_odds_dirichlet({"排队": 30, "其他": 70}, {"排队": 5, "其他": 95}, {"排队": 35, "其他": 165}, 20.0)
    assert abs(rare["偶然"][1]) < 1.0 < 1.96 < common["排队"][1]


def test_arrays_and_mapping_agree():
    ya, yb, alpha = np.array([6.0, 4.0]), np.array([1.0, 9.0]), np.array([2.0, 3.0])
    delta, z = log_odds_arrays(ya, yb, alpha)
    out = log_odds_dirichlet({"a": 6, "b": 4}, {"a": 1, "b": 9}, {"a": 2, "b": 3})
    assert_allclose([out["a"][0], out["b"][0]], delta)
    assert_allclose([out["a"][1], out["b"][1]], z)


def _known_corpus() -> list[Comment]:
    """In 城东区, the dissatisfied talk about queues, the satisfied about friendly staff."""
    dissatisfied = ["排队时间太长，窗口太少", "排队两个小时才办完", "排队的人太多了，叫号很慢",
                    "一上午都在排队", "排队太久，工作人员态度还行"]
    satisfied = ["工作人员态度热情，办事效率高", "态度热情，讲解耐心", "工作人员很耐心，效率高",
                 "办事效率高，不用排队", "热情周到，效率高"]
    out = []
    for i in range(6):
        out += [Comment("城东区", t, dissatisfied=True) for t in dissatisfied]
        out += [Comment("城东区", t, dissatisfied=False) for t in satisfied]
        out += [Comment("城西区", "道路积水严重，路灯不亮", dissatisfied=i % 2 == 0)]
    return out


def test_queues_top_what_the_dissatisfied_say_and_friendliness_what_the_satisfied_say():
    result = analyse(_known_corpus(), segmenter=shared_segmenter())["城东区"]
    assert result.dissatisfied_terms[0].term == "排队"
    top = result.dissatisfied_terms[0]
    assert top.z > 3 and top.delta > 0
    # 排队 is in all 30 dissatisfied comments and in 6 of the 30 satisfied ones
    assert top.share == pytest.approx(1.0) and top.other_share == pytest.approx(0.2)
    assert {"热情", "效率高", "耐心"} <= {t.term for t in result.satisfied_terms}
    assert "排队" not in {t.term for t in result.satisfied_terms}
    assert all(t.z > 0 for t in result.satisfied_terms)  # oriented towards the satisfied
    # examples of a dissatisfied term are dissatisfied comments that mention it
    comments = _known_corpus()
    for i in top.examples:
        assert comments[i].dissatisfied and "排队" in comments[i].text
    assert len(top.examples) == 3 and len({comments[i].text for i in top.examples}) == 3


def test_scaling_every_weight_changes_nothing():
    base = _known_corpus()
    rng = np.random.default_rng(0)
    weights = rng.uniform(0.5, 2.0, len(base))
    seg = shared_segmenter()
    one = analyse([Comment(c.unit, c.text, w, dissatisfied=c.dissatisfied) for c, w in zip(base, weights, strict=True)],
                  segmenter=seg)["城东区"]
    ten = analyse([Comment(c.unit, c.text, 10 * w, dissatisfied=c.dissatisfied) for c, w in zip(base, weights, strict=True)],
                  segmenter=seg)["城东区"]
    assert [(t.term, round(t.z, 9)) for t in one.dissatisfied_terms] == [(t.term, round(t.z, 9)) for t in ten.dissatisfied_terms]
    assert [(k.term, round(k.score, 9), round(k.weighted_share, 9)) for k in one.keywords] == [
        (k.term, round(k.score, 9), round(k.weighted_share, 9)) for k in ten.keywords]


def test_benjamini_hochberg_step_up():
    # sorted p = 0.01, 0.02, 0.03, 0.20; thresholds q·i/m = 0.0125, 0.025, 0.0375, 0.05 → first three
    assert benjamini_hochberg(np.array([0.03, 0.20, 0.01, 0.02]), 0.05).tolist() == [True, False, True, True]
    assert benjamini_hochberg(np.array([]), 0.05).tolist() == []
