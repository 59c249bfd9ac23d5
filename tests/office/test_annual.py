"""Annual runs (mean of the published quarterly SIs, via analysis.evaluate_year) and CONSEC_BOTTOM."""

from __future__ import annotations

import pytest

from survey.errors import ValidationFailed
from tests.office.fixtures import (
    GOLDEN_COMPONENTS,
    GOLDEN_PERIOD,
    GOLDEN_SETTINGS,
    another_wave,
    golden_wave,
)


def _quarter(db, wave):
    from survey.evaluation.runs import evaluate_wave_run, publish_run
    from survey.evaluation.settings import RunSettings

    run = evaluate_wave_run(db, wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    return publish_run(db, run.id, "office1")


def test_annual_runs_and_consecutive_bottom(db):
    from survey.evaluation.components import import_components
    from survey.evaluation.periods import evaluate_year_run
    from survey.evaluation.runs import publish_run
    from survey.evaluation.settings import RunSettings

    wave26 = golden_wave(db)
    wave25 = another_wave(db, wave26, "2025-Q4")
    with pytest.raises(ValidationFailed):
        evaluate_year_run(db, 2025, RunSettings.from_dict(GOLDEN_SETTINGS, "annual"), "office1")
    q25, q26 = _quarter(db, wave25), _quarter(db, wave26)
    for year in ("2025", "2026"):
        text = GOLDEN_COMPONENTS.replace(GOLDEN_PERIOD, year)
        import_components(db, f"{year}.csv", text.encode("utf-8"), "office1")
    settings = RunSettings.from_dict(GOLDEN_SETTINGS, "annual")
    y25 = evaluate_year_run(db, 2025, settings, "office1")
    publish_run(db, y25.id, "office1")
    y26 = evaluate_year_run(db, 2026, settings, "office1")
    db.commit()

    rows25 = {r.unit_code: r for r in y25.results}
    rows26 = {r.unit_code: r for r in y26.results}
    quarter = {r.unit_code: r for r in q26.results}
    # one quarter: the annual SI is that quarter's SI, SE = SE_q / 1
    assert rows26["A"].si == pytest.approx(quarter["A"].si)
    assert rows26["A"].si_se == pytest.approx(quarter["A"].si_se)
    assert "PARTIAL_YEAR" in rows26["A"].flags.split(";")
    assert rows25["B"].total_tier == "较差" and rows26["B"].total_tier == "较差"
    assert "CONSEC_BOTTOM" in rows26["B"].flags.split(";")
    assert "CONSEC_BOTTOM" not in rows25["B"].flags.split(";")
    assert rows26["B"].extra["consec_bottom"] == {
        "previous_run": y25.id, "previous_year_significant": False, "this_year_significant": False}
    assert rows26["A"].total == pytest.approx(93.3567, abs=5e-5)
    assert y26.kind == "year" and y26.period == "2026" and y26.summary["quarters"][0]["run"] == q26.id
    assert q25.period == "2025-Q4"


def test_cli_evaluate_year(db, runner):
    wave = golden_wave(db)
    _quarter(db, wave)
    db.commit()
    result = runner.invoke(args=["evaluate", "--year", "2026", "--publish", "--reason", "annual"])
    assert result.exit_code == 0, result.output
    assert "published" in result.output


def test_verify_an_annual_run(db, runner, raw_sql):
    from survey.evaluation.periods import evaluate_year_run
    from survey.evaluation.runs import publish_run
    from survey.evaluation.settings import RunSettings

    wave = golden_wave(db)
    quarter = _quarter(db, wave)
    year = evaluate_year_run(db, 2026, RunSettings.from_dict(GOLDEN_SETTINGS, "annual"), "office1")
    publish_run(db, year.id, "office1")
    db.commit()
    result = runner.invoke(args=["verify-run", str(year.id)])
    assert result.exit_code == 0, result.output
    # the annual run rests on the quarter's frozen rows: tampering is refused by the database
    import sqlalchemy

    with pytest.raises(sqlalchemy.exc.DBAPIError):
        raw_sql("UPDATE evaluation_result SET si = 1 WHERE run_id = :id", id=quarter.id)
