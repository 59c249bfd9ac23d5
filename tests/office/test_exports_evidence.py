"""The evidence behind the verdicts in exports, the API and the quarterly report (DESIGN §7e, §8).

Rank confidence sets, tier statuses, 样本不足 with the ratings needed, the office's decisions with
their reasons, CONSEC_BOTTOM evidence; JSON floats at full precision.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests.office.fixtures import (
    GOLDEN_COMPONENTS,
    GOLDEN_PERIOD,
    GOLDEN_SETTINGS,
    another_wave,
    decide_all,
    golden_draft,
    golden_wave,
    publish_decided,
)

#: The golden example's placements under GOLDEN_SETTINGS, before the office decides.
SOCIAL = {"A": ("良好", "final"), "B": ("较差(待复核)", "provisional"), "C": ("优秀(待复核)", "provisional")}
TOTAL = {"A": ("优秀(待复核)", "provisional"), "B": ("较差(待复核)", "provisional"), "C": ("良好", "indicative")}
SOCIAL_RANKSETS = {"A": (1, 3), "B": (2, 3), "C": (1, 2)}


def _draft(db):
    return golden_draft(db)


@pytest.fixture
def draft(db):
    return _draft(db)


@pytest.fixture
def published(db):
    run = _draft(db)
    publish_decided(db, run.id, "office1")
    db.commit()
    return run


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx_rows(data: bytes) -> list[dict[str, object]]:
    from openpyxl import load_workbook

    cells = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    return [dict(zip(cells[0], row, strict=True)) for row in cells[1:]]


def test_columns_are_the_design_columns_then_the_evidence():
    from analysis import EXPORT_FIELDS
    from survey.evaluation.exports import COLUMNS, DESIGN_COLUMNS, INT_COLUMNS, TEXT_COLUMNS

    assert COLUMNS[:len(DESIGN_COLUMNS)] == DESIGN_COLUMNS
    assert COLUMNS[len(DESIGN_COLUMNS):] == (
        "sum_w", "deff", "social_rankset_low", "social_rankset_high", "social_tier_status",
        "total_rankset_low", "total_rankset_high", "total_tier_status", "n_needed", "office_decisions",
        "consec_bottom_evidence")
    assert set(EXPORT_FIELDS) <= set(COLUMNS)
    assert {"social_rankset_low", "social_rankset_high", "total_rankset_low", "total_rankset_high",
            "n_needed"} <= INT_COLUMNS
    assert {"social_tier_status", "total_tier_status", "office_decisions"} <= TEXT_COLUMNS


def test_draft_exports_carry_statuses_rank_sets_and_ratings_needed(draft):
    from survey.evaluation.exports import COLUMNS, export_csv, export_json, export_xlsx

    stored = {r.unit_code: r for r in draft.results}
    csv_rows = {r["unit_code"]: r for r in _csv_rows(export_csv(draft))}
    json_rows = {r["unit_code"]: r for r in json.loads(export_json(draft))}
    xlsx_rows = {r["unit_code"]: r for r in _xlsx_rows(export_xlsx(draft))}
    for code in "ABC":
        c, j, x = csv_rows[code], json_rows[code], xlsx_rows[code]
        assert list(c) == list(j) == list(x) == list(COLUMNS)
        assert (c["social_tier"], c["social_tier_status"]) == SOCIAL[code]
        assert (j["social_tier"], j["social_tier_status"]) == SOCIAL[code]
        assert (x["social_tier"], x["social_tier_status"]) == SOCIAL[code]
        assert (j["total_tier"], j["total_tier_status"]) == TOTAL[code]
        assert (c["total_tier"], c["total_tier_status"]) == TOTAL[code]
        low, high = SOCIAL_RANKSETS[code]
        assert (c["social_rankset_low"], c["social_rankset_high"]) == (str(low), str(high))
        assert (j["social_rankset_low"], j["social_rankset_high"]) == (low, high)
        assert (x["social_rankset_low"], x["social_rankset_high"]) == (low, high)
        row = stored[code]
        assert j["total_rankset_low"] == row.total_rankset_low and isinstance(j["total_rankset_low"], int)
        assert c["total_rankset_high"] == str(row.total_rankset_high)
        assert j["n_needed"] == row.n_needed and c["n_needed"] == str(row.n_needed)
        assert isinstance(x["n_needed"], int)
        # CSV and XLSX keep 6 decimals
        assert c["sum_w"] == f"{row.sum_w:.6f}" and c["deff"] == f"{row.deff:.6f}"
        assert x["deff"] == round(row.deff, 6)
        assert c["office_decisions"] == "" and j["office_decisions"] == ""
    # 样本不足: B and C have fewer than n_min = 5 valid ratings; they need more
    for code in "BC":
        assert "LOW_N" in csv_rows[code]["flags"].split(";")
        assert json_rows[code]["n_needed"] > json_rows[code]["n_valid"]


def test_json_floats_round_trip_exactly(published):
    from survey.evaluation.exports import COLUMNS, INT_COLUMNS, TEXT_COLUMNS, export_json

    data = export_json(published)
    rows = {r["unit_code"]: r for r in json.loads(data)}
    floats = [c for c in COLUMNS if c not in INT_COLUMNS and c not in TEXT_COLUMNS]
    assert {"si", "si_se", "n_eff", "sum_w", "deff", "total", "social_points"} <= set(floats)
    checked = 0
    for row in published.results:
        for column in floats:
            value = getattr(row, column)
            assert rows[row.unit_code][column] == value, (row.unit_code, column)
            checked += value is not None
    assert checked >= 3 * 12
    assert rows["A"]["si"] != round(rows["A"]["si"], 6)  # more than 6 decimals
    assert b"NaN" not in data and b"Infinity" not in data


def test_office_decisions_in_every_format(db, draft):
    from survey.evaluation.exports import export_csv, export_json, export_xlsx
    from survey.evaluation.runs import publish_run

    assert decide_all(db, draft, "confirm") == 4
    publish_run(db, draft.id, "office1")
    db.commit()
    csv_rows = {r["unit_code"]: r for r in _csv_rows(export_csv(draft))}
    json_rows = {r["unit_code"]: r for r in json.loads(export_json(draft))}
    xlsx_rows = {r["unit_code"]: r for r in _xlsx_rows(export_xlsx(draft))}
    for rows in (csv_rows, json_rows, xlsx_rows):
        assert rows["A"]["office_decisions"] == "total: confirm 优秀(待复核) → 优秀 (office1): test: confirm A"
        assert rows["B"]["office_decisions"] == (
            "social: confirm 较差(待复核) → 较差 (office1): test: confirm B"
            " | total: confirm 较差(待复核) → 较差 (office1): test: confirm B")
        assert "test: confirm C" in rows["C"]["office_decisions"]
        assert (rows["C"]["social_tier"], rows["C"]["social_tier_status"]) == ("优秀", "confirmed")
        assert (rows["C"]["total_tier"], rows["C"]["total_tier_status"]) == ("良好", "indicative")
        assert (rows["A"]["social_tier"], rows["A"]["social_tier_status"]) == ("良好", "final")
    # exporting the same published run again gives the same bytes / cells
    assert export_csv(draft) == export_csv(draft) and export_json(draft) == export_json(draft)
    assert _xlsx_rows(export_xlsx(draft)) == list(xlsx_rows.values())


def test_cleared_placements_and_formula_escaped_reasons(db, draft):
    from survey.evaluation.decisions import decide_placement
    from survey.evaluation.exports import export_csv, export_json

    decide_placement(db, draft.id, "B", "social", "clear", "=复核：样本偏少", "office2")
    db.commit()
    rows = {r["unit_code"]: r for r in _csv_rows(export_csv(draft))}
    assert (rows["B"]["social_tier"], rows["B"]["social_tier_status"]) == ("一般", "cleared")
    assert rows["B"]["office_decisions"] == "social: clear 较差(待复核) → 一般 (office2): =复核：样本偏少"
    rows = {r["unit_code"]: r for r in json.loads(export_json(draft))}
    assert rows["B"]["social_tier_status"] == "cleared"


def test_verify_compares_the_decisions_not_their_text(db, published):
    from survey.evaluation.verify import COMPARED, verify_run

    assert "decisions" in COMPARED and "office_decisions" not in COMPARED
    assert "social_tier_status" in COMPARED and "n_needed" in COMPARED
    report = verify_run(db, published.id)
    assert report.identical, [str(d) for d in report.differences]


# ---- the quarterly report ---------------------------------------------------------------------

def pdf_text(data: bytes) -> str:
    """The text of a PDF as a reader sees it (poppler's ``pdftotext``), without whitespace:
    a table cell or a sentence may wrap anywhere."""
    import subprocess

    text = subprocess.run(["pdftotext", "-q", "-", "-"], input=data, capture_output=True, check=True).stdout
    return re.sub(r"\s+", "", text.decode("utf-8"))


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def zh(app, msgid: str) -> str:
    """``msgid`` as the Chinese interface says it (the office catalog's translation)."""
    from flask_babel import gettext

    with app.test_request_context("/"):
        return gettext(msgid)


def status_zh(app, status: str) -> str:
    from survey.evaluation.decisions import STATUS_WORDS

    words = zh(app, STATUS_WORDS[status])
    assert words != STATUS_WORDS[status], f"no zh translation of {STATUS_WORDS[status]!r}"
    return words


def test_report_pdf_and_page_show_rank_sets_statuses_decisions_and_low_n(app, client, auth, db, draft):
    from survey.evaluation.report import RANKSET_NOTE, row_cells

    assert decide_all(db, draft, "confirm") == 4
    db.commit()
    rows = {r.unit_code: r for r in draft.results}
    assert row_cells(rows["A"])["rank"] == "2（1–3）"
    assert row_cells(rows["C"])["rank"] == "1（1–2）"
    auth.login_as("office")
    response = client.get(f"/office/runs/{draft.id}/report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    assert "甲单位" in text and "2（1–3）" in text and "1（1–2）" in text and "3（2–3）" in text
    for reason in ("test: confirm A", "test: confirm B", "test: confirm C"):
        assert squeezed(reason) in text
    assert "样本不足" in text and f"需{rows['B'].n_needed}个" in text
    final, confirmed, indicative = (status_zh(app, s) for s in ("final", "confirmed", "indicative"))
    assert f"良好（{final}）" in text  # A's social tier
    assert f"良好（{indicative}）" in text  # C's total tier
    assert f"优秀（{confirmed}）" in text and f"较差（{confirmed}）" in text
    assert "较差(待复核)→较差" in text
    html = client.get(f"/office/runs/{draft.id}/report").get_data(as_text=True)
    for needle in ("2（1–3）", "test: confirm B", "样本不足", f"良好（{final}）", f"优秀（{confirmed}）",
                   "较差(待复核)"):
        assert needle in html
    assert RANKSET_NOTE not in html  # translated
    english = client.get(f"/office/runs/{draft.id}/report?lang=en").get_data(as_text=True)
    assert "confirmed by the office" in english and "confidence set (95%)" in english
    assert "Insufficient sample: 4 valid ratings, " in english


def test_report_of_an_undecided_draft_lists_what_waits(app, client, auth, draft):
    auth.login_as("office")
    text = pdf_text(client.get(f"/office/runs/{draft.id}/report.pdf").data)
    assert f"优秀（{status_zh(app, 'provisional')}）" in text and "丙单位" in text
    assert zh(app, "Waiting for a decision") in text
    html = client.get(f"/office/runs/{draft.id}/report?lang=en").get_data(as_text=True)
    assert "Waiting for a decision" in html and "provisional: for the office to decide" in html


# ---- the API -----------------------------------------------------------------------------------

def _token(runner) -> str:
    result = runner.invoke(args=["create-api-token", "绩效系统", "--user", "office1"])
    assert result.exit_code == 0, result.output
    return result.output.split("token: ", 1)[1].split()[0]


def _user(db) -> None:
    from survey.accounts import create_user

    create_user(db, "office1", "office", "correct horse battery", actor="t")
    db.commit()


def test_api_rows_carry_statuses_in_words_and_decisions(app, client, runner, db, published):
    from survey.evaluation.exports import COLUMNS

    _user(db)
    headers = {"Authorization": f"Bearer {_token(runner)}"}
    body = client.get(f"/api/v1/runs/{published.id}?lang=en", headers=headers).get_json()
    rows = {r["unit_code"]: r for r in body["rows"]}
    assert list(rows["A"]) == [*COLUMNS, "social_tier_words", "total_tier_words", "decisions",
                               "consec_bottom"]
    assert (rows["A"]["social_tier_status"], rows["A"]["social_tier_words"]) == ("final", "final")
    assert (rows["C"]["total_tier_status"], rows["C"]["total_tier_words"]) == (
        "indicative", "indicative only: sample too small")
    assert rows["C"]["social_tier_words"] == "confirmed by the office"
    decision = rows["B"]["decisions"]["total"]
    assert (decision["decision"], decision["from"], decision["to"], decision["reason"], decision["by"]) == (
        "confirm", "较差(待复核)", "较差", "test: confirm B", "office1")
    assert rows["A"]["decisions"] == {"total": rows["A"]["decisions"]["total"]}
    assert rows["B"]["office_decisions"].startswith("social: confirm")
    assert rows["A"]["consec_bottom"] is None
    stored = {r.unit_code: r for r in published.results}
    for code, row in rows.items():  # full precision
        assert row["si"] == stored[code].si and row["deff"] == stored[code].deff
        assert row["social_rankset_low"] == stored[code].social_rankset_low
    chinese = client.get(f"/api/v1/runs/{published.id}", headers=headers).get_json()
    assert {r["unit_code"]: r["social_tier_words"] for r in chinese["rows"]}["A"] == status_zh(app, "final")


def test_api_never_serves_a_draft(client, runner, db, draft):
    _user(db)
    headers = {"Authorization": f"Bearer {_token(runner)}"}
    assert client.get(f"/api/v1/runs/{draft.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/runs", headers=headers).get_json() == {"runs": []}


# ---- annual runs: CONSEC_BOTTOM evidence --------------------------------------------------------

@pytest.fixture
def consecutive(db):
    """2025 and 2026 annual runs where B's total tier is 较差 both years, confirmed by the office."""
    from survey.evaluation.components import import_components
    from survey.evaluation.periods import evaluate_year_run
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    wave26 = golden_wave(db)
    wave25 = another_wave(db, wave26, "2025-Q4")
    for wave in (wave25, wave26):
        run = evaluate_wave_run(db, wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
        publish_decided(db, run.id, "office1")
    for year in ("2025", "2026"):
        import_components(db, f"{year}.csv", GOLDEN_COMPONENTS.replace(GOLDEN_PERIOD, year).encode("utf-8"),
                          "office1")
    settings = RunSettings.from_dict(GOLDEN_SETTINGS, "annual")
    y25 = evaluate_year_run(db, 2025, settings, "office1")
    publish_decided(db, y25.id, "office1")
    y26 = evaluate_year_run(db, 2026, settings, "office1")
    publish_decided(db, y26.id, "office1")
    db.commit()
    assert "CONSEC_BOTTOM" in {r.unit_code: r for r in y26.results}["B"].flags.split(";")
    return y25, y26


def test_consec_bottom_evidence_in_api_and_report(app, client, runner, auth, db, consecutive):
    y25, y26 = consecutive
    _user(db)
    headers = {"Authorization": f"Bearer {_token(runner)}"}
    rows = {r["unit_code"]: r for r in client.get(f"/api/v1/runs/{y26.id}", headers=headers).get_json()["rows"]}
    evidence = rows["B"]["consec_bottom"]
    assert evidence["previous_run"] == y25.id
    assert [(y["period"], y["total_tier"], y["status"]) for y in evidence["years"]] == [
        ("2025", "较差", "confirmed"), ("2026", "较差", "confirmed")]
    assert evidence["years"][1]["office_reason"] == "test: confirm B"
    assert rows["A"]["consec_bottom"] is None
    auth.login(username="office1")
    text = pdf_text(client.get(f"/office/runs/{y26.id}/report.pdf").data)
    confirmed = status_zh(app, "confirmed")
    assert "乙单位连续两年综合等次为较差" in text
    assert f"2025年度：较差（{confirmed}）" in text and f"2026年度：较差（{confirmed}）" in text
    b = {r.unit_code: r for r in y26.results}["B"]
    assert f"{b.total_rank}（{b.total_rankset_low}–{b.total_rankset_high}）" in text
    html = client.get(f"/office/runs/{y26.id}/report").get_data(as_text=True)
    assert "连续两年综合等次为较差" in html and "2025年度" in html and "test: confirm B" in html


def test_consec_bottom_evidence_in_the_exports(runner, tmp_path, consecutive):
    _y25, y26 = consecutive
    out = tmp_path / "y26.csv"
    assert runner.invoke(args=["export-run", str(y26.id), "--format", "csv", "--out", str(out)]).exit_code == 0
    rows = {r["unit_code"]: r for r in csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig")))}
    evidence = rows["B"]["consec_bottom_evidence"]
    assert evidence.startswith("2025: 较差 confirmed, rank ") and " | 2026: 较差 confirmed, rank " in evidence
    assert "office: test: confirm B" in evidence
    assert rows["A"]["consec_bottom_evidence"] == ""
