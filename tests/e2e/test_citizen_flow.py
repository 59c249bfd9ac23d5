"""The citizen's survey in a browser, against gunicorn with two workers (issue 12).

A citizen on a 375×812 phone, in Chinese, enters an invitation code typed as it comes, meets
skip logic, leaves a required question empty and finds every other answer kept under the error
summary, goes 上一页 and forward with nothing lost, double-clicks submit (one response stored),
presses Back after submitting (nothing sent again) and is told the code was used when trying it
again; the same with JavaScript turned off. English chosen once stays on every page; the
large-text switch works; the screen-out explains itself; a code issued for a district answers the
district question; the pages reflow at 320 CSS px; axe-core finds no serious or critical
violation on any citizen page.
"""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.e2e.browser import assert_accessible
from tests.e2e.server import SECRET, Served

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 375, "height": 812}, "locale": "zh-CN", "is_mobile": True,
         "has_touch": True}
FOLLOW_UP = "dept_note"


@pytest.fixture
def context_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """A phone; a test parametrised with ``{"java_script_enabled": False}`` turns scripts off."""
    return {**PHONE, **getattr(request, "param", {})}


@dataclass
class Waves:
    """Writes waves and codes straight into the served database (as an administrator would
    through the product's services)."""

    served: Served
    version_id: int
    open_wave_id: int

    def session(self) -> Session:
        from survey.db import make_engine, make_session_factory

        engine = make_engine(self.served.database_url)
        return make_session_factory(engine)()

    def invitation_wave(self, name: str, codes: int = 1, stratum: str | None = None
                        ) -> tuple[int, list[str]]:
        """A new open invitation wave (its own rate-limit bucket) and ``codes`` plain codes."""
        from survey.db import utcnow
        from survey.invitations import issue_codes
        from survey.models import AccessMode, Unit, Wave

        with self.session() as session, session.begin():
            now = utcnow()
            wave = Wave(name=name, period="2026-Q4", questionnaire_version_id=self.version_id,
                        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30),
                        access=AccessMode.INVITATION, anonymized=True, created_by="e2e",
                        settings={}, units=list(session.scalars(select(Unit))))
            session.add(wave)
            session.flush()
            wave.open()
            issued = issue_codes(session, wave, codes, stratum, SECRET, "e2e")
            return wave.id, [item.code for item in issued]

    def submissions(self, wave_id: int) -> list[dict[str, Any]]:
        from survey.models import Submission

        with self.session() as session:
            return list(session.scalars(select(Submission.answers).where(
                Submission.wave_id == wave_id)))

    def count(self, wave_id: int) -> int:
        from survey.models import Submission

        with self.session() as session:
            return int(session.scalar(select(func.count(Submission.id)).where(
                Submission.wave_id == wave_id)) or 0)


@pytest.fixture(scope="module")
def waves(served: Served) -> Iterator[Waves]:
    """The demo questionnaire with a follow-up asked only when a department is chosen (live
    skip logic on the first page), published as a version of its own."""
    from survey.db import make_engine, make_session_factory
    from survey.hashing import canonical_json, sha256_hex
    from survey.models import Questionnaire, QuestionnaireVersion
    from survey.questionnaire import load_demo_definition, parse_definition

    data = load_demo_definition().to_dict()
    data["form_id"] = "e2e_citizen"
    data["sections"][0]["items"].append({
        "name": FOLLOW_UP, "type": "text", "max_length": 200,
        "label": {"zh": "您办理的是什么事项？", "en": "What did you deal with them about?"},
        "relevant": "count-selected(${departments}) > 0"})
    parse_definition(data)
    engine = make_engine(served.database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            version = QuestionnaireVersion(
                questionnaire=Questionnaire(form_id=data["form_id"], title=data["title"]["zh"]),
                version=1, definition=data, definition_sha256=sha256_hex(canonical_json(data)),
                created_by="e2e")
            version.publish()
            session.add(version)
            session.flush()
            version_id = version.id
    finally:
        engine.dispose()
    yield Waves(served, version_id, served.open_wave_id)


# --- helpers ---------------------------------------------------------------------------------


def _press(page: Any, button: str) -> None:
    """Press a form button and wait for the page it leads to (a POST, then a redirect)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def _progress(page: Any) -> str:
    return page.locator("#progress-label").inner_text().strip()


def _checked(page: Any, name: str, value: str) -> bool:
    return page.locator(f"input[name='{name}'][value='{value}']").is_checked()


def _rate(page: Any, overall: str = "4", comment: str | None = None) -> None:
    for name, value in (("sat_overall", overall), ("sat_attitude", "5"), ("sat_efficiency", "4"),
                        ("sat_integrity", "3"), ("sat_openness", "9")):
        page.check(f"input[name='{name}'][value='{value}']")
    if comment is not None:
        page.fill("#q-comment", comment)


def _about(page: Any, *, gov_staff: str | None = "no", department: str | None = "E06") -> None:
    page.check("input[name='district'][value='D01']")
    page.check("input[name='age_band'][value='30-39']")
    page.check("input[name='sex'][value='f']")
    if gov_staff:
        page.check(f"input[name='gov_staff'][value='{gov_staff}']")
    if department:
        page.check(f"input[name='departments'][value='{department}']")


def _no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _post_twice_at_once(page: Any, form: dict[str, str]) -> list[tuple[int, str]]:
    """POST ``form`` to the page's own address twice, concurrently, with the browser's cookies;
    each answer's status and ``Location``."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
    body = urllib.parse.urlencode(form).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    barrier = threading.Barrier(2)

    def send(_index: int) -> tuple[int, str]:
        request = urllib.request.Request(page.url, data=body, method="POST", headers={
            "Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded"})
        barrier.wait(timeout=30)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers.get("Location", "")

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(send, range(2)))


def _enter_code(page: Any, served: Served, typed: str) -> None:
    page.goto(served.url("/"))
    page.fill("#code", typed)
    _press(page, "继续")


# --- the flow --------------------------------------------------------------------------------


@pytest.mark.parametrize("context_options", [{}, {"java_script_enabled": False}],
                         ids=["javascript", "no-javascript"], indirect=True)
def test_a_citizen_answers_on_a_phone_and_loses_nothing(
        page: Any, served: Served, waves: Waves, browser_log: Any,
        context_options: dict[str, Any]) -> None:
    scripts = context_options.get("java_script_enabled", True)
    wave_id, (code,) = waves.invitation_wave(f"e2e flow {'js' if scripts else 'nojs'}")
    browser_log.allow(r"status of 409")  # the code used a second time (the page says so)

    def accessible(where: str) -> None:
        if scripts:  # axe-core runs in the page; without scripts the pages are the same HTML
            assert_accessible(page, where)

    page.goto(served.url("/"))
    accessible("home page")
    # typed as it comes: small letters, spaces instead of dashes
    _enter_code(page, served, code.lower().replace("-", " "))
    assert page.url.endswith(f"/s/{wave_id}/p/0")
    assert _progress(page) == "第 1 页，至少共 2 页"
    accessible("first page")

    # skip logic: the follow-up is asked once a department is chosen
    follow_up = page.locator(f"#q-{FOLLOW_UP}")
    if scripts:
        assert not follow_up.is_visible()
    _about(page, gov_staff=None)  # the required screener is left empty
    assert follow_up.is_visible()
    page.fill(f"#q-{FOLLOW_UP}", "办理公交卡")
    _press(page, "下一页")

    # refused: the same page (reached by a redirect), the error summary, every answer kept
    assert page.url.endswith(f"/s/{wave_id}/p/0")
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert "您是否在党政机关或事业单位工作？" in summary.inner_text()
    assert "此题为必答题" in summary.inner_text()
    if scripts:
        assert page.evaluate("document.activeElement.id") == "error-summary"
    for name, value in (("district", "D01"), ("age_band", "30-39"), ("sex", "f"),
                        ("departments", "E06")):
        assert _checked(page, name, value), name
    assert page.input_value(f"#q-{FOLLOW_UP}") == "办理公交卡"
    accessible("first page with errors")
    page.check("input[name='gov_staff'][value='no']")
    _press(page, "下一页")

    # the district's page: half answered, then 上一页 and forward again
    assert page.url.endswith(f"/s/{wave_id}/p/1")
    assert _progress(page) == "第 2 页，共 3 页"
    assert "城东区" in page.locator("h1").inner_text()
    accessible("district page")
    page.check("input[name='sat_overall'][value='2']")
    page.fill("#q-comment", "路灯经常不亮")
    _press(page, "上一页")
    assert page.url.endswith(f"/s/{wave_id}/p/0")
    assert _checked(page, "gov_staff", "no") and _checked(page, "departments", "E06")
    assert page.input_value(f"#q-{FOLLOW_UP}") == "办理公交卡"
    _press(page, "下一页")
    assert page.url.endswith(f"/s/{wave_id}/p/1")
    assert _checked(page, "sat_overall", "2") and page.input_value("#q-comment") == "路灯经常不亮"
    _rate(page, overall="2")
    _press(page, "下一页")

    # the department's page is the last; a double click stores one response
    assert page.url.endswith(f"/s/{wave_id}/p/2")
    assert _progress(page) == "第 3 页，共 3 页"
    assert "市交通运输局" in page.locator("h1").inner_text()
    accessible("department page")
    _rate(page, comment="公交线路太少")
    if not scripts:
        # Chromium sends a double click's second submission only when the first has gone out;
        # here both go out at once, on two connections, to the two workers
        statuses = _post_twice_at_once(page, {
            "csrf_token": page.locator("input[name='csrf_token']").input_value(),
            "client_submission_id": page.locator("input[name='client_submission_id']").input_value(),
            "action": "next", "sat_overall": "4", "sat_attitude": "5", "sat_efficiency": "4",
            "sat_integrity": "3", "sat_openness": "9", "comment": "公交线路太少"})
        assert statuses == [(303, f"/s/{wave_id}/thanks")] * 2
    with page.expect_navigation(url=re.compile(r"/thanks$")):
        page.get_by_role("button", name="提交答卷").dblclick()
    assert "结果何时公布" in page.content()
    accessible("thank-you page")
    assert waves.count(wave_id) == 1
    (stored,) = waves.submissions(wave_id)
    assert stored["answers"][FOLLOW_UP] == "办理公交卡"
    assert stored["ratings"]["D01"]["comment"] == "路灯经常不亮"
    assert stored["ratings"]["E06"]["comment"] == "公交线路太少"

    # Back after submitting: the thank-you page again, nothing sent
    page.go_back()
    assert page.url.endswith(f"/s/{wave_id}/thanks")
    assert waves.count(wave_id) == 1

    # the code once more: told it was used
    _enter_code(page, served, code)
    assert "该邀请码已经使用" in page.locator("h1").inner_text()
    accessible("used code page")
    assert waves.count(wave_id) == 1


def test_english_once_chosen_stays_on_every_page(page: Any, served: Served, waves: Waves) -> None:
    page.goto(served.url(f"/s/{waves.open_wave_id}"))
    assert_accessible(page, "open wave's start page")
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Start the survey").click()
    assert "Which district do you live in?" in page.content()
    _about(page)
    _press(page, "Next")
    assert "Overall, how satisfied are you with the work of this unit?" in page.content()
    assert _progress(page) == "Page 2 of 3"
    _rate(page)
    _press(page, "Previous page")
    assert "How old are you?" in page.content()
    _press(page, "Next")
    _press(page, "Next")
    _rate(page)
    _press(page, "Submit my answers")
    assert page.url.endswith("/thanks") and "When are the results published?" in page.content()
    assert page.locator("html").get_attribute("lang") == "en"


def test_large_text_switch(page: Any, served: Served, waves: Waves) -> None:
    page.goto(served.url(f"/s/{waves.open_wave_id}"))
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    with page.expect_navigation():
        page.get_by_role("link", name="大字号").click()
    large = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert large >= 1.2 * normal
    assert "large-text" in (page.locator("body").get_attribute("class") or "")
    with page.expect_navigation():
        page.get_by_role("button", name="开始答题").click()
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == large
    assert _no_sideways_scroll(page)
    assert_accessible(page, "first page in large text")
    with page.expect_navigation():
        page.get_by_role("link", name="标准字号").click()
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == normal


def test_the_screen_out_says_why_the_survey_ends(page: Any, served: Served, waves: Waves) -> None:
    before = waves.count(waves.open_wave_id)
    page.goto(served.url(f"/s/{waves.open_wave_id}"))
    with page.expect_navigation():
        page.get_by_role("button", name="开始答题").click()
    _about(page, gov_staff="yes", department=None)
    _press(page, "下一页")
    assert page.url.endswith("/end")
    text = page.locator("main").inner_text()
    assert "调查到此结束" in text and "机关工作人员不参加本次调查" in text
    assert "不会记录其他任何信息" in text
    assert_accessible(page, "screen-out page")
    _press(page, "上一页")  # chosen by mistake? the answer can be changed
    assert _checked(page, "gov_staff", "yes")
    _press(page, "下一页")
    _press(page, "结束调查")
    assert page.url.endswith("/thanks")
    assert waves.count(waves.open_wave_id) == before + 1


def test_a_code_for_a_district_does_not_ask_the_district(page: Any, served: Served,
                                                          waves: Waves) -> None:
    wave_id, (code,) = waves.invitation_wave("e2e district code", stratum="D02")
    page.goto(served.url(f"/s/{wave_id}"))
    assert_accessible(page, "invitation wave's start page")
    page.goto(served.url("/s/code"))
    assert_accessible(page, "code page")
    page.fill("#code", code)
    _press(page, "继续")
    assert page.locator("input[name='district']").count() == 0
    assert "城西区" in page.locator(".prefilled").inner_text()
    assert_accessible(page, "first page with the district given by the code")
    for name, value in (("age_band", "60-69"), ("sex", "m"), ("gov_staff", "no")):
        page.check(f"input[name='{name}'][value='{value}']")
    _press(page, "下一页")
    assert "城西区" in page.locator("h1").inner_text()
    _rate(page)
    _press(page, "提交答卷")
    (stored,) = waves.submissions(wave_id)
    assert stored["answers"]["district"] == "D02" and set(stored["ratings"]) == {"D02"}


@pytest.mark.parametrize("context_options", [{"viewport": {"width": 320, "height": 640}}],
                         indirect=True)
def test_citizen_pages_reflow_at_320_css_pixels(page: Any, served: Served, waves: Waves) -> None:
    """WCAG 1.4.10: 1280 px at 400 % (or a 640 px window at 200 %) is 320 CSS px."""
    for path in ("/", "/s/code", f"/s/{waves.open_wave_id}"):
        page.goto(served.url(path))
        assert _no_sideways_scroll(page), path
    with page.expect_navigation():
        page.get_by_role("button", name="开始答题").click()
    _press(page, "下一页")  # the page with its error summary
    assert page.locator("#error-summary").is_visible() and _no_sideways_scroll(page)
