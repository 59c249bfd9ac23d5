"""Extraction: a comment belongs to the unit it was written about, keeps its rating's score,
and is redacted before it leaves survey.comments; wave comments belong to the wave."""

from __future__ import annotations

import math

import pytest

from survey.comments.extract import WAVE, extract_wave_comments
from survey.comments.scale import RatingScale
from survey.models import Wave
from survey.questionnaire import parse_definition
from tests.comments.city import (
    DEFINITION,
    IDENTIFIER_COMMENTS,
    ORDINARY_COMMENT,
    SMALL_CELL_COMMENT,
    WAVE_COMMENT,
    build_comment_city,
)


def test_the_score_is_the_overall_items_points_else_the_weighted_mean() -> None:
    scale = RatingScale.of(parse_definition(DEFINITION))
    assert scale.score({"q1": "2", "q2": "5"}) == 40.0  # the overall item says it
    assert scale.score({"q1": "9", "q2": "4"}) == 80.0  # overall "don't know": the other item
    assert scale.score({"q1": "9", "q2": "9"}) is None
    # five levels 100/80/60/40/0: the best two are satisfied, the worst two dissatisfied
    assert (scale.satisfied_from, scale.dissatisfied_to) == (80.0, 40.0)
    assert [scale.dissatisfied(s) for s in (100.0, 80.0, 60.0, 40.0, 0.0, None)] == [
        False, False, None, True, True, None]


def test_three_level_scale_splits_best_and_worst() -> None:
    data = {**DEFINITION, "choice_lists": {**DEFINITION["choice_lists"], "sat": [
        {"name": "3", "label": {"zh": "满意"}, "score": 100},
        {"name": "2", "label": {"zh": "基本满意"}, "score": 75},
        {"name": "1", "label": {"zh": "不满意"}, "score": 55}]}}
    scale = RatingScale.of(parse_definition(data))
    assert (scale.satisfied_from, scale.dissatisfied_to) == (100.0, 55.0)
    assert scale.dissatisfied(75.0) is None


@pytest.fixture
def q4(db) -> Wave:
    city = build_comment_city(db, publish=False)
    return db.get(Wave, city.waves["2026-Q4"])


def test_comments_attach_to_their_unit_with_the_score_of_the_same_rating(db, q4) -> None:
    extracted = extract_wave_comments(db, q4)
    small = [c for c in extracted.comments if c.text == SMALL_CELL_COMMENT]
    assert len(small) == 1
    assert small[0].unit_code == "D1" and small[0].question == "comment"
    assert small[0].score == 40.0 and small[0].dissatisfied is True
    assert small[0].stratum == "age_band=18-29;district=D1"
    wave_level = [c for c in extracted.comments if c.unit_code == WAVE]
    assert [(c.text, c.question, c.score, c.dissatisfied) for c in wave_level] == [
        (WAVE_COMMENT, "suggestion", None, None)]
    # 1 + 6 (30-49) + 20 (50+) about D1, 12 about D2, 1 about the wave
    assert len(extracted.of_unit("D1")) == 27 and len(extracted.of_unit("D2")) == 12
    assert extracted.respondents("D1", "age_band=18-29;district=D1") == 4
    assert extracted.unit_respondents("D1") == 36 and extracted.unit_respondents(WAVE) == 61
    assert extracted.weight_source == "design"


def test_every_identifier_is_masked_at_extraction_and_ordinary_numbers_stay(db, q4) -> None:
    texts = [c.text for c in extract_wave_comments(db, q4).comments]
    joined = "\n".join(texts)
    for _comment, raw, _kind in IDENTIFIER_COMMENTS:
        assert raw not in joined
    assert ORDINARY_COMMENT in texts
    masked = {kind for c in extract_wave_comments(db, q4).comments for kind in c.masked}
    assert masked == {"phone", "id_card", "email", "plate", "bank_card"}


def test_a_quarantined_response_leaves_the_comments_and_the_cache_knows(db, q4) -> None:
    from sqlalchemy import select

    from survey.comments.corpus import wave_comments
    from survey.models import Submission
    from survey.quality import quarantine

    assert SMALL_CELL_COMMENT in [c.text for c in wave_comments(db, q4).comments]
    submission = db.scalar(select(Submission).where(Submission.client_submission_id == "2026-Q4-0"))
    quarantine(db, submission.id, "test: duplicate", "admin1")
    db.commit()
    extracted = wave_comments(db, q4)
    assert SMALL_CELL_COMMENT not in [c.text for c in extracted.comments]
    assert extracted.respondents("D1", "age_band=18-29;district=D1") == 3


def test_published_run_weights_are_the_comments_weights(db) -> None:
    from survey.comments.corpus import wave_comments
    from survey.responses_export import run_weights

    city = build_comment_city(db)
    wave = db.get(Wave, city.waves["2026-Q4"])
    extracted = wave_comments(db, wave)
    assert extracted.weight_source == "run" and extracted.weight_run_id == city.runs["2026-Q4"]
    weights = run_weights(db, wave.id, city.runs["2026-Q4"])
    for comment in extracted.comments:
        expected = weights[comment.submission_id]
        assert math.isclose(comment.weight, expected, rel_tol=1e-12)
