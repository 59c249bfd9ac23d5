"""CLI parity for runs (issue 14, DESIGN §11): runs list, supersede, delete-draft, report, and
verify-run telling changed responses apart from changed component scores; the API's correction."""

from __future__ import annotations

import re

import pytest

from tests.office.fixtures import (
    GOLDEN_COMPONENTS,
    GOLDEN_SETTINGS,
    another_wave,
    decide_all,
    golden_draft,
    publish_decided,
)

REASON = "B4 was a test interview"


def _evaluate(db, wave_id: int):
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    run = evaluate_wave_run(db, wave_id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    db.commit()
    return run


@pytest.fixture
def published(db):
    """The golden run with its component scores, decided and published."""
    run = golden_draft(db)
    publish_decided(db, run.id)
    db.commit()
    return run


@pytest.fixture
def correction(db, raw_sql, published):
    """A draft correcting the published run: B4 excluded (its placements not decided yet)."""
    raw_sql("UPDATE submission SET status = 'excluded' WHERE interview_id = 'B4'")
    return _evaluate(db, published.wave_id)


def _lines(result) -> list[str]:
    return result.stdout.strip().splitlines()


def test_runs_list_newest_first_with_the_placements_left_to_decide(db, runner, published):
    from survey.evaluation.decisions import pending_placements

    draft = _evaluate(db, published.wave_id)
    older = _evaluate(db, another_wave(db, published.wave, "2025-Q4").id)
    result = runner.invoke(args=["runs", "list"])
    assert result.exit_code == 0, result.output
    lines = _lines(result)
    assert lines[-1] == "3"
    rows = [line.split("\t") for line in lines[:-1]]
    assert [int(r[0]) for r in rows] == [older.id, draft.id, published.id]
    assert rows[1][1:4] == ["2026-Q4", "quarter", "draft"]
    assert rows[1][5] == "3 units"
    assert rows[1][6] == f"{len(pending_placements(draft))} undecided" != "0 undecided"
    assert rows[2][3] == "published" and rows[2][6] == "—"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows[2][4])

    only = runner.invoke(args=["runs", "list", "--period", "2025-Q4"])
    assert only.exit_code == 0, only.output
    assert [line.split("\t")[0] for line in _lines(only)] == [str(older.id), "1"]
    none = runner.invoke(args=["runs", "list", "--period", "1999-Q1"])
    assert _lines(none) == ["0"]


def test_supersede_refuses_undecided_placements_then_prints_the_rounded_diff(db, runner, published,
                                                                             correction):
    from survey.evaluation.runs import get_run
    from survey.models import RunStatus

    args = ["supersede", str(published.id), "--with", str(correction.id)]
    assert runner.invoke(args=args).exit_code == 2  # --reason is required
    refused = runner.invoke(args=[*args, "--reason", REASON])
    assert refused.exit_code == 1
    assert "provisional placements the office has not decided" in refused.stderr
    assert "乙单位" in refused.stderr  # the message lists them
    assert refused.stdout == ""

    decide_all(db, correction)
    db.commit()
    result = runner.invoke(args=[*args, "--reason", REASON])
    assert result.exit_code == 0, result.output
    lines = _lines(result)
    assert lines[-1] == str(correction.id)
    changes = lines[1:-1]
    assert lines[0].startswith(f"run {correction.id} supersedes run {published.id}")
    assert lines[0].endswith(f"{len(changes)} changes")
    old_b = next(r for r in published.results if r.unit_code == "B")
    new_b = next(r for r in correction.results if r.unit_code == "B")
    assert f"B si: {old_b.si:.2f} → {new_b.si:.2f}" in changes
    assert f"B n_valid: {old_b.n_valid} → {new_b.n_valid}" in changes
    decimals = {"si": 2, "total": 2, "social_points": 3}
    for line in changes:
        match = re.fullmatch(r"([A-C]) (\w+): (.+) → (.+)", line)
        assert match, line
        assert match.group(3) != match.group(4), line  # float noise is not shown as a change
        for value in match.group(3, 4):
            if re.fullmatch(r"-?\d+\.\d+", value):
                assert len(value.split(".")[1]) == decimals[match.group(2)], line
    db.expire_all()
    assert get_run(db, published.id).status == RunStatus.SUPERSEDED
    assert get_run(db, correction.id).status == RunStatus.PUBLISHED


def test_the_xlsx_of_a_correction_carries_its_reason_and_rounded_diff(db, runner, published,
                                                                      correction):
    import io

    from openpyxl import load_workbook

    from survey.evaluation.exports import CORRECTION_COLUMNS, export_run
    from survey.evaluation.runs import get_run

    decide_all(db, correction)
    db.commit()
    result = runner.invoke(args=["supersede", str(published.id), "--with", str(correction.id),
                                 "--reason", REASON])
    assert result.exit_code == 0, result.output
    printed = _lines(result)[1:-1]
    db.expire_all()
    book = load_workbook(io.BytesIO(export_run(get_run(db, correction.id), "xlsx")))
    assert book.sheetnames == ["results", "correction"]
    rows = list(book["correction"].iter_rows(values_only=True))
    assert rows[0] == CORRECTION_COLUMNS
    assert {(r[0], r[1]) for r in rows[1:]} == {(published.id, REASON)}
    # the same changes as the command printed, one row per unit and field
    assert [f"{r[2]} {r[3]}: {r[4]} → {r[5]}" for r in rows[1:]] == [
        line for line in printed]
    # a run that corrected nothing has one sheet
    assert load_workbook(io.BytesIO(export_run(get_run(db, published.id), "xlsx"))).sheetnames == ["results"]


def test_rounded_diff_rounds_only_si_totals_and_points():
    from survey.evaluation.runs import rounded_diff

    diff = [{"unit_code": "A", "field": "si", "old": 83.766666, "new": 80.1},
            {"unit_code": "A", "field": "social_points", "old": 13.40267, "new": None},
            {"unit_code": "B", "field": "social_points", "old": 12.000000000000002, "new": 12.0},
            {"unit_code": "A", "field": "total", "old": 93.35667, "new": float("nan")},
            {"unit_code": "A", "field": "total_rank", "old": 1, "new": 2},
            {"unit_code": "A", "field": "social_tier", "old": "优秀", "new": "良好"}]
    assert [(d["unit_code"], d["old"], d["new"]) for d in rounded_diff(diff)] == [
        ("A", 83.77, 80.1), ("A", 13.403, None), ("A", 93.36, None), ("A", 1, 2),
        ("A", "优秀", "良好")]
    assert diff[0]["old"] == 83.766666  # the stored diff is left as it is


def test_delete_draft_deletes_a_draft_and_refuses_a_published_run(db, runner, published):
    from survey.models import EvaluationRun

    draft_id = _evaluate(db, published.wave_id).id
    result = runner.invoke(args=["delete-draft", str(draft_id)])
    assert result.exit_code == 0, result.output
    assert _lines(result)[-1] == str(draft_id)
    db.expire_all()
    assert db.get(EvaluationRun, draft_id) is None
    refused = runner.invoke(args=["delete-draft", str(published.id)])
    assert refused.exit_code == 1
    assert "frozen" in refused.stderr and refused.stdout == ""
    assert db.get(EvaluationRun, published.id) is not None
    missing = runner.invoke(args=["delete-draft", "999999"])
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_report_writes_the_pdf_and_the_docx(runner, published, tmp_path):
    from tests.office.test_exports_evidence import pdf_text

    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["report", str(published.id), "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _lines(result)[-1] == str(out)
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert "甲单位" in pdf_text(data)

    docx = tmp_path / "report.docx"
    written = runner.invoke(args=["report", str(published.id), "--format", "docx", "--out", str(docx)])
    assert written.exit_code == 0, written.output
    assert _lines(written)[-1] == str(docx) and docx.read_bytes().startswith(b"PK")
    assert runner.invoke(args=["report", str(published.id), "--out", str(out)]).exit_code == 2


def test_verify_run_identical_on_stdout(runner, published):
    result = runner.invoke(args=["verify-run", str(published.id)])
    assert result.exit_code == 0, result.output
    assert "identical" in result.stdout and result.stderr == ""


def test_verify_run_says_the_responses_changed(runner, raw_sql, published):
    raw_sql("UPDATE submission SET status = 'quarantined' WHERE interview_id = 'A1'")
    result = runner.invoke(args=["verify-run", str(published.id)])
    assert result.exit_code == 1
    assert result.stderr == ""
    verdict = _lines(result)[-1]
    assert verdict.startswith(f"run {published.id}: different (")
    assert "the responses changed since the run (input hash " in verdict
    assert published.input_sha256[:12] in verdict
    assert "A.n_valid: stored 5, recomputed 4" in result.stdout
    assert "component scores" not in result.stdout


def test_verify_run_says_only_the_component_scores_changed(db, runner, published):
    from survey.evaluation.components import import_components

    changed = GOLDEN_COMPONENTS.replace(",A,甲单位,G,28.5,", ",A,甲单位,G,20.0,")
    assert changed != GOLDEN_COMPONENTS
    import_components(db, "components.csv", changed.encode("utf-8"), "office1")
    db.commit()
    result = runner.invoke(args=["verify-run", str(published.id)])
    assert result.exit_code == 1
    assert result.stderr == ""
    lines = _lines(result)
    assert lines[-1].endswith(
        "the component scores changed since the run; the social evaluation is identical")
    assert "A.total: stored" in result.stdout
    assert not any(re.match(r"[A-C]\.(si|social_|n_valid)", line) for line in lines[:-1])
    assert "responses changed" not in result.stdout


def test_verify_run_tampered_rows_give_no_cause(runner, raw_sql, published):
    raw_sql("UPDATE rating SET choice_index = 4, choice = '1' WHERE item = 'q1' AND submission_id = "
            "(SELECT id FROM submission WHERE interview_id = 'A1')")
    result = runner.invoke(args=["verify-run", str(published.id)])
    assert result.exit_code == 1
    assert _lines(result)[-1].endswith("fields)")
    assert "A.si: stored" in result.stdout


def test_api_carries_the_correction_of_a_superseding_run(db, client, runner, published, correction):
    from survey.accounts import create_user
    from survey.evaluation.runs import rounded_diff

    create_user(db, "office1", "office", "correct horse battery", actor="t")
    decide_all(db, correction)
    db.commit()
    result = runner.invoke(args=["supersede", str(published.id), "--with", str(correction.id),
                                 "--reason", REASON])
    assert result.exit_code == 0, result.output
    token = runner.invoke(args=["create-api-token", "绩效系统", "--user", "office1"])
    headers = {"Authorization": f"Bearer {token.output.split('token: ', 1)[1].split()[0]}"}
    body = client.get(f"/api/v1/runs/{correction.id}", headers=headers).get_json()
    db.expire_all()
    stored = db.get(type(correction), correction.id).summary["diff"]
    assert body["correction"] == {"supersedes": published.id, "reason": REASON,
                                  "diff": rounded_diff(stored)}
    b_si = next(d for d in body["correction"]["diff"] if (d["unit_code"], d["field"]) == ("B", "si"))
    assert b_si["old"] == round(b_si["old"], 2) and b_si["new"] == round(b_si["new"], 2)
    old = client.get(f"/api/v1/runs/{published.id}", headers=headers).get_json()
    assert old["status"] == "superseded" and old["correction"] is None
