"""DESIGN §6 through the JSON API: one test per row of the table, and the order of the checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from survey.models import Invitation, Submission, SubmissionStatus, Wave, WaveState
from tests.collect.factory import body, counts

URL = "/api/v1/waves/{}/submissions"


def post(client, wave_id, payload, **kw):
    return client.post(URL.format(wave_id), json=payload, **kw)


def test_valid_new_submission_is_stored_with_its_ratings(client, db, city):
    code = city.codes["invite"][0]
    response = post(client, city.waves["invite"], body(code))
    assert response.status_code == 201, response.get_json()
    sub_id = response.get_json()["submission_id"]
    assert counts(db) == (1, 10, 1)  # 2 rated units x 5 scored items
    submission = db.get(Submission, sub_id)
    assert submission.strata == "age_band=30-39;district=D01;sex=f"
    assert set(submission.answers["ratings"]) == {"D01", "H02"}
    assert submission.source_hash and "127.0.0.1" not in str(submission.answers)
    invitation = db.scalars(select(Invitation).where(Invitation.used_at.is_not(None))).one()
    assert invitation.wave_id == city.waves["invite"]


def test_identical_replay_returns_the_same_id_and_stores_nothing(client, db, city):
    payload = body(city.codes["invite"][0])
    first = post(client, city.waves["invite"], payload)
    second = post(client, city.waves["invite"], payload)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json()["submission_id"] == first.get_json()["submission_id"]
    assert counts(db) == (1, 10, 1)


def test_same_id_with_a_different_body_is_a_conflict(client, db, city):
    payload = body(city.codes["invite"][0])
    assert post(client, city.waves["invite"], payload).status_code == 201
    changed = dict(payload, answers=dict(payload["answers"], sex="m"))
    response = post(client, city.waves["invite"], changed)
    assert response.status_code == 409
    assert counts(db) == (1, 10, 1)


def test_used_invitation_is_a_conflict(client, db, city):
    code = city.codes["invite"][0]
    assert post(client, city.waves["invite"], body(code)).status_code == 201
    response = post(client, city.waves["invite"], body(code))
    assert response.status_code == 409
    assert response.get_json()["error"] == "used"
    assert counts(db) == (1, 10, 1)


def test_invalid_answers_list_every_error(client, db, city):
    payload = body(city.codes["invite"][0])
    payload["answers"].pop("age_band")
    payload["answers"]["sex"] = "x"
    payload["answers"]["shoe_size"] = 42
    payload["ratings"]["D01"]["sat_overall"] = 7
    response = post(client, city.waves["invite"], payload)
    assert response.status_code == 422
    questions = {e["question"] for e in response.get_json()["errors"]}
    assert {"age_band", "sex", "shoe_size", "ratings.D01.sat_overall"} <= questions
    assert all(e["message"] for e in response.get_json()["errors"])
    assert counts(db) == (0, 0, 0)
    assert db.scalar(select(Invitation.used_at).where(Invitation.used_at.is_not(None))) is None


def test_rating_a_unit_not_chosen_is_422_on_ratings(client, db, city):
    payload = body(city.codes["invite"][0])
    payload["ratings"]["H03"] = payload["ratings"]["H02"]
    response = post(client, city.waves["invite"], payload)
    assert response.status_code == 422
    assert "ratings" in {e["question"] for e in response.get_json()["errors"]}
    assert counts(db) == (0, 0, 0)


def test_unknown_or_malformed_code_is_forbidden(client, db, city):
    for code in ("NOPE1234", None, 12345, "x" * 500, ""):
        response = post(client, city.waves["invite"], body(code))
        assert response.status_code == 403, code
    assert counts(db) == (0, 0, 0)


def test_revoked_code_is_forbidden(client, db, city):
    db.execute(update(Invitation).values(revoked_at=datetime.now(UTC)))
    db.commit()
    assert post(client, city.waves["invite"], body(city.codes["invite"][0])).status_code == 403
    assert counts(db) == (0, 0, 0)


def test_code_of_another_wave_is_forbidden(client, db, city):
    assert post(client, city.waves["invite"], body(city.codes["closed"][0])).status_code == 403


def test_wave_not_open_is_gone(client, db, city):
    assert post(client, city.waves["closed"], body(city.codes["closed"][0])).status_code == 410
    assert post(client, city.waves["future"], body()).status_code == 410
    assert post(client, 99999, body()).status_code == 410
    assert counts(db) == (0, 0, 0)


def test_rate_limit_exceeded_is_429_with_retry_after(client, db, app, city):
    app.config["SUBMIT_RATE_LIMIT"] = "3 per minute"
    statuses = [post(client, city.waves["open"], body()).status_code for _ in range(5)]
    assert statuses == [201, 201, 201, 429, 429]
    response = post(client, city.waves["open"], body())
    assert response.status_code == 429 and response.headers.get("Retry-After")
    assert response.get_json()["error"] == "rate_limited"
    assert counts(db) == (3, 30, 0)  # no device cookie, no invitation: nothing to record
    # the bucket is per source *and wave*: another wave still accepts this source
    assert post(client, city.waves["invite"], body(city.codes["invite"][0])).status_code == 201


def test_body_that_is_not_an_object_is_422(client, db, city):
    for raw in (b"[1,2]", b"\"text\"", b"null", b"{not json", b"42"):
        response = client.post(URL.format(city.waves["open"]), data=raw,
                               content_type="application/json")
        assert response.status_code == 422, raw
        assert response.get_json()["errors"][0]["question"] == "body"
    assert counts(db) == (0, 0, 0)


# ----- order of the checks -------------------------------------------------------------------

def test_replay_after_the_wave_closed_still_gets_200(client, db, city):
    payload = body(city.codes["invite"][0])
    created = post(client, city.waves["invite"], payload)
    db.execute(update(Wave).where(Wave.id == city.waves["invite"]).values(state=WaveState.CLOSED))
    db.commit()
    replay = post(client, city.waves["invite"], payload)
    assert replay.status_code == 200
    assert replay.get_json()["submission_id"] == created.get_json()["submission_id"]
    changed = dict(payload, started_at=datetime.now(UTC).isoformat())
    assert post(client, city.waves["invite"], changed).status_code == 409
    assert counts(db) == (1, 10, 1)


def test_replay_after_the_code_was_used_gets_200_not_409(client, db, city):
    payload = body(city.codes["invite"][0])
    post(client, city.waves["invite"], payload)
    assert post(client, city.waves["invite"], payload).status_code == 200


def test_invalid_body_on_a_closed_wave_is_410_not_422(client, db, city):
    assert post(client, city.waves["closed"], {"answers": 3}).status_code == 410
    response = client.post(URL.format(city.waves["closed"]), data=b"[]",
                           content_type="application/json")
    assert response.status_code == 410


def test_unknown_code_with_invalid_answers_is_403_not_422(client, db, city):
    assert post(client, city.waves["invite"], body("WRONG", answers={})).status_code == 403


def test_used_code_with_new_id_is_409_before_answer_validation(client, db, city):
    code = city.codes["invite"][0]
    post(client, city.waves["invite"], body(code))
    response = post(client, city.waves["invite"], body(code, answers={"nonsense": 1}))
    assert response.status_code == 409
    assert counts(db) == (1, 10, 1)


def test_missing_client_submission_id_is_422(client, db, city):
    payload = body()
    del payload["client_submission_id"]
    response = post(client, city.waves["open"], payload)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["question"] == "client_submission_id"


def test_open_link_device_cookie_allows_one_response(client, db, city):
    client.set_cookie("minyi_device", "a" * 32)
    assert post(client, city.waves["open"], body()).status_code == 201
    second = post(client, city.waves["open"], body())
    assert second.status_code == 409 and second.get_json()["error"] == "device"
    assert counts(db) == (1, 10, 1)


def test_burst_from_one_source_is_flagged_but_counted_by_default(client, db, app, city):
    """Citizens behind a carrier's shared address must not be set aside for it (issue 13): BURST
    quarantines only a wave that asks for it."""
    app.config["SUBMIT_RATE_LIMIT"] = "1000 per minute"
    wave = db.get(Wave, city.waves["open"])
    wave.settings = dict(wave.settings, burst_limit=3)
    db.commit()
    for _ in range(5):
        assert post(client, city.waves["open"], body()).status_code == 201
    rows = db.scalars(select(Submission).order_by(Submission.id)).all()
    assert [("BURST" in s.flags) for s in rows] == [False, False, False, True, True]
    assert {s.status for s in rows} == {SubmissionStatus.ACCEPTED}
    wave.settings = dict(wave.settings, quarantine_flags=["BURST"])
    db.commit()
    assert post(client, city.waves["open"], body()).status_code == 201
    last = db.scalars(select(Submission).order_by(Submission.id.desc())).first()
    assert "BURST" in last.flags and last.status == SubmissionStatus.QUARANTINED


def test_speeding_is_a_flag_not_a_refusal(client, db, city):
    wave = db.get(Wave, city.waves["open"])
    wave.settings = dict(wave.settings, min_duration_s=120)
    db.commit()
    fast = body(started_at=(datetime.now(UTC) - timedelta(seconds=20)).isoformat())
    response = post(client, city.waves["open"], fast)
    assert response.status_code == 201
    submission = db.get(Submission, response.get_json()["submission_id"])
    assert "SPEEDING" in submission.flags and submission.status == SubmissionStatus.ACCEPTED


def test_straightlining_is_flagged(client, db, city):
    flat = {"sat_overall": "4", "sat_attitude": "4", "sat_efficiency": "4", "sat_integrity": "4",
            "sat_openness": "4"}
    response = post(client, city.waves["open"], body(ratings={"D01": flat, "H02": flat}))
    assert response.status_code == 201
    assert db.get(Submission, response.get_json()["submission_id"]).flags == ["STRAIGHTLINE"]


def test_device_cookie_does_not_limit_invitation_waves(client, db, city):
    client.set_cookie("minyi_device", "b" * 32)
    for code in city.codes["invite"][:2]:
        assert post(client, city.waves["invite"], body(code)).status_code == 201
    assert counts(db) == (2, 20, 2)


def test_invitation_district_is_rated_when_residence_is_not_asked_for(client, db, city):
    from survey.models import Invitation
    from tests.collect.factory import issue_code

    code = issue_code(db, city.waves["invite"], district_id=city.unit_ids["D02"])
    db.commit()
    payload = body(code)
    payload["ratings"]["D02"] = payload["ratings"].pop("D01")
    response = post(client, city.waves["invite"], payload)
    # the residence question is answered (D01), so D01 — not the invitation's D02 — is rated
    assert response.status_code == 422
    assert db.scalars(select(Invitation).where(Invitation.used_at.is_not(None))).all() == []


def test_invitation_use_is_kept_to_the_day(client, db, city):
    response = post(client, city.waves["invite"], body(city.codes["invite"][0]))
    submission = db.get(Submission, response.get_json()["submission_id"])
    used_at = db.scalars(select(Invitation.used_at).where(Invitation.used_at.is_not(None))).one()
    assert (used_at.hour, used_at.minute, used_at.second, used_at.microsecond) == (0, 0, 0, 0)
    assert used_at != submission.submitted_at
