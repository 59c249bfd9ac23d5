"""Every admin endpoint: anonymous → login, office/viewer/unit → 403, POST without CSRF → 400.

The endpoints are read from ``app.url_map``, so pages added later are covered automatically.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from app import create_app


def _admin_rules(methods: str) -> list[tuple[str, str]]:
    app: Flask = create_app({"ENVIRON": {"MINYI_ENV": "testing", "MINYI_DATABASE_URL": "sqlite://",
                                         "MINYI_SECRET_KEY": "x" * 32}})
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or methods not in (rule.methods or set()):
            continue
        path = re.sub(r"<(?:(\w+):)?(\w+)>",
                      lambda m: "1" if m.group(1) in ("int", "dbid") else "0", rule.rule)
        out.append((rule.endpoint, path))
    app.extensions["minyi_engine"].dispose()
    return sorted(set(out))


GET_PAGES = _admin_rules("GET")
POST_ACTIONS = _admin_rules("POST")


def test_the_walk_finds_the_admin_pages() -> None:
    endpoints = {endpoint for endpoint, _path in GET_PAGES + POST_ACTIONS}
    assert {"admin.units", "admin.builder", "admin.wave", "admin.codes_issue",
            "admin.questionnaire_upload", "admin.version_publish"} <= endpoints


@pytest.mark.parametrize("role", ["anonymous", "office", "viewer", "unit"])
def test_every_admin_page_refuses_anonymous_office_viewer_and_unit(client, auth, role: str) -> None:
    if role != "anonymous":
        auth.login_as(role)
    wrong = {}
    for endpoint, path in GET_PAGES:
        response = client.get(path)
        if role == "anonymous":
            if response.status_code != 302 or "/login" not in response.headers["Location"]:
                wrong[endpoint] = response.status_code
        elif response.status_code != 403:
            wrong[endpoint] = response.status_code
    assert not wrong


def test_every_admin_post_without_csrf_token_is_rejected(client, auth) -> None:
    auth.login_as("admin")
    wrong = {endpoint: status for endpoint, path in POST_ACTIONS
             if (status := client.post(path, data={"name": "x"}).status_code) != 400}
    assert not wrong
    auth.logout()
    token = auth.csrf("/login")
    wrong = {endpoint: status for endpoint, path in POST_ACTIONS
             if (status := client.post(path, data={"csrf_token": token}).status_code) != 302}
    assert not wrong, "anonymous POST with a token must go to the login page"


def test_every_admin_page_renders_for_an_admin(client, auth, wave_id: int) -> None:
    auth.login_as("admin")
    statuses = {endpoint: client.get(path).status_code for endpoint, path in GET_PAGES}
    assert all(status in (200, 404, 409) for status in statuses.values()), statuses
    assert statuses["admin.units"] == statuses["admin.wave"] == statuses["admin.version"] == 200
    assert statuses["admin.builder"] == 409  # version 1 is published: refused
