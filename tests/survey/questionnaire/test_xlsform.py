"""XLSForm import and export with workbooks built by the tests (openpyxl)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from survey.questionnaire import (
    XLSFormError,
    export_xlsform,
    import_xlsform,
    load_demo_definition,
    parse_definition,
    xlsform_read,
)
from tests.survey.questionnaire.builders import document, question, section, texts

SURVEY_HEADERS = ["type", "name", "label::zh", "label::en", "hint::zh", "required", "relevant",
                  "constraint", "constraint_message::zh", "constraint_message::en",
                  "minyi_section_kind", "minyi_weight", "minyi_dimension", "minyi_overall",
                  "minyi_stratum", "minyi_min", "minyi_max", "minyi_max_length"]
CHOICE_HEADERS = ["list_name", "name", "label::zh", "label::en", "minyi_score", "minyi_missing"]
SETTINGS = [["form_id", "title::zh", "title::en", "default_language", "version"],
            ["district_survey", "区县满意度调查", "District satisfaction survey", "zh", "2026-Q4"]]


def survey_row(**cells: Any) -> list[Any]:
    return [cells.get(header.replace("::", "_"), cells.get(header)) for header in SURVEY_HEADERS]


def workbook(survey: list[list[Any]], choices: list[list[Any]],
             settings: list[list[Any]] | None = SETTINGS) -> bytes:
    """An .xlsx with the given rows under the standard headers."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in [SURVEY_HEADERS, *survey]:
        sheet.append(row)
    choice_sheet = book.create_sheet("choices")
    for row in [CHOICE_HEADERS, *choices]:
        choice_sheet.append(row)
    if settings is not None:
        settings_sheet = book.create_sheet("settings")
        for row in settings:
            settings_sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def errors_of(data: bytes) -> list[tuple[str | None, int | None, str | None, str]]:
    with pytest.raises(XLSFormError) as info:
        import_xlsform(data)
    return [(e.sheet, e.row, e.column, e.message) for e in info.value.errors]


VALID_SURVEY = [
    survey_row(type="begin_group", name="about", label_zh="基本情况", label_en="About you",
               minyi_section_kind="respondent"),
    survey_row(type="select_one_unit district", name="district", label_zh="您住在哪个区县？",
               label_en="Which district do you live in?", required="yes", minyi_stratum="yes"),
    survey_row(type="select_one sex", name="sex", label_zh="性别", label_en="Sex", required=True,
               minyi_stratum="yes"),
    survey_row(type="integer", name="age", label_zh="年龄", label_en="Age", hint_zh="周岁",
               required="yes", constraint=". >= 18", constraint_message_zh="须年满18周岁",
               constraint_message_en="You must be 18 or older", minyi_min=0, minyi_max=120),
    survey_row(type="select_multiple services", name="used", label_zh="您用过哪些服务？",
               label_en="Which services have you used?"),
    survey_row(type="text", name="used_other", label_zh="其他服务", label_en="Other service",
               relevant="selected(${used}, 'other')", constraint="string-length(.) >= 2",
               minyi_max_length=100),
    survey_row(type="end_group"),
    survey_row(type="begin_group", name="rating", label_zh="满意度", label_en="Satisfaction",
               minyi_section_kind="unit"),
    survey_row(type="select_one sat", name="sat_overall", label_zh="总体满意度", label_en="Overall",
               required="yes", minyi_weight=0.5, minyi_dimension="总体评价", minyi_overall="yes"),
    survey_row(type="select_one sat", name="sat_service", label_zh="服务态度", label_en="Service",
               required="yes", minyi_weight=0.5, minyi_dimension="服务态度"),
    survey_row(type="begin_group", name="why", label_zh="原因", label_en="Reasons",
               relevant="${sat_overall} = '1' and ${age} < 70"),
    survey_row(type="text", name="why_text", label_zh="不满意的原因", label_en="Why?",
               minyi_max_length=200),
    survey_row(type="end_group"),
    survey_row(type="end_group"),
]
VALID_CHOICES = [
    ["sex", "m", "男", "Male"], ["sex", "f", "女", "Female"],
    ["services", "tax", "税务", "Tax"], ["services", "other", "其他", "Other"],
    ["sat", 5, "非常满意", "Very satisfied", 100], ["sat", 3, "一般", "Neutral", 60],
    ["sat", 1, "很不满意", "Very dissatisfied", 0],
    ["sat", 9, "不了解", "Don't know", None, "yes"],
]


def q(name: str, qtype: str, zh: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": qtype, "label": {"zh": zh, "en": en}, **extra}


EXPECTED = {
    "format": "minyi-questionnaire/1", "form_id": "district_survey", "version_label": "2026-Q4",
    "title": {"zh": "区县满意度调查", "en": "District satisfaction survey"},
    "languages": ["zh", "en"], "default_language": "zh",
    "choice_lists": {
        "sex": [{"name": "m", "label": {"zh": "男", "en": "Male"}},
                {"name": "f", "label": {"zh": "女", "en": "Female"}}],
        "services": [{"name": "tax", "label": {"zh": "税务", "en": "Tax"}},
                     {"name": "other", "label": {"zh": "其他", "en": "Other"}}],
        "sat": [{"name": "5", "label": {"zh": "非常满意", "en": "Very satisfied"}, "score": 100},
                {"name": "3", "label": {"zh": "一般", "en": "Neutral"}, "score": 60},
                {"name": "1", "label": {"zh": "很不满意", "en": "Very dissatisfied"}, "score": 0},
                {"name": "9", "label": {"zh": "不了解", "en": "Don't know"}, "missing": True}],
    },
    "sections": [
        {"name": "about", "kind": "respondent", "title": {"zh": "基本情况", "en": "About you"},
         "items": [
             q("district", "select_one_unit", "您住在哪个区县？", "Which district do you live in?",
               unit_kind="district", required=True, stratum=True),
             q("sex", "select_one", "性别", "Sex", list="sex", required=True, stratum=True),
             q("age", "integer", "年龄", "Age", hint={"zh": "周岁"}, required=True,
               constraint=". >= 18",
               constraint_message={"zh": "须年满18周岁", "en": "You must be 18 or older"},
               min=0, max=120),
             q("used", "select_multiple", "您用过哪些服务？", "Which services have you used?",
               list="services"),
             q("used_other", "text", "其他服务", "Other service",
               relevant="selected(${used}, 'other')", constraint="string-length(.) >= 2",
               max_length=100),
         ]},
        {"name": "rating", "kind": "unit", "title": {"zh": "满意度", "en": "Satisfaction"},
         "items": [
             q("sat_overall", "select_one", "总体满意度", "Overall", list="sat", required=True,
               scored=True, weight=0.5, dimension="总体评价", overall=True),
             q("sat_service", "select_one", "服务态度", "Service", list="sat", required=True,
               scored=True, weight=0.5, dimension="服务态度"),
             {"type": "group", "name": "why", "label": {"zh": "原因", "en": "Reasons"},
              "relevant": "${sat_overall} = '1' and ${age} < 70",
              "items": [q("why_text", "text", "不满意的原因", "Why?", max_length=200)]},
         ]},
    ],
}


def test_valid_bilingual_form_imports_to_the_expected_definition() -> None:
    definition = import_xlsform(workbook(VALID_SURVEY, VALID_CHOICES))
    assert definition.to_dict() == EXPECTED
    assert [i.name for i in definition.scored_items] == ["sat_overall", "sat_service"]
    assert definition.scored_items[0].top2 == ("5", "3")
    assert [v.name for v in definition.stratum_variables] == ["district", "sex"]
    assert definition.label(definition.question("age").constraint_message, "en") == (
        "You must be 18 or older")


def test_file_with_four_mistakes_reports_exactly_those_four() -> None:
    survey = [
        survey_row(type="begin_group", name="s1", label_zh="第一页", minyi_section_kind="respondent"),
        survey_row(type="select_one yesno", name="q1", label_zh="问题一"),
        survey_row(type="text", name="q1", label_zh="重复的名字"),
        survey_row(type="select_one colours", name="q2", label_zh="颜色"),
        survey_row(type="text", name="q3", label_zh="问题三", relevant="${ghost} = 'x'"),
        survey_row(type="end_group"),
    ]
    choices = [["yesno", "yes", "是", "Yes"], ["yesno", "no", "否", "No"],
               ["yesno", "yes", "是的", "Yes!"]]
    assert errors_of(workbook(survey, choices)) == [
        ("survey", 4, "name", "The name q1 is already used by another question, group or section."),
        ("survey", 5, "type", "Unknown choice list 'colours'."),
        ("survey", 6, "relevant", "Unknown question ${ghost}."),
        ("choices", 4, "name", "Duplicate choice yes in list yesno."),
    ]


def test_structural_errors_are_all_collected() -> None:
    survey = [
        survey_row(type="text", name="outside", label_zh="组外"),
        survey_row(type="begin_group", name="s1", label_zh="第一页"),
        survey_row(type="integer", name="n", label_zh="数", required="maybe", minyi_min="low"),
        survey_row(type="calculate", name="c", label_zh="计算"),
        survey_row(name="no_type", label_zh="无类型"),
        survey_row(type="text", name="no_label", label_en="English only"),
        survey_row(type="end_group"),
        survey_row(type="end_group"),
        survey_row(type="begin_group", name="s2", label_zh="第二页", minyi_section_kind="page"),
        survey_row(type="text", name="t", label_zh="文本"),
    ]
    found = errors_of(workbook(survey, [["", "orphan", "孤儿"]]))
    assert [(sheet, row, column) for sheet, row, column, _m in found] == [
        ("survey", 2, "type"), ("survey", 4, "required"), ("survey", 4, "minyi_min"),
        ("survey", 5, "type"), ("survey", 6, "type"), ("survey", 7, "label::zh"),
        ("survey", 9, "type"), ("survey", 10, "type"), ("survey", 10, "minyi_section_kind"),
        ("choices", 2, "list_name"),
    ]


def test_formula_cells_are_refused_never_evaluated() -> None:
    survey = [*VALID_SURVEY]
    survey[1] = survey_row(type="select_one_unit district", name="district",
                           label_zh='=HYPERLINK("http://example.com","x")', minyi_stratum="yes")
    found = errors_of(workbook(survey, VALID_CHOICES))
    assert found[0] == ("survey", 3, "label::zh", "Formulas are not allowed; type the value itself.")


def test_unreadable_and_oversized_files(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    assert errors_of(b"PK not really a zip") == [
        (None, None, None, "This is not an .xlsx workbook.")]
    assert errors_of(b"x" * (xlsform_read.MAX_FILE_BYTES + 1))[0][3].startswith("The file is too large")
    data = workbook(VALID_SURVEY, VALID_CHOICES)
    path = tmp_path / "form.xlsx"
    path.write_bytes(data)
    assert import_xlsform(path).to_dict() == EXPECTED
    assert import_xlsform(str(path)).to_dict() == EXPECTED
    assert errors_of(tmp_path / "missing.xlsx") == [(None, None, None, "The file cannot be read.")]
    monkeypatch.setattr(xlsform_read, "MAX_UNZIPPED_BYTES", 1000)  # a zip bomb, in miniature
    assert errors_of(data) == [(None, None, None, "The workbook is too large.")]


def test_too_many_rows_and_missing_sheets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsform_read, "MAX_ROWS", 5)
    found = errors_of(workbook(VALID_SURVEY, VALID_CHOICES, settings=None))
    assert ("survey", 6, None, "Too many rows (at most 5).") in found
    assert ("settings", None, None, "The workbook has no sheet named settings.") in found


def test_export_then_import_is_identical_and_deterministic() -> None:
    demo = load_demo_definition()
    data = export_xlsform(demo)
    assert import_xlsform(data).to_dict() == demo.to_dict()
    assert export_xlsform(demo) == data
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["survey", "choices", "settings"]
    header = [cell.value for cell in book["survey"][1]]
    assert header[:4] == ["type", "name", "label::zh", "label::en"]
    assert "minyi_weight" in header and "minyi_screen_out" in header
    imported = import_xlsform(workbook(VALID_SURVEY, VALID_CHOICES))
    assert import_xlsform(export_xlsform(imported)).to_dict() == EXPECTED


def test_export_keeps_formula_like_text_and_exact_numbers() -> None:
    doc = document(
        section("about", [question("a", "decimal", label=texts("=1+1", "@cmd"), min=0.1 + 0.2,
                                   max=123456789.123456789)]),
    )
    definition = parse_definition(doc)
    data = export_xlsform(definition)
    book = load_workbook(io.BytesIO(data))
    types = {cell.value: cell.data_type for row in book["survey"].iter_rows() for cell in row}
    assert types["=1+1"] == "s"
    again = import_xlsform(data)
    assert again.to_dict() == definition.to_dict()
    assert again.question("a").min == 0.1 + 0.2


def test_plain_odk_columns_without_languages_are_read_as_the_default_language() -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in [["type", "name", "label", "required", "relevant"],
                ["begin group", "page", "第一页"],
                ["select_one yn", "q1", "您满意吗？", "TRUE"],
                ["text", "q2", "为什么？", None, "${q1} = 'n'"],
                ["end group"]]:
        sheet.append(row)
    choices = book.create_sheet("choices")
    for row in [["list_name", "name", "label"], ["yn", "y", "是"], ["yn", "n", "否"]]:
        choices.append(row)
    book.create_sheet("settings").append(["form_id", "form_title"])
    book["settings"].append(["plain", "普通表单"])
    buffer = io.BytesIO()
    book.save(buffer)
    definition = import_xlsform(buffer.getvalue())
    assert definition.languages == ("zh",) and definition.default_language == "zh"
    assert definition.title == {"zh": "普通表单"}
    assert definition.question("q2").relevant == "${q1} = 'n'"
    assert definition.question("q1").required is True
    assert definition.label(definition.choices("yn")[0]) == "是"
