"""Publication freezes a run: the service, HTTP and the database itself refuse changes."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from survey.errors import InvalidTransition, ValidationFailed
from tests.conftest import csrf_from
from tests.office.fixtures import GOLDEN_SETTINGS, decide_all, golden_wave, publish_decided


@pytest.fixture
def published(db):
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    wave = golden_wave(db)
    run = evaluate_wave_run(db, wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    publish_decided(db, run.id, "office1")
    db.commit()
    return run


def test_service_refuses_to_change_a_published_run(db, published):
    from survey.evaluation.runs import delete_run, publish_run

    with pytest.raises(InvalidTransition):
        delete_run(db, published.id, "office1")
    with pytest.raises(InvalidTransition):
        publish_run(db, published.id, "office1")


@pytest.mark.parametrize("sql", [
    "UPDATE evaluation_run SET input_sha256 = 'x' WHERE id = :id",
    "UPDATE evaluation_run SET status = 'draft' WHERE id = :id",
    "DELETE FROM evaluation_run WHERE id = :id",
    "UPDATE evaluation_result SET si = 99 WHERE run_id = :id",
    "DELETE FROM evaluation_result WHERE run_id = :id",
])
def test_database_refuses_raw_sql_on_a_published_run(raw_sql, published, sql):
    with pytest.raises(DBAPIError) as error:
        raw_sql(sql, id=published.id)
    assert "immutable" in str(error.value)
    assert raw_sql("SELECT count(*) FROM evaluation_result WHERE run_id = :id", id=published.id).scalar() == 3
    assert raw_sql("SELECT status FROM evaluation_run WHERE id = :id", id=published.id).scalar() == "published"


def test_http_refuses_delete_of_a_published_run(client, auth, published):
    auth.login_as("office")
    page = client.get(f"/office/runs/{published.id}")
    assert page.status_code == 200
    response = client.post(f"/office/runs/{published.id}/delete", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 409
    assert client.get(f"/office/runs/{published.id}").status_code == 200


def test_reexport_is_byte_identical(runner, tmp_path, published):
    for fmt in ("csv", "json", "xlsx"):
        outputs = []
        for i in range(2):
            out = tmp_path / f"{i}.{fmt}"
            assert runner.invoke(args=["export-run", str(published.id), "--format", fmt, "--out", str(out)]).exit_code == 0
            outputs.append(out.read_bytes())
        assert outputs[0] == outputs[1], fmt


def test_xlsx_cells_match_csv(published):
    import csv
    import io

    from openpyxl import load_workbook

    from survey.evaluation.exports import COLUMNS, export_csv, export_xlsx

    sheet = load_workbook(io.BytesIO(export_xlsx(published))).active
    cells = list(sheet.iter_rows(values_only=True))
    assert list(cells[0]) == list(COLUMNS)
    rows = list(csv.reader(io.StringIO(export_csv(published).decode("utf-8-sig"))))
    for xrow, crow in zip(cells[1:], rows[1:], strict=True):
        for value, text in zip(xrow, crow, strict=True):
            if isinstance(value, int | float):
                assert value == pytest.approx(float(text), abs=1e-6)
            else:
                assert ("" if value is None else str(value)) == text


def test_verify_identical_then_different_after_tampering(runner, raw_sql, published):
    result = runner.invoke(args=["verify-run", str(published.id)])
    assert result.exit_code == 0, result.output
    assert "identical" in result.output
    # alter one stored response: A1's q1 from 非常满意 (index 0) to 很不满意 (index 4)
    raw_sql("UPDATE rating SET choice_index = 4, choice = '1' WHERE item = 'q1' AND submission_id = "
            "(SELECT id FROM submission WHERE interview_id = 'A1')")
    result = runner.invoke(args=["verify-run", str(published.id)])
    assert result.exit_code == 1
    assert "A.si: stored 83.766" in result.output
    assert "different" in result.output


def test_verify_reports_changed_inputs_when_a_response_is_quarantined(runner, raw_sql, published):
    raw_sql("UPDATE submission SET status = 'quarantined' WHERE interview_id = 'A1'")
    result = runner.invoke(args=["verify-run", str(published.id)])
    assert result.exit_code == 1
    assert "input_sha256" in result.output
    assert "A.n_valid: stored 5, recomputed 4" in result.output


def test_supersede_needs_a_reason_and_records_a_diff(db, published, raw_sql):
    from survey.evaluation.runs import evaluate_wave_run, supersede_run
    from survey.evaluation.settings import RunSettings
    from survey.models import EvaluationRun, RunStatus

    raw_sql("UPDATE submission SET status = 'excluded' WHERE interview_id = 'B4'")
    settings = RunSettings.from_dict(GOLDEN_SETTINGS)
    new = evaluate_wave_run(db, published.wave_id, settings, "office1")
    with pytest.raises(ValidationFailed):
        supersede_run(db, published.id, new.id, "  ", "office1")
    with pytest.raises(InvalidTransition):  # the correction's provisional placements come first
        supersede_run(db, published.id, new.id, "B4 was a test interview", "office1")
    decide_all(db, new)
    supersede_run(db, published.id, new.id, "B4 was a test interview", "office1")
    db.commit()
    db.expire_all()
    old = db.get(EvaluationRun, published.id)
    assert old.status == RunStatus.SUPERSEDED
    fresh = db.get(EvaluationRun, new.id)
    assert fresh.status == RunStatus.PUBLISHED and fresh.supersedes_id == old.id
    assert fresh.reason == "B4 was a test interview"
    changed = {(d["unit_code"], d["field"]) for d in fresh.summary["diff"]}
    assert ("B", "si") in changed and ("B", "n_valid") in changed
    assert not any(code == "A" and field == "si" for code, field in changed)
    # a superseded run stays frozen too
    with pytest.raises(DBAPIError):
        raw_sql("UPDATE evaluation_run SET status = 'published' WHERE id = :id", id=old.id)


def test_rolling_runs_are_never_published(db):
    from survey.evaluation.periods import evaluate_rolling_run
    from survey.evaluation.runs import publish_run
    from survey.evaluation.settings import RunSettings

    golden_wave(db)
    run = evaluate_rolling_run(db, "2026-11", RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    assert run.kind == "rolling" and len(run.results) == 3
    with pytest.raises(InvalidTransition):
        publish_run(db, run.id, "office1")


def test_xlsx_is_byte_identical_across_seconds(published, monkeypatch):
    import datetime as real

    from survey.evaluation.exports import export_xlsx

    first = export_xlsx(published)

    class Later(real.datetime):
        @classmethod
        def now(cls, tz=None):
            return real.datetime(2031, 1, 1, tzinfo=tz)

    monkeypatch.setattr("openpyxl.packaging.core.datetime.datetime", Later)
    monkeypatch.setattr("openpyxl.writer.excel.datetime.datetime", Later)
    assert export_xlsx(published) == first
