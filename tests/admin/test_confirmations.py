"""What cannot be undone asks once: publishing a version, opening and closing a wave show what
will happen on a confirmation page (a plain POST form with its CSRF token, no JavaScript)."""

from __future__ import annotations

import json

from sqlalchemy import select

from survey.models import QuestionnaireVersion, Wave
from tests.conftest import csrf_from


def _draft(db) -> int:
    from survey.questionnaire import load_demo_definition
    from survey.versions import import_questionnaire

    doc = load_demo_definition().to_dict()
    version = import_questionnaire(db, "d.json", json.dumps(doc).encode(), "test")
    db.commit()
    return version.id


def test_publishing_shows_what_freezes_then_publishes_once_confirmed(client, auth, db) -> None:
    version_id = _draft(db)
    auth.login_as("admin")
    version_page = client.get(f"/admin/versions/{version_id}").get_data(as_text=True)
    assert f'href="/admin/versions/{version_id}/publish/confirm"' in version_page
    assert f'action="/admin/versions/{version_id}/publish"' not in version_page  # no one-click
    page = client.get(f"/admin/versions/{version_id}/publish/confirm").get_data(as_text=True)
    assert "此版本将被冻结" in page and "只有使用此版本的调查批次开始后，市民才能作答" in page
    assert "<dt>题目数</dt><dd>11</dd>" in page and "<dt>计分题数</dt><dd>5</dd>" in page
    assert "district, age_band, sex" in page
    form = page[page.index(f'action="/admin/versions/{version_id}/publish"'):]
    assert 'name="csrf_token"' in form and 'name="confirm" value="1"' in form
    # without the token the form is refused; with it, the version is published
    assert client.post(f"/admin/versions/{version_id}/publish", data={"confirm": "1"}).status_code == 400
    response = client.post(f"/admin/versions/{version_id}/publish",
                           data={"confirm": "1", "csrf_token": csrf_from(page)})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(QuestionnaireVersion, version_id).status.value == "published"
    again = client.get(f"/admin/versions/{version_id}/publish/confirm").get_data(as_text=True)
    assert "只有草稿版本可以发布" in again and 'name="confirm"' not in again


def test_a_draft_with_issues_offers_no_publish_button(client, auth, db) -> None:
    auth.login_as("admin")
    page = client.get("/admin/builder/new").get_data(as_text=True)
    client.post("/admin/builder/new", data={"form_id": "f", "title_zh": "问卷",
                                            "csrf_token": csrf_from(page)})
    version_id = db.scalar(select(QuestionnaireVersion.id))
    page = client.get(f"/admin/versions/{version_id}/publish/confirm").get_data(as_text=True)
    assert "发布前需全部修正" in page and 'name="confirm"' not in page


def test_opening_a_wave_says_who_can_answer_and_what_is_missing(client, auth, db, wave_id) -> None:
    auth.login_as("admin")
    wave_page = client.get(f"/admin/waves/{wave_id}").get_data(as_text=True)
    assert f'href="/admin/waves/{wave_id}/open/confirm"' in wave_page
    page = client.get(f"/admin/waves/{wave_id}/open/confirm").get_data(as_text=True)
    assert "持有邀请码的人可以作答，每个邀请码一次，时间为 2026-10-01 08:00 至 2026-12-31 20:00" in page
    assert "目前已生成 0 个未使用的邀请码" in page
    assert "评价 3 个被评单位（2 个县区、1 个市级部门）" in page
    assert "age_band, district, sex 没有总体边际分布" in page
    assert "没有未使用的邀请码：生成邀请码之前无人能够作答。" in page
    assert "调查批次开始后不能再回到草稿状态" in page
    response = client.post(f"/admin/waves/{wave_id}/open",
                           data={"confirm": "1", "csrf_token": csrf_from(page)})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Wave, wave_id).state.value == "open"
    assert "不能开始" in client.get(f"/admin/waves/{wave_id}/open/confirm").get_data(as_text=True)


def test_closing_a_wave_says_what_is_deleted_and_frozen(client, auth, db, wave_id) -> None:
    db.get(Wave, wave_id).open()
    db.commit()
    auth.login_as("admin")
    wave_page = client.get(f"/admin/waves/{wave_id}").get_data(as_text=True)
    assert f'href="/admin/waves/{wave_id}/close/confirm"' in wave_page
    page = client.get(f"/admin/waves/{wave_id}/close/confirm").get_data(as_text=True)
    assert "链接和所有未使用的邀请码都将失效" in page
    assert "0 份已开始但未提交的问卷将连同其中的内容一起删除" in page
    assert "也不能重新开始" in page
    response = client.post(f"/admin/waves/{wave_id}/close",
                           data={"confirm": "1", "csrf_token": csrf_from(page)})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Wave, wave_id).state.value == "closed"
