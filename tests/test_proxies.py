"""The client's real address behind trusted proxies, and rate limits that need Redis (issue 17).

Behind nginx every request arrives from nginx's address: without ProxyFix the whole city shared
one login bucket and one burst source. ``MINYI_TRUSTED_PROXIES=N`` believes the last N entries of
X-Forwarded-For; anything a client writes further left is ignored, and with the default 0 the
header is ignored altogether.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from app.config import ConfigError, load_config
from tests.conftest import TEST_SECRET, csrf_from

NGINX = "127.0.0.1"


@pytest.fixture
def make_app(database_url: str) -> Iterator:
    apps: list[Flask] = []

    def build(**environ: str) -> Flask:
        from app import create_app

        application = create_app({"ENVIRON": {
            "MINYI_ENV": "testing", "MINYI_DATABASE_URL": database_url,
            "MINYI_SECRET_KEY": TEST_SECRET, "MINYI_LOGIN_RATE_LIMIT": "2 per minute", **environ}})
        apps.append(application)
        return application

    yield build
    for application in apps:
        application.extensions["minyi_engine"].dispose()


def _failed_login(app: Flask, forwarded_for: str) -> int:
    """One login with a wrong password from a client known to nginx as ``forwarded_for``."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=forwarded_for)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": "nobody", "password": "wrong password",
                                       "csrf_token": token}).status_code


def test_behind_one_trusted_proxy_each_citizen_has_their_own_bucket(make_app) -> None:
    app = make_app(MINYI_TRUSTED_PROXIES="1")
    assert [_failed_login(app, "198.51.100.1") for _ in range(3)] == [401, 401, 429]
    assert _failed_login(app, "198.51.100.2") == 401  # another citizen behind the same nginx


def test_a_client_cannot_escape_its_bucket_by_writing_x_forwarded_for(make_app) -> None:
    """nginx appends the real address: ``spoofed, real``; only the last entry is believed."""
    app = make_app(MINYI_TRUSTED_PROXIES="1")
    assert _failed_login(app, "198.51.100.1") == 401
    assert _failed_login(app, "10.9.9.9, 198.51.100.1") == 401
    assert _failed_login(app, "10.8.8.8, 198.51.100.1") == 429


def test_two_trusted_hops(make_app) -> None:
    app = make_app(MINYI_TRUSTED_PROXIES="2")  # load balancer, then nginx
    assert _failed_login(app, "9.9.9.9, 198.51.100.1, 10.0.0.2") == 401
    assert _failed_login(app, "8.8.8.8, 198.51.100.1, 10.0.0.3") == 401
    assert _failed_login(app, "198.51.100.1, 10.0.0.2") == 429
    assert _failed_login(app, "198.51.100.2, 10.0.0.2") == 401


def test_without_trusted_proxies_the_header_is_ignored(make_app) -> None:
    app = make_app()
    assert app.config["TRUSTED_PROXIES"] == 0
    assert _failed_login(app, "198.51.100.1") == 401
    assert _failed_login(app, "198.51.100.2") == 401
    assert _failed_login(app, "198.51.100.3") == 429  # every request came from 127.0.0.1


def test_the_session_is_bound_to_the_forwarded_address(make_app) -> None:
    from survey.accounts import create_user

    app = make_app(MINYI_TRUSTED_PROXIES="1", MINYI_LOGIN_RATE_LIMIT="100 per minute")
    session = app.extensions["minyi_sessions"]()
    create_user(session, "office1", "office", "correct horse battery", actor="test")
    session.commit()
    session.close()
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR="198.51.100.1")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": "office1", "password": "correct horse battery",
                                       "csrf_token": token}).status_code == 303
    assert client.get("/office/").status_code == 200
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.5"  # the cookie elsewhere
    assert client.get("/office/").status_code == 302


def test_forwarded_https_is_believed_only_from_a_trusted_proxy(make_app) -> None:
    """Under ``MINYI_HTTPS=1`` Flask-WTF checks the Referer of HTTPS posts only: a post without
    one is refused when X-Forwarded-Proto comes from a trusted proxy, and the header is ignored
    (plain HTTP, a wrong password) when nobody is trusted."""
    for hops, status in (("1", 400), ("0", 401)):
        app = make_app(MINYI_TRUSTED_PROXIES=hops, MINYI_HTTPS="1")
        client = app.test_client()
        client.environ_base.update(HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="198.51.100.1")
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"username": "nobody", "password": "wrong password",
                                               "csrf_token": token})
        assert response.status_code == status, hops


@pytest.mark.parametrize("value", ["-1", "one", "6", "1.5", "²"])
def test_a_bad_number_of_trusted_proxies_refuses_to_start(value: str) -> None:
    with pytest.raises(ConfigError, match="MINYI_TRUSTED_PROXIES must be a whole number from 0 to 5"):
        load_config({"MINYI_ENV": "testing", "MINYI_SECRET_KEY": "t" * 40,
                     "MINYI_TRUSTED_PROXIES": value})


@pytest.mark.parametrize("value", ["0", "-5", "abc", "100000"])
def test_a_bad_idle_timeout_refuses_to_start(value: str) -> None:
    with pytest.raises(ConfigError, match="MINYI_IDLE_TIMEOUT_MINUTES"):
        load_config({"MINYI_ENV": "testing", "MINYI_SECRET_KEY": "t" * 40,
                     "MINYI_IDLE_TIMEOUT_MINUTES": value})


PRODUCTION = {"MINYI_ENV": "production", "MINYI_SECRET_KEY": "s" * 40}


def test_production_without_redis_says_so_loudly_on_every_start(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="app.config"):
        load_config(PRODUCTION)
        load_config(PRODUCTION)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert "MINYI_REDIS_URL is not set" in errors[0].getMessage()
    assert "N workers allow N times the limit" in errors[0].getMessage()


def test_with_redis_or_a_confirmed_single_worker_there_is_no_warning(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="app.config"):
        redis = load_config({**PRODUCTION, "MINYI_REDIS_URL": "redis://127.0.0.1:6379/0"})
        single = load_config({**PRODUCTION, "MINYI_REDIS_URL": "memory://"})
    assert caplog.records == []
    assert redis["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert single["REDIS_URL"] == "memory://"


def test_development_warns_and_testing_stays_quiet(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="app.config"):
        load_config({"MINYI_ENV": "testing", "MINYI_SECRET_KEY": "t" * 40})
        assert caplog.records == []
        load_config({"MINYI_ENV": "development", "MINYI_SECRET_KEY": "t" * 40})
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
