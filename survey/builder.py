"""The browser builder's data: flat form fields ↔ parts of a Minyi JSON document, and the edit
operations (add, update, move, delete) applied to a document dict.

Pure functions on plain dicts (no database). Form values are strings, as a browser sends them;
``*_to_form`` and ``*_from_form`` are exact inverses for every valid definition, so that
building a questionnaire field by field reproduces it (tests/admin/test_builder_roundtrip.py).
Items are addressed by a *path*: ``"2"`` is the third section, ``"2.0.1"`` the second item of
the first group of that section.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from typing import Any

from survey.i18n import _
from survey.questionnaire import FORMAT, PRESETS
from survey.questionnaire.question_rules import FIELDS_BY_TYPE

Form = Mapping[str, str]
Errors = list[tuple[str, str]]

TEXT_FIELDS = ("label", "hint", "constraint_message")
EXPRESSION_FIELDS = ("relevant", "constraint", "screen_out")
FLAG_FIELDS = ("required", "scored", "overall", "stratum")
NUMBER_FIELDS = ("min", "max", "max_length", "weight")
PLAIN_FIELDS = ("list", "dimension", "unit_kind")
_INT = re.compile(r"[+-]?[0-9]+")
_CHOICE_ROW = re.compile(r"choice-([0-9]+)-")
#: The weight a new question's form starts with (used only when the item is scored).
DEFAULT_WEIGHT = 1
#: Empty choice rows offered under a list so that new options can be typed without JavaScript.
SPARE_CHOICE_ROWS = 3


def document_languages(doc: Mapping[str, Any]) -> list[str]:
    """The document's languages (``zh``, ``en`` when it has none that are usable)."""
    langs = doc.get("languages")
    if isinstance(langs, list) and langs and all(isinstance(x, str) and x for x in langs):
        return list(dict.fromkeys(langs))
    return ["zh", "en"]


def empty_document(form_id: str, title: Mapping[str, str], languages: list[str] | None = None,
                   default_language: str | None = None) -> dict[str, Any]:
    """A new draft: no choice lists, no sections yet."""
    languages = languages or ["zh", "en"]
    return {"format": FORMAT, "form_id": form_id,
            "title": {k: v for k, v in title.items() if v},
            "languages": languages, "default_language": default_language or languages[0],
            "choice_lists": {}, "sections": []}


# --- values ------------------------------------------------------------------------------------


def number_text(value: Any) -> str:
    """A number as form text that reads back to the same value (``repr`` for floats)."""
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def parse_number(text: str, field: str, errors: Errors) -> int | float | None:
    text = text.strip()
    if not text:
        return None
    if _INT.fullmatch(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        errors.append((field, _("Enter a number, e.g. 0.25.")))
        return None
    return value


def _texts_to_form(prefix: str, texts: Any, languages: list[str], out: dict[str, str]) -> None:
    texts = texts if isinstance(texts, dict) else {}
    for lang in languages:
        out[f"{prefix}_{lang}"] = str(texts.get(lang, ""))


def _texts_from_form(prefix: str, form: Form, languages: list[str]) -> dict[str, str]:
    out = {}
    for lang in languages:
        text = form.get(f"{prefix}_{lang}", "").strip()
        if text:
            out[lang] = text
    return out


def _flag(form: Form, name: str) -> bool:
    return form.get(name, "") not in ("", "0", "false", "off")


# --- settings ----------------------------------------------------------------------------------


def settings_to_form(doc: Mapping[str, Any]) -> dict[str, str]:
    langs = document_languages(doc)
    out = {"languages": ", ".join(langs), "default_language": str(doc.get("default_language", "")),
           "version_label": str(doc.get("version_label", ""))}
    _texts_to_form("title", doc.get("title"), langs, out)
    _texts_to_form("introduction", doc.get("introduction"), langs, out)
    return out


def settings_from_form(doc: Mapping[str, Any], form: Form) -> dict[str, Any]:
    """A copy of ``doc`` with the settings typed in ``form`` (title texts, languages, label)."""
    new = copy.deepcopy(dict(doc))
    langs = [x.strip() for x in re.split(r"[,\s]+", form.get("languages", "")) if x.strip()]
    text_langs = list(dict.fromkeys(document_languages(doc) + langs))
    new["languages"] = langs
    new["default_language"] = form.get("default_language", "").strip()
    new["title"] = _texts_from_form("title", form, text_langs)
    introduction = _texts_from_form("introduction", form, text_langs)
    if introduction:
        new["introduction"] = introduction
    else:
        new.pop("introduction", None)
    label = form.get("version_label", "").strip()
    if label:
        new["version_label"] = label
    else:
        new.pop("version_label", None)
    return _reorder_top(new)


def _reorder_top(doc: dict[str, Any]) -> dict[str, Any]:
    order = ["format", "form_id", "version_label", "title", "introduction", "languages",
             "default_language",
             "choice_lists", "sections"]
    return {k: doc[k] for k in order if k in doc} | {k: v for k, v in doc.items() if k not in order}


# --- choice lists ------------------------------------------------------------------------------


def choice_list_to_form(name: str, choices: list[dict[str, Any]], languages: list[str],
                        spare: int = 0) -> dict[str, str]:
    out = {"list_name": name}
    for i, choice in enumerate([*choices, *([{}] * spare)]):
        out[f"choice-{i}-name"] = str(choice.get("name", ""))
        _texts_to_form(f"choice-{i}-label", choice.get("label"), languages, out)
        out[f"choice-{i}-score"] = number_text(choice.get("score"))
        out[f"choice-{i}-missing"] = "1" if choice.get("missing") else ""
    return out


def choice_rows(form: Form) -> list[int]:
    """Indexes of the choice rows present in ``form``, in order."""
    return sorted({int(m.group(1)) for key in form if (m := _CHOICE_ROW.match(key))})


def choice_list_from_form(form: Form, languages: list[str]) -> tuple[str, list[dict[str, Any]], Errors]:
    """``(list name, choices, errors)``; rows left completely blank are dropped."""
    errors: Errors = []
    choices = []
    for i in choice_rows(form):
        prefix = f"choice-{i}-"
        name = form.get(prefix + "name", "").strip()
        label = _texts_from_form(prefix + "label", form, languages)
        score = parse_number(form.get(prefix + "score", ""), prefix + "score", errors)
        missing = _flag(form, prefix + "missing")
        if not name and not label and score is None and not missing:
            continue
        choice: dict[str, Any] = {"name": name, "label": label}
        if score is not None:
            choice["score"] = score
        if missing:
            choice["missing"] = True
        choices.append(choice)
    return form.get("list_name", "").strip(), choices, errors


def set_choice_list(doc: Mapping[str, Any], old_name: str | None, name: str,
                    choices: list[dict[str, Any]]) -> dict[str, Any]:
    """Add (``old_name`` None) or replace/rename a list; questions follow a rename."""
    new = copy.deepcopy(dict(doc))
    found = new.get("choice_lists")
    lists: dict[str, Any] = found if isinstance(found, dict) else {}
    if old_name is None:
        lists = {**lists, name: choices}
    else:
        lists = {(name if key == old_name else key): (choices if key == old_name else value)
                 for key, value in lists.items()}
        if name != old_name:
            for item in _walk_items(new.get("sections", [])):
                if item.get("list") == old_name:
                    item["list"] = name
    new["choice_lists"] = lists
    return _reorder_top(new)


def delete_choice_list(doc: Mapping[str, Any], name: str) -> dict[str, Any]:
    new = copy.deepcopy(dict(doc))
    new["choice_lists"] = {k: v for k, v in new.get("choice_lists", {}).items() if k != name}
    return new


def add_preset_list(doc: Mapping[str, Any], key: str) -> tuple[dict[str, Any], str]:
    """Make sure the preset ``key`` exists as a choice list; returns ``(doc, list name)``."""
    choices = PRESETS[key].to_list()
    lists = doc.get("choice_lists", {}) if isinstance(doc.get("choice_lists"), dict) else {}
    name, n = key, 1
    while name in lists:
        if lists[name] == choices:
            return copy.deepcopy(dict(doc)), name
        n += 1
        name = f"{key}_{n}"
    return set_choice_list(doc, None, name, choices), name


def _walk_items(sections: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def walk(items: Any) -> None:
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                out.append(item)
                if item.get("type") == "group":
                    walk(item.get("items"))

    for section in sections if isinstance(sections, list) else []:
        if isinstance(section, dict):
            walk(section.get("items"))
    return out


# --- sections and groups -----------------------------------------------------------------------


def section_to_form(section: Mapping[str, Any], languages: list[str]) -> dict[str, str]:
    out = {"name": str(section.get("name", "")), "kind": str(section.get("kind", "respondent")),
           "relevant": str(section.get("relevant") or "")}
    _texts_to_form("title", section.get("title"), languages, out)
    return out


def section_from_form(form: Form, languages: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": form.get("name", "").strip(),
                           "kind": form.get("kind", "").strip(),
                           "title": _texts_from_form("title", form, languages)}
    if form.get("relevant", "").strip():
        out["relevant"] = form["relevant"].strip()
    out["items"] = []
    return out


def group_to_form(group: Mapping[str, Any], languages: list[str]) -> dict[str, str]:
    out = {"name": str(group.get("name", "")), "relevant": str(group.get("relevant") or "")}
    _texts_to_form("label", group.get("label"), languages, out)
    return out


def group_from_form(form: Form, languages: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "group", "name": form.get("name", "").strip(),
                           "label": _texts_from_form("label", form, languages)}
    if form.get("relevant", "").strip():
        out["relevant"] = form["relevant"].strip()
    out["items"] = []
    return out


# --- questions ---------------------------------------------------------------------------------


def question_to_form(question: Mapping[str, Any], languages: list[str]) -> dict[str, str]:
    out = {"name": str(question.get("name", "")), "type": str(question.get("type", ""))}
    for field in TEXT_FIELDS:
        _texts_to_form(field, question.get(field), languages, out)
    for field in EXPRESSION_FIELDS + PLAIN_FIELDS:
        out[field] = str(question.get(field) or "")
    for field in FLAG_FIELDS:
        out[field] = "1" if question.get(field) else ""
    for field in NUMBER_FIELDS:
        out[field] = number_text(question.get(field))
    return out


def question_from_form(form: Form, languages: list[str]) -> tuple[dict[str, Any], Errors]:
    """The question typed in ``form`` (only the fields its type uses) and number errors."""
    errors: Errors = []
    qtype = form.get("type", "").strip()
    allowed = FIELDS_BY_TYPE.get(qtype, frozenset({"name", "type", "label"}))
    out: dict[str, Any] = {"name": form.get("name", "").strip(), "type": qtype}
    for field in TEXT_FIELDS:
        texts = _texts_from_form(field, form, languages)
        if field in allowed and (texts or field == "label"):
            out[field] = texts
    for field in EXPRESSION_FIELDS + PLAIN_FIELDS:
        value = form.get(field, "").strip()
        if field in allowed and value:
            out[field] = value
    for field in FLAG_FIELDS:
        if field in allowed and _flag(form, field):
            out[field] = True
    for field in NUMBER_FIELDS:
        number = parse_number(form.get(field, ""), field, errors)
        if field == "weight" and number == DEFAULT_WEIGHT and not out.get("scored"):
            continue  # the form's default weight means nothing for an item that is not scored
        if field in allowed and number is not None:
            out[field] = number
    return out, errors


# --- paths and item operations -----------------------------------------------------------------


def parse_path(path: str) -> tuple[int, ...]:
    """``"1.0.2"`` → ``(1, 0, 2)``; ``ValueError`` for anything else."""
    if not re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,4}){0,9}", path):
        raise ValueError(path)
    return tuple(int(p) for p in path.split("."))


def path_text(path: tuple[int, ...]) -> str:
    return ".".join(str(p) for p in path)


def _container_items(doc: dict[str, Any], path: tuple[int, ...]) -> list[Any]:
    """The ``items`` list of the section or group at ``path`` (``IndexError``/``KeyError``)."""
    node: Any = doc["sections"][path[0]]
    for index in path[1:]:
        node = node["items"][index]
        if node.get("type") != "group":
            raise KeyError("not a group")
    return node.setdefault("items", [])


def get_node(doc: Mapping[str, Any], path: tuple[int, ...]) -> dict[str, Any]:
    """The section (one index) or item at ``path``; ``LookupError`` when there is none."""
    node: Any = doc["sections"][path[0]]
    for index in path[1:]:
        node = node["items"][index]
    if not isinstance(node, dict):
        raise KeyError(path)
    return node


def _siblings(doc: dict[str, Any], path: tuple[int, ...]) -> list[Any]:
    return doc["sections"] if len(path) == 1 else _container_items(doc, path[:-1])


def add_section(doc: Mapping[str, Any], section: dict[str, Any]) -> dict[str, Any]:
    new = copy.deepcopy(dict(doc))
    if not isinstance(new.get("sections"), list):
        new["sections"] = []
    new["sections"].append(section)
    return new


def add_item(doc: Mapping[str, Any], container: tuple[int, ...], item: dict[str, Any]) -> dict[str, Any]:
    """Append ``item`` to the section or group at ``container``."""
    new = copy.deepcopy(dict(doc))
    _container_items(new, container).append(item)
    return new


def replace_node(doc: Mapping[str, Any], path: tuple[int, ...], node: dict[str, Any]) -> dict[str, Any]:
    """Replace the section/item at ``path``; a section or group keeps its items."""
    new = copy.deepcopy(dict(doc))
    siblings = _siblings(new, path)
    old = siblings[path[-1]]
    if "items" in node and isinstance(old, dict) and "items" in old:
        node = {**node, "items": old["items"]}
    siblings[path[-1]] = node
    return new


def delete_node(doc: Mapping[str, Any], path: tuple[int, ...]) -> dict[str, Any]:
    new = copy.deepcopy(dict(doc))
    del _siblings(new, path)[path[-1]]
    return new


def move_node(doc: Mapping[str, Any], path: tuple[int, ...], delta: int) -> dict[str, Any]:
    """Move the section/item at ``path`` up (``-1``) or down (``+1``) among its siblings."""
    new = copy.deepcopy(dict(doc))
    siblings = _siblings(new, path)
    index, target = path[-1], path[-1] + delta
    if not 0 <= index < len(siblings):
        raise IndexError(index)
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
    return new


def move_node_to(doc: Mapping[str, Any], path: tuple[int, ...], index: int) -> dict[str, Any]:
    """Move the section/item at ``path`` to position ``index`` among its siblings (drag and drop)."""
    new = copy.deepcopy(dict(doc))
    siblings = _siblings(new, path)
    if not 0 <= path[-1] < len(siblings):
        raise IndexError(path[-1])
    node = siblings.pop(path[-1])
    siblings.insert(max(0, min(index, len(siblings))), node)
    return new


def all_names(doc: Mapping[str, Any]) -> set[str]:
    """Every section, group and question name of ``doc`` (names are unique in a questionnaire)."""
    names = {str(s.get("name")) for s in doc.get("sections") or [] if isinstance(s, dict)}
    return names | {str(item.get("name")) for item in _walk_items(doc.get("sections"))}


def _renamed(node: dict[str, Any], taken: set[str]) -> None:
    base, n = f"{node.get('name') or 'item'}_copy", 1
    name = base
    while name in taken:
        n += 1
        name = f"{base}{n}"
    node["name"] = name
    taken.add(name)
    for child in node.get("items") or [] if isinstance(node.get("items"), list) else []:
        if isinstance(child, dict):
            _renamed(child, taken)


def duplicate_node(doc: Mapping[str, Any], path: tuple[int, ...]) -> tuple[dict[str, Any], tuple[int, ...]]:
    """A copy of the section/item at ``path`` placed right after it, with new unique names
    (``age_copy``; a copied section or group renames everything inside); ``(doc, its path)``."""
    new = copy.deepcopy(dict(doc))
    siblings = _siblings(new, path)
    copied = copy.deepcopy(siblings[path[-1]])
    if not isinstance(copied, dict):
        raise KeyError(path)
    _renamed(copied, all_names(new))
    siblings.insert(path[-1] + 1, copied)
    return new, (*path[:-1], path[-1] + 1)


# --- issues → builder places -------------------------------------------------------------------

_LOCATION = re.compile(r"sections\[([0-9]+)\]((?:\.items\[[0-9]+\])*)\.?(.*)")


def issue_place(location: str) -> tuple[str, str]:
    """Where a definition issue belongs in the builder: ``(path or area, field)``.

    ``sections[1].items[0].relevant`` → ``("1.0", "relevant")``; ``title.zh`` →
    ``("settings", "title")``; ``choice_lists.sat5[2].score`` → ``("list:sat5", "score")``.
    """
    match = _LOCATION.fullmatch(location)
    if match:
        indexes = re.findall(r"[0-9]+", match.group(2))
        path = ".".join([match.group(1), *indexes])
        return path, match.group(3).split(".")[0]
    if location.startswith("choice_lists."):
        rest = location[len("choice_lists."):]
        name = re.split(r"[\[.]", rest, maxsplit=1)[0]
        tail = rest[len(name):]
        return f"list:{name}", tail.rsplit(".", 1)[-1] if "." in tail else ""
    return "settings", re.split(r"[.\[]", location, maxsplit=1)[0]
