"""DESIGN §7 golden example reproduced through the product, to 4 decimals.

Source of every expected number: /work/shared/DESIGN.md §7 "Golden example". The 15 interviews
are imported from an interview file (design weights and linkage keys included), the base /
differential / bonus scores through the component import, the run is made with raking off by
``flask evaluate --config`` and the numbers are read back from the exported files.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.office.fixtures import GOLDEN_COMPONENTS, GOLDEN_SETTINGS, golden_wave

EXPECTED = {  # unit: n, SI, SE, CI low, CI high, n_eff, M1, M2, M3, M4
    "A": (5, 83.7667, 7.9020, 68.2790, 99.2543, 4.4803, 16.7533, 18.8567, 17.0782, 16.0000),
    "B": (4, 63.6250, 7.5986, 48.7320, 78.5180, 3.8278, 12.7250, 12.0000, 13.1964, 12.0000),
    "C": (4, 87.1250, 4.9583, 77.4069, 96.8431, 3.9801, 17.4250, 20.0000, 17.7254, 20.0000),
}
# tiers by the amended §7 (e), worked out by hand in tests/analysis/test_golden.py: no placement
# at n = 4-5 is final where it matters (LOW_N below n_min = 5; A's total lead over C not significant)
TOTALS = {"A": (93.3567, 1, "优秀(待复核)"), "C": (92.5000, 2, "良好"), "B": (88.5000, 3, "较差(待复核)")}
SOCIAL = {"C": (1, "优秀(待复核)"), "A": (2, "良好"), "B": (3, "较差(待复核)")}
DK = {"A": 0.1333, "B": 0.1333, "C": 0.0}
TOP2 = {"A": 0.7000, "B": 0.4250, "C": 1.0000}
FLAGS = {"A": {"WIDE_CI", "ADJ_NOT_SIG"}, "B": {"LOW_N", "WIDE_CI", "ADJ_NOT_SIG"},
         "C": {"LOW_N", "ADJ_NOT_SIG", "TOP_NOT_SIG"}}


def _evaluate(runner, tmp_path, wave_id: int, method: str = "M2") -> int:
    config = tmp_path / f"golden_{method}.json"
    settings = {"scoring": {**GOLDEN_SETTINGS["scoring"], "method": method}}
    config.write_text(json.dumps(settings), encoding="utf-8")
    result = runner.invoke(args=["evaluate", "--wave", str(wave_id), "--config", str(config)])
    assert result.exit_code == 0, result.output
    return int(result.output.strip().splitlines()[-1])


def _export(runner, tmp_path, run_id: int, fmt: str) -> bytes:
    out = tmp_path / f"run{run_id}.{fmt}"
    result = runner.invoke(args=["export-run", str(run_id), "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


@pytest.fixture
def golden(db, runner, tmp_path):
    wave = golden_wave(db)
    components = tmp_path / "components.csv"
    components.write_text(GOLDEN_COMPONENTS, encoding="utf-8")
    result = runner.invoke(args=["import-components", str(components)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "3"
    return wave


def test_golden_csv_export_to_4_decimals(golden, runner, tmp_path):
    run_id = _evaluate(runner, tmp_path, golden.id)
    data = _export(runner, tmp_path, run_id, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = {r["unit_code"]: r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))}
    assert set(rows) == {"A", "B", "C"}
    for code, (n, si, se, lo, hi, neff, m1, m2, _m3, _m4) in EXPECTED.items():
        row = rows[code]
        assert int(row["n_valid"]) == n
        got = [float(row[c]) for c in ("si", "si_se", "si_ci_low", "si_ci_high", "n_eff",
                                       "social_points_linear", "social_points")]
        assert got == pytest.approx([si, se, lo, hi, neff, m1, m2], abs=5e-5)
        assert row["social_method"] == "M2"
        assert float(row["dk_rate"]) == pytest.approx(DK[code], abs=5e-5)
        assert float(row["sat_rate_top2"]) == pytest.approx(TOP2[code], abs=5e-5)
        total, rank, tier = TOTALS[code]
        assert float(row["total"]) == pytest.approx(total, abs=5e-5)
        assert (int(row["total_rank"]), row["total_tier"]) == (rank, tier)
        assert (int(row["social_rank"]), row["social_tier"]) == SOCIAL[code]
        assert FLAGS[code] <= set(row["flags"].split(";"))
        assert row["flags"].split(";") == sorted(row["flags"].split(";"))
        assert "BONUS_CAPPED" not in row["flags"]
        assert len(row["si"].split(".")[1]) == 6  # six decimals


@pytest.mark.parametrize("method,column", [("M1", 6), ("M2", 7), ("M3", 8), ("M4", 9)])
def test_golden_points_under_each_method_via_config(golden, runner, tmp_path, method, column):
    run_id = _evaluate(runner, tmp_path, golden.id, method)
    rows = json.loads(_export(runner, tmp_path, run_id, "json"))
    for row in rows:
        assert row["social_method"] == method
        assert row["social_points"] == pytest.approx(EXPECTED[row["unit_code"]][column], abs=5e-5)
        assert row["social_points_linear"] == pytest.approx(EXPECTED[row["unit_code"]][6], abs=5e-5)


def test_golden_sensitivity_table_and_respondent_flags(golden, runner, tmp_path, db):
    from survey.models import EvaluationRun

    run_id = _evaluate(runner, tmp_path, golden.id)
    run = db.get(EvaluationRun, run_id)
    sens = run.summary["sensitivity"]
    for i, code in enumerate(sens["units"]):
        got = [sens["points"][m][i] for m in ("M1", "M2", "M3", "M4")]
        assert got == pytest.approx(EXPECTED[code][6:], abs=5e-5)
    # C5 repeats h22: flagged DUPLICATE at import (and quarantined) or at evaluation
    quarantined = run.summary["submissions"].get("quarantined", 0)
    assert quarantined + run.summary["submission_flag_counts"]["DUPLICATE"] == 1
    assert run.summary["rating_flag_counts"]["INSUFFICIENT_ITEMS"] == 1  # B5
    assert run.summary["ratings_counted"] == 13
    assert run.config["scoring"]["raking"] is False


def test_golden_json_columns_in_design_order(golden, runner, tmp_path):
    from survey.evaluation.exports import COLUMNS

    run_id = _evaluate(runner, tmp_path, golden.id)
    data = _export(runner, tmp_path, run_id, "json")
    rows = json.loads(data)
    assert [list(r) for r in rows] == [list(COLUMNS)] * 3
    assert b'"si": 83.76666666666667' in data  # full precision: the shortest round-trip repr
    assert {r["run_id"] for r in rows} == {run_id}
