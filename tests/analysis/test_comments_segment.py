"""Segmentation: place and department names stay whole, stop words and numbers go."""

from __future__ import annotations

import pytest

from analysis.comments.segment import Segmenter, shared_segmenter, shipped_stop_words, shipped_words


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return shared_segmenter()


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("城东区市场监督管理局的12345热线打了3次都没人接",
         ["城东区", "市场监督管理局", "12345热线", "没人接"]),
        ("在城西区政务服务中心办理不动产登记，排队两个小时",
         ["城西区", "政务服务中心", "办理", "不动产登记", "排队", "小时"]),
        ("希望市住房和城乡建设局加快老旧小区改造，加装电梯拖了一年",
         ["市住房和城乡建设局", "加快", "老旧小区改造", "加装电梯"]),
        ("人社局办理社保卡很方便，网上办理一次就好了，非常满意",
         ["人社局", "办理", "社保卡", "方便", "网上办理"]),
        ("北岭县农贸市场食品安全让人担心，平川县的路面坑洼积水",
         ["北岭县", "农贸市场", "食品安全", "担心", "平川县", "路面", "坑洼", "积水"]),
        ("市医疗保障局医保报销太慢，异地就医手续复杂",
         ["市医疗保障局", "医保报销", "太慢", "异地就医", "手续", "复杂"]),
        ("市住房公积金管理中心公积金提取当天到账",
         ["市住房公积金管理中心", "公积金提取", "当天"]),
    ],
)
def test_sentences_with_places_and_departments(seg, sentence, expected):
    assert seg.tokens(sentence) == expected


def test_numbers_punctuation_single_characters_and_stop_words_go(seg):
    assert seg.tokens("2026年12月4日，12000元！！的了吗？我们觉得非常满意") == []
    assert seg.tokens("……  。，、") == []


def test_redaction_tokens_are_not_words(seg):
    assert seg.tokens("电话［电话已隐去］没人接，车牌［车牌已隐去］被拖走") == ["电话", "没人接", "车牌", "拖走"]


def test_latin_words_are_one_word_whatever_the_case_or_width(seg):
    assert seg.tokens("APP闪退，app登不上，ＡＰＰ太卡") == ["APP", "闪退", "APP", "登不上", "APP", "太卡"]


def test_extra_words_stay_whole_and_do_not_leak_to_other_segmenters():
    plain = Segmenter()
    custom = Segmenter(extra_words=["翠湖花园", "老马社区"], extra_stop_words=["担心"])
    sentence = "翠湖花园和老马社区的路灯坏了，居民很担心"
    assert custom.tokens(sentence) == ["翠湖花园", "老马社区", "路灯", "居民"]
    assert "翠湖花园" not in plain.tokens(sentence)
    assert "担心" in plain.tokens(sentence)
    assert {"翠湖花园", "老马社区"} <= custom.words and "翠湖花园" not in plain.words


def test_a_dictionary_word_is_never_dropped_as_a_stop_word():
    seg = Segmenter(extra_words=["满意度"], extra_stop_words=["满意度", "调查", "路灯"])
    assert "满意度" not in seg.stop_words and "调查" in seg.stop_words
    assert "路灯" not in seg.stop_words  # in the shipped dictionary
    assert seg.tokens("满意度调查说路灯不亮") == ["满意度", "路灯", "不亮"]


def test_jieba_loads_on_first_use_and_shared_segmenters_are_reused():
    seg = Segmenter(extra_words=["新词测试"])
    assert not seg.loaded
    seg.tokens("新词测试")
    assert seg.loaded
    assert shared_segmenter(["甲乙街道"]) is shared_segmenter(["甲乙街道"])
    assert shared_segmenter(["甲乙街道"]) is not shared_segmenter()


def test_same_result_cut_whole_or_phrase_by_phrase(seg):
    """The phrase cache must not change what comes out."""
    text = "城东区办事排队太久，窗口太少；城东区办事排队太久!"
    first = seg.tokens(text)
    assert seg.tokens(text) == first
    assert first == seg.tokens("城东区办事排队太久") + seg.tokens("窗口太少") + seg.tokens("城东区办事排队太久")


def test_shipped_files_are_read():
    words = dict(shipped_words())
    assert {"城东区", "北岭县", "市场监督管理局", "12345热线", "不动产登记"} <= words.keys()
    assert {"我们", "满意", "没有"} <= shipped_stop_words()
    assert not shipped_stop_words() & words.keys()
