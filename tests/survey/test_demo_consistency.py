"""The demo city's stored responses obey the same rules as a citizen's submission."""

from __future__ import annotations

from sqlalchemy import select

from survey.models import Rating, Submission, Unit
from survey.questionnaire import load_demo_definition, validate_answers


def test_seeded_answers_validate_and_ratings_match_answers(runner, db) -> None:
    runner.invoke(args=["seed-demo", "--responses", "300"])
    definition = load_demo_definition()
    units = {u.code: u for u in db.scalars(select(Unit))}
    kinds = {code: u.kind.value for code, u in units.items()}
    items = [item.name for item in definition.scored_items]
    submissions = db.scalars(select(Submission).order_by(Submission.id)).all()
    assert len(submissions) == 300
    for submission in submissions[:100]:
        body = submission.answers
        result = validate_answers(definition, body["answers"], body["ratings"],
                                  allowed_units=set(units), unit_kinds=kinds)
        assert result.errors == [], (submission.id, result.errors)
        rated = set(body["ratings"])
        assert body["answers"]["district"] in rated
        assert rated - {body["answers"]["district"]} == set(body["answers"]["departments"])
        rows = db.execute(select(Rating.unit_id, Rating.item, Rating.choice, Rating.choice_index)
                          .where(Rating.submission_id == submission.id)).all()
        assert len(rows) == len(rated) * len(items)
        options = definition.scored_items[0].option_names
        by_id = {u.id: code for code, u in units.items()}
        for unit_id, item, choice, index in rows:
            assert body["ratings"][by_id[unit_id]][item] == choice
            assert options[index] == choice
