"""Definition issues in the administrator's words: where (``第1部分「基本情况」第2题「年龄段」``)
and which field, named as the builder's pages name them, instead of ``sections[0].items[1].max``.

The validator's locations stay the reference for files (JSON, XLSForm), whose authors see the
keys they typed; the builder shows :func:`describe_issue` instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from survey.builder import issue_place
from survey.i18n import N_, _

#: The builder's label of each field of a definition (the label of the form field that edits it).
FIELD_LABELS = {
    "name": N_("Name"), "type": N_("Type"), "label": N_("Question text"), "title": N_("Title"),
    "hint": N_("Hint"), "list": N_("Choice list (single and multiple choice)"),
    "unit_kind": N_("Unit kind (unit questions)"), "min": N_("Minimum (numbers)"),
    "max": N_("Maximum (numbers)"), "max_length": N_("Maximum length (text)"),
    "required": N_("An answer is required"), "relevant": N_("Shown when (expression)"),
    "constraint": N_("Constraint (expression on the answer .)"),
    "constraint_message": N_("Constraint message"),
    "screen_out": N_("Screen out when (expression)"),
    "scored": N_("Scored satisfaction item (unit sections)"), "weight": N_("Item weight"),
    "dimension": N_("Dimension"), "overall": N_("Overall item (top-2 satisfaction rate)"),
    "stratum": N_("Stratum variable for weighting (asked before any screen-out)"),
    "kind": N_("Kind"), "score": N_("Points"), "missing": N_("Missing"),
    "languages": N_("Languages"), "default_language": N_("Default language"),
    "version_label": N_("Version label"), "form_id": N_("Form id"), "sections": N_("Sections"),
    "choice_lists": N_("Choice lists"), "list_name": N_("List name"),
}
#: A group's ``label`` is its title on the group form.
GROUP_FIELD_LABELS = {"label": N_("Label")}
_INDEX = re.compile(r"\[([0-9]+)\]")


def field_label(field: str, group: bool = False) -> str:
    """The translated label of ``field`` on the builder's forms (the key itself if unknown)."""
    base = field.split("_", 1)[0] if field.startswith(("title_", "label_", "hint_")) else field
    labels = {**FIELD_LABELS, **GROUP_FIELD_LABELS} if group else FIELD_LABELS
    return _(labels[base]) if base in labels else field


def field_labels(group: bool = False) -> dict[str, str]:
    """Every field's translated label (for a form's error summary)."""
    labels = {**FIELD_LABELS, **GROUP_FIELD_LABELS} if group else FIELD_LABELS
    return {key: _(text) for key, text in labels.items()}


@dataclass(frozen=True)
class IssueText:
    """One issue as the builder shows it: the node it concerns (a builder path, ``settings`` or
    ``list:<name>``), the field on that node's form, and a sentence naming both."""

    place: str
    field: str
    where: str
    message: str
    #: The field's label alone (shown next to the node, whose place is then obvious).
    label: str = ""

    @property
    def text(self) -> str:
        return _("%(where)s: %(problem)s", where=self.where, problem=self.message) if self.where \
            else self.message


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _texts(value: Any, lang: str) -> str:
    if isinstance(value, Mapping):
        text = value.get(lang) or next((v for v in value.values() if isinstance(v, str) and v), "")
        return str(text)
    return ""


def node_words(doc: Mapping[str, Any], path: tuple[int, ...], lang: str) -> str:
    """``第1部分「基本情况」第2题「年龄段」`` for the node at ``path`` (titles in ``lang``)."""
    found = doc.get("sections")
    sections: list[Any] = found if isinstance(found, list) else []
    if not path or path[0] >= len(sections) or not isinstance(sections[path[0]], Mapping):
        return _("Section %(n)s", n=(path[0] + 1) if path else 1)
    node: Mapping[str, Any] = sections[path[0]]
    title = _texts(node.get("title"), lang) or str(node.get("name") or "")
    words = _("Section %(n)s “%(title)s”", n=path[0] + 1, title=_short(title))
    for index in path[1:]:
        found = node.get("items")
        items: list[Any] = found if isinstance(found, list) else []
        if index >= len(items) or not isinstance(items[index], Mapping):
            break
        node = items[index]
        name = _texts(node.get("label"), lang) or str(node.get("name") or "")
        inner = (_("group %(n)s “%(name)s”", n=index + 1, name=_short(name))
                 if node.get("type") == "group"
                 else _("question %(n)s “%(name)s”", n=index + 1, name=_short(name)))
        words = _("%(outer)s, %(inner)s", outer=words, inner=inner)
    return words


def describe_issue(doc: Mapping[str, Any], location: str, message: str, lang: str) -> IssueText:
    """Where an issue of the draft ``doc`` is, in the words of the builder's pages."""
    place, field = issue_place(location)
    if place == "settings":
        where = field_label(field) if field else ""
        return IssueText(place, field, where, message, where)
    if place.startswith("list:"):
        name = place[len("list:"):]
        where = _("Choice list “%(name)s”", name=name)
        option = _INDEX.search(location[len("choice_lists.") + len(name):])
        if option:
            where = _("%(outer)s, %(inner)s", outer=where,
                      inner=_("option %(n)s", n=int(option.group(1)) + 1))
        label = field_label(field) if field else ""
        if label:
            where = _("%(place)s — %(field)s", place=where, field=label)
        return IssueText(place, field, where, message, label)
    path = tuple(int(p) for p in place.split("."))
    where = node_words(doc, path, lang)
    if field == "items":  # the only issue reported on a node's item list: it is empty
        return IssueText(place, field, where, _("Add at least one question."))
    label = field_label(field, len(path) > 1 and _is_group(doc, path)) if field else ""
    if label:
        where = _("%(place)s — %(field)s", place=where, field=label)
    return IssueText(place, field, where, message, label)


def _is_group(doc: Mapping[str, Any], path: tuple[int, ...]) -> bool:
    try:
        node: Any = doc["sections"][path[0]]
        for index in path[1:]:
            node = node["items"][index]
    except (LookupError, TypeError):
        return False
    return isinstance(node, Mapping) and node.get("type") == "group"
