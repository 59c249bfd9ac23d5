"""The scoring config is documented key by key, and the documentation cannot drift from the code."""

from __future__ import annotations

import dataclasses
import pathlib
import re
import subprocess
import sys

from analysis import ScoringConfig
from analysis.config_docs import FIELD_DOCS, config_table_markdown

ROOT = pathlib.Path(__file__).resolve().parents[2]
METHODOLOGY = ROOT / "docs" / "methodology.md"
FIELDS = [f.name for f in dataclasses.fields(ScoringConfig)]


def test_every_field_is_documented_and_nothing_else():
    assert set(FIELDS) - set(FIELD_DOCS) == set(), "fields without a FIELD_DOCS entry"
    assert set(FIELD_DOCS) - set(FIELDS) == set(), "FIELD_DOCS entries that are not fields"
    for name, text in FIELD_DOCS.items():
        assert text.strip() and text.rstrip().endswith((".", ")")), name


def test_table_lists_every_field_in_order_with_its_default():
    rows = [line for line in config_table_markdown().splitlines() if line.startswith("| `")]
    assert [re.match(r"\| `([^`]+)`", r).group(1) for r in rows] == FIELDS
    by_key = {re.match(r"\| `([^`]+)`", r).group(1): r for r in rows}
    assert "| `raking` | `true` |" in by_key["raking"]
    assert "| `method` | `\"M2\"` |" in by_key["method"]
    assert "| `option_points` | `null` |" in by_key["option_points"]
    assert "`[20.0, 18.0, 16.0, 14.0]`" in by_key["m5_points"]
    assert 'for_period("annual")` changes `n_min` to 300 and `wide_ci_half_width` to 3.0' in config_table_markdown()


def _block(text: str) -> str:
    match = re.search(r"<!-- config-table:start -->\n(.*?)<!-- config-table:end -->", text, re.S)
    assert match, "config-table markers missing from docs/methodology.md"
    return match.group(1)


def test_methodology_table_equals_the_generated_one():
    assert _block(METHODOLOGY.read_text(encoding="utf-8")) == config_table_markdown()


def test_script_check_passes_and_detects_a_stale_table(tmp_path):
    script = ROOT / "scripts" / "config_table.py"
    ok = subprocess.run([sys.executable, str(script), "--check"], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    stale = tmp_path / "m.md"
    stale.write_text("# x\n<!-- config-table:start -->\n| old |\n<!-- config-table:end -->\n", encoding="utf-8")
    bad = subprocess.run([sys.executable, str(script), "--check", "--file", str(stale)], cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode == 1
    fixed = subprocess.run([sys.executable, str(script), "--file", str(stale)], cwd=ROOT,
                           capture_output=True, text=True)
    assert fixed.returncode == 0
    assert _block(stale.read_text(encoding="utf-8")) == config_table_markdown()


def test_documentation_never_points_outside_the_repository():
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for needle in ("../shared", "DESIGN.md"):
            assert needle not in text, f"{path.relative_to(ROOT)} mentions {needle}"
    assert "docs/methodology.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_config_docs_loads_neither_scipy_nor_matplotlib():
    code = "import sys, analysis.config_docs; print('scipy' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
