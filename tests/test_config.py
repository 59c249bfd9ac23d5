"""Configuration: the secret key is required outside development and testing."""

from __future__ import annotations

import pytest

from app.config import ConfigError, load_config


def test_production_without_secret_refuses_to_start() -> None:
    with pytest.raises(ConfigError, match="MINYI_SECRET_KEY is not set"):
        load_config({"MINYI_ENV": "production"})


def test_default_environment_is_production() -> None:
    with pytest.raises(ConfigError):
        load_config({})


def test_short_secret_refused_in_production() -> None:
    with pytest.raises(ConfigError, match="too short"):
        load_config({"MINYI_ENV": "production", "MINYI_SECRET_KEY": "abc"})


def test_unknown_environment_refused() -> None:
    with pytest.raises(ConfigError, match="MINYI_ENV must be one of"):
        load_config({"MINYI_ENV": "staging", "MINYI_SECRET_KEY": "x" * 40})


def test_production_settings() -> None:
    config = load_config({
        "MINYI_ENV": "production", "MINYI_SECRET_KEY": "s" * 40, "MINYI_HTTPS": "1",
        "MINYI_DATABASE_URL": "postgresql+psycopg://u@db/minyi", "MINYI_REDIS_URL": "redis://r:6379/0",
    })
    assert config["SECRET_KEY"] == "s" * 40
    assert config["DATABASE_URL"] == "postgresql+psycopg://u@db/minyi"
    assert config["REDIS_URL"] == "redis://r:6379/0"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["MAX_CONTENT_LENGTH"] == 8 * 1024 * 1024


def test_default_database_is_sqlite_under_instance() -> None:
    config = load_config({"MINYI_ENV": "testing", "MINYI_SECRET_KEY": "t" * 40})
    assert config["DATABASE_URL"].startswith("sqlite:///")
    assert config["DATABASE_URL"].endswith("instance/minyi.db")


def test_create_app_refuses_without_secret() -> None:
    from app import create_app

    with pytest.raises(ConfigError):
        create_app({"ENVIRON": {"MINYI_ENV": "production"}})


def test_a_secret_under_32_characters_is_refused_in_production() -> None:
    """The message asks for 32 characters; 16–31 were accepted before."""
    with pytest.raises(ConfigError, match="at least 32"):
        load_config({"MINYI_ENV": "production", "MINYI_SECRET_KEY": "x" * 31})
    assert load_config({"MINYI_ENV": "production", "MINYI_SECRET_KEY": "x" * 32})["SECRET_KEY"] == "x" * 32


def test_language_and_large_text_cookies_are_secure_under_https(database_url) -> None:
    from app import create_app
    from tests.conftest import TEST_SECRET

    app = create_app({"ENVIRON": {"MINYI_ENV": "testing", "MINYI_DATABASE_URL": database_url,
                                  "MINYI_SECRET_KEY": TEST_SECRET, "MINYI_HTTPS": "1"}})
    try:
        client = app.test_client()
        for path in ("/lang/en?next=/", "/s/large?on=1&next=/"):
            cookie = client.get(path, base_url="https://localhost").headers["Set-Cookie"]
            assert "Secure" in cookie and "HttpOnly" in cookie, (path, cookie)
    finally:
        app.extensions["minyi_engine"].dispose()
