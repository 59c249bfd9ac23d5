"""``next`` accepts same-site relative paths only (DESIGN §10): an open-redirect corpus."""

from __future__ import annotations

import pytest

#: Targets a browser would take off the site (tabs and newlines are dropped by browsers).
HOSTILE = ["/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "//evil.example",
           "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "/%20/evil.example",
           "%2F%2Fevil.example", "/%5C/evil.example", "evil.example", "/%7F/evil.example"]


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_never_leaves_the_site(client, target):
    location = client.get(f"/lang/en?next={target}").headers["Location"]
    assert location == "/"


@pytest.mark.parametrize("target", HOSTILE)
def test_large_text_switch_never_leaves_the_site(client, target):
    location = client.get(f"/s/large?next={target}").headers["Location"]
    assert location == "/"


def test_a_same_site_path_is_kept(client):
    assert client.get("/lang/en?next=/s/3/p/1%3Fa%3D1").headers["Location"] == "/s/3/p/1?a=1"


def test_login_never_sends_the_user_off_the_site(client, auth):
    auth.create("admin1", "admin")
    for target in HOSTILE[:9]:  # logins are rate-limited (10 per minute)
        token = auth.csrf("/login")
        response = client.post(f"/login?next={target}", data={
            "username": "admin1", "password": "correct horse battery", "csrf_token": token})
        location = response.headers.get("Location", "")
        assert location.startswith("/") and not location.startswith("//"), (target, location)
        assert "evil" not in location
        auth.logout()
