"""``export-responses --run``: each response's final weight in a run of the wave (column final_weight)."""

from __future__ import annotations

import csv
import io
import math

import pytest

from tests.office.fixtures import GOLDEN_SETTINGS, another_wave, golden_wave


@pytest.fixture
def evaluated(db):
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    wave = golden_wave(db)
    run = evaluate_wave_run(db, wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    db.commit()
    return wave, run


def _export(runner, tmp_path, wave_id: int, fmt: str, *more: str):
    out = tmp_path / f"responses.{fmt}"
    result = runner.invoke(args=["export-responses", str(wave_id), "--format", fmt, "--out", str(out), *more])
    return result, out


def _expected_weights(db, wave_id: int, run) -> dict[int, float]:
    """WaveResult.submission_weights of the run's settings, by submission id."""
    from survey.evaluation.inputs import load_wave
    from survey.evaluation.runs import compute_wave
    from survey.evaluation.settings import RunSettings

    settings = RunSettings.from_dict(run.config)
    data = load_wave(db, wave_id, item_weights=dict(settings.item_weights or {}) or None,
                     district_variable=settings.scoring.district_variable)
    result = compute_wave(data, settings)
    return dict(zip(data.submission_ids.tolist(), result.submission_weights.tolist(), strict=True))


def test_csv_final_weights_are_the_runs_weights(runner, db, tmp_path, evaluated):
    wave, run = evaluated
    result, out = _export(runner, tmp_path, wave.id, "csv", "--run", str(run.id))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert list(rows[0])[-1] == "final_weight"
    expected = _expected_weights(db, wave.id, run)
    got: dict[int, str] = {}
    for row in rows:
        sid = int(row["submission_id"])
        assert got.setdefault(sid, row["final_weight"]) == row["final_weight"]  # same on each row
    weighted = {sid: float(text) for sid, text in got.items() if text != ""}
    for sid, weight in expected.items():
        if math.isnan(weight):
            assert got[sid] == "", sid  # not weighted: empty cell
        else:
            assert weighted[sid] == pytest.approx(weight, rel=1e-12, abs=1e-12), sid
            assert weighted[sid] == weight  # the shortest repr reads back as the same double
    assert set(weighted) <= set(expected)
    assert any(math.isnan(w) for w in expected.values())  # the golden C5 duplicate is not weighted
    assert math.fsum(weighted.values()) == pytest.approx(len(weighted), abs=1e-9)
    assert len(weighted) == sum(not math.isnan(w) for w in expected.values())


def test_xlsx_final_weights_are_numbers(runner, db, tmp_path, evaluated):
    from openpyxl import load_workbook

    wave, run = evaluated
    result, out = _export(runner, tmp_path, wave.id, "xlsx", "--run", str(run.id))
    assert result.exit_code == 0, result.output
    cells = list(load_workbook(out).active.iter_rows(values_only=True))
    header = list(cells[0])
    assert header[-1] == "final_weight"
    expected = _expected_weights(db, wave.id, run)
    sid_col = header.index("submission_id")
    for row in cells[1:]:
        weight = expected.get(int(row[sid_col]), math.nan)
        if math.isnan(weight):
            assert row[-1] in (None, "")
        else:
            assert isinstance(row[-1], int | float) and row[-1] == pytest.approx(weight, rel=1e-12)


def test_without_a_run_the_layout_is_unchanged(runner, tmp_path, evaluated):
    wave, _run = evaluated
    result, out = _export(runner, tmp_path, wave.id, "csv")
    assert result.exit_code == 0, result.output
    header = out.read_bytes().decode("utf-8-sig").splitlines()[0].split(",")
    assert "final_weight" not in header and header[-1] == "flags"


def test_a_run_of_another_wave_is_refused(runner, db, tmp_path, evaluated):
    wave, run = evaluated
    other = another_wave(db, wave, "2026-Q3")
    result, out = _export(runner, tmp_path, other.id, "csv", "--run", str(run.id))
    assert result.exit_code == 1
    assert f"is not a run of wave {other.id}" in result.output
    assert not out.exists()
    missing, _out = _export(runner, tmp_path, wave.id, "csv", "--run", "999")
    assert missing.exit_code == 1 and "999" in missing.output


def test_changed_inputs_are_refused(runner, raw_sql, tmp_path, evaluated):
    wave, run = evaluated
    raw_sql("UPDATE submission SET status = 'quarantined' WHERE interview_id = 'A1'")
    result, out = _export(runner, tmp_path, wave.id, "csv", "--run", str(run.id))
    assert result.exit_code == 1
    assert f"changed since run {run.id}" in result.output
    assert not out.exists()


def test_a_weighted_export_imports_again(runner, db, tmp_path, evaluated):
    from sqlalchemy import func, select

    from survey.models import Submission

    wave, run = evaluated
    result, out = _export(runner, tmp_path, wave.id, "csv", "--run", str(run.id))
    assert result.exit_code == 0, result.output
    other = another_wave(db, wave, "2027-Q1")
    db.commit()
    back = runner.invoke(args=["import-submissions", str(other.id), str(out)])
    assert back.exit_code == 0, back.output
    assert db.scalar(select(func.count(Submission.id)).where(Submission.wave_id == other.id)) == 15
