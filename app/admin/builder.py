"""The browser builder: forms that edit a draft questionnaire version part by part; every edit
re-validates the whole definition and can be undone.

Without JavaScript every operation is a form post answered by a redirect to the builder page;
with it, ``static/js/builder.js`` sends the same posts with ``X-Minyi-Fragment: 1`` and swaps in
the fragment it gets back (see ``app/admin/_builder_pages.py``). An edit that adds a problem to
the part being edited is refused and the form comes back with what was typed and the messages
at their fields; other issues (e.g. a section that has no questions yet) are listed on the
builder page in the administrator's words, and publishing requires none.
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.admin import bp
from app.admin._builder_pages import after_change, list_page, node_page, overview
from app.admin._pages import actor, errors_of, field_errors, form_data, load, refused
from app.database import db_session
from app.i18n import current_language
from survey import builder as b
from survey.builder_history import save_change, undo_last
from survey.builder_words import field_labels, node_words
from survey.errors import DomainError
from survey.models import QuestionnaireVersion
from survey.questionnaire import PRESETS
from survey.versions import check_document, create_draft, ensure_editable, get_version

Page = str | tuple[str, int] | Response


def _editable(version_id: int) -> tuple[QuestionnaireVersion, dict[str, Any]] | tuple[None, Page]:
    version = load(get_version, db_session(), version_id)
    try:
        ensure_editable(version)
    except DomainError as error:
        return None, refused(error, url_for("admin.version", version_id=version_id))
    return version, dict(version.definition)


def _issue_keys(doc: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(*b.issue_place(i.location), i.message) for i in check_document(doc)[1]}


def _save(version: QuestionnaireVersion, old: dict[str, Any], new: dict[str, Any], place: str | None,
          change: str, description: str) -> dict[str, list[str]] | None:
    """Save ``new`` unless it adds issues at ``place``; returns those issues by field if refused."""
    if place is not None:
        added = _issue_keys(new) - _issue_keys(old)
        mine = [(field or "", message) for where, field, message in sorted(added)
                if where == place and field != "items"]
        if mine:
            return field_errors(mine)
    session = db_session()
    save_change(session, version, old, new, actor(), change, description)
    return None


@bp.route("/builder/new", methods=["GET", "POST"])
def builder_new() -> Page:
    """Start a questionnaire in the builder (form id and titles)."""
    if request.method == "GET":
        return render_template("admin/builder_new.html", values={}, errors={}, labels=field_labels())
    form = form_data()
    session = db_session()
    try:
        version = create_draft(session, form.get("form_id", "").strip(),
                               {"zh": form.get("title_zh", "").strip(),
                                "en": form.get("title_en", "").strip()}, actor())
    except DomainError as error:
        session.rollback()
        return render_template("admin/builder_new.html", values=form, labels=field_labels(),
                               errors=field_errors(errors_of(error))), 422
    return redirect(url_for("admin.builder", version_id=version.id), 303)


@bp.get("/versions/<dbid:version_id>/builder")
def builder(version_id: int) -> Page:
    """The draft's outline: settings, choice lists, sections and their items, every issue."""
    found = _editable(version_id)
    if found[0] is None:
        return found[1]
    version, doc = found
    return overview(version, doc)


@bp.post("/versions/<dbid:version_id>/builder/settings")
def builder_settings(version_id: int) -> Page:
    """Save titles, languages (chosen from a list) and the version label."""
    found = _editable(version_id)
    if found[0] is None:
        return found[1]
    version, doc = found
    form = form_data()
    languages = request.form.getlist("languages")
    new = b.settings_from_form(doc, {**form, "languages": ",".join(languages)})
    errors = _save(version, doc, new, "settings", "settings", _("Settings saved."))
    if errors:
        return overview(version, doc, {**form, "languages": languages}, errors, 422)
    return after_change(version, _("Settings saved."))


@bp.post("/versions/<dbid:version_id>/builder/undo")
def builder_undo(version_id: int) -> Page:
    """Undo the last change made in the builder."""
    found = _editable(version_id)
    if found[0] is None:
        return found[1]
    version, doc = found
    session = db_session()
    try:
        undone = undo_last(session, version, actor())
    except DomainError as error:
        session.rollback()
        return refused(error, url_for("admin.builder", version_id=version_id))
    return after_change(version, _("Undone: %(change)s", change=undone))


# --- choice lists ------------------------------------------------------------------------------


def _with_spare_rows(form: dict[str, str], langs: list[str]) -> dict[str, str]:
    rows = b.choice_rows(form)
    start = rows[-1] + 1 if rows else 0
    name = form.get("list_name", "")
    spare = b.choice_list_to_form(name, [{} for _ in range(b.SPARE_CHOICE_ROWS)], langs)
    renumbered = {k.replace(f"choice-{i}-", f"choice-{i + start}-"): v
                  for i in range(b.SPARE_CHOICE_ROWS) for k, v in spare.items()
                  if k.startswith(f"choice-{i}-")}
    return {**form, **renumbered}


@bp.route("/versions/<dbid:version_id>/builder/lists/new", methods=["GET", "POST"],
          defaults={"name": None})
@bp.route("/versions/<dbid:version_id>/builder/lists/<name>", methods=["GET", "POST"])
def builder_list(version_id: int, name: str | None) -> Page:
    """Add or edit a choice list (one row per option; blank rows are ignored)."""
    found = _editable(version_id)
    if found[0] is None:
        return found[1]
    version, doc = found
    langs = b.document_languages(doc)
    lists = doc.get("choice_lists") or {}
    if name is not None and name not in lists:
        abort(404)
    if request.method == "GET":
        form = b.choice_list_to_form(name or "", lists.get(name, []) if name else [], langs)
        return list_page(version, doc, _with_spare_rows(form, langs), name, {})
    form = form_data()
    new_name, choices, number_errors = b.choice_list_from_form(form, langs)
    errors = field_errors(number_errors)
    if not new_name:
        errors.setdefault("list_name", []).append(_("A name is required."))
    elif new_name != name and new_name in lists:
        errors.setdefault("list_name", []).append(_("A list with this name already exists."))
    notice = _("Choice list %(name)s saved.", name=new_name)
    if not errors:
        new = b.set_choice_list(doc, name, new_name, choices)
        errors = _save(version, doc, new, f"list:{new_name}", f"list {new_name}", notice) or {}
    if errors:
        return list_page(version, doc, _with_spare_rows(form, langs), name, errors, 422)
    return after_change(version, notice)


@bp.post("/versions/<dbid:version_id>/builder/lists/<name>/delete")
def builder_list_delete(version_id: int, name: str) -> Page:
    """Delete a choice list (questions using it are then listed as issues)."""
    found = _editable(version_id)
    if found[0] is None:
        return found[1]
    version, doc = found
    notice = _("Choice list %(name)s deleted.", name=name)
    _save(version, doc, b.delete_choice_list(doc, name), None, f"delete list {name}", notice)
    return after_change(version, notice)


@bp.post("/versions/<dbid:version_id>/builder/lists/preset")
def builder_list_preset(version_id: int) -> Page:
    """Add an answer scale preset (5-level satisfaction with points, 3-level, yes/no)."""
    found = _editable(version_id)
    if found[0] is None:
        return found[1]
    version, doc = found
    key = request.form.get("preset", "")
    if key not in PRESETS:
        abort(400)
    new, list_name = b.add_preset_list(doc, key)
    notice = _("Choice list %(name)s saved.", name=list_name)
    _save(version, doc, new, None, f"preset {key}", notice)
    return after_change(version, notice)


# --- sections, groups, questions ---------------------------------------------------------------


def _path(node: str) -> tuple[int, ...]:
    try:
        return b.parse_path(node)
    except ValueError:
        abort(404)


def _node(doc: dict[str, Any], path: tuple[int, ...]) -> dict[str, Any]:
    try:
        return b.get_node(doc, path)
    except (LookupError, TypeError, AttributeError):
        abort(404)


def _kind_of(doc: dict[str, Any], path: tuple[int, ...]) -> str:
    return str(_node(doc, path[:1]).get("kind", "respondent"))


def _what(node: dict[str, Any], path: tuple[int, ...]) -> str:
    if len(path) == 1:
        return "section"
    return "group" if node.get("type") == "group" else "question"


def _from_form(what: str, form: dict[str, str], doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list]:
    """``(node, doc with any preset list added, number errors)``."""
    langs = b.document_languages(doc)
    if what == "section":
        return b.section_from_form(form, langs), doc, []
    if what == "group":
        return b.group_from_form(form, langs), doc, []
    question, errors = b.question_from_form(form, langs)
    preset = form.get("preset", "")
    if preset in PRESETS and question.get("type") in ("select_one", "select_multiple"):
        doc, list_name = b.add_preset_list(doc, preset)
        question["list"] = list_name
    return question, doc, errors


def _where(doc: dict[str, Any], path: tuple[int, ...]) -> str:
    return node_words(doc, path, current_language())


@bp.route("/versions/<dbid:version_id>/builder/sections/new", methods=["GET", "POST"])
def builder_section_new(version_id: int) -> Page:
    """Add a section (respondent: asked once; unit: asked for each rated unit)."""
    found = _editable(version_id)
    if found[0] is None:
        return found[1]
    version, doc = found
    action = url_for("admin.builder_section_new", version_id=version_id)
    if request.method == "GET":
        return node_page(version, doc, "section", {"kind": "respondent"}, {}, action, "")
    form = form_data()
    section = b.section_from_form(form, b.document_languages(doc))
    new = b.add_section(doc, section)
    place = str(len(new["sections"]) - 1)
    notice = _("Section %(name)s saved.", name=section["name"])
    errors = _save(version, doc, new, place, f"add section {section['name']}", notice)
    if errors:
        return node_page(version, doc, "section", form, errors, action, "", 422)
    return after_change(version, notice)


#: A new question starts as a required single choice; a scored item weighs 1 unless changed.
NEW_QUESTION = {"type": "select_one", "required": "1", "weight": "1"}


@bp.route("/versions/<dbid:version_id>/builder/nodes/<node>/add/<what>", methods=["GET", "POST"])
def builder_item_new(version_id: int, node: str, what: str) -> Page:
    """Add a question or a group at the end of the section or group ``node``."""
    found = _editable(version_id)
    if found[0] is None:
        return found[1]
    version, doc = found
    if what not in ("question", "group"):
        abort(404)
    container = _path(node)
    parent = _node(doc, container)
    if len(container) > 1 and parent.get("type") != "group":
        abort(404)
    kind = _kind_of(doc, container)
    action = url_for("admin.builder_item_new", version_id=version_id, node=node, what=what)
    if request.method == "GET":
        return node_page(version, doc, what, dict(NEW_QUESTION) if what == "question" else {}, {},
                         action, kind)
    form = form_data()
    item, with_lists, number_errors = _from_form(what, form, doc)
    place = b.path_text((*container, len(parent.get("items") or [])))
    notice = _("%(name)s saved.", name=item["name"])
    errors = field_errors(number_errors) or _save(
        version, doc, b.add_item(with_lists, container, item), place, f"add {what} {item['name']}",
        _("Added %(name)s to %(where)s", name=item["name"], where=_where(doc, container)))
    if errors:
        return node_page(version, doc, what, form, errors, action, kind, 422)
    return after_change(version, notice)


@bp.route("/versions/<dbid:version_id>/builder/nodes/<node>", methods=["GET", "POST"])
def builder_node(version_id: int, node: str) -> Page:
    """Edit a section, group or question."""
    found = _editable(version_id)
    if found[0] is None:
        return found[1]
    version, doc = found
    path = _path(node)
    current = _node(doc, path)
    what = _what(current, path)
    kind = _kind_of(doc, path)
    action = url_for("admin.builder_node", version_id=version_id, node=node)
    langs = b.document_languages(doc)
    if request.method == "GET":
        to_form = {"section": b.section_to_form, "group": b.group_to_form,
                   "question": b.question_to_form}[what]
        return node_page(version, doc, what, to_form(current, langs), {}, action, kind)
    form = form_data()
    item, with_lists, number_errors = _from_form(what, form, doc)
    notice = _("%(name)s saved.", name=item["name"])
    errors = field_errors(number_errors) or _save(
        version, doc, b.replace_node(with_lists, path, item), node, f"edit {item['name']}",
        _("Edited %(where)s", where=_where(doc, path)))
    if errors:
        return node_page(version, doc, what, form, errors, action, kind, 422)
    return after_change(version, notice)


@bp.post("/versions/<dbid:version_id>/builder/nodes/<node>/move")
def builder_node_move(version_id: int, node: str) -> Page:
    """Move a section or item one place up or down, or to position ``to`` among its siblings."""
    found = _editable(version_id)
    if found[0] is None:
        return found[1]
    version, doc = found
    path = _path(node)
    name = _node(doc, path).get("name", node)
    target = request.form.get("to", "")
    if target.isdigit():
        new = b.move_node_to(doc, path, int(target))
    else:
        new = b.move_node(doc, path, -1 if request.form.get("direction") == "up" else 1)
    notice = _("%(name)s moved.", name=name)
    if new != doc:
        _save(version, doc, new, None, f"move {node}", _("Moved %(where)s", where=_where(doc, path)))
    return after_change(version, notice)


@bp.post("/versions/<dbid:version_id>/builder/nodes/<node>/duplicate")
def builder_node_duplicate(version_id: int, node: str) -> Page:
    """Copy a section or item right after it (the copy gets new names)."""
    found = _editable(version_id)
    if found[0] is None:
        return found[1]
    version, doc = found
    path = _path(node)
    name = _node(doc, path).get("name", node)
    new, copy_path = b.duplicate_node(doc, path)
    copy_name = b.get_node(new, copy_path).get("name", "")
    notice = _("%(name)s copied as %(copy)s.", name=name, copy=copy_name)
    _save(version, doc, new, None, f"duplicate {name}", _("Copied %(where)s", where=_where(doc, path)))
    return after_change(version, notice)


@bp.post("/versions/<dbid:version_id>/builder/nodes/<node>/delete")
def builder_node_delete(version_id: int, node: str) -> Page:
    """Delete a section or item (references to it are then listed as issues; undo restores it)."""
    found = _editable(version_id)
    if found[0] is None:
        return found[1]
    version, doc = found
    path = _path(node)
    name = _node(doc, path).get("name", node)
    notice = _("%(name)s deleted.", name=name)
    _save(version, doc, b.delete_node(doc, path), None, f"delete {name}",
          _("Deleted %(where)s", where=_where(doc, path)))
    return after_change(version, notice)
