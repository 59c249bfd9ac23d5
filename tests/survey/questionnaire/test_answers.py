"""validate_answers: normalisation, relevance, screen-out, rateable units and every error kind."""

from __future__ import annotations

from typing import Any

import pytest

from survey.questionnaire import (
    load_demo_definition,
    parse_definition,
    rateable_units,
    relevant_questions,
    screened_out_by,
    validate_answers,
)
from tests.survey.questionnaire.builders import document, group, question, section, texts

DEMO = load_demo_definition()
UNITS = {"D01": "district", "D02": "district", "P01": "department", "P02": "department"}
RESPONDENT = {"district": "D01", "age_band": "30-39", "sex": "f", "gov_staff": "no",
              "departments": ["P01"]}
GOOD_RATING = {"sat_overall": "5", "sat_attitude": "4", "sat_efficiency": "9",
               "sat_integrity": "1", "sat_openness": "3"}

FORM = parse_definition(document(
    section("about", [
        question("age", "integer", min=18, max=99, required=True),
        question("income", "decimal", min=0, max=1e6),
        question("services", "select_multiple", list="services"),
        question("other", "text", max_length=10, required=True,
                 relevant="selected(${services}, 'other')"),
        question("intro", "note"),
        question("nickname", "text", constraint="string-length(.) >= 2",
                 constraint_message=texts("至少两个字", "At least two characters")),
        group("older", [question("pension", "select_one", list="yesno", required=True)],
              relevant="${age} >= 60"),
    ]),
    services=[{"name": n, "label": texts(n)} for n in ("tax", "health", "other")],
))


def errors(result: Any) -> dict[str, str]:
    return dict(result.errors)


def test_valid_demo_submission_is_cleaned() -> None:
    result = validate_answers(DEMO, {**RESPONDENT, "departments": "P01 P01", "sex": " f "},
                              {"D01": {**GOOD_RATING, "sat_overall": 5, "comment": "  好  "},
                               "P01": GOOD_RATING},
                              allowed_units=set(UNITS), unit_kinds=UNITS)
    assert result.ok, result.errors
    assert result.answers == {**RESPONDENT, "departments": ["P01"]}
    assert result.rateable_units == ["D01", "P01"]
    assert result.ratings["D01"] == {**GOOD_RATING, "comment": "好"}
    assert result.ratings["P01"] == GOOD_RATING
    assert result.cleaned == {"answers": result.answers, "ratings": result.ratings}


def test_values_are_normalised_to_their_types() -> None:
    result = validate_answers(FORM, {"age": "61", "income": 1200, "services": ["other", "tax", "tax"],
                                     "other": "  bus ", "nickname": "Li", "pension": "no"})
    assert result.ok, result.errors
    assert result.answers == {"age": 61, "income": 1200.0, "services": ["tax", "other"],
                              "other": "bus", "nickname": "Li", "pension": "no"}
    assert isinstance(result.answers["income"], float)
    assert validate_answers(FORM, {"age": 30.0}).answers == {"age": 30}
    assert validate_answers(FORM, {"age": 30, "income": "12.5"}).answers["income"] == 12.5


def test_every_error_kind_is_collected_at_once() -> None:
    result = validate_answers(FORM, {
        "income": "lots",                    # wrong type
        "services": ["tax", "magic"],        # choice does not exist
        "nickname": "x",                     # constraint failed → its message
        "intro": "hello",                    # a note takes no answer
        "favourite": "blue",                 # unknown question
    })  # age missing → required
    assert errors(result) == {
        "age": "This question is required.",
        "income": "Expected a number.",
        "services": "magic: not among the choices.",
        "intro": "This is a note; it takes no answer.",
        "nickname": "至少两个字",
        "favourite": "Unknown question favourite.",
    }
    english = validate_answers(FORM, {"age": 30, "nickname": "x"}, language="en")
    assert errors(english) == {"nickname": "At least two characters"}


@pytest.mark.parametrize(
    ("answers", "path", "message"),
    [
        ({"age": 17}, "age", "Must be at least 18."),
        ({"age": 100}, "age", "Must be at most 99."),
        ({"age": 30, "income": -1}, "income", "Must be at least 0."),
        ({"age": True}, "age", "Expected a whole number."),
        ({"age": 30.5}, "age", "Expected a whole number."),
        ({"age": [30]}, "age", "Expected a whole number."),
        ({"age": 10**20}, "age", "The number is too large."),
        ({"age": 30, "income": float("nan")}, "income", "Expected a number."),
        ({"age": 30, "nickname": 42}, "nickname", "Expected text."),
        ({"age": 30, "services": {"tax": 1}}, "services", "Expected a list of choices."),
        ({"age": 30, "services": ["other"], "other": "a very long answer"}, "other",
         "At most 10 characters (this answer has 18)."),
        ({"age": 30, "services": ["other"]}, "other", "This question is required."),
        ({"age": 65}, "pension", "This question is required."),
        ({"age": 65, "pension": ["yes"]}, "pension", "Expected one choice."),
        ({"age": 65, "pension": "maybe"}, "pension", "'maybe' is not one of the choices."),
    ],
)
def test_single_errors(answers: dict, path: str, message: str) -> None:
    assert errors(validate_answers(FORM, answers)) == {path: message}


def test_answers_to_questions_that_are_not_relevant_are_dropped() -> None:
    result = validate_answers(FORM, {"age": 30, "services": ["tax"], "other": "ignored",
                                     "pension": "yes"})
    assert result.ok, result.errors
    assert result.answers == {"age": 30, "services": ["tax"]}
    # even an invalid answer to a question that is not asked is no error
    assert validate_answers(FORM, {"age": 30, "pension": 12345}).ok


def test_body_that_is_not_an_object() -> None:
    result = validate_answers(DEMO, ["district", "D01"], "ratings")
    assert ("answers", "The answers must be an object of question names and values.") in result.errors
    assert ("ratings", "The ratings must be an object of unit codes and answers.") in result.errors
    result = validate_answers(DEMO, RESPONDENT, {"D01": "5", "P01": GOOD_RATING})
    assert ("ratings.D01", "The answers for a unit must be an object.") in result.errors


def test_ratings_paths_unit_rules_and_units_that_may_not_be_rated() -> None:
    result = validate_answers(
        DEMO, {**RESPONDENT, "sat_overall": "5"},
        {"D01": {**GOOD_RATING, "sat_overall": "6", "sex": "m"}, "P02": GOOD_RATING,
         "D02": GOOD_RATING},
        allowed_units=set(UNITS), unit_kinds=UNITS)
    assert result.errors == [
        ("sat_overall", "This question is asked for each unit: send it under ratings."),
        ("ratings", "Unit P02 may not be rated: it is neither your district nor a unit you chose."),
        ("ratings", "Unit D02 may not be rated: it is neither your district nor a unit you chose."),
        ("ratings.D01.sat_overall", "'6' is not one of the choices."),
        ("ratings.D01.sex", "This question is asked once, not per unit: send it under answers."),
        ("ratings.P01.sat_overall", "This question is required."),
        ("ratings.P01.sat_attitude", "This question is required."),
        ("ratings.P01.sat_efficiency", "This question is required."),
        ("ratings.P01.sat_integrity", "This question is required."),
        ("ratings.P01.sat_openness", "This question is required."),
    ]


def test_unit_answers_must_name_units_of_the_wave_and_of_the_right_kind() -> None:
    result = validate_answers(DEMO, {**RESPONDENT, "district": "P01", "departments": ["P02", "X9"]},
                              {}, allowed_units=set(UNITS), unit_kinds=UNITS)
    assert errors(result) == {"district": "P01: not a unit that can be chosen here.",
                              "departments": "X9: not a unit that can be chosen here."}


def test_invitation_district_and_forms_without_unit_questions() -> None:
    no_residence = {k: v for k, v in RESPONDENT.items() if k != "district"}
    result = validate_answers(DEMO, no_residence, {"D02": GOOD_RATING, "P01": GOOD_RATING},
                              invitation_district="D02")
    assert errors(result) == {"district": "This question is required."}
    assert result.rateable_units == ["D02", "P01"]
    plain = parse_definition(document(
        section("about", [question("q1", "text")]),
        section("rate", [question("score", "integer", min=0, max=10)], kind="unit")))
    result = validate_answers(plain, {}, {"U1": {"score": 3}, "U9": {"score": 4}},
                              allowed_units={"U1", "U2"})
    assert result.ratings == {"U1": {"score": 3}}
    assert result.errors == [
        ("ratings", "Unit U9 may not be rated: it is neither your district nor a unit you chose.")]


def test_screen_out_ends_the_interview() -> None:
    answers = {**RESPONDENT, "gov_staff": "yes"}
    result = validate_answers(DEMO, answers, {"D01": GOOD_RATING})
    assert result.screened_out == "gov_staff"
    assert result.answers == {k: v for k, v in answers.items() if k != "departments"}
    assert result.rateable_units == [] and result.ratings == {}
    assert result.errors == [
        ("ratings", "Unit D01 may not be rated: it is neither your district nor a unit you chose.")]
    assert screened_out_by(DEMO, result.answers) == "gov_staff"
    assert screened_out_by(DEMO, RESPONDENT) is None


def test_page_validation_and_server_side_skip_logic() -> None:
    page = validate_answers(DEMO, {"district": "D01"}, {}, sections={"about"})
    assert errors(page) == {"age_band": "This question is required.",
                            "sex": "This question is required.",
                            "gov_staff": "This question is required."}
    assert [q.name for q in relevant_questions(FORM, "about", {"age": 30})] == [
        "age", "income", "services", "intro", "nickname"]
    assert [q.name for q in relevant_questions(FORM, "about", {"age": 70, "services": ["other"]})] == [
        "age", "income", "services", "other", "intro", "nickname", "pension"]
    assert [q.name for q in relevant_questions(DEMO, "rating", RESPONDENT, {})] == [
        q.name for q in DEMO.unit_questions]


def test_rateable_units_between_pages() -> None:
    assert rateable_units(DEMO, RESPONDENT) == ["D01", "P01"]
    assert rateable_units(DEMO, {**RESPONDENT, "departments": ["P02", "X9"]},
                          allowed_units=set(UNITS)) == ["D01", "P02"]
    assert rateable_units(DEMO, {"departments": ["P02"]}, invitation_district="D02") == ["D02", "P02"]
    assert rateable_units(DEMO, {**RESPONDENT, "gov_staff": "yes"}) == []
    plain = parse_definition(document())
    assert rateable_units(plain, {}, allowed_units={"U2", "U1"}) == ["U1", "U2"]
