"""The browser builder through the test client: create, add a 5-level item, publish, refuse an
edit of the published version, make a new version."""

from __future__ import annotations

from sqlalchemy import func, select

from survey.models import AuditLog, QuestionnaireVersion
from tests.conftest import csrf_from


def _post(client, path: str, data: dict[str, str], page: str | None = None):
    token = csrf_from(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def _version(db, version_id: int) -> QuestionnaireVersion:
    db.expire_all()
    return db.get(QuestionnaireVersion, version_id)


def test_builder_flow(client, auth, db) -> None:
    auth.login_as("admin")
    response = _post(client, "/admin/builder/new",
                     {"form_id": "city2027", "title_zh": "2027年满意度调查", "title_en": "Survey 2027"})
    assert response.status_code == 303
    version_id = db.scalar(select(QuestionnaireVersion.id))
    base = f"/admin/versions/{version_id}/builder"
    assert response.headers["Location"].endswith(base)
    page = client.get(base).get_data(as_text=True)
    assert "A questionnaire needs at least one section." in page or "至少" in page

    assert _post(client, f"{base}/sections/new", {
        "name": "about", "kind": "respondent", "title_zh": "基本情况"}).status_code == 303
    assert _post(client, f"{base}/nodes/0/add/question", {
        "name": "district", "type": "select_one_unit", "unit_kind": "district",
        "label_zh": "您居住在哪个区？", "required": "1", "stratum": "1"}).status_code == 303
    assert _post(client, f"{base}/sections/new", {
        "name": "rating", "kind": "unit", "title_zh": "满意度评价"}).status_code == 303
    # an invalid expression is refused at its field, and what was typed comes back
    refused = _post(client, f"{base}/nodes/1/add/question", {
        "name": "sat_overall", "type": "select_one", "preset": "sat5", "label_zh": "总体满意度",
        "required": "1", "scored": "1", "weight": "1", "overall": "1",
        "relevant": "${nowhere} = 'x'"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "nowhere" in text and 'value="总体满意度"' in text
    assert _version(db, version_id).definition["sections"][1]["items"] == []
    # the 5-level preset item
    response = _post(client, f"{base}/nodes/1/add/question", {
        "name": "sat_overall", "type": "select_one", "preset": "sat5", "label_zh": "总体满意度",
        "required": "1", "scored": "1", "weight": "1", "overall": "1"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    definition = _version(db, version_id).definition
    assert [c.get("score") for c in definition["choice_lists"]["sat5"]] == [100, 80, 60, 40, 0, None]
    item = definition["sections"][1]["items"][0]
    assert item == {"name": "sat_overall", "type": "select_one", "list": "sat5",
                    "label": {"zh": "总体满意度"}, "required": True, "scored": True, "weight": 1,
                    "overall": True}
    preview = client.get(f"/admin/versions/{version_id}/preview").get_data(as_text=True)
    assert "您居住在哪个区？" in preview and "<legend>" in preview

    # publishing asks once: without the confirmation it only shows what will happen
    response = _post(client, f"/admin/versions/{version_id}/publish", {},
                     page=f"/admin/versions/{version_id}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/versions/{version_id}/publish/confirm")
    assert _version(db, version_id).status.value == "draft"
    confirm = client.get(f"/admin/versions/{version_id}/publish/confirm").get_data(as_text=True)
    assert "永远不能再修改" in confirm or "can never change" in confirm
    response = _post(client, f"/admin/versions/{version_id}/publish", {"confirm": "1"},
                     page=f"/admin/versions/{version_id}/publish/confirm")
    assert response.status_code == 303
    published = _version(db, version_id)
    assert published.status.value == "published"
    before = (published.definition_sha256, published.definition)

    # editing the published version is refused with a clear message, nothing changes
    response = _post(client, f"{base}/nodes/1.0", {"name": "changed", "type": "text",
                                                    "label_zh": "改"},
                     page=f"/admin/versions/{version_id}")
    assert response.status_code == 409
    assert "can never change" in response.get_data(as_text=True) or "不能" in response.get_data(as_text=True)
    again = _version(db, version_id)
    assert (again.definition_sha256, again.definition) == before

    response = _post(client, f"/admin/versions/{version_id}/new-version", {},
                     page=f"/admin/versions/{version_id}")
    assert response.status_code == 303
    v2 = db.scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.version == 2))
    assert v2.status.value == "draft" and v2.definition == before[1]
    assert v2.definition_sha256 == before[0]
    actions = set(db.scalars(select(AuditLog.action)))
    assert {"questionnaire.create", "questionnaire.edit", "questionnaire.publish",
            "questionnaire.new_version"} <= actions


def test_builder_reorder_edit_delete_and_lists(client, auth, db) -> None:
    auth.login_as("admin")
    _post(client, "/admin/builder/new", {"form_id": "f1", "title_zh": "问卷"})
    version_id = db.scalar(select(QuestionnaireVersion.id))
    base = f"/admin/versions/{version_id}/builder"
    _post(client, f"{base}/sections/new", {"name": "s", "kind": "respondent", "title_zh": "甲"})
    response = _post(client, f"{base}/lists/new", {
        "list_name": "sex", "choice-0-name": "m", "choice-0-label_zh": "男",
        "choice-1-name": "f", "choice-1-label_zh": "女", "choice-2-name": ""})
    assert response.status_code == 303
    for name in ("a", "b"):
        _post(client, f"{base}/nodes/0/add/question", {"name": name, "type": "select_one",
                                                        "list": "sex", "label_zh": name})
    _post(client, f"{base}/nodes/0.1/move", {"direction": "up"}, page=base)
    doc = _version(db, version_id).definition
    assert [q["name"] for q in doc["sections"][0]["items"]] == ["b", "a"]
    response = _post(client, f"{base}/nodes/0.0", {"name": "b", "type": "integer",
                                                    "label_zh": "年龄", "min": "abc"})
    assert response.status_code == 422 and "abc" in response.get_data(as_text=True)
    _post(client, f"{base}/nodes/0.0", {"name": "b", "type": "integer", "label_zh": "年龄",
                                         "min": "18", "max": "99"})
    _post(client, f"{base}/nodes/0.1/delete", {}, page=base)
    doc = _version(db, version_id).definition
    assert doc["sections"][0]["items"] == [
        {"name": "b", "type": "integer", "label": {"zh": "年龄"}, "min": 18, "max": 99}]
    assert db.scalar(select(func.count(AuditLog.id)).where(
        AuditLog.action == "questionnaire.edit")) >= 5


def test_publish_refused_while_the_draft_has_issues(client, auth, db) -> None:
    auth.login_as("admin")
    _post(client, "/admin/builder/new", {"form_id": "f2", "title_zh": "问卷"})
    version_id = db.scalar(select(QuestionnaireVersion.id))
    response = _post(client, f"/admin/versions/{version_id}/publish", {"confirm": "1"},
                     page=f"/admin/versions/{version_id}")
    assert response.status_code == 422
    assert _version(db, version_id).status.value == "draft"
