"""The builder speaks the administrator's words: issues say where (section, question) and which
field as the page names it, numeric fields bring up the number pad, languages come from a list."""

from __future__ import annotations

import re

from sqlalchemy import select

from survey.builder_words import describe_issue, field_label, node_words
from survey.models import QuestionnaireVersion
from tests.conftest import csrf_from

DOC = {"format": "minyi/1", "form_id": "f", "title": {"zh": "问卷"}, "languages": ["zh", "en"],
       "default_language": "zh", "choice_lists": {"sat5": [{"name": "5", "label": {"zh": "满意"}}]},
       "sections": [
           {"name": "about", "kind": "respondent", "title": {"zh": "基本情况", "en": "About you"},
            "items": [{"name": "age", "type": "integer", "label": {"zh": "您的年龄", "en": "Your age"}},
                      {"name": "g", "type": "group", "label": {"zh": "住房"}, "items": [
                          {"name": "rent", "type": "integer", "label": {"zh": "月租"}}]}]},
           {"name": "rating", "kind": "unit", "title": {"zh": "满意度评价"}, "items": []}]}


def test_places_and_fields_in_chinese(app) -> None:
    with app.test_request_context("/"):
        assert node_words(DOC, (0, 0), "zh") == "第1部分「基本情况」第1题「您的年龄」"
        assert node_words(DOC, (0, 1, 0), "zh") == "第1部分「基本情况」第2个题组「住房」第1题「月租」"
        empty = describe_issue(DOC, "sections[1].items", "A section or group needs at least one item.", "zh")
        assert empty.text == "第2部分「满意度评价」：至少需要一道题。"
        assert (empty.place, empty.field) == ("1", "items")
        bounds = describe_issue(DOC, "sections[0].items[0].max", "最大值不能小于最小值。", "zh")
        assert bounds.text == "第1部分「基本情况」第1题「您的年龄」的“最大值（数字题）”：最大值不能小于最小值。"
        assert bounds.label == "最大值（数字题）" and bounds.place == "0.0"
        score = describe_issue(DOC, "choice_lists.sat5[0].score", "分值须在 0 到 100 之间。", "zh")
        assert score.text.startswith("选项列表「sat5」第1个选项的“分值”")
        assert describe_issue(DOC, "languages[1]", "x", "zh").label == "语言"


def test_places_and_fields_in_english(app) -> None:
    with app.test_request_context("/?lang=en"):
        issue = describe_issue(DOC, "sections[0].items[0].relevant", "Unknown question ${x}.", "en")
        assert issue.text == ("Section 1 “About you”, question 1 “Your age” — Shown when (expression): "
                              "Unknown question ${x}.")
        assert field_label("weight") == "Item weight"
        assert field_label("label_en") == "Question text"
        assert field_label("label", group=True) == "Label"


def _new_draft(client, db) -> tuple[int, str]:
    page = client.get("/admin/builder/new").get_data(as_text=True)
    client.post("/admin/builder/new", data={"form_id": "f1", "title_zh": "问卷",
                                            "csrf_token": csrf_from(page)})
    version_id = db.scalar(select(QuestionnaireVersion.id))
    return version_id, f"/admin/versions/{version_id}/builder"


def test_builder_page_names_no_internal_location(client, auth, db) -> None:
    auth.login_as("admin")
    version_id, base = _new_draft(client, db)
    page = client.get(base).get_data(as_text=True)
    token = csrf_from(page)
    client.post(f"{base}/sections/new", data={"name": "about", "kind": "respondent",
                                              "title_zh": "基本情况", "csrf_token": token})
    page = client.get(base).get_data(as_text=True)
    assert "第1部分「基本情况」：至少需要一道题。" in page
    assert 'href="#node-0"' in page
    assert "sections[" not in page and "items[" not in page
    version_page = client.get(f"/admin/versions/{version_id}").get_data(as_text=True)
    assert "第1部分「基本情况」：至少需要一道题。" in version_page and "sections[" not in version_page


def test_numeric_fields_bring_the_number_pad_and_weight_starts_at_one(client, auth, db) -> None:
    auth.login_as("admin")
    _version_id, base = _new_draft(client, db)
    token = csrf_from(client.get(base).get_data(as_text=True))
    client.post(f"{base}/sections/new", data={"name": "r", "kind": "unit", "title_zh": "评价",
                                              "csrf_token": token})
    form = client.get(f"{base}/nodes/0/add/question").get_data(as_text=True)
    assert "&quot;" not in form
    assert re.search(r'name="min" value="" inputmode="decimal"', form)
    assert re.search(r'name="max_length" value="" inputmode="numeric"', form)
    assert re.search(r'name="weight" value="1" inputmode="decimal"', form)


def test_errors_name_the_field_as_the_form_does(client, auth, db) -> None:
    auth.login_as("admin")
    _version_id, base = _new_draft(client, db)
    token = csrf_from(client.get(base).get_data(as_text=True))
    client.post(f"{base}/sections/new", data={"name": "s", "kind": "respondent", "title_zh": "甲",
                                              "csrf_token": token})
    response = client.post(f"{base}/nodes/0/add/question", data={
        "name": "age", "type": "integer", "label_zh": "年龄", "min": "abc", "max": "10",
        "csrf_token": token})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    summary = page[page.index('class="error-summary"'):page.index("</div>", page.index('class="error-summary"'))]
    assert '<a href="#f-min"><strong>最小值（数字题）</strong></a>' in summary
    assert 'value="abc"' in page  # what was typed stays
    response = client.post(f"{base}/nodes/0/add/question", data={
        "name": "age", "type": "integer", "label_zh": "年龄", "min": "20", "max": "10",
        "csrf_token": token})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<strong>最大值（数字题）</strong>' in page and "最大值不能小于最小值" in page


def test_languages_are_chosen_from_a_list(client, auth, db) -> None:
    auth.login_as("admin")
    version_id, base = _new_draft(client, db)
    page = client.get(base).get_data(as_text=True)
    assert 'type="checkbox" name="languages" value="zh" checked' in page
    assert 'type="checkbox" name="languages" value="en" checked' in page
    assert '<select id="s-default_language" name="default_language">' in page
    response = client.post(f"{base}/settings", data={
        "title_zh": "问卷", "languages": ["zh"], "default_language": "zh", "csrf_token": csrf_from(page)})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(QuestionnaireVersion, version_id).definition["languages"] == ["zh"]
    response = client.post(f"{base}/settings", data={
        "title_zh": "问卷", "languages": ["zh"], "default_language": "en", "csrf_token": csrf_from(page)})
    assert response.status_code == 422
    assert "默认语言" in response.get_data(as_text=True)
