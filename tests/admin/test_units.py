"""Units and peer groups through the admin pages: create, edit, deactivate, import."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from survey.models import AuditLog, PeerGroup, Unit
from tests.admin.conftest import UNITS_CSV
from tests.conftest import csrf_from


def _upload(client, content: bytes, filename: str):
    token = csrf_from(client.get("/admin/units/import").get_data(as_text=True))
    return client.post("/admin/units/import", data={
        "csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data")


def test_import_good_csv_creates_units_and_named_peer_groups(client, auth, db) -> None:
    auth.login_as("admin")
    response = _upload(client, UNITS_CSV.encode("gb18030"), "units.csv")
    assert response.status_code == 303
    units = {u.code: u for u in db.scalars(select(Unit))}
    assert set(units) == {"D01", "D02", "B01"}
    assert units["D02"].peer_group.code == "PG_D" and units["B01"].peer_group.name == "执法部门"
    page = client.get("/admin/units").get_data(as_text=True)
    assert "东城区" in page and "执法部门" in page
    # importing again with a change updates the unit (audited old → new)
    changed = UNITS_CSV.replace("东城区", "东城新区")
    assert _upload(client, changed.encode(), "units.csv").status_code == 303
    db.expire_all()
    assert db.scalar(select(Unit.name).where(Unit.code == "D01")) == "东城新区"
    update = db.scalar(select(AuditLog).where(AuditLog.action == "unit.update"))
    assert update.old["name"] == "东城区" and update.new["name"] == "东城新区"


def test_import_xlsx(client, auth, db) -> None:
    workbook = Workbook()
    sheet = workbook.active
    for line in UNITS_CSV.strip().splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    auth.login_as("admin")
    assert _upload(client, buffer.getvalue(), "units.xlsx").status_code == 303
    assert db.scalar(select(func.count(Unit.id))) == 3


def test_bad_file_reports_every_row_and_imports_nothing(client, auth, db) -> None:
    bad = ("code,name,name_en,kind,peer_group,peer_group_name\n"
           "D01,东城区,,district,PG_D,县区\n"
           ",无代码,,district,PG_D,\n"
           "D03,,,town,PG_D,\n"
           "D01,重复,,district,PG_X,\n")
    auth.login_as("admin")
    client.get("/lang/en")
    response = _upload(client, bad.encode(), "units.csv")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for where in ("row 3, column code", "row 4, column name", "row 4, column kind",
                  "row 5, column peer_group", "row 5, column code"):
        assert where in page, where
    assert "Nothing was imported" in page
    assert db.scalar(select(func.count(Unit.id))) == 0
    assert db.scalar(select(func.count(PeerGroup.id))) == 0


def test_create_edit_deactivate_are_audited(client, auth, db) -> None:
    auth.login_as("admin")
    token = csrf_from(client.get("/admin/units").get_data(as_text=True))
    assert client.post("/admin/peer-groups", data={"csrf_token": token, "code": "PG",
                                                   "name": "县区"}).status_code == 303
    response = client.post("/admin/units/new", data={
        "csrf_token": token, "code": "D09", "name": "新区", "kind": "district", "peer_group": "PG"})
    assert response.status_code == 303
    unit = db.scalar(select(Unit))
    response = client.post("/admin/units/new", data={
        "csrf_token": token, "code": "D09", "name": "", "kind": "x", "peer_group": "PG"})
    assert response.status_code == 422 and 'value="D09"' in response.get_data(as_text=True)
    assert client.post(f"/admin/units/{unit.id}/edit", data={
        "csrf_token": token, "code": "D09", "name": "新城区", "name_en": "New Town",
        "kind": "district", "peer_group": "PG"}).status_code == 303
    assert client.post(f"/admin/units/{unit.id}/deactivate",
                       data={"csrf_token": token}).status_code == 303
    db.expire_all()
    unit = db.get(Unit, unit.id)
    assert (unit.name, unit.name_en, unit.active) == ("新城区", "New Town", False)
    rows = {r.action: r for r in db.scalars(select(AuditLog).where(AuditLog.object_type == "unit"))}
    assert set(rows) == {"unit.create", "unit.update", "unit.deactivate"}
    assert rows["unit.update"].old["name"] == "新区" and rows["unit.update"].new["name"] == "新城区"
    assert rows["unit.deactivate"].old["active"] is True and rows["unit.deactivate"].new["active"] is False


def test_peer_group_rename_is_audited(client, auth, db) -> None:
    auth.login_as("admin")
    token = csrf_from(client.get("/admin/units").get_data(as_text=True))
    client.post("/admin/peer-groups", data={"csrf_token": token, "code": "PG", "name": "县区"})
    group = db.scalar(select(PeerGroup))
    page = f"/admin/peer-groups/{group.id}/edit"
    assert 'value="县区"' in client.get(page).get_data(as_text=True)
    assert client.post(page, data={"csrf_token": token, "name": ""}).status_code == 422
    assert client.post(page, data={"csrf_token": token, "name": "县市区",
                                   "name_en": "Districts"}).status_code == 303
    db.expire_all()
    assert (db.get(PeerGroup, group.id).name, db.get(PeerGroup, group.id).name_en) == ("县市区", "Districts")
    row = db.scalar(select(AuditLog).where(AuditLog.action == "peer_group.update"))
    assert row.old["name"] == "县区" and row.new["name"] == "县市区"
