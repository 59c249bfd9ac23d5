"""The 通报 as a Word document, read as a clerk reads it (python-docx): the heading the office
typed, the title, the summary with the right numbers, one table per peer group in rank order,
and no internal code or setting anywhere; from the CLI and from the office's page.

The city: two peer groups of three districts each (城区 and 县（市）), every unit rated by the
five interviews of the golden example (DESIGN §7). In 2026-Q3 甲区 and 丁县 were rated 不太满意
on every question; in 2026-Q4 they have the golden unit A's answers, so their indices (and the
city-wide one) rise by more than sampling error, and every other unit's index is unchanged.
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import UTC, datetime

import pytest

from tests.golden import GOLDEN_TABLE
from tests.office.fixtures import GOLDEN_DEFINITION, GOLDEN_SETTINGS, import_interviews

DISTRICTS = {"A": ("DIST_A", "甲区"), "B": ("DIST_B", "乙区"), "C": ("DIST_C", "丙区")}
COUNTIES = {"A": ("CNTY_D", "丁县"), "B": ("CNTY_E", "戊县"), "C": ("CNTY_F", "己县")}
GROUPS = {"DIST_GRP": "城区", "CNTY_GRP": "县（市）"}
HEADING = {"issuer": "市综合目标考核办公室", "number": "市考办〔2026〕12号", "date": "2026-12-20",
           "recipients": "各区人民政府，市政府各部门"}
#: What a reader must never meet in a notice: unit and group codes, flag codes, setting names.
CODES = re.compile(r"DIST_|CNTY_|[A-Z]{2,}_[A-Z]{2,}|LOW_N|VETO|raking|n_min|trim_|excluding|"
                   r"ci_method|points_basis|accepted \d|=True|=False|\bM[1-5]\b|\bSI\b|n_eff")


def _interviews(period_start: str, low_units: tuple[str, ...]) -> bytes:
    """The golden interviews for both groups; ``low_units``' answers all 2 (不太满意)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["interview_id", "unit_code", "channel", "interview_date", "duration_s",
                     "design_weight", "linkage_key", "district", "q1", "q2", "q3"])
    for register in (DISTRICTS, COUNTIES):
        for i, (iid, unit, person, q1, q2, q3, w) in enumerate(GOLDEN_TABLE):
            code = register[unit][0]
            answers = (2, 2, 2) if code in low_units else (q1, q2, q3)
            writer.writerow([f"{code}-{iid}", code, "phone", f"{period_start}{1 + i:02d}", 300, w,
                             f"{code}-{person}", code, *answers])
    return buffer.getvalue().encode("utf-8")


def notice_city(db):
    """The two groups, a published 2026-Q3 run and a 2026-Q4 draft with every placement decided.

    Returns (q3 run, q4 run)."""
    from survey.evaluation.decisions import decide_placement, pending_placements
    from survey.evaluation.runs import evaluate_wave_run, publish_run
    from survey.evaluation.settings import RunSettings
    from survey.hashing import canonical_json, sha256_hex
    from survey.models import (
        AccessMode,
        PeerGroup,
        Questionnaire,
        QuestionnaireVersion,
        Unit,
        UnitKind,
        Wave,
        WaveState,
    )

    groups = {code: PeerGroup(code=code, name=name) for code, name in GROUPS.items()}
    units = [Unit(code=c, name=n, kind=UnitKind.DISTRICT, peer_group=groups["DIST_GRP"])
             for c, n in DISTRICTS.values()]
    units += [Unit(code=c, name=n, kind=UnitKind.DISTRICT, peer_group=groups["CNTY_GRP"])
              for c, n in COUNTIES.values()]
    db.add_all([*groups.values(), *units])
    version = QuestionnaireVersion(
        questionnaire=Questionnaire(form_id="golden_example", title="黄金样例"), version=1,
        definition=GOLDEN_DEFINITION, definition_sha256=sha256_hex(canonical_json(GOLDEN_DEFINITION)),
        created_by="test")
    db.add(version)
    version.publish()
    runs = []
    for period, start, month, low in (
            ("2026-Q3", datetime(2026, 7, 1, tzinfo=UTC), "2026-07-", ("DIST_A", "CNTY_D")),
            ("2026-Q4", datetime(2026, 10, 1, tzinfo=UTC), "2026-10-", ())):
        wave = Wave(name=f"社会评价 {period}", period=period, questionnaire_version=version, opens_at=start,
                    closes_at=start.replace(month=start.month + 2, day=28), access=AccessMode.OPEN,
                    state=WaveState.OPEN, created_by="test", units=units)
        db.add(wave)
        db.flush()
        import_interviews(db, wave, f"{period}.csv", _interviews(month, low))
        wave.close()
        db.commit()
        run = evaluate_wave_run(db, wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
        for p in pending_placements(run):  # the office's reasons, as a clerk types them
            decide_placement(db, run.id, p.unit_code, p.scope, "confirm", f"经复核，{p.unit_name}的等次成立", "office1")
        if period == "2026-Q3":
            publish_run(db, run.id, "office1")
        db.commit()
        runs.append(run)
    return runs[0], runs[1]


@pytest.fixture
def city(db):
    return notice_city(db)


# ---- the numbers a reader checks, worked out here from the stored results ---------------------

Z95 = 1.959964


def expected_index(rows) -> tuple[float, float]:
    """The city-wide index (mean SI) and its SE (sqrt of the summed squared SEs over k)."""
    k = len(rows)
    return sum(r.si for r in rows) / k, math.sqrt(sum(r.si_se ** 2 for r in rows)) / k


def expected_summary(db, q3, q4) -> dict[str, str]:
    """The sentences of the summary, written out by hand in Chinese from the stored rows."""
    from sqlalchemy import func, select

    from survey.models import Submission

    accepted = db.scalar(select(func.count()).select_from(Submission).where(
        Submission.wave_id == q4.wave_id, Submission.status == "accepted"))
    ratings = sum(r.n_valid for r in q4.results)
    value, se = expected_index(q4.results)
    before, se_before = expected_index(q3.results)
    diff = value - before
    significant = abs(diff) > Z95 * math.hypot(se, se_before)
    moved = f"上升{abs(diff):.1f}分" if diff > 0 else f"下降{abs(diff):.1f}分"
    words = {"final": "确定", "confirmed": "暂定，经目督办确认"}
    placed = {}
    for tier in ("优秀", "较差"):
        rows = sorted((r for r in q4.results if (r.social_tier or "").startswith(tier)),
                      key=lambda r: (r.peer_group, r.social_rank))
        placed[tier] = "、".join(f"{r.unit_name}（{words[r.social_tier_status]}）" for r in rows)
    provisional = [r.unit_name for r in sorted(q4.results, key=lambda r: (r.peer_group, r.unit_code))
                   if r.social_tier_status == "confirmed"]
    return {
        "responses": f"2026年第四季度社会评价共收到有效问卷{accepted}份，形成对6个单位的有效评价{ratings}条。",
        "index": (f"全市社会评价指数（6个单位指数的平均值）为{value:.1f}（95%置信区间{value - Z95 * se:.1f}–"
                  f"{value + Z95 * se:.1f}），较2026年第三季度{moved}，"
                  + ("变化显著，超出抽样误差范围。" if significant else "变化不显著，在抽样误差范围之内。")),
        "placed": f"社会评价等次：评为优秀的有{placed['优秀']}；评为较差的有{placed['较差']}。",
        "provisional": f"数据尚不能证明{'、'.join(provisional)}与其等次以外的所有单位存在显著差异",
    }


def docx_text(document) -> list[str]:
    """Every paragraph and every table cell of a document, in order."""
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    return texts


def _docx(data: bytes):
    from docx import Document

    return Document(io.BytesIO(data))


def _cli_docx(runner, run_id: int, path, *extra: str):
    args = ["report", str(run_id), "--format", "docx", "--out", str(path)]
    for name, value in HEADING.items():
        args += [f"--{name}", value]
    return runner.invoke(args=args + list(extra))


def test_the_docx_reads_as_the_notice_with_the_right_numbers(runner, db, city, tmp_path):
    q3, q4 = city
    out = tmp_path / "notice.docx"
    result = _cli_docx(runner, q4.id, out)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == str(out)
    document = _docx(out.read_bytes())
    paragraphs = [p.text for p in document.paragraphs]

    # the heading the office typed, in the order of a 公文
    assert paragraphs.index("市综合目标考核办公室") < paragraphs.index("市考办〔2026〕12号") \
        < paragraphs.index("关于2026年第四季度社会评价结果的通报") < paragraphs.index("各区人民政府，市政府各部门：")
    assert paragraphs.count("2026年12月20日") == 1
    assert document.core_properties.title == "关于2026年第四季度社会评价结果的通报"

    # the summary, sentence by sentence, against numbers worked out from the stored rows
    expected = expected_summary(db, q3, q4)
    for key in ("responses", "index", "placed"):
        assert expected[key] in paragraphs, (key, expected[key], paragraphs[:14])
    assert any(p.startswith(expected["provisional"]) for p in paragraphs)
    assert "变化显著" in expected["index"]  # 甲区 and 丁县 rose by far more than sampling error

    # one table per peer group, in rank order, with the change of each unit
    assert len(document.tables) == 2
    for table, group in zip(document.tables, ("CNTY_GRP", "DIST_GRP"), strict=True):
        rows = sorted((r for r in q4.results if r.peer_group == group), key=lambda r: r.social_rank)
        header = [c.text for c in table.rows[0].cells]
        assert header[:8] == ["名次（置信集）", "单位", "有效评价数", "社会评价指数", "95% 置信区间", "社会评价得分",
                              "社会评价等次", "较上期变化"]
        body = [[c.text for c in row.cells] for row in table.rows[1:]]
        assert [cells[1] for cells in body] == [r.unit_name for r in rows]
        before = {r.unit_code: r for r in q3.results}
        for cells, row in zip(body, rows, strict=True):
            assert cells[0] == f"{row.social_rank}（{row.social_rankset_low}–{row.social_rankset_high}）"
            assert cells[3] == f"{row.si:.1f}" and cells[5] == f"{row.social_points:.2f}"
            old = before[row.unit_code]
            diff = row.si - old.si
            significant = abs(diff) > Z95 * math.hypot(row.si_se, old.si_se)
            shown = "0.0" if abs(diff) < 0.05 else f"{diff:+.1f}"
            assert cells[7] == f"{shown}（{'显著' if significant else '不显著'}）", (row.unit_name, cells[7])
    changes = {c.text for c in document.tables[0].columns[7].cells}
    assert any(t.endswith("（显著）") for t in changes) and any(t.endswith("（不显著）") for t in changes)

    # every chart of every group, and the appendix
    assert len(document.inline_shapes) == 3 * 2  # ranked, funnel and trend per group
    assert "附件：评价方法与调查情况说明" in paragraphs
    for label in ("委托方：", "调查时间：", "调查方式：", "样本量：", "应答率：", "加权：", "误差范围："):
        assert any(p.startswith(label) for p in paragraphs), label


def test_no_internal_code_or_setting_anywhere_in_the_docx(runner, city, tmp_path):
    _q3, q4 = city
    out = tmp_path / "notice.docx"
    assert _cli_docx(runner, q4.id, out).exit_code == 0
    leaks = [t for t in docx_text(_docx(out.read_bytes())) if CODES.search(t)]
    assert leaks == []
    # the flags are there, in words
    text = "\n".join(docx_text(_docx(out.read_bytes())))
    assert "与相邻名次单位差异不显著" in text and "95%置信区间宽于±10分" in text


def test_an_annual_run_gets_an_annual_heading(runner, db, city, tmp_path):
    from survey.evaluation.periods import evaluate_year_run
    from survey.evaluation.runs import publish_run
    from survey.evaluation.settings import RunSettings

    _q3, q4 = city
    publish_run(db, q4.id, "office1")
    year = evaluate_year_run(db, 2026, RunSettings.from_dict(GOLDEN_SETTINGS, "annual"), "office1")
    db.commit()
    out = tmp_path / "year.docx"
    assert _cli_docx(runner, year.id, out).exit_code == 0
    document = _docx(out.read_bytes())
    paragraphs = [p.text for p in document.paragraphs]
    assert "关于2026年度社会评价结果的通报" in paragraphs
    # the annual run rests on both quarters: their questionnaires and their fieldwork
    assert any(p.startswith("2026年度社会评价共收到有效问卷") for p in paragraphs)
    assert any(p.startswith("调查时间：2026年7月1日至") for p in paragraphs)


def test_english_notice_and_defaults_from_the_config(app, runner, city, tmp_path):
    _q3, q4 = city
    app.config.update(OFFICE_SPONSOR="某市考核办", NOTICE_RECIPIENTS="各县区")
    out = tmp_path / "plain.docx"
    result = runner.invoke(args=["report", str(q4.id), "--format", "docx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    paragraphs = [p.text for p in _docx(out.read_bytes()).paragraphs]
    assert paragraphs[:2] == ["草稿：本结果尚未公布，不得印发。", "某市考核办"] and "各县区：" in paragraphs
    english = tmp_path / "en.docx"
    assert _cli_docx(runner, q4.id, english, "--lang", "en").exit_code == 0
    paragraphs = [p.text for p in _docx(english.read_bytes()).paragraphs]
    assert "Notice on the social evaluation results of the fourth quarter of 2026" in paragraphs
    assert any(p.startswith("The city-wide index (the mean of the 6 units' indices) is ") for p in paragraphs)


def test_the_cli_refuses_a_bad_heading_and_writes_nothing(runner, city, tmp_path):
    _q3, q4 = city
    out = tmp_path / "notice.docx"
    result = runner.invoke(args=["report", str(q4.id), "--format", "docx", "--out", str(out),
                                 "--date", "20.12.2026", "--issuer", " ", "--number", "号" * 41],
                           env={"MINYI_LANG": "en"})
    assert result.exit_code == 1 and not out.exists()
    lines = result.stderr.strip().splitlines()
    assert "--date: Give the date as YYYY-MM-DD, for example " in lines[-1]
    assert "--issuer: Give the issuing office." in lines
    assert "--number: At most 40 characters; this has 41." in lines
    missing = runner.invoke(args=["report", "999999", "--format", "docx", "--out", str(out)])
    assert missing.exit_code == 1 and not out.exists()
    assert runner.invoke(args=["report", str(q4.id), "--format", "odt", "--out", str(out)]).exit_code == 2


# ---- the office's page -------------------------------------------------------------------------

def test_the_office_downloads_the_docx_from_the_web(client, auth, city):
    _q3, q4 = city
    auth.login_as("office")
    response = client.get(f"/office/runs/{q4.id}/report.docx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="minyi-notice-2026-Q4-{q4.id}.docx"')
    assert "关于2026年第四季度社会评价结果的通报" in [p.text for p in _docx(response.data).paragraphs]

    page = client.get(f"/office/runs/{q4.id}/report").get_data(as_text=True)
    from tests.conftest import csrf_from

    typed = {**HEADING, "csrf_token": csrf_from(page), "format": "docx"}
    response = client.post(f"/office/runs/{q4.id}/notice", data=typed)
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    paragraphs = [p.text for p in _docx(response.data).paragraphs]
    assert "市考办〔2026〕12号" in paragraphs and "2026年12月20日" in paragraphs

    # a date that cannot be read: the form again, with the message and everything typed
    bad = {**typed, "date": "2026-13-45", "number": "市考办〔2026〕13号"}
    response = client.post(f"/office/runs/{q4.id}/notice", data=bad)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请按“年-月-日”格式填写日期" in html and 'value="2026-13-45"' in html
    assert 'value="市考办〔2026〕13号"' in html and 'aria-invalid="true"' in html
    no_token = {k: v for k, v in typed.items() if k != "csrf_token"}
    assert client.post(f"/office/runs/{q4.id}/notice", data=no_token).status_code == 400


def test_the_page_says_what_the_documents_say(client, auth, db, city):
    q3, q4 = city
    auth.login_as("office")
    html = client.get(f"/office/runs/{q4.id}/report").get_data(as_text=True)
    expected = expected_summary(db, q3, q4)
    for key in ("responses", "index", "placed"):
        assert expected[key] in html
    assert html.count('<table class="results">') == 2
    for key in ("ranked-1", "funnel-1", "trend-1", "ranked-2", "funnel-2", "trend-2"):
        chart = client.get(f"/office/runs/{q4.id}/report/charts/{key}.png")
        assert chart.status_code == 200 and chart.data.startswith(b"\x89PNG"), key
        assert f"/office/runs/{q4.id}/report/charts/{key}.png" in html
    assert client.get(f"/office/runs/{q4.id}/report/charts/ranked-9.png").status_code == 404
    assert not CODES.search(re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1]))


def test_the_default_heading_comes_from_the_environment():
    from app.config import load_config

    config = load_config({"MINYI_ENV": "testing", "MINYI_SECRET_KEY": "t" * 40,
                          "MINYI_OFFICE_NAME": " 某市考核办 ", "MINYI_NOTICE_RECIPIENTS": "各县区"})
    assert (config["OFFICE_SPONSOR"], config["NOTICE_RECIPIENTS"]) == ("某市考核办", "各县区")
    unset = load_config({"MINYI_ENV": "testing", "MINYI_SECRET_KEY": "t" * 40})
    assert unset["OFFICE_SPONSOR"] is None and unset["NOTICE_RECIPIENTS"] is None


def test_an_undecided_draft_says_which_placements_wait_for_the_office(runner, db, tmp_path):
    from tests.office.fixtures import golden_draft

    draft = golden_draft(db)  # the golden example: 丙单位 优秀 and 乙单位 较差, both provisional
    out = tmp_path / "draft.docx"
    assert _cli_docx(runner, draft.id, out).exit_code == 0
    paragraphs = [p.text for p in _docx(out.read_bytes()).paragraphs]
    assert ("社会评价等次：评为优秀的有丙单位（暂定，待目督办复核）；评为较差的有乙单位（暂定，待目督办复核）。"
            in paragraphs)
    assert ("乙单位、丙单位的等次为暂定：数据尚不能证明其与等次以外的所有单位存在显著差异，尚待目督办复核决定。"
            in paragraphs)
    assert "此前没有已公布的结果可供比较" in "".join(paragraphs) and "等待决定" in paragraphs


@pytest.mark.parametrize(("kind", "period", "zh", "en"), [
    ("quarter", "2026-Q4", "关于2026年第四季度社会评价结果的通报",
     "Notice on the social evaluation results of the fourth quarter of 2026"),
    ("year", "2026", "关于2026年度社会评价结果的通报", "Notice on the social evaluation results of the year 2026"),
    ("quarter", "2026-12", "关于2026年12月社会评价结果的通报", "Notice on the social evaluation results of 2026-12"),
    ("rolling", "2026-02", "关于2025年12月至2026年2月社会评价结果的通报",
     "Notice on the social evaluation results of 2025-12 to 2026-02"),
])
def test_the_title_names_the_period_as_people_say_it(app, kind, period, zh, en):
    from survey.evaluation.report_summary import notice_title
    from survey.models import EvaluationRun

    run = EvaluationRun(kind=kind, period=period)
    with app.test_request_context("/"):
        assert notice_title(run) == zh
    with app.test_request_context("/?lang=en"):
        assert notice_title(run) == en
