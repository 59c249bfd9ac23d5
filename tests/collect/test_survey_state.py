"""What a citizen typed is kept on the server, never lost to the 4 KB limit of a cookie."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from survey.models import Draft, Submission, SurveySession
from tests.collect.web import ABOUT, RATING, begin_open, post_page
from tests.conftest import csrf_from

COOKIE_LIMIT = 4093  # what browsers keep for one cookie (name, value and attributes)


def chinese_text(rng: random.Random, n: int) -> str:
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(n))


def test_long_comments_on_every_unit_survive_and_are_stored(client, db, city) -> None:
    rng = random.Random(7)
    url = begin_open(client, city.waves["open"])
    response = post_page(client, url, dict(ABOUT, departments=["H01", "H02", "H03"]))
    comments = []
    while "/p/" in response.headers["Location"]:
        last_page = response.headers["Location"]
        comments.append(chinese_text(rng, 500))  # the longest comment the questionnaire allows
        response = post_page(client, last_page, dict(RATING, comment=comments[-1]))
        for header in response.headers.getlist("Set-Cookie"):
            assert len(header) < COOKIE_LIMIT, len(header)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/thanks")
    assert len(comments) == 4  # the district and three departments
    stored = db.scalar(select(Submission).where(Submission.wave_id == city.waves["open"]))
    assert sorted(r["comment"] for r in stored.answers["ratings"].values()) == sorted(comments)
    # the server copy of the answers is gone once the response is stored
    assert db.scalar(select(func.count(SurveySession.id))) == 0
    # a reload of the last page's POST submits nothing more
    token = csrf_from(client.get("/").get_data(as_text=True))
    again = client.post(last_page, data={"csrf_token": token, **RATING})
    assert again.status_code == 303
    assert again.headers["Location"].endswith("/thanks")
    assert db.scalar(select(func.count(Submission.id))) == 1


def test_answers_survive_between_pages_on_the_server(client, db, city) -> None:
    url = begin_open(client, city.waves["open"])
    response = post_page(client, url, ABOUT)
    assert response.status_code == 303
    state = db.scalar(select(SurveySession.state))
    assert state["a"]["age_band"] == "30-39"
    # the cookie carries a token, not the answers
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None and len(cookie.value) < 400


def test_closing_the_wave_forgets_unsent_answers(client, db, city) -> None:
    from survey.models import Wave
    from survey.waves import close_wave

    url = begin_open(client, city.waves["open"])
    post_page(client, url, ABOUT)
    assert db.scalar(select(func.count(SurveySession.id))) == 1
    close_wave(db, db.get(Wave, city.waves["open"]), "admin1")
    db.commit()
    assert db.scalar(select(func.count(SurveySession.id))) == 0


def test_the_server_copy_names_neither_the_code_nor_the_future_submission(client, db, city) -> None:
    from survey.invitations import group_code
    from tests.collect.web import enter_code

    code = city.codes["invite"][2]
    first = enter_code(client, code).headers["Location"]
    post_page(client, first, ABOUT)
    with client.session_transaction() as cookie:
        client_id = cookie["survey"]["id"]
        assert cookie["survey"]["c"] == group_code(code)  # the citizen's own cookie, signed
    stored = [str(row) for row in db.execute(select(SurveySession.__table__)).all()]
    drafts = [str(row) for row in db.execute(select(Draft.__table__)).all()]
    assert stored and drafts
    for text in stored + drafts:
        assert code not in text and group_code(code) not in text and client_id not in text
    assert "30-39" in stored[0]  # what was typed is there


def test_state_round_trips_and_reads_the_layout_of_earlier_versions() -> None:
    from app.collect._state import SurveyState

    state = SurveyState.new(7, "7KQX-2MBD-9F3T-H4WZ", 12)
    state.answers, state.ratings = {"district": "D01"}, {"D01": {"sat_overall": "4"}}
    state.typed, state.refused, state.token = {"rating@D01": {"comment": "好"}}, "rating@D01", "tok"
    state.messages, state.page = [("ratings.D01.sat_attitude", "此题为必答题。")], 2
    cookie, stored = state.cookie(), state.stored()
    assert "h" not in cookie  # a page with errors is never served from the cache
    assert set(stored) == {"a", "r", "u", "x", "m", "p"}
    assert SurveyState.load(7, cookie, stored) == state
    # a survey begun before the upgrade: one dictionary on the server, a token in the cookie
    legacy = {"w": 7, "id": "old-id", "t": "2026-11-01T08:00:00+00:00", "c": "CODE", "i": 3,
              "a": {"sex": "f"}, "r": {}, "hp": True, "p": 1, "done": None}
    old = SurveyState.load(7, {"w": 7, "k": "tok", "id": "old-id", "h": "x"}, legacy)
    assert old is not None and (old.client_id, old.code, old.invitation_id) == ("old-id", "CODE", 3)
    assert old.answers == {"sex": "f"} and old.honeypot and old.page == 1
    assert SurveyState.load(7, {"w": 7, "k": "gone"}, None) is None
    assert SurveyState.load(7, {"w": 7, "done": 5}, None).done == 5
