"""ScoringConfig round trip and hash; the package imports fast and stays pure."""

from __future__ import annotations

import ast
import json
import pathlib
import subprocess
import sys

import pytest

from analysis import METHOD_VERSION, ScoringConfig

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_defaults_follow_design_section_7():
    c = ScoringConfig()
    assert (c.min_answered_weight, c.raking, c.raking_scope, c.raking_tol) == (0.5, True, "city", 1e-8)
    assert (c.trim_low, c.trim_high, c.method, c.social_max, c.band_low, c.band_high) == (0.3, 3.0, "M2", 20, 12, 20)
    assert (c.n_min, c.low_neff_ratio, c.high_dk_rate, c.seed, c.n_draws) == (75, 0.5, 0.30, 0, 1000)
    assert set(c.excluding_flags) == {"DUPLICATE", "INSUFFICIENT_ITEMS", "HONEYPOT", "STAFF_OF_UNIT"}
    assert (c.speeding_fraction, c.straightline_min_items) == (1 / 3, 3)
    assert (c.base_max, c.diff_max, c.bonus_cap) == (30, 50, 5)
    annual = ScoringConfig.for_period("annual")
    assert (annual.n_min, annual.wide_ci_half_width) == (300, 3.0)
    assert METHOD_VERSION == "minyi-si/2.0"


def test_round_trip_through_json_and_stable_hash():
    c = ScoringConfig(method="M3", collapse_neighbours=(("age", "18-24", "25-34"),), seed=7)
    again = ScoringConfig.from_dict(json.loads(json.dumps(c.to_dict())))
    assert again == c
    assert again.config_hash() == c.config_hash()
    assert c.config_hash() != ScoringConfig().config_hash()
    assert len(ScoringConfig().config_hash()) == 64


def test_unknown_key_and_bad_values_are_named():
    with pytest.raises(ValueError, match="^methd: unknown scoring config key"):
        ScoringConfig.from_dict({"methd": "M2"})
    with pytest.raises(ValueError, match="method: must be one of"):
        ScoringConfig(method="M9")
    with pytest.raises(ValueError, match="trim_low"):
        ScoringConfig(trim_low=2.0)
    with pytest.raises(ValueError, match="excluding_flags: unknown respondent flag 'SPEDING'"):
        ScoringConfig(excluding_flags=("SPEDING",))


def test_excluding_flags_order_does_not_change_the_hash():
    a = ScoringConfig(excluding_flags=("HONEYPOT", "DUPLICATE"))
    b = ScoringConfig(excluding_flags=("DUPLICATE", "HONEYPOT", "DUPLICATE"))
    assert a == b and a.config_hash() == b.config_hash()


def test_import_is_fast_and_loads_neither_scipy_nor_matplotlib():
    code = (
        "import sys, time; t = time.perf_counter(); import analysis; dt = time.perf_counter() - t; "
        "print(dt, 'scipy' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    dt, scipy_loaded, mpl_loaded = out.stdout.split()
    assert float(dt) <= 1.5
    assert (scipy_loaded, mpl_loaded) == ("False", "False")


FORBIDDEN = {"flask", "sqlalchemy", "survey", "app", "flask_wtf", "flask_login"}


def test_analysis_imports_only_numpy_scipy_matplotlib_and_itself():
    for path in (ROOT / "analysis").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top not in FORBIDDEN, f"{path.name} imports {name}"
                assert name != "matplotlib.pyplot", f"{path.name} imports pyplot"
