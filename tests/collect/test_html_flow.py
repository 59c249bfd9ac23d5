"""DESIGN §6 through the HTML form: 303 to thanks, re-render with answers kept, status pages."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from survey.models import Draft, Submission, SubmissionStatus, Wave, WaveState
from tests.collect.factory import body, counts
from tests.collect.web import ABOUT, RATING, answer_all, begin_open, enter_code, post_page
from tests.conftest import csrf_from


def test_open_link_survey_stores_one_submission_and_redirects_to_thanks(client, db, city):
    first = begin_open(client, city.waves["open"])
    response = answer_all(client, first)
    assert response.status_code == 303 and response.headers["Location"].endswith("/thanks")
    assert counts(db) == (1, 10, 1)
    submission = db.scalars(select(Submission)).one()
    assert submission.answers["answers"]["departments"] == ["H02"]
    assert submission.answers["ratings"]["H02"]["sat_overall"] == "4"
    assert "comment" not in submission.answers["ratings"]["D01"]  # empty text is no answer
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200 and "谢谢" in thanks.get_data(as_text=True)


def test_pages_show_progress_and_unit_names(client, db, city):
    first = begin_open(client, city.waves["open"])
    html = client.get(first).get_data(as_text=True)
    assert "第 1 页，共 1 页" in html or "<progress" in html
    response = post_page(client, first, ABOUT)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "东城区" in html and 'max="3" value="2"' in html
    assert '<fieldset aria-describedby' not in html or "q-sat_overall-hint" in html
    assert '<legend>' in html and 'for="q-sat_overall"' in html


def test_reload_of_final_post_is_a_replay_redirected_to_thanks(client, db, city):
    first = begin_open(client, city.waves["open"])
    response = answer_all(client, first)
    last_url = [u for u in [f"/s/{city.waves['open']}/p/2"]][0]
    again = client.post(last_url, data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True)),
                                        **RATING})
    assert again.status_code == 303 and again.headers["Location"].endswith("/thanks")
    assert response.status_code == 303
    assert counts(db) == (1, 10, 1)


def test_same_id_with_different_answers_is_409_page(client, db, city):
    first = begin_open(client, city.waves["open"])
    answer_all(client, first)
    old_id = db.scalars(select(Submission.client_submission_id)).one()
    other = client.application.test_client()
    first = begin_open(other, city.waves["open"])
    response = answer_all(other, first, about=dict(ABOUT, sex="m"),
                          last_extra={"client_submission_id": old_id})
    assert response.status_code == 409
    assert counts(db) == (1, 10, 1)


def test_invitation_survey_and_used_code(client, db, city):
    code = city.codes["invite"][0]
    entered = enter_code(client, code)
    assert entered.status_code == 303 and "/p/0" in entered.headers["Location"]
    response = answer_all(client, entered.headers["Location"])
    assert response.status_code == 303 and response.headers["Location"].endswith("/thanks")
    assert counts(db) == (1, 10, 1)
    other = client.application.test_client()
    used = enter_code(other, code)
    assert used.status_code == 409 and "已经使用" in used.get_data(as_text=True)
    assert counts(db) == (1, 10, 1)


def test_code_used_meanwhile_gives_409_at_final_submit(client, db, city):
    code = city.codes["invite"][0]
    entered = enter_code(client, code)
    client.application.test_client().post(
        f"/api/v1/waves/{city.waves['invite']}/submissions", json=body(code))
    response = answer_all(client, entered.headers["Location"])
    assert response.status_code == 409
    assert counts(db) == (1, 10, 1)


def test_invalid_page_rerenders_422_with_every_error_and_answers_kept(client, db, city):
    first = begin_open(client, city.waves["open"])
    response = post_page(client, first, {"district": "D02", "age_band": "", "sex": "",
                                         "departments": ["H01", "H03"]})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = html[html.index("error-summary"):html.index("</ul>", html.index("error-summary"))]
    for name in ("age_band", "sex", "gov_staff"):
        assert f'href="#q-{name}"' in summary
        assert f'id="q-{name}-error"' in html
    assert re.search(r'value="D02" id="q-district-1" checked', html)
    assert re.search(r'value="H01" id="q-departments" checked', html)
    assert re.search(r'value="H03" id="q-departments-2" checked', html)
    assert 'aria-invalid="true"' in html
    assert counts(db) == (0, 0, 0)


def test_invalid_text_length_on_unit_page_keeps_typed_text(client, db, city):
    first = begin_open(client, city.waves["open"])
    response = post_page(client, first, ABOUT)
    url = response.headers["Location"]
    long_text = "很长的意见" * 120
    response = post_page(client, url, dict(RATING, comment=long_text, sat_attitude="7"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert long_text in html and 'href="#q-comment"' in html and 'href="#q-sat_attitude"' in html
    assert counts(db) == (0, 0, 0)


def test_unknown_code_is_403_page(client, db, city):
    response = enter_code(client, "AAAA-BBBB-CCCC")
    assert response.status_code == 403
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert counts(db) == (0, 0, 0)


def test_closed_wave_is_410_page(client, db, city):
    assert client.get(f"/s/{city.waves['closed']}").status_code == 410
    assert enter_code(client, city.codes["closed"][0]).status_code == 410


def test_wave_closing_during_the_survey_gives_410_on_submit(client, db, city):
    first = begin_open(client, city.waves["open"])
    response = post_page(client, first, ABOUT)
    db.execute(update(Wave).where(Wave.id == city.waves["open"]).values(state=WaveState.CLOSED))
    db.commit()
    url = response.headers["Location"]
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token, **RATING}).status_code == 410
    assert counts(db) == (0, 0, 0)


def test_rate_limit_on_the_form_is_429(client, db, app, city):
    app.config["SUBMIT_RATE_LIMIT"] = "2 per minute"
    first = begin_open(client, city.waves["open"])
    token = csrf_from(client.get(first).get_data(as_text=True))
    statuses = [client.post(first, data={"csrf_token": token}).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
    assert counts(db) == (0, 0, 0)


def test_open_link_one_response_per_device(client, db, city):
    answer_all(client, begin_open(client, city.waves["open"]))
    again = client.get(f"/s/{city.waves['open']}")
    assert again.status_code == 409
    assert counts(db) == (1, 10, 1)


def test_honeypot_is_answered_like_success_but_quarantined(client, db, city):
    first = begin_open(client, city.waves["open"])
    response = answer_all(client, first, last_extra={"website": "http://spam.example"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/thanks")
    submission = db.scalars(select(Submission)).one()
    assert submission.status == SubmissionStatus.QUARANTINED and "HONEYPOT" in submission.flags


def test_skip_logic_screen_out_ends_the_survey(client, db, city):
    first = begin_open(client, city.waves["open"])
    response = post_page(client, first, dict(ABOUT, gov_staff="yes"))
    assert response.status_code == 303 and response.headers["Location"].endswith("/thanks")
    submission = db.scalars(select(Submission)).one()
    assert submission.answers["ratings"] == {} and "departments" not in submission.answers["answers"]


def test_draft_saved_per_page_and_resumed_with_the_code(client, db, city):
    code = city.codes["invite"][3]
    entered = enter_code(client, code)
    response = post_page(client, entered.headers["Location"], ABOUT)
    assert response.headers["Location"].endswith("/p/1")
    draft = db.scalars(select(Draft)).one()
    assert draft.answers["a"]["district"] == "D01" and code not in str(draft.answers)
    browser2 = client.application.test_client()
    resumed = enter_code(browser2, code.lower())
    assert resumed.headers["Location"].endswith("/p/1")
    back = browser2.get(f"/s/{city.waves['invite']}/p/0").get_data(as_text=True)
    assert re.search(r'value="30-39" id="q-age_band-1" checked', back)
    final = answer_all(browser2, resumed.headers["Location"].replace("/p/1", "/p/0"))
    assert final.headers["Location"].endswith("/thanks")
    db.expire_all()
    assert db.scalars(select(Draft)).all() == []
    assert counts(db) == (1, 10, 1)


def test_large_text_toggle_sets_the_cookie(client, db, city):
    response = client.get("/s/large?on=1&next=/s/1")
    assert response.status_code == 303 and "minyi_large=1" in response.headers["Set-Cookie"]
    page = client.get(f"/s/{city.waves['open']}")
    assert "large-text" in page.get_data(as_text=True)


def test_english_switch(client, db, city):
    first = begin_open(client, city.waves["open"])
    html = client.get(first + "?lang=en").get_data(as_text=True)
    assert "Which district do you live in?" in html


def test_qr_code_link_opens_the_survey(client, db, city):
    code = city.codes["invite"][4]
    response = client.get(f"/s/code/{code.lower()}")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/s/{city.waves['invite']}/p/0")
    assert client.get("/s/code/NOT-A-CODE").status_code == 403


def test_answers_that_became_irrelevant_are_dropped(client, db, city):
    first = begin_open(client, city.waves["open"])
    response = post_page(client, first, dict(ABOUT, departments=["H02", "H03"]))
    response = post_page(client, response.headers["Location"], RATING)  # D01
    response = post_page(client, response.headers["Location"], dict(RATING, comment="H02 note"))
    assert response.headers["Location"].endswith("/p/3")  # H03 next
    # back to the first page: the respondent now says they only dealt with H03
    response = post_page(client, first, dict(ABOUT, departments=["H03"]))
    html = client.get(response.headers["Location"].replace("/p/1", "/p/2")).get_data(as_text=True)
    assert "市卫健委" in html and 'max="3" value="3"' in html
    response = post_page(client, response.headers["Location"].replace("/p/1", "/p/2"), RATING)
    assert response.headers["Location"].endswith("/thanks")
    submission = db.scalars(select(Submission)).one()
    assert set(submission.answers["ratings"]) == {"D01", "H03"}
    assert "H02 note" not in str(submission.answers)
    assert counts(db) == (1, 10, 1)


def test_code_guessing_is_rate_limited(client, db, app, city):
    app.config["SUBMIT_RATE_LIMIT"] = "3 per minute"
    statuses = [enter_code(client, f"WRONG{i}").status_code for i in range(4)]
    assert statuses == [403, 403, 403, 429]


def test_typed_values_are_escaped_when_the_page_is_shown_again(client, db, city):
    import html as html_lib
    import json

    first = begin_open(client, city.waves["open"])
    evil = "'\"><script>alert(1)</script>"
    response = post_page(client, first, dict(ABOUT, age_band=evil, sex=evil))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    attribute = re.search(r"data-answers='([^']*)'", page).group(1)
    assert json.loads(html_lib.unescape(attribute))["sex"] == evil


def test_viewing_a_page_sets_no_cookie(client, db, city):
    """A citizen's page view leaves the cookies alone: no user is loaded for a visitor without a
    login session, so Flask-Login's session protection neither rewrites the session cookie nor
    clears a remember cookie on every page."""
    first = begin_open(client, city.waves["open"])
    response = client.get(first)
    assert response.status_code == 200
    assert response.headers.getlist("Set-Cookie") == []
    assert 'class="main-nav"' not in response.get_data(as_text=True)  # no staff navigation
