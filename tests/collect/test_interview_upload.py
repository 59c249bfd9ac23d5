"""The interview import page (admin): the CLI's all-or-nothing import (DESIGN §11) in a browser."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import select

from survey.models import AuditLog, Channel, Rating, Submission
from tests.collect.factory import counts
from tests.collect.test_interviews import GOOD, HEADER, csv_bytes
from tests.conftest import TEST_SECRET, csrf_from

#: GOOD is rows 2-5 of the file; these become rows 6 and 7.
TWO_BAD_ROWS = GOOD + [
    "T004,D01,phone,2026-11-22,100,1,,D01,30-39,f,no,,7,5,4,3,9,",  # sat_overall 7: no such choice
    "T005,D02,fax,2026-11-22,100,1,,D02,30-39,f,no,,4,4,4,4,4,",    # fax: no such channel
]


def page_url(wave_id: int) -> str:
    return f"/admin/waves/{wave_id}/interviews/import"


def upload(client, wave_id: int, data: bytes | None, name: str = "cati.csv"):
    token = csrf_from(client.get(page_url(wave_id)).get_data(as_text=True))
    form: dict[str, object] = {"csrf_token": token}
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return client.post(page_url(wave_id), data=form, content_type="multipart/form-data")


def english(client) -> None:
    client.set_cookie("minyi_lang", "en")


def test_the_page_explains_the_layout_and_is_linked_from_the_wave_pages(client, auth, city):
    auth.login_as("admin")
    wave = city.waves["open"]
    page = client.get(page_url(wave))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "导入访问记录" in html and 'enctype="multipart/form-data"' in html
    for column in HEADER.split(","):
        assert f"<code>{column}</code>" in html
    for other in (f"/admin/waves/{wave}/monitoring", f"/admin/waves/{wave}"):
        assert page_url(wave) in client.get(other).get_data(as_text=True)
    english(client)
    assert "Import interviews" in client.get(page_url(wave)).get_data(as_text=True)
    assert client.get(page_url(999_999)).status_code == 404


def test_upload_stores_the_interviews_and_the_monitoring_page_says_how_many(client, auth, db, city):
    auth.login_as("admin")
    wave = city.waves["open"]
    response = upload(client, wave, csv_bytes(GOOD))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/waves/{wave}/monitoring")
    assert counts(db) == (3, 15, 0)  # T001: 2 units, T002: 1 unit, T003 rates none
    stored = {s.interview_id: s for s in db.scalars(select(Submission)
                                                    .where(Submission.wave_id == wave))}
    assert set(stored) == {"T001", "T002", "T003"}
    t1 = stored["T001"]
    assert (t1.channel, t1.design_weight, t1.duration_s) == (Channel.PHONE, 1.5, 310)
    assert stored["T002"].channel == Channel.PAPER and stored["T003"].channel == Channel.KIOSK
    rated = db.scalars(select(Rating.unit_id).where(Rating.submission_id == t1.id)).all()
    assert set(rated) == {city.unit_ids["D01"], city.unit_ids["H02"]}
    entry = db.scalars(select(AuditLog).where(AuditLog.action == "submissions.import")).one()
    assert entry.actor == "admin1" and entry.new["imported"] == 3
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已导入 3 份访问记录（4 行）；0 份已在本批次中，已跳过。" in html


def test_two_bad_rows_are_both_listed_and_nothing_is_stored(client, auth, db, city):
    auth.login_as("admin")
    response = upload(client, city.waves["open"], csv_bytes(TWO_BAD_ROWS))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "未导入任何内容" in html
    assert "第 6 行" in html and "sat_overall" in html
    assert "第 7 行" in html and "channel" in html
    assert "第 2 行" not in html  # the good rows are not reported
    assert counts(db) == (0, 0, 0)
    assert db.scalars(select(AuditLog).where(AuditLog.action == "submissions.import")).first() is None
    english(client)
    html = upload(client, city.waves["open"], csv_bytes(TWO_BAD_ROWS)).get_data(as_text=True)
    assert "row 6" in html and "row 7" in html and "Nothing was imported" in html


def test_row_errors_are_escaped(client, auth, db, city):
    auth.login_as("admin")
    row = "<script>alert(1)</script>,D01,phone,2026-11-22,100,1,,D01,30-39,f,no,,4,4,4,4,4,"
    response = upload(client, city.waves["open"], csv_bytes([row]))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert counts(db) == (0, 0, 0)


def test_uploading_the_same_file_again_imports_nothing_new(client, auth, db, city):
    auth.login_as("admin")
    wave = city.waves["open"]
    assert upload(client, wave, csv_bytes(GOOD)).status_code == 303
    english(client)
    again = upload(client, wave, csv_bytes(GOOD))
    assert again.status_code == 303
    assert counts(db) == (3, 15, 0)
    html = client.get(again.headers["Location"]).get_data(as_text=True)
    assert ("0 interviews imported (0 rows); 3 interviews were already in this wave and were "
            "skipped.") in html


def test_an_xlsx_file_is_imported_too(client, auth, db, city):
    auth.login_as("admin")
    workbook = Workbook()
    sheet = workbook.active
    for line in [HEADER, *GOOD]:
        sheet.append(line.split(","))
    out = io.BytesIO()
    workbook.save(out)
    assert upload(client, city.waves["invite"], out.getvalue(), "cati.xlsx").status_code == 303
    assert counts(db) == (3, 15, 0)


def test_no_file_an_empty_file_or_another_format_is_refused_with_a_reason(client, auth, db, city):
    auth.login_as("admin")
    english(client)
    wave = city.waves["open"]
    cases = [(None, "cati.csv", "Choose a file to upload."),
             (b"", "cati.csv", "The file is empty"),
             (csv_bytes(GOOD), "cati.pdf", "Upload a .csv or .xlsx file."),
             (b"not a workbook", "cati.xlsx", "not a readable .xlsx workbook")]
    for data, name, reason in cases:
        response = upload(client, wave, data, name)
        assert response.status_code == 422, name
        assert reason in response.get_data(as_text=True)
    assert counts(db) == (0, 0, 0)


def test_a_simultaneous_import_of_the_same_interviews_is_refused_not_a_500(
        client, auth, db, city, app, monkeypatch):
    """A double click: the other request stores the interviews between our check and our insert."""
    import survey.interviews as interviews

    wave, data = city.waves["open"], csv_bytes(GOOD)
    real_store, raced = interviews.insert_many, []

    def store_after_a_rival_import(*args, **kwargs):
        if not raced:
            raced.append(True)
            rival = app.extensions["minyi_sessions"]()
            try:
                interviews.import_interviews(rival, wave, "cati.csv", data, secret=TEST_SECRET,
                                             actor="rival")
                rival.commit()
            finally:
                rival.close()
        return real_store(*args, **kwargs)

    monkeypatch.setattr(interviews, "insert_many", store_after_a_rival_import)
    auth.login_as("admin")
    english(client)
    response = upload(client, wave, data)
    assert response.status_code == 409
    assert "Another import of these interviews finished at the same time" in response.get_data(
        as_text=True)
    assert counts(db) == (3, 15, 0)  # the rival's import, once
    assert len(db.scalars(select(AuditLog).where(AuditLog.action == "submissions.import")).all()) == 1


def test_a_post_without_csrf_token_is_refused(client, auth, db, city):
    auth.login_as("admin")
    response = client.post(page_url(city.waves["open"]),
                           data={"file": (io.BytesIO(csv_bytes(GOOD)), "cati.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert counts(db) == (0, 0, 0)


def test_only_an_admin_may_import(client, auth, db, city):
    wave = city.waves["open"]
    form = {"csrf_token": auth.csrf("/login"), "file": (io.BytesIO(csv_bytes(GOOD)), "cati.csv")}
    for response in (client.get(page_url(wave)),
                     client.post(page_url(wave), data=form, content_type="multipart/form-data")):
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    for role in ("office", "viewer"):
        auth.login_as(role)
        form = {"csrf_token": auth.csrf("/"), "file": (io.BytesIO(csv_bytes(GOOD)), "cati.csv")}
        assert client.get(page_url(wave)).status_code == 403
        assert client.post(page_url(wave), data=form,
                           content_type="multipart/form-data").status_code == 403
        auth.logout()
    assert counts(db) == (0, 0, 0)
