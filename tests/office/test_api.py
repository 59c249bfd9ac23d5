"""Published-results JSON API with bearer tokens (stored as SHA-256)."""

from __future__ import annotations

import pytest

from tests.office.fixtures import GOLDEN_SETTINGS, golden_wave, publish_decided


@pytest.fixture
def published(db):
    from survey.accounts import create_user
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    wave = golden_wave(db)
    create_user(db, "office1", "office", "correct horse battery", actor="t")
    run = evaluate_wave_run(db, wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    publish_decided(db, run.id, "office1")
    draft = evaluate_wave_run(db, wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    db.commit()
    return run, draft


def _token(runner) -> str:
    result = runner.invoke(args=["create-api-token", "绩效系统", "--user", "office1"])
    assert result.exit_code == 0, result.output
    return result.output.split("token: ", 1)[1].split()[0]


def test_token_required(client, runner, published, db):
    from survey.hashing import sha256_hex
    from survey.models import ApiToken

    run, _draft = published
    refused = client.get(f"/api/v1/runs/{run.id}")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/runs", headers={"Authorization": "Bearer nope"}).status_code == 401
    secret = _token(runner)
    stored = db.query(ApiToken).one()
    assert stored.token_hash == sha256_hex(secret) and secret not in stored.token_hash
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.get(f"/api/v1/runs/{run.id}", headers=headers)
    assert response.status_code == 200
    assert client.get("/api/v1/runs", headers={"Authorization": secret}).status_code == 401  # no scheme


def test_published_results_and_period_filter(client, runner, published):
    from survey.evaluation.exports import COLUMNS

    run, draft = published
    headers = {"Authorization": f"Bearer {_token(runner)}"}
    body = client.get(f"/api/v1/runs/{run.id}", headers=headers).get_json()
    assert body["status"] == "published" and body["input_sha256"] == run.input_sha256
    extra = ["social_tier_words", "total_tier_words", "decisions", "consec_bottom"]
    assert [list(r) for r in body["rows"]] == [[*COLUMNS, *extra]] * 3
    a = next(r for r in body["rows"] if r["unit_code"] == "A")
    assert a["si"] == pytest.approx(83.7667, abs=5e-5) and a["social_rank"] == 2
    stored = next(r for r in run.results if r.unit_code == "A")
    assert a["si"] == stored.si and a["n_eff"] == stored.n_eff  # full precision, not 6 decimals
    assert (a["social_rankset_low"], a["social_rankset_high"], a["social_tier_status"]) == (1, 3, "final")
    assert client.get(f"/api/v1/runs/{draft.id}", headers=headers).status_code == 404
    listing = client.get("/api/v1/runs?period=2026-Q4", headers=headers).get_json()
    assert [r["run_id"] for r in listing["runs"]] == [run.id]
    assert client.get("/api/v1/runs?period=2025-Q1", headers=headers).get_json() == {"runs": []}


def test_revoked_token_is_refused(client, runner, published, db):
    from survey.evaluation.tokens import revoke_token
    from survey.models import ApiToken

    run, _draft = published
    secret = _token(runner)
    revoke_token(db, db.query(ApiToken).one().id, "office1")
    db.commit()
    response = client.get(f"/api/v1/runs/{run.id}", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_token_page_shows_secret_once(client, auth):
    from tests.conftest import csrf_from

    auth.login_as("office")
    html = client.get("/office/tokens").get_data(as_text=True)
    response = client.post("/office/tokens", data={"csrf_token": csrf_from(html), "name": "数据中台"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "my_" in body and "数据中台" in body
    assert "my_" not in client.get("/office/tokens").get_data(as_text=True)
