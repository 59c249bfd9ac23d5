"""Fixtures of the end-to-end tests: one gunicorn server and one Chromium per session.

- ``served``: the app under ``gunicorn --workers 2`` over a seeded SQLite file (tests/e2e/server.py).
- ``browser``: Debian's chromium driven by Playwright (headless; never a downloaded browser).
- ``page``: a fresh context (1280×900, zh-CN) per test; the test fails on any console error,
  uncaught page error or CSP violation it did not allow (``browser_log.allow(regex)``), and on
  any traceback or ERROR line the server logged meanwhile.
- ``login(page, role)``: signs in as ``admin``, ``office``, ``viewer``, ``unit_viewer`` (a viewer
  bound to D01) or ``unit`` (the liaison of D01).

Every test here is marked ``browser``. Without chromium, axe-core, Playwright or gunicorn the
tests skip, except when ``CI=true``, where they fail.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import server as e2e_server
from tests.e2e.browser import AXE, CHROMIUM_ARGS, VIEWPORT, BrowserLog, sign_in

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


def require(ok: bool, reason: str) -> None:
    """Skip when ``ok`` is false, or fail when ``CI=true`` (the browser tests must run there)."""
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run)")
    pytest.skip(reason)


def _requirements() -> None:
    require(shutil.which("chromium") is not None, "chromium is not installed (make install-test)")
    require(AXE.is_file(), "axe-core is not installed (make install-test runs npm ci)")
    require(importlib.util.find_spec("playwright") is not None, "playwright is not installed")
    require(importlib.util.find_spec("gunicorn") is not None, "gunicorn is not installed")


@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[e2e_server.Served]:
    """The seeded app under gunicorn with two workers; killed after the last e2e test."""
    _requirements()
    running = e2e_server.start(tmp_path_factory.mktemp("e2e"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="package")
def browser(served: e2e_server.Served) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                              headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def context_options() -> dict[str, Any]:
    """Options of the test's browser context; override in a module for a phone, say."""
    return {"viewport": VIEWPORT, "locale": "zh-CN"}


@pytest.fixture
def page(browser: Any, served: e2e_server.Served, browser_log: BrowserLog,
         context_options: dict[str, Any]) -> Iterator[Any]:
    """A page in a fresh context; the test fails on console errors, CSP violations and
    server errors."""
    context = browser.new_context(accept_downloads=True, **context_options)
    context.set_default_timeout(30_000)
    browser_log.attach(context)
    if not served.has_favicon:  # issue 12 adds one; until then Chromium's request is a 404
        browser_log.allow(r"\[\S+/favicon\.ico\]$")
    log_start = served.log_size()
    try:
        yield context.new_page()
    finally:
        context.close()
    problems = browser_log.problems() + [f"server: {line}" for line in served.server_errors(log_start)]
    if problems:
        pytest.fail("the browser or the server reported errors:\n" + "\n".join(problems))


@pytest.fixture
def login(served: e2e_server.Served) -> Callable[[Any, str], None]:
    """``login(page, role)``: sign in through the form as the session's user of that role."""

    def sign(page: Any, role: str = "office") -> None:
        sign_in(page, served.base_url, served.username(role), e2e_server.PASSWORD)

    return sign
