"""Login, logout, roles (deny by default) and the security headers seen by a browser."""

from __future__ import annotations

import pytest

GENERIC = "The username or password is not correct."


def test_login_page_is_chinese_by_default(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page
    assert 'lang="zh-CN"' in page


def test_wrong_password_and_unknown_user_get_the_same_generic_error(client, auth) -> None:
    auth.create("admin1", "admin")
    wrong_pw = client.post("/login?lang=en", data={
        "username": "admin1", "password": "not the password", "csrf_token": auth.csrf()})
    unknown = client.post("/login?lang=en", data={
        "username": "nobody", "password": "not the password", "csrf_token": auth.csrf()})
    assert wrong_pw.status_code == unknown.status_code == 401
    assert GENERIC in wrong_pw.get_data(as_text=True)
    assert GENERIC in unknown.get_data(as_text=True)


def test_login_then_dashboard_then_logout(client, auth) -> None:
    auth.create("admin1", "admin")
    response = auth.login("admin1")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/")
    assert "管理" in client.get("/admin/").get_data(as_text=True)
    public_page = client.get("/privacy").get_data(as_text=True)
    assert '<li class="user">admin1' in public_page  # signed in on a public page too
    auth.logout()
    assert client.get("/admin/").status_code == 302
    assert 'class="main-nav"' not in client.get("/privacy").get_data(as_text=True)


def test_anonymous_admin_request_redirects_to_login(client) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login?next=/admin/" in response.headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "office", "unit"])
def test_other_roles_cannot_reach_admin_pages(client, auth, role) -> None:
    auth.login_as(role)
    assert client.get("/admin/").status_code == 403


def test_a_unit_user_reaches_its_portal_but_not_the_office(client, auth) -> None:
    auth.login_as("unit")
    assert client.get("/office/").status_code == 403
    assert client.get("/unit/").status_code == 200


def test_viewer_reaches_the_office_overview(client, auth) -> None:
    auth.login_as("viewer")
    assert client.get("/office/").status_code == 200


def test_post_without_csrf_token_is_rejected(client, auth) -> None:
    auth.create("admin1", "admin")
    response = client.post("/login", data={"username": "admin1", "password": "correct horse battery"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True) or "expired" in response.get_data(as_text=True)


def test_open_redirect_is_refused(client, auth) -> None:
    auth.create("admin1", "admin")
    response = client.post("/login?next=//evil.example/x", data={
        "username": "admin1", "password": "correct horse battery", "csrf_token": auth.csrf()})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/")


def test_login_is_rate_limited(app, client, auth) -> None:
    auth.create("admin1", "admin")
    codes = [
        client.post("/login", data={"username": "admin1", "password": "wrong password!",
                                    "csrf_token": auth.csrf()}).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429


def test_security_headers(client) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_flags(client, auth) -> None:
    auth.create("admin1", "admin")
    response = auth.login("admin1")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_request_body_size_is_limited(client) -> None:
    response = client.post("/login", data={"username": "x" * (9 * 1024 * 1024)})
    assert response.status_code == 413


def test_create_user_cli(runner, tmp_path) -> None:
    pw = tmp_path / "pw"
    pw.write_text("a long enough password\n")
    result = runner.invoke(args=["create-user", "office2", "--role", "office", "--password-file", str(pw)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].isdigit()
    again = runner.invoke(args=["create-user", "office2", "--role", "office", "--password-file", str(pw)])
    assert again.exit_code == 1
    bad = runner.invoke(args=["create-user", "x", "--role", "office", "--password-file", str(pw)])
    assert bad.exit_code == 1
    usage = runner.invoke(args=["create-user", "y", "--role", "king"])
    assert usage.exit_code == 2
