"""A hypothesis fuzzer on every upload endpoint (issue 17): 0 × 5xx.

Each endpoint gets files of three kinds: CSV text made of its own header (or a damaged one) and
random cells (control characters, quotes, line breaks, long cells, any Unicode), raw random
bytes under a .csv/.xlsx/.json name, and real workbooks of such tables with random bytes
overwritten or the archive cut short. Every answer must be below 500; a refused file leaves the
database as it was (the import services are all-or-nothing).
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.export_text import export_text
from tests.office.fixtures import golden_city

#: Deterministic (derandomize), no deadline (a request may take a while on a loaded machine).
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

HEADERS = {
    "units": ["code", "name", "name_en", "kind", "peer_group", "peer_group_name"],
    "interviews": ["interview_id", "unit_code", "channel", "interview_date", "duration_s",
                   "design_weight", "linkage_key", "interviewer_id", "district", "q1", "q2", "q3"],
    "margins": ["variable", "category", "share", "count"],
    "components": ["period", "unit_code", "unit_name", "peer_group", "base_score", "base_max",
                   "diff_score", "diff_max", "bonus_score", "bonus_cap", "deduction", "veto", "note"],
    "questionnaire": ["type", "name", "label::zh", "label::en", "required", "relevant"],
}

cells = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "A", "B", "C", "G", "D01", "district", "department", "phone", "web", "2026-Q4",
                     "2026-10-01", "300", "1", "0.5", "-1", "NaN", "1e400", "99999999999999999999",
                     "=cmd|' /C calc'!A0", "\x00", "\"", "\"\"", "\r\n", "长" * 50, "😀"]),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=5),
)


@st.composite
def tables(draw, kind: str) -> list[list[str]]:
    header = HEADERS[kind]
    if draw(st.booleans()):
        header = draw(st.lists(st.sampled_from(header + ["", "Code", " name ", "x" * 70]),
                               min_size=0, max_size=len(header) + 2))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=len(header) + 2), max_size=6))
    return [header, *rows]


def csv_bytes(table: list[list[str]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=draw_line_end(table)).writerows(table)
    return buffer.getvalue().encode(encoding, errors="replace")


def draw_line_end(table: list[list[str]]) -> str:
    return "\r\n" if len(table) % 2 else "\n"


def xlsx_bytes(table: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("survey")
    for row in table:
        sheet.append([export_text(cell) for cell in row])  # openpyxl refuses XML-illegal text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@st.composite
def files(draw, kind: str) -> tuple[str, bytes]:
    shape = draw(st.sampled_from(["csv", "bytes", "xlsx", "damaged xlsx", "cut xlsx"]))
    if shape == "bytes":
        return draw(st.sampled_from(["f.csv", "f.xlsx", "f.json", "f.txt", "../../f.csv", "名.xlsx"])), \
            draw(st.binary(max_size=3000))
    table = draw(tables(kind))
    if shape == "csv":
        return "upload.csv", csv_bytes(table, draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])))
    data = bytearray(xlsx_bytes(table))
    if shape == "cut xlsx":
        return "upload.xlsx", bytes(data[:draw(st.integers(0, len(data)))])
    if shape == "damaged xlsx":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return "upload.xlsx", bytes(data)


def _endpoints(wave_id: int) -> dict[str, tuple[str, str]]:
    """upload → (URL, the page whose form posts there)."""
    return {
        "units": ("/admin/units/import", "/admin/units/import"),
        "interviews": (f"/admin/waves/{wave_id}/interviews/import", f"/admin/waves/{wave_id}/interviews/import"),
        "margins": (f"/admin/waves/{wave_id}/margins", f"/admin/waves/{wave_id}"),
        "components": ("/office/components", "/office/components"),
        "questionnaire": ("/admin/questionnaires/upload", "/admin/questionnaires/upload"),
    }


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(HEADERS))
def test_no_upload_gets_a_server_error(client, auth, db, kind: str) -> None:
    wave = golden_city(db)
    db.commit()
    client.application.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is counted, not raised
    auth.login_as("admin")
    url, page = _endpoints(wave.id)[kind]
    token = auth.csrf(page)
    statuses: list[int] = []

    @FUZZ
    @given(upload=files(kind))
    def attack(upload: tuple[str, bytes]) -> None:
        filename, data = upload
        response = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                               content_type="multipart/form-data")
        statuses.append(response.status_code)
        assert response.status_code < 500, (filename, data[:200])

    attack()
    assert len(statuses) >= 40
    assert 422 in statuses  # most files are refused with their errors listed
