"""XLSForm export: :class:`Definition` → .xlsx bytes that :func:`import_xlsform` reads back.

Top-level groups are the sections (``minyi_section_kind``); Minyi fields go to ``minyi_*``
columns. Every text is written as a text cell (never a formula), numbers that a spreadsheet
cannot hold exactly are written as text, and the document timestamps are fixed so that the same
definition always gives the same bytes.
"""

from __future__ import annotations

import datetime
from typing import Any

from .definition import Definition, Group, Item, Question, Section

FIXED_TIME = datetime.datetime(2000, 1, 1)
SURVEY_TAIL = ["required", "relevant", "constraint"]
MINYI_COLUMNS = ["minyi_section_kind", "minyi_weight", "minyi_dimension", "minyi_overall",
                 "minyi_stratum", "minyi_min", "minyi_max", "minyi_max_length", "minyi_screen_out"]


def _number_cell(value: int | float | None) -> int | float | str | None:
    """A number, or its exact text when openpyxl's ``%.16g`` would change it."""
    if value is None or isinstance(value, int) and abs(value) < 10**15:
        return value
    if isinstance(value, float) and float("%.16g" % value) == value:  # noqa: UP031 - as openpyxl
        return value
    return repr(value)


def _yes(flag: bool) -> str | None:
    return "yes" if flag else None


class _Writer:
    def __init__(self, definition: Definition) -> None:
        self.d = definition
        langs = definition.languages
        self.survey_headers = ["type", "name", *(f"label::{lang}" for lang in langs),
                               *(f"hint::{lang}" for lang in langs), *SURVEY_TAIL,
                               *(f"constraint_message::{lang}" for lang in langs), *MINYI_COLUMNS]
        self.rows: list[dict[str, Any]] = []

    def texts(self, base: str, texts: Any) -> dict[str, Any]:
        return {f"{base}::{lang}": text for lang, text in texts.items()}

    def section(self, section: Section) -> None:
        self.rows.append({"type": "begin_group", "name": section.name,
                          **self.texts("label", section.title), "relevant": section.relevant,
                          "minyi_section_kind": section.kind})
        self.items(section.items)
        self.rows.append({"type": "end_group"})

    def items(self, items: tuple[Item, ...]) -> None:
        for item in items:
            if isinstance(item, Group):
                self.rows.append({"type": "begin_group", "name": item.name,
                                  **self.texts("label", item.label), "relevant": item.relevant})
                self.items(item.items)
                self.rows.append({"type": "end_group"})
            else:
                self.rows.append(self.question(item))

    def question(self, q: Question) -> dict[str, Any]:
        qtype = q.type
        if q.list_name:
            qtype = f"{q.type} {q.list_name}"
        elif q.unit_kind:
            qtype = f"{q.type} {q.unit_kind}"
        return {
            "type": qtype, "name": q.name, **self.texts("label", q.label),
            **self.texts("hint", q.hint), "required": _yes(q.required), "relevant": q.relevant,
            "constraint": q.constraint, **self.texts("constraint_message", q.constraint_message),
            "minyi_weight": _number_cell(q.weight) if q.scored else None,
            "minyi_dimension": q.dimension, "minyi_overall": _yes(q.overall),
            "minyi_stratum": _yes(q.stratum), "minyi_min": _number_cell(q.min),
            "minyi_max": _number_cell(q.max), "minyi_max_length": q.max_length,
            "minyi_screen_out": q.screen_out,
        }


def _write(sheet: Any, headers: list[str], rows: list[dict[str, Any]]) -> None:
    sheet.append(headers)
    for number, row in enumerate(rows, start=2):
        for column, header in enumerate(headers, start=1):
            value = row.get(header)
            if value is None:
                continue
            cell = sheet.cell(row=number, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text that starts with "=" stays text, never a formula


def export_xlsform(definition: Definition) -> bytes:
    """The definition as an XLSForm workbook (.xlsx bytes)."""
    from openpyxl import Workbook

    from survey.xlsx_bytes import first_sheet, workbook_bytes


    writer = _Writer(definition)
    for section in definition.sections:
        writer.section(section)
    langs = definition.languages
    workbook = Workbook()
    survey = first_sheet(workbook)
    survey.title = "survey"
    _write(survey, writer.survey_headers, writer.rows)
    choice_rows = [
        {"list_name": list_name, "name": choice.name, **writer.texts("label", choice.label),
         "minyi_score": _number_cell(choice.score), "minyi_missing": _yes(choice.missing)}
        for list_name, choices in definition.choice_lists.items() for choice in choices
    ]
    _write(workbook.create_sheet("choices"),
           ["list_name", "name", *(f"label::{lang}" for lang in langs), "minyi_score",
            "minyi_missing"], choice_rows)
    settings = {"form_id": definition.form_id, **writer.texts("title", definition.title),
                **writer.texts("introduction", definition.introduction),
                "default_language": definition.default_language,
                "version": definition.version_label or None, "minyi_languages": " ".join(langs)}
    _write(workbook.create_sheet("settings"),
           ["form_id", *(f"title::{lang}" for lang in langs),
            *(f"introduction::{lang}" for lang in langs), "default_language", "version",
            "minyi_languages"], [settings])
    return workbook_bytes(workbook, FIXED_TIME)
