"""Ids beyond what an id column holds are a 404, never a 500 (issue 17, DESIGN §10).

Every id column is a PostgreSQL INTEGER (at most 2³¹−1); SQLite refuses integers beyond 2⁶³−1.
Before the ``dbid`` converter, ``/admin/waves/99999999999999999999`` reached the driver and failed
with OverflowError (SQLite) or NumericValueOutOfRange (PostgreSQL).
"""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from app.ids import MAX_DB_ID, DatabaseIdConverter, db_id

HUGE = ("2147483648", "9223372036854775808", "99999999999999999999", "0")
#: Values of the routes' other (non-id) parts, so that only the id can make a URL miss.
OTHER_VALUES = {"fmt": "csv", "name": "ranked_si", "node": "q1", "what": "question",
                "interviewer_id": "I1"}
def _id_rules(app) -> list[Rule]:
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "<dbid:" in rule.rule),
                  key=lambda r: r.rule)


def _url(rule: Rule, id_text: str) -> str:
    """The rule's path with every id part ``id_text`` and its other parts a plausible value."""
    import re

    def part(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        if converter in ("dbid", "int"):
            return id_text
        return OTHER_VALUES.get(name, "x")

    return re.sub(r"<(?:(\w+):)?(\w+)>", part, rule.rule)


def test_dbid_is_registered(app) -> None:
    assert app.url_map.converters["dbid"] is DatabaseIdConverter


def test_db_id_accepts_only_the_column_range() -> None:
    assert db_id("1") == 1
    assert db_id(str(MAX_DB_ID)) == MAX_DB_ID
    for text in (*HUGE, "", None, "-1", "1.0", " ", "١٢", "12a", "²"):
        assert db_id(text) is None, text


def test_every_id_route_uses_the_dbid_converter(app) -> None:
    """Every ``<int:…>`` left is a bounded page number, not an id."""
    loose = [rule.rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert loose == []


@pytest.mark.parametrize("id_text", HUGE)
def test_ids_beyond_the_column_range_are_404_for_an_admin(app, client, auth, id_text) -> None:
    """A path served by two rules (GET on one, POST on the other) answers 405 instead: Werkzeug
    notes the GET rule's methods before the POST rule's converter refuses the id."""
    auth.login_as("admin")
    rules = _id_rules(app)
    methods_by_path: dict[str, set[str]] = {}
    for rule in rules:
        methods_by_path.setdefault(rule.rule, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    seen = 0
    for rule in rules:
        if rule.endpoint.startswith(("collect.", "api.create_submission")):
            continue  # citizens' routes: tested below
        url = _url(rule, id_text)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": auth.csrf("/admin/")})
            shared = methods_by_path[rule.rule] != rule.methods - {"HEAD", "OPTIONS"}
            expected = {404, 405} if shared else {404}
            assert response.status_code in expected, (method, url, response.status_code)
            seen += 1
    assert seen >= 40  # every admin, office and results-API id route


def test_the_largest_id_is_an_ordinary_missing_row(app, client, auth) -> None:
    auth.login_as("admin")
    for url in ("/admin/waves/2147483647", "/office/runs/2147483647", "/admin/units/2147483647/edit",
                "/admin/versions/2147483647"):
        assert client.get(url).status_code == 404, url


def test_the_results_api_refuses_a_huge_run_id_without_a_token(client) -> None:
    assert client.get("/api/v1/runs/99999999999999999999").status_code == 404


def test_query_and_form_ids_beyond_the_range_are_refused(client, auth) -> None:
    auth.login_as("office")
    assert client.get("/office/runs/new?wave=99999999999999999999").status_code == 404
    assert client.get("/office/runs/new?year=99999999999999999999").status_code == 404
    auth.create("admin1", "admin")
    auth.logout()
    auth.login("admin1")
    page = client.get("/admin/monitoring?page=99999999999999999999")
    assert page.status_code == 200


@pytest.mark.parametrize("url", ["/s/99999999999999999999", "/s/2147483648", "/s/2147483648/thanks",
                                 "/s/9223372036854775808/p/1", "/s/1/p/99999999999999999999",
                                 "/s/2147483648/end"])
def test_collection_pages_with_huge_ids_are_404(client, url) -> None:
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("wave", ["9223372036854775808", "2147483648", "99999999999999999999"])
def test_api_submission_to_a_huge_wave_id_is_404(client, wave) -> None:
    response = client.post(f"/api/v1/waves/{wave}/submissions", json={"answers": {}})
    assert response.status_code == 404
