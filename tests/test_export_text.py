"""Exports never fail on stored text (issue 17): one comment with a NUL made the whole wave's XLSX
export fail (openpyxl's IllegalCharacterError), and a lone surrogate made the CSV fail to encode.
Control characters and lone surrogates become U+FFFD; formulas get a leading apostrophe."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from survey.export_text import export_text, first_control_character, safe_cell
from survey.models import Channel, Submission
from survey.responses_export import export_responses
from tests.collect.factory import build_city

#: Characters XLSX cannot hold (or UTF-8 cannot encode), and what the export shows instead.
LONE_SURROGATES = [chr(0xD800), chr(0xDFFF)]
UNSAFE = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\ufffe", "\uffff",
          *LONE_SURROGATES]
#: PostgreSQL refuses NUL in text and JSON and psycopg cannot send a lone surrogate: such text
#: never reaches its tables, so those are tried on SQLite only.
SQLITE_ONLY = {"\x00", *LONE_SURROGATES}


def test_export_text_replaces_unsafe_characters_and_keeps_the_rest() -> None:
    for char in UNSAFE:
        assert export_text(f"a{char}b") == "a\ufffdb"
    kept = "tab\tline\nbreak\r 表情😀 \u202eRTL \u200bzw <script>"
    assert export_text(kept) == kept
    assert safe_cell("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert safe_cell("\x00=1+1") == "\ufffd=1+1"  # neutralised, and no longer a formula
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell(3.5) == 3.5 and safe_cell(None) is None
    assert first_control_character("ok\x1bno") == "U+001B"
    assert first_control_character("fine\ttext\n") is None


def _store_comment(db, city, text: str) -> int:
    submission = Submission(
        wave_id=city.waves["open"], client_submission_id=str(uuid.uuid4()), body_sha256="0" * 64,
        answers={"answers": {"district": "D01"},
                 "ratings": {"D01": {"sat_overall": "4", "comment": text}}},
        questionnaire_version_id=city.version_id, channel=Channel.WEB, strata="",
        submitted_at=datetime.now(UTC))
    db.add(submission)
    db.commit()
    return submission.id


def _chars(db) -> list[str]:
    return [c for c in UNSAFE if db.bind.dialect.name == "sqlite" or c not in SQLITE_ONLY]


def test_the_responses_export_survives_every_unsafe_character(db) -> None:
    city = build_city(db)
    chars = _chars(db)
    for char in chars:
        _store_comment(db, city, f"before{char}after")
    _store_comment(db, city, "=HYPERLINK(\"http://evil.example\",\"click\")")
    _store_comment(db, city, "<script>alert(1)</script> 😀 \u202eevil")

    data = export_responses(db, city.waves["open"], "xlsx")
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    comments = [row[rows[0].index("comment")] for row in rows[1:]]
    assert comments == (["before\ufffdafter"] * len(chars)
                        + ["'=HYPERLINK(\"http://evil.example\",\"click\")",
                           "<script>alert(1)</script> 😀 \u202eevil"])

    text = export_responses(db, city.waves["open"], "csv").decode("utf-8-sig")
    records = list(csv.DictReader(io.StringIO(text)))
    assert [r["comment"] for r in records] == comments


def test_the_admin_download_of_such_a_wave_is_a_file(client, auth, db) -> None:
    city = build_city(db)
    for char in _chars(db):
        _store_comment(db, city, f"x{char}y")
    auth.login_as("admin")
    for fmt in ("xlsx", "csv"):
        response = client.get(f"/admin/waves/{city.waves['open']}/responses.{fmt}")
        assert response.status_code == 200, fmt
        assert len(response.data) > 100


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_run_export_survives_control_characters_in_names_and_reasons(db, fmt: str) -> None:
    from survey.evaluation.decisions import decide_placement, pending_placements
    from survey.evaluation.exports import export_run
    from survey.evaluation.runs import get_run
    from tests.office.fixtures import golden_draft

    run = golden_draft(db)
    run.wave.units[0].name = "甲\x01单位"  # stored before any import refused it
    db.flush()
    for placement in pending_placements(run):
        decide_placement(db, run.id, placement.unit_code, placement.scope, "confirm",
                         "=1+1 reason\x1b with ESC", "office1")
    db.commit()
    data = export_run(get_run(db, run.id), fmt)
    if fmt == "json":
        rows = json.loads(data)
        decisions = [r["office_decisions"] for r in rows if r["office_decisions"]]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        decisions = [r["office_decisions"] for r in rows if r["office_decisions"]]
    else:
        sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        table = list(sheet.iter_rows(values_only=True))
        column = table[0].index("office_decisions")
        decisions = [r[column] for r in table[1:] if r[column]]
    assert decisions, "the golden run has provisional placements to decide"
    assert all("\x1b" not in d and "reason\ufffd with ESC" in d for d in decisions)
