"""Property: any valid definition survives JSON → XLSForm → JSON (and JSON text) unchanged."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from survey.questionnaire import (
    definition_from_json,
    definition_to_json,
    export_xlsform,
    import_xlsform,
    parse_definition,
)
from tests.survey.questionnaire.builders import document, group, question, section
from tests.survey.questionnaire.strategies import definition_documents

ROUND_TRIP = settings(max_examples=120, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@ROUND_TRIP
@given(definition_documents())
def test_json_to_xlsform_to_json_is_identity(doc: dict[str, Any]) -> None:
    definition = parse_definition(doc)
    canonical = definition.to_dict()
    assert parse_definition(canonical).to_dict() == canonical
    assert import_xlsform(export_xlsform(definition)).to_dict() == canonical
    assert definition_from_json(definition_to_json(definition)).to_dict() == canonical


def test_every_type_group_nesting_and_operator_in_one_form() -> None:
    """A hand-written form using everything at once (a fixed companion to the property)."""
    doc = document(
        section("about", [
            question("district", "select_one_unit", unit_kind="district", stratum=True),
            question("sex", "select_one", list="yesno", stratum=True, required=True),
            question("age", "integer", min=0, max=120,
                     constraint="(. >= 18 and . <= 99) or not(. != 0)"),
            question("income", "decimal", min=-1.5, max=1e6, relevant="${age} > 17",
                     constraint=". * 2 div 4 - -1 + 3 mod 2 >= 0 and . < 1000000"),
            question("depts", "select_multiple_unit", unit_kind="department"),
            question("used", "select_multiple", list="yesno",
                     constraint="count-selected(.) <= 1 or selected(., 'yes')"),
            group("more", [
                question("intro", "note"),
                group("deeper", [question("why", "text", max_length=30,
                                          constraint="string-length(.) >= 2")],
                      relevant="${sex} != '' and ${age} < 60"),
            ], relevant="selected(${used}, 'no') or ${age} <= 30"),
            question("staff", "select_one", list="yesno", screen_out=". = 'yes'"),
        ]),
        section("rate", [
            question("overall", "select_one", list="sat", scored=True, weight=0.4,
                     dimension="总体评价", overall=True, required=True),
            question("speed", "select_one", list="sat", scored=True, weight=0.6,
                     relevant="${overall} != '9'"),
        ], kind="unit", relevant="count-selected(${depts}) >= 0"),
    )
    definition = parse_definition(doc)
    assert import_xlsform(export_xlsform(definition)).to_dict() == definition.to_dict()
