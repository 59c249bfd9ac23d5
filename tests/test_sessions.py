"""Signed-in sessions end (issue 17, DESIGN §10): on logout and a password change (every session of
the user), after idle time, and away from the client they were issued to; the CSRF token changes
at login."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.auth.login_sessions import CLIENT_KEY, SEEN_KEY, VERSION_KEY
from tests.conftest import csrf_from

PASSWORD = "correct horse battery"


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _client_with(app: Flask, cookie: str, **environ: str) -> FlaskClient:
    other = app.test_client()
    if environ:
        other.environ_base.update(environ)
    other.set_cookie("session", cookie)
    return other


def _signed_in(client: FlaskClient) -> bool:
    response = client.get("/office/")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def test_a_cookie_saved_before_logout_is_refused_after_it(app, client, auth) -> None:
    auth.login_as("office")
    saved = _cookie(client)
    assert _signed_in(_client_with(app, saved))
    assert auth.logout().status_code == 303
    assert not _signed_in(client)
    assert not _signed_in(_client_with(app, saved))


def test_logout_ends_the_sessions_of_the_user_in_other_browsers(app, client, auth) -> None:
    auth.login_as("office")
    laptop = app.test_client()
    token = csrf_from(laptop.get("/login").get_data(as_text=True))
    assert laptop.post("/login", data={"username": "office1", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 303
    assert _signed_in(laptop)
    auth.logout()
    assert not _signed_in(laptop)
    # signing in again gives a working session
    assert auth.login("office1").status_code == 303
    assert _signed_in(client)


def test_logout_is_recorded_in_the_audit_log(app, client, auth, db) -> None:
    from sqlalchemy import select

    from survey.models import AuditLog

    auth.login_as("office")
    auth.logout()
    actions = db.scalars(select(AuditLog.action).where(AuditLog.actor == "office1")).all()
    assert "user.sessions_end" in actions


def _change(client: FlaskClient, current: str, new: str, confirm: str | None = None):
    page = client.get("/account/password")
    assert page.status_code == 200
    return client.post("/account/password", data={
        "current": current, "new": new, "confirm": new if confirm is None else confirm,
        "csrf_token": csrf_from(page.get_data(as_text=True))})


def test_a_password_change_ends_every_other_session_and_keeps_this_one(app, client, auth) -> None:
    auth.login_as("office")
    other = _client_with(app, _cookie(client))
    response = _change(client, PASSWORD, "a new and longer passphrase")
    assert response.status_code == 303
    assert _signed_in(client)
    assert not _signed_in(other)
    auth.logout()
    assert auth.login("office1", PASSWORD).status_code == 401
    assert auth.login("office1", "a new and longer passphrase").status_code == 303


@pytest.mark.parametrize(("current", "new", "confirm", "message"), [
    ("wrong password!", "a new and longer passphrase", None, "The current password is not correct."),
    (PASSWORD, "short", None, "A password needs at least 10 characters."),
    (PASSWORD, PASSWORD, None, "Choose a password different from the current one."),
    (PASSWORD, "a new and longer passphrase", "a different passphrase", "The two new passwords are not the same."),
])
def test_a_refused_password_change_says_why_and_changes_nothing(app, client, auth, current, new,
                                                               confirm, message) -> None:
    auth.login_as("office")
    other = _client_with(app, _cookie(client))
    client.get("/lang/en?next=/")  # the messages in English
    response = _change(client, current, new, confirm)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _signed_in(other)
    auth.logout()
    assert auth.login("office1", PASSWORD).status_code == 303


def test_the_password_page_needs_a_login(client) -> None:
    response = client.get("/account/password")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_csrf_token_changes_at_login(app, client, auth) -> None:
    auth.create("office1", "office")
    page = client.get("/login").get_data(as_text=True)
    before_token = csrf_from(page)
    with client.session_transaction() as session:
        before_raw = session["csrf_token"]
    response = client.post("/login", data={"username": "office1", "password": PASSWORD,
                                           "csrf_token": before_token})
    assert response.status_code == 303
    after_token = csrf_from(client.get("/office/").get_data(as_text=True))
    with client.session_transaction() as session:
        assert session["csrf_token"] != before_raw
    assert after_token != before_token
    # a form signed with the token from before the login is refused
    refused = client.post("/logout", data={"csrf_token": before_token})
    assert refused.status_code == 400
    assert _signed_in(client)
    assert client.post("/logout", data={"csrf_token": after_token}).status_code == 303


def test_an_idle_session_ends_with_a_message(app, client, auth) -> None:
    auth.login_as("office")
    assert app.config["IDLE_TIMEOUT_S"] == 30 * 60
    with client.session_transaction() as session:
        session[SEEN_KEY] -= 30 * 60 - 5  # 29 min 55 s ago: still valid
    assert _signed_in(client)
    with client.session_transaction() as session:
        session[SEEN_KEY] -= 30 * 60 + 5  # over 30 minutes without a request
    client.get("/lang/en?next=/")
    response = client.get("/office/")
    assert response.status_code == 302
    login = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out after 30 minutes without activity" in login
    with client.session_transaction() as session:
        assert "_user_id" not in session and VERSION_KEY not in session


def test_each_request_keeps_an_active_session_alive(app, client, auth) -> None:
    auth.login_as("office")
    with client.session_transaction() as session:
        session[SEEN_KEY] -= 20 * 60
    assert _signed_in(client)  # the request renews the last-seen time
    with client.session_transaction() as session:
        session[SEEN_KEY] -= 20 * 60
    assert _signed_in(client)


def test_the_idle_timeout_is_configurable(database_url) -> None:
    from app import create_app
    from tests.conftest import TEST_SECRET

    app = create_app({"ENVIRON": {"MINYI_ENV": "testing", "MINYI_DATABASE_URL": database_url,
                                  "MINYI_SECRET_KEY": TEST_SECRET, "MINYI_IDLE_TIMEOUT_MINUTES": "5"}})
    try:
        assert app.config["IDLE_TIMEOUT_S"] == 300
    finally:
        app.extensions["minyi_engine"].dispose()


def test_a_session_is_bound_to_its_client_address_and_browser(app, client, auth) -> None:
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    auth.login_as("office")
    cookie = _cookie(client)
    assert _signed_in(_client_with(app, cookie, REMOTE_ADDR="198.51.100.7"))
    assert not _signed_in(_client_with(app, cookie, REMOTE_ADDR="203.0.113.9"))
    other_browser = _client_with(app, cookie, REMOTE_ADDR="198.51.100.7")
    other_browser.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 other"
    assert not _signed_in(other_browser)


def test_a_spoofed_forwarded_for_does_not_unlock_a_stolen_cookie(app, client, auth) -> None:
    """Flask-Login's "strong" protection hashed the first X-Forwarded-For entry: a thief who
    wrote the victim's address there passed. Without trusted proxies the header is ignored."""
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    auth.login_as("office")
    thief = _client_with(app, _cookie(client), REMOTE_ADDR="203.0.113.9",
                         HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert not _signed_in(thief)


def test_a_session_from_before_this_change_is_refused(app, client, auth) -> None:
    """A session without a version (issued before the versions existed) must sign in again."""
    auth.login_as("office")
    with client.session_transaction() as session:
        del session[VERSION_KEY]
    assert not _signed_in(client)
    auth.login("office1")
    with client.session_transaction() as session:
        session[CLIENT_KEY] = "0" * 64
    assert not _signed_in(client)


def test_citizen_pages_set_no_login_keys(client) -> None:
    client.get("/")
    with client.session_transaction() as session:
        assert not any(re.match(r"_user_id|minyi_", key) for key in session)
