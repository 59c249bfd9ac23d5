"""Interview import (DESIGN §11) and the responses export that imports again."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from survey.hashing import keyed_hash
from survey.models import AuditLog, Channel, Submission
from tests.collect.factory import body, counts
from tests.conftest import TEST_SECRET

HEADER = ("interview_id,unit_code,channel,interview_date,duration_s,design_weight,linkage_key,"
          "district,age_band,sex,gov_staff,departments,sat_overall,sat_attitude,sat_efficiency,"
          "sat_integrity,sat_openness,comment")
GOOD = [
    "T001,D01,phone,2026-11-20,310,1.5,13800000001,D01,30-39,f,no,H02,4,5,4,3,9,态度很好",
    "T001,H02,phone,2026-11-20,310,1.5,13800000001,D01,30-39,f,no,H02,3,3,4,4,4,",
    "T002,D02,paper,2026-11-21,,,,D02,60-69,m,no,,5,5,5,5,5,",
    "T003,,kiosk,2026-11-21,200,1,,D03,70+,m,yes,,,,,,,",
]


def csv_bytes(rows: list[str], header: str = HEADER) -> bytes:
    return ("\ufeff" + "\n".join([header, *rows]) + "\n").encode("utf-8")


def run_import(runner, tmp_path, wave_id, data: bytes, name: str = "cati.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["import-submissions", str(wave_id), str(path)])


def test_import_stores_each_interview_like_a_web_submission(runner, db, city, tmp_path):
    result = run_import(runner, tmp_path, city.waves["open"], csv_bytes(GOOD))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "3"
    assert counts(db) == (3, 15, 0)  # T001: 2 units, T002: 1 unit, T003 screened out: none
    t1 = db.scalars(select(Submission).where(Submission.interview_id == "T001")).one()
    assert t1.channel == Channel.PHONE and t1.design_weight == 1.5 and t1.duration_s == 310
    assert t1.linkage_key == keyed_hash(TEST_SECRET, "linkage", "13800000001")
    assert "13800000001" not in str(t1.answers)
    assert t1.answers["ratings"]["D01"]["comment"] == "态度很好"
    t2 = db.scalars(select(Submission).where(Submission.interview_id == "T002")).one()
    assert t2.flags == ["STRAIGHTLINE"] and t2.design_weight == 1.0
    assert db.scalars(select(AuditLog).where(AuditLog.action == "submissions.import")).one()


def test_reimport_of_the_same_file_imports_nothing_new(runner, db, city, tmp_path):
    assert run_import(runner, tmp_path, city.waves["open"], csv_bytes(GOOD)).exit_code == 0
    again = run_import(runner, tmp_path, city.waves["open"], csv_bytes(GOOD))
    assert again.exit_code == 0 and again.output.strip().splitlines()[-1] == "0"
    assert counts(db) == (3, 15, 0)


def test_every_bad_row_is_reported_and_nothing_imported(runner, db, city, tmp_path):
    bad = GOOD + [
        "T004,D01,phone,2026-11-22,100,1,,D01,30-39,f,no,,7,5,4,3,9,",        # sat_overall 7
        "T005,H03,fax,yesterday,-3,0,,D01,30-39,f,no,,4,4,4,4,4,",            # H03 not chosen, bad meta
        "bad id!,D01,phone,2026-11-22,100,1,,D01,30-39,f,no,,4,4,4,4,4,",
    ]
    result = run_import(runner, tmp_path, city.waves["open"], csv_bytes(bad))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines() if hasattr(result, "stderr") else result.output.splitlines()
    text = "\n".join(lines)
    assert "row 6" in text and "sat_overall" in text
    assert "row 7" in text and "channel" in text and "interview_date" in text and "design_weight" in text
    assert "row 7" in text and "unit_code" in text
    assert "row 8" in text and "interview_id" in text
    assert counts(db) == (0, 0, 0)


def test_missing_and_unknown_columns(runner, db, city, tmp_path):
    result = run_import(runner, tmp_path, city.waves["open"],
                        csv_bytes(["x"], header="interview_id,shoe_size"))
    assert result.exit_code == 1
    assert "unit_code" in result.output and "shoe_size" in result.output
    assert run_import(runner, tmp_path, city.waves["open"], b"", "missing.csv").exit_code == 1
    assert runner.invoke(args=["import-submissions", "1", str(tmp_path / "nope.csv")]).exit_code == 1


def test_duplicate_linkage_key_is_flagged_and_supplier_hmac_kept(runner, db, city, tmp_path):
    key = "ab" * 32
    rows = [
        f"L1,D01,phone,2026-11-20,300,1,{key},D01,30-39,f,no,,4,5,4,3,9,",
        f"L2,D01,phone,2026-11-20,300,1,{key.upper()},D01,30-39,f,no,,4,5,4,3,9,",
    ]
    assert run_import(runner, tmp_path, city.waves["open"], csv_bytes(rows)).exit_code == 0
    subs = db.scalars(select(Submission).order_by(Submission.id)).all()
    assert [s.linkage_key for s in subs] == [key, key]
    assert "DUPLICATE" not in subs[0].flags and "DUPLICATE" in subs[1].flags
    assert subs[1].status.value == "quarantined"


def test_export_is_in_the_import_layout_and_imports_again(runner, client, db, city, tmp_path):
    assert run_import(runner, tmp_path, city.waves["open"], csv_bytes(GOOD)).exit_code == 0
    payload = body()
    payload["ratings"]["D01"]["comment"] = "=HYPERLINK(\"x\")"
    assert client.post(f"/api/v1/waves/{city.waves['open']}/submissions", json=payload).status_code == 201
    out = tmp_path / "responses.csv"
    result = runner.invoke(args=["export-responses", str(city.waves["open"]), "--format", "csv",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert list(rows[0])[:7] == HEADER.split(",")[:7]
    assert {"questionnaire_version", "status", "flags"} <= set(rows[0])
    assert "submitted_at" not in rows[0] and "invitation_code" not in rows[0]  # anonymized wave
    assert len(rows) == 2 + 1 + 1 + 2  # T001 x2, T002, T003 (no unit), web x2
    web = [r for r in rows if r["interview_id"].startswith("web-")]
    assert web[0]["comment"] == "'=HYPERLINK(\"x\")" and web[0]["interview_date"].count("-") == 2
    assert web[0]["channel"] == "web" and web[0]["departments"] == "H02"
    # the export imports into another wave, identically
    back = run_import(runner, tmp_path, city.waves["invite"], out.read_bytes(), "back.csv")
    assert back.exit_code == 0, back.output
    copies = db.scalars(select(Submission).where(Submission.wave_id == city.waves["invite"])
                        .order_by(Submission.id)).all()
    originals = db.scalars(select(Submission).where(Submission.wave_id == city.waves["open"])
                           .order_by(Submission.id)).all()
    assert [c.answers for c in copies] == [o.answers for o in originals]
    assert [c.design_weight for c in copies] == [o.design_weight for o in originals]
    xlsx = tmp_path / "responses.xlsx"
    assert runner.invoke(args=["export-responses", str(city.waves["open"]), "--format", "xlsx",
                               "--out", str(xlsx)]).exit_code == 0
    again = run_import(runner, tmp_path, city.waves["invite"], xlsx.read_bytes(), "back.xlsx")
    assert again.exit_code == 0 and again.output.strip().splitlines()[-1] == "0"


def test_export_of_a_named_wave_has_exact_times(runner, db, city, tmp_path, client):
    from survey.models import Wave

    wave = db.get(Wave, city.waves["open"])
    wave.anonymized = False
    db.commit()
    client.post(f"/api/v1/waves/{wave.id}/submissions", json=body())
    out = tmp_path / "r.csv"
    runner.invoke(args=["export-responses", str(wave.id), "--format", "csv", "--out", str(out)])
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert "T" in rows[0]["submitted_at"]
