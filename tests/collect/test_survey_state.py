"""What a citizen typed is kept on the server, never lost to the 4 KB limit of a cookie."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from survey.models import Submission, SurveySession
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
