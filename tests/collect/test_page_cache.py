"""The cache of rendered questionnaire pages: identical to a fresh render, never shared wrongly."""

from __future__ import annotations

import re
import time

from sqlalchemy import event, update

from app.collect import _page_cache
from survey.models import Wave, WaveState
from tests.collect.web import ABOUT, begin_open, post_page
from tests.conftest import csrf_from

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CLIENT = re.compile(r'name="client_submission_id" value="([^"]+)"')


def _without_tokens(html: str) -> str:
    return CSRF.sub("CSRF", html)


def test_second_view_comes_from_the_cache_and_equals_a_fresh_render(client, db, city):
    _page_cache.clear()
    first_url = begin_open(client, city.waves["open"])
    fresh = client.get(first_url).get_data(as_text=True)
    assert len(_page_cache._pages) == 1
    cached = client.get(first_url).get_data(as_text=True)
    assert _without_tokens(cached) == _without_tokens(fresh)
    assert _page_cache.CSRF_SLOT not in cached and _page_cache.CLIENT_SLOT not in cached
    _page_cache.clear()
    again = client.get(first_url).get_data(as_text=True)
    assert _without_tokens(again) == _without_tokens(cached)
    # the token filled into a cached page is this citizen's own and is accepted
    response = client.post(first_url, data={"csrf_token": csrf_from(cached), **ABOUT})
    assert response.status_code == 303


def test_citizens_share_a_page_only_when_their_answers_are_the_same(app, db, city):
    _page_cache.clear()
    anna, ben = app.test_client(), app.test_client()
    anna_url = begin_open(anna, city.waves["open"])
    ben_url = begin_open(ben, city.waves["open"])
    assert post_page(anna, anna_url, ABOUT).status_code == 303
    anna_page = anna.get(anna_url).get_data(as_text=True)  # her answers, pre-filled
    ben_page = ben.get(ben_url).get_data(as_text=True)  # nothing answered yet
    assert 'value="D01" id="q-district" checked' in anna_page
    assert " checked" not in ben_page
    ben_again = ben.get(ben_url).get_data(as_text=True)  # a cache hit
    assert " checked" not in ben_again
    assert CLIENT.search(ben_again).group(1) == CLIENT.search(ben_page).group(1)
    assert CLIENT.search(ben_again).group(1) != CLIENT.search(anna_page).group(1)
    assert CSRF.search(ben_again).group(1) != CSRF.search(anna_page).group(1)


def test_a_page_shown_again_needs_no_database_query(app, client, db, city):
    first_url = begin_open(client, city.waves["open"])
    client.get(first_url)
    statements: list[str] = []
    engine = app.extensions["minyi_engine"]

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        again = client.get(first_url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert again.status_code == 200 and 'name="district"' in again.get_data(as_text=True)
    assert statements == []


def test_a_renamed_or_closed_wave_shows_once_its_copy_expires(client, db, city, monkeypatch):
    monkeypatch.setattr(_page_cache, "WAVE_TTL_S", 0.05)
    first_url = begin_open(client, city.waves["open"])
    client.get(first_url)
    db.execute(update(Wave).where(Wave.id == city.waves["open"]).values(name="二〇二六年第四季度调查"))
    db.commit()
    time.sleep(0.1)
    assert "二〇二六年第四季度调查" in client.get(first_url).get_data(as_text=True)
    db.execute(update(Wave).where(Wave.id == city.waves["open"]).values(state=WaveState.CLOSED))
    db.commit()
    time.sleep(0.1)
    assert client.get(first_url).status_code == 410


def test_language_and_text_size_have_their_own_pages(client, db, city):
    first_url = begin_open(client, city.waves["open"])
    chinese = client.get(first_url).get_data(as_text=True)
    english = client.get(first_url + "?lang=en").get_data(as_text=True)
    assert 'lang="zh-CN"' in chinese and "<html lang=\"en\"" in english
    client.set_cookie("minyi_large", "1")
    assert "large-text" in client.get(first_url).get_data(as_text=True)
    assert "large-text" not in chinese
