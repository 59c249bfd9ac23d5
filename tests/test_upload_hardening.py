"""Uploads that cannot be read get a clear, row-numbered 422 and store nothing (issue 17).

Before: a CSV cell over 128 KiB (``_csv.Error``) and malformed sheet XML inside an .xlsx
(``ParseError``) were 500s on the units, interviews, margins and components uploads, and a small
workbook that unpacks to 1.4 million rows was parsed for 15 s before being refused.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from sqlalchemy import func, select

from survey import upload_files
from survey.errors import ValidationFailed
from survey.upload_files import MAX_UNPACKED_BYTES, read_table
from tests.office.fixtures import golden_city

SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet_xml(data: bytes, change) -> bytes:  # noqa: ANN001 - bytes → bytes
    """``data`` with its first sheet's XML replaced by ``change(xml)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, change(content) if info.filename == SHEET else content)
    return out.getvalue()


def damaged_at_row(header: list[str], good_rows: int) -> bytes:
    """A workbook whose sheet XML breaks (an unclosed element) after ``good_rows`` data rows."""
    rows = [header] + [[f"v{i}"] * len(header) for i in range(good_rows)]
    return with_sheet_xml(workbook(rows), lambda xml: xml.replace(b"</sheetData>", b"<row><c><v>1</v></row></sheetData>"))


def zip_bomb(rows: int, row_xml: bytes = b"<row><c t=\"inlineStr\"><is><t>x</t></is></c></row>") -> bytes:
    """A workbook of ``rows`` identical rows, written in chunks (it unpacks ~1000 times larger)."""
    base = workbook([["code", "name"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename != SHEET:
                target.writestr(info.filename, content)
                continue
            head, tail = content.split(b"</sheetData>")
            with target.open(SHEET, "w", force_zip64=True) as sheet:
                sheet.write(head)
                chunk = row_xml * 10_000
                for _ in range(rows // 10_000):
                    sheet.write(chunk)
                sheet.write(b"</sheetData>" + tail)
    return out.getvalue()


def messages(error: pytest.ExceptionInfo[ValidationFailed]) -> str:
    return " | ".join(message for _field, message in error.value.errors)


# --- the reader ----------------------------------------------------------------------------------


def test_a_csv_cell_over_128_kib_names_its_row() -> None:
    data = b"code,name\nA,ok\nB," + b"x" * 140_000 + b"\n"
    with pytest.raises(ValidationFailed) as error:
        read_table("units.csv", data)
    assert messages(error) == ("Row 3 has a cell longer than 131,072 characters (128 KiB): "
                               "shorten it or check the file's quotes.")


def test_an_unterminated_quote_swallowing_the_file_is_refused_with_its_row() -> None:
    data = b'code,name\nA,"open quote\n' + b"y" * 140_000 + b"\n"
    with pytest.raises(ValidationFailed) as error:
        read_table("units.csv", data)
    assert "Row 2 has a cell longer than 131,072 characters" in messages(error)


def test_malformed_sheet_xml_names_the_row_it_stops_at() -> None:
    with pytest.raises(ValidationFailed) as error:
        read_table("units.xlsx", damaged_at_row(["code", "name"], 3))
    assert messages(error).startswith("The workbook is damaged at row ")
    assert "upload a .csv file" in messages(error)


def test_an_invalid_character_reference_in_the_sheet_is_refused() -> None:
    data = with_sheet_xml(workbook([["code", "name"], ["A", "b"]]),
                          lambda xml: xml.replace(b">b<", b">&#0;<"))
    with pytest.raises(ValidationFailed) as error:
        read_table("units.xlsx", data)
    assert "The workbook is damaged at row" in messages(error)


@pytest.mark.parametrize("data", [b"PK\x03\x04 not really", b"", b"plain text", b"PK\x05\x06" + b"\0" * 18])
def test_a_file_that_is_not_a_workbook_is_refused(data: bytes) -> None:
    with pytest.raises(ValidationFailed) as error:
        read_table("units.xlsx", data)
    assert messages(error) == "The file is not a readable .xlsx workbook."


def test_a_zip_bomb_is_refused_from_its_directory_before_parsing(monkeypatch) -> None:
    """116 MB of sheet XML in a few hundred kilobytes: refused by its size, never parsed."""
    data = zip_bomb(2_500_000)
    assert len(data) < 1_000_000
    parsed = []
    monkeypatch.setattr(upload_files, "_cell_text", lambda value: parsed.append(value) or "")
    with pytest.raises(ValidationFailed) as error:
        read_table("units.xlsx", data)
    assert parsed == []
    assert messages(error).startswith("The workbook unpacks to 116 MB, more than the 100 MB accepted")
    assert MAX_UNPACKED_BYTES == 100 * 1024 * 1024


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_row_limit_is_checked_while_reading(monkeypatch, kind: str) -> None:
    """With a limit of 50 rows, a file whose row 400 is unreadable is refused for its length:
    reading stopped at row 52 and never reached row 400."""
    monkeypatch.setattr(upload_files, "MAX_ROWS", 50)
    if kind == "csv":
        data = b"code,name\n" + b"A,b\n" * 398 + b"Z," + b"x" * 140_000 + b"\n"
    else:
        data = damaged_at_row(["code", "name"], 398)
    with pytest.raises(ValidationFailed) as error:
        read_table(f"units.{kind}", data)
    assert messages(error) == "The file has more than 50 rows."


def test_a_highly_compressed_workbook_under_the_size_cap_stops_at_the_row_limit(monkeypatch) -> None:
    monkeypatch.setattr(upload_files, "MAX_ROWS", 1000)
    data = zip_bomb(100_000)
    with pytest.raises(ValidationFailed) as error:
        read_table("units.xlsx", data)
    assert messages(error) == "The file has more than 1000 rows."


def test_rows_beyond_a_wrong_dimension_are_read() -> None:
    """openpyxl's read-only mode stopped at the sheet's declared ``<dimension>``: a file that
    understated it lost its last rows without a word."""
    data = with_sheet_xml(workbook([["code", "name"]] + [[f"U{i}", "n"] for i in range(5)]),
                          lambda xml: xml.replace(b'<dimension ref="A1:B6"/>', b'<dimension ref="A1:B2"/>'))
    assert b'ref="A1:B2"' in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    assert [row["code"] for _n, row in read_table("units.xlsx", data).rows] == [f"U{i}" for i in range(5)]


@pytest.mark.parametrize(("char", "shown"), [("\x00", "U+0000"), ("\x1b", "U+001B"), ("\x7f", "U+007F")])
def test_a_control_character_in_a_cell_is_refused_with_row_and_column(char: str, shown: str) -> None:
    data = f"code,name\nA,ok\nB,bad{char}name\n".encode()
    with pytest.raises(ValidationFailed) as error:
        read_table("units.csv", data)
    assert messages(error) == (f"Row 3, column name contains the control character {shown}, which "
                               "cannot be stored: remove it and upload the file again.")


def test_tabs_line_breaks_and_unicode_are_kept() -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["code", "name"], ["A", "line one\nline two\tand a tab"],
                                  ["B", "表情 😀 \u202eRTL \u200bzero-width"]])
    table = read_table("units.csv", buffer.getvalue().encode())
    assert [row["name"] for _n, row in table.rows] == ["line one\nline two\tand a tab",
                                                       "表情 😀 \u202eRTL \u200bzero-width"]


# --- the four upload pages -----------------------------------------------------------------------

BAD_FILES = {
    "long cell": ("bad.csv", lambda header: (",".join(header) + "\n" + ",".join(["x" * 140_000] * len(header)) + "\n").encode(),
                  "Row 2 has a cell longer than 131,072 characters"),
    "damaged sheet": ("bad.xlsx", lambda header: damaged_at_row(header, 2), "The workbook is damaged at row"),
    "zip bomb": ("bomb.xlsx", lambda header: zip_bomb(2_500_000), "The workbook unpacks to 116 MB"),
    "NUL": ("bad.csv", lambda header: (",".join(header) + "\n" + ",".join(["a\x00b"] * len(header)) + "\n").encode(),
            "Row 2, column"),
}


def _uploads(wave_id: int) -> dict[str, tuple[str, list[str]]]:
    return {
        "units": ("/admin/units/import", ["code", "name", "name_en", "kind", "peer_group"]),
        "interviews": (f"/admin/waves/{wave_id}/interviews/import",
                       ["interview_id", "unit_code", "channel", "interview_date", "duration_s",
                        "design_weight", "linkage_key", "district", "q1", "q2", "q3"]),
        "margins": (f"/admin/waves/{wave_id}/margins", ["variable", "category", "share"]),
        "components": ("/office/components", ["period", "unit_code", "unit_name", "peer_group",
                                               "base_score", "base_max", "diff_score", "diff_max",
                                               "bonus_score", "bonus_cap", "deduction", "veto"]),
    }


def _stored(db) -> tuple[int, ...]:
    from survey.models import ComponentScore, PopulationMargin, Submission, Unit

    db.expire_all()
    return tuple(db.scalar(select(func.count()).select_from(model))
                 for model in (Unit, Submission, PopulationMargin, ComponentScore))


@pytest.mark.parametrize("bad", sorted(BAD_FILES))
def test_every_upload_page_refuses_an_unreadable_file_with_a_message(client, auth, db, bad: str) -> None:
    wave = golden_city(db)
    db.commit()
    auth.login_as("admin")
    client.get("/lang/en?next=/")
    before = _stored(db)
    filename, build, expected = BAD_FILES[bad]
    for name, (url, header) in _uploads(wave.id).items():
        token = auth.csrf(url if name != "margins" else f"/admin/waves/{wave.id}")
        response = client.post(url, data={"csrf_token": token,
                                          "file": (io.BytesIO(build(header)), filename)},
                               content_type="multipart/form-data")
        assert response.status_code == 422, (name, response.status_code)
        assert expected in response.get_data(as_text=True), name
    assert _stored(db) == before
