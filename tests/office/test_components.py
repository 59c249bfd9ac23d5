"""Component score import (DESIGN §8): all or nothing, every error with its row."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from survey.errors import ValidationFailed
from tests.office.fixtures import GOLDEN_COMPONENTS, GOLDEN_SETTINGS, golden_city, golden_wave

HEADER = ("period,unit_code,unit_name,peer_group,base_score,base_max,diff_score,diff_max,"
          "bonus_score,bonus_cap,deduction,veto,note\n")


def _count(db):
    from survey.models import ComponentScore

    return db.scalar(select(func.count(ComponentScore.id)))


def test_good_file_imports_every_row(db):
    from survey.evaluation.components import import_components
    from survey.models import AuditLog

    golden_city(db)
    rows = import_components(db, "c.csv", GOLDEN_COMPONENTS.encode("utf-8"), "office1")
    db.commit()
    assert _count(db) == 3
    assert {(r.unit.code, r.base_score, r.diff_score, r.bonus_score) for r in rows} == {
        ("A", 28.5, 44.0, 2.0), ("B", 29.0, 46.5, 1.0), ("C", 27.0, 42.0, 3.5)}
    assert db.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "components.import")) == 3


def test_four_kinds_of_errors_reject_the_whole_file(db, runner, tmp_path):
    golden_city(db)
    db.commit()
    bad = (HEADER
           + "2026-Q4,A,甲单位,G,31,30,44,50,0,5,0,0,\n"        # row 2: score above max
           + "2026-Q4,Z,无此单位,G,20,30,40,50,0,5,0,0,\n"       # row 3: unknown unit
           + "2026-Q4,B,乙单位,G,20,30,abc,50,0,5,0,0,\n"        # row 4: non-numeric
           + "2026-Q4,A,甲单位,G,20,30,40,50,0,5,0,0,\n")        # row 5: duplicate unit
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    result = runner.invoke(args=["import-components", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("row")]
    assert len(lines) == 4, result.output
    assert lines[0].startswith("row 2") and "base_score" in lines[0] and "30" in lines[0]
    assert lines[1].startswith("row 3") and "unknown unit Z" in lines[1]
    assert lines[2].startswith("row 4") and "diff_score must be a number" in lines[2]
    assert lines[3].startswith("row 5") and "twice" in lines[3]
    assert _count(db) == 0


def test_gb18030_file(db):
    from survey.evaluation.components import import_components

    golden_city(db)
    text = HEADER + "2026-Q4,A,甲单位,G,28.5,30,44,50,2,5,0,否,备注：优秀\n"
    rows = import_components(db, "c.csv", text.encode("gb18030"), "office1")
    assert rows[0].note == "备注：优秀" and rows[0].veto is False


def test_xlsx_first_sheet_and_maxima_must_sum_to_100(db):
    from openpyxl import Workbook

    from survey.evaluation.components import import_components

    golden_city(db)
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["2026-Q4", "A", "甲单位", "G", 20, 40, 30, 50, 0, 5, 0, 1, None])
    raw = io.BytesIO()
    book.save(raw)
    with pytest.raises(ValidationFailed) as error:
        import_components(db, "c.xlsx", raw.getvalue(), "office1")
    assert error.value.errors[0][0] == "row 2"
    assert "must be 100" in error.value.errors[0][1]


def test_veto_bonus_cap_and_totals_in_the_run(db):
    from survey.evaluation.components import import_components
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    wave = golden_wave(db)
    text = (HEADER + "2026-Q4,A,甲单位,G,28.5,30,44,50,2,5,0,1,一票否决\n"
            + "2026-Q4,B,乙单位,G,29,30,46.5,50,1,5,0,0,\n"
            + "2026-Q4,C,丙单位,G,27,30,42,50,7.5,5,0,0,\n")
    import_components(db, "c.csv", text.encode("utf-8"), "office1")
    run = evaluate_wave_run(db, wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    rows = {r.unit_code: r for r in run.results}
    assert rows["A"].total_rank == 2 and rows["A"].total_tier == "较差"  # veto keeps the rank
    assert rows["C"].total_rank == 1
    assert "BONUS_CAPPED" in rows["C"].flags
    assert rows["C"].total == pytest.approx(27 + 42 + 20 + 5)  # bonus capped at 5


def test_formula_unit_name_is_escaped_in_exports(db):
    from survey.evaluation.exports import export_csv, export_json, export_xlsx
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    name = '=HYPERLINK("http://x","y")'
    wave = golden_wave(db, unit_names=(name, "乙单位", "丙单位"))
    run = evaluate_wave_run(db, wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    db.commit()
    csv_text = export_csv(run).decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in csv_text
    assert "'=HYPERLINK" in export_json(run).decode("utf-8")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(export_xlsx(run))).active
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'" + name in names
