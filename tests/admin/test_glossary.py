"""One word for one thing: no Chinese catalog, template description or upload doc uses a word the
glossary (docs/glossary.md) says to avoid."""

from __future__ import annotations

import re
from pathlib import Path

from survey.import_templates import COLUMNS

ROOT = Path(__file__).resolve().parents[2]


def _avoided() -> dict[str, str]:
    """Avoided word → the glossary's word for it."""
    out = {}
    for line in (ROOT / "docs" / "glossary.md").read_text("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("English", "---"):
            for word in filter(None, re.split(r"[、,]\s*", cells[2])):
                out[word] = cells[1]
    return out


def _msgstrs(po: Path) -> list[str]:
    text = po.read_text("utf-8")
    return ["".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
            for block in re.findall(r'^msgstr ((?:"(?:[^"\\]|\\.)*"\n?)+)', text, re.M)]


def test_the_glossary_names_the_words_to_avoid() -> None:
    avoided = _avoided()
    assert avoided["调查轮次"] == "调查批次" and avoided["同类组"] == "评价分组"
    assert len(avoided) >= 15


def test_no_catalog_uses_an_avoided_word() -> None:
    avoided = _avoided()
    found = []
    for po in sorted(ROOT.glob("translations/*/zh/LC_MESSAGES/messages.po")):
        for text in _msgstrs(po):
            found += [(po.parts[-4], word, text) for word in avoided if word in text]
    assert found == []


def test_templates_and_their_docs_use_the_glossary() -> None:
    avoided = _avoided()
    texts = [c.zh for columns in COLUMNS.values() for c in columns]
    texts.append((ROOT / "docs" / "templates.md").read_text("utf-8"))
    assert [(word, t[:60]) for t in texts for word in avoided if word in t] == []
