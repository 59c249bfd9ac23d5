"""Interviews carry their interviewer (issue 13): import, export and import again, the checks, the
submission API (the web channel: no interviewer), and the one-action decisions on an interviewer."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from survey import quality
from survey.errors import InvalidTransition, NotFound, ValidationFailed
from survey.interviews import import_interviews
from survey.models import AuditLog, QualityReview, ReviewAction, Submission, SubmissionStatus
from tests.collect.factory import body, counts
from tests.collect.test_interviews import run_import
from tests.conftest import TEST_SECRET

HEADER = ("interview_id,unit_code,channel,interview_date,duration_s,design_weight,linkage_key,"
          "interviewer_id,district,age_band,sex,gov_staff,departments,sat_overall,sat_attitude,"
          "sat_efficiency,sat_integrity,sat_openness,comment")
ROWS = [
    "T001,D01,phone,2026-11-20,310,1.5,,IV-07,D01,30-39,f,no,H02,4,5,4,3,9,",
    "T001,H02,phone,2026-11-20,310,1.5,,IV-07,D01,30-39,f,no,H02,3,3,4,4,4,",
    "T002,D01,phone,2026-11-20,200,1,,IV-07,D01,60-69,m,no,,5,4,5,4,5,",
    "T003,D01,paper,2026-11-21,,,,agency.3:b_12,D01,18-29,f,no,,2,3,2,3,2,",
    "T004,D02,kiosk,2026-11-21,150,1,,,D02,70+,m,no,,4,4,3,4,4,",
]


def csv_bytes(rows: list[str], header: str = HEADER) -> bytes:
    return ("\ufeff" + "\n".join([header, *rows]) + "\n").encode("utf-8")


def load(db, wave_id: int, rows: list[str] = ROWS) -> None:
    import_interviews(db, wave_id, "cati.csv", csv_bytes(rows), secret=TEST_SECRET, actor="test")
    db.commit()


def interviewers_of(db, wave_id: int) -> dict[str, str | None]:
    return dict(db.execute(select(Submission.interview_id, Submission.interviewer_id)
                           .where(Submission.wave_id == wave_id)).all())


def test_the_interviewer_is_stored_exported_and_imported_again(runner, client, db, city, tmp_path):
    wave = city.waves["open"]
    # a code starting with "-" is written "'-K2" by the export (formula escaping) and read back
    rows = ROWS + ["T008,D02,kiosk,2026-11-21,150,1,,-K2,D02,70+,m,no,,4,4,3,4,4,"]
    assert run_import(runner, tmp_path, wave, csv_bytes(rows)).exit_code == 0
    assert interviewers_of(db, wave) == {"T001": "IV-07", "T002": "IV-07", "T003": "agency.3:b_12",
                                         "T004": None, "T008": "-K2"}
    assert client.post(f"/api/v1/waves/{wave}/submissions", json=body()).status_code == 201
    out = tmp_path / "responses.csv"
    result = runner.invoke(args=["export-responses", str(wave), "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert list(rows[0])[:8] == HEADER.split(",")[:8]
    by_id = {r["interview_id"]: r["interviewer_id"] for r in rows}
    assert by_id["T001"] == "IV-07" and by_id["T003"] == "agency.3:b_12" and by_id["T004"] == ""
    assert by_id["T008"] == "'-K2"
    assert [r["interviewer_id"] for r in rows if r["channel"] == "web"] == ["", ""]
    back = run_import(runner, tmp_path, city.waves["invite"], out.read_bytes(), "back.csv")
    assert back.exit_code == 0, back.output
    copies, originals = interviewers_of(db, city.waves["invite"]), interviewers_of(db, wave)
    assert {k: v for k, v in copies.items() if not k.startswith("web-")} == {
        k: v for k, v in originals.items() if k is not None}
    assert [v for k, v in copies.items() if k.startswith("web-")] == [originals[None]] == [None]


def test_bad_interviewer_codes_are_refused_with_their_row_number(runner, db, city, tmp_path):
    bad = ROWS + [
        "T005,D01,phone,2026-11-22,100,1,,Li Ming,D01,30-39,f,no,,4,4,4,4,4,",   # a space
        f"T006,D01,phone,2026-11-22,100,1,,{'x' * 65},D01,30-39,f,no,,4,4,4,4,4,",  # too long
        "T007,D01,phone,2026-11-22,100,1,,王五,D01,30-39,f,no,,4,4,4,4,4,",        # not ASCII
    ]
    result = run_import(runner, tmp_path, city.waves["open"], csv_bytes(bad))
    assert result.exit_code == 1
    for row in (7, 8, 9):
        assert f"row {row}: interviewer_id: must be 1–64 letters, digits or . _ : -" in result.output
    assert "row 2" not in result.output
    assert counts(db) == (0, 0, 0)


def test_an_interviewer_on_the_web_channel_or_two_in_one_interview_is_refused(runner, db, city,
                                                                               tmp_path):
    rows = [
        "W1,D01,web,2026-11-22,100,1,,IV-07,D01,30-39,f,no,,4,4,4,4,4,",
        "T9,D01,phone,2026-11-22,100,1,,IV-07,D01,30-39,f,no,H02,4,4,4,4,4,",
        "T9,H02,phone,2026-11-22,100,1,,IV-08,D01,30-39,f,no,H02,4,4,4,4,4,",
    ]
    result = run_import(runner, tmp_path, city.waves["open"], csv_bytes(rows))
    assert result.exit_code == 1
    assert "row 2: interviewer_id: a web response has no interviewer" in result.output
    assert "row 4: interviewer_id: differs between the rows of interview T9." in result.output
    assert counts(db) == (0, 0, 0)


def test_the_submission_api_is_the_web_channel_and_takes_no_interviewer(client, db, city):
    response = client.post(f"/api/v1/waves/{city.waves['open']}/submissions",
                           json=body(interviewer_id="IV-07"))
    assert response.status_code == 422
    assert [e["question"] for e in response.get_json()["errors"]] == ["interviewer_id"]
    assert counts(db) == (0, 0, 0)


def _status(db, wave_id: int) -> dict[str, SubmissionStatus]:
    db.expire_all()
    return dict(db.execute(select(Submission.interview_id, Submission.status)
                           .where(Submission.wave_id == wave_id)).all())


def test_one_decision_sets_aside_all_accepted_interviews_of_an_interviewer(db, city):
    wave = city.waves["open"]
    load(db, wave)
    t2 = db.scalars(select(Submission).where(Submission.interview_id == "T002")).one()
    quality.exclude(db, t2.id, "confirmed fake", actor="admin")
    db.commit()
    assert quality.quarantine_interviewer(db, wave, "IV-07", "  padding suspected ", "admin") == 1
    db.commit()
    assert _status(db, wave) == {"T001": SubmissionStatus.QUARANTINED,
                                 "T002": SubmissionStatus.EXCLUDED,  # not accepted: left alone
                                 "T003": SubmissionStatus.ACCEPTED, "T004": SubmissionStatus.ACCEPTED}
    t1 = db.scalars(select(Submission).where(Submission.interview_id == "T001")).one()
    reviews = db.scalars(select(QualityReview).where(QualityReview.submission_id == t1.id)).all()
    assert [(r.action, r.reason, r.actor) for r in reviews] == [
        (ReviewAction.QUARANTINE, "padding suspected", "admin")]
    entry = db.scalars(select(AuditLog).where(AuditLog.action == "interviewer.quarantine")).one()
    assert (entry.object_type, entry.object_id, entry.actor) == ("wave", str(wave), "admin")
    assert entry.new == {"interviewer": "IV-07", "count": 1, "reason": "padding suspected"}
    assert not db.scalars(select(AuditLog).where(AuditLog.object_type == "submission",
                                                 AuditLog.action == "submission.quarantine")).all()
    with pytest.raises(InvalidTransition, match="no accepted interview left"):
        quality.quarantine_interviewer(db, wave, "IV-07", "again", "admin")


def test_restore_puts_back_exactly_what_the_interviewer_decision_set_aside(db, city):
    wave = city.waves["open"]
    rows = ROWS + ["T005,D01,phone,2026-11-22,240,1,,IV-07,D01,30-39,f,no,,4,5,4,5,4,",
                   "T006,D01,phone,2026-11-22,260,1,,IV-07,D01,40-49,m,no,,3,4,4,5,4,"]
    load(db, wave, rows)
    ids = dict(db.execute(select(Submission.interview_id, Submission.id)
                          .where(Submission.wave_id == wave)).all())
    quality.quarantine(db, ids["T005"], "checked by phone: no such call", actor="admin")
    db.commit()
    assert quality.quarantine_interviewer(db, wave, "IV-07", "padding", "admin") == 3
    quality.exclude(db, ids["T006"], "confirmed fake", actor="admin")  # decided alone since
    db.commit()
    assert quality.restore_interviewer(db, wave, "IV-07", "the agency explained", "admin") == 2
    db.commit()
    status = _status(db, wave)
    assert status["T001"] == status["T002"] == SubmissionStatus.ACCEPTED
    assert status["T005"] == SubmissionStatus.QUARANTINED  # set aside alone, before
    assert status["T006"] == SubmissionStatus.EXCLUDED
    restored = db.scalars(select(QualityReview).where(QualityReview.action == ReviewAction.RESTORE)
                          .order_by(QualityReview.submission_id)).all()
    assert [(r.submission_id, r.reason) for r in restored] == [
        (ids["T001"], "the agency explained"), (ids["T002"], "the agency explained")]
    entry = db.scalars(select(AuditLog).where(AuditLog.action == "interviewer.restore")).one()
    assert entry.new == {"interviewer": "IV-07", "count": 2, "reason": "the agency explained"}
    with pytest.raises(InvalidTransition, match="nothing to restore"):
        quality.restore_interviewer(db, wave, "IV-07", "again", "admin")


def test_a_reason_and_a_known_interviewer_are_required(db, city):
    wave = city.waves["open"]
    load(db, wave)
    for decide in (quality.quarantine_interviewer, quality.restore_interviewer):
        with pytest.raises(ValidationFailed) as refused:
            decide(db, wave, "IV-07", "   ", "admin")
        assert refused.value.errors[0][0] == "reason"
        with pytest.raises(NotFound):
            decide(db, wave, "IV-99", "a reason", "admin")
        with pytest.raises(NotFound):
            decide(db, city.waves["invite"], "IV-07", "a reason", "admin")  # not in that wave
    assert set(_status(db, wave).values()) == {SubmissionStatus.ACCEPTED}
    assert not db.scalars(select(AuditLog).where(AuditLog.action.like("interviewer.%"))).all()


def test_the_upload_page_reports_a_bad_interviewer_in_the_admins_language(client, auth, db, city):
    from tests.collect.test_interview_upload import english, upload

    auth.login_as("admin")
    bad = ["T005,D01,phone,2026-11-22,100,1,,Li Ming,D01,30-39,f,no,,4,4,4,4,4,"]
    response = upload(client, city.waves["open"], csv_bytes(bad))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "第 2 行" in html and "interviewer_id: 必须是 1–64 个字母、数字或 . _ : -" in html
    english(client)
    html = upload(client, city.waves["open"], csv_bytes(bad)).get_data(as_text=True)
    assert "row 2" in html and "interviewer_id: must be 1–64 letters, digits or . _ : -" in html
    assert counts(db) == (0, 0, 0)
