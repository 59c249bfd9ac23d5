"""DESIGN §6 through the HTML form: 303 to thanks, refused pages by redirect with every answer
kept, 上一页 without validation, progress, the screen-out page, status pages."""

from __future__ import annotations

import re

from sqlalchemy import func, select, update

from survey.models import Draft, Submission, SubmissionStatus, SurveySession, Wave, WaveState
from tests.collect.factory import body, counts, issue_code
from tests.collect.web import ABOUT, RATING, answer_all, begin_open, enter_code, post_page, refused
from tests.conftest import csrf_from


def _progress(html: str) -> tuple[str, str, str]:
    """(the progress sentence, the bar's value, its maximum)."""
    label = re.search(r'id="progress-label">([^<]*)<', html).group(1)
    bar = re.search(r'<progress max="(\d+)" value="(\d+)"', html)
    return label, bar.group(2), bar.group(1)


def test_open_link_survey_stores_one_submission_and_redirects_to_thanks(client, db, city):
    first = begin_open(client, city.waves["open"])
    response = answer_all(client, first)
    assert response.status_code == 303 and response.headers["Location"].endswith("/thanks")
    assert counts(db) == (1, 10, 1)
    submission = db.scalars(select(Submission)).one()
    assert submission.answers["answers"]["departments"] == ["H02"]
    assert submission.answers["ratings"]["H02"]["sat_overall"] == "4"
    assert "comment" not in submission.answers["ratings"]["D01"]  # empty text is no answer
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "谢谢" in thanks


def test_progress_counts_the_pages_skip_logic_leaves(client, db, city):
    first = begin_open(client, city.waves["open"])
    # the first page decides the units to rate: the count is a minimum until it is sent
    assert _progress(client.get(first).get_data(as_text=True)) == ("第 1 页，至少共 2 页", "0", "2")
    response = post_page(client, first, ABOUT)  # district D01 and one department: 3 pages
    second = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _progress(second) == ("第 2 页，共 3 页", "1", "3")
    assert "东城区" in second and '<legend>' in second and 'for="q-sat_overall"' in second
    response = post_page(client, response.headers["Location"], RATING)
    assert _progress(client.get(response.headers["Location"]).get_data(as_text=True)) == (
        "第 3 页，共 3 页", "2", "3")


def test_thanks_page_says_when_and_where_results_are_published(client, db, city):
    response = answer_all(client, begin_open(client, city.waves["open"]))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    wave = db.get(Wave, city.waves["open"])
    assert "结果何时公布" in html and f"{wave.period}的评价结果将在调查于" in html
    assert 'href="/results"' in html
    wave.settings = {**wave.settings, "results_notice": {"zh": "结果将于2027年1月在市政府网站公示。"}}
    db.commit()
    assert "结果将于2027年1月在市政府网站公示。" in client.get(
        response.headers["Location"]).get_data(as_text=True)


def test_reload_of_final_post_is_a_replay_redirected_to_thanks(client, db, city):
    first = begin_open(client, city.waves["open"])
    response = answer_all(client, first)
    last_url = f"/s/{city.waves['open']}/p/2"
    again = client.post(last_url, data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True)),
                                        **RATING})
    assert again.status_code == 303 and again.headers["Location"].endswith("/thanks")
    assert response.status_code == 303
    assert counts(db) == (1, 10, 1)
    # Back to the last page after submitting shows the thank-you page, never the form again
    back = client.get(last_url)
    assert back.status_code == 303 and back.headers["Location"].endswith("/thanks")


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
    used = enter_code(other, code)  # refused by a redirect to the code page, which says why
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


def test_refused_page_comes_back_by_redirect_with_every_error_and_answer(client, db, city):
    first = begin_open(client, city.waves["open"])
    response = post_page(client, first, {"district": "D02", "age_band": "", "sex": "",
                                         "departments": ["H01", "H03"]})
    assert refused(response, first)  # Post/Redirect/Get: Back never resends the form
    shown = client.get(first)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    html = shown.get_data(as_text=True)
    summary = html[html.index("error-summary"):html.index("</ul>", html.index("error-summary"))]
    for name in ("age_band", "sex", "gov_staff"):
        assert f'href="#q-{name}"' in summary
        assert f'id="q-{name}-error"' in html
    assert "此题为必答题。" in summary
    assert re.search(r'value="D02" id="q-district-1" checked', html)
    assert re.search(r'value="H01" id="q-departments" checked', html)
    assert re.search(r'value="H03" id="q-departments-2" checked', html)
    assert 'aria-invalid="true"' in html and "<title>错误" in html
    # the errors are worked out again in the language the page is read in
    english = client.get(first + "?lang=en").get_data(as_text=True)
    assert "This question is required." in english
    assert counts(db) == (0, 0, 0)
    # corrected, the page is accepted and the errors are gone
    response = post_page(client, first, ABOUT)
    assert response.headers["Location"].endswith("/p/1")
    assert "error-summary" not in client.get(first).get_data(as_text=True)


def test_invalid_text_length_on_unit_page_keeps_typed_text(client, db, city):
    first = begin_open(client, city.waves["open"])
    response = post_page(client, first, ABOUT)
    url = response.headers["Location"]
    long_text = "很长的意见" * 120
    response = post_page(client, url, dict(RATING, comment=long_text, sat_attitude="7"))
    assert refused(response, url)
    html = client.get(url).get_data(as_text=True)
    assert long_text in html and 'href="#q-comment"' in html and 'href="#q-sat_attitude"' in html
    assert counts(db) == (0, 0, 0)


def test_previous_page_keeps_what_was_typed_without_validating_it(client, db, city):
    first = begin_open(client, city.waves["open"])
    second = post_page(client, first, ABOUT).headers["Location"]
    # half a page, one answer out of range, and a comment: 上一页 keeps all of it
    typed = {"sat_overall": "2", "sat_attitude": "", "comment": "窗口排队太久"}
    back = post_page(client, second, typed, action="back")
    assert back.status_code == 303 and back.headers["Location"] == first
    html = client.get(first).get_data(as_text=True)
    assert "error-summary" not in html and re.search(r'value="30-39" id="q-age_band-1" checked', html)
    forward = post_page(client, first, ABOUT)
    assert forward.headers["Location"] == second
    html = client.get(second).get_data(as_text=True)
    assert "error-summary" not in html and "窗口排队太久" in html
    assert re.search(r'value="2" id="q-sat_overall-3" checked', html)
    # after an error, 上一页 and forward again: the refused answers are still there
    assert refused(post_page(client, second, dict(typed, comment="第二次")), second)
    post_page(client, second, {"sat_overall": "2", "comment": "第二次"}, action="back")
    post_page(client, first, ABOUT)
    assert "第二次" in client.get(second).get_data(as_text=True)
    assert counts(db) == (0, 0, 0)


def test_unknown_code_comes_back_to_the_code_page_403(client, db, city):
    response = enter_code(client, "AAAA-BBBB-CCCC")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and 'value="AAAA-BBBB-CCCC"' in html
    assert "7KQX-2MBD-9F3T-H4WZ" in html  # the hint shows a code of the real format
    assert client.get("/s/code").status_code == 200  # shown once; a reload is a blank form
    assert enter_code(client, "   ").status_code == 422
    assert counts(db) == (0, 0, 0)


def test_codes_are_typed_in_any_case_with_or_without_dashes(client, db, city):
    code = city.codes["invite"][5]
    spaced = " ".join(code[i:i + 4] for i in range(0, len(code), 4)).lower()
    entered = enter_code(client, spaced)
    assert entered.status_code == 303 and entered.headers["Location"].endswith("/p/0")


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
    assert statuses == [303, 303, 429]
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


def test_screen_out_explains_why_the_survey_ends_and_what_is_recorded(client, db, city):
    first = begin_open(client, city.waves["open"])
    response = post_page(client, first, dict(ABOUT, gov_staff="yes"))
    end_url = response.headers["Location"]
    assert response.status_code == 303 and end_url.endswith("/end")
    html = client.get(end_url).get_data(as_text=True)
    assert "调查到此结束" in html
    assert "您是否在党政机关或事业单位工作？——是" in html  # the question and the answer given
    assert "机关工作人员不参加本次调查" in html  # why, from the questionnaire
    assert "不会记录其他任何信息" in html  # what is recorded
    assert counts(db) == (0, 0, 0)
    token = csrf_from(html)
    # 上一页: back to the question, the answer kept to be changed
    back = client.post(end_url, data={"csrf_token": token, "action": "back"})
    assert back.headers["Location"] == first
    assert re.search(r'value="yes" id="q-gov_staff" checked', client.get(first).get_data(as_text=True))
    finish = client.post(end_url, data={"csrf_token": token, "action": "finish"})
    assert finish.status_code == 303 and finish.headers["Location"].endswith("/thanks")
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


def test_a_code_issued_for_a_district_answers_the_district_question(client, db, city):
    code = issue_code(db, city.waves["invite"], district_id=city.unit_ids["D02"])
    db.commit()
    first = enter_code(client, code).headers["Location"]
    html = client.get(first).get_data(as_text=True)
    assert 'name="district"' not in html  # not asked ...
    assert "西城区" in html and "由您的邀请码确定" in html  # ... but said
    about = {k: v for k, v in ABOUT.items() if k != "district"}
    response = answer_all(client, first, about=about)
    assert response.headers["Location"].endswith("/thanks")
    submission = db.scalars(select(Submission)).one()
    assert submission.answers["answers"]["district"] == "D02"
    assert set(submission.answers["ratings"]) == {"D02", "H02"}


def test_large_text_toggle_sets_the_cookie(client, db, city):
    response = client.get("/s/large?on=1&next=/s/1")
    assert response.status_code == 303 and "minyi_large=1" in response.headers["Set-Cookie"]
    page = client.get(f"/s/{city.waves['open']}")
    assert "large-text" in page.get_data(as_text=True)


def test_english_chosen_by_the_address_stays_on_the_next_pages(client, db, city):
    first = begin_open(client, city.waves["open"])
    html = client.get(first + "?lang=en").get_data(as_text=True)
    assert "Which district do you live in?" in html
    token = csrf_from(html)
    response = client.post(first + "?lang=en", data={"csrf_token": token, "action": "next", **ABOUT})
    assert response.headers["Location"].endswith("/p/1?lang=en")
    assert "Overall, how satisfied" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_start_page_introduction_comes_from_the_questionnaire(client, db, city):
    html = client.get(f"/s/{city.waves['open']}").get_data(as_text=True)
    assert "请告诉市政府，您对所居住县（市、区）和打过交道的市级部门的工作是否满意。" in html
    english = client.get(f"/s/{city.waves['open']}?lang=en").get_data(as_text=True)
    assert "the work of the district you live in" in english


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
    assert "市卫健委" in html and 'max="3" value="2"' in html
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
    assert refused(response, first)
    page = client.get(first).get_data(as_text=True)
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


def test_a_refused_page_is_kept_and_a_refused_submission_leaves_nothing(client, db, city):
    """Requests commit at the edge: a refused page (a 303) keeps what was typed; a submission
    refused with 409 (the code was used meanwhile) leaves nothing behind, not even its page."""
    first = begin_open(client, city.waves["open"])
    post_page(client, first, {"district": "D02"})
    db.expire_all()
    assert db.scalar(select(func.count(SurveySession.id))) == 1
    assert db.scalar(select(SurveySession.state))["u"]["about"]["district"] == "D02"
    code = city.codes["invite"][7]
    second = post_page(client, enter_code(client, code).headers["Location"], ABOUT).headers["Location"]
    last = post_page(client, second, RATING).headers["Location"]  # D01, then H02: the last page
    client.application.test_client().post(
        f"/api/v1/waves/{city.waves['invite']}/submissions", json=body(code))
    response = post_page(client, last, dict(RATING, comment="最后一页的意见"))
    assert response.status_code == 409
    assert counts(db) == (1, 10, 1)  # the API's submission only
    db.expire_all()
    assert "最后一页的意见" not in str(db.scalars(select(SurveySession.state)).all())


def test_a_resent_form_whose_first_answer_was_lost_leads_to_thanks(client, db, city):
    """The browser sent the last page, the server stored it, the answer (and its cookie) never
    arrived: the old cookie still finds the stored response, and nothing is stored twice."""
    first = begin_open(client, city.waves["open"])
    last = post_page(client, post_page(client, first, ABOUT).headers["Location"],
                     RATING).headers["Location"]
    html = client.get(last).get_data(as_text=True)
    old_cookie = client.get_cookie("session").value
    form = {"csrf_token": csrf_from(html), "action": "next", **RATING}
    assert client.post(last, data=form).headers["Location"].endswith("/thanks")
    client.set_cookie("session", old_cookie)  # as if that answer had been lost
    again = client.post(last, data=form)
    assert again.status_code == 303 and again.headers["Location"].endswith("/thanks")
    assert client.get(last).headers["Location"].endswith("/thanks")
    assert counts(db) == (1, 10, 1)


def test_entering_the_code_again_takes_the_latest_draft_from_any_device(client, db, city):
    code = city.codes["invite"][8]
    phone = client.application.test_client()
    first = enter_code(client, code).headers["Location"]
    post_page(client, first, ABOUT)  # the computer: first page
    second = enter_code(phone, code).headers["Location"]
    assert second.endswith("/p/1")
    post_page(phone, second, {"sat_overall": "5", "comment": "在手机上写的"}, action="back")
    again = enter_code(client, code)  # back on the computer
    assert again.headers["Location"] == first
    assert "在手机上写的" in client.get(second).get_data(as_text=True)
