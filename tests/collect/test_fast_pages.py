"""Cached pages answered before Flask (app.collect._fast_pages): the same response as Flask's,
and only when nothing but the cached page could be the answer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.collect import _fast_pages, _page_cache
from app.security import signed_csrf_token
from tests.collect.web import ABOUT, begin_open, post_page
from tests.conftest import csrf_from


@pytest.fixture
def answered(monkeypatch):
    """Records which requests the middleware answered itself."""
    hits: list[str] = []
    page = _fast_pages.FastPages.page

    def spy(self, environ):  # noqa: ANN001, ANN202
        html = page(self, environ)
        if html is not None:
            hits.append(environ["PATH_INFO"])
        return html

    monkeypatch.setattr(_fast_pages.FastPages, "page", spy)
    return hits


def _through_flask(client, url, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(_fast_pages.FastPages, "page", lambda self, environ: None)
        return client.get(url)


def _same(fast, slow) -> None:
    assert fast.status_code == slow.status_code == 200
    assert fast.get_data() == slow.get_data()
    without_date = {k: v for k, v in slow.headers.items() if k != "Date"}
    assert dict(fast.headers.items()) == without_date
    assert "Set-Cookie" not in fast.headers


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("large", [False, True])
def test_the_fast_answer_is_flasks_answer_byte_for_byte(client, db, city, answered, monkeypatch,
                                                       language, large):
    client.set_cookie("minyi_lang", language)
    if large:
        client.set_cookie("minyi_large", "1")
    first_url = begin_open(client, city.waves["open"])
    assert post_page(client, first_url, ABOUT).status_code == 303
    second_url = first_url.replace("/p/0", "/p/1")
    for url in (first_url, second_url):
        slow = _through_flask(client, url, monkeypatch)  # renders and fills the cache
        fast = client.get(url)
        assert answered[-1] == url
        _same(fast, slow)
    # what the citizen typed is on the fast page, and its CSRF token is accepted
    page = client.get(first_url).get_data(as_text=True)
    assert 'value="D01" id="q-district" checked' in page
    assert ('<html lang="en">' in page) == (language == "en")
    assert post_page(client, first_url, {**ABOUT, "district": "D02"}).status_code == 303
    assert 'value="D02" id="q-district-1" checked' in client.get(first_url).get_data(as_text=True)


def test_the_fast_page_carries_this_citizens_tokens(app, db, city, answered):
    anna, ben = app.test_client(), app.test_client()
    anna_url, ben_url = begin_open(anna, city.waves["open"]), begin_open(ben, city.waves["open"])
    anna.get(anna_url)
    anna_page = anna.get(anna_url).get_data(as_text=True)
    ben_page = ben.get(ben_url).get_data(as_text=True)  # the same page, from the cache
    assert answered == [anna_url, ben_url]
    assert csrf_from(anna_page) != csrf_from(ben_page)
    with ben.session_transaction() as session:
        assert f'value="{session["survey"]["id"]}"' in ben_page
        raw = session["csrf_token"]
    assert csrf_from(ben_page) == signed_csrf_token(app.config["SECRET_KEY"], raw)


def test_requests_that_may_differ_go_to_flask(app, client, db, city, auth, answered):
    wave = city.waves["open"]
    url = begin_open(client, wave)
    client.get(url)
    assert client.get(url).status_code == 200 and answered == [url]
    answered.clear()
    client.get(url + "?lang=en")  # a query string
    client.head(url)
    client.post(url, data={"csrf_token": "x"})
    client.get(f"/s/{wave}/p/00")  # not Flask's spelling of the page number
    assert answered == []
    # a flash message waiting in the session
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "保存成功")]
    assert "保存成功" in client.get(url).get_data(as_text=True)
    assert answered == []
    # a signed-in administrator
    auth.login_as("admin")
    client.get(url)
    assert answered == []


def test_a_forged_or_expired_cookie_is_not_trusted(app, client, db, city, answered):
    url = begin_open(client, city.waves["open"])
    client.get(url)
    cookie = client.get_cookie("session").value
    forged = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    client.set_cookie("session", forged)
    response = client.get(url)
    assert answered == [] and response.status_code == 303  # no survey: back to the start
    client.set_cookie("session", cookie)
    assert client.get(url).status_code == 200 and answered == [url]
    app.permanent_session_lifetime = timedelta(seconds=-1)
    answered.clear()
    assert client.get(url).status_code == 303 and answered == []


def test_a_closed_wave_is_not_served_from_the_cache(client, db, city, answered, monkeypatch):
    from sqlalchemy import update

    from survey.models import Wave, WaveState

    monkeypatch.setattr(_page_cache, "WAVE_TTL_S", 0.0)
    url = begin_open(client, city.waves["open"])
    client.get(url)
    db.execute(update(Wave).where(Wave.id == city.waves["open"]).values(state=WaveState.CLOSED))
    db.commit()
    response = client.get(url)
    assert answered == [] and "name=\"district\"" not in response.get_data(as_text=True)
