"""Invitation codes short enough to type from a letter: 16 Crockford base-32 characters in
groups of four, entered in any case, with or without dashes; older 28-character codes still work;
the printed slip names the district in words and never breaks a code inside a group."""

from __future__ import annotations

import re

import pytest

from survey.hashing import keyed_hash
from survey.invitations import (
    ALPHABET,
    IssuedCode,
    code_hash,
    generate_code,
    group_code,
    normalize_code,
)
from survey.models import Wave
from tests.conftest import TEST_SECRET, csrf_from

GROUPS = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}")


def test_a_code_is_four_groups_of_four_unambiguous_characters() -> None:
    codes = {generate_code() for _i in range(2000)}
    assert len(codes) == 2000
    assert all(GROUPS.fullmatch(code) for code in codes)
    assert set(ALPHABET) == set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert not set("ILOU") & set("".join(codes))


@pytest.mark.parametrize("typed", [
    "7kqx-2mbd-9f3t-h4wz", "7KQX 2MBD 9F3T H4WZ", " 7KQX2MBD9F3TH4WZ ", "7kqx–2mbd—9f3t h4wz",
    "７ＫＱＸ－２ＭＢＤ－９Ｆ３Ｔ－Ｈ４ＷＺ",  # full-width, as a Chinese input method types it
])
def test_a_code_is_found_however_it_is_typed(typed: str) -> None:
    assert code_hash(TEST_SECRET, typed) == code_hash(TEST_SECRET, "7KQX-2MBD-9F3T-H4WZ")


def test_letters_that_look_like_digits_are_read_as_digits() -> None:
    assert normalize_code("1O0L-IiLo-0000-1111") == "1001111000001111"
    assert code_hash(TEST_SECRET, "ABO1-L2I3-0000-ZZZZ") == code_hash(TEST_SECRET, "AB01-1213-0000-ZZZZ")


def test_codes_issued_before_keep_their_hash() -> None:
    legacy = "KQXO-2MBD-ILAB-CDEF-GHIJ-KLMN-OPQR"  # RFC 4648 base 32: has I, L and O
    old_hash = keyed_hash(TEST_SECRET, "invitation", legacy.replace("-", ""))  # as stored then
    assert code_hash(TEST_SECRET, legacy) == old_hash
    assert code_hash(TEST_SECRET, legacy.lower().replace("-", " ")) == old_hash


def test_the_slip_names_the_district_in_the_reader_language() -> None:
    item = IssuedCode("7KQX-2MBD-9F3T-H4WZ", "D01", "D01", ("城东区", "Chengdong District"))
    assert item.district_label("zh") == "城东区" and item.district_label("en") == "Chengdong District"
    assert IssuedCode("X", None, "D09").district_label("zh") == "D09"
    assert group_code("7KQX2MBD9F3TH4WZ") == "7KQX-2MBD-9F3T-H4WZ"


def test_printed_slip_has_the_district_name_and_whole_groups(client, auth, db, city) -> None:
    wave = db.get(Wave, city.waves["invite"])
    auth.login_as("admin")
    page = f"/admin/waves/{wave.id}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    response = client.post(f"{page}/codes", data={"csrf_token": token, "count": "2",
                                                  "stratum": "D01", "output": "sheet"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('<p class="muted">东城区</p>') == 2 and ">D01<" not in html
    codes = re.findall(r'<p class="code">(.*?)</p>', html)
    assert len(codes) == 2
    for markup in codes:
        # four unbreakable groups, a line may break only after a dash
        assert re.fullmatch(r'(<span class="group">[0-9A-Z]{4}</span>-<wbr>){3}'
                            r'<span class="group">[0-9A-Z]{4}</span>', markup)
