"""analyse(): per-unit figures, rising themes against the previous period, examples, doctests."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import analysis.comments
from analysis.comments.explore import Comment, analyse
from analysis.comments.segment import Segmenter, shared_segmenter


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return shared_segmenter()


def test_counts_weighted_shares_and_strata(seg):
    comments = [
        Comment("市教育局", "入学报名很顺利", 1.0, 100.0, False, "2026Q2", "30-39"),
        Comment("市教育局", "学位不够，入学难", 3.0, 40.0, True, "2026Q2", "30-39"),
        Comment("市教育局", "课后服务收费不透明", 2.0, 0.0, True, "2026Q2", "40-49"),
        Comment("市教育局", "无", 2.0, None, None, "2026Q2", "40-49"),
        Comment("城东区", "道路积水", 1.0, 80.0, False, "2026Q2", "18-29"),
    ]
    out = analyse(comments, segmenter=seg, min_comments=1)
    assert list(out) == ["市教育局", "城东区"]  # order of first appearance
    edu = out["市教育局"]
    assert (edu.n, edu.weighted_n, edu.n_dissatisfied, edu.n_satisfied) == (4, 8.0, 2, 1)
    # weighted share dissatisfied among the 3 with a flag: (3 + 2) / (1 + 3 + 2)
    assert edu.dissatisfied_share == pytest.approx(5 / 6)
    # weighted mean score of the 3 scored: (100·1 + 40·3 + 0·2) / 6
    assert edu.mean_score == pytest.approx(220 / 6)
    assert edu.by_stratum == {"30-39": 2, "40-49": 2}
    入学 = next(k for k in edu.keywords if k.term == "入学")
    assert 入学.weighted_share == pytest.approx(4 / 8) and sorted(入学.examples) == [0, 1]
    assert out["城东区"].dissatisfied_share == 0.0 and out["城东区"].n_previous == 0


def _period(parking: int, other: int, unit: str = "城西区") -> list[Comment]:
    return ([Comment(unit, f"小区周边停车难，乱停车没人管{i % 3}号楼") for i in range(parking)]
            + [Comment(unit, t) for t in ["办事效率高", "窗口人员热情", "材料一次性告知"] for _ in range(other)])


def test_a_theme_that_rises_is_found_and_illustrated_with_current_comments(seg):
    previous = _period(parking=2, other=20)
    current = _period(parking=25, other=20)
    unit = analyse(current, previous, segmenter=seg)["城西区"]
    assert unit.n_previous == len(previous)
    rising = {t.term: t for t in unit.rising}
    assert {"停车难", "乱停车", "没人管"} <= rising.keys()
    assert rising["停车难"].share == pytest.approx(25 / 85) and rising["停车难"].other_share == pytest.approx(2 / 62)
    assert rising["停车难"].z > 1.96
    assert not {"效率高", "热情"} & rising.keys()
    for i in rising["停车难"].examples:
        assert "停车难" in current[i].text


def test_nothing_rises_when_nothing_changed_or_there_is_no_previous_period(seg):
    same = _period(parking=10, other=20)
    assert analyse(same, same, segmenter=seg)["城西区"].rising == []
    assert analyse(same, (), segmenter=seg)["城西区"].rising == []
    assert analyse(same, _period(10, 20, unit="城东区"), segmenter=seg)["城西区"].rising == []


def test_no_contrast_without_both_groups(seg):
    only_unhappy = [Comment("城东区", "排队太久", dissatisfied=True)] * 10
    unit = analyse(only_unhappy, segmenter=seg)["城东区"]
    assert unit.dissatisfied_terms == [] and unit.satisfied_terms == []
    assert [k.term for k in unit.keywords] == ["太久", "排队"]  # a tie: by code point


def test_a_bad_weight_is_named():
    with pytest.raises(ValueError, match=r"comments\[1\]\.weight: must be a positive number, got 0.0"):
        analyse([Comment("a", "排队"), Comment("a", "排队", weight=0.0)], segmenter=shared_segmenter())
    with pytest.raises(ValueError, match=r"previous\[0\]\.weight"):
        analyse([Comment("a", "排队")], [Comment("a", "排队", weight=float("nan"))], segmenter=shared_segmenter())


def test_empty_input_gives_nothing(seg):
    assert analyse([], segmenter=seg) == {}


MODULES = sorted(m.name for m in pkgutil.iter_modules(analysis.comments.__path__, "analysis.comments."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_the_package_import_loads_neither_jieba_nor_scipy():
    import subprocess
    import sys

    code = "import sys, analysis.comments; print('jieba' in sys.modules, 'scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_stored_tokens_give_the_same_result_as_cutting_again(seg):
    comments = _period(parking=12, other=10)
    stored = [Comment(c.unit, c.text, c.weight, tokens=tuple(seg.tokens(c.text))) for c in comments]
    a, b = analyse(comments, segmenter=seg)["城西区"], analyse(stored, segmenter=seg)["城西区"]
    assert [(k.term, k.score, k.examples) for k in a.keywords] == [(k.term, k.score, k.examples) for k in b.keywords]
    # tokens are used as given: the text is not cut again
    blind = [Comment(c.unit, "", c.weight, tokens=c.tokens) for c in stored]
    c = analyse(blind, segmenter=seg)["城西区"]
    assert [(k.term, k.score) for k in a.keywords] == [(k.term, k.score) for k in c.keywords]


def test_the_fingerprint_follows_the_dictionary():
    assert Segmenter().fingerprint == Segmenter().fingerprint
    assert Segmenter(["翠湖花园"]).fingerprint != Segmenter().fingerprint
    assert Segmenter(extra_stop_words=["担心"]).fingerprint != Segmenter().fingerprint
    assert len(Segmenter().fingerprint) == 64
