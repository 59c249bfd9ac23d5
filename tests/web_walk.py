"""A city with one row of every kind, and the concrete URL of every route in it.

Used by the route × role policy table and the attack corpus, so that every URL resolves to a real
row (a 404 would hide the role check or the handler under test).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from tests.office.fixtures import GOLDEN_PERIOD, GOLDEN_SETTINGS, golden_draft, publish_decided

ROLES_BASE = ("anonymous", "viewer", "office", "admin")


def roles() -> tuple[str, ...]:
    """The roles to try: the four, and ``unit`` once the model has it."""
    from survey.models import Role

    return ROLES_BASE + (("unit",) if "UNIT" in Role.__members__ else ())


@dataclass
class World:
    """Ids and names of the rows the URLs point at."""

    wave_id: int
    unit_id: int
    unit_code: str
    group_id: int
    group_code: str
    published_version_id: int
    draft_version_id: int
    submission_id: int
    published_run_id: int
    draft_run_id: int
    token_id: int
    job_id: str
    period: str = GOLDEN_PERIOD
    #: endpoint → {argument: value}, over the defaults below
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    #: further ids by argument name (rows of optional features)
    ids: dict[str, str] = field(default_factory=dict)

    def value(self, endpoint: str, argument: str) -> str:
        special = self.overrides.get(endpoint, {})
        if argument in special:
            return special[argument]
        if argument in self.ids:
            return self.ids[argument]
        return {
            "wave_id": str(self.wave_id), "unit_id": str(self.unit_id), "group_id": str(self.group_id),
            "version_id": str(self.draft_version_id), "submission_id": str(self.submission_id),
            "run_id": str(self.draft_run_id), "token_id": str(self.token_id), "job_id": self.job_id,
            "interviewer_id": "I1", "fmt": "csv", "name": "sat", "node": "1", "what": "question",
            "code": self.unit_code, "period": self.period, "group": self.group_code,
            "chart": "ranking", "kind": "margins", "page": "1", "filename": "css/minyi.css",
        }.get(argument, "x")


def build_world(db: Session) -> World:
    """The golden city: a published run of its closed wave, a second draft run, a draft copy of
    the questionnaire, the user ``office1`` with an API token, and a queued job."""
    from survey.accounts import create_user
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings
    from survey.evaluation.tokens import create_token
    from survey.jobs import create_job
    from survey.models import PeerGroup, Submission, Unit
    from survey.versions import get_version, new_version

    published = golden_draft(db)
    publish_decided(db, published.id)
    db.commit()
    draft = evaluate_wave_run(db, published.wave_id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    version = get_version(db, published.wave.questionnaire_version_id)
    copy_ = new_version(db, version, "admin1")
    create_user(db, "office1", "office", "correct horse battery", actor="test")
    token, _secret = create_token(db, "walk", "office1", "office1")
    job = create_job(db, "evaluation", "walk", "office1")
    extra = _optional_rows(db)
    db.commit()
    unit = db.scalars(select(Unit).order_by(Unit.code)).first()
    group = db.scalars(select(PeerGroup)).first()
    submission_id = db.scalar(select(Submission.id).order_by(Submission.id))
    assert unit is not None and group is not None and submission_id is not None
    world = World(wave_id=published.wave_id, unit_id=unit.id, unit_code=unit.code,
                  group_id=group.id, group_code=group.code, published_version_id=version.id,
                  draft_version_id=copy_.id, submission_id=submission_id,
                  published_run_id=published.id, draft_run_id=draft.id, token_id=token.id,
                  job_id=job.id)
    world.overrides = {
        "office.chart": {"name": "ranked", "fmt": "png"},
        "admin.version_export": {"fmt": "json", "version_id": str(version.id)},
        "admin.version": {"version_id": str(version.id)},
        "admin.version_preview": {"version_id": str(version.id)},
        "admin.version_new": {"version_id": str(version.id)},
        "i18n.switch": {"code": "en"},
        "collect.code_link": {"code": "NOSUCHCODE"},
        "public.results_run": {"run_id": str(published.id)},
        "api.run_results": {"run_id": str(published.id)},
        "office.report": {"run_id": str(published.id)},
        "office.report_pdf": {"run_id": str(published.id)},
        "office.new_run": {"?": f"wave={published.wave_id}"},
    }
    world.ids.update({name: str(row.id) for name, row in extra.items()})
    return world


def _optional_rows(db: Session) -> dict[str, object]:
    """Rows of features that may not exist yet in this tree: a unit liaison (``user_id``) and a
    comment dictionary term (``term_id``)."""
    from survey.models import Role

    rows: dict[str, object] = {}
    if "UNIT" in Role.__members__:
        from survey.accounts import create_user

        rows["user_id"] = create_user(db, "liaison1", "unit", "correct horse battery",
                                      actor="test", unit_codes=["A"])
    try:
        from survey.comments.dictionary import add_terms
    except ImportError:
        return rows
    terms = add_terms(db, "民意调查", "word", "admin1")
    if terms:
        rows["term_id"] = terms[0]
    return rows


PART = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def concrete_url(rule: Rule, world: World) -> str:
    """The rule's path with each variable part filled from ``world`` (and the endpoint's query
    string, override ``"?"``)."""
    path = PART.sub(lambda m: world.value(rule.endpoint, m.group(2)), rule.rule)
    query = world.overrides.get(rule.endpoint, {}).get("?")
    return f"{path}?{query}" if query else path


def routes(app: Flask) -> list[tuple[str, Rule]]:
    """``(endpoint, rule)`` of every route, one rule per endpoint (the first), sorted."""
    seen: dict[str, Rule] = {}
    for rule in app.url_map.iter_rules():
        seen.setdefault(rule.endpoint, rule)
    return sorted(seen.items())


def login(client, app: Flask, role: str) -> None:
    """Create ``<role>1`` (once) and sign in through the form; nothing for ``anonymous``.

    A ``unit`` user speaks for the first unit by code."""
    from survey.accounts import create_user
    from survey.models import Unit, User
    from tests.conftest import csrf_from

    if role == "anonymous":
        return
    session = app.extensions["minyi_sessions"]()
    try:
        if session.scalar(select(User.id).where(User.username == f"{role}1")) is None:
            units = ([session.scalars(select(Unit.code).order_by(Unit.code)).first()]
                     if role == "unit" else [])
            extra = {"unit_codes": units} if units else {}
            create_user(session, f"{role}1", role, "correct horse battery", actor="test", **extra)
            session.commit()
    finally:
        session.close()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": f"{role}1", "password": "correct horse battery",
                                           "csrf_token": token})
    assert response.status_code == 303, response.status_code
