"""Waves through the admin pages: state machine, edits, quotas, margins validation."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from survey.models import AuditLog, PopulationMargin, Quota, Submission, Wave
from survey.versions import import_questionnaire
from tests.conftest import csrf_from


def _post(client, path: str, data: dict, page: str):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def _wave(db, wave_id: int) -> Wave:
    db.expire_all()
    return db.get(Wave, wave_id)


def test_create_wave_page_stores_utc_and_chosen_units(client, auth, db, city) -> None:
    auth.login_as("admin")
    form = {"name": "", "period": "2026-Q4", "questionnaire": str(city["version"]),
            "opens": "2026-10-01T08:00", "closes": "2026-12-31T20:00", "access": "open",
            "anonymized": "1", "min_duration_s": "90", "quarantine_flags": ["HONEYPOT", "BURST"],
            "unit_scope": "some", "units": ["D01", "B01"]}
    response = _post(client, "/admin/waves/new", form, "/admin/waves/new")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    wave = db.scalar(select(Wave))
    assert wave.opens_at.isoformat() == "2026-10-01T00:00:00+00:00"
    assert [u.code for u in wave.units] == ["B01", "D01"]
    assert wave.settings == {"min_duration_s": 90, "quarantine_flags": ["BURST", "HONEYPOT"]}
    assert wave.name.startswith("2026-Q4")


def test_create_wave_shows_every_error_and_keeps_input(client, auth, db, city) -> None:
    auth.login_as("admin")
    form = {"name": "秋季", "period": "2026-Q7", "questionnaire": str(city["version"]),
            "opens": "2026-12-31T20:00", "closes": "2026-10-01T08:00", "access": "open",
            "unit_scope": "all"}
    response = _post(client, "/admin/waves/new", form, "/admin/waves/new")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="2026-Q7"' in page and 'value="秋季"' in page
    assert page.count('class="field-error"') >= 2
    assert db.scalar(select(func.count(Wave.id))) == 0


def test_state_machine_and_opening_a_closed_wave_is_refused(client, auth, db, wave_id) -> None:
    auth.login_as("admin")
    page = f"/admin/waves/{wave_id}"
    yes = {"confirm": "1"}
    assert _post(client, f"{page}/close", yes, page).status_code == 409  # draft cannot close
    # without the confirmation nothing happens: the confirmation page says what will
    response = _post(client, f"{page}/open", {}, page)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{page}/open/confirm")
    assert _wave(db, wave_id).state.value == "draft"
    assert _post(client, f"{page}/open", yes, f"{page}/open/confirm").status_code == 303
    assert _wave(db, wave_id).state.value == "open"
    assert _post(client, f"{page}/close", yes, f"{page}/close/confirm").status_code == 303
    response = _post(client, f"{page}/open", yes, page)
    assert response.status_code == 409
    assert "only a draft wave can be opened" in response.get_data(as_text=True) or \
        "草稿" in response.get_data(as_text=True)
    assert _wave(db, wave_id).state.value == "closed"
    actions = list(db.scalars(select(AuditLog.action).where(AuditLog.object_type == "wave")))
    assert actions.count("wave.open") == 1 and actions.count("wave.close") == 1
    assert "wave.create" in actions


def test_questionnaire_cannot_change_once_the_wave_has_responses(client, auth, db, wave_id, city) -> None:
    from survey.questionnaire import load_demo_definition

    doc = load_demo_definition().to_dict() | {"form_id": "other"}
    other = import_questionnaire(db, "o.json", json.dumps(doc).encode(), "test", publish=True)
    wave = db.get(Wave, wave_id)
    db.add(Submission(wave_id=wave_id, client_submission_id="c1", body_sha256="0" * 64,
                      answers={"answers": {}, "ratings": {}},
                      questionnaire_version_id=wave.questionnaire_version_id))
    db.commit()
    auth.login_as("admin")
    edit = f"/admin/waves/{wave_id}/edit"
    form = {"name": "x", "period": "2026-Q4", "questionnaire": str(other.id),
            "opens": "2026-10-01T08:00", "closes": "2026-12-31T20:00", "access": "invitation",
            "unit_scope": "all"}
    response = _post(client, edit, form, edit)
    assert response.status_code == 422
    assert "already has responses" in response.get_data(as_text=True) or \
        "已有" in response.get_data(as_text=True)
    assert _wave(db, wave_id).questionnaire_version_id == city["version"]
    form["questionnaire"] = str(city["version"])
    assert _post(client, edit, form, edit).status_code == 303
    assert _wave(db, wave_id).name == "x"


def test_quotas_validated_and_stored(client, auth, db, wave_id) -> None:
    auth.login_as("admin")
    page = f"/admin/waves/{wave_id}"
    bad = "district=D01*age_band=60-69 120\nregion=north 5\nsex=x 3\nsex=m\n"
    response = _post(client, f"{page}/quotas", {"quotas": bad}, page)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "line 2" in text or "第 2 行" in text
    assert db.scalar(select(func.count(Quota.id))) == 0
    good = "district=D01*age_band=60-69 120\nsex=f 300"
    assert _post(client, f"{page}/quotas", {"quotas": good}, page).status_code == 303
    cells = dict(db.execute(select(Quota.cell, Quota.target)).all())
    assert cells == {"age_band=60-69*district=D01": 120, "sex=f": 300}


GOOD_MARGINS = ("variable,category,share,district\n"
                "sex,m,0.49,\nsex,f,0.51,\n"
                "age_band*sex,18-29*m,1,\n"
                "sex,m,0.5,D01\nsex,f,0.5,D01\n")


def _upload(client, wave_id: int, content: bytes):
    page = f"/admin/waves/{wave_id}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    from io import BytesIO

    return client.post(f"{page}/margins", data={"csrf_token": token,
                                                "file": (BytesIO(content), "margins.csv")},
                       content_type="multipart/form-data")


def test_margins_upload_good_file_with_bom(client, auth, db, wave_id) -> None:
    auth.login_as("admin")
    response = _upload(client, wave_id, "\ufeff".encode() + GOOD_MARGINS.encode())
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
    rows = db.execute(select(PopulationMargin.variable, PopulationMargin.category,
                             PopulationMargin.share)).all()
    assert len(rows) == 5 and ("age_band*sex", "18-29*m", 1.0) in rows
    page = client.get(f"/admin/waves/{wave_id}").get_data(as_text=True)
    assert "age_band" in page  # the warning about categories without a margin is shown


@pytest.mark.parametrize(("content", "row", "needle"), [
    ("variable,category,share\nsex,m,0.5\nsex,f,0.4\n", "rows 2, 3", "sum to 0.9"),
    ("variable,category,share\nregion,n,1\n", "row 2, column variable", "does not ask region"),
    ("variable,category,share\ngov_staff,yes,1\n", "row 2, column variable", "not a stratum"),
    ("variable,category,share\nsex,m,abc\nsex,f,1\n", "row 2, column share", "not a number"),
    ("variable,category,share\nsex,m,0.5\nsex,m,0.5\n", "row 3, column category", "also on row 2"),
    ("variable,category,share\nsex,x,1\n", "row 2, column category", "not a category of sex"),
    ("variable,category,share,district\nsex,m,1,Z9\n", "row 2, column district", "not a district"),
    ("variable,category,count\nsex,m,500\nsex,f,500\nage_band*sex,18-29*m,1200\n",
     "row 4, column count", "total 1000"),
])
def test_margins_errors_are_reported_with_their_row(client, auth, db, wave_id, content, row,
                                                    needle) -> None:
    auth.login_as("admin")
    client.get("/lang/en")
    response = _upload(client, wave_id, content.encode())
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert row in text and needle in text, text[-2500:]
    assert db.scalar(select(func.count(PopulationMargin.id))) == 0


def test_margins_gb18030_file_is_read(db, wave_id) -> None:
    from survey.margins import upload_margins

    wave = db.get(Wave, wave_id)
    content = "variable,category,share\nsex,m,0.5\nsex,f,0.5\n# 注释,,\n".encode("gb18030")
    with pytest.raises(Exception) as error:
        upload_margins(db, wave, "m.csv", content, "test")
    assert "# 注释" in str(error.value)  # decoded, then reported as an unknown variable
