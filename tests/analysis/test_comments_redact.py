"""Redaction: every identifier pattern of issue 16 is masked, ordinary numbers are left alone."""

from __future__ import annotations

import pytest

from analysis.comments.redact import KINDS, MASK_RE, MASKS, luhn_valid, redact

# (text, what it must become, kind masked)
MASKED = [
    ("联系我13812345678", "联系我［电话已隐去］", "phone"),
    ("电话+86 138-1234-5678谢谢", "电话［电话已隐去］谢谢", "phone"),
    ("手机 138 1234 5678。", "手机 ［电话已隐去］。", "phone"),
    ("0086-15912345678", "［电话已隐去］", "phone"),
    ("单位座机028-12345678", "单位座机［电话已隐去］", "phone"),
    ("打(028)12345678问", "打［电话已隐去］问", "phone"),
    ("打（028）12345678问", "打［电话已隐去］问", "phone"),
    ("拨0755 2345678", "拨［电话已隐去］", "phone"),
    ("电话：87654321", "电话：［电话已隐去］", "phone"),
    ("全角１３８１２３４５６７８", "全角［电话已隐去］", "phone"),
    ("身份证510104199001011234", "身份证［身份证号已隐去］", "id_card"),
    ("身份证51010419900101123X，", "身份证［身份证号已隐去］，", "id_card"),
    ("证号51010419900101123x", "证号［身份证号已隐去］", "id_card"),
    ("证号510104 19900101 1234", "证号［身份证号已隐去］", "id_card"),
    ("老身份证510104900101123", "老身份证［身份证号已隐去］", "id_card"),
    ("邮箱zhang.san@example.com。", "邮箱［邮箱已隐去］。", "email"),
    ("发到13812345678@qq.com", "发到［邮箱已隐去］", "email"),
    ("车牌川A12345被贴条", "车牌［车牌已隐去］被贴条", "plate"),
    ("新能源川AD12345", "新能源［车牌已隐去］", "plate"),
    ("川A·1234学", "［车牌已隐去］", "plate"),
    ("粤B 8K2M9", "［车牌已隐去］", "plate"),
    ("卡号6222021234567890128", "卡号［银行卡号已隐去］", "bank_card"),
    ("卡号6222 0212 3456 7890", "卡号［银行卡号已隐去］", "bank_card"),
    ("卡号6222-0212-3456-7890-123", "卡号［银行卡号已隐去］", "bank_card"),
    ("卡号4111111111111111", "卡号［银行卡号已隐去］", "bank_card"),
]

UNTOUCHED = [
    "2026-12-04去办的",
    "2026年12月4日",
    "2026/12/04",
    "20261204",
    "交了12000元",
    "补贴35000",
    "罚款1200000元",
    "住88号",
    "3栋2单元501",
    "12345热线",
    "打12345没人接",
    "排了2个小时，前面还有135人",
    "云A级景区",
    "川大附近",
    "APP版本3.2.1",
    "单号6222021234567890127",  # 19 digits failing Luhn, no separators: not a card
    "订单1234567890123456789012",  # 22 digits: no pattern
    "第510104199001011234567号",  # an ID-shaped run inside a longer number
]


@pytest.mark.parametrize(("text", "expected", "kind"), MASKED)
def test_each_identifier_is_masked_and_counted(text, expected, kind):
    r = redact(text)
    assert r.text == expected
    assert r.counts == {k: int(k == kind) for k in KINDS}
    assert r.total == 1


@pytest.mark.parametrize("text", UNTOUCHED)
def test_ordinary_numbers_stay(text):
    r = redact(text)
    assert r.text == text
    assert r.total == 0


def test_a_comment_with_several_identifiers_counts_each():
    text = ("我叫张三，身份证51010419900101123X，手机13812345678，家里028-87654321，"
            "车牌川A12345，邮箱a.b@c.cn，卡号6222021234567890128。2026年12月4日交了12000元，住3栋2单元501。")
    r = redact(text)
    assert r.counts == {"phone": 2, "id_card": 1, "email": 1, "plate": 1, "bank_card": 1}
    assert r.text == (
        "我叫张三，身份证［身份证号已隐去］，手机［电话已隐去］，家里［电话已隐去］，"
        "车牌［车牌已隐去］，邮箱［邮箱已隐去］，卡号［银行卡号已隐去］。2026年12月4日交了12000元，住3栋2单元501。"
    )
    assert len(MASK_RE.findall(r.text)) == 6


def test_redacting_twice_masks_nothing_more():
    once = redact("电话13812345678，车牌川AD12345")
    twice = redact(once.text)
    assert twice.text == once.text and twice.total == 0


def test_empty_text_and_the_tokens_carry_no_digits():
    assert redact("") == redact("")
    assert redact("").counts == dict.fromkeys(KINDS, 0)
    assert all(not any(ch.isdigit() or ch.isascii() for ch in token) for token in MASKS.values())


def test_luhn_against_published_test_numbers():
    # Visa's and a UnionPay test number are Luhn-valid; changing the last digit breaks them
    assert luhn_valid("4111111111111111") and luhn_valid("6200000000000005")
    assert not luhn_valid("4111111111111112") and not luhn_valid("6200000000000006")
