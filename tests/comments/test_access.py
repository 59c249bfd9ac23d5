"""Who reaches what: a unit user only its own units' portal (another unit's results, comments
or exports by id: 403), anonymous visitors the login page, the office and administrator every
unit, viewers no comment at all."""

from __future__ import annotations

import pytest

from tests.comments.city import build_comment_city, create_unit_user


@pytest.fixture
def city(db):
    city = build_comment_city(db)
    create_unit_user(db, "east1", ["D1"])
    return city


def _unit_paths(unit_id: int) -> list[str]:
    return [f"/unit/{unit_id}/", f"/unit/{unit_id}/?period=2026-Q4", f"/unit/{unit_id}/comments",
            f"/unit/{unit_id}/comments?period=2026-Q4&mood=dissatisfied",
            f"/unit/{unit_id}/comments.csv?period=2026-Q4", f"/unit/{unit_id}/comments.xlsx?period=2026-Q4"]


def test_a_unit_user_reaching_another_units_pages_by_id_gets_403(client, auth, city) -> None:
    assert auth.login("east1").status_code == 303
    for path in _unit_paths(city.units["D2"]):
        assert client.get(path).status_code == 403, path
    for path in _unit_paths(city.units["D1"]):
        assert client.get(path).status_code == 200, path


def test_a_unit_user_gets_403_for_ids_that_are_not_its_own_even_missing_ones(client, auth, city) -> None:
    auth.login("east1")
    assert client.get("/unit/999999/").status_code == 403
    assert client.get("/unit/999999/comments.csv").status_code == 403


def test_a_unit_user_reaches_neither_the_office_nor_the_administration(client, auth, city) -> None:
    auth.login("east1")
    wave = city.waves["2026-Q4"]
    for path in ("/office/", "/office/comments", f"/office/comments/waves/{wave}",
                 f"/office/comments/waves/{wave}/units/{city.units['D1']}",
                 f"/office/comments/waves/{wave}/units/{city.units['D1']}.csv",
                 f"/office/runs/{city.runs['2026-Q4']}", f"/office/runs/{city.runs['2026-Q4']}/export.csv",
                 "/admin/", "/admin/unit-users", "/admin/comment-terms"):
        assert client.get(path).status_code == 403, path


def test_anonymous_visitors_get_the_login_page(client, city) -> None:
    wave = city.waves["2026-Q4"]
    paths = ["/unit/", *_unit_paths(city.units["D1"]), "/office/comments",
             f"/office/comments/waves/{wave}/units/{city.units['D1']}.xlsx"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login?next=" in response.headers["Location"], path


def test_viewers_read_no_comment_and_no_portal(client, auth, city) -> None:
    auth.login_as("viewer")
    wave = city.waves["2026-Q4"]
    for path in ("/office/comments", f"/office/comments/waves/{wave}",
                 f"/office/comments/waves/{wave}/units/{city.units['D1']}.csv",
                 "/unit/", f"/unit/{city.units['D1']}/comments"):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("role", ["office", "admin"])
def test_the_office_and_administrator_see_every_unit(client, auth, city, role: str) -> None:
    auth.login_as(role)
    for unit_id in city.units.values():
        for path in _unit_paths(unit_id):
            assert client.get(path).status_code == 200, path
    wave = city.waves["2026-Q4"]
    for path in ("/office/comments", f"/office/comments/waves/{wave}",
                 f"/office/comments/waves/{wave}/units/{city.units['D2']}.csv"):
        assert client.get(path).status_code == 200, path
    assert client.get("/unit/999999/").status_code == 404


def test_a_unit_user_signs_in_to_its_portal(client, auth, city) -> None:
    response = auth.login("east1")
    assert response.headers["Location"].endswith("/unit/")
    home = client.get("/unit/")
    assert home.status_code == 302 and home.headers["Location"].endswith(f"/unit/{city.units['D1']}/")


def test_a_unit_user_of_two_units_chooses_and_reads_both(client, auth, city, db) -> None:
    create_unit_user(db, "both1", ["D1", "D2"])
    auth.login("both1")
    page = client.get("/unit/").get_data(as_text=True)
    assert f"/unit/{city.units['D1']}/" in page and f"/unit/{city.units['D2']}/" in page
    for unit_id in city.units.values():
        assert client.get(f"/unit/{unit_id}/comments").status_code == 200


def test_a_unit_user_without_units_is_told_to_ask_the_administrator(client, auth, db) -> None:
    auth.login_as("unit")
    client.get("/lang/en?next=/")
    page = client.get("/unit/").get_data(as_text=True)
    assert "Your account is not bound to any unit yet." in page
