"""Mask personal identifiers in free-text comments before anyone sees or exports them.

What is masked (``kind`` → visible token that replaces the whole match):

=============  ==================  ==========================================================
kind           token               matches
=============  ==================  ==========================================================
``email``      ［邮箱已隐去］      ``name@example.com``
``id_card``    ［身份证号已隐去］  18-digit resident ID (birth date 18xx–20xx checked, last
                                   character a digit or X/x, optional spaces after the area
                                   and date parts); 15-digit first-generation ID
``bank_card``  ［银行卡号已隐去］  16–19 digits that pass the Luhn check, or written in groups
                                   of four separated by spaces or hyphens
``phone``      ［电话已隐去］      mobile ``1[3-9]x xxxx xxxx`` with optional ``+86`` / ``0086``
                                   and space or hyphen separators; landline with area code
                                   (``028-12345678``, ``(028)12345678``, ``02812345678``); a
                                   7–8 digit local number right after 电话/座机/号码/手机/tel
``plate``      ［车牌已隐去］      licence plates: province character, letter, then 5 characters
                                   (6 for new-energy plates) or 4 and 挂/学/警/港/澳, with at least
                                   one digit (``川A12345``, ``川AD12345``, ``川A·1234学``)
=============  ==================  ==========================================================

The patterns run in that order on a copy of the text in which full-width digits, letters and
``+-()@.`` are made half-width (so ``１３８…`` is caught too), and each masked span is replaced in
the original text; what is not masked is returned exactly as written. A number is only masked
when it is not glued to further digits or Latin letters, so dates (``2026-12-04``, ``2026年12月4日``),
amounts (``12000元``), house numbers (``3栋2单元501``) and hotlines (``12345``) stay.

The order matters: an e-mail such as ``13812345678@qq.com`` goes as one e-mail, an 18-digit ID
is masked before the bank-card and phone patterns could take a part of it, an 18-digit number
with a valid birth date counts as an ID card even when it also passes the Luhn check. Tokens
contain no digits or Latin letters, so redacting twice masks nothing more
(:data:`MASK_RE` finds them; the segmenter drops them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

KINDS = ("phone", "id_card", "email", "plate", "bank_card")

#: The visible token that replaces each kind of identifier.
MASKS = {
    "phone": "［电话已隐去］",
    "id_card": "［身份证号已隐去］",
    "email": "［邮箱已隐去］",
    "plate": "［车牌已隐去］",
    "bank_card": "［银行卡号已隐去］",
}

#: Finds the tokens :func:`redact` writes.
MASK_RE = re.compile("［(?:电话|身份证号|邮箱|车牌|银行卡号)已隐去］")

_HALF_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
        **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
        "＋": "+", "－": "-", "（": "(", "）": ")", "＠": "@", "．": ".", "\u3000": " ",
    }
)

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
_NOT_DIGIT_BEFORE = r"(?<![0-9])"
_NOT_DIGIT_AFTER = r"(?![0-9])"
_DATE = r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTER = "A-HJ-NP-Za-hj-np-z"  # plates use no I or O

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_ID_18 = re.compile(
    _NOT_ALNUM_BEFORE + r"[1-9][0-9]{5} ?" + _DATE + r" ?[0-9]{3}[0-9Xx]" + _NOT_ALNUM_AFTER
)
_ID_15 = re.compile(
    _NOT_ALNUM_BEFORE
    + r"[1-9][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}"
    + _NOT_ALNUM_AFTER
)
_CARD_GROUPED = re.compile(
    _NOT_ALNUM_BEFORE + r"[1-9][0-9]{3}(?:[ -][0-9]{4}){3}(?:[ -][0-9]{1,3})?" + _NOT_ALNUM_AFTER
)
_CARD_PLAIN = re.compile(_NOT_ALNUM_BEFORE + r"[1-9][0-9]{15,18}" + _NOT_ALNUM_AFTER)
_MOBILE = re.compile(
    _NOT_DIGIT_BEFORE + r"(?:(?:\+|00)86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}" + _NOT_DIGIT_AFTER
)
_LANDLINE = re.compile(
    _NOT_DIGIT_BEFORE
    + r"(?:(?:\(0[1-9][0-9]{1,2}\) ?|0[1-9][0-9]{1,2}[ -])[0-9]{7,8}|0[1-9][0-9]{1,2}[2-9][0-9]{6,7})"
    + _NOT_DIGIT_AFTER
)
_LOCAL_AFTER_WORD = re.compile(
    r"(?P<lead>(?:电话|座机|号码|手机|[Tt][Ee][Ll])[^0-9\n]{0,3}?)(?P<num>[2-9][0-9]{6,7})"
    + _NOT_DIGIT_AFTER
)
_PLATE = re.compile(
    f"[{_PROVINCES}][{_PLATE_LETTER}][·・• ]?"
    f"(?:[{_PLATE_LETTER}0-9]{{5,6}}|[{_PLATE_LETTER}0-9]{{4}}[挂学警港澳])"
    + _NOT_ALNUM_AFTER
)


@dataclass(frozen=True)
class Redacted:
    """A comment with its identifiers masked; ``counts`` has every kind of :data:`KINDS`."""

    text: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """How many identifiers were masked, all kinds together."""
        return sum(self.counts.values())


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by bank card numbers.

    >>> luhn_valid("6222021234567890128"), luhn_valid("6222021234567890127")
    (True, False)
    """
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _whole(m: re.Match[str]) -> tuple[int, int] | None:
    return m.span()


def _luhn_span(m: re.Match[str]) -> tuple[int, int] | None:
    return m.span() if luhn_valid(m.group()) else None


def _number_span(m: re.Match[str]) -> tuple[int, int] | None:
    return m.span("num")


def _plate_span(m: re.Match[str]) -> tuple[int, int] | None:
    return m.span() if any(ch.isdigit() for ch in m.group()) else None


#: (kind, pattern, which part of a match to mask or None to keep it), in the order they run.
_RULES: tuple[tuple[str, re.Pattern[str], Callable[[re.Match[str]], tuple[int, int] | None]], ...] = (
    ("email", _EMAIL, _whole),
    ("id_card", _ID_18, _whole),
    ("id_card", _ID_15, _whole),
    ("bank_card", _CARD_GROUPED, _whole),
    ("bank_card", _CARD_PLAIN, _luhn_span),
    ("phone", _MOBILE, _whole),
    ("phone", _LANDLINE, _whole),
    ("phone", _LOCAL_AFTER_WORD, _number_span),
    ("plate", _PLATE, _plate_span),
)


def redact(text: str) -> Redacted:
    """Mask phone numbers, ID card numbers, e-mails, licence plates and bank card numbers.

    Parameters
    ----------
    text : str
        A comment as the respondent wrote it.

    Returns
    -------
    Redacted
        The text with each identifier replaced by its token of :data:`MASKS`, and how many of
        each kind were masked.

    Examples
    --------
    >>> r = redact("车牌川A12345，电话13812345678，2026年12月4日交了12000元")
    >>> r.text
    '车牌［车牌已隐去］，电话［电话已隐去］，2026年12月4日交了12000元'
    >>> r.counts
    {'phone': 1, 'id_card': 0, 'email': 0, 'plate': 1, 'bank_card': 0}
    """
    counts = dict.fromkeys(KINDS, 0)
    if not text:
        return Redacted(text, counts)
    shadow = text.translate(_HALF_WIDTH)  # same length: one character for one character
    for kind, pattern, span_of in _RULES:
        spans = [s for s in map(span_of, pattern.finditer(shadow)) if s is not None]
        if not spans:
            continue
        counts[kind] += len(spans)
        text = _splice(text, spans, MASKS[kind])
        shadow = _splice(shadow, spans, MASKS[kind])
    return Redacted(text, counts)


def _splice(text: str, spans: list[tuple[int, int]], token: str) -> str:
    parts: list[str] = []
    end = 0
    for start, stop in spans:
        parts.append(text[end:start])
        parts.append(token)
        end = stop
    parts.append(text[end:])
    return "".join(parts)
