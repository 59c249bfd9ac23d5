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
    publish_decided,
)


def _quarter(db, wave):
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    run = evaluate_wave_run(db, wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    return publish_decided(db, run.id, "office1")


def test_annual_runs_and_consecutive_bottom(db):
    from survey.evaluation.components import import_components
    from survey.evaluation.periods import evaluate_year_run
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
    publish_decided(db, y25.id, "office1")
    y26 = evaluate_year_run(db, 2026, settings, "office1")
    db.commit()

    rows25 = {r.unit_code: r for r in y25.results}
    rows26 = {r.unit_code: r for r in y26.results}
    quarter = {r.unit_code: r for r in q26.results}
    # one quarter: the annual SI is that quarter's SI, SE = SE_q / 1
    assert rows26["A"].si == pytest.approx(quarter["A"].si)
    assert rows26["A"].si_se == pytest.approx(quarter["A"].si_se)
    assert "PARTIAL_YEAR" in rows26["A"].flags.split(";")
    # 2025: B's provisional 较差 (n = 4 < n_min) was confirmed by the office before publication
    assert (rows25["B"].total_tier, rows25["B"].total_tier_status) == ("较差", "confirmed")
    # 2026: still provisional, so it does not count yet
    assert (rows26["B"].total_tier, rows26["B"].total_tier_status) == ("较差(待复核)", "provisional")
    assert "CONSEC_BOTTOM" not in rows26["B"].flags.split(";")
    from survey.evaluation.decisions import decide_placement

    decide_placement(db, y26.id, "B", "total", "confirm", "复核：连续两年末位", "office1")
    db.commit()
    rows26 = {r.unit_code: r for r in y26.results}
    assert "CONSEC_BOTTOM" in rows26["B"].flags.split(";")
    assert "CONSEC_BOTTOM" not in rows25["B"].flags.split(";")
    years = rows26["B"].extra["consec_bottom"]["years"]
    assert rows26["B"].extra["consec_bottom"]["previous_run"] == y25.id
    assert [(y["run"], y["period"], y["total_tier"], y["status"]) for y in years] == [
        (y25.id, "2025", "较差", "confirmed"), (y26.id, "2026", "较差", "confirmed")]
    assert years[1]["office_reason"] == "复核：连续两年末位"
    # clearing it again removes the flag: only final or confirmed placements count
    decide_placement(db, y26.id, "B", "total", "clear", "复核后撤销", "office1")
    assert "CONSEC_BOTTOM" not in {r.unit_code: r for r in y26.results}["B"].flags.split(";")
    assert rows26["A"].total == pytest.approx(93.3567, abs=5e-5)
    assert y26.kind == "year" and y26.period == "2026" and y26.summary["quarters"][0]["run"] == q26.id
    assert q25.period == "2025-Q4"


def test_cli_evaluate_year(db, runner):
    """The scripted path: publishing at once is refused while placements are provisional; the
    office lists them, decides each with a reason, then publishes the draft."""
    wave = golden_wave(db)
    _quarter(db, wave)
    db.commit()
    refused = runner.invoke(args=["evaluate", "--year", "2026", "--publish", "--reason", "annual"])
    assert refused.exit_code == 1
    assert "provisional placements the office has not decided" in refused.output
    made = runner.invoke(args=["evaluate", "--year", "2026"])
    assert made.exit_code == 0, made.output
    run_id = made.output.strip().splitlines()[-1]
    pending = runner.invoke(args=["pending", run_id])
    assert pending.exit_code == 0, pending.output
    lines = pending.output.strip().splitlines()
    assert int(lines[-1]) == len(lines) - 1 > 0
    for line in lines[:-1]:
        code, scope, tier, _name = line.split("\t")
        assert tier.endswith("(待复核)")
        decided = runner.invoke(args=["decide", run_id, "--unit", code, "--scope", scope, "--clear",
                                      "--reason", "样本不足，不作定档"])
        assert decided.exit_code == 0, decided.output
        assert "cleared" in decided.output
    published = runner.invoke(args=["publish", run_id])
    assert published.exit_code == 0, published.output
    assert "published" in published.output
    again = runner.invoke(args=["decide", run_id, "--unit", "B", "--scope", "social", "--confirm",
                                "--reason", "x"])
    assert again.exit_code == 1 and "frozen" in again.output


def test_verify_an_annual_run(db, runner, raw_sql):
    from survey.evaluation.periods import evaluate_year_run
    from survey.evaluation.settings import RunSettings

    wave = golden_wave(db)
    quarter = _quarter(db, wave)
    year = evaluate_year_run(db, 2026, RunSettings.from_dict(GOLDEN_SETTINGS, "annual"), "office1")
    publish_decided(db, year.id, "office1")
    db.commit()
    result = runner.invoke(args=["verify-run", str(year.id)])
    assert result.exit_code == 0, result.output
    # the annual run rests on the quarter's frozen rows: tampering is refused by the database
    import sqlalchemy

    with pytest.raises(sqlalchemy.exc.DBAPIError):
        raw_sql("UPDATE evaluation_result SET si = 1 WHERE run_id = :id", id=quarter.id)
