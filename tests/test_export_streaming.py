"""The responses export streams with flat memory (issue 17) and writes what it wrote before.

The admin download of a CSV is a generator response (rows are read and sent in chunks, never
held), the XLSX is written row by row to a temporary file and sent from there, the CLI writes
into its file the same way. :func:`reference_export` is the export as it was written before
(one ORM object per submission, the whole file built in memory; commit d9d30c3): on a fixture
wave with web responses, interviews, hostile text, a screened-out interview, a non-anonymized
wave and a run's final weights, the new export gives the same CSV bytes and the same XLSX cells.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from survey.export_text import safe_cell
from survey.models import Channel, QuestionnaireVersion, Submission, SubmissionStatus, Unit, Wave
from survey.responses_export import (
    SHANGHAI,
    _text,
    export_columns,
    export_responses,
    run_weights,
    write_export,
)
from survey.submission_store import definition_of
from tests.collect.factory import body, build_city, rating
from tests.collect.test_interviews import GOOD, csv_bytes

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1", "-2", "@SUM(A1)", "\ttab first",
           "line\nbreak, \"quoted\"", "<script>alert(1)</script> 😀 \u202eRTL", "bell\x07here",
           "  padded  ", "cr\r\nlf & <b>", "#N/A", "长" * 40_000]


def reference_rows(session, wave_id: int, run_id: int | None = None) -> tuple[list[str], Iterator[list[Any]]]:
    """The rows as survey.responses_export wrote them before streaming (kept as the reference)."""
    wave = session.get(Wave, wave_id)
    weights = run_weights(session, wave_id, run_id) if run_id is not None else None
    header = export_columns(session, wave, weighted=weights is not None)
    definition = definition_of(session, wave.questionnaire_version_id)
    respondent = [q.name for q in definition.respondent_questions if q.type != "note"]
    unit_qs = [q.name for q in definition.unit_questions if q.type != "note"]
    versions = dict(session.execute(select(QuestionnaireVersion.id, QuestionnaireVersion.version)).all())
    known_units = set(session.scalars(select(Unit.code)))

    def rows() -> Iterator[list[Any]]:
        query = select(Submission).where(Submission.wave_id == wave.id).order_by(Submission.id)
        for submission in session.scalars(query):
            local = submission.submitted_at.astimezone(SHANGHAI)
            answers = submission.answers.get("answers", {})
            ratings = {c: v for c, v in submission.answers.get("ratings", {}).items()
                       if c in known_units} or {"": {}}
            for code, values in ratings.items():
                row: list[Any] = [
                    submission.interview_id or f"web-{submission.id}", code,
                    submission.channel.value, local.date().isoformat(),
                    _text(round(submission.duration_s) if submission.duration_s is not None else None),
                    _text(submission.design_weight), submission.linkage_key or "",
                    submission.interviewer_id or ""]
                row += [_text(answers.get(name)) for name in respondent]
                row += [_text(values.get(name)) for name in unit_qs]
                row += [str(submission.id), str(versions.get(submission.questionnaire_version_id, "")),
                        submission.status.value, ";".join(sorted(submission.flags or []))]
                if not wave.anonymized:
                    row.append(local.isoformat(timespec="seconds"))
                row = [safe_cell(cell) for cell in row]
                if weights is not None:
                    weight = weights.get(submission.id)
                    row.append(weight if weight is not None and weight == weight else None)
                yield row

    return header, rows()


def reference_export(session, wave_id: int, fmt: str, run_id: int | None = None) -> bytes:
    header, rows = reference_rows(session, wave_id, run_id)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(["" if cell is None else repr(cell) if isinstance(cell, float) else cell
                          for cell in row] for row in rows)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def cells(data: bytes) -> list[tuple[Any, ...]]:
    """Every cell of the sheet, rows padded to its width (an empty cell reads as None whether it
    was written empty or left out)."""
    return list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))


def _store(db, wave_id: int, version_id: int, comment: str) -> None:
    db.add(Submission(
        wave_id=wave_id, client_submission_id=str(uuid.uuid4()), body_sha256="0" * 64,
        answers={"answers": {"district": "D01", "departments": ["H01", "H02"]},
                 "ratings": {"D01": {"sat_overall": "4", "comment": comment}, "ZZ9": {"sat_overall": "1"}}},
        questionnaire_version_id=version_id, channel=Channel.WEB, strata="", duration_s=12.6,
        submitted_at=datetime(2026, 11, 20, 23, 30, tzinfo=UTC)))


@pytest.fixture
def wave_id(client, db, runner, tmp_path) -> int:
    """Web responses through the API, interviews through the import (one rates no unit), hostile
    comments, a rating of an unknown unit; the wave is not anonymized (exact times exported)."""
    city = build_city(db)
    wave = city.waves["open"]
    db.get(Wave, wave).anonymized = False
    db.commit()
    for overall in ("4", "2"):
        assert client.post(f"/api/v1/waves/{wave}/submissions", json=body(ratings={
            "D01": rating(overall, comment="很好"), "H02": rating()})).status_code == 201
    path = tmp_path / "cati.csv"
    path.write_bytes(csv_bytes(GOOD))
    assert runner.invoke(args=["import-submissions", str(wave), str(path)]).exit_code == 0
    for text in HOSTILE:
        _store(db, wave, city.version_id, text)
    db.commit()
    return wave


def test_the_csv_download_is_streamed_and_equals_the_reference(client, auth, db, wave_id) -> None:
    auth.login_as("admin")
    response = client.get(f"/admin/waves/{wave_id}/responses.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"] == f"attachment; filename=responses-wave-{wave_id}.csv"
    data = response.get_data()
    assert data == reference_export(db, wave_id, "csv")
    records = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(records) == 2 * 2 + 4 + len(HOSTILE)  # two units per web response, GOOD's 4 rows
    assert [r["comment"] for r in records[-len(HOSTILE):]] == [
        "'=HYPERLINK(\"http://evil.example\",\"x\")", "'+1", "'-2", "'@SUM(A1)", "'\ttab first",
        "line\nbreak, \"quoted\"", "<script>alert(1)</script> 😀 \u202eRTL", "bell\ufffdhere",
        "  padded  ", "cr\r\nlf & <b>", "#N/A", "长" * 40_000]
    assert records[-1]["submitted_at"] == "2026-11-21T07:30:00+08:00"
    assert records[-1]["departments"] == "H01 H02" and records[-1]["duration_s"] == "13"


def test_the_xlsx_download_is_sent_from_a_file_and_reads_as_the_reference(client, auth, db, wave_id) -> None:
    auth.login_as("admin")
    response = client.get(f"/admin/waves/{wave_id}/responses.xlsx")
    assert response.status_code == 200 and response.is_streamed
    assert response.content_length == len(response.get_data())
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    got = cells(response.get_data())
    assert got == cells(reference_export(db, wave_id, "xlsx"))
    assert len(got) == 1 + 2 * 2 + 4 + len(HOSTILE)
    comments = [row[got[0].index("comment")] for row in got[-len(HOSTILE):]]
    assert comments[-4:] == ["  padded  ", "cr\r\nlf & <b>", "#N/A", "长" * 32_767]  # Excel's cell limit


def test_a_missing_wave_is_404_before_anything_is_streamed(client, auth) -> None:
    auth.login_as("admin")
    for fmt in ("csv", "xlsx"):
        assert client.get(f"/admin/waves/999999/responses.{fmt}").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_cli_writes_the_same_file_and_says_how_many_rows(runner, db, wave_id, tmp_path, fmt: str) -> None:
    out = tmp_path / f"responses.{fmt}"
    result = runner.invoke(args=["export-responses", str(wave_id), "--format", fmt, "--out", str(out)],
                           env={"MINYI_LANG": "en"})
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"{2 * 2 + 4 + len(HOSTILE)} rows exported.", str(out)]
    expected = reference_export(db, wave_id, fmt)
    if fmt == "csv":
        assert out.read_bytes() == expected
    else:
        assert cells(out.read_bytes()) == cells(expected)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no part file left


def test_a_refused_cli_export_leaves_no_file(runner, db, tmp_path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    result = runner.invoke(args=["export-responses", "999999", "--format", "csv",
                                 "--out", str(folder / "responses.csv")])
    assert result.exit_code == 1
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_final_weights_of_a_run_are_written_as_before(db, fmt: str) -> None:
    from tests.office.fixtures import golden_draft

    run = golden_draft(db)
    new, old = export_responses(db, run.wave_id, fmt, run.id), reference_export(db, run.wave_id, fmt, run.id)
    if fmt == "csv":
        assert new == old
        assert new.decode("utf-8-sig").splitlines()[0].endswith(",final_weight")
    else:
        assert cells(new) == cells(old)


def test_write_export_counts_rows_and_takes_its_connection_late(db, wave_id) -> None:
    """The rows are read when first wanted: a web response streams after its request committed."""
    from survey.responses_export import response_rows

    header, rows = response_rows(db, wave_id)
    db.commit()  # as the request's edge does before the body is sent
    assert sum(1 for _row in rows) == 2 * 2 + 4 + len(HOSTILE)
    out = io.BytesIO()
    assert write_export(db, wave_id, "csv", out) == 2 * 2 + 4 + len(HOSTILE)
    assert out.getvalue().startswith("\ufeff".encode() + ",".join(header).encode())


def test_memory_does_not_grow_with_rows(db) -> None:
    """The export's peak of traced memory is the same for 4,000 and for 12,000 submissions: the
    rows are generated and written, never collected (bench/export_bench.py measures a million)."""
    import tracemalloc

    from survey.responses_export import CHUNK_BYTES, csv_chunks, response_rows

    city = build_city(db)
    wave = city.waves["open"]
    template = {"answers": {"district": "D01", "age_band": "30-39", "sex": "f", "gov_staff": "no"},
                "ratings": {"D01": rating("4", comment="态度很好" * 5), "H02": rating()}}

    def add(count: int) -> None:
        start = db.scalar(select(func.count(Submission.id)))
        db.execute(Submission.__table__.insert(), [
            {"wave_id": wave, "client_submission_id": f"m{start + i}", "body_sha256": "0" * 64,
             "answers": template, "questionnaire_version_id": city.version_id, "channel": Channel.WEB,
             "strata": "", "submitted_at": datetime(2026, 11, 20, tzinfo=UTC), "flags": [],
             "design_weight": 1.0, "status": SubmissionStatus.ACCEPTED} for i in range(count)])
        db.commit()

    def peak() -> tuple[int, int]:
        header, rows = response_rows(db, wave)
        tracemalloc.start()
        written = 0
        for chunk in csv_chunks(header, rows):
            written += len(chunk)
            assert len(chunk) < 2 * CHUNK_BYTES
        most = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        db.rollback()
        return most, written

    add(4_000)
    small, small_written = peak()
    add(8_000)
    large, large_written = peak()
    assert large_written > 2.9 * small_written
    assert large < 1.2 * small, (small, large)
