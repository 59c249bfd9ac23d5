"""XLSForm import: ``survey``, ``choices`` and ``settings`` sheets → :class:`Definition`.

The sheets are turned into a Minyi JSON document which :func:`parse_definition` validates; each
of its issues is mapped back to the sheet, row and column it came from. Every problem is
collected and raised together as :class:`XLSFormError`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from survey.i18n import _

from .definition import FORMAT, SELECT_TYPES, UNIT_TYPES, Definition
from .errors import DefinitionError, XLSFormError, XLSFormIssue
from .validation import parse_definition
from .xlsform_read import Row, Sheet, read_workbook

TRUE = frozenset({"yes", "true", "true()", "y", "1"})
FALSE = frozenset({"no", "false", "false()", "n", "0"})
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
BEGIN = ("begin_group", "begin group")
END = ("end_group", "end group")
#: Minyi field → survey column (labels and texts get ``::<language>``)
SURVEY_COLUMNS = {
    "name": "name", "type": "type", "list": "type", "unit_kind": "type", "required": "required",
    "relevant": "relevant", "constraint": "constraint", "min": "minyi_min", "max": "minyi_max",
    "max_length": "minyi_max_length", "scored": "minyi_scored", "weight": "minyi_weight",
    "dimension": "minyi_dimension", "overall": "minyi_overall", "stratum": "minyi_stratum",
    "screen_out": "minyi_screen_out", "kind": "minyi_section_kind",
}
CHOICE_COLUMNS = {"": "list_name", "name": "name", "score": "minyi_score", "missing": "minyi_missing"}
SETTINGS_COLUMNS = {"form_id": "form_id", "default_language": "default_language",
                    "version_label": "version", "languages": "minyi_languages",
                    "introduction": "introduction"}
TEXT_FIELDS = {"label": "label", "title": "label", "hint": "hint",
               "constraint_message": "constraint_message"}


def import_xlsform(source: str | Path | bytes) -> Definition:
    """Read an XLSForm workbook (path or bytes) and return the validated definition.

    Raises :class:`XLSFormError` listing every problem with its sheet, row and column.
    """
    issues: list[XLSFormIssue] = []
    sheets = read_workbook(source, issues)
    if sheets is None:
        raise XLSFormError(issues)
    importer = _Importer(sheets, issues)
    data = importer.document()
    try:
        definition = parse_definition(data)
    except DefinitionError as exc:
        issues.extend(importer.locate(issue.location, issue.message) for issue in exc.errors)
        definition = None
    if issues or definition is None:
        order = {"settings": 0, "survey": 1, "choices": 2}
        issues.sort(key=lambda i: (order.get((i.sheet or "").lower(), -1), i.row or 0))
        raise XLSFormError(issues)
    return definition


def _text(value: Any) -> Any:
    """Numbers typed into text cells become text (a choice named 1, a label 2026)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def _boolean(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    key = str(value).strip().lower()
    if isinstance(value, int | float):
        key = str(int(value)) if float(value).is_integer() else key
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    return value  # left as is: parse_definition reports "Expected true or false" on the cell


def _number(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value):
        return int(value)
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return value


class _Importer:
    def __init__(self, sheets: dict[str, Sheet], issues: list[XLSFormIssue]) -> None:
        self.sheets = sheets
        self.issues = issues
        self.origins: dict[str, tuple[str, int]] = {}
        self.default = ""
        self.languages: list[str] = []

    def sheet(self, name: str) -> Sheet:
        sheet = self.sheets.get(name)
        if sheet is None:
            self.issues.append(XLSFormIssue(name, None, None, _(
                "The workbook has no sheet named %(sheet)s.", sheet=name)))
            return Sheet(name, [])
        return sheet

    def report(self, sheet: Sheet, row: Row | None, column: str | None, message: str) -> None:
        self.issues.append(XLSFormIssue(sheet.name, row.number if row else None, column, message))

    def document(self) -> dict[str, Any]:
        settings, survey, choices = (self.sheet(n) for n in ("settings", "survey", "choices"))
        setting = settings.rows[0] if settings.rows else Row(2, {})
        self._languages(setting, [settings, survey, choices])
        data: dict[str, Any] = {"format": FORMAT, "languages": list(self.languages)}
        if self.default:
            data["default_language"] = self.default
        for key, column in (("form_id", "form_id"), ("version_label", "version")):
            if setting.get(column) is not None:
                data[key] = _text(setting.get(column))
        data["title"] = self.texts(setting, "title")
        if not data["title"] and setting.get("form_title") is not None:  # ODK's column
            data["title"] = {self.default: _text(setting.get("form_title"))}
        introduction = self.texts(setting, "introduction")
        if introduction:
            data["introduction"] = introduction
        self.origins.update({key: (settings.name, setting.number)
                             for key in ("form_id", "version_label", "title", "introduction",
                                         "languages", "default_language", "format")})
        data["choice_lists"] = self._choices(choices)
        data["sections"] = self._survey(survey)
        return data

    def _languages(self, setting: Row, sheets: list[Sheet]) -> None:
        declared = setting.get("minyi_languages")
        found: list[str] = []
        if declared is not None:
            found = [lang for lang in re.split(r"[\s,]+", str(declared)) if lang]
        else:
            for sheet in sheets:
                for header in sheet.headers:
                    base, sep, lang = header.partition("::")
                    if sep and base in {*TEXT_FIELDS.values(), "title"} and lang not in found:
                        found.append(lang)
        default = setting.get("default_language")
        # a plain ODK form (``label`` columns only, no default_language) is read as Chinese
        self.default = str(default) if default is not None else (found[0] if found else "zh")
        if self.default not in found and declared is None:
            found.insert(0, self.default)
        self.languages = found

    def texts(self, row: Row, base: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for column, value in row.values.items():
            field, sep, lang = column.partition("::")
            if field == base and value is not None:
                out[lang if sep else self.default] = _text(value)
        return out

    def _choices(self, sheet: Sheet) -> dict[str, list[dict[str, Any]]]:
        lists: dict[str, list[dict[str, Any]]] = {}
        for row in sheet.rows:
            list_name = _text(row.get("list_name"))
            if list_name is None:
                self.report(sheet, row, "list_name", _("Every choice needs a list_name."))
                continue
            choice: dict[str, Any] = {"name": _text(row.get("name")), "label": self.texts(row, "label")}
            if row.get("minyi_score") is not None:
                choice["score"] = _number(row.get("minyi_score"))
            if row.get("minyi_missing") is not None:
                choice["missing"] = _boolean(row.get("minyi_missing"))
            location = f"choice_lists.{list_name}"
            self.origins.setdefault(location, (sheet.name, row.number))
            self.origins[f"{location}[{len(lists.setdefault(list_name, []))}]"] = (
                sheet.name, row.number)
            lists[list_name].append(choice)
        return lists

    def _survey(self, sheet: Sheet) -> list[dict[str, Any]]:
        sections: list[dict[str, Any]] = []
        stack: list[tuple[dict[str, Any], Row]] = []
        for row in sheet.rows:
            raw_type = row.get("type")
            if raw_type is None:
                self.report(sheet, row, "type", _("The type is missing."))
                continue
            words = str(raw_type).split()
            base = " ".join(words).lower()
            if base in END:
                if not stack:
                    self.report(sheet, row, "type", _("end_group without a matching begin_group."))
                else:
                    stack.pop()
                continue
            if not stack and base not in BEGIN:
                self.report(sheet, row, "type", _(
                    "Put every question inside a section: a top-level begin_group row."))
                continue
            if base in BEGIN:
                container = self._container(row, sections, stack, sheet)
                stack.append((container, row))
                continue
            parent = stack[-1][0]["items"]
            self.origins[f"{stack[-1][0]['_location']}.items[{len(parent)}]"] = (sheet.name, row.number)
            parent.append(self._question(row, words))
        for _container, row in stack:
            self.report(sheet, row, "type", _("This begin_group is never closed with end_group."))
        return [self._strip(section) for section in sections]

    def _container(self, row: Row, sections: list[dict[str, Any]],
                   stack: list[tuple[dict[str, Any], Row]], sheet: Sheet) -> dict[str, Any]:
        container: dict[str, Any] = {"name": _text(row.get("name")), "items": []}
        if stack:
            parent = stack[-1][0]
            container = {"type": "group", **container, "label": self.texts(row, "label")}
            container["_location"] = f"{parent['_location']}.items[{len(parent['items'])}]"
            parent["items"].append(container)
        else:
            kind = row.get("minyi_section_kind")
            container["kind"] = str(kind).strip().lower() if kind is not None else "respondent"
            container["title"] = self.texts(row, "label")
            container["_location"] = f"sections[{len(sections)}]"
            sections.append(container)
        if row.get("relevant") is not None:
            container["relevant"] = _text(row.get("relevant"))
        self.origins[container["_location"]] = (sheet.name, row.number)
        return container

    def _strip(self, container: dict[str, Any]) -> dict[str, Any]:
        container.pop("_location", None)
        for item in container.get("items", []):
            if item.get("type") == "group":
                self._strip(item)
        return container

    def _question(self, row: Row, words: list[str]) -> dict[str, Any]:
        qtype = words[0].lower() if words else ""
        question: dict[str, Any] = {"name": _text(row.get("name")), "type": qtype,
                                    "label": self.texts(row, "label")}
        if len(words) > 1 and qtype in SELECT_TYPES:
            question["list"] = words[1]
        elif len(words) > 1 and qtype in UNIT_TYPES:
            question["unit_kind"] = words[1]
        elif len(words) != 1:
            question["type"] = " ".join(words)  # reported as an unknown type on the cell
        elif qtype in UNIT_TYPES and row.get("minyi_unit_kind") is not None:
            question["unit_kind"] = _text(row.get("minyi_unit_kind"))
        for key in ("hint", "constraint_message"):
            texts = self.texts(row, key)
            if texts:
                question[key] = texts
        for key in ("relevant", "constraint", "screen_out", "dimension"):
            value = row.get(SURVEY_COLUMNS[key])
            if value is not None:
                question[key] = _text(value)
        for key in ("min", "max", "max_length", "weight"):
            value = row.get(SURVEY_COLUMNS[key])
            if value is not None:
                question[key] = _number(value)
        for key in ("required", "overall", "stratum", "scored"):
            value = row.get(SURVEY_COLUMNS[key])
            if value is not None:
                question[key] = _boolean(value)
        if "scored" not in question and "weight" in question:
            question["scored"] = True
        return question

    def locate(self, location: str, message: str) -> XLSFormIssue:
        """Map a definition issue location to its sheet, row and column."""
        prefix = location
        while prefix and prefix not in self.origins:
            cut = max(prefix.rfind("."), prefix.rfind("["))
            prefix = prefix[:cut] if cut > 0 else ""
        sheet, row = self.origins.get(prefix, ("survey", None))
        rest = location[len(prefix):].lstrip(".")
        field, _sep, lang = rest.partition(".")
        field = field.split("[")[0]
        if field in TEXT_FIELDS:
            base = "title" if sheet.lower() == "settings" else TEXT_FIELDS[field]
            column: str | None = f"{base}::{lang or self.default}"
            existing = self.sheets.get(sheet.lower())
            if existing is not None and column not in existing.headers and base in existing.headers:
                column = base
        elif sheet.lower() == "choices":
            column = CHOICE_COLUMNS.get(field)
        elif sheet.lower() == "settings":
            column = SETTINGS_COLUMNS.get(field)
        else:
            column = SURVEY_COLUMNS.get(field)
        return XLSFormIssue(sheet, row, column, message)
