"""Shared fixtures (after flaskr's conftest): ``app``, ``client``, ``runner``, ``auth``, ``db``.

The database is SQLite unless ``MINYI_TEST_DATABASE_URL`` names another one (the test command
points it at a throw-away PostgreSQL database). The schema is built once per run with the Alembic
migrations; SQLite tests each get a copy of that file, PostgreSQL tests truncate every table
afterwards. Tests that use a database are marked ``db`` automatically, so that the PostgreSQL
pass runs only them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.dbsupport import (
    DB_FIXTURES,
    migrate_to_head,
    test_database_url,
    truncate_all,
)

TEST_SECRET = "test-secret-key-0123456789abcdef"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def _schema(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The migrated template database: a SQLite file path, or the PostgreSQL URL."""
    url = test_database_url()
    if url:
        migrate_to_head(url)
        return url
    template = tmp_path_factory.mktemp("template") / "template.db"
    migrate_to_head(f"sqlite:///{template}")
    return str(template)


@pytest.fixture
def database_url(_schema: str, tmp_path: Path) -> Iterator[str]:
    if _schema.startswith("postgresql"):
        yield _schema
        truncate_all(_schema)
        return
    path = tmp_path / "minyi.db"
    shutil.copyfile(_schema, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    from app import create_app
    from app.collect import _page_cache

    # the PostgreSQL pass empties one database between tests: ids and names come back
    _page_cache.clear()

    application = create_app(
        {
            "ENVIRON": {
                "MINYI_ENV": "testing",
                "MINYI_DATABASE_URL": database_url,
                "MINYI_SECRET_KEY": TEST_SECRET,
            },
        }
    )
    yield application
    application.extensions["minyi_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session on the test database, outside any request (the test commits itself)."""
    session = app.extensions["minyi_sessions"]()
    yield session
    session.rollback()
    session.close()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class AuthActions:
    """Create users and log in through the real login form."""

    def __init__(self, client: FlaskClient, app: Flask) -> None:
        self._client = client
        self._app = app

    def create(self, username: str, role: str, password: str = "correct horse battery") -> None:
        from survey.accounts import create_user

        session = self._app.extensions["minyi_sessions"]()
        try:
            create_user(session, username, role, password, actor="test")
            session.commit()
        finally:
            session.close()

    def csrf(self, path: str = "/login") -> str:
        return csrf_from(self._client.get(path).get_data(as_text=True))

    def login(self, username: str = "admin1", password: str = "correct horse battery"):
        token = self.csrf("/login")
        return self._client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )

    def login_as(self, role: str) -> None:
        username = f"{role}1"
        self.create(username, role)
        response = self.login(username)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]

    def logout(self):
        return self._client.post("/logout", data={"csrf_token": self.csrf("/")})


@pytest.fixture
def auth(client: FlaskClient, app: Flask) -> AuthActions:
    return AuthActions(client, app)


@pytest.fixture
def raw_sql(database_url: str):
    """Run raw SQL against the test database (for triggers and tamper tests)."""
    from survey.db import make_engine

    engine = make_engine(database_url)

    def run(sql: str, **params: object):
        with engine.begin() as conn:
            return conn.execute(text(sql), params)

    yield run
    engine.dispose()
