"""The import direction app → survey → analysis is enforced by parsing every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {"app", "survey", "analysis", "migrations", "tests", "bench"}
FRAMEWORKS = {"flask", "flask_wtf", "flask_login", "flask_babel", "flask_limiter", "werkzeug.routing"}
DATABASE = {"sqlalchemy", "alembic", "psycopg"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return names


def violations(package: str, forbidden: set[str]) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imports_of(path):
            top = name.split(".")[0]
            if top in forbidden or name in forbidden:
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_analysis_is_pure() -> None:
    assert violations("analysis", {"app", "survey", "migrations"} | FRAMEWORKS | DATABASE) == []


def test_survey_never_imports_the_web_layer() -> None:
    assert violations("survey", {"app", "migrations", "flask", "flask_wtf", "flask_login",
                                 "flask_babel", "flask_limiter"}) == []


def test_migrations_only_point_down() -> None:
    assert violations("migrations", {"app", "flask"}) == []


def test_the_scanner_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import flask\nfrom survey.models import Unit\nfrom . import sibling\n")
    assert imports_of(bad) == {"flask", "survey.models"}


def test_only_app_imports_flask() -> None:
    offenders = []
    for package in ("survey", "analysis", "migrations"):
        offenders += violations(package, {"flask"})
    assert offenders == []
