"""The preview of a questionnaire version: the live survey at phone width, in each of its
languages, page by page with skip logic, validation, screen-outs and the loop over rated units.

Nothing is stored: the answers travel in the page itself (a hidden field posted back with each
page), so leaving the preview throws them away. Pages are rendered in the citizen's layout
(``collect/_layout.html``, ``static/js/survey.js`` for live skip logic) with the markup contract
of the citizen's questions (``div.question`` with ``data-name``, ``data-type``, ``data-when``).
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from sqlalchemy import select

from app.admin import bp
from app.admin._builder_pages import issue_sentences
from app.admin._pages import load
from app.database import db_session
from app.i18n import current_language
from survey.models import QuestionnaireVersion, Unit
from survey.preview import (
    PreviewState,
    PreviewUnits,
    check_page,
    conditions_json,
    page_values,
    posted_values,
    questions_of,
    steps,
)
from survey.questionnaire import Definition, Question, screened_out_by
from survey.versions import check_document, get_version

SELECTS = ("select_one", "select_multiple", "select_one_unit", "select_multiple_unit")


def _units() -> PreviewUnits:
    rows = db_session().execute(select(Unit.code, Unit.kind, Unit.name, Unit.name_en)
                                .where(Unit.active).order_by(Unit.code)).all()
    return PreviewUnits({r.code: r.kind.value for r in rows},
                        {r.code: (r.name, r.name_en or r.name) for r in rows})


def _language(definition: Definition) -> str:
    chosen = request.values.get("plang", "")
    if chosen in definition.languages:
        return chosen
    ui = current_language()
    return ui if ui in definition.languages else definition.default_language


def _view(definition: Definition, units: PreviewUnits, q: Question, value: Any, error: str,
          lang: str) -> dict[str, Any]:
    """What the template needs to draw one question as the citizen's page does."""
    options: list[tuple[str, str]] = []
    if q.type in ("select_one", "select_multiple") and q.list_name:
        options = [(c.name, definition.label(c, lang)) for c in definition.choices(q.list_name)]
    elif q.type in SELECTS:
        options = [(code, units.name(code, lang)) for code, kind in units.kinds.items()
                   if kind == q.unit_kind]
    chosen = set(value) if isinstance(value, list) else {value}
    kind = ("note" if q.type == "note" else "choice" if q.type in SELECTS
            else "text" if q.type == "text" else "number")
    return {"name": q.name, "kind": kind, "label": definition.label(q, lang),
            "hint": definition.label(q.hint, lang) if q.hint else "", "required": q.required,
            "multi": q.type in ("select_multiple", "select_multiple_unit"),
            "options": [(v, text, v in chosen) for v, text in options],
            "value": "" if value is None or isinstance(value, list) else str(value), "error": error,
            "when": conditions_json(definition, q.name), "relevant": q.relevant,
            "numeric_mode": "numeric" if q.type == "integer" else "decimal",
            "min": q.min, "max": q.max, "max_length": q.max_length}


def _page(version: QuestionnaireVersion, definition: Definition, state: PreviewState, page: int,
          values: dict[str, Any], errors: dict[str, str], other: list[str], lang: str,
          status: int = 200) -> tuple[str, int]:
    units = _units()
    plan = steps(definition, state, units)
    page = max(0, min(page, len(plan) - 1))
    step = plan[page]
    questions = questions_of(definition, state, step, values)
    known = state.answers if step.unit else {**state.answers, **values}
    summary = [(f"#q-{name}", definition.label(definition.question(name), lang), message)
               for name, message in errors.items()] + [("", "", m) for m in other]
    pending = 0 if any(s.unit for s in plan) or _screened(definition, state) else sum(
        1 for s in definition.sections if s.kind == "unit")
    return render_template(
        "admin/preview.html", version=version, definition=definition, lang=lang,
        state=state.to_json(), page=page, total=len(plan) + pending, last=page == len(plan) - 1
        and not pending, title=definition.label(definition.section(step.section), lang),
        unit_name=units.name(step.unit, lang) if step.unit else "", summary=summary,
        questions=[_view(definition, units, q, values.get(q.name), errors.get(q.name, ""), lang)
                   for q in questions],
        known_answers=known, done=None, issues=[]), status


def _screened(definition: Definition, state: PreviewState) -> bool:
    return screened_out_by(definition, state.answers) is not None


def _done(version: QuestionnaireVersion, definition: Definition, state: PreviewState, lang: str,
          screened_out: str | None) -> tuple[str, int]:
    units = _units()
    answers = [(definition.label(definition.question(name), lang), value)
               for name, value in state.answers.items()]
    ratings = [(units.name(code, lang), [(definition.label(definition.question(name), lang), value)
                                         for name, value in block.items()])
               for code, block in state.ratings.items()]
    return render_template(
        "admin/preview.html", version=version, definition=definition, lang=lang, done=True,
        answers=answers, ratings=ratings, issues=[], state="", screened_out=(
            definition.label(definition.question(screened_out), lang) if screened_out else None),
        title=definition.label(definition.title, lang)), 200


@bp.route("/versions/<dbid:version_id>/preview", methods=["GET", "POST"])
def version_preview(version_id: int) -> tuple[str, int]:
    """The questionnaire as a citizen answers it on a phone; nothing is stored."""
    version = load(get_version, db_session(), version_id)
    definition, _issues = check_document(version.definition)
    if definition is None:
        return render_template("admin/preview.html", version=version, definition=None,
                               issues=issue_sentences(version.definition), done=None,
                               lang=current_language(), title=""), 200
    lang = _language(definition)
    if request.method == "GET" or request.form.get("action") == "restart":
        state = PreviewState()
        return _page(version, definition, state, 0, page_values(state, steps(
            definition, state, _units())[0]), {}, [], lang)
    state = PreviewState.from_json(request.form.get("state", ""))
    units = _units()
    plan = steps(definition, state, units)
    page_text = request.form.get("page", "0")
    page = min(int(page_text), len(plan) - 1) if page_text.isdigit() else 0
    if request.form.get("action") == "back" and page > 0:
        return _page(version, definition, state, page - 1, page_values(state, plan[page - 1]),
                     {}, [], lang)
    values = posted_values(questions_of(definition, state, plan[page], page_values(state, plan[page])),
                           request.form)
    shown = questions_of(definition, state, plan[page], values)
    values = posted_values(shown, request.form)
    checked = check_page(definition, state, units, page, values, lang)
    if checked.errors or checked.other_errors:
        return _page(version, definition, state, page, values, checked.errors,
                     checked.other_errors, lang, 422)
    if checked.next_page is None:
        return _done(version, definition, checked.state, lang, checked.screened_out)
    new_plan = steps(definition, checked.state, units)
    return _page(version, definition, checked.state, checked.next_page,
                 page_values(checked.state, new_plan[checked.next_page]), {}, [], lang)

