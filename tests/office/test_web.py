"""Office pages: access, the run form and its background job, results, publication, report."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_from
from tests.office.fixtures import GOLDEN_COMPONENTS, golden_wave, publish_decided


@pytest.fixture
def wave(db):
    return golden_wave(db)


def _golden_form(page_html: str, **overrides: str) -> dict:
    data = {"csrf_token": csrf_from(page_html), "scale": "item", "weight_q1": "0.5", "weight_q2": "0.25",
            "weight_q3": "0.25", "min_answered_weight": "0.5", "raking_scope": "city", "trim_low": "0.3",
            "trim_high": "3", "method": "M2", "social_max": "20", "band_low": "12", "band_high": "20",
            "n_min": "5", "wide_ci_half_width": "10", "seed": "0",
            "excluding_flags": ["DUPLICATE", "HONEYPOT", "INSUFFICIENT_ITEMS", "STAFF_OF_UNIT"]}
    data.update(overrides)
    return data


def _run_via_web(client, wave_id: int, **overrides: str) -> int:
    page = client.get(f"/office/runs/new?wave={wave_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="0.5"' in html  # item weight from the questionnaire
    response = client.post(f"/office/runs/new?wave={wave_id}", data=_golden_form(html, **overrides))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    job = client.get(response.headers["Location"])
    assert job.status_code == 303, job.get_data(as_text=True)[:2000]
    return int(job.headers["Location"].rsplit("/", 1)[1])


def test_anonymous_is_sent_to_login(client, wave):
    for path in ("/office/", f"/office/runs/new?wave={wave.id}", "/office/components", "/office/tokens",
                 "/office/runs/1", "/office/runs/1/report"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_viewer_reads_but_cannot_write(client, auth, db, wave):
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    run = evaluate_wave_run(db, wave.id, RunSettings.from_dict({"scoring": {"raking": False}}), "t")
    publish_decided(db, run.id, "t")
    db.commit()
    auth.login_as("viewer")
    assert client.get(f"/office/runs/{run.id}").status_code == 200
    token = auth.csrf("/office/")
    assert client.get(f"/office/runs/new?wave={wave.id}").status_code == 403
    assert client.post(f"/office/runs/new?wave={wave.id}", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/office/runs/{run.id}/delete", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/office/runs/{run.id}/publish", data={"csrf_token": token}).status_code == 403
    assert client.get("/office/components").status_code == 403
    assert client.post("/office/tokens", data={"csrf_token": token, "name": "x"}).status_code == 403


def test_post_without_csrf_is_rejected(client, auth, wave):
    auth.login_as("office")
    response = client.post(f"/office/runs/new?wave={wave.id}", data={"method": "M2"})
    assert response.status_code == 400
    response = client.post("/office/tokens", data={"name": "x"})
    assert response.status_code == 400


def test_unit_bound_viewer_sees_only_their_unit(client, app, db, wave):
    from survey.accounts import create_user
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    run = evaluate_wave_run(db, wave.id, RunSettings.from_dict({"scoring": {"raking": False}}), "t")
    draft = evaluate_wave_run(db, wave.id, RunSettings.from_dict({"scoring": {"raking": False}}), "t")
    publish_decided(db, run.id, "t")
    create_user(db, "viewer_b", "viewer", "correct horse battery", actor="t", unit_code="B")
    db.commit()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "viewer_b", "password": "correct horse battery", "csrf_token": token})
    html = client.get(f"/office/runs/{run.id}").get_data(as_text=True)
    assert "乙单位" in html and "甲单位" not in html and "丙单位" not in html
    assert client.get(f"/office/runs/{run.id}/export.csv").status_code == 403
    assert client.get(f"/office/runs/{draft.id}").status_code == 403
    report = client.get(f"/office/runs/{run.id}/report").get_data(as_text=True)
    assert "乙单位" in report and "甲单位" not in report


def test_office_runs_publishes_and_exports_through_the_web(client, auth, wave, db):
    from survey.models import EvaluationRun, RunStatus

    auth.login_as("office")
    run_id = _run_via_web(client, wave.id, method="M2")
    page = client.get(f"/office/runs/{run_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "83.77" in html and "63.62" in html and "87.12" in html  # golden SIs
    assert 'title="' in html and "LOW_N" in html  # flags explained on hover
    assert "Rank under M3" in html or "M3" in html
    sorted_page = client.get(f"/office/runs/{run_id}?sort=si&dir=desc").get_data(as_text=True)
    assert sorted_page.index("丙单位") < sorted_page.index("甲单位") < sorted_page.index("乙单位")
    # provisional placements (n = 4-5 < n_min) are named, and publication waits for the office
    assert "较差(待复核)" in html and "待复核" in html
    refused = client.post(f"/office/runs/{run_id}/publish", data={"csrf_token": csrf_from(html)})
    assert refused.status_code == 409 and "乙单位" in refused.get_data(as_text=True)
    run = db.get(EvaluationRun, run_id)
    from survey.evaluation.decisions import pending_placements

    pending = pending_placements(run)
    assert pending
    first = pending[0]
    # a decision without a reason is refused, and what was chosen is kept on the page
    bad = client.post(f"/office/runs/{run_id}/decisions", data={
        "csrf_token": csrf_from(html), "unit_code": first.unit_code, "scope": first.scope,
        "decision": "clear", "reason": "  "})
    assert bad.status_code == 422
    bad_html = bad.get_data(as_text=True)
    assert 'value="clear" checked' in bad_html
    for p in pending:
        ok = client.post(f"/office/runs/{run_id}/decisions", data={
            "csrf_token": csrf_from(html), "unit_code": p.unit_code, "scope": p.scope,
            "decision": "confirm", "reason": f"复核确认{p.unit_code}{p.scope}"})
        assert ok.status_code == 303
    html = client.get(f"/office/runs/{run_id}").get_data(as_text=True)
    assert f"复核确认{first.unit_code}{first.scope}" in html  # the reason beside the placement
    response = client.post(f"/office/runs/{run_id}/publish", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(EvaluationRun, run_id).status == RunStatus.PUBLISHED
    csv1 = client.get(f"/office/runs/{run_id}/export.csv")
    assert csv1.status_code == 200 and csv1.data.startswith(b"\xef\xbb\xbf")
    assert csv1.data == client.get(f"/office/runs/{run_id}/export.csv").data
    assert client.get(f"/office/runs/{run_id}/export.xlsx").data == client.get(f"/office/runs/{run_id}/export.xlsx").data
    # a published run can no longer be deleted or republished over HTTP
    token = csrf_from(client.get(f"/office/runs/{run_id}").get_data(as_text=True))
    assert client.post(f"/office/runs/{run_id}/delete", data={"csrf_token": token}).status_code == 409
    assert client.post(f"/office/runs/{run_id}/publish", data={"csrf_token": token}).status_code == 409
    # a correction supersedes it with a reason
    new_id = _run_via_web(client, wave.id, method="M1")
    from tests.office.fixtures import decide_all

    decide_all(db, db.get(EvaluationRun, new_id), "clear")
    db.commit()
    html = client.get(f"/office/runs/{new_id}").get_data(as_text=True)
    assert client.post(f"/office/runs/{new_id}/supersede",
                       data={"csrf_token": csrf_from(html), "old": run_id, "reason": ""}).status_code == 422
    assert client.post(f"/office/runs/{new_id}/supersede",
                       data={"csrf_token": csrf_from(html), "old": run_id, "reason": "方法更正"}).status_code == 303
    html = client.get(f"/office/runs/{new_id}").get_data(as_text=True)
    assert "方法更正" in html and "<td>社会评价得分</td>" in html  # per-unit diff shown, in words


def test_invalid_config_form_keeps_values_and_lists_errors(client, auth, wave):
    auth.login_as("office")
    html = client.get(f"/office/runs/new?wave={wave.id}").get_data(as_text=True)
    response = client.post(f"/office/runs/new?wave={wave.id}",
                           data=_golden_form(html, trim_low="abc", weight_q2="-1"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'value="abc"' in body and "weight_q2" in body


def test_failed_run_is_reported_on_the_progress_page(client, auth, wave, db):
    from survey.models import PopulationMargin

    db.add(PopulationMargin(wave_id=wave.id, variable="district", category="A", share=1.0))
    db.add(PopulationMargin(wave_id=wave.id, variable="district", category="Z", share=1.0))
    db.commit()
    auth.login_as("office")
    html = client.get(f"/office/runs/new?wave={wave.id}").get_data(as_text=True)
    response = client.post(f"/office/runs/new?wave={wave.id}", data=_golden_form(html, raking="1"))
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "raking" in text and 'http-equiv="refresh"' not in text


def test_components_page_imports_and_reports_errors(client, auth, wave):
    import io

    auth.login_as("office")
    html = client.get("/office/components").get_data(as_text=True)
    bad = GOLDEN_COMPONENTS.replace("28.5,30", "38.5,30")
    response = client.post("/office/components", data={
        "csrf_token": csrf_from(html), "file": (io.BytesIO(bad.encode("gb18030")), "c.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "row 2" in response.get_data(as_text=True) or "第 2 行" in response.get_data(as_text=True)
    response = client.post("/office/components", data={
        "csrf_token": csrf_from(html), "file": (io.BytesIO(GOLDEN_COMPONENTS.encode("utf-8")), "c.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    assert "28.5" in client.get("/office/components").get_data(as_text=True)


def test_report_page_and_pdf(client, auth, wave, db):
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    run = evaluate_wave_run(db, wave.id, RunSettings.from_dict({"scoring": {"raking": False, "n_min": 5}}), "t")
    publish_decided(db, run.id, "t")
    db.commit()
    auth.login_as("office")
    html = client.get(f"/office/runs/{run.id}/report").get_data(as_text=True)
    for needle in ("乙单位", "2026年第四季度", "样本不足", f"/office/runs/{run.id}/report/charts/ranked-1.png"):
        assert needle in html
    pdf = client.get(f"/office/runs/{run.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # the CJK font of Debian's fonts-noto-cjk, embedded as a subset
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSansCJK", pdf.data)


def test_annual_and_rolling_runs_from_the_dashboard(client, auth, wave, db):
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings
    from survey.models import EvaluationRun

    run = evaluate_wave_run(db, wave.id, RunSettings.from_dict({"scoring": {"raking": False, "n_min": 5}}), "t")
    publish_decided(db, run.id, "t")
    db.commit()
    auth.login_as("office")
    dashboard = client.get("/office/").get_data(as_text=True)
    assert "/office/runs/new?year=2026" in dashboard
    for query, kind in (("year=2026", "year"), ("month=2026-12", "rolling")):
        html = client.get(f"/office/runs/new?{query}").get_data(as_text=True)
        assert 'value="300"' in html if kind == "year" else 'value="75"' in html  # period defaults
        form = {"csrf_token": csrf_from(html), "method": "M2", "n_min": "5", "trim_low": "0.3",
                "trim_high": "3", "excluding_flags": ["DUPLICATE", "INSUFFICIENT_ITEMS"]}
        response = client.post(f"/office/runs/new?{query}", data=form)
        job = client.get(response.headers["Location"])
        assert job.status_code == 303, job.get_data(as_text=True)[:2000]
        new = db.get(EvaluationRun, int(job.headers["Location"].rsplit("/", 1)[1]))
        assert new.kind == kind and len(new.results) == 3


def test_partial_components_leave_totals_empty_and_say_so(client, auth, wave, db):
    from survey.evaluation.components import import_components
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    only_two = "\n".join(GOLDEN_COMPONENTS.splitlines()[:3]) + "\n"
    import_components(db, "c.csv", only_two.encode("utf-8"), "t")
    run = evaluate_wave_run(db, wave.id, RunSettings.from_dict({"scoring": {"raking": False}}), "t")
    db.commit()
    assert all(r.total is None for r in run.results)
    auth.login_as("office")
    html = client.get(f"/office/runs/{run.id}").get_data(as_text=True)
    assert 'class="notice"' in html and "2" in html
