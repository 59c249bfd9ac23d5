"""The unit portal in headless Chromium at desktop width: what the liaison sees after signing
in — its unit's name, its published result, a keyword, masked numbers — with no serious or
critical axe-core violation. Screenshots are kept in ``test-artifacts/``.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest

from tests.collect.test_browser_a11y import (
    ARTIFACTS,
    AXE,
    CHROMIUM_ARGS,
    _assert_accessible,
    _require,
)
from tests.comments.city import SMALL_CELL_COMMENT, build_comment_city, create_unit_user
from tests.conftest import TEST_SECRET

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """The app on a free 127.0.0.1 port over a SQLite file with the comment city published."""
    _require(shutil.which("chromium") is not None, "chromium is not installed (apt-get install chromium)")
    _require(AXE.is_file(), "axe-core is not installed (npm ci)")
    from werkzeug.serving import make_server

    from app import create_app
    from survey.comments.corpus import clear_cache
    from survey.db import make_engine, make_session_factory
    from tests.dbsupport import migrate_to_head

    clear_cache()
    url = f"sqlite:///{tmp_path_factory.mktemp('portal') / 'minyi.db'}"
    migrate_to_head(url)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    city = build_comment_city(session, previous=True)
    create_unit_user(session, "east1", ["D1"])
    session.close()
    engine.dispose()
    app = create_app({"ENVIRON": {"MINYI_ENV": "testing", "MINYI_DATABASE_URL": url,
                                  "MINYI_SECRET_KEY": TEST_SECRET}})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", city.units["D1"]
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["minyi_engine"].dispose()
        clear_cache()


def test_the_unit_portal_at_desktop_width(served) -> None:
    from playwright.sync_api import sync_playwright

    base, unit_id = served
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                             headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=DESKTOP, bypass_csp=True).new_page()
            page.goto(f"{base}/login")
            page.fill("#username", "east1")
            page.fill("#password", "correct horse battery")
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(f"**/unit/{unit_id}/")
            heading = page.get_by_role("heading", level=1)
            assert heading.inner_text() == "东湖区 · 2026-Q4"
            assert page.get_by_role("heading", name="2026-Q4 结果").is_visible()
            assert page.get_by_text("不显示").first.is_visible()  # the small age cell
            _assert_accessible(page, "unit portal: results")
            page.screenshot(path=str(ARTIFACTS / "unit-portal-results-1280.png"), full_page=True)

            page.get_by_role("link", name="倾听意见", exact=True).last.click()
            page.wait_for_url(f"**/unit/{unit_id}/comments**")
            keywords = page.locator("section", has=page.get_by_role("heading", name="关键词"))
            assert keywords.get_by_role("rowheader", name="周到").is_visible()
            assert page.get_by_text("［电话已隐去］").first.is_visible()
            assert page.get_by_text("［身份证号已隐去］").first.is_visible()
            assert page.get_by_text("13812345678").count() == 0
            assert page.get_by_text(SMALL_CELL_COMMENT).count() == 0
            _assert_accessible(page, "unit portal: comments")
            page.screenshot(path=str(ARTIFACTS / "unit-portal-comments-1280.png"), full_page=True)
        finally:
            browser.close()
    for name in ("unit-portal-results-1280.png", "unit-portal-comments-1280.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000
