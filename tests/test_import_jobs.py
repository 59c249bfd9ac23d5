"""Large imports run as background jobs (issue 17): all or nothing, with progress, on any worker.

An upload of more than ``IMMEDIATE_ROWS`` data rows (or a workbook too large to read within the
request) answers at once with a redirect to its job's page; the job (inline when testing, a
thread under gunicorn) stores everything or nothing, and its page, served by any app instance on
the database, says what was stored or lists every error with its row.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from openpyxl import Workbook
from sqlalchemy import func, select

from survey.import_jobs import IMMEDIATE_ROWS, ImportFile, run_import
from survey.models import AuditLog, ComponentScore, Job, JobStatus, Rating, Submission, Unit
from tests.collect.factory import build_city
from tests.collect.test_interviews import HEADER
from tests.conftest import TEST_SECRET, AuthActions, csrf_from
from tests.servers import wait_for

ROWS = IMMEDIATE_ROWS + 100


@pytest.fixture
def city(db):
    return build_city(db)


@pytest.fixture
def other_app(database_url: str) -> Iterator[Flask]:
    """A second worker: another app instance on the same database."""
    from app import create_app

    application = create_app({"ENVIRON": {"MINYI_ENV": "testing", "MINYI_DATABASE_URL": database_url,
                                          "MINYI_SECRET_KEY": TEST_SECRET}})
    yield application
    application.extensions["minyi_engine"].dispose()


def interview_file(count: int, bad_row: int | None = None) -> bytes:
    """``count`` interviews of two rows each (D01 and H02) in the DESIGN §11 layout; file row
    ``bad_row`` (if given) answers sat_overall with 7, no such choice."""
    lines = [HEADER]
    for i in range(count):
        for unit in ("D01", "H02"):
            overall = "7" if len(lines) + 1 == bad_row else "4"
            lines.append(f"C{i:05d},{unit},phone,2026-11-20,300,1,,D01,30-39,f,no,H02,"
                         f"{overall},5,4,3,9,")
    return ("\n".join(lines) + "\n").encode("utf-8")


def unit_file(count: int, fmt: str = "csv") -> bytes:
    rows = [["code", "name", "kind", "peer_group"]] + [[f"U{i:05d}", f"单位{i}", "department", "DEPT"]
                                                      for i in range(count)]
    if fmt == "csv":
        return "\n".join(",".join(row) for row in rows).encode("utf-8")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("units")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def post_file(client, url: str, data: bytes, name: str):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_a_large_interview_file_is_imported_by_a_job_whose_page_says_what_was_stored(
        client, auth, db, city) -> None:
    auth.login_as("admin")
    client.set_cookie("minyi_lang", "en")
    wave = city.waves["open"]
    response = post_file(client, f"/admin/waves/{wave}/interviews/import", interview_file(ROWS // 2 + 1),
                         "cati.csv")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/admin/imports/")
    job = db.get(Job, location.rsplit("/", 1)[1])
    assert (job.kind, job.label, job.owner, job.form_args) == ("import-interviews", "cati.csv", "admin1",
                                                              {"wave": wave})
    assert (job.status, job.progress) == (JobStatus.DONE, 1.0)
    imported = ROWS // 2 + 1
    assert count(db, Submission) == imported and count(db, Rating) == imported * 2 * 5
    page = client.get(location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert (f"{imported} interviews imported ({2 * imported} rows); 0 interviews were already in "
            "this wave and were skipped.") in html
    assert f'href="/admin/waves/{wave}/monitoring"' in html
    assert 'http-equiv="refresh"' not in html and "<progress" not in html
    entry = db.scalars(select(AuditLog).where(AuditLog.action == "submissions.import")).one()
    assert entry.new == {"file": "cati.csv", "imported": imported, "skipped": 0}


def test_one_bad_row_stores_nothing_and_the_job_page_lists_its_row(client, auth, db, city) -> None:
    auth.login_as("admin")
    client.set_cookie("minyi_lang", "en")
    bad_row = 2 * (ROWS // 2) - 7  # deep in the file: a D01 row of interview C0xxxx
    response = post_file(client, f"/admin/waves/{city.waves['open']}/interviews/import",
                         interview_file(ROWS // 2 + 1, bad_row=bad_row), "cati.csv")
    assert response.status_code == 303
    job = db.get(Job, response.headers["Location"].rsplit("/", 1)[1])
    assert job.status == JobStatus.FAILED
    assert job.error["details"] == [[f"row {bad_row}", "sat_overall: '7' is not one of the choices."]]
    assert count(db, Submission) == 0 and count(db, Rating) == 0
    assert count(db, AuditLog) == db.scalar(select(func.count()).select_from(AuditLog)
                                            .where(AuditLog.action != "submissions.import"))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was imported. Problems found in the file: 1, each listed below with its row." in html
    assert f"<strong>row {bad_row}</strong>: sat_overall" in html
    assert "Correct these rows in the file and upload it again." in html
    assert f'href="/admin/waves/{city.waves["open"]}/interviews/import"' in html
    assert 'http-equiv="refresh"' not in html


def test_a_small_file_keeps_the_immediate_path(client, auth, db, city) -> None:
    auth.login_as("admin")
    response = post_file(client, f"/admin/waves/{city.waves['open']}/interviews/import",
                         interview_file(IMMEDIATE_ROWS // 2), "cati.csv")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/waves/{city.waves['open']}/monitoring")
    assert count(db, Job) == 0 and count(db, Submission) == IMMEDIATE_ROWS // 2


def test_a_large_workbook_is_read_by_the_job_and_its_units_stored_in_one_go(client, auth, db, city) -> None:
    auth.login_as("admin")
    rows = 5_000
    data = unit_file(rows, "xlsx")
    assert len(data) > 64 * 1024  # not read within the request
    response = post_file(client, "/admin/units/import", data, "units.xlsx")
    assert response.status_code == 303 and response.headers["Location"].startswith("/admin/imports/")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"已导入 {rows} 个单位。" in html and 'href="/admin/units"' in html
    assert count(db, Unit) == 6 + rows
    creations = db.scalars(select(AuditLog).where(AuditLog.action == "unit.create")
                           .order_by(AuditLog.id)).all()
    assert len(creations) == rows
    last = db.scalars(select(Unit).where(Unit.code == f"U{rows - 1:05d}")).one()
    assert creations[-1].object_id == str(last.id) and creations[-1].actor == "admin1"
    assert creations[-1].new == {"code": last.code, "name": f"单位{rows - 1}", "name_en": None,
                                 "kind": "department", "peer_group_code": "DEPT", "active": True}


def test_the_office_imports_large_component_files_through_a_job_of_its_own(client, auth, db, city) -> None:
    periods = ROWS // 6 + 1
    lines = ["period,unit_code,peer_group,base_score,base_max,diff_score,diff_max"]
    lines += [f"P{p:04d},{code},{'DISTRICT' if code.startswith('D') else 'DEPT'},20,30,40,50"
              for p in range(periods) for code in ("D01", "D02", "D03", "H01", "H02", "H03")]
    auth.login_as("office")
    response = post_file(client, "/office/components", "\n".join(lines).encode(), "scores.csv")
    assert response.status_code == 303 and response.headers["Location"].startswith("/office/imports/")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"已导入 {6 * periods} 行分项得分。" in html
    assert count(db, ComponentScore) == 6 * periods
    assert count(db, AuditLog) >= 6 * periods
    # a job is its owner's
    other = client.application.test_client()
    AuthActions(other, client.application).create("office2", "office")
    assert AuthActions(other, client.application).login("office2").status_code == 303
    assert other.get(response.headers["Location"]).status_code == 404


def test_progress_advances_through_reading_checking_and_saving(db, city) -> None:
    """The job's progress: reading the workbook (every 2,000 rows), checking, saving; never back."""
    seen: list[tuple[str, float]] = []
    upload = ImportFile("units", "units.xlsx", unit_file(7_000, "xlsx"))
    result = run_import(db, upload, None, actor="test", secret=TEST_SECRET,
                        progress=lambda stage, fraction: seen.append((stage, fraction)))
    db.commit()
    assert result == {"message": "%(count)s units imported.", "params": {"count": 7_000}}
    fractions = [fraction for _stage, fraction in seen]
    assert fractions == sorted(fractions) and fractions[0] >= 0.0 and fractions[-1] <= 1.0
    stages = [stage for stage, _fraction in seen]
    assert stages == sorted(stages, key=["reading", "checking", "saving"].index)
    assert sum(1 for stage, f in seen if stage == "reading" and 0 < f < 0.3) >= 3  # 2,000, 4,000, 6,000
    assert sum(1 for stage, f in seen if stage == "checking" and 0.3 < f < 0.8) >= 3
    assert ("saving", 0.8) in seen and max(fractions) > 0.8


def test_a_running_job_is_followed_from_a_second_app_instance(app, other_app, db, city, monkeypatch) -> None:
    """A threaded import on worker A: worker B shows its stage and progress (refreshing itself),
    then what was stored."""
    import survey.units

    gate, reached = threading.Event(), threading.Event()
    real = survey.units.import_unit_table

    def held(session, filename, table, actor, progress):  # noqa: ANN001, ANN202
        progress("checking", 0.5)
        reached.set()
        assert gate.wait(20)
        return real(session, filename, table, actor, progress)

    monkeypatch.setattr(survey.units, "import_unit_table", held)
    client_a = app.test_client()
    auth_a = AuthActions(client_a, app)
    auth_a.create("admin1", "admin")
    assert auth_a.login("admin1").status_code == 303
    client_b = other_app.test_client()
    assert AuthActions(client_b, other_app).login("admin1").status_code == 303
    app.config["TESTING"] = False  # a real background thread, as under gunicorn
    try:
        response = post_file(client_a, "/admin/units/import", unit_file(ROWS), "units.csv")
    finally:
        app.config["TESTING"] = True
    assert response.status_code == 303
    location = response.headers["Location"]
    assert reached.wait(20)
    page = client_b.get(location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<progress class="progress" max="1" value="0.55"' in html
    assert "正在检查每一行" in html and '<meta http-equiv="refresh" content="2">' in html
    gate.set()
    job_id = location.rsplit("/", 1)[1]

    def finished() -> bool:
        db.expire_all()
        return db.get(Job, job_id).status == JobStatus.DONE

    wait_for(finished, 30, "the import job to finish")
    html = client_b.get(location).get_data(as_text=True)
    assert f"已导入 {ROWS} 个单位。" in html and 'http-equiv="refresh"' not in html
    assert count(db, Unit) == 6 + ROWS


def test_the_cli_imports_a_large_file_in_the_foreground(runner, db, city, tmp_path) -> None:
    path = tmp_path / "units.csv"
    path.write_bytes(unit_file(ROWS))
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == str(ROWS)
    assert count(db, Job) == 0 and count(db, Unit) == 6 + ROWS
