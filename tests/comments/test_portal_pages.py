"""The unit portal and the office's explorer as their readers see them: redaction in pages and
files, the k rule on the portal (a cell of 4 hidden, nothing recoverable by difference), the
published results, and wave comments kept from units."""

from __future__ import annotations

import pytest

from tests.comments.city import (
    FORMULA_COMMENT,
    IDENTIFIER_COMMENTS,
    ORDINARY_COMMENT,
    SMALL_CELL_COMMENT,
    WAVE_COMMENT,
    build_comment_city,
    create_unit_user,
)
from tests.comments.web import breakdown_rows, csv_rows, use_english, visible_text, xlsx_rows

MASKS = {"phone": "［电话已隐去］", "id_card": "［身份证号已隐去］", "email": "［邮箱已隐去］",
         "plate": "［车牌已隐去］", "bank_card": "［银行卡号已隐去］"}
ORDINARY_NUMBERS = ("2026年12月4日", "12000元", "3栋2单元501", "12345热线")


@pytest.fixture
def city(db):
    city = build_comment_city(db, previous=True)
    create_unit_user(db, "east1", ["D1"])
    return city


def _as_unit(client, auth) -> None:
    assert auth.login("east1").status_code == 303
    use_english(client)


def _assert_redacted(text: str) -> None:
    for _comment, raw, kind in IDENTIFIER_COMMENTS:
        assert raw not in text, raw
        assert MASKS[kind] in text, kind
    for number in ORDINARY_NUMBERS:
        assert number in text, number


def test_every_identifier_is_masked_on_the_portal_and_ordinary_numbers_stay(client, auth, city) -> None:
    _as_unit(client, auth)
    unit = city.units["D1"]
    page = client.get(f"/unit/{unit}/comments?period=2026-Q4")
    assert page.status_code == 200
    text = visible_text(page.get_data(as_text=True))
    _assert_redacted(text)
    assert ORDINARY_COMMENT in text
    # the page says what was masked: 3 phone numbers (mobile, +86 mobile, landline), one of each other kind
    for kind_words in ("3 phone numbers", "1 ID card numbers", "1 e-mail addresses", "1 licence plates",
                       "1 bank card numbers"):
        assert kind_words in text


def test_every_identifier_is_masked_in_the_units_csv_and_xlsx(client, auth, city) -> None:
    _as_unit(client, auth)
    unit = city.units["D1"]
    csv_file = client.get(f"/unit/{unit}/comments.csv?period=2026-Q4")
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
    assert "attachment" in csv_file.headers["Content-Disposition"]
    rows = csv_rows(csv_file.data)
    assert list(rows[0]) == ["period", "unit_code", "unit_name", "score", "satisfaction", "comment"]
    _assert_redacted("\n".join(r["comment"] for r in rows))
    xlsx = client.get(f"/unit/{unit}/comments.xlsx?period=2026-Q4")
    assert xlsx.status_code == 200
    sheet = xlsx_rows(xlsx.data)
    _assert_redacted("\n".join(str(r["comment"]) for r in sheet))
    assert len(sheet) == len(rows)
    # formula-safe: the comment that starts with "=" is text, not a formula
    formula = [r["comment"] for r in rows if "HYPERLINK" in r["comment"]]
    assert formula == ["'" + FORMULA_COMMENT]
    assert [r["comment"] for r in sheet if "HYPERLINK" in str(r["comment"])] == ["'" + FORMULA_COMMENT]


def test_every_identifier_is_masked_in_the_office_explorer_and_its_files(client, auth, city) -> None:
    auth.login_as("office")
    use_english(client)
    wave, unit = city.waves["2026-Q4"], city.units["D1"]
    page = client.get(f"/office/comments/waves/{wave}/units/{unit}")
    assert page.status_code == 200
    _assert_redacted(visible_text(page.get_data(as_text=True)))
    rows = csv_rows(client.get(f"/office/comments/waves/{wave}/units/{unit}.csv").data)
    assert list(rows[0]) == ["period", "unit_code", "unit_name", "question", "score", "satisfaction",
                             "weight", "stratum", "comment"]
    _assert_redacted("\n".join(r["comment"] for r in rows))
    sheet = xlsx_rows(client.get(f"/office/comments/waves/{wave}/units/{unit}.xlsx").data)
    _assert_redacted("\n".join(str(r["comment"]) for r in sheet))
    # the office reads every comment, the small cell's too
    assert SMALL_CELL_COMMENT in [r["comment"] for r in rows]
    assert len(rows) == len(sheet) == 27


def test_a_cell_of_four_is_hidden_from_the_unit_everywhere(client, auth, city) -> None:
    _as_unit(client, auth)
    unit = city.units["D1"]
    pages = [client.get(f"/unit/{unit}/comments?period=2026-Q4&mood={mood}").get_data(as_text=True)
             for mood in ("all", "dissatisfied", "satisfied")]
    pages.append(client.get(f"/unit/{unit}/comments?period=2026-Q4&q=红绿灯").get_data(as_text=True))
    files = [client.get(f"/unit/{unit}/comments.csv?period=2026-Q4").data.decode("utf-8"),
             str(xlsx_rows(client.get(f"/unit/{unit}/comments.xlsx?period=2026-Q4").data))]
    for content in pages + files:
        assert SMALL_CELL_COMMENT not in content
    assert "0 comments, least satisfied first." in visible_text(pages[3])  # searching for it finds nothing
    text = visible_text(pages[0])
    # 6 comments aged 30-49 and 20 aged 50+; the one of the 4 aged 18-29 is not shown
    assert "26 comments about your unit in 2026-Q4" in text
    assert len(csv_rows(files[0].encode("utf-8"))) == 26


def test_the_breakdown_hides_the_small_cell_and_its_complement(client, auth, city) -> None:
    _as_unit(client, auth)
    page = client.get(f"/unit/{city.units['D1']}/?period=2026-Q4").get_data(as_text=True)
    rows = breakdown_rows(page, "Age band")
    assert rows["18-29"] == "not shown"
    assert rows["30-49"] == "not shown"  # hidden with it: else 36 − 20 − 12 = 4
    assert rows["50+"].startswith("20 ")
    assert rows["All respondents"].startswith("36 ")
    # what the page shows leaves 16 respondents in two hidden groups: the 4 cannot be recovered
    shown = sum(int(v.split()[0]) for k, v in rows.items() if k not in ("All respondents",) and v != "not shown")
    assert 36 - shown == 16
    assert "Groups marked “not shown” have fewer than 5 respondents" in visible_text(page)


def test_the_office_sees_the_small_cell_the_unit_does_not(client, auth, city) -> None:
    auth.login_as("office")
    use_english(client)
    page = client.get(f"/office/comments/waves/{city.waves['2026-Q4']}/units/{city.units['D1']}")
    text = visible_text(page.get_data(as_text=True))
    assert SMALL_CELL_COMMENT in text
    assert "27 comments from 36 respondents" in text


def test_the_portal_shows_the_units_published_result_trend_and_items(client, auth, city, db) -> None:
    from sqlalchemy import select

    from survey.models import EvaluationResult

    _as_unit(client, auth)
    page = client.get(f"/unit/{city.units['D1']}/").get_data(as_text=True)
    text = visible_text(page)
    row = db.scalar(select(EvaluationResult).where(EvaluationResult.run_id == city.runs["2026-Q4"],
                                                   EvaluationResult.unit_code == "D1"))
    assert "East Lake District · 2026-Q4" in text
    assert f"{row.si:.1f}" in text and f"{row.si_ci_low:.1f}–{row.si_ci_high:.1f}" in text
    assert "of 2 units" in text
    # the trend has both published quarters, the items both scored questions
    assert "2026-Q3" in text and "Overall" in text and "Attitude" in text
    assert "West Lake District" not in text  # nothing of the other unit


def test_the_unit_never_sees_wave_comments_and_reads_rising_themes(client, auth, city) -> None:
    _as_unit(client, auth)
    page = client.get(f"/unit/{city.units['D1']}/comments").get_data(as_text=True)
    text = visible_text(page)
    assert WAVE_COMMENT not in text
    assert "Words mentioned more than in 2026-Q3." in text
    assert "Keywords" in text


def test_the_office_explorer_lists_units_and_reads_wave_comments(client, auth, city) -> None:
    auth.login_as("admin")
    use_english(client)
    wave = city.waves["2026-Q4"]
    overview = visible_text(client.get(f"/office/comments/waves/{wave}").get_data(as_text=True))
    assert "D1 East Lake District 36 27" in overview and "D2 West Lake District 25 12" in overview
    assert f"final weights of published run {city.runs['2026-Q4']}" in overview
    general = visible_text(client.get(f"/office/comments/waves/{wave}/general").get_data(as_text=True))
    assert WAVE_COMMENT in general


def test_a_period_without_a_published_run_is_not_found_for_the_unit(client, auth, city) -> None:
    _as_unit(client, auth)
    assert client.get(f"/unit/{city.units['D1']}/comments?period=2027-Q1").status_code == 404
    assert client.get(f"/unit/{city.units['D1']}/comments.txt?period=2026-Q4").status_code == 404


def test_before_publication_the_portal_shows_nothing_but_says_why(client, auth, db) -> None:
    city = build_comment_city(db, publish=False)
    create_unit_user(db, "east1", ["D1"])
    _as_unit(client, auth)
    page = visible_text(client.get(f"/unit/{city.units['D1']}/comments").get_data(as_text=True))
    assert "No published results yet" in page
    assert "排队时间太长了" not in page
    assert client.get(f"/unit/{city.units['D1']}/comments.csv").status_code == 404
