"""Rendering of the builder (not a route module): the whole page, its main part as a fragment for
the script (``static/js/builder.js``), and the node forms as pages or fragments.

A request sent by the script carries ``X-Minyi-Fragment: 1``; it gets the same server-side
operation as a form post without JavaScript, answered with an HTML fragment (the builder's main
part after a change, or the form again with its errors) instead of a redirect or a whole page.
"""

from __future__ import annotations

import json
from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.database import db_session
from app.i18n import current_language
from survey import builder as b
from survey.builder_history import last_change
from survey.builder_words import IssueText, describe_issue, field_labels
from survey.models import QuestionnaireVersion
from survey.questionnaire import PRESETS, QUESTION_TYPES
from survey.questionnaire.question_rules import FIELDS_BY_TYPE
from survey.versions import check_document

FRAGMENT_HEADER = "X-Minyi-Fragment"
#: Languages a questionnaire can be written in: those the survey pages can show.
LANGUAGE_CHOICES = (("zh", "中文"), ("en", "English"))


def wants_fragment() -> bool:
    """The request comes from the builder's script and wants a fragment back."""
    return request.headers.get(FRAGMENT_HEADER) == "1"


def _response(html: str, status: int) -> Response:
    response = make_response(html, status)
    response.headers["Vary"] = FRAGMENT_HEADER
    response.headers["Cache-Control"] = "no-store"
    return response


def issue_sentences(doc: dict[str, Any]) -> list[str]:
    """The draft's issues as sentences in the builder's words (version page, preview)."""
    return [issue.text for issue in described_issues(doc)]


def described_issues(doc: dict[str, Any]) -> list[IssueText]:
    """The draft's issues in the builder's words (where, which field, what to do)."""
    lang = current_language()
    return [describe_issue(doc, i.location, i.message, lang) for i in check_document(doc)[1]]


def main_context(version: QuestionnaireVersion, doc: dict[str, Any], notice: str | None = None,
                 ) -> dict[str, Any]:
    """What the builder's main part shows: issues, undo, choice lists, sections."""
    issues = described_issues(doc)
    by_place: dict[str, list[IssueText]] = {}
    for issue in issues:
        by_place.setdefault(issue.place, []).append(issue)
    return {"version": version, "doc": doc, "langs": b.document_languages(doc), "issues": issues,
            "by_place": by_place, "presets": PRESETS, "lang": current_language(),
            "undo": last_change(db_session(), version), "notice": notice}


def main_fragment(version: QuestionnaireVersion, notice: str | None = None, status: int = 200
                  ) -> Response:
    return _response(render_template("admin/_builder_main.html",
                                     **main_context(version, dict(version.definition), notice)),
                     status)


def settings_form_values(doc: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = b.settings_to_form(doc)
    values["languages"] = b.document_languages(doc)
    return values


def overview(version: QuestionnaireVersion, doc: dict[str, Any], settings: dict[str, Any] | None = None,
             errors: dict[str, list[str]] | None = None, status: int = 200) -> Response:
    """The builder page: settings, then the main part."""
    langs = b.document_languages(doc)
    choices = list(LANGUAGE_CHOICES) + [(code, code) for code in langs
                                        if code not in dict(LANGUAGE_CHOICES)]
    return _response(render_template(
        "admin/builder.html", settings=settings or settings_form_values(doc), errors=errors or {},
        labels=field_labels(), language_choices=choices,
        **main_context(version, doc)), status)


def after_change(version: QuestionnaireVersion, notice: str) -> Response:
    """After a successful change: the main part (script) or back to the builder page (303)."""
    if wants_fragment():
        return main_fragment(version, notice)
    flash(notice, "success")
    return redirect(url_for("admin.builder", version_id=version.id), 303)


def node_page(version: QuestionnaireVersion, doc: dict[str, Any], what: str, form: dict[str, str],
              errors: dict[str, list[str]], action: str, kind: str, status: int = 200) -> Response:
    """The form of a section, group or question (a fragment for the script)."""
    return _response(render_template(
        f"admin/builder_{what}.html", version=version, langs=b.document_languages(doc),
        values=form, errors=errors, action=action, kind=kind,
        lists=list(doc.get("choice_lists") or {}), presets=PRESETS, types=QUESTION_TYPES,
        lang=current_language(), fragment=wants_fragment(), labels=field_labels(what == "group"),
        fields_by_type=json.dumps({t: sorted(f) for t, f in FIELDS_BY_TYPE.items()})), status)


def list_page(version: QuestionnaireVersion, doc: dict[str, Any], form: dict[str, str],
              old_name: str | None, errors: dict[str, list[str]], status: int = 200) -> Response:
    return _response(render_template(
        "admin/builder_list.html", version=version, langs=b.document_languages(doc), values=form,
        rows=b.choice_rows(form), old_name=old_name, errors=errors, fragment=wants_fragment(),
        labels=field_labels()), status)
