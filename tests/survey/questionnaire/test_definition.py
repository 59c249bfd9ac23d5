"""parse_definition: the canonical form, derived views and every validation rule."""

from __future__ import annotations

import json
import math

import pytest

from survey.questionnaire import (
    PRESETS,
    DefinitionError,
    definition_from_json,
    definition_to_json,
    load_demo_definition,
    parse_definition,
    preset_choices,
)
from survey.questionnaire.demo import DEMO_PATH
from tests.survey.questionnaire.builders import document, group, question, section, texts


def issues(doc: dict) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionError) as info:
        parse_definition(doc)
    return [(issue.location, issue.message) for issue in info.value.errors]


def locations(doc: dict) -> list[str]:
    return [location for location, _message in issues(doc)]


# --- the demo questionnaire ------------------------------------------------------------------


def test_demo_questionnaire_structure() -> None:
    demo = load_demo_definition()
    assert [q.name for q in demo.respondent_questions] == [
        "district", "age_band", "sex", "gov_staff", "departments"]
    assert [q.name for q in demo.unit_questions] == [
        "sat_overall", "sat_attitude", "sat_efficiency", "sat_integrity", "sat_openness", "comment"]
    assert [q.name for q in demo.stratum_variables] == ["district", "age_band", "sex"]
    assert demo.residence_question is not None and demo.residence_question.name == "district"
    assert demo.unit_selector is not None and demo.unit_selector.name == "departments"
    assert [q.name for q in demo.screen_out_questions] == ["gov_staff"]
    assert [c.name for c in demo.choices("age_band")] == [
        "18-29", "30-39", "40-49", "50-59", "60-69", "70+"]
    assert demo.question("comment").max_length == 500


def test_demo_scored_items() -> None:
    items = load_demo_definition().scored_items
    assert [i.name for i in items] == [
        "sat_overall", "sat_attitude", "sat_efficiency", "sat_integrity", "sat_openness"]
    assert [i.weight for i in items] == [0.4, 0.15, 0.15, 0.15, 0.15]
    assert math.isclose(sum(i.weight for i in items), 1.0)
    assert [i.overall for i in items] == [True, False, False, False, False]
    assert [i.dimension for i in items] == ["总体评价", "服务态度", "办事效率", "廉洁公正", "信息公开"]
    first = items[0]
    assert first.option_names == ("5", "4", "3", "2", "1", "9")
    assert first.option_points[:5] == (100.0, 80.0, 60.0, 40.0, 0.0)
    assert math.isnan(first.option_points[5])
    assert first.missing_options == ("9",)
    assert first.top2 == ("5", "4")
    assert first.points("4") == 80.0 and first.points("9") is None and first.points("x") is None


def test_demo_file_is_canonical_and_round_trips() -> None:
    demo = load_demo_definition()
    assert json.loads(DEMO_PATH.read_text("utf-8")) == demo.to_dict()
    assert parse_definition(demo.to_dict()).to_dict() == demo.to_dict()
    text = definition_to_json(demo)
    assert "非常满意" in text  # ensure_ascii=False
    assert list(json.loads(text)) == sorted(json.loads(text))  # sorted keys
    assert definition_from_json(text.encode("utf-8-sig")).to_dict() == demo.to_dict()


def test_labels_fall_back_to_the_default_language() -> None:
    demo = load_demo_definition()
    q = demo.question("sex")
    assert demo.label(q, "en") == "What is your sex?"
    assert demo.label(q) == demo.label(q, "fr") == "您的性别是？"
    assert demo.label({"en": "only English"}, "zh") == "only English"
    assert demo.label(demo.section("rating"), "en") == "Your satisfaction"


# --- canonical form --------------------------------------------------------------------------


def test_canonical_form_drops_defaults_and_normalises() -> None:
    doc = document(section("about", [question(
        "age", "integer", min=18.0, max=99, required=False, hint={"zh": "  ", "en": " years "},
        relevant=" 1 = 1 ")]))
    q = parse_definition(doc).to_dict()["sections"][0]["items"][0]
    assert q == {"name": "age", "type": "integer", "label": texts("问题age", "Question age"),
                 "min": 18, "max": 99, "hint": {"en": "years"}, "relevant": "1 = 1"}
    assert isinstance(q["min"], int)


# --- validation: every error is collected ----------------------------------------------------


def test_every_error_is_collected_with_its_location() -> None:
    doc = document(
        section("about", [
            question("q1", "select_one", list="nope"),
            question("q1", "text"),
            question("q2", "integer", min=5, max=1, relevant="${ghost} = 1"),
            question("bad name", "text"),
            question("q3", "telepathy"),
            {"name": "q4", "type": "text"},
        ]),
    )
    doc["choice_lists"]["yesno"].append({"name": "yes", "label": texts("重复")})
    doc["default_language"] = "fr"
    assert issues(doc) == [
        ("default_language", "The default language must be one of the languages (zh, en)."),
        ("choice_lists.yesno[2].name", "Duplicate choice yes in list yesno."),
        ("sections[0].items[0].list", "Unknown choice list 'nope'."),
        ("sections[0].items[1].name", "The name q1 is already used by another question, group or section."),
        ("sections[0].items[2].max", "max must not be smaller than min."),
        ("sections[0].items[3].name", "'bad name' is not a valid name: use letters, digits and _ "
         "(at most 64 characters), not starting with a digit."),
        ("sections[0].items[4].type", "Unknown question type 'telepathy' (allowed: select_one, "
         "select_multiple, integer, decimal, text, note, select_one_unit, select_multiple_unit)."),
        ("sections[0].items[5].label", "A label in the default language (zh) is required."),
        ("sections[0].items[2].relevant", "Unknown question ${ghost}."),
    ]


@pytest.mark.parametrize(
    ("items", "location", "fragment"),
    [
        ([question("a", "note", required=True)], "items[0].required", "does not apply"),
        ([question("a", "text", colour="red")], "items[0].colour", "Unknown field"),
        ([question("a", "text", constraint_message=texts("x"))], "items[0].constraint_message",
         "needs a constraint"),
        ([question("a", "text", max_length=0)], "items[0].max_length", "between 1 and"),
        ([question("a", "integer", min=1.5)], "items[0].min", "whole number"),
        ([question("a", "select_one")], "items[0].list", "needs a choice list"),
        ([question("a", "text", relevant="${b} = 'x'"), question("b", "text")],
         "items[0].relevant", "asked later"),
        ([question("a", "text", relevant="${a} = 'x'")], "items[0].relevant", "asked later"),
        ([question("n", "note"), question("a", "text", relevant="${n} = ''")],
         "items[1].relevant", "is a note"),
        ([question("a", "text", relevant="string-length(.) > 1")], "items[0].relevant",
         "only be used in a constraint"),
        ([question("a", "integer", constraint=". = 'x'")], "items[0].constraint", "Cannot compare"),
        ([question("a", "select_one", list="yesno", relevant="1 = 1", constraint=". = 'maybe'")],
         "items[0].constraint", "not a choice"),
        ([question("a", "text", required="yes")], "items[0].required", "true or false"),
        ([question("a", "text", weight=1)], "items[0].weight", "does not apply"),
        ([question("a", "select_one", list="sat", scored=True, weight=1, overall=True)],
         "items[0].scored", "unit section"),
        ([question("a", "select_one_unit", unit_kind="county")], "items[0].unit_kind",
         "district or department"),
        ([question("a", "select_one_unit", unit_kind="district"),
          question("b", "select_one_unit", unit_kind="district")], "items[1].type", "Only one"),
        ([question("a", "select_one", list="yesno", weight=2)], "items[0].weight",
         "only for scored items"),
        ([group("g", [])], "items[0].items", "at least one item"),
    ],
)
def test_rules(items: list, location: str, fragment: str) -> None:
    found = issues(document(section("about", items)))
    assert any(loc == f"sections[0].{location}" and fragment in msg for loc, msg in found), found


def test_strata_must_be_asked_before_any_screen_out() -> None:
    doc = document(section("about", [
        question("age", "select_one", list="yesno", stratum=True),
        question("staff", "select_one", list="yesno", screen_out=". = 'yes'"),
        question("sex", "select_one", list="yesno", stratum=True),
        question("district", "select_one_unit", unit_kind="district"),
    ]))
    assert issues(doc) == [
        ("sections[0].items[2].stratum",
         "The stratum variable sex must be asked before the screen-out question staff."),
        ("sections[0].items[3].stratum",
         "The stratum variable district must be asked before the screen-out question staff."),
    ]


def test_scored_items_need_scores_weights_and_one_overall() -> None:
    unscored = [{"name": "a", "label": texts("甲"), "score": 10}, {"name": "b", "label": texts("乙")}]
    doc = document(
        section("about", [question("x", "text")]),
        section("rate", [
            question("s1", "select_one", list="sat", scored=True, weight=0),
            question("s2", "select_one", list="partial", scored=True, weight=1),
        ], kind="unit"),
        partial=unscored,
    )
    assert issues(doc) == [
        ("sections[1].items[0].weight", "A scored item needs a weight greater than 0."),
        ("sections[1].items[1].list", "Choice list partial is used by a scored item: every option "
         "that is not a missing code needs a score (missing: b)."),
        ("sections[1].items[0].overall", "Mark exactly one scored item as overall (overall: true)."),
    ]
    doc["sections"][1]["items"] = [
        question(n, "select_one", list="sat", scored=True, weight=1, overall=True) for n in "ab"]
    assert issues(doc) == [("sections[1].items[1].overall", "Only one scored item can be marked overall.")]


def test_sections_and_expressions_respect_respondent_and_unit_scope() -> None:
    doc = document(
        section("rate", [question("u", "text")], kind="unit"),
        section("about", [question("r", "text", relevant="${u} = 'x'",
                                   screen_out=". = 'x'")]),
    )
    assert issues(doc) == [
        ("sections[1].kind", "Respondent sections must come before the unit sections."),
        ("sections[1].items[0].relevant", "${u} is asked once per unit and cannot be used here."),
    ]
    doc = document(section("about", [question("r", "text")]),
                   section("rate", [question("u", "text", screen_out=". = 'x'", stratum=True),
                                    question("d", "select_multiple_unit", unit_kind="department")],
                           kind="unit"))
    assert locations(doc) == ["sections[1].items[0].stratum", "sections[1].items[0].screen_out",
                              "sections[1].items[1].type"]


def test_top_level_and_choice_errors() -> None:
    assert issues([]) == [("", "The definition must be a JSON object.")]
    doc = document()
    doc.update(format="odk", form_id="1x", languages=["zh", "zh", "English", "en"], extra=1)
    doc["title"] = {"fr": "Titre"}
    doc["choice_lists"]["bad"] = []
    doc["choice_lists"]["yesno"][0].update(score=120, missing=True, name="a b")
    assert locations(doc) == [
        "extra", "format", "form_id", "languages[1]", "languages[2]", "title.fr", "title",
        "choice_lists.yesno[0].name", "choice_lists.yesno[0].score",
        "choice_lists.yesno[0].score", "choice_lists.bad",
    ]


def test_deep_nesting_and_control_characters_are_refused() -> None:
    inner: dict = question("leaf", "text")
    for level in range(12):
        inner = group(f"g{level}", [inner])
    assert any("nested too deeply" in msg for _loc, msg in issues(document(section("s", [inner]))))
    doc = document(section("s", [question("a", "text", label=texts("bad\x07bell"))]))
    assert ("sections[0].items[0].label.zh", "The text contains control characters.") in issues(doc)


def test_json_errors() -> None:
    for text in (b"\xff\xfe", "{", "[1, NaN]", '{"format": ' * 5000):
        with pytest.raises(DefinitionError) as info:
            definition_from_json(text)
        assert info.value.errors[0].location == ""


# --- presets ---------------------------------------------------------------------------------


def test_presets_are_valid_scored_scales() -> None:
    assert [c["score"] for c in preset_choices("sat5") if "score" in c] == [100, 80, 60, 40, 0]
    assert [c["score"] for c in preset_choices("sat5_steep") if "score" in c] == [100, 80, 60, 30, 0]
    assert [c["score"] for c in preset_choices("sat3") if "score" in c] == [100, 75, 55]
    assert [c["score"] for c in preset_choices("sat3_wide") if "score" in c] == [100, 70, 30]
    assert [c["label"]["zh"] for c in preset_choices("sat5")] == [
        "非常满意", "比较满意", "一般", "不太满意", "很不满意", "说不清/不了解"]
    assert preset_choices("sat5")[-1]["missing"] is True
    assert [c["name"] for c in preset_choices("yesno")] == ["yes", "no"]
    for key, preset in PRESETS.items():
        doc = document(section("about", [question("x", "text")]),
                       section("rate", [question("s", "select_one", list=key, scored=preset.scored,
                                                 **({"weight": 1, "overall": True} if preset.scored else {}))],
                               kind="unit"), **{key: preset.to_list()})
        assert parse_definition(doc).choices(key) == preset.choices
        assert all(set(c.label) == {"zh", "en"} for c in preset.choices)
