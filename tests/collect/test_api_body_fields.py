"""Issue 12: the submission body's top-level fields, the language of the API's messages (DESIGN
§6), the submission rate limit through Flask-Limiter's public API, and wave settings that reach
burst detection on the very next submission."""

from __future__ import annotations

from pathlib import Path

from tests.collect.factory import body, counts
from tests.collect.web import begin_open

URL = "/api/v1/waves/{}/submissions"
ROOT = Path(__file__).resolve().parents[2]
UNKNOWN_ZH = "该字段不属于提交内容"
UNKNOWN_EN = "This field is not part of a submission"


def post(client, wave_id, payload, **kw):
    return client.post(URL.format(wave_id), json=payload, **kw)


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 422, response.get_json()
    return {e["question"]: e["message"] for e in response.get_json()["errors"]}


# --- unknown top-level fields ---------------------------------------------------------------


def test_unknown_top_level_fields_are_each_named_in_one_422(client, db, city):
    payload = body(city.codes["invite"][0], comment="great", extra={"x": 1}, Answers={})
    errors = errors_of(post(client, city.waves["invite"], payload))
    assert {"comment", "extra", "Answers"} <= set(errors)
    assert all(UNKNOWN_ZH in errors[f] for f in ("comment", "extra", "Answers"))
    assert counts(db) == (0, 0, 0)
    # the invitation was not consumed: the same body without the extra fields is stored
    for field in ("comment", "extra", "Answers"):
        payload.pop(field)
    assert post(client, city.waves["invite"], payload).status_code == 201


def test_unknown_fields_are_listed_with_the_answers_errors(client, db, city):
    payload = body(city.codes["invite"][0], note="x")
    payload["answers"] = dict(payload["answers"], sex="unknown-choice")
    errors = errors_of(post(client, city.waves["invite"], payload))
    assert "note" in errors and any(q != "note" for q in errors)
    assert counts(db) == (0, 0, 0)


def test_the_contract_fields_alone_are_accepted(client, db, city):
    payload = body(city.codes["invite"][0])
    assert set(payload) == {"client_submission_id", "invitation_code", "started_at", "answers",
                            "ratings"}
    assert post(client, city.waves["invite"], payload).status_code == 201


def test_interviewer_id_keeps_its_own_message(client, db, city):
    errors = errors_of(post(client, city.waves["open"], body(interviewer_id="iv-1")))
    assert "interviewer_id" in errors and UNKNOWN_ZH not in errors["interviewer_id"]
    assert counts(db) == (0, 0, 0)


def test_the_html_form_is_unaffected(client, db, city):
    from tests.collect.web import answer_all

    answer_all(client, begin_open(client, city.waves["open"]))
    assert counts(db) == (1, 10, 1)


# --- the language of the messages -----------------------------------------------------------


def unknown_message(client, city, path: str = "", **headers: str) -> str:
    response = client.post(URL.format(city.waves["open"]) + path, json=body(bogus=1),
                           headers=headers)
    return errors_of(response)["bogus"]


def test_messages_are_chinese_by_default(client, db, city):
    assert UNKNOWN_ZH in unknown_message(client, city)


def test_accept_language_chooses_english(client, db, city):
    assert unknown_message(client, city, **{"Accept-Language": "en"}).startswith(UNKNOWN_EN)
    assert unknown_message(client, city, **{"Accept-Language": "en-US,en;q=0.9"}).startswith(
        UNKNOWN_EN)
    assert UNKNOWN_ZH in unknown_message(client, city, **{"Accept-Language": "zh-CN,en;q=0.5"})
    # the best supported language of the list, in its order of preference
    assert unknown_message(client, city, **{"Accept-Language": "fr, en;q=0.5"}).startswith(
        UNKNOWN_EN)


def test_an_unsupported_language_falls_back_to_chinese(client, db, city):
    assert UNKNOWN_ZH in unknown_message(client, city, **{"Accept-Language": "fr-FR, de;q=0.8"})
    assert UNKNOWN_ZH in unknown_message(client, city, "?lang=fr")


def test_the_lang_parameter_wins_over_accept_language(client, db, city):
    assert UNKNOWN_ZH in unknown_message(client, city, "?lang=zh", **{"Accept-Language": "en"})
    assert UNKNOWN_ZH in unknown_message(client, city, "?lang=zh_CN", **{"Accept-Language": "en"})
    assert unknown_message(client, city, "?lang=en", **{"Accept-Language": "zh"}).startswith(
        UNKNOWN_EN)


def test_other_refusals_follow_accept_language(client, db, app, city):
    closed = post(client, city.waves["invite"], body("NOT-A-CODE"),
                  headers={"Accept-Language": "en"})
    assert closed.status_code == 403
    assert closed.get_json()["message"] == "This invitation code is not valid for this survey."
    app.config["SUBMIT_RATE_LIMIT"] = "1 per minute"
    assert post(client, city.waves["open"], body()).status_code == 201
    limited = post(client, city.waves["open"], body(), headers={"Accept-Language": "en"})
    assert limited.status_code == 429 and limited.headers.get("Retry-After")
    assert limited.get_json()["message"] == "Too many requests. Please wait a moment and try again."
    limited = post(client, city.waves["open"], body())
    assert limited.status_code == 429 and limited.get_json()["message"] != (
        "Too many requests. Please wait a moment and try again.")


# --- the rate limit through Flask-Limiter's public API --------------------------------------
