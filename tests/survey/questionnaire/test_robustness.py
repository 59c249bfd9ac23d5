"""Garbage in, a DefinitionError / XLSFormError out: never a TypeError or a crash."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from survey.questionnaire import (
    DefinitionError,
    XLSFormError,
    export_xlsform,
    import_xlsform,
    load_demo_definition,
    parse_definition,
    validate_answers,
)
from tests.survey.questionnaire.strategies import definition_documents

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FUZZ = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += _paths(child, (*prefix, index))
    return out


def _replace(doc: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = new
    return doc


@FUZZ
@given(definition_documents(), st.data())
def test_mutated_documents_fail_cleanly(doc: dict, data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(_paths(doc)))
    mutated = _replace(doc, path, data.draw(json_values))
    try:
        parse_definition(mutated)
    except DefinitionError as exc:
        assert exc.errors and all(issue.message for issue in exc.errors)


@FUZZ
@given(json_values, json_values)
def test_any_submission_body_gives_errors_not_exceptions(answers: Any, ratings: Any) -> None:
    result = validate_answers(load_demo_definition(), answers, ratings)
    assert all(isinstance(path, str) and message for path, message in result.errors)


DEMO_XLSX = export_xlsform(load_demo_definition())
cell_values = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(
    alphabet="abc=${}()'. 0123_-满意", max_size=12)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["survey", "choices", "settings"]), st.integers(1, 20),
                          st.integers(1, 22), cell_values), min_size=1, max_size=4))
def test_edited_workbooks_import_or_fail_with_located_errors(edits: list) -> None:
    book = load_workbook(io.BytesIO(DEMO_XLSX))
    for sheet, row, column, value in edits:
        book[sheet].cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    try:
        import_xlsform(buffer.getvalue())
    except XLSFormError as exc:
        assert exc.errors and all(issue.message for issue in exc.errors)
