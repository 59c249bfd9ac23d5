"""The assessment office in a browser, against gunicorn with two workers (issue 14).

The office starts evaluation runs and follows their progress to the results (the job lives in
the database, so whichever worker answers shows it), sees the charts load, reads a failure in
Chinese with what to do, decides the provisional placements and publishes, downloads the
exports and the 通报, imports component scores and reads the comprehensive ranking with its
veto explained; a citizen then finds the published run, and not the drafts, on ``/results``.
axe-core checks every page on the way; any console error or CSP violation fails the test.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

import pytest

from tests.e2e.browser import assert_accessible
from tests.e2e.server import Served

pytestmark = pytest.mark.browser

RUN_URL = re.compile(r"/office/runs/(\d+)$")
ROUNDS = 10
PERIOD = "2026-Q3"
VETO_UNIT, VETO_NOTE = "E05", "发生重大安全生产责任事故，一票否决"
#: Units per peer group of the demo city (DISTRICT, DEPT_ECON, DEPT_SOCIAL).
GROUP_SIZES = [12, 15, 15]


class Navigations:
    """Every main-frame response of a page (redirects included): status and URL."""

    def __init__(self, page: Any) -> None:
        self.seen: list[tuple[int, str]] = []
        page.on("response", lambda r: self.seen.append((r.status, r.url))
                if r.request.is_navigation_request() and r.frame == page.main_frame else None)

    def errors(self) -> list[tuple[int, str]]:
        return [(status, url) for status, url in self.seen if status >= 400]

    def job_pages(self) -> int:
        return sum(1 for status, url in self.seen if status == 200 and "/office/jobs/" in url)


def _run_form(page: Any, served: Served) -> None:
    """From the dashboard to the closed wave's run form."""
    page.goto(served.url("/office/"))
    page.locator(f"a[href$='/office/runs/new?wave={served.closed_wave_id}']").click()
    page.wait_for_url(re.compile(r"/office/runs/new\?wave="))


def _submit_run_form(page: Any) -> None:
    page.locator("form.office-config button[type=submit]").click()


def _follow_to_results(page: Any) -> int:
    """Wait (the job page follows the job by itself) for the run page; return the run id."""
    page.wait_for_url(RUN_URL, timeout=120_000)
    match = RUN_URL.search(page.url)
    assert match, page.url
    return int(match.group(1))


def _charts_loaded(page: Any) -> list[str]:
    """Scroll every chart into view (they load lazily) and return those that did not load."""
    images = page.locator("section.charts img")
    assert images.count() >= 4
    broken = []
    for i in range(images.count()):
        image = images.nth(i)
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=image.element_handle())
        if not image.evaluate("img => img.naturalWidth > 0"):
            broken.append(image.get_attribute("src") or "")
    return broken


def _tables_fit(page: Any) -> list[int]:
    """Widths of the results tables wider than their box (none at 1280 px)."""
    return page.eval_on_selector_all(
        "table.results", "ts => ts.filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)"
                         ".map(t => t.scrollWidth)")


def _queued_job(served: Served) -> str:
    """A job of the office user that waits to start (no thread takes it): its page is stable."""
    from survey.db import make_engine, make_session_factory
    from survey.jobs import create_job

    engine = make_engine(served.database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            job = create_job(session, "evaluation", "2026年第三季度社会评价", served.username("office"),
                             {"wave": served.closed_wave_id})
            return job.id
    finally:
        engine.dispose()


def test_runs_progress_to_their_results_ten_times_in_a_row(served: Served, page: Any, login) -> None:
    """Two workers, ten runs: every job page and redirect answers (no 404), each run's page comes."""
    login(page, "office")
    navigations = Navigations(page)
    page.goto(served.url("/office/"))
    assert_accessible(page, "office dashboard")
    runs = []
    for round_ in range(ROUNDS):
        _run_form(page, served)
        if round_ == 0:
            assert_accessible(page, "run form")
        _submit_run_form(page)
        runs.append(_follow_to_results(page))
        assert page.locator("table.results").count() == 3, f"round {round_ + 1}: no results"
        assert navigations.errors() == [], f"round {round_ + 1}: {navigations.errors()}"
    assert len(set(runs)) == ROUNDS
    assert len(served.worker_pids()) == 2
    # the results page: charts load, tables fit, sorting says which column is sorted
    assert _charts_loaded(page) == []
    assert _tables_fit(page) == []
    assert_accessible(page, "run page")
    page.locator("table.results").first.locator("th a", has_text="社会评价指数").click()
    page.wait_for_url(re.compile(r"sort=si"))
    assert page.locator("table.results").first.locator("th[aria-sort]").all_inner_texts() == ["社会评价指数"]
    assert page.locator("th[aria-sort=ascending]").count() == 3
    assert page.locator("[aria-sort]:not(th)").count() == 0
    assert_accessible(page, "run page sorted by the index")


def test_a_running_job_and_a_failed_one_read_in_chinese(served: Served, page: Any, login) -> None:
    login(page, "office")
    page.goto(served.url(f"/office/jobs/{_queued_job(served)}"))
    assert page.locator("progress").count() == 1
    assert page.locator("#job-stage").inner_text() == "等待开始"
    assert_accessible(page, "job page while it waits")

    _run_form(page, served)
    page.fill("#trim_low", "0.9")
    page.fill("#trim_high", "1.1")
    _submit_run_form(page)
    page.locator(".error-summary").wait_for(timeout=120_000)
    text = page.locator(".error-summary").inner_text()
    assert "截尾界限 0.9–1.1" in text and "放宽截尾界限" in text, text
    assert re.search(r"[A-Za-z]{3,}", text) is None, text
    assert page.locator("a", has_text="返回评价设置").count() == 1
    assert_accessible(page, "failed job page")


def _draft_run(served: Served) -> int:
    result = served.cli("evaluate", "--wave", str(served.closed_wave_id))
    assert result.exit_code == 0, result.output
    return int(result.output.strip().splitlines()[-1])


def _decide_all(page: Any) -> int:
    """Confirm every provisional placement through its form, each with a reason."""
    decided = 0
    while page.locator("form.decision").count():
        form = page.locator("form.decision").first
        form.locator("input[name=decision][value=confirm]").check()
        form.locator("textarea[name=reason]").fill(f"复核第{decided + 1}项：证据充分，维持定档")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        decided += 1
        assert decided < 100
    return decided


def _download(page: Any, selector: str) -> bytes:
    with page.expect_download() as info:
        page.locator(selector).first.click()
    path = info.value.path()
    assert path is not None
    with open(path, "rb") as handle:
        return handle.read()


def test_office_decides_publishes_and_downloads(served: Served, page: Any, login) -> None:
    run_id = _draft_run(served)
    login(page, "office")
    page.goto(served.url(f"/office/runs/{run_id}"))
    assert page.locator("form[action$='/publish']").count() == 0  # undecided placements first
    assert _decide_all(page) >= 1
    assert_accessible(page, "run page with decisions")
    with page.expect_navigation():
        page.locator("form[action$='/publish'] button[type=submit]").click()
    assert page.url.endswith(f"/office/runs/{run_id}")
    assert page.locator("h1 .badge.run-published").inner_text() == "已发布"
    assert page.locator("form[action$='/publish']").count() == 0

    data = _download(page, f"a[href$='/runs/{run_id}/export.csv']")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == sum(GROUP_SIZES) and {r["run_id"] for r in rows} == {str(run_id)}
    xlsx = _download(page, f"a[href$='/runs/{run_id}/export.xlsx']")
    assert xlsx[:4] == b"PK\x03\x04"
    assert "xl/worksheets/sheet1.xml" in zipfile.ZipFile(io.BytesIO(xlsx)).namelist()
    pdf = _download(page, f"a[href$='/runs/{run_id}/report.pdf']")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    docx = _download(page, f"a[href$='/runs/{run_id}/report.docx']")
    assert docx[:4] == b"PK\x03\x04"
    assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(docx)).namelist()

    page.goto(served.url(f"/office/runs/{run_id}/report"))
    assert_accessible(page, "report page")


def _components_csv() -> bytes:
    """Component scores of the period for every demo unit; one of them vetoed, with a reason."""
    from survey.demo_city import DEPARTMENTS, DISTRICTS

    units = [(c, n, "DISTRICT") for c, n, _e, _s, _f in DISTRICTS]
    units += [(c, n, g) for c, n, _e, g, _f, _x in DEPARTMENTS]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["period", "unit_code", "unit_name", "peer_group", "base_score", "base_max",
                     "diff_score", "diff_max", "bonus_score", "bonus_cap", "deduction", "veto", "note"])
    for i, (code, name, group) in enumerate(units):
        veto = code == VETO_UNIT
        writer.writerow([PERIOD, code, name, group, f"{25 + i % 5}", "30", f"{40 + (i * 7) % 10}",
                         "50", f"{i % 3}", "5", "0", "1" if veto else "0", VETO_NOTE if veto else ""])
    return buffer.getvalue().encode("utf-8")


def test_component_scores_give_the_comprehensive_ranking(served: Served, page: Any, login,
                                                         tmp_path) -> None:
    login(page, "office")
    page.goto(served.url("/office/components"))
    assert_accessible(page, "components page")
    upload = tmp_path / f"components-{PERIOD}.csv"
    upload.write_bytes(_components_csv())
    page.set_input_files("#file", str(upload))
    with page.expect_navigation():
        page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    assert page.locator(".flash.success").count() == 1
    assert page.locator(f"td:has-text('{VETO_NOTE}')").count() == 1
    assert_accessible(page, "components page after the import")

    _run_form(page, served)
    _submit_run_form(page)
    _follow_to_results(page)
    tables = page.locator("table.results")
    sizes = []
    for t in range(tables.count()):
        cells = tables.nth(t).locator("td[data-col=total_rank]").all_inner_texts()
        ranks = sorted(int(re.match(r"\d+", c.strip()).group()) for c in cells)
        assert ranks == list(range(1, len(ranks) + 1))  # every unit has a total rank
        sizes.append(len(ranks))
    assert sorted(sizes) == sorted(GROUP_SIZES)
    vetoed = page.locator(f"tr[data-unit={VETO_UNIT}] td[data-col=total_tier]").inner_text()
    assert vetoed.startswith("较差") and f"一票否决：{VETO_NOTE}" in vetoed
    assert "一票否决" in page.locator(f"tr[data-unit={VETO_UNIT}] td[data-col=flags]").inner_text()
    assert _tables_fit(page) == []
    assert_accessible(page, "run page with totals")

    page.goto(served.url("/office/tokens"))
    page.fill("#name", "绩效管理系统")
    with page.expect_navigation():
        page.locator("form.inline-form button[type=submit]").first.click()
    assert page.locator(".token-secret").count() == 1
    assert_accessible(page, "tokens page")


def _published_run(served: Served) -> int:
    """The period's published run (publishing a decided draft by the command line if none)."""
    listed = served.cli("runs", "list", "--period", PERIOD)
    assert listed.exit_code == 0, listed.output
    for line in listed.output.splitlines():
        fields = line.split("\t")
        if len(fields) > 3 and fields[3] in ("published", "已发布"):
            return int(fields[0])
    run_id = _draft_run(served)
    for line in served.cli("pending", str(run_id)).output.splitlines()[:-1]:
        unit, scope = line.split("\t")[:2]
        assert served.cli("decide", str(run_id), "--unit", unit, "--scope", scope, "--confirm",
                          "--reason", "复核属实").exit_code == 0
    assert served.cli("publish", str(run_id)).exit_code == 0
    return run_id


def test_a_citizen_sees_the_published_run_and_not_the_drafts(served: Served, page: Any,
                                                            browser_log) -> None:
    published = _published_run(served)
    draft = _draft_run(served)
    page.goto(served.url("/results"))
    assert page.locator("h1").count() == 1
    assert page.get_by_text("2026").count() >= 1
    assert_accessible(page, "public results")
    data = page.request.get(served.url(f"/results/{PERIOD}.json")).json()
    assert data["run_id"] == published
    page.goto(served.url(f"/results/run/{published}"))
    assert page.url.endswith(f"/results/{PERIOD}")
    assert_accessible(page, "public results of the period")
    browser_log.allow(r"status of 404")  # a draft is no public page
    response = page.goto(served.url(f"/results/run/{draft}"))
    assert response is not None and response.status == 404
