"""A run's settings name every problem at once: each bad scoring key is its own error."""

from __future__ import annotations

import json

import pytest

from survey.errors import ValidationFailed
from survey.evaluation.settings import RunSettings, settings_from_form

#: An unknown key, a wrong type and an invalid value (plus an unknown top-level key).
BAD_SCORING = {"methd": "M2", "n_min": "many", "band_low": 30}
EXPECTED = [
    ("scoring.methd", "unknown scoring config key"),
    ("scoring.n_min", "must be a whole number"),
    ("scoring.band_low", "need 0 <= band_low < band_high <= social_max"),
]


def test_from_dict_returns_every_problem_as_its_own_entry():
    with pytest.raises(ValidationFailed) as caught:
        RunSettings.from_dict({"scoring": BAD_SCORING})
    assert caught.value.errors == EXPECTED


def test_from_dict_keeps_top_level_and_item_weight_errors_beside_them():
    with pytest.raises(ValidationFailed) as caught:
        RunSettings.from_dict({"scoring": BAD_SCORING, "extra": 1, "item_weights": {"q1": -1}},
                              "annual")
    keys = [key for key, _message in caught.value.errors]
    assert keys == ["extra", "scoring.methd", "scoring.n_min", "scoring.band_low", "item_weights"]


def test_scoring_that_is_not_an_object_is_named():
    with pytest.raises(ValidationFailed) as caught:
        RunSettings.from_dict({"scoring": ["M2"]})
    assert [key for key, _message in caught.value.errors] == ["scoring"]


def test_good_settings_still_parse():
    settings = RunSettings.from_dict({"scoring": {"ci_method": "wald", "tier_evidence": "marginal"}},
                                     "annual")
    assert (settings.scoring.ci_method, settings.scoring.tier_evidence) == ("wald", "marginal")
    assert settings.scoring.n_min == 300


def test_run_form_offers_the_new_choices_and_lists_every_problem():
    settings = settings_from_form({"points_basis": "direct", "ci_method": "t", "tier_evidence": "simultaneous"},
                                  [], "quarterly")
    scoring = settings.scoring
    assert (scoring.points_basis, scoring.ci_method, scoring.tier_evidence) == ("direct", "t", "simultaneous")
    with pytest.raises(ValidationFailed) as caught:
        settings_from_form({"ci_method": "bootstrap", "trim_low": "abc", "band_low": "30", "n_min": "-1"},
                           [], "quarterly")
    keys = sorted(key for key, _message in caught.value.errors)
    assert keys == ["band_low", "ci_method", "n_min", "trim_low"]


def test_cli_prints_each_config_error_on_its_own_line(runner, tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"scoring": BAD_SCORING}), encoding="utf-8")
    result = runner.invoke(args=["evaluate", "--wave", "1", "--config", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"{key}: {message}" for key, message in EXPECTED]
    assert result.stdout == ""


def test_run_form_shows_the_three_new_choices_and_their_errors(client, auth, db):
    from tests.conftest import csrf_from
    from tests.office.fixtures import golden_wave

    wave = golden_wave(db)
    auth.login_as("office")
    html = client.get(f"/office/runs/new?wave={wave.id}").get_data(as_text=True)
    for name, default in (("points_basis", "shrunk"), ("ci_method", "logit_t"), ("tier_evidence", "zone")):
        assert f'<select id="{name}" name="{name}">' in html
        assert f'<option value="{default}" selected>' in html
    assert "积分依据" in html and "分区检验（默认）" in html
    response = client.post(f"/office/runs/new?wave={wave.id}", data={
        "csrf_token": csrf_from(html), "ci_method": "bootstrap", "band_low": "30", "n_min": "-1"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    # each error under its field's label, in the reader's language (issue 14)
    assert "指数的置信区间: " in body and "得分区间 [L, U]: 得分区间须满足" in body
    assert "每单位最少有效评价数: 请输入不小于 0 的数。" in body
