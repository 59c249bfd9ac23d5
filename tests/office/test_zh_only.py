"""Issue 14: every word a reader sees on the Chinese office pages comes from the catalog.

Each office page is rendered in zh (the default language); the visible text (tags stripped,
``<script>``, ``<style>`` and ``<code>`` left out) must hold no English word — two or more Latin
letters, underscores joining them — apart from :data:`ALLOWED`. Unit codes (D01, A), periods (2026-Q4), numbers and the
method codes M1–M5 have at most one letter in a row, so they pass by construction.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.office.fixtures import GOLDEN_COMPONENTS, golden_wave

#: The only Latin words a zh office page may show, and why.
ALLOWED = {
    "Minyi",  # the product's name beside 民意 in the header
    "English",  # the language switch names English in English, as language menus do
    "Word",  # the editable 通报 is a Word document; Chinese offices call it that (Word 文档)
    "UTF", "GB",  # character encodings of an upload, which have no other names (UTF-8, GB18030)
    "API",  # the published-results API, named as the IT staff who use it know it
}
#: File formats, on download links and in upload hints (PDF, .csv, .xlsx), in either case.
FILE_FORMATS = {"PNG", "SVG", "CSV", "XLSX", "JSON", "PDF", "DOCX"}
#: Text inside these elements is not shown, or is a literal the reader must type as it is
#: (file column headers, the HTTP header and path of the API, hashes, the token).
SKIPPED = {"script", "style", "code", "title"}
WORD = re.compile(r"[A-Za-z][A-Za-z_]*[A-Za-z]")


class VisibleText(HTMLParser):
    """Text a reader sees, plus the attributes a screen reader reads (alt, title, aria-label)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skipping.append(tag)
        if self.skipping:
            return
        for name, value in attrs:
            if name in ("alt", "title", "aria-label", "placeholder") and value:
                self.parts.append(value)
            if tag == "input" and name == "value" and value and ("type", "submit") in attrs:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def english_words(html: str, data: set[str]) -> list[str]:
    """Latin words of the page that are neither allowed nor test data (user names)."""
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(parser.parts)
    return sorted({w for w in WORD.findall(text)
                   if w not in ALLOWED and w.upper() not in FILE_FORMATS and w not in data})


@pytest.fixture
def office_city(client, auth, db):
    """The golden wave with components, a draft run with totals and undecided placements."""
    from survey.evaluation.components import import_components
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings
    from tests.office.fixtures import GOLDEN_SETTINGS

    wave = golden_wave(db)
    import_components(db, "components.csv", GOLDEN_COMPONENTS.encode("utf-8"), "office1")
    run = evaluate_wave_run(db, wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    db.commit()
    auth.login_as("office")
    return wave, run


def _page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


DATA = {"office"}  # the signed-in user, office1, in the header and as the author of runs and decisions


def _assert_zh(html: str, where: str, data: set[str] = DATA) -> None:
    assert english_words(html, data) == [], where


def test_dashboard_run_form_and_run_page_are_chinese(client, office_city) -> None:
    wave, run = office_city
    _assert_zh(_page(client, "/office/"), "dashboard")
    _assert_zh(_page(client, f"/office/runs/new?wave={wave.id}"), "run form")
    _assert_zh(_page(client, "/office/runs/new?year=2026"), "annual run form")
    _assert_zh(_page(client, f"/office/runs/{run.id}"), "run page")
    _assert_zh(_page(client, f"/office/runs/{run.id}?sort=si&dir=desc"), "run page sorted")


def test_run_form_errors_are_chinese(client, office_city) -> None:
    from tests.conftest import csrf_from

    wave, _run = office_city
    html = _page(client, f"/office/runs/new?wave={wave.id}")
    response = client.post(f"/office/runs/new?wave={wave.id}",
                           data={"csrf_token": csrf_from(html), "trim_low": "x", "method": "M9",
                                 "weight_q1": "-1"})
    assert response.status_code == 422
    _assert_zh(response.get_data(as_text=True), "run form with errors")
    response = client.post(f"/office/runs/new?wave={wave.id}",
                           data={"csrf_token": csrf_from(html), "band_low": "30", "n_min": "-1",
                                 "min_answered_weight": "2", "trim_low": "2", "trim_high": "3"})
    assert response.status_code == 422
    _assert_zh(response.get_data(as_text=True), "run form with errors of the scoring settings")


def test_decisions_and_publication_are_chinese(client, auth, db, office_city) -> None:
    from survey.evaluation.decisions import pending_placements
    from tests.conftest import csrf_from

    _wave, run = office_city
    pending = pending_placements(run)
    assert pending
    html = _page(client, f"/office/runs/{run.id}")
    response = client.post(f"/office/runs/{run.id}/decisions",
                           data={"csrf_token": csrf_from(html), "unit_code": pending[0].unit_code,
                                 "scope": pending[0].scope, "decision": "", "reason": ""})
    assert response.status_code == 422
    _assert_zh(response.get_data(as_text=True), "decision form with errors")
    for p in pending:
        response = client.post(f"/office/runs/{run.id}/decisions",
                               data={"csrf_token": csrf_from(html), "unit_code": p.unit_code,
                                     "scope": p.scope, "decision": "confirm", "reason": "复核属实"})
        assert response.status_code == 303
    _assert_zh(_page(client, f"/office/runs/{run.id}"), "run page with decisions")
    response = client.post(f"/office/runs/{run.id}/publish", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 303
    _assert_zh(_page(client, f"/office/runs/{run.id}"), "published run page")
    _assert_zh(_page(client, "/office/"), "dashboard with a published run")


def test_job_pages_are_chinese(client, db, office_city) -> None:
    from app.office._jobs import failure_of
    from survey.errors import ValidationFailed
    from survey.jobs import create_job, fail_job, update_progress

    wave, _run = office_city
    running = create_job(db, "evaluation", wave.name, "office1", {"wave": wave.id})
    update_progress(db, running.id, "computing", 0.4)
    failed = create_job(db, "evaluation", wave.name, "office1", {"wave": wave.id})
    error = ValidationFailed([("raking", "raking did not converge within trim bounds (0.9, 1.1) after "
                                         "201 iterations; worst margin district=A: relative error "
                                         "0.539 (tolerance 1e-08)")])
    fail_job(db, failed.id, **failure_of(error))
    db.commit()
    _assert_zh(_page(client, f"/office/jobs/{running.id}"), "job in progress")
    html = _page(client, f"/office/jobs/{failed.id}")
    assert "0.9" in html and "1.1" in html
    _assert_zh(html, "failed job")


#: The component file's column headers and the veto's accepted values (1/0, yes/no, 是/否):
#: literals the components page names so that the office can type them in its file.
COMPONENT_LITERALS = {"yes", "no", "base_max", "diff_max", "base_score", "diff_score", "bonus_score",
                      "bonus_cap", "deduction", "veto", "note", "period", "unit_code", "unit_name",
                      "peer_group"}


def test_components_and_tokens_pages_are_chinese(client, office_city) -> None:
    from survey.evaluation.components import COLUMNS
    from tests.conftest import csrf_from

    assert set(COLUMNS) <= COMPONENT_LITERALS | {"yes", "no"}
    literals = DATA | COMPONENT_LITERALS
    _assert_zh(_page(client, "/office/components"), "components", literals)
    html = _page(client, "/office/tokens")
    _assert_zh(html, "tokens")
    response = client.post("/office/tokens", data={"csrf_token": csrf_from(html), "name": "绩效系统"})
    assert response.status_code == 200
    _assert_zh(response.get_data(as_text=True), "tokens with a new secret")
    response = client.post("/office/components", data={"csrf_token": csrf_from(html)},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    _assert_zh(response.get_data(as_text=True), "components with an error", literals)


def test_report_page_is_chinese(client, office_city) -> None:
    """The report page with its heading form (the 通报's issuing office, number, date)."""
    _wave, run = office_city
    _assert_zh(_page(client, f"/office/runs/{run.id}/report"), "report page")


def test_audit_entries_and_wave_states_are_words(client, auth, db, office_city) -> None:
    """The administrator's recent changes read as sentences (no ``wave.create wave 2``)."""
    from survey import audit

    audit.record(db, "admin1", "wave.create", "wave", 2, new={})
    audit.record(db, "admin1", "some.new_action", "wave", 2, new={})
    db.commit()
    auth.logout()
    auth.login_as("admin")
    html = _page(client, "/admin/")
    assert "调查批次 2 已创建" in html and "其他变更（编号 2）" in html
    assert "wave.create" not in html
    _assert_zh(html, "administration dashboard", DATA | {"admin", "test"})


def test_the_check_finds_english() -> None:
    """The checker itself: English outside the allowed words and skipped elements is found."""
    html = ("<p>状态 open · <abbr title='Sample too small'>LOW_N</abbr> D01 2026-Q4 M2 "
            "<code>unit_code</code> Minyi</p><script>var x = 'hidden';</script>")
    assert english_words(html, set()) == ["LOW_N", "Sample", "open", "small", "too"]
    assert english_words("<p>导出 CSV · 请选择 .xlsx 文件</p>", set()) == []
