"""Small document builders shared by the questionnaire tests."""

from __future__ import annotations

import copy
from typing import Any


def texts(zh: str, en: str | None = None) -> dict[str, str]:
    return {"zh": zh, **({"en": en} if en else {})}


def document(*sections: dict[str, Any], **lists: list[dict[str, Any]]) -> dict[str, Any]:
    """A minimal valid document around ``sections`` (default: one respondent text question)."""
    choice_lists = {
        "yesno": [{"name": "yes", "label": texts("是", "Yes")},
                  {"name": "no", "label": texts("否", "No")}],
        "sat": [{"name": "5", "label": texts("非常满意"), "score": 100},
                {"name": "4", "label": texts("比较满意"), "score": 80},
                {"name": "1", "label": texts("很不满意"), "score": 0},
                {"name": "9", "label": texts("不了解"), "missing": True}],
        **lists,
    }
    if not sections:
        sections = (section("about", [question("q1", "text")]),)
    return {
        "format": "minyi-questionnaire/1", "form_id": "test_form",
        "title": texts("测试", "Test"), "languages": ["zh", "en"], "default_language": "zh",
        "choice_lists": copy.deepcopy(choice_lists), "sections": list(sections),
    }


def section(name: str, items: list[dict[str, Any]], kind: str = "respondent", **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": kind, "title": texts(f"第{name}页", name), "items": items, **extra}


def question(name: str, qtype: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": qtype, "label": texts(f"问题{name}", f"Question {name}"), **extra}


def group(name: str, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "group", "name": name, "label": texts(f"组{name}"), "items": items, **extra}
