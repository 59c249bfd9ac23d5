"""The builder's operations answer the script with fragments (no page load) and plain form posts
with redirects: the same server-side operations either way; duplicate, drag-to-position and
undo of the last change."""

from __future__ import annotations

from sqlalchemy import select

from survey.models import AuditLog, QuestionnaireVersion
from tests.conftest import csrf_from

FETCH = {"X-Minyi-Fragment": "1"}


def _draft(client, db) -> tuple[int, str, str]:
    page = client.get("/admin/builder/new").get_data(as_text=True)
    client.post("/admin/builder/new", data={"form_id": "f1", "title_zh": "问卷",
                                            "csrf_token": csrf_from(page)})
    version_id = db.scalar(select(QuestionnaireVersion.id))
    base = f"/admin/versions/{version_id}/builder"
    return version_id, base, csrf_from(client.get(base).get_data(as_text=True))


def _doc(db, version_id: int) -> dict:
    db.expire_all()
    return db.get(QuestionnaireVersion, version_id).definition


def _names(doc: dict, section: int = 0) -> list[str]:
    return [item["name"] for item in doc["sections"][section]["items"]]


def test_forms_and_changes_come_back_as_fragments(client, auth, db) -> None:
    auth.login_as("admin")
    version_id, base, token = _draft(client, db)
    form = client.get(f"{base}/sections/new", headers=FETCH)
    assert form.status_code == 200 and "X-Minyi-Fragment" in form.headers["Vary"]
    html = form.get_data(as_text=True)
    assert "<html" not in html and '<h3 class="form-title">' in html and 'name="csrf_token"' in html
    response = client.post(f"{base}/sections/new", headers=FETCH, data={
        "name": "about", "kind": "respondent", "title_zh": "基本情况", "csrf_token": token})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'class="flash success builder-notice"' in html
    assert 'id="node-0"' in html and "第1部分「基本情况」：至少需要一道题。" in html
    # a refused edit: the form again, with the message at its field and what was typed
    refused = client.post(f"{base}/nodes/0/add/question", headers=FETCH, data={
        "name": "age", "type": "integer", "label_zh": "年龄", "min": "x", "csrf_token": token})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "<html" not in html and 'id="min-error"' in html and 'value="x"' in html
    assert _names(_doc(db, version_id)) == []
    # without the header: the same operation, answered by a redirect to the builder page
    plain = client.post(f"{base}/nodes/0/add/question", data={
        "name": "age", "type": "integer", "label_zh": "年龄", "csrf_token": token})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(base)
    assert _names(_doc(db, version_id)) == ["age"]


def test_duplicate_move_to_and_undo(client, auth, db) -> None:
    auth.login_as("admin")
    version_id, base, token = _draft(client, db)
    client.post(f"{base}/sections/new", data={"name": "s", "kind": "respondent", "title_zh": "甲",
                                              "csrf_token": token})
    for name in ("a", "b"):
        client.post(f"{base}/nodes/0/add/question", data={
            "name": name, "type": "text", "label_zh": name, "csrf_token": token})
    response = client.post(f"{base}/nodes/0.0/duplicate", headers=FETCH, data={"csrf_token": token})
    assert response.status_code == 200 and "a 已复制为 a_copy。" in response.get_data(as_text=True)
    doc = _doc(db, version_id)
    assert _names(doc) == ["a", "a_copy", "b"]
    assert doc["sections"][0]["items"][1] == {**doc["sections"][0]["items"][0], "name": "a_copy"}
    # a whole section is copied with new names for everything in it
    client.post(f"{base}/nodes/0/duplicate", data={"csrf_token": token})
    doc = _doc(db, version_id)
    assert doc["sections"][1]["name"] == "s_copy" and _names(doc, 1) == ["a_copy2", "a_copy_copy", "b_copy"]
    # drag and drop: the question b moves to the first place of its section
    client.post(f"{base}/nodes/0.2/move", data={"to": "0", "csrf_token": token})
    assert _names(_doc(db, version_id)) == ["b", "a", "a_copy"]
    undo = client.post(f"{base}/undo", headers=FETCH, data={"csrf_token": token})
    assert undo.status_code == 200 and "已撤销" in undo.get_data(as_text=True)
    assert _names(_doc(db, version_id)) == ["a", "a_copy", "b"]
    # one level: the undo itself is not undone, and nothing else is
    again = client.post(f"{base}/undo", data={"csrf_token": token})
    assert again.status_code == 409 and "没有可以撤销的修改" in again.get_data(as_text=True)
    page = client.get(base).get_data(as_text=True)
    assert f'action="{base}/undo"' not in page
    client.post(f"{base}/nodes/0.1/delete", data={"csrf_token": token})
    page = client.get(base).get_data(as_text=True)
    assert f'action="{base}/undo"' in page and "删除了第1部分「甲」第2题「a」" in page  # its label
    client.post(f"{base}/undo", data={"csrf_token": token})
    assert _names(_doc(db, version_id)) == ["a", "a_copy", "b"]
    actions = list(db.scalars(select(AuditLog.action).where(AuditLog.action.like("questionnaire.builder%"))))
    assert actions.count("questionnaire.builder_undo") == 2


def test_undo_is_refused_once_the_version_is_published(client, auth, db) -> None:
    from survey.questionnaire import load_demo_definition

    auth.login_as("admin")
    version_id, base, token = _draft(client, db)
    version = db.get(QuestionnaireVersion, version_id)
    from survey.builder_history import save_change

    save_change(db, version, dict(version.definition), load_demo_definition().to_dict() | {"form_id": "f1"},
                "admin1", "upload", "replace")
    db.commit()
    page = client.get(f"/admin/versions/{version_id}/publish/confirm").get_data(as_text=True)
    assert client.post(f"/admin/versions/{version_id}/publish", data={
        "confirm": "1", "csrf_token": csrf_from(page)}).status_code == 303
    assert client.post(f"{base}/undo", data={"csrf_token": token}).status_code == 409
    assert _doc(db, version_id)["sections"]
