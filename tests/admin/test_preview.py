"""The preview behaves like the survey: page by page, skip logic, validation, screen-out, the loop
over rated units, each language, and nothing stored anywhere."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from survey.models import AuditLog, Submission, SurveySession
from tests.conftest import csrf_from


def _version(db) -> int:
    """The demo questionnaire plus a follow-up asked only of those who dealt with B01."""
    from survey.questionnaire import load_demo_definition
    from survey.versions import import_questionnaire

    doc = load_demo_definition().to_dict()
    doc["sections"][0]["items"].append({
        "name": "b01_reason", "type": "text", "max_length": 100, "required": True,
        "label": {"zh": "您为什么去市公安局？", "en": "Why did you go to Public Security?"},
        "relevant": "selected(${departments}, 'B01')"})
    version = import_questionnaire(db, "d.json", json.dumps(doc).encode(), "test")
    db.commit()
    return version.id


def _form(page: str) -> dict[str, str]:
    return {name: value for name, value in re.findall(
        r'<input type="hidden" name="(csrf_token|state|page|plang)" value="([^"]*)"', page)}


def _unescape(text: str) -> str:
    return text.replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")


def _send(client, url: str, page: str, answers: dict, action: str = "next"):
    fields = {k: _unescape(v) for k, v in _form(page).items()}
    return client.post(url, data={**fields, **answers, "action": action})


def _stored(db) -> tuple[int, int]:
    return (db.scalar(select(func.count(Submission.id))),
            db.scalar(select(func.count(SurveySession.id))))


def test_the_preview_walks_the_survey_and_stores_nothing(client, auth, db, city) -> None:
    version_id = _version(db)
    auth.login_as("admin")
    audit_before = db.scalar(select(func.count(AuditLog.id)))
    url = f"/admin/versions/{version_id}/preview"
    page = client.get(url).get_data(as_text=True)
    assert 'class="phone-frame preview"' in page and "第 1 页，共 2 页" in page
    assert f'form method="post" action="{url}" novalidate class="survey-form"' in page
    # the follow-up carries its condition for the survey's script, as the citizen's page does
    when = re.search(r'data-name="b01_reason" data-when="([^"]+)"', page)
    assert when and json.loads(_unescape(when.group(1))) == [
        ["call", "selected", ["ref", "departments"], ["str", "B01"]]]
    assert "selected(${departments}, &#39;B01&#39;)" in page  # the rule, for the administrator

    # validation as in the survey: the required questions are named, nothing is kept
    response = _send(client, url, page, {"district": "D01"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="q-age_band-error"' in page and "此题为必答题" in page
    assert 'value="D01" id="q-district" checked' in page

    # B01 chosen: its follow-up is required on the same page (decided when the page is sent)
    answers = {"district": "D01", "age_band": "30-39", "sex": "f", "gov_staff": "no",
               "departments": ["B01"]}
    response = _send(client, url, page, answers)
    assert response.status_code == 422 and 'id="q-b01_reason-error"' in response.get_data(as_text=True)
    response = _send(client, url, response.get_data(as_text=True), {**answers, "b01_reason": "办证"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # the unit loop: the district of residence first, then the department chosen
    assert "第 2 页，共 3 页" in page and '<span class="unit-name">东城区</span>' in page
    ratings = {q: "5" for q in ("sat_overall", "sat_attitude", "sat_efficiency", "sat_integrity",
                                "sat_openness")}
    page = _send(client, url, page, ratings).get_data(as_text=True)
    assert '<span class="unit-name">市公安局</span>' in page and "第 3 页，共 3 页" in page
    back = _send(client, url, page, {}, action="back").get_data(as_text=True)
    assert '<span class="unit-name">东城区</span>' in back and 'value="5" id="q-sat_overall" checked' in back
    page = _send(client, url, back, ratings).get_data(as_text=True)
    done = _send(client, url, page, {**ratings, "comment": "很好"}).get_data(as_text=True)
    assert "问卷结束" in done and "没有保存任何内容" in done
    assert "<dd>办证</dd>" in done and "<h3>市公安局</h3>" in done and "<dd>很好</dd>" in done
    db.expire_all()
    assert _stored(db) == (0, 0)
    assert db.scalar(select(func.count(AuditLog.id))) == audit_before


def test_skip_rule_hides_the_question_when_the_condition_is_false(client, auth, db, city) -> None:
    version_id = _version(db)
    auth.login_as("admin")
    url = f"/admin/versions/{version_id}/preview"
    page = client.get(url).get_data(as_text=True)
    answers = {"district": "D02", "age_band": "70+", "sex": "m", "gov_staff": "no",
               "b01_reason": "ignored"}
    done = _send(client, url, page, answers)
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    assert '<span class="unit-name">西城区</span>' in page and "第 2 页，共 2 页" in page
    state = json.loads(_unescape(_form(page)["state"]))
    assert "b01_reason" not in state["a"]  # not relevant: dropped, as the survey drops it


def test_screen_out_ends_the_preview(client, auth, db, city) -> None:
    version_id = _version(db)
    auth.login_as("admin")
    url = f"/admin/versions/{version_id}/preview"
    page = client.get(url).get_data(as_text=True)
    done = _send(client, url, page, {"district": "D01", "age_band": "30-39", "sex": "f",
                                     "gov_staff": "yes"}).get_data(as_text=True)
    assert "问卷结束" in done and "被甄别出局" in done and "您是否在党政机关或事业单位工作？" in done


def test_each_language_of_the_questionnaire(client, auth, db, city) -> None:
    version_id = _version(db)
    auth.login_as("admin")
    page = client.get(f"/admin/versions/{version_id}/preview?plang=en").get_data(as_text=True)
    assert "Which district do you live in?" in page and 'lang="en"' in page
    assert 'name="plang" value="en"' in page
    zh = client.get(f"/admin/versions/{version_id}/preview").get_data(as_text=True)
    assert "您目前居住在哪个县（市、区）？" in zh and f'href="/admin/versions/{version_id}/preview?plang=en"' in zh


def test_a_tampered_preview_state_is_never_a_server_error(client, auth, db, city) -> None:
    version_id = _version(db)
    auth.login_as("admin")
    url = f"/admin/versions/{version_id}/preview"
    token = csrf_from(client.get(url).get_data(as_text=True))
    for state, page in (("{", "0"), ('{"a": [1], "r": 3}', "99"), ("null", "-1"),
                        ('{"a": {"district": {"x": 1}}, "r": {"D01": 5}}', "1")):
        response = client.post(url, data={"csrf_token": token, "state": state, "page": page,
                                          "action": "next"})
        assert response.status_code in (200, 422), (state, page)
    assert client.post(url, data={"state": "{}"}).status_code == 400  # no CSRF token
