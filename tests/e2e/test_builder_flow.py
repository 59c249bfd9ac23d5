"""The administrator's workbench in a browser, against gunicorn with two workers (issue 15).

With JavaScript, an administrator builds a questionnaire (a respondent section with the
district, a yes/no question and a follow-up choice asked only after "yes"; a unit section with a
5-level scored item) without a page load, sees an error next to the field it concerns and fixes
it, tries the skip rule in the preview at phone width, publishes after the confirmation, creates
a wave with a quota table and margins typed in tables, opens it after its confirmation, issues 10
codes and downloads the CSV and the QR sheet. Without JavaScript the same builder path works with
page loads. axe-core finds no serious or critical violation on the builder, preview and wave
pages; any console error or CSP violation fails the test (the ``page`` fixture).

The page loads and clicks of the four-question build are counted and printed (``-s`` shows them).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from survey.import_templates import even_shares
from tests.e2e.browser import assert_accessible
from tests.e2e.server import Served

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SKIP_RULE = "${used_service} = 'yes'"


@dataclass
class Counter:
    """Main-frame document loads and the clicks the test made."""

    page: Any
    loads: int = 0
    clicks: int = 0
    urls: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("framenavigated", self._navigated)

    def _navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.loads += 1
            self.urls.append(frame.url)

    def click(self, locator: Any) -> None:
        self.clicks += 1
        locator.click()

    def mark(self) -> tuple[int, int]:
        return self.loads, self.clicks


def _new_questionnaire(page: Any, served: Served, form_id: str) -> None:
    page.goto(served.url("/admin/builder/new"))
    page.fill("#f-form_id", form_id)
    page.fill("#f-title_zh", "便民服务满意度调查")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert re.search(r"/admin/versions/\d+/builder$", page.url), page.url


class Builder:
    """Drives the builder the same way with JavaScript (forms in place) or without (pages)."""

    def __init__(self, page: Any, counter: Counter, js: bool) -> None:
        self.page, self.counter, self.js = page, counter, js

    def form(self) -> Any:
        return self.page.locator(".inline-editor form" if self.js else "main form.stack").first

    def open(self, link: Any) -> Any:
        if self.js:
            self.counter.click(link)
            self.page.locator(".inline-editor form").wait_for()
        else:
            with self.page.expect_navigation():
                self.counter.click(link)
        return self.form()

    def save(self, form: Any, expect_error: bool = False) -> None:
        button = form.locator("button[type=submit].primary")
        if self.js:
            self.counter.click(button)
            if expect_error:
                self.page.locator(".inline-editor .error-summary").wait_for()
            else:
                self.page.locator("#builder-main .builder-notice").wait_for()
                self.page.locator(".inline-editor").wait_for(state="detached")
        else:
            with self.page.expect_navigation():
                self.counter.click(button)

    def add_section(self, name: str, kind: str, title: str) -> None:
        form = self.open(self.page.locator("#builder-main a[data-inline-form][href$='/sections/new']"))
        form.locator("#f-name").fill(name)
        if form.locator("#f-kind").input_value() != kind:
            form.locator("#f-kind").select_option(kind)
            self.counter.clicks += 1
        form.locator("#f-title_zh").fill(title)
        self.save(form)

    def add_question(self, section: int, fields: dict[str, str], checks: tuple[str, ...] = (),
                     expect_error: bool = False) -> Any:
        link = self.page.locator(f"#node-{section} > .node-add a[href$='/add/question']")
        form = self.open(link)
        self.fill_question(form, fields, checks)
        self.save(form, expect_error)
        return self.form()

    def fill_question(self, form: Any, fields: dict[str, str], checks: tuple[str, ...]) -> None:
        """Type, texts, lists and ticks; a choice in a list or a tick counts as a click."""
        fields = dict(fields)
        form.locator("#f-type").select_option(fields.pop("type"))
        self.counter.clicks += 1
        for name, value in fields.items():
            control = form.locator(f"#f-{name}")
            if control.evaluate("el => el.tagName") == "SELECT":
                control.select_option(value)
                self.counter.clicks += 1
            elif control.input_value() != value:
                control.fill(value)
        for name in ("required", "scored", "overall", "stratum"):
            box = form.locator(f"input[type=checkbox][name={name}]")
            if box.count() and box.is_checked() != (name in checks):
                box.set_checked(name in checks)
                self.counter.clicks += 1


def _build(page: Any, builder: Builder, counter: Counter) -> dict[str, tuple[int, int]]:
    """The four-question build; returns (loads, clicks) before and after it."""
    before = counter.mark()
    builder.add_section("about", "respondent", "基本情况")
    builder.add_question(0, {"name": "district", "type": "select_one_unit", "unit_kind": "district",
                             "label_zh": "您住在哪个县区？"}, ("required", "stratum"))
    builder.add_question(0, {"name": "used_service", "type": "select_one", "preset": "yesno",
                             "label_zh": "过去一年您办过事吗？"}, ("required", "stratum"))
    # an error next to the field it concerns, what was typed kept, then fixed
    form = builder.add_question(0, {"name": "service_rating", "type": "select_one",
                                    "preset": "sat3", "label_zh": "您对办事经历满意吗？",
                                    "relevant": "${nowhere} = 'yes'"}, ("required",),
                                expect_error=True)
    error = form.locator("#relevant-error")
    assert "nowhere" in error.inner_text()
    assert form.locator("#f-relevant").get_attribute("aria-describedby") == "relevant-error"
    assert form.locator("#f-label_zh").input_value() == "您对办事经历满意吗？"
    form.locator("#f-relevant").fill(SKIP_RULE)
    builder.save(form)
    builder.add_section("rating", "unit", "满意度评价")
    builder.add_question(1, {"name": "sat_overall", "type": "select_one", "preset": "sat5",
                             "label_zh": "总的来说，您对该单位的工作满意吗？", "weight": "1"},
                         ("required", "scored", "overall"))
    after = counter.mark()
    page.locator("#builder-main .flash.success", has_text="可以发布").wait_for()
    return {"before": before, "after": after}


def test_builder_wave_and_codes_with_javascript(page: Any, served: Served, login: Any,
                                                browser: Any, browser_log: Any, tmp_path: Any) -> None:
    browser_log.allow(r"status of 422")  # the refused forms (expected: their errors are shown)
    login(page, "admin")
    _new_questionnaire(page, served, "service_2027")
    builder_url = page.url
    counter = Counter(page)
    builder = Builder(page, counter, js=True)
    assert page.locator(".drag-hint").is_visible()  # the script is on
    marks = _build(page, builder, counter)
    loads = marks["after"][0] - marks["before"][0]
    clicks = marks["after"][1] - marks["before"][1]
    print(f"\nfour-question build with JavaScript: {loads} page loads, {clicks} clicks")
    assert loads == 0, counter.urls  # no page load at all while building
    assert page.url == builder_url
    items = page.locator("#node-0 li.node > .node-head > code").all_inner_texts()
    assert items == ["district", "used_service", "service_rating"]
    assert page.locator("#node-0\\.2 .muted code").inner_text() == SKIP_RULE

    # drag the follow-up above the yes/no question, undo it
    with page.expect_response(lambda r: r.url.endswith("/nodes/0.2/move")) as moved:
        page.locator("#node-0\\.2 > .node-head").drag_to(page.locator("#node-0\\.1 > .node-head"),
                                                          target_position={"x": 5, "y": 2})
    assert moved.value.status == 200
    page.locator("#node-0\\.1 > .node-head > code", has_text="service_rating").wait_for()
    assert page.locator("#node-0 li.node > .node-head > code").all_inner_texts()[1] == "service_rating"
    with page.expect_response(lambda r: r.url.endswith("/builder/undo")):
        page.locator("#builder-main form.undo button").click()
    page.locator("#builder-main .builder-notice", has_text="已撤销").wait_for()
    assert page.locator("#node-0 li.node > .node-head > code").all_inner_texts() == [
        "district", "used_service", "service_rating"]
    # the buttons kept for the keyboard: move down then up again (focus follows the item),
    # duplicate and delete, all in place
    codes = page.locator("#node-0 li.node > .node-head > code")
    with page.expect_response(lambda r: r.url.endswith("/nodes/0.0/move")):
        page.locator("#node-0\\.0 form[action$='/move'] button", has_text="下移").click()
    page.locator("#node-0\\.1 > .node-head > code", has_text="district").wait_for()
    assert page.evaluate("document.activeElement.closest('li.node').id") == "node-0.1"
    page.keyboard.press("Shift+Tab")  # from 下移 back to 上移 of the same item
    with page.expect_response(lambda r: r.url.endswith("/nodes/0.1/move")):
        page.keyboard.press("Enter")
    page.locator("#node-0\\.0 > .node-head > code", has_text="district").wait_for()
    with page.expect_response(lambda r: r.url.endswith("/nodes/0.1/duplicate")):
        page.locator("#node-0\\.1 form[action$='/duplicate'] button").click()
    page.locator("#node-0\\.2 > .node-head > code", has_text="used_service_copy").wait_for()
    with page.expect_response(lambda r: r.url.endswith("/nodes/0.2/delete")):
        page.locator("#node-0\\.2 form[action$='/delete'] button").click()
    page.locator("#builder-main .builder-notice", has_text="已删除").wait_for()
    assert codes.all_inner_texts() == ["district", "used_service", "service_rating"]
    assert counter.loads == 0
    assert_accessible(page, "builder")
    page.locator("#node-0\\.1 a[data-inline-form]").click()  # a form open in place
    page.locator(".inline-editor form").wait_for()
    assert_accessible(page, "builder with a form open")

    # the preview at phone width: the skip rule works live, then on the server
    version_path = re.search(r"(/admin/versions/\d+)/builder", builder_url).group(1)
    phone = browser.new_context(viewport=PHONE, locale="zh-CN",
                                storage_state=page.context.storage_state())
    browser_log.attach(phone)
    preview = phone.new_page()
    try:
        preview.goto(served.url(f"{version_path}/preview"))
        follow_up = preview.locator(".question[data-name=service_rating]")
        assert follow_up.is_hidden()
        preview.locator("input[name=used_service][value=yes]").check()
        assert follow_up.is_visible()
        preview.locator("input[name=used_service][value=no]").check()
        assert follow_up.is_hidden()
        preview.locator("input[name=used_service][value=yes]").check()
        assert preview.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert_accessible(preview, "preview")
        preview.locator("input[name=district]").first.check()
        with preview.expect_navigation():
            preview.locator("button[name=action][value=next]").click()
        assert preview.locator("#q-service_rating-error").is_visible()  # required once shown
        preview.locator("input[name=service_rating]").first.check()
        with preview.expect_navigation():
            preview.locator("button[name=action][value=next]").click()
        assert preview.locator(".unit-name").is_visible()  # the unit loop: the district's page
        assert_accessible(preview, "preview, unit page")
    finally:
        phone.close()

    # publish after the confirmation
    with page.expect_navigation():
        page.locator("a.button.primary[href$='/publish/confirm']").click()
    assert_accessible(page, "publish confirmation")
    assert "永远不能再修改" in page.locator("main").inner_text()
    with page.expect_navigation():
        page.locator("main form button.primary").click()
    assert "已发布" in page.locator("main").inner_text()
    version_id = re.search(r"/admin/versions/(\d+)", page.url).group(1)

    # a wave with a quota table and margins typed in tables, opened after its confirmation
    page.goto(served.url("/admin/waves/new"))
    page.fill("#f-period", "2027-Q1")
    page.select_option("#f-questionnaire", version_id)
    page.fill("#f-opens", "2027-01-05T08:00")
    page.fill("#f-closes", "2027-03-31T20:00")
    page.select_option("#f-access", "invitation")
    with page.expect_navigation():
        page.locator("main form.stack button.primary").click()
    wave_url = page.url
    assert re.search(r"/admin/waves/\d+$", wave_url)
    rows = page.locator("form.quota-table tbody input")
    districts = rows.count()
    assert districts >= 2
    for i in range(districts):
        rows.nth(i).fill(str(100 + i))
    assert page.locator("form.quota-table [data-total=grand]").inner_text() == str(
        sum(100 + i for i in range(districts)))
    with page.expect_navigation():
        page.locator("form.quota-table button.primary").click()
    assert page.locator("form.quota-table tbody input").first.input_value() == "100"
    tables = page.locator("form.margin-tables table")
    district_inputs = tables.nth(0).locator("tbody input")
    for i, share in enumerate(even_shares(districts)):  # 0.0833 ... 0.0837: exactly 1
        district_inputs.nth(i).fill(share)
    service = tables.nth(1).locator("tbody input")
    service.nth(0).fill("0.3")
    service.nth(1).fill("0.6")  # sums to 0.9: the total says so before saving, the server refuses
    assert "✓" not in tables.nth(1).locator("[data-total=shares]").inner_text()
    with page.expect_navigation():
        page.locator("form.margin-tables button.primary").click()
    total = page.locator("form.margin-tables table").nth(1).locator("[data-total=shares]")
    assert "不是 1" in total.inner_text()
    page.locator("form.margin-tables table").nth(1).locator("tbody input").nth(1).fill("70%")
    with page.expect_navigation():
        page.locator("form.margin-tables button.primary").click()
    assert page.locator("form.margin-tables .ok").count() == 2
    assert_accessible(page, "wave")
    with page.expect_navigation():
        page.locator("a.button.primary[href$='/open/confirm']").click()
    assert "持有邀请码的人可以作答" in page.locator("main").inner_text()
    assert_accessible(page, "open confirmation")
    with page.expect_navigation():
        page.locator("main form button.primary").click()
    assert page.url == wave_url and "进行中" in page.locator("h1").inner_text()

    # 10 codes as a CSV download, then 10 on the printable QR sheet
    page.fill("#f-count", "10")
    page.check("input[name=output][value=csv]")
    with page.expect_download() as download:
        page.locator("form[action$='/codes'] button.primary").click()
    path = tmp_path / "codes.csv"
    download.value.save_as(path)
    codes = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))
    assert len(codes) == 10 and len({c["code"] for c in codes}) == 10
    page.goto(wave_url)
    page.fill("#f-count", "10")
    page.check("input[name=output][value=sheet]")
    with page.expect_navigation():
        page.locator("form[action$='/codes'] button.primary").click()
    assert page.locator(".code-card svg").count() == 10


def test_builder_path_without_javascript(browser: Any, served: Served, browser_log: Any) -> None:
    from tests.e2e.browser import sign_in
    from tests.e2e.server import PASSWORD

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  java_script_enabled=False)
    browser_log.attach(context)
    browser_log.allow(r"status of 422")
    try:
        page = context.new_page()
        sign_in(page, served.base_url, served.username("admin"), PASSWORD)
        _new_questionnaire(page, served, "service_2027_nojs")
        counter = Counter(page)
        builder = Builder(page, counter, js=False)
        marks = _build_without_js(page, builder, counter)
        loads = marks["after"][0] - marks["before"][0]
        clicks = marks["after"][1] - marks["before"][1]
        print(f"\nfour-question build without JavaScript: {loads} page loads, {clicks} clicks")
        assert page.locator("#node-0 li.node > .node-head > code").all_inner_texts() == [
            "district", "used_service", "service_rating"]
        # (axe-core needs JavaScript: the same pages are checked in the test above)
        version_path = re.search(r"(/admin/versions/\d+)/builder", page.url).group(1)
        # the preview decides the skip rule on the server when the page is sent
        page.goto(served.url(f"{version_path}/preview"))
        page.locator("input[name=district]").first.check()
        page.locator("input[name=used_service][value=no]").check()
        with page.expect_navigation():
            page.locator("button[name=action][value=next]").click()
        assert page.locator(".unit-name").is_visible()
        # publish after the confirmation, with plain form posts
        page.goto(served.url(f"{version_path}/publish/confirm"))
        with page.expect_navigation():
            page.locator("main form button.primary").click()
        assert "已发布" in page.locator("main").inner_text()
    finally:
        context.close()
    assert browser_log.problems() == []


def _build_without_js(page: Any, builder: Builder, counter: Counter) -> dict[str, tuple[int, int]]:
    before = counter.mark()
    builder.add_section("about", "respondent", "基本情况")
    builder.add_question(0, {"name": "district", "type": "select_one_unit", "unit_kind": "district",
                             "label_zh": "您住在哪个县区？"}, ("required", "stratum"))
    builder.add_question(0, {"name": "used_service", "type": "select_one", "preset": "yesno",
                             "label_zh": "过去一年您办过事吗？"}, ("required", "stratum"))
    link = page.locator("#node-0 > .node-add a[href$='/add/question']")
    with page.expect_navigation():
        counter.click(link)
    form = builder.form()
    builder.fill_question(form, {"name": "service_rating", "type": "select_one", "preset": "sat3",
                                 "label_zh": "您对办事经历满意吗？", "relevant": "${nowhere} = 'yes'"},
                          ("required",))
    with page.expect_navigation():
        counter.click(form.locator("button[type=submit].primary"))
    assert "nowhere" in page.locator("#relevant-error").inner_text()
    page.locator("#f-relevant").fill(SKIP_RULE)
    with page.expect_navigation():
        counter.click(page.locator("main form.stack button[type=submit].primary"))
    builder.add_section("rating", "unit", "满意度评价")
    builder.add_question(1, {"name": "sat_overall", "type": "select_one", "preset": "sat5",
                             "label_zh": "总的来说，您对该单位的工作满意吗？", "weight": "1"},
                         ("required", "scored", "overall"))
    return {"before": before, "after": counter.mark()}
