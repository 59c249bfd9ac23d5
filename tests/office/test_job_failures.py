"""Issue 14: a failed run says in the reader's language which margin cannot be met and what to do.

The failure comes from a real run: the demo city (biased sample, population margins) raked with
trimming bounds [0.9, 1.1], which no weights can satisfy.
"""

from __future__ import annotations

import pytest

from survey.errors import ValidationFailed


@pytest.fixture
def trim_failure(db) -> tuple[int, ValidationFailed]:
    from survey.demo import seed_demo
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    report = seed_demo(db, n_responses=2000)
    db.commit()
    settings = RunSettings.from_dict({"scoring": {"raking": True, "trim_low": 0.9, "trim_high": 1.1}})
    with pytest.raises(ValidationFailed) as caught:
        evaluate_wave_run(db, report.wave_id, settings, "office1")
    db.rollback()
    return report.wave_id, caught.value


def test_the_trimming_failure_is_recognised(trim_failure) -> None:
    from app.office._jobs import TRIM_ADVICE, TRIMMED_MARGIN, failure_of

    _wave, error = trim_failure
    failure = failure_of(error)
    assert failure["message"] == TRIMMED_MARGIN and failure["advice"] == TRIM_ADVICE
    params = failure["params"]
    assert (params["low"], params["high"]) == ("0.9", "1.1")
    assert params["variable"] in ("age_band", "sex", "district") and params["category"]
    assert params["error"].endswith("%") and "details" not in failure


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", ("加权调整无法在截尾界限 0.9–1.1 内满足总体边际分布", "请在评价设置中放宽截尾界限")),
    ("en", ("Weighting cannot meet the population margin", "Widen the trimming bounds")),
])
def test_the_margin_is_named_as_the_questionnaire_names_it(app, db, trim_failure, lang, words) -> None:
    from app.office._jobs import failure_of, failure_words
    from app.office.margin_names import margin_namer

    wave_id, error = trim_failure
    failure = failure_of(error)
    with app.test_request_context(f"/?lang={lang}"):
        message, details, advice = failure_words(failure, margin_namer(db, wave_id))
    assert words[0] in message and words[1] in (advice or "")
    assert details == []
    assert failure["params"]["variable"] not in message  # the question's label, not its name


def test_an_unknown_domain_error_keeps_its_details_and_a_general_advice() -> None:
    from app.office._jobs import FAILED, SETTINGS_ADVICE, failure_of

    failure = failure_of(ValidationFailed([("config", "something else")]))
    assert failure == {"message": FAILED, "details": [("config", "something else")],
                       "advice": SETTINGS_ADVICE}
