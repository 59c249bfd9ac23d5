"""The example in docs/questionnaire-format.md is a valid, canonical definition."""

from __future__ import annotations

import json
import re
from pathlib import Path

from survey.questionnaire import export_xlsform, import_xlsform, parse_definition

DOC = Path(__file__).resolve().parents[3] / "docs" / "questionnaire-format.md"


def test_documented_example_is_valid_canonical_and_round_trips() -> None:
    block = re.search(r"```json\n(.*?)```", DOC.read_text("utf-8"), re.S)
    assert block is not None
    doc = json.loads(block.group(1))
    definition = parse_definition(doc)
    assert definition.to_dict() == doc
    assert import_xlsform(export_xlsform(definition)).to_dict() == doc
    assert [q.name for q in definition.stratum_variables] == ["district", "sex"]
