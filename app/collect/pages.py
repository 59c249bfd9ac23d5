"""The questionnaire, one section per page, and the thank-you page.

Every page is validated on the server; on error it re-renders (422) with every error listed at
the top and every typed answer kept. The last page submits through the shared submission
service and answers success (and an identical replay) with a 303 to the thank-you page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response

from app.authz import signed_in
from app.collect import _page_cache, _state, bp
from app.collect._fields import field_views
from app.collect._shared import device_cookie, limit_per_source_and_wave
from app.collect.entry import LARGE_COOKIE, closed_page, message_page
from app.database import db_session
from app.i18n import current_language
from app.security import csrf_token
from survey.db import utcnow
from survey.drafts import page_questions, save_draft
from survey.models import AccessMode, VersionStatus, Wave
from survey.questionnaire import Question, validate_answers
from survey.submissions import SubmissionRequest, load_wave, submit
from survey.wave_facts import WaveFacts

HONEYPOT_FIELD = "website"
MULTI_TYPES = ("select_multiple", "select_multiple_unit")


def _posted(questions: list[Question]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for q in questions:
        if q.type == "note":
            continue
        if q.type in MULTI_TYPES:
            values[q.name] = request.form.getlist(q.name)
        else:
            values[q.name] = request.form.get(q.name, "")
    return values


def _render(plan: _state.Plan, state: dict[str, Any], page: int, values: dict[str, Any],
            errors: list[tuple[str, str]], status: int = 200) -> tuple[str, int]:
    html = _markup(plan, page, values, errors)
    return _page_cache.fill(html, csrf_token(), state["id"]), status


def _markup(plan: _state.Plan, page: int, values: dict[str, Any], errors: list[tuple[str, str]]) -> str:
    """The page with placeholders for the citizen's CSRF token and submission id."""
    step = plan.steps[page]
    lang = current_language()
    unit_name = plan.units.names.get(step.unit or "", ("", ""))[1 if lang == "en" else 0]
    unit_answers = values if step.unit else None
    answers = plan.answers if step.unit else {**plan.answers, **values}
    questions = page_questions(plan.definition, step.section, answers, unit_answers)
    field_errors: dict[str, str] = {}
    summary = []
    for path, message in errors:
        name = path.removeprefix(f"ratings.{step.unit}.") if step.unit else path
        if name in {q.name for q in questions}:
            field_errors.setdefault(name, message)
            label = plan.definition.label(plan.definition.question(name), lang)
            summary.append((f"#q-{name}", label, message))
        else:
            summary.append(("", "", message))
    fields = field_views(plan.definition, plan.units, questions, values, field_errors, lang)
    required, error = _("(required)"), _("Error")
    return render_template(
        "collect/page.html", wave=plan.wave, title=plan.definition.label(
            plan.definition.section(step.section), lang), unit_name=unit_name, page=page,
        total=len(plan.steps) + plan.pending_units, summary=summary,
        form_token=_page_cache.CSRF_SLOT, client_id=_page_cache.CLIENT_SLOT,
        questions_html=Markup("\n".join(f.html(required, error) for f in fields)),
        last=plan.is_last(page), honeypot=HONEYPOT_FIELD, known_answers=answers)


def _cacheable() -> bool:
    return not signed_in() and "_flashes" not in session


def _key(view: WaveFacts, page: int, answers: str) -> tuple[Any, ...]:
    return _page_cache.page_key(current_app.extensions["minyi_database"], view, page,
                                current_language(), request.cookies.get(LARGE_COOKIE) == "1",
                                request.full_path, answers)


def _cached_page(wave_id: int, page: int) -> str | None:
    """The page from the cache, for a citizen whose cookie names the answers' hash; None when
    it must be rendered (no hash, not cached, wave closed or unknown). Most such pages are
    served before Flask by :mod:`app.collect._fast_pages`; this serves the rest (a query string,
    an expired copy of the wave)."""
    ref = _state.reference(wave_id)
    if not ref or not _cacheable():
        return None
    database = current_app.extensions["minyi_database"]
    view = _page_cache.recent_wave(database, wave_id)
    if view is None:
        view = load_wave(db_session(), wave_id)
        if view is None:
            return None
        _page_cache.remember_wave(database, view)
    html = _page_cache.cached_page(database, view, ref, page, current_language(),
                                   request.cookies.get(LARGE_COOKIE) == "1", request.full_path,
                                   utcnow())
    return None if html is None else _page_cache.fill(html, csrf_token(), ref["id"])


def _load(wave_id: int) -> tuple[Wave, dict[str, Any]]:
    """The wave and this browser's survey state (no state: back to the wave's landing page)."""
    loaded = _state.wave_and_current(wave_id)
    if loaded is None:
        abort(404)
    wave, g.minyi_version_sha, g.minyi_version_status, state = loaded
    if state is None:
        abort(redirect(url_for("collect.start", wave_id=wave_id), code=303))
    return wave, state


@bp.get("/<int:wave_id>/p/<int:page>")
def page(wave_id: int, page: int) -> Response | tuple[str, int]:
    """One page of the questionnaire, with the answers given so far."""
    cached = _cached_page(wave_id, page)
    if cached is not None:
        return cached, 200
    wave, state = _load(wave_id)
    if state.get("done"):
        return redirect(url_for("collect.thanks", wave_id=wave_id), code=303)
    if not wave.accepts_at(utcnow()):
        return closed_page(wave)
    db = db_session()
    view = WaveFacts.of(wave, g.minyi_version_sha, g.minyi_version_status)
    key = None
    if view.version_status != VersionStatus.DRAFT and _cacheable():
        key = _key(view, page, _page_cache.answers_hash(state))
    plan = _state.plan(db, wave, state)
    if page >= len(plan.steps):
        return redirect(url_for("collect.page", wave_id=wave_id, page=len(plan.steps) - 1), code=303)
    step = plan.steps[page]
    values = state["r"].get(step.unit, {}) if step.unit else state["a"]
    html = _markup(plan, page, dict(values), [])
    if key is not None:
        _page_cache.put(key, html)
    return _page_cache.fill(html, csrf_token(), state["id"]), 200


@bp.post("/<int:wave_id>/p/<int:page>")
@limit_per_source_and_wave
def save_page(wave_id: int, page: int) -> Response | tuple[str, int]:
    """Validate and keep one page; after the last page, submit (303 to thanks)."""
    wave, state = _load(wave_id)
    if request.form.get(HONEYPOT_FIELD, "").strip():
        state["hp"] = True
    db = db_session()
    if state.get("done"):  # already stored: a reload or a second click submits nothing
        return redirect(url_for("collect.thanks", wave_id=wave_id), code=303)
    if not wave.accepts_at(utcnow()):
        return _final(wave, state)
    plan = _state.plan(db, wave, state)
    if page >= len(plan.steps):
        return redirect(url_for("collect.page", wave_id=wave_id, page=len(plan.steps) - 1), code=303)
    step = plan.steps[page]
    shown = page_questions(plan.definition, step.section, state["a"],
                           state["r"].get(step.unit, {}) if step.unit else None)
    values = _posted(shown)
    common = {"allowed_units": plan.units.ids, "unit_kinds": plan.units.kinds,
              "invitation_district": plan.district, "language": current_language(),
              "sections": {step.section}}
    if step.unit:
        result = validate_answers(plan.definition, state["a"],
                                  {step.unit: {**state["r"].get(step.unit, {}), **values}}, **common)
        # only this unit's page is checked here (the other units' pages come later)
        result.errors = [(p, m) for p, m in result.errors
                         if p.startswith(f"ratings.{step.unit}") or p == "ratings"]
    else:
        result = validate_answers(plan.definition, {**state["a"], **values}, {}, **common)
    if result.errors:
        return _render(plan, state, page, values, result.errors, 422)
    if step.unit:
        state["r"][step.unit] = result.ratings.get(step.unit, {})
    else:
        state["a"] = result.answers
    plan = _state.plan(db, wave, state)
    rated = {s.unit for s in plan.steps if s.unit}
    state["r"] = {code: v for code, v in state["r"].items() if code in rated}
    state["p"] = min(page + 1, len(plan.steps) - 1)
    _state.store(state)
    if page + 1 < len(plan.steps):
        if state.get("i"):
            save_draft(db, state["i"], {k: v for k, v in state.items() if k != "c"}, str(state["p"]))
            db.commit()
        return redirect(url_for("collect.page", wave_id=wave_id, page=page + 1), code=303)
    return _final(wave, state)


def _final(wave: Wave, state: dict[str, Any]) -> Response | tuple[str, int]:
    """Submit through the shared service: 201/200 → 303 thanks; otherwise say what happened."""
    db = db_session()
    client_id = request.form.get("client_submission_id") or state["id"]
    result = submit(db, SubmissionRequest(
        wave_id=wave.id, body=_state.submission_body(state, client_id),
        secret=current_app.config["SECRET_KEY"], source=request.remote_addr,
        device=device_cookie() if wave.access == AccessMode.OPEN else None,
        issued_at=_issued(state), honeypot=bool(state.get("hp")), language=current_language()))
    if result.ok:
        db.commit()
        state["done"] = result.submission_id
        _state.store(state)
        return redirect(url_for("collect.thanks", wave_id=wave.id), code=303)
    db.rollback()
    if result.status == 410:
        return closed_page(wave)
    if result.status == 422:
        plan = _state.plan(db, wave, state)
        last = len(plan.steps) - 1
        step = plan.steps[last]
        values = state["r"].get(step.unit, {}) if step.unit else state["a"]
        return _render(plan, state, last, dict(values), result.errors, 422)
    titles = {403: _("This invitation code is not valid"),
              409: _("This response was not accepted")}
    return message_page(result.status, titles.get(result.status, _("Not accepted")),
                        result.message, wave)


def _issued(state: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(state["t"])
    except (KeyError, TypeError, ValueError):
        return None


@bp.get("/<int:wave_id>/thanks")
def thanks(wave_id: int) -> str:
    """Thank-you page (reloading it submits nothing)."""
    wave = db_session().get(Wave, wave_id)
    if wave is None:
        abort(404)
    return render_template("collect/thanks.html", wave=wave)
