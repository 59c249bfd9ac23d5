"""TF-IDF keywords against the city, with survey weights: hand values on a tiny corpus."""

from __future__ import annotations

import math

import pytest

from analysis.comments.explore import Comment, analyse
from analysis.comments.keywords import tfidf_keywords
from analysis.comments.segment import Segmenter, shared_segmenter

# Six comments, two units. Weighted: V = 1 + 1 + 2 + 1 + 1 + 3 = 9 in the city;
# V_排队 = 2, V_窗口 = 1 + 1 + 3 = 5, V_停车 = 2 + 1 + 3 = 6. Unit 甲: W = 4.
CORPUS = [
    Comment("甲", "排队，窗口", 1.0),
    Comment("甲", "排队", 1.0),
    Comment("甲", "停车", 2.0),
    Comment("乙", "停车", 1.0),
    Comment("乙", "窗口", 1.0),
    Comment("乙", "停车，窗口", 3.0),
]
# by hand: share × (ln(V / V_w) + 1)
HAND = {
    "排队": (2 / 4, 2 / 4 * (math.log(9 / 2) + 1)),  # 0.5, 1.252039
    "停车": (2 / 4, 2 / 4 * (math.log(9 / 6) + 1)),  # 0.5, 0.702733
    "窗口": (1 / 4, 1 / 4 * (math.log(9 / 5) + 1)),  # 0.25, 0.396947
}


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return shared_segmenter()


def test_tfidf_keywords_against_hand_values():
    kws = tfidf_keywords({"排队": 2, "停车": 2, "窗口": 1}, 4, {"排队": 2, "停车": 6, "窗口": 5}, 9)
    assert [k.term for k in kws] == ["排队", "停车", "窗口"]
    for k in kws:
        assert (k.weighted_share, k.score) == pytest.approx(HAND[k.term])
    assert [round(k.score, 6) for k in kws] == [1.252039, 0.702733, 0.396947]


def test_analyse_gives_the_same_numbers_with_weights(seg):
    unit = analyse(CORPUS, segmenter=seg, min_comments=1)["甲"]
    assert (unit.n, unit.weighted_n) == (3, 4.0)
    assert [k.term for k in unit.keywords] == ["排队", "停车", "窗口"]
    for k in unit.keywords:
        assert (k.weighted_share, k.score) == pytest.approx(HAND[k.term])
    assert [k.count for k in unit.keywords] == [2, 1, 1]


def test_weights_change_the_shares_as_computed_by_hand(seg):
    unweighted = [Comment(c.unit, c.text) for c in CORPUS]
    unit = analyse(unweighted, segmenter=seg, min_comments=1)["甲"]
    shares = {k.term: k.weighted_share for k in unit.keywords}
    # without weights 停车 is one comment of three; with weights (2 of 4) it is half
    assert shares == pytest.approx({"排队": 2 / 3, "停车": 1 / 3, "窗口": 1 / 3})
    # and its IDF changes too: V = 6, V_停车 = 3
    assert {k.term: k.score for k in unit.keywords}["停车"] == pytest.approx(1 / 3 * (math.log(6 / 3) + 1))


def test_examples_are_the_units_own_comments_most_typical_first(seg):
    unit = analyse(CORPUS, segmenter=seg, min_comments=1)["甲"]
    examples = {k.term: k.examples for k in unit.keywords}
    # 排队 alone (cosine 1.252/‖p‖) beats 排队，窗口 ((1.252 + 0.397)/√2/‖p‖ = 1.166/‖p‖)
    assert examples == {"排队": [1, 0], "停车": [2], "窗口": [0]}


def test_min_comments_and_top_cut_the_list(seg):
    unit = analyse(CORPUS, segmenter=seg, min_comments=2)["甲"]
    assert [k.term for k in unit.keywords] == ["排队"]
    assert [k.term for k in analyse(CORPUS, segmenter=seg, top=2, min_comments=1)["甲"].keywords] == ["排队", "停车"]


def test_a_city_count_below_the_units_is_refused():
    with pytest.raises(ValueError, match="city_docs"):
        tfidf_keywords({"排队": 3}, 4, {"排队": 2}, 9)
