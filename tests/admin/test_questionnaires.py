"""Questionnaire upload, version page, export, publish through the admin pages."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from sqlalchemy import func, select

from survey.hashing import canonical_json, sha256_hex
from survey.models import AuditLog, Questionnaire, QuestionnaireVersion
from survey.questionnaire import export_xlsform, load_demo_definition
from tests.conftest import csrf_from


def _upload(client, content: bytes, filename: str, publish: bool = False):
    token = csrf_from(client.get("/admin/questionnaires/upload").get_data(as_text=True))
    data = {"csrf_token": token, "file": (io.BytesIO(content), filename)}
    if publish:
        data["publish"] = "1"
    return client.post("/admin/questionnaires/upload", data=data, content_type="multipart/form-data")


def test_upload_xlsform_then_export_both_formats(client, auth, db) -> None:
    auth.login_as("admin")
    demo = load_demo_definition()
    response = _upload(client, export_xlsform(demo), "demo.xlsx")
    assert response.status_code == 303
    version = db.scalar(select(QuestionnaireVersion))
    assert version.status.value == "draft" and version.definition == demo.to_dict()
    assert version.definition_sha256 == sha256_hex(canonical_json(demo.to_dict()))
    exported = client.get(f"/admin/versions/{version.id}/export/json")
    assert exported.status_code == 200 and json.loads(exported.data) == demo.to_dict()
    xlsx = client.get(f"/admin/versions/{version.id}/export/xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    token = csrf_from(client.get(f"/admin/versions/{version.id}").get_data(as_text=True))
    assert client.post(f"/admin/versions/{version.id}/publish",
                       data={"csrf_token": token, "confirm": "1"}).status_code == 303
    # the same form id uploaded again becomes version 2, published at once
    assert _upload(client, json.dumps(demo.to_dict()).encode(), "d.json", publish=True).status_code == 303
    db.expire_all()
    versions = db.scalars(select(QuestionnaireVersion).order_by(QuestionnaireVersion.version)).all()
    assert [(v.version, v.status.value) for v in versions] == [(1, "published"), (2, "published")]
    assert db.scalar(select(func.count(Questionnaire.id))) == 1
    actions = list(db.scalars(select(AuditLog.action)))
    assert actions.count("questionnaire.import") == 2 and actions.count("questionnaire.publish") == 2


def test_xlsform_errors_are_all_shown_with_sheet_row_column_and_nothing_created(client, auth, db) -> None:
    workbook = load_workbook(io.BytesIO(export_xlsform(load_demo_definition())))
    survey = workbook["survey"]
    header = [cell.value for cell in survey[1]]
    name_col = header.index("name") + 1
    relevant_col = header.index("relevant") + 1
    survey.cell(row=4, column=name_col, value="district")  # duplicate name
    survey.cell(row=5, column=relevant_col, value="${nowhere} = 'x'")  # unknown reference
    buffer = io.BytesIO()
    workbook.save(buffer)
    auth.login_as("admin")
    client.get("/lang/en")
    response = _upload(client, buffer.getvalue(), "bad.xlsx")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "sheet survey, row 4, column name" in page
    assert "sheet survey, row 5, column relevant" in page and "nowhere" in page
    assert db.scalar(select(func.count(Questionnaire.id))) == 0
    assert db.scalar(select(func.count(QuestionnaireVersion.id))) == 0


def test_upload_errors_are_in_the_admins_language(client, auth, db) -> None:
    auth.login_as("admin")
    response = _upload(client, b"{not json", "x.json")
    assert response.status_code == 422
    assert "JSON" in response.get_data(as_text=True)
    assert "未导入" in response.get_data(as_text=True) or "没有导入" in response.get_data(as_text=True)
    assert _upload(client, b"x", "x.pdf").status_code == 422
    assert db.scalar(select(func.count(Questionnaire.id))) == 0
