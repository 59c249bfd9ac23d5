"""The administration commands of DESIGN §11: outputs, exit codes and errors on stderr."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import func, select

from survey.models import AuditLog, Invitation, PopulationMargin, QuestionnaireVersion, Unit, Wave
from tests.admin.conftest import UNITS_CSV

MARGINS = "variable,category,share\nsex,m,0.49\nsex,f,0.51\n"


def _last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_full_cli_flow(runner, db, tmp_path: Path, demo_json: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text(UNITS_CSV, "utf-8")
    result = runner.invoke(args=["import-units", str(units)])
    assert result.exit_code == 0, result.output
    assert db.scalar(select(func.count(Unit.id))) == 3

    result = runner.invoke(args=["import-questionnaire", str(demo_json), "--publish"])
    assert result.exit_code == 0, result.output
    version_id = int(_last_line(result.output))
    version = db.get(QuestionnaireVersion, version_id)
    assert version.status.value == "published"

    out = tmp_path / "export.json"
    result = runner.invoke(args=["export-questionnaire", str(version_id), "--format", "json",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text("utf-8")) == version.definition
    result = runner.invoke(args=["export-questionnaire", str(version_id), "--format", "xlsx",
                                 "--out", str(tmp_path / "export.xlsx")])
    assert result.exit_code == 0 and (tmp_path / "export.xlsx").read_bytes()[:2] == b"PK"

    margins = tmp_path / "margins.csv"
    margins.write_text(MARGINS, "utf-8")
    result = runner.invoke(args=[
        "create-wave", "--questionnaire", str(version_id), "--period", "2026-Q4",
        "--opens", "2026-10-01T08:00", "--closes", "2026-12-31T20:00", "--access", "invitation",
        "--units", "D01,B01", "--margins", str(margins)])
    assert result.exit_code == 0, result.output
    wave_id = int(_last_line(result.stdout))
    db.expire_all()
    wave = db.get(Wave, wave_id)
    assert [u.code for u in wave.units] == ["B01", "D01"]
    assert wave.opens_at.isoformat() == "2026-10-01T00:00:00+00:00"  # 08:00 Asia/Shanghai
    assert db.scalar(select(func.count(PopulationMargin.id))) == 2

    assert runner.invoke(args=["open-wave", str(wave_id)]).exit_code == 0
    codes_file = tmp_path / "codes.csv"
    result = runner.invoke(args=["issue-codes", str(wave_id), "--count", "5", "--stratum", "D01",
                                 "--out", str(codes_file)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(codes_file.open(encoding="utf-8")))
    assert len(rows) == 5 and {r["district"] for r in rows} == {"D01"}
    assert rows[0]["link"].endswith(f"/s/code/{rows[0]['code']}")
    assert db.scalar(select(func.count(Invitation.id))) == 5
    assert runner.invoke(args=["close-wave", str(wave_id)]).exit_code == 0
    result = runner.invoke(args=["open-wave", str(wave_id)])
    assert result.exit_code == 1
    assert "only a draft wave can be opened" in result.stderr
    actions = set(db.scalars(select(AuditLog.action)))
    assert {"unit.create", "questionnaire.import", "questionnaire.publish", "wave.create",
            "wave.margins", "wave.open", "wave.close", "invitation.issue"} <= actions


def test_cli_errors_exit_1_with_every_error_on_stderr(runner, db, tmp_path: Path) -> None:
    bad = tmp_path / "units.csv"
    bad.write_text("code,name,kind,peer_group\n,无名,district,PG\nD2,,town,PG\n", "utf-8")
    result = runner.invoke(args=["import-units", str(bad)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert any(line.startswith("row 2, column code") for line in lines)
    assert any(line.startswith("row 3, column kind") for line in lines)
    assert any(line.startswith("row 3, column name") for line in lines)
    assert db.scalar(select(func.count(Unit.id))) == 0

    assert runner.invoke(args=["import-units", str(tmp_path / "missing.csv")]).exit_code == 1
    assert runner.invoke(args=["open-wave", "999"]).exit_code == 1
    assert runner.invoke(args=["create-wave", "--period", "2026-Q4"]).exit_code == 2
    assert runner.invoke(args=["export-questionnaire", "1", "--format", "pdf",
                               "--out", "x"]).exit_code == 2


def test_create_wave_reports_every_bad_option(runner, city) -> None:
    result = runner.invoke(args=[
        "create-wave", "--questionnaire", str(city["version"]), "--period", "2026-Q5",
        "--opens", "2026-12-31T20:00", "--closes", "2026-10-01T08:00", "--access", "open",
        "--units", "D01,NOPE"])
    assert result.exit_code == 1
    err = result.stderr
    assert "period:" in err and "closes:" in err and "units:" in err and "NOPE" in err


def test_import_questionnaire_errors_create_nothing(runner, db, tmp_path: Path) -> None:
    from survey.questionnaire import load_demo_definition

    doc = load_demo_definition().to_dict()
    doc["sections"][0]["items"][1]["name"] = "district"  # duplicate name
    doc["sections"][0]["items"][2]["list"] = "nowhere"  # unknown choice list
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    result = runner.invoke(args=["import-questionnaire", str(bad), "--publish"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert any("sections[0].items[1].name" in line and "district" in line for line in lines)
    assert any("sections[0].items[2].list" in line and "nowhere" in line for line in lines)
    assert db.scalar(select(func.count(QuestionnaireVersion.id))) == 0
