"""The route × role policy table (issue 17): every endpoint of ``app.url_map``, for every role,
GET and POST, answers the status declared here. An endpoint without an entry fails the test, so a
new route cannot ship without a decision on who may use it.

Each role gets a fresh city (``tests.web_walk``): a published run, a draft run, a draft copy of
the questionnaire, units, a peer group, a submission, an API token and a job, so that every URL
resolves to a real row. Per role: every GET first, then every POST without a CSRF token, then
every POST with a valid token and an empty form (the empty form keeps writes harmless: most are
refused by validation; a few one-click actions succeed and redirect, 303).

Statuses, per role in the order (anonymous, viewer, office, admin, unit):
302 to the login page, 403 not for this role, 405 method not allowed, 400 a refused form, 422 a
form with errors, 409 refused in the row's state, 401 the API without its bearer token, and
what a permitted request gives. The citizens' collection path (being rewritten) is declared
``PUBLIC``: the same for every role, never a login, a 403 or a 5xx.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_from
from tests.web_walk import build_world, concrete_url, login, roles, routes

ORDER = ("anonymous", "viewer", "office", "admin", "unit")
Statuses = tuple[int, ...]


@dataclass(frozen=True)
class P:
    """The declared statuses of GET and of a CSRF-valid POST (None: 405 for every role)."""

    get: Statuses | None
    post: Statuses | None


#: The citizens' pages (their statuses belong to the collection path): any role gets what an
#: anonymous citizen gets for the same request.
PUBLIC = P((0,) * 5, (0,) * 5)


def admin(get: int | None = None, post: int | None = None) -> P:
    """An administration route: anonymous → login, every other role but admin → 403."""
    def row(status: int | None) -> Statuses | None:
        return None if status is None else (302, 403, 403, status, 403)
    return P(row(get), row(post))


POLICY: dict[str, P] = {
    # --- administration (admin only) ----------------------------------------------------------
    "admin.builder": admin(get=200),
    "admin.builder_item_new": admin(get=200, post=422),
    "admin.builder_list": admin(get=200, post=422),
    "admin.builder_list_delete": admin(post=303),
    # GET …/lists/preset is the list page of a list named "preset": none → 404
    "admin.builder_list_preset": admin(get=404, post=400),
    "admin.builder_new": admin(get=200, post=422),
    "admin.builder_node": admin(get=200, post=422),
    "admin.builder_node_delete": admin(post=303),
    "admin.builder_node_duplicate": admin(post=404),  # the node was deleted just before
    "admin.builder_node_move": admin(post=404),  # the node was deleted just before
    "admin.builder_section_new": admin(get=200, post=422),
    "admin.builder_settings": admin(post=422),
    "admin.builder_undo": admin(post=303),  # undoes the deletion of the node
    "admin.codes_issue": admin(post=422),
    "admin.codes_revoke": admin(post=404),
    "admin.codes_revoke_unused": admin(post=303),
    "admin.comment_term_remove": admin(post=303),
    "admin.comment_terms": admin(get=200, post=422),
    "admin.comment_terms_add": admin(get=200, post=422),
    "admin.dashboard": admin(get=200),
    # an import job is its owner's, and the walk's job is an evaluation: 404 for every admin
    "admin.import_job": admin(get=404),
    "admin.interviews_import": admin(get=200, post=422),
    "admin.monitoring": admin(get=200),
    "admin.monitoring_index": admin(get=200),
    "admin.peer_group_edit": admin(get=200, post=422),
    "admin.peer_group_new": admin(post=422),
    "admin.questionnaire_upload": admin(get=200, post=422),
    "admin.questionnaires": admin(get=200),
    "admin.responses_download": admin(get=200),
    "admin.review_interviewer": admin(post=400),
    "admin.review_submission": admin(post=400),
    "admin.unit_activate": admin(post=303),
    "admin.unit_deactivate": admin(post=303),
    "admin.unit_edit": admin(get=200, post=422),
    "admin.unit_new": admin(get=200, post=422),
    "admin.unit_user_new": admin(get=200, post=422),
    "admin.unit_user_units": admin(get=200, post=303),
    "admin.unit_users_page": admin(get=200, post=422),
    "admin.units": admin(get=200),
    "admin.units_import": admin(get=200, post=422),
    "admin.units_template_file": admin(get=200),
    "admin.version": admin(get=200),
    "admin.version_export": admin(get=200),
    "admin.version_new": admin(post=409),  # a draft exists already
    "admin.version_preview": admin(get=200, post=200),  # the next page of the preview
    "admin.version_publish": admin(post=303),  # unconfirmed: to the confirmation page
    "admin.version_publish_confirm": admin(get=200),
    "admin.wave": admin(get=200),
    "admin.wave_close": admin(post=303),  # unconfirmed: to the confirmation page
    "admin.wave_close_confirm": admin(get=200),
    "admin.wave_edit": admin(get=200, post=409),
    "admin.wave_margins": admin(post=422),
    "admin.wave_new": admin(get=200, post=422),
    "admin.wave_open": admin(post=303),  # unconfirmed: to the confirmation page
    "admin.wave_open_confirm": admin(get=200),
    "admin.wave_plan": admin(get=200, post=409),
    "admin.wave_plan_apply": admin(get=200, post=409),
    "admin.wave_quotas": admin(post=422),
    "admin.wave_quota_table": admin(post=400),  # an empty form is not the table's
    "admin.wave_margin_table": admin(post=400),  # an empty form is not the tables'
    "admin.wave_template_file": admin(get=200),
    "admin.waves": admin(get=200),
    # --- assessment office: office and admin write, viewers read, unit users are elsewhere ----
    "office.chart": P((302, 200, 200, 200, 403), None),
    # citizens' comments: the office and admin only (a unit's liaison sees its own, redacted)
    "office.comments_general": P((302, 403, 200, 200, 403), None),
    "office.comments_general_export": P((302, 403, 200, 200, 403), None),
    "office.comments_index": P((302, 403, 200, 200, 403), None),
    "office.comments_unit": P((302, 403, 200, 200, 403), None),
    "office.comments_unit_export": P((302, 403, 200, 200, 403), None),
    "office.comments_wave": P((302, 403, 200, 200, 403), None),
    "office.components": P((302, 403, 200, 200, 403), (302, 403, 422, 422, 403)),
    "office.components_template_file": P((302, 200, 200, 200, 403), None),
    "office.dashboard": P((302, 200, 200, 200, 403), None),
    "office.decide": P(None, (302, 403, 422, 422, 403)),
    "office.delete": P(None, (302, 403, 303, 303, 403)),
    "office.export": P((302, 200, 200, 200, 403), None),
    # an import of component scores (office and admin): the walk's job is no import → 404
    "office.import_job": P((302, 403, 404, 404, 403), None),
    # a job is its owner's (office1): any other user gets 404, not a hint that it exists
    "office.job": P((302, 404, 200, 404, 403), None),
    "office.job_status": P((302, 404, 200, 404, 403), None),
    "office.new_run": P((302, 403, 200, 200, 403), (302, 403, 303, 303, 403)),
    # the notice with a typed heading is a download (viewers may read the notice): 400 = no format
    "office.notice_file": P(None, (302, 400, 400, 400, 403)),
    "office.publish": P(None, (302, 403, 409, 409, 403)),  # a draft with undecided placements
    "office.report": P((302, 200, 200, 200, 403), None),
    "office.report_chart": P((302, 404, 404, 404, 403), None),  # no such chart key
    "office.report_docx": P((302, 200, 200, 200, 403), None),
    "office.report_pdf": P((302, 200, 200, 200, 403), None),
    "office.revoke_token": P(None, (302, 403, 303, 303, 403)),
    "office.run_detail": P((302, 200, 200, 200, 403), None),
    "office.supersede": P(None, (302, 403, 422, 422, 403)),
    "office.tokens": P((302, 403, 200, 200, 403), (302, 403, 422, 422, 403)),
    # --- a unit's liaison (and the office and admin): their units' results and comments ------
    "unit.comments": P((302, 403, 200, 200, 200), None),
    "unit.comments_export": P((302, 403, 200, 200, 200), None),
    "unit.index": P((302, 403, 200, 200, 302), None),  # one unit: straight to its page
    "unit.results": P((302, 403, 200, 200, 200), None),
    # --- API: bearer tokens only, a login cookie grants nothing ----------------------------------
    "api.run_results": P((401,) * 5, None),
    "api.runs_list": P((401,) * 5, None),
    "api.create_submission": PUBLIC,
    # --- sign-in, language, public pages ----------------------------------------------------------
    "auth.login": P((200, 302, 302, 302, 302), (400,) * 5),
    "auth.logout": P(None, (303,) * 5),
    "auth.password": P((302, 200, 200, 200, 200), (302, 400, 400, 400, 400)),
    "i18n.switch": P((303,) * 5, None),
    "public.index": P((200,) * 5, None),
    "public.privacy": P((200,) * 5, None),
    "public.results_chart": P((200,) * 5, None),
    "public.results_index": P((200,) * 5, None),
    "public.results_index_json": P((200,) * 5, None),
    "public.results_period": P((200,) * 5, None),
    "public.results_period_json": P((200,) * 5, None),
    "public.results_run": P((303,) * 5, None),  # to the period's page
    "public.results_unit": P((200,) * 5, None),
    "public.results_unit_chart": P((200,) * 5, None),
    "public.results_unit_json": P((200,) * 5, None),
    "static": P((200,) * 5, None),
    # --- the citizens' collection path -----------------------------------------------------------
    "collect.begin": PUBLIC,
    "collect.code_link": PUBLIC,
    "collect.code_page": PUBLIC,
    "collect.end": PUBLIC,
    "collect.enter_code": PUBLIC,
    "collect.finish_early": PUBLIC,
    "collect.large_text": PUBLIC,
    "collect.page": PUBLIC,
    "collect.save_page": PUBLIC,
    "collect.start": PUBLIC,
    "collect.thanks": PUBLIC,
}
#: Blueprints exempt from CSRF (they authenticate by bearer token or not at all).
CSRF_EXEMPT = ("api.",)
#: Walked last: signing out ends the role's session.
LAST = ("auth.logout",)
#: POSTed after the others: deleting the draft run would make the later run routes 404 on
#: PostgreSQL, and not on SQLite, which gives a new run the deleted one's id again.
DESTRUCTIVE = ("office.delete",)
#: Their 302 goes to the user's home page (already signed in; a unit user's only unit).
REDIRECT_HOME = frozenset({"auth.login", "unit.index"})


def test_every_endpoint_has_a_policy(app: Flask) -> None:
    endpoints = {endpoint for endpoint, _rule in routes(app)}
    assert sorted(endpoints - set(POLICY)) == [], "endpoints without a policy entry"
    assert sorted(set(POLICY) - endpoints) == [], "policy entries for endpoints that do not exist"


def _declared(policy: P, method: str, role: str) -> int:
    statuses = policy.get if method == "GET" else policy.post
    return 405 if statuses is None else statuses[ORDER.index(role)]


def _check(response, declared: int, label: str, wrong: list[str], endpoint: str) -> None:
    status = response.status_code
    if status != declared:
        wrong.append(f"{label}: {status}, declared {declared}")
    elif status == 302 and endpoint not in REDIRECT_HOME and "/login" not in response.headers["Location"]:
        wrong.append(f"{label}: 302 to {response.headers['Location']}, not to the login")


def _public(response, anonymous, label: str, wrong: list[str]) -> None:
    """A collection page: whatever it answers, the same as to an anonymous citizen, never a login
    or a server error."""
    status, location = response.status_code, response.headers.get("Location", "")
    if status >= 500 or "/login" in location or status != anonymous.status_code:
        wrong.append(f"{label}: {status} {location}, anonymous {anonymous.status_code}")


def _token(client: FlaskClient, role: str) -> str:
    return csrf_from(client.get("/login" if role == "anonymous" else "/account/password")
                     .get_data(as_text=True))


@pytest.mark.parametrize("role", roles())
def test_route_role_policy(app: Flask, db, role: str) -> None:
    world = build_world(db)
    client = app.test_client()
    login(client, app, role)
    walk = sorted(((endpoint, concrete_url(rule, world)) for endpoint, rule in routes(app)
                   if endpoint in POLICY),  # the others fail test_every_endpoint_has_a_policy
                  key=lambda item: (item[0] in LAST, item[0]))
    wrong: list[str] = []
    citizen = app.test_client()
    for endpoint, url in walk:
        if endpoint in LAST:
            continue
        label = f"GET {endpoint}"
        if POLICY[endpoint] is PUBLIC:
            _public(client.get(url), citizen.get(url), label, wrong)
        else:
            _check(client.get(url), _declared(POLICY[endpoint], "GET", role), label, wrong, endpoint)
    for endpoint, url in walk:
        if POLICY[endpoint].post is None or endpoint.startswith(CSRF_EXEMPT) or endpoint in LAST:
            continue
        status = client.post(url, data={}).status_code
        if status != 400 and not (POLICY[endpoint] is PUBLIC and status == 405):
            wrong.append(f"POST {endpoint} without a CSRF token: {status}")
    for endpoint, url in sorted(walk, key=lambda item: item[0] in DESTRUCTIVE + LAST):
        label = f"POST {endpoint}"
        response = client.post(url, data={"csrf_token": _token(client, role)})
        if POLICY[endpoint] is PUBLIC:
            _public(response, citizen.post(url, data={"csrf_token": _token(citizen, "anonymous")}),
                    label, wrong)
        else:
            _check(response, _declared(POLICY[endpoint], "POST", role), label, wrong, endpoint)
    assert wrong == []
