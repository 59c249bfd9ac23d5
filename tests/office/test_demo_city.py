"""The demo city through the web: raking visibly matters; every chart renders with CJK text."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.conftest import csrf_from

EXPECTED_SIZE = {"funnel": (800, 500)}  # the trend grows with the units (small multiples)


@pytest.fixture
def demo(db):
    from survey.demo import seed_demo

    report = seed_demo(db, n_responses=3000)
    db.commit()
    return report


def _web_run(client, wave_id: int, raking: bool) -> int:
    html = client.get(f"/office/runs/new?wave={wave_id}").get_data(as_text=True)
    form = {"csrf_token": csrf_from(html), "scale": "item", "min_answered_weight": "0.5",
            "raking_scope": "city", "trim_low": "0.2", "trim_high": "5", "method": "M2",
            "social_max": "20", "band_low": "12", "band_high": "20", "n_min": "75",
            "wide_ci_half_width": "6", "seed": "0",
            "excluding_flags": ["DUPLICATE", "HONEYPOT", "INSUFFICIENT_ITEMS", "STAFF_OF_UNIT"]}
    for name in ("sat_overall", "sat_attitude", "sat_efficiency", "sat_integrity", "sat_openness"):
        form[f"weight_{name}"] = "0.4" if name == "sat_overall" else "0.15"
    if raking:
        form["raking"] = "1"
    response = client.post(f"/office/runs/new?wave={wave_id}", data=form)
    assert response.status_code == 303
    job = client.get(response.headers["Location"])
    assert job.status_code == 303, job.get_data(as_text=True)[:3000]
    return int(job.headers["Location"].rsplit("/", 1)[1])


def test_raking_moves_si_by_more_than_a_point_for_a_third_of_units(client, auth, db, demo):
    from survey.models import EvaluationResult, EvaluationRun

    auth.login_as("office")
    raked = _web_run(client, demo.wave_id, raking=True)
    plain = _web_run(client, demo.wave_id, raking=False)
    assert db.get(EvaluationRun, raked).summary["weighting"]["raked"] is True
    assert db.get(EvaluationRun, plain).summary["weighting"]["raked"] is False

    def si(run_id: int) -> dict[str, float]:
        rows = db.execute(select(EvaluationResult.unit_code, EvaluationResult.si)
                          .where(EvaluationResult.run_id == run_id)).all()
        return dict(rows)

    with_weights, unweighted = si(raked), si(plain)
    assert len(with_weights) == 42
    moved = [c for c in with_weights if abs(with_weights[c] - unweighted[c]) > 1.0]
    assert len(moved) >= len(with_weights) / 3, (len(moved), len(with_weights))


def test_every_chart_renders_png_and_svg_with_cjk(client, auth, db, demo):
    from PIL import Image

    from survey.evaluation.charts import CHARTS, chart_figure
    from survey.models import EvaluationRun

    auth.login_as("office")
    run_id = _web_run(client, demo.wave_id, raking=True)
    run = db.get(EvaluationRun, run_id)
    for name in CHARTS:
        png = client.get(f"/office/runs/{run_id}/charts/{name}.png")
        assert png.status_code == 200 and png.mimetype == "image/png", name
        image = Image.open(io.BytesIO(png.data))
        image.verify()
        fig = chart_figure(db, run, name)
        width, height = (fig.get_size_inches() * 100).round().astype(int)
        assert Image.open(io.BytesIO(png.data)).size == (width, height), name
        if name in EXPECTED_SIZE:
            assert (width, height) == EXPECTED_SIZE[name]
        texts = [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]
        assert any(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in texts), name
        svg = client.get(f"/office/runs/{run_id}/charts/{name}.svg")
        assert svg.status_code == 200 and svg.data.lstrip().startswith(b"<?xml")
        assert svg.data == client.get(f"/office/runs/{run_id}/charts/{name}.svg").data
    assert client.get(f"/office/runs/{run_id}/charts/nope.png").status_code == 404
