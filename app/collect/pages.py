"""The questionnaire, one section per page; the screen-out page; the thank-you page.

Every page is one form with two buttons. 下一页 (``next``) validates the page on the server and
keeps it; 上一页 (``back``) keeps what was typed, unvalidated, and shows the previous page. Either
way the answer is a 303 redirect to a page (Post/Redirect/Get): a refused page keeps what was
typed in the survey state and is shown again with every error listed at the top, so the
browser's Back never offers to send a form again. After the last page the survey goes through the
shared submission service; success (and an identical replay) leads to the thank-you page.

Views never commit: the request's transaction is committed at the edge (``app.database``) when
the answer is below 400 and rolled back otherwise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, current_app, g, render_template, request, session
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response

from app.authz import signed_in
from app.collect import _page_cache, _state, bp
from app.collect._fields import field_views, fixed_html
from app.collect._links import keep_lang, see_other
from app.collect._shared import device_cookie, limit_per_source_and_wave
from app.collect.entry import LARGE_COOKIE, closed_page, message_page
from app.database import db_session, discard_changes
from app.i18n import current_language
from app.security import csrf_token
from survey.db import utcnow
from survey.drafts import Step, page_questions, save_draft
from survey.models import AccessMode, VersionStatus, Wave
from survey.questionnaire import Question, ValidationResult, validate_answers
from survey.submissions import SubmissionRequest, load_wave, submit
from survey.wave_facts import WaveFacts

HONEYPOT_FIELD = "website"
#: The button pressed: ``next`` (validate and keep) or ``back`` (keep as typed, go back).
ACTION_FIELD = "action"
BACK = "back"
MULTI_TYPES = ("select_multiple", "select_multiple_unit")


@bp.context_processor
def _collect_links() -> dict[str, Any]:
    return {"keep_lang": keep_lang()}


def _no_store(html: str, status: int = 200) -> Response:
    """A questionnaire page: never kept by the browser (a shared device's Back or history must
    not show someone's answers, nor a form already sent)."""
    response = Response(html, status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


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


def _accepted(state: _state.SurveyState, step: Step) -> dict[str, Any]:
    return dict(state.ratings.get(step.unit, {}) if step.unit else state.answers)


def _values(state: _state.SurveyState, step: Step) -> dict[str, Any]:
    """What the page shows: what was typed on it and not accepted yet, else what was accepted."""
    typed = state.typed.get(_state.step_key(step))
    return {**_accepted(state, step), **typed} if typed is not None else _accepted(state, step)


def _questions(plan: _state.Plan, state: _state.SurveyState, step: Step,
               values: dict[str, Any]) -> list[Question]:
    """The page's questions as the answers so far and ``values`` leave them."""
    if step.unit:
        return page_questions(plan.definition, step.section, state.answers, values)
    return page_questions(plan.definition, step.section, {**state.answers, **values})


def _check(plan: _state.Plan, state: _state.SurveyState, step: Step,
           values: dict[str, Any]) -> ValidationResult:
    """Validate one page's ``values`` with the answers so far (only this page's errors)."""
    common: dict[str, Any] = {
        "allowed_units": plan.units.ids, "unit_kinds": plan.units.kinds,
        "invitation_district": plan.district, "language": current_language(),
        "sections": {step.section}}
    if not step.unit:
        return validate_answers(plan.definition, {**state.answers, **values, **plan.fixed}, {},
                                **common)
    result = validate_answers(plan.definition, state.answers,
                              {step.unit: {**state.ratings.get(step.unit, {}), **values}}, **common)
    # only this unit's page is checked here (the other units' pages come later)
    result.errors = [(p, m) for p, m in result.errors
                     if p.startswith(f"ratings.{step.unit}") or p == "ratings"]
    return result


def _markup(plan: _state.Plan, state: _state.SurveyState, page: int, values: dict[str, Any],
            errors: list[tuple[str, str]]) -> str:
    """The page with placeholders for the citizen's CSRF token and submission id."""
    step = plan.steps[page]
    lang = current_language()
    unit_name = plan.units.names.get(step.unit or "", ("", ""))[1 if lang == "en" else 0]
    answers = plan.answers if step.unit else {**plan.answers, **values}
    questions = _questions(plan, state, step, values)
    fixed = plan.questions_fixed(questions)
    asked = [q for q in questions if q.name not in plan.fixed]
    names = {q.name for q in asked}
    field_errors: dict[str, str] = {}
    summary = []
    for path, message in errors:
        name = path.removeprefix(f"ratings.{step.unit}.") if step.unit else path
        if name in names:
            field_errors.setdefault(name, message)
            label = plan.definition.label(plan.definition.question(name), lang)
            summary.append((f"#q-{name}", label, message))
        else:
            summary.append(("", "", message))
    fields = field_views(plan.definition, plan.units, asked, values, field_errors, lang)
    required, error = _("(required)"), _("Error")
    note = _("(given by your invitation code)")
    html = [fixed_html(plan.definition, plan.units, q, code, lang, note) for q, code in fixed]
    html += [f.html(required, error) for f in fields]
    return render_template(
        "collect/page.html", wave=plan.wave, title=plan.definition.label(
            plan.definition.section(step.section), lang), unit_name=unit_name, page=page,
        progress=plan.progress(page), summary=summary,
        form_token=_page_cache.CSRF_SLOT, client_id=_page_cache.CLIENT_SLOT,
        questions_html=Markup("\n".join(html)),
        last=plan.is_last(page) and not plan.screened_out,  # a screen-out shows its page first
        honeypot=HONEYPOT_FIELD, known_answers=answers)


def _cacheable() -> bool:
    return not signed_in() and "_flashes" not in session


def _cached_page(wave_id: int, page: int) -> str | None:
    """The page from the cache, for a citizen whose cookie names the answers' hash; None when
    it must be rendered (no hash, not cached, wave closed or unknown). The wave's name, state and
    dates come from a copy at most ``_page_cache.WAVE_TTL_S`` old."""
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


def _load(wave_id: int) -> tuple[Wave, _state.SurveyState]:
    """The wave and this browser's survey state (no state: back to the wave's landing page)."""
    loaded = _state.wave_and_current(wave_id)
    if loaded is None:
        abort(404)
    wave, g.minyi_version_sha, g.minyi_version_status, state = loaded
    if state is None:
        abort(see_other("collect.start", wave_id=wave_id))
    return wave, state


def _save(state: _state.SurveyState) -> None:
    """Keep the state (and, for an invited citizen, the draft that another device resumes)."""
    _state.store(state)
    if state.invitation_id:
        save_draft(db_session(), state.invitation_id, state.draft(), str(state.page))


@bp.get("/<dbid:wave_id>/p/<int(max=999):page>")
def page(wave_id: int, page: int) -> Response:
    """One page of the questionnaire, with the answers given so far (and its errors, after the
    page was refused)."""
    cached = _cached_page(wave_id, page)
    if cached is not None:
        return _no_store(cached)
    wave, state = _load(wave_id)
    if state.done:
        return see_other("collect.thanks", wave_id=wave_id)
    if not wave.accepts_at(utcnow()):
        return _no_store(*closed_page(wave))
    view = WaveFacts.of(wave, g.minyi_version_sha, g.minyi_version_status)
    ref = _state.reference(wave_id) or {}
    plan = _state.plan(db_session(), wave, state)
    if page >= len(plan.steps):
        if plan.screened_out:
            return see_other("collect.end", wave_id=wave_id)
        return see_other("collect.page", wave_id=wave_id, page=max(len(plan.steps) - 1, 0))
    step = plan.steps[page]
    values = _values(state, step)
    errors: list[tuple[str, str]] = []
    if state.refused == _state.step_key(step):
        errors = _check(plan, state, step, values).errors or state.messages
    html = _markup(plan, state, page, values, errors)
    if (not errors and ref.get("h") and view.version_status != VersionStatus.DRAFT
            and _cacheable()):
        _page_cache.put(_page_cache.page_key(
            current_app.extensions["minyi_database"], view, page, current_language(),
            request.cookies.get(LARGE_COOKIE) == "1", request.full_path, ref["h"]), html)
    return _no_store(_page_cache.fill(html, csrf_token(), state.client_id))


@bp.post("/<dbid:wave_id>/p/<int(max=999):page>")
@limit_per_source_and_wave
def save_page(wave_id: int, page: int) -> Response | tuple[str, int]:
    """Keep one page: 上一页 as typed, 下一页 once valid (refused: the page again, with its
    errors); after the last page, submit."""
    wave, state = _load(wave_id)
    if state.done:  # already stored: a reload or a second click submits nothing
        return see_other("collect.thanks", wave_id=wave_id)
    if request.form.get(HONEYPOT_FIELD, "").strip():
        state.honeypot = True
    if not wave.accepts_at(utcnow()):
        return closed_page(wave)
    db = db_session()
    plan = _state.plan(db, wave, state)
    if page >= len(plan.steps):
        return see_other("collect.page", wave_id=wave_id, page=max(len(plan.steps) - 1, 0))
    step = plan.steps[page]
    key = _state.step_key(step)
    shown = [q for q in _questions(plan, state, step, _values(state, step))
             if q.name not in plan.fixed]
    values = _posted(shown)
    if request.form.get(ACTION_FIELD) == BACK:
        state.typed[key] = values
        if state.refused == key:
            state.refused, state.messages = None, []
        state.page = max(page - 1, 0)
        _save(state)
        return see_other("collect.page", wave_id=wave_id, page=state.page)
    result = _check(plan, state, step, values)
    if result.errors:
        state.typed[key] = values
        state.refused, state.messages, state.page = key, [], page
        _save(state)
        return see_other("collect.page", wave_id=wave_id, page=page)
    if step.unit:
        state.ratings[step.unit] = result.ratings.get(step.unit, {})
    else:
        state.answers = result.answers
    state.typed.pop(key, None)
    state.refused, state.messages = None, []
    plan = _state.plan(db, wave, state)
    rated = {s.unit for s in plan.steps if s.unit}
    state.ratings = {code: v for code, v in state.ratings.items() if code in rated}
    state.typed = {k: v for k, v in state.typed.items() if "@" not in k or k.split("@", 1)[1] in rated}
    if page + 1 < len(plan.steps):
        state.page = page + 1
        _save(state)
        return see_other("collect.page", wave_id=wave_id, page=page + 1)
    if plan.screened_out:
        state.page = page
        _save(state)
        return see_other("collect.end", wave_id=wave_id)
    return _final(wave, state, plan)


def _final(wave: Wave, state: _state.SurveyState, plan: _state.Plan) -> Response | tuple[str, int]:
    """Submit through the shared service: 201/200 → 303 thanks; 422 → the page to correct;
    otherwise a page that says what happened."""
    db = db_session()
    client_id = request.form.get("client_submission_id") or state.client_id
    result = submit(db, SubmissionRequest(
        wave_id=wave.id, body=state.submission_body(client_id),
        secret=current_app.config["SECRET_KEY"], source=request.remote_addr,
        device=device_cookie() if wave.access == AccessMode.OPEN else None,
        issued_at=_issued(state), honeypot=state.honeypot, language=current_language()))
    if result.ok:
        state.done = result.submission_id
        _state.store(state)
        return see_other("collect.thanks", wave_id=wave.id)
    discard_changes()
    if result.status == 410:
        return closed_page(wave)
    if result.status == 422:
        pages = [p for p in (plan.step_of(path) for path, _m in result.errors) if p is not None]
        target = min(pages) if pages else len(plan.steps) - 1
        step = plan.steps[target]
        key = _state.step_key(step)
        state.typed[key] = _values(state, step)
        state.refused, state.messages, state.page = key, list(result.errors), target
        _save(state)
        return see_other("collect.page", wave_id=wave.id, page=target)
    titles = {403: _("This invitation code is not valid"),
              409: _("This response was not accepted")}
    return message_page(result.status, titles.get(result.status, _("Not accepted")),
                        result.message, wave)


def _issued(state: _state.SurveyState) -> datetime | None:
    try:
        return datetime.fromisoformat(state.started_at)
    except ValueError:
        return None


def _screen_out_context(plan: _state.Plan) -> dict[str, str]:
    """What the screen-out page says: the question, the answer given and why it ends here."""
    definition, lang = plan.definition, current_language()
    question = definition.question(plan.screened_out or "")
    value = plan.answers.get(question.name)
    answer = str(value)
    if question.list_name and isinstance(value, str):
        answer = next((definition.label(c, lang) for c in definition.choices(question.list_name)
                       if c.name == value), value)
    return {"question": definition.label(question, lang), "answer": answer,
            "reason": definition.label(question.hint, lang) if question.hint else ""}


@bp.get("/<dbid:wave_id>/end")
def end(wave_id: int) -> Response | tuple[str, int]:
    """The survey ends early (a screen-out question): why, what is recorded, and the choice
    between going back to change the answer and finishing."""
    wave, state = _load(wave_id)
    if state.done:
        return see_other("collect.thanks", wave_id=wave_id)
    if not wave.accepts_at(utcnow()):
        return closed_page(wave)
    plan = _state.plan(db_session(), wave, state)
    if not plan.screened_out:
        return see_other("collect.page", wave_id=wave_id, page=state.page)
    return _no_store(render_template("collect/end.html", wave=wave, client_id=state.client_id,
                                     honeypot=HONEYPOT_FIELD, **_screen_out_context(plan)))


@bp.post("/<dbid:wave_id>/end")
@limit_per_source_and_wave
def finish_early(wave_id: int) -> Response | tuple[str, int]:
    """上一页: back to the question that ended the survey; 结束调查: store what was answered."""
    wave, state = _load(wave_id)
    if state.done:
        return see_other("collect.thanks", wave_id=wave_id)
    if request.form.get(HONEYPOT_FIELD, "").strip():
        state.honeypot = True
    if not wave.accepts_at(utcnow()):
        return closed_page(wave)
    plan = _state.plan(db_session(), wave, state)
    if not plan.screened_out or request.form.get(ACTION_FIELD) == BACK:
        state.page = max(len(plan.steps) - 1, 0)
        _save(state)
        return see_other("collect.page", wave_id=wave_id, page=state.page)
    return _final(wave, state, plan)


@bp.get("/<dbid:wave_id>/thanks")
def thanks(wave_id: int) -> str:
    """Thank-you page, with when and where the results are published (reloading it submits
    nothing)."""
    wave = db_session().get(Wave, wave_id)
    if wave is None:
        abort(404)
    return render_template("collect/thanks.html", wave=wave, results_notice=_results_notice(wave))


def _results_notice(wave: Wave) -> str:
    """The wave's own word on publishing its results (``settings.results_notice``: a text, or
    texts by language), or ``""``."""
    notice = (wave.settings or {}).get("results_notice")
    if isinstance(notice, dict):
        lang = current_language()
        notice = notice.get(lang) or notice.get("zh") or next(iter(notice.values()), "")
    return notice.strip() if isinstance(notice, str) else ""
