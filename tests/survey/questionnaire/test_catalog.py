"""The questionnaire's Chinese catalog covers every message, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
CATALOG = ROOT / "translations" / "questionnaire" / "zh" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_message_is_translated_with_its_placeholders() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    assert not catalog.fuzzy
    extracted = {message for _f, _l, message, _c, _ctx in extract_from_dir(
        str(ROOT / "survey" / "questionnaire"), keywords={"_": None, "N_": None})}
    assert extracted, "no messages found"
    for msgid in extracted:
        entry = catalog.get(msgid)
        assert entry is not None and entry.string, f"untranslated: {msgid!r}"
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(entry.string)), msgid
