"""Driving the citizen's pages with the test client, as a browser without JavaScript would."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import csrf_from

ABOUT = {"district": "D01", "age_band": "30-39", "sex": "f", "gov_staff": "no", "departments": ["H02"]}
RATING = {"sat_overall": "4", "sat_attitude": "5", "sat_efficiency": "4", "sat_integrity": "3",
          "sat_openness": "9", "comment": ""}


def begin_open(client: FlaskClient, wave_id: int) -> str:
    """Start an open-link survey; returns the first page's URL."""
    page = client.get(f"/s/{wave_id}")
    assert page.status_code == 200, page.get_data(as_text=True)[:400]
    response = client.post(f"/s/{wave_id}/begin", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 303
    return response.headers["Location"]


def enter_code(client: FlaskClient, code: str):
    """Type ``code`` on the home page; a refused code is followed to the page that says why."""
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/s/code", data={"code": code, "csrf_token": token})
    if response.status_code == 303 and response.headers["Location"].endswith("/s/code"):
        return client.get(response.headers["Location"])
    return response


def post_page(client: FlaskClient, url: str, answers: dict, **extra: str):
    """Send a page as its 下一页 button does (``action=back`` in ``extra`` for 上一页)."""
    html = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "action": "next", **answers, **extra}
    return client.post(url, data=data)


def refused(response, url: str) -> bool:
    """Whether a page's POST was refused: the redirect leads back to the same page."""
    return response.status_code == 303 and response.headers["Location"] == url


def answer_all(client: FlaskClient, first_url: str, about: dict | None = None,
               rating: dict | None = None, last_extra: dict | None = None):
    """Answer every page (respondent page, then one rating page per unit); returns the last
    response (a refused page's redirect, a status page or the redirect to the thank-you page)."""
    response = post_page(client, first_url, about or ABOUT)
    assert response.status_code == 303, response.get_data(as_text=True)[:600]
    while "/p/" in response.headers["Location"] and not refused(response, first_url):
        url = response.headers["Location"]
        response = post_page(client, url, rating or RATING, **(last_extra or {}))
        assert response.status_code in (303, 403, 409, 410), response.status_code
        if response.status_code != 303 or refused(response, url):
            return response
    return response
