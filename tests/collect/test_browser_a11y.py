"""Accessibility of the citizen's pages in headless Chromium with axe-core (run in the page).

Debian's chromium is driven by Playwright (never a downloaded browser); axe-core comes from npm
(``npm ci`` in ``make install-test``). The app is served from a seeded SQLite file by a werkzeug
server on a free port. Phone-width screenshots of a questionnaire page and its error state are
kept in ``test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-dev-shm-usage"]
BLOCKING = ("serious", "critical")

pytestmark = pytest.mark.browser


def _require(ok: bool, reason: str) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser test must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int]]]:
    """The app on a free 127.0.0.1 port, over a migrated and seeded SQLite file."""
    _require(shutil.which("chromium") is not None, "chromium is not installed (apt-get install chromium)")
    _require(AXE.is_file(), "axe-core is not installed (npm ci)")
    from werkzeug.serving import make_server

    from app import create_app
    from survey.db import make_engine, make_session_factory
    from tests.collect.factory import build_city
    from tests.dbsupport import migrate_to_head

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'minyi.db'}"
    migrate_to_head(url)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    city = build_city(session)
    city.waves["skip"] = _skip_logic_wave(session, city.waves["open"])
    session.close()
    engine.dispose()
    app = create_app({"ENVIRON": {"MINYI_ENV": "testing", "MINYI_DATABASE_URL": url,
                                  "MINYI_SECRET_KEY": TEST_SECRET}})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", city.waves
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["minyi_engine"].dispose()


def _skip_logic_wave(session, like_wave_id: int) -> int:
    """An open wave whose questionnaire asks a follow-up only when a department is chosen."""
    from survey.hashing import canonical_json, sha256_hex
    from survey.models import QuestionnaireVersion, Wave
    from survey.questionnaire import load_demo_definition, parse_definition

    data = load_demo_definition().to_dict()
    data["sections"][0]["items"].append({
        "name": "dept_note", "type": "text", "max_length": 200,
        "label": {"zh": "您办理的是什么事项？", "en": "What did you deal with them about?"},
        "relevant": "count-selected(${departments}) > 0"})
    parse_definition(data)
    like = session.get(Wave, like_wave_id)
    version = QuestionnaireVersion(questionnaire_id=like.questionnaire_version.questionnaire_id,
                                   version=2, definition=data, created_by="test",
                                   definition_sha256=sha256_hex(canonical_json(data)))
    version.publish()
    wave = Wave(name="Wave skip", period=like.period, questionnaire_version=version,
                opens_at=like.opens_at, closes_at=like.closes_at, access=like.access,
                anonymized=True, created_by="test", units=list(like.units))
    wave.open()
    session.add(wave)
    session.commit()
    return wave.id


def _violations(page) -> list[dict]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
    }""")


def _assert_accessible(page, where: str) -> None:
    blocking = [v for v in _violations(page) if v["impact"] in BLOCKING]
    assert not blocking, f"{where}: {blocking}"


def test_public_pages_have_no_serious_axe_violations(served) -> None:
    from playwright.sync_api import sync_playwright

    base, waves = served
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                             headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
            page = context.new_page()
            page.goto(f"{base}/")
            _assert_accessible(page, "home page")
            page.goto(f"{base}/s/{waves['open']}")
            _assert_accessible(page, "wave landing page")
            page.get_by_role("button", name="开始答题").click()
            page.wait_for_url("**/p/0")
            assert page.locator("progress").count() == 1
            _assert_accessible(page, "questionnaire page")
            page.screenshot(path=str(ARTIFACTS / "questionnaire-360.png"), full_page=True)
            page.get_by_role("button", name="下一页").click()
            page.wait_for_selector("#error-summary")
            _assert_accessible(page, "questionnaire error state")
            assert page.evaluate("document.activeElement.id") == "error-summary"
            links = page.locator("#error-summary a")
            assert links.count() >= 4
            page.screenshot(path=str(ARTIFACTS / "questionnaire-error-360.png"), full_page=True)
            links.first.click()
            assert page.evaluate("document.activeElement.id") == "q-district"
            page.goto(f"{base}/s/{waves['invite']}")
            _assert_accessible(page, "invitation landing page")
            # live skip logic (static/js/survey.js): the follow-up shows once a department is chosen
            page.goto(f"{base}/s/{waves['skip']}")
            page.get_by_role("button", name="开始答题").click()
            page.wait_for_url("**/p/0")
            follow_up = page.locator("#q-dept_note")
            assert not follow_up.is_visible()
            page.locator("label[for='q-departments']").click()
            assert follow_up.is_visible()
            page.locator("label[for='q-departments']").click()
            assert not follow_up.is_visible()
        finally:
            browser.close()
    assert (ARTIFACTS / "questionnaire-error-360.png").stat().st_size > 1000
