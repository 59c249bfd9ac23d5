"""The public results (公示) as a citizen reads them: no login, published runs only, numbers as
stored and hand-worked (tests/public/scenario.py), the same numbers as JSON, cached with ETags."""

from __future__ import annotations

import html
import re

import pytest

from tests.public.scenario import REASON, SATISFIED, SI_CORRECTED, SI_GOLDEN, publish_city


@pytest.fixture
def city(db):
    return publish_city(db)


def text_of(page: str) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


COLUMNS = ("rank", "rank_set", "unit", "si", "ci", "satisfied", "n", "tier", "notes")


def table_rows(page: str) -> dict[str, dict[str, str]]:
    """Rows of the ranking tables by the unit linked in them: the text of each cell by column
    (``band`` only on the first row of a band, which carries the band's label)."""
    rows = {}
    for body in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
        unit = re.search(r'href="/results/unit/(\w+)"', body)
        if unit:
            cells = [text_of(c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", body, flags=re.S)]
            row = dict(zip(COLUMNS, cells[-len(COLUMNS):], strict=True))
            if len(cells) > len(COLUMNS):
                row["band"] = cells[0]
            rows[unit.group(1)] = row
    return rows


def test_anonymous_sees_the_correction_and_neither_the_draft_nor_the_superseded_run(client, city):
    response = client.get("/results")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    words = text_of(page)
    assert "2026年第4季度" in words and "2026年第3季度" in words
    assert "2027年第1季度" not in words  # the 2027-Q1 run is a draft
    rows = table_rows(page)
    # the latest period is the corrected 2026-Q4: SI of the correction, not of the run it replaced
    assert [rows[u]["si"] for u in ("C", "A", "B")] == ["87.6", "83.5", "64.3"]
    assert "87.1" not in words and "63.6" not in words
    assert "更正后的结果" in words and REASON in words
    assert f'href="/results/run/{city.q4_old}"' in page
    assert client.get("/results/2027-Q1").status_code == 404
    assert client.get(f"/results/run/{city.draft}").status_code == 404
    assert client.get("/results/2026-Q4").status_code == 200


def test_a_superseded_run_says_it_was_corrected_why_and_by_which_run(client, city):
    response = client.get(f"/results/run/{city.q4_old}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    words = text_of(page)
    assert "该结果已更正" in words
    assert REASON in words
    assert f'href="/results/run/{city.q4}"' in page
    assert 'href="/results/2026-Q4"' in page
    assert "87.1" not in words and "83.8" not in words  # none of its numbers
    current = client.get(f"/results/run/{city.q4}")
    assert current.status_code == 303 and current.headers["Location"] == "/results/2026-Q4"


def test_period_page_numbers_are_the_stored_and_hand_worked_ones(client, db, city):
    from survey.models import EvaluationResult

    page = client.get("/results/2026-Q3").get_data(as_text=True)
    rows = table_rows(page)
    assert list(rows) == ["C", "A", "B"]  # ranked
    stored = {r.unit_code: r for r in db.query(EvaluationResult).filter_by(run_id=city.q3)}
    for code, cells in rows.items():
        row = stored[code]
        assert row.si == pytest.approx(SI_GOLDEN[code], abs=1e-4)
        assert row.sat_rate_top2 == pytest.approx(SATISFIED[code])
        assert cells["rank"] == str(row.social_rank)
        assert cells["rank_set"] == f"{row.social_rankset_low}–{row.social_rankset_high}"
        assert cells["unit"] == row.unit_name
        assert cells["si"] == f"{SI_GOLDEN[code]:.1f}"
        assert cells["ci"] == f"{row.si_ci_low:.1f}–{row.si_ci_high:.1f}"
        assert cells["satisfied"] == f"{100 * SATISFIED[code]:.1f}%"
        assert cells["n"] == str(row.n_valid)
    assert [rows[u]["tier"] for u in ("C", "A", "B")] == ["优秀 目督办确认", "良好 确定", "较差 目督办确认"]
    # C 1–2, A 1–3, B 2–3 overlap in a chain: one band, said in words
    assert rows["C"]["band"] == "第 1–3 名：无法区分先后"
    assert "band" not in rows["A"] and "band" not in rows["B"]
    assert page.count('<tbody class="band') == 1


def test_json_has_the_numbers_of_the_page(client, city):
    page = client.get("/results/2026-Q4").get_data(as_text=True)
    data = client.get("/results/2026-Q4.json").get_json()
    assert data["period"] == "2026-Q4" and data["run_id"] == city.q4
    assert data["correction"] == {"corrects_run_id": city.q4_old, "reason": REASON,
                                  "corrected_at": data["correction"]["corrected_at"],
                                  "corrects_url": f"http://localhost/results/run/{city.q4_old}"}
    rows = table_rows(page)
    (group,) = data["groups"]
    assert group["name"] == "县区" and group["bands"] == [["C", "A", "B"]]
    for row in group["rows"]:
        cells = rows[row["unit_code"]]
        assert row["si"] == pytest.approx(SI_CORRECTED[row["unit_code"]], abs=1e-9)
        assert cells["si"] == f"{row['si']:.1f}"
        assert cells["ci"] == f"{row['si_ci_low']:.1f}–{row['si_ci_high']:.1f}"
        assert cells["satisfied"] == f"{100 * row['sat_rate_top2']:.1f}%"
        assert cells["n"] == str(row["n_valid"])
        assert cells["rank"] == str(row["rank"])
        assert cells["rank_set"] == f"{row['rankset_low']}–{row['rankset_high']}"
        assert cells["tier"] == f"{row['tier_words']} {row['status_words']}"
    index = client.get("/results.json").get_json()
    assert [(p["period"], p["run_id"], p["corrected"]) for p in index["periods"]] == [
        ("2026-Q4", city.q4, True), ("2026-Q3", city.q3, False)]
    assert index["periods"][0]["json"] == "http://localhost/results/2026-Q4.json"


def test_unit_page_shows_its_trend_over_the_published_periods(client, city):
    page = client.get("/results/unit/C").get_data(as_text=True)
    words = text_of(page)
    assert "丙单位" in words
    periods = re.findall(r'<th scope="row"><a href="/results/(\d{4}-Q\d)">', page)
    assert periods == ["2026-Q3", "2026-Q4"]  # 2027-Q1 is a draft
    assert "87.1" in words and "87.6" in words
    assert "第 1 名（共 3 个）" in words
    data = client.get("/results/unit/C.json").get_json()
    assert [(q["period"], round(q["si"], 4)) for q in data["quarters"]] == [
        ("2026-Q3", SI_GOLDEN["C"]), ("2026-Q4", SI_CORRECTED["C"])]
    chart = client.get("/results/unit/C/trend.png")
    assert chart.status_code == 200 and chart.mimetype == "image/png" and chart.data[:4] == b"\x89PNG"
    assert client.get("/results/unit/NOPE").status_code == 404


def test_english_page_is_in_english(client, city):
    client.get("/lang/en?next=/results")
    page = client.get("/results").get_data(as_text=True)
    words = text_of(page)
    assert 'lang="en"' in page
    for phrase in ("Published results of the social evaluation", "Latest: 2026 Q4", "How to read the rankings",
                   "Ranks 1–3: cannot be told apart", "Excellent", "confirmed by the office",
                   "Disclosure of the survey", "Margin of error", "telephone interview: 14 questionnaires"):
        assert phrase in words, phrase
    for chinese in ("结果公示", "无法区分", "等次", "优秀", "调查方式"):
        assert chinese not in words, chinese
    data = client.get("/results/2026-Q4.json").get_json()
    assert data["language"] == "en" and data["groups"][0]["rows"][0]["tier_words"] == "Excellent"


def test_etag_answers_304_until_the_next_publication(client, db, city):
    first = client.get("/results")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert "Cookie" in first.headers["Vary"]
    again = client.get("/results", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get("/results?lang=en", headers={"If-None-Match": etag}).status_code == 200
    for path in ("/results/2026-Q4.json", "/results/unit/A", "/results/2026-Q4/G/ranking.png"):
        tag = client.get(path).headers["ETag"]
        assert client.get(path, headers={"If-None-Match": tag}).status_code == 304, path

    from survey.models import EvaluationRun
    from tests.office.fixtures import publish_decided

    publish_decided(db, city.draft)
    db.commit()
    after = client.get("/results", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert "2027年第1季度" in text_of(after.get_data(as_text=True))
    assert db.get(EvaluationRun, city.draft).status.value == "published"


def test_staff_pages_are_never_cached(client, auth, city):
    auth.login_as("office")
    response = client.get("/results")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers


def test_charts_are_png_from_this_site_under_the_csp(client, city):
    response = client.get("/results/2026-Q4")
    page = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script" not in page and "style=" not in page
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert sources == ["/results/2026-Q4/G/ranking.png", "/results/2026-Q4/G/trend.png"]
    for src in sources:
        chart = client.get(src)
        assert chart.status_code == 200 and chart.mimetype == "image/png", src
    assert client.get("/results/2026-Q4/G/nope.png").status_code == 404
    assert client.get("/results/2026-Q4/X/ranking.png").status_code == 404
    assert client.get("/results/2027-Q1/G/ranking.png").status_code == 404  # a draft


def test_nothing_published_yet(client, db):
    from tests.office.fixtures import golden_draft

    golden_draft(db)
    words = text_of(client.get("/results").get_data(as_text=True))
    assert "尚未公布任何结果" in words
    assert client.get("/results.json").get_json()["periods"] == []
    assert client.get("/results/2026-Q4").status_code == 404
    assert client.get("/results/2026-Q4.json").status_code == 404
    assert client.get("/results/unit/A").status_code == 404
    assert client.get("/results/not-a-period").status_code == 404


def test_landing_and_thank_you_pages_link_to_the_results(client, db):
    from tests.office.fixtures import golden_wave

    assert 'href="/results"' in client.get("/").get_data(as_text=True)
    wave = golden_wave(db)
    thanks = client.get(f"/s/{wave.id}/thanks")
    assert thanks.status_code == 200 and 'href="/results"' in thanks.get_data(as_text=True)


def test_charts_speak_the_language_of_their_page(app, client, db, city):
    from survey.evaluation.charts import chart_figure
    from survey.models import EvaluationRun, PeerGroup, Unit

    unit = db.query(Unit).filter_by(code="A").one()
    unit.name_en = "Unit A"
    db.query(PeerGroup).filter_by(code="G").one().name_en = "Districts"
    db.commit()
    page = client.get("/results?lang=en").get_data(as_text=True)
    assert '<img src="/results/2026-Q4/G/ranking.png?lang=en"' in page
    assert ">Unit A</a>" in page and "<h2 id=\"group-1\">Districts</h2>" in page
    run = db.get(EvaluationRun, city.q4)
    with app.test_request_context("/?lang=en"):
        trend = chart_figure(db, run, "trend", peer_group="G", lang="en")
        ranked = chart_figure(db, run, "ranked", peer_group="G", lang="en")
        funnel = chart_figure(db, run, "funnel", lang="en")
    assert trend.get_suptitle() == "Social evaluation index over time"
    (section,) = trend.subfigs
    assert section.get_suptitle() == "Districts"
    assert [ax.get_title(loc="left") for ax in section.axes if ax.get_visible()] == ["丙单位", "Unit A", "乙单位"]
    assert [t.get_text() for t in section.legends[0].get_texts()] == [
        "This unit", "95% confidence interval", "Mean of the peer group", "Other units of the peer group"]
    ax = ranked.axes[0]
    assert ax.get_title() == "Social evaluation index (95% confidence interval) · Districts"
    assert "Unit A (Good)" in [t.get_text().replace("（", " (").replace("）", ")") for t in ax.get_yticklabels()]
    assert funnel.axes[0].get_xlabel() == "Effective sample size (n_eff)"
    with app.test_request_context("/"):
        chinese = chart_figure(db, run, "trend", peer_group="G")
    assert chinese.get_suptitle() == "社会评价指数趋势"
    assert [t.get_text() for t in chinese.subfigs[0].legends[0].get_texts()][0] == "本单位"


def test_chinese_pages_have_no_english_words_of_their_own(client, city):
    """Every word of the Chinese pages comes from the catalog; left in Latin letters are only the
    index's name (SI), the data format (JSON), the brand (Minyi), the switch to English and what
    the office typed (the decisions' reasons of tests/office/fixtures.py: "test: confirm X")."""
    allowed = {"SI", "JSON", "Minyi", "English", "test", "confirm", "q1", "q2", "q3"}
    for path in ("/results", "/results/2026-Q3", "/results/unit/A", f"/results/run/{city.q4_old}"):
        page = client.get(path).get_data(as_text=True)
        words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]+", text_of(page.split("<body", 1)[1].split(">", 1)[1])))
        assert words <= allowed, (path, words - allowed)


def test_an_annual_run_is_a_period_of_its_own(client, db, city):
    from survey.evaluation.periods import evaluate_year_run
    from survey.evaluation.settings import RunSettings
    from tests.office.fixtures import publish_decided

    year = evaluate_year_run(db, 2026, RunSettings.for_period("annual"), "office1")
    db.commit()
    publish_decided(db, year.id)
    db.commit()
    index = client.get("/results.json").get_json()
    assert [(p["period"], p["kind"]) for p in index["periods"]] == [
        ("2026-Q4", "quarter"), ("2026-Q3", "quarter"), ("2026", "year")]
    assert "2026年度 社会评价结果" in text_of(client.get("/results/2026").get_data(as_text=True))
    assert "最新：2026年第4季度" in text_of(client.get("/results").get_data(as_text=True))  # quarters first
    unit = client.get("/results/unit/A.json").get_json()
    assert [q["period"] for q in unit["quarters"]] == ["2026-Q3", "2026-Q4"]
    assert [y["period"] for y in unit["years"]] == ["2026"]
    assert "各年度结果" in text_of(client.get("/results/unit/A").get_data(as_text=True))
