"""The type hints hold: mypy, configured by ``[tool.mypy]`` in pyproject.toml, finds no error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_mypy_finds_no_type_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert result.returncode == 0, (
        f"mypy found {len(errors)} type error(s):\n" + "\n".join(errors)
        if errors else f"mypy failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
    )
    assert "Success: no issues found" in result.stdout
