"""JSON → builder forms → JSON keeps every definition identical (hypothesis).

Each part of a generated definition is turned into the builder's form fields (strings, as a
browser sends them) and read back through the same edit operations the builder pages use,
starting from an empty draft.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from survey import builder as b
from survey.questionnaire import load_demo_definition, parse_definition
from tests.survey.questionnaire.strategies import definition_documents


def _rebuild(original: dict[str, Any]) -> dict[str, Any]:
    langs = original["languages"]
    doc = b.empty_document(original["form_id"], {}, langs, original["default_language"])
    doc = b.settings_from_form(doc, b.settings_to_form(original))
    for name, choices in original["choice_lists"].items():
        form = b.choice_list_to_form(name, choices, langs, spare=b.SPARE_CHOICE_ROWS)
        list_name, parsed, errors = b.choice_list_from_form(form, langs)
        assert not errors
        doc = b.set_choice_list(doc, None, list_name, parsed)

    def add_items(container: tuple[int, ...], items: list[dict[str, Any]]) -> None:
        nonlocal doc
        for index, item in enumerate(items):
            if item.get("type") == "group":
                doc = b.add_item(doc, container, b.group_from_form(b.group_to_form(item, langs), langs))
                add_items((*container, index), item["items"])
            else:
                question, errors = b.question_from_form(b.question_to_form(item, langs), langs)
                assert not errors
                doc = b.add_item(doc, container, question)

    for index, section in enumerate(original["sections"]):
        doc = b.add_section(doc, b.section_from_form(b.section_to_form(section, langs), langs))
        add_items((index,), section["items"])
    return doc


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definition_documents())
def test_json_to_builder_forms_to_json_is_identity(document: dict[str, Any]) -> None:
    original = parse_definition(document).to_dict()
    rebuilt = _rebuild(original)
    assert rebuilt == original
    assert parse_definition(rebuilt).to_dict() == original


def test_demo_questionnaire_round_trips_through_the_builder() -> None:
    original = load_demo_definition().to_dict()
    assert _rebuild(original) == original


def test_edit_operations_move_and_rename() -> None:
    doc = _rebuild(load_demo_definition().to_dict())
    moved = b.move_node(doc, (1, 1), -1)
    assert [q["name"] for q in moved["sections"][1]["items"]][:2] == ["sat_attitude", "sat_overall"]
    assert b.move_node(moved, (1, 0), -1) == moved  # the first stays first
    renamed = b.set_choice_list(doc, "sat5", "scale", doc["choice_lists"]["sat5"])
    assert list(renamed["choice_lists"])[0] == "scale"
    assert {q.get("list") for q in renamed["sections"][1]["items"]} == {"scale", None}
    parse_definition(renamed)
