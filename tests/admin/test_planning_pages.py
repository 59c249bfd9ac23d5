"""The sample-size plan of a wave (DESIGN §7 (i)): page, quotas applied in one action, CLI."""

from __future__ import annotations

import html
import math

from sqlalchemy import select

from analysis.planning import n_for_half_width
from survey.models import AuditLog, Quota, Wave
from tests.conftest import csrf_from

AGE = "variable,category,share\n" + "".join(
    f"age_band,{c},{s}\n" for c, s in
    [("18-29", 0.21), ("30-39", 0.20), ("40-49", 0.19), ("50-59", 0.17), ("60-69", 0.13), ("70+", 0.10)])
#: A per-district margin for D01 only: D02 uses the city-wide one.
D01_AGE = "".join(f"D01,age_band,{c},{s}\n" for c, s in
                  [("18-29", 0.5), ("30-39", 0.1), ("40-49", 0.1), ("50-59", 0.1), ("60-69", 0.1),
                   ("70+", 0.1)])


def _with_margins(db, wave_id: int) -> None:
    from survey.margins import upload_margins

    city = "".join(f",{line}\n" for line in AGE.strip().splitlines()[1:])  # empty district
    text = "district,variable,category,share\n" + city + D01_AGE
    upload_margins(db, db.get(Wave, wave_id), "margins.csv", text.encode(), "test")
    db.commit()


def _page(client, wave_id: int, **query: str):
    return client.get(f"/admin/waves/{wave_id}/plan", query_string=query)


def test_the_page_shows_the_plan_from_assumed_values(client, auth, db, wave_id) -> None:
    _with_margins(db, wave_id)
    auth.login_as("admin")
    wave_page = client.get(f"/admin/waves/{wave_id}").get_data(as_text=True)
    assert f"/admin/waves/{wave_id}/plan" in wave_page
    response = _page(client, wave_id, half_width="3")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    # assumed s = 20, deff 1.3 at 95%: 3.8415 · 400 · 1.3 / 9 = 221.9 → 222; lost 10% → 247
    n = n_for_half_width(20.0, 1.3, 3.0, 0.95, 75)
    assert n == 222
    interviews = math.ceil(n / 0.9)
    for code in ("D01", "D02", "B01"):
        assert code in page
    assert f">{n}<" in page and f">{interviews}" in page
    # D01 by its own margin, D02 by the city's, each rounded up
    assert f"district=D01*age_band=18-29 {math.ceil(interviews * 0.5)}" in page
    assert f"district=D02*age_band=70+ {math.ceil(interviews * 0.10 - 1e-9)}" in page
    assert "B01" not in page.split("<pre>")[1].split("</pre>")[0]  # departments get no quota


def test_power_that_cannot_be_reached_is_said_so(client, auth, db, wave_id) -> None:
    auth.login_as("admin")
    response = _page(client, wave_id, half_width="6", detect="8", power="0.8", lang="en")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    # B01 is alone in its group: nobody to be separated from
    assert "cannot be separated within 5000" in page
    assert "Cannot be separated within 5000 ratings per unit" in page
    # the two districts can be told apart (τ = 4, d = 8)
    assert "valid ratings per unit give a unit 8 points below the group median" in page


def test_applying_the_plan_sets_quotas_and_audits(client, auth, db, wave_id) -> None:
    from survey.planning import plan_wave

    _with_margins(db, wave_id)
    auth.login_as("admin")
    page = _page(client, wave_id, half_width="3").get_data(as_text=True)
    response = client.post(f"/admin/waves/{wave_id}/plan",
                           data={"csrf_token": csrf_from(page), "half_width": "3", "detect": "",
                                 "power": "", "variable": "age_band"})
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    assert response.headers["Location"].endswith(f"/admin/waves/{wave_id}")
    db.expire_all()
    expected = plan_wave(db, wave_id, half_width=3).quotas
    stored = {q.cell: q.target for q in db.scalars(select(Quota).where(Quota.wave_id == wave_id))}
    assert len(stored) == 12 and stored == {
        "*".join(sorted(cell.split("*"))): target for cell, target in expected}
    audit = db.scalars(select(AuditLog).where(AuditLog.action == "wave.quotas")).all()
    assert len(audit) == 1 and audit[0].object_id == str(wave_id) and audit[0].actor == "admin1"
    followed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已按样本量规划设置 12 个配额单元格。" in followed  # the flash
    assert f"age_band=18-29*district=D01 {stored['age_band=18-29*district=D01']}" in followed


def test_bad_input_is_shown_next_to_its_field(client, auth, db, wave_id) -> None:
    auth.login_as("admin")
    response = _page(client, wave_id, half_width="-1", detect="8", power="abc", lang="en")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="power-error"' in page and 'id="half_width-error"' in page
    assert "Enter the power as a share between 0 and 1" in page
    assert 'value="abc"' in page and 'value="-1"' in page  # what was typed is kept
    page = _page(client, wave_id, half_width="3").get_data(as_text=True)
    response = client.post(f"/admin/waves/{wave_id}/plan",
                           data={"csrf_token": csrf_from(page), "half_width": "3", "detect": "8",
                                 "power": "", "lang": "en"})
    assert response.status_code == 422
    assert 'id="power-error"' in response.get_data(as_text=True)
    assert db.scalars(select(Quota)).all() == []
    # a POST without the CSRF token is refused
    assert client.post(f"/admin/waves/{wave_id}/plan", data={"half_width": "3"}).status_code == 400


def test_the_plan_reads_the_last_published_run(client, auth, db) -> None:
    from survey.planning import plan_wave
    from tests.office.fixtures import golden_draft, publish_decided

    run = golden_draft(db)
    publish_decided(db, run.id)
    db.commit()
    plan = plan_wave(db, run.wave_id, detect=10, power=0.8)
    assert plan.source.run_id == run.id and plan.source.same_questionnaire
    assert plan.n_min == 5 and plan.half_width == 10.0  # the run's settings
    group = plan.groups[0]
    assert [u.current_n for u in group.units] == [5, 4, 4]
    assert "tau" not in group.assumed and "s" not in group.assumed
    assert "s_slope" in group.assumed  # three units of n < 30 cannot give the slope
    auth.login_as("admin")
    page = _page(client, run.wave_id, lang="en").get_data(as_text=True)
    assert f"Published run {run.id} (2026-Q4) of this questionnaire." in page
    assert "The wave is closed" in page


def test_cli_prints_the_table_and_the_total(runner, db, wave_id) -> None:
    from survey.planning import plan_wave

    result = runner.invoke(args=["plan-sample", str(wave_id), "--half-width", "3",
                                 "--detect", "8", "--power", "0.8"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    plan = plan_wave(db, wave_id, half_width=3, detect=8, power=0.8)
    assert lines[-1] == str(plan.total_interviews)
    assert lines[-2].startswith(f"total interviews: {plan.total_interviews}")
    assert "unit\tname\tcurrent n\tn half-width\tn power\tplanned n\tinterviews" in lines
    d01 = next(line for line in lines if line.startswith("D01\t")).split("\t")
    u = next(u for u in plan.units if u.code == "D01")
    assert d01[2:6] == ["—", str(u.n_half_width), str(u.n_power), str(u.n_plan)]
    b01 = next(line for line in lines if line.startswith("B01\t")).split("\t")
    assert b01[4] == "cannot be separated within 5000"
    assert "inputs: No published quarterly run: assumed values." in lines


def test_cli_errors(runner, wave_id) -> None:
    usage = runner.invoke(args=["plan-sample", str(wave_id), "--detect", "8"])
    assert usage.exit_code == 2
    bad = runner.invoke(args=["plan-sample", str(wave_id), "--half-width", "0", "--detect", "8",
                              "--power", "1.5"])
    assert bad.exit_code == 1
    errors = bad.stderr.strip().splitlines()
    assert errors[0].startswith("half_width: ") and errors[1].startswith("power: ")
    budget = runner.invoke(args=["plan-sample", str(wave_id), "--max-n", "50"])
    assert budget.exit_code == 1 and budget.stderr.startswith("n_max: ")
    missing = runner.invoke(args=["plan-sample", "999"])
    assert missing.exit_code == 1 and missing.stderr.strip()
