"""Every upload's filled-in example downloads, is linked from its upload page, is described in
the docs and the command help, and imports back unchanged: the rows stored equal its rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey.import_templates import COLUMNS, even_shares
from survey.models import ComponentScore, PeerGroup, PopulationMargin, Unit, Wave
from tests.conftest import csrf_from

ROOT = Path(__file__).resolve().parents[2]


def _rows(content: bytes, fmt: str) -> list[dict[str, str]]:
    """The template's rows as an importer reads them (header-keyed text)."""
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    values = [["" if v is None else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
               for v in row] for row in sheet.iter_rows(values_only=True)]
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def _download(client, url: str, fmt: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    assert 'filename="minyi-' in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith(f'.{fmt}"')
    return response.data


def _upload(client, page: str, action: str, name: str, content: bytes):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_units_template_imports_back_unchanged(client, auth, db, fmt: str) -> None:
    auth.login_as("admin")
    page = client.get("/admin/units/import").get_data(as_text=True)
    assert f'href="/admin/templates/units.{fmt}"' in page
    content = _download(client, f"/admin/templates/units.{fmt}", fmt)
    rows = _rows(content, fmt)
    assert len(rows) == 4
    response = _upload(client, "/admin/units/import", "/admin/units/import", f"u.{fmt}", content)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    stored = [(u.code, u.name, u.name_en or "", u.kind.value, u.peer_group.code)
              for u in db.scalars(select(Unit).order_by(Unit.id))]
    assert stored == [(r["code"], r["name"], r["name_en"], r["kind"], r["peer_group"]) for r in rows]
    groups = {g.code: g.name for g in db.scalars(select(PeerGroup))}
    assert groups == {r["peer_group"]: r["peer_group_name"] for r in rows}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_margins_template_imports_back_unchanged(client, auth, db, wave_id: int, fmt: str) -> None:
    auth.login_as("admin")
    page = client.get(f"/admin/waves/{wave_id}").get_data(as_text=True)
    url = f"/admin/waves/{wave_id}/templates/margins.{fmt}"
    assert f'href="{url}"' in page
    content = _download(client, url, fmt)
    rows = _rows(content, fmt)
    # the demo questionnaire's stratum variables: residence (the wave's districts), age, sex
    assert {r["variable"] for r in rows} == {"district", "age_band", "sex"}
    assert [r["share"] for r in rows if r["variable"] == "sex"] == ["0.5", "0.5"]
    response = _upload(client, f"/admin/waves/{wave_id}", f"/admin/waves/{wave_id}/margins",
                       f"m.{fmt}", content)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    db.expire_all()
    stored = sorted((m.district_unit_id, m.variable, m.category, m.share, m.count)
                    for m in db.scalars(select(PopulationMargin)))
    assert stored == sorted((None, r["variable"], r["category"], float(r["share"]), None)
                            for r in rows)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_interviews_template_imports_back_unchanged(client, auth, db, wave_id: int, fmt: str) -> None:
    from survey.responses_export import export_responses

    auth.login_as("admin")
    page_url = f"/admin/waves/{wave_id}/interviews/import"
    url = f"/admin/waves/{wave_id}/templates/interviews.{fmt}"
    assert f'href="{url}"' in client.get(page_url).get_data(as_text=True)
    content = _download(client, url, fmt)
    rows = _rows(content, fmt)
    assert {r["interview_id"] for r in rows} == {"T-0001", "P-0001"}
    response = _upload(client, page_url, page_url, f"i.{fmt}", content)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    exported = _rows(export_responses(db, wave_id, "csv"), "csv")
    assert len(exported) == len(rows)
    columns = [c for c in rows[0] if c != "linkage_key"]
    key = lambda r: (r["interview_id"], r["unit_code"])  # noqa: E731
    assert sorted(({c: e[c] for c in columns} for e in exported), key=key) == sorted(
        ({c: r[c] for c in columns} for r in rows), key=key)
    assert all(e["status"] == "accepted" for e in exported)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_components_template_imports_back_unchanged(client, auth, db, city, fmt: str) -> None:
    auth.login_as("office")
    url = f"/office/components/template.{fmt}"
    assert f'href="{url}"' in client.get("/office/components").get_data(as_text=True)
    content = _download(client, url, fmt)
    rows = _rows(content, fmt)
    assert [r["unit_code"] for r in rows] == ["B01", "D01", "D02"]  # the registered units by code
    response = _upload(client, "/office/components", "/office/components", f"c.{fmt}", content)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    units = {u.id: u.code for u in db.scalars(select(Unit))}
    stored = sorted((c.period, units[c.unit_id], c.peer_group, c.base_score, c.base_max, c.diff_score,
                     c.diff_max, c.bonus_score, c.bonus_cap, c.deduction, c.veto, c.note or "")
                    for c in db.scalars(select(ComponentScore)))
    assert stored == sorted((r["period"], r["unit_code"], r["peer_group"], float(r["base_score"]),
                             float(r["base_max"]), float(r["diff_score"]), float(r["diff_max"]),
                             float(r["bonus_score"]), float(r["bonus_cap"]), float(r["deduction"]),
                             r["veto"] == "是", r["note"]) for r in rows)
    assert float(rows[0]["base_max"]) + float(rows[0]["diff_max"]) == 80  # + social max 20 = 100


def test_xlsx_templates_explain_every_column_in_both_languages(client, auth, wave_id: int) -> None:
    auth.login_as("admin")
    content = client.get(f"/admin/waves/{wave_id}/templates/interviews.xlsx").data
    book = load_workbook(io.BytesIO(content), read_only=True)
    assert book.sheetnames == ["interviews", "列说明 columns"]
    notes = list(book.worksheets[1].iter_rows(values_only=True))
    assert notes[0] == ("column", "必填 required", "中文说明", "description")
    assert [n[0] for n in notes[1:9]] == [c.name for c in COLUMNS["interviews"]]
    assert all(n[2] and n[3] for n in notes[1:])
    # two downloads of one template are the same bytes (fixed document times)
    assert client.get(f"/admin/waves/{wave_id}/templates/interviews.xlsx").data == content


def test_docs_and_command_help_describe_the_same_columns(runner) -> None:
    docs = (ROOT / "docs" / "templates.md").read_text("utf-8")
    commands = {"units": "import-units", "margins": "create-wave", "interviews": "import-submissions",
                "components": "import-components"}
    for kind, command in commands.items():
        help_text = runner.invoke(args=[command, "--help"]).output
        for column in COLUMNS[kind]:
            assert f"{column.name}" in help_text, (command, column.name)
            assert f"`{column.name}`" in docs, column.name
            assert column.zh in docs and column.en in docs, column.name
        assert f"write-template {kind}" in help_text


def test_write_template_command_writes_the_downloaded_file(runner, client, auth, wave_id: int,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "margins.xlsx"
    result = runner.invoke(args=["write-template", "margins", "--wave", str(wave_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    auth.login_as("admin")
    assert out.read_bytes() == client.get(f"/admin/waves/{wave_id}/templates/margins.xlsx").data
    assert runner.invoke(args=["write-template", "margins", "--out", str(out)]).exit_code == 2
    assert runner.invoke(args=["write-template", "units", "--out", str(tmp_path / "u.pdf")]).exit_code == 2


def test_wave_templates_need_an_admin_and_a_wave(client, auth, db, wave_id: int) -> None:
    assert client.get("/admin/templates/units.csv").status_code == 302
    auth.login_as("office")
    assert client.get("/admin/templates/units.csv").status_code == 403
    auth.logout()
    auth.login_as("admin")
    assert client.get("/admin/waves/999999/templates/margins.csv").status_code == 404
    assert client.get(f"/admin/waves/{wave_id}/templates/results.csv").status_code == 404
    assert db.get(Wave, wave_id) is not None


def test_even_shares_sum_to_one() -> None:
    assert even_shares(3) == ["0.3333", "0.3333", "0.3334"]
    assert even_shares(2) == ["0.5", "0.5"]
    for n in range(1, 40):
        assert abs(sum(float(s) for s in even_shares(n)) - 1) < 1e-9
