"""The public results in headless Chromium: axe-core finds no serious or critical violation on
/results, a period, a unit page and a corrected run's page; every chart loads under the site's
Content-Security-Policy with no console error.

Debian's chromium driven by Playwright, axe-core from npm, as in tests/collect/test_browser_a11y.py
(this file may move to tests/e2e). The app is served from a migrated SQLite file holding the city
of tests/public/scenario.py, by a werkzeug server on a free port.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest

from tests.collect.test_browser_a11y import AXE, CHROMIUM_ARGS, _assert_accessible, _require
from tests.conftest import TEST_SECRET
from tests.public.scenario import City, publish_city

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, City]]:
    _require(shutil.which("chromium") is not None, "chromium is not installed (apt-get install chromium)")
    _require(AXE.is_file(), "axe-core is not installed (npm ci)")
    from werkzeug.serving import make_server

    from app import create_app
    from tests.dbsupport import migrate_to_head

    url = f"sqlite:///{tmp_path_factory.mktemp('public-browser') / 'minyi.db'}"
    migrate_to_head(url)
    app = create_app({"ENVIRON": {"MINYI_ENV": "testing", "MINYI_DATABASE_URL": url,
                                  "MINYI_SECRET_KEY": TEST_SECRET}})
    session = app.extensions["minyi_sessions"]()
    city = publish_city(session)
    session.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", city
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["minyi_engine"].dispose()


def test_results_pages_are_accessible_and_their_charts_load(served) -> None:
    from playwright.sync_api import sync_playwright

    base, city = served
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                             headless=True, args=CHROMIUM_ARGS)
        try:
            errors: list[str] = []
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            for path, heading in (("/results", "社会评价结果公示"),
                                  ("/results/2026-Q3", "2026年第3季度 社会评价结果"),
                                  ("/results/unit/A", "甲单位"),
                                  (f"/results/run/{city.q4_old}", "该结果已更正"),
                                  ("/results?lang=en", "Published results of the social evaluation")):
                page.goto(f"{base}{path}", wait_until="networkidle")
                assert page.get_by_role("heading", level=1).inner_text().strip() == heading, path
                images = page.locator("img")
                for i in range(images.count()):
                    images.nth(i).scroll_into_view_if_needed()
                page.wait_for_load_state("networkidle")
                widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
                assert all(w >= 800 for w in widths), (path, widths)
                _assert_accessible(page, path)
            assert errors == []
            # a phone: the table scrolls inside its box, the page itself does not
            phone = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
            phone.goto(f"{base}/results")
            assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            _assert_accessible(phone, "/results on a phone")
        finally:
            browser.close()
