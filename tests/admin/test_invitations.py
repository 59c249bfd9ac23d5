"""Invitation codes: issued once (CSV or printable QR sheet), stored only hashed, revoked."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from survey.invitations import code_hash, normalize_code
from survey.models import AuditLog, Invitation, Wave
from tests.conftest import TEST_SECRET, csrf_from


def _issue(client, wave_id: int, **data):
    page = f"/admin/waves/{wave_id}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(f"{page}/codes", data={"csrf_token": token, **data})


def _open(db, wave_id: int) -> None:
    db.get(Wave, wave_id).open()
    db.commit()


def test_codes_csv_and_only_hashes_in_the_database(client, auth, db, wave_id, raw_sql) -> None:
    _open(db, wave_id)
    auth.login_as("admin")
    response = _issue(client, wave_id, count="20", stratum="D01", output="csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    codes = [r["code"] for r in rows]
    assert len(set(codes)) == 20
    assert all(len(normalize_code(c)) == 16 for c in codes)
    assert all(r["link"].endswith("/s/code/" + r["code"]) for r in rows)
    # the plain code never appears in any column of the invitation table
    table = raw_sql("SELECT * FROM invitation").all()
    assert len(table) == 20
    cells = " ".join(str(value) for row in table for value in row)
    for code in codes:
        assert code not in cells and normalize_code(code) not in cells
    hashes = set(db.scalars(select(Invitation.code_hash)))
    assert {code_hash(TEST_SECRET, c) for c in codes} == hashes
    assert code_hash(TEST_SECRET, codes[0].lower().replace("-", " ")) in hashes
    district = db.scalar(select(Invitation).limit(1)).district
    assert district is not None and district.code == "D01"
    assert db.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "invitation.issue")) == 1


def test_printable_sheet_has_a_qr_code_per_code(client, auth, db, wave_id) -> None:
    _open(db, wave_id)
    auth.login_as("admin")
    response = _issue(client, wave_id, count="3", stratum="", output="sheet")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('<svg') >= 3 and page.count('class="code"') == 3
    assert "<script" not in page.split("</header>", 1)[1]


def test_revoke_one_code_and_every_unused_code(client, auth, db, wave_id) -> None:
    _open(db, wave_id)
    auth.login_as("admin")
    rows = list(csv.DictReader(io.StringIO(
        _issue(client, wave_id, count="4", output="csv").get_data(as_text=True).lstrip("\ufeff"))))
    used = db.scalar(select(Invitation).where(
        Invitation.code_hash == code_hash(TEST_SECRET, rows[1]["code"])))
    from survey.db import utcnow

    used.used_at = utcnow()
    db.commit()
    page = f"/admin/waves/{wave_id}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    assert client.post(f"{page}/codes/revoke", data={"csrf_token": token,
                                                      "code": rows[0]["code"]}).status_code == 303
    again = client.post(f"{page}/codes/revoke", data={"csrf_token": token, "code": rows[0]["code"]})
    assert again.status_code == 409
    assert client.post(f"{page}/codes/revoke", data={"csrf_token": token,
                                                      "code": rows[1]["code"]}).status_code == 409
    assert client.post(f"{page}/codes/revoke", data={"csrf_token": token,
                                                      "code": "NOPE"}).status_code == 404
    assert client.post(f"{page}/codes/revoke-unused", data={"csrf_token": token}).status_code == 303
    db.expire_all()
    revoked = db.scalar(select(func.count(Invitation.id)).where(Invitation.revoked_at.is_not(None)))
    assert revoked == 3  # the used code stays usable history, never revoked
    actions = list(db.scalars(select(AuditLog.action)))
    assert "invitation.revoke" in actions and "invitation.revoke_unused" in actions


def test_codes_refused_for_open_link_waves_and_bad_counts(client, auth, db, wave_id) -> None:
    auth.login_as("admin")
    assert _issue(client, wave_id, count="0", output="csv").status_code == 422
    db.get(Wave, wave_id).access = db.get(Wave, wave_id).access.__class__("open")
    db.commit()
    response = _issue(client, wave_id, count="5", output="csv")
    assert response.status_code == 409
    assert db.scalar(select(func.count(Invitation.id))) == 0
