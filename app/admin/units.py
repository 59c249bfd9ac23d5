"""Units and peer groups: list, create, edit, deactivate, import a CSV/XLSX table."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.admin import bp
from app.admin._pages import actor, errors_of, field_errors, form_data, load, uploaded_file
from app.database import db_session
from app.import_jobs import start_import
from survey.errors import DomainError
from survey.import_jobs import ImportFile, in_background, table_now
from survey.import_templates import UNIT_COLUMNS
from survey.models import PeerGroup
from survey.units import (
    UnitInput,
    create_peer_group,
    create_unit,
    get_unit,
    import_unit_table,
    peer_groups,
    set_unit_active,
    update_peer_group,
    update_unit,
)


def _input(form: dict[str, str]) -> UnitInput:
    return UnitInput(code=form.get("code", "").strip(), name=form.get("name", "").strip(),
                     name_en=form.get("name_en", "").strip(), kind=form.get("kind", ""),
                     peer_group=form.get("peer_group", ""))


def _form_page(values: dict[str, str], errors: dict[str, list[str]], unit_id: int | None,
               status: int = 200) -> tuple[str, int]:
    session = db_session()
    options = [(g.code, f"{g.code} {g.name}") for g in peer_groups(session)]
    return render_template("admin/unit_form.html", values=values, errors=errors, unit_id=unit_id,
                           group_options=options), status


@bp.get("/units")
def units() -> str:
    """Every unit grouped by peer group, with the forms to add units and groups."""
    return render_template("admin/units.html", groups=peer_groups(db_session()), values={},
                           errors={})


@bp.route("/units/new", methods=["GET", "POST"])
def unit_new() -> tuple[str, int] | Response:
    """Register a unit."""
    if request.method == "GET":
        return _form_page({"kind": "district"}, {}, None)
    form = form_data()
    session = db_session()
    try:
        unit = create_unit(session, _input(form), actor())
    except DomainError as error:
        session.rollback()
        return _form_page(form, field_errors(errors_of(error)), None, 422)
    flash(_("Unit %(code)s saved.", code=unit.code), "success")
    return redirect(url_for("admin.units"), 303)


@bp.route("/units/<dbid:unit_id>/edit", methods=["GET", "POST"])
def unit_edit(unit_id: int) -> tuple[str, int] | Response:
    """Edit a unit's code, names, kind or peer group."""
    session = db_session()
    unit = load(get_unit, session, unit_id)
    if request.method == "GET":
        values = {"code": unit.code, "name": unit.name, "name_en": unit.name_en or "",
                  "kind": unit.kind.value, "peer_group": unit.peer_group.code}
        return _form_page(values, {}, unit.id)
    form = form_data()
    try:
        update_unit(session, unit, _input(form), actor())
    except DomainError as error:
        session.rollback()
        return _form_page(form, field_errors(errors_of(error)), unit_id, 422)
    flash(_("Unit %(code)s saved.", code=unit.code), "success")
    return redirect(url_for("admin.units"), 303)


@bp.post("/units/<dbid:unit_id>/deactivate")
def unit_deactivate(unit_id: int) -> Response:
    """Deactivate a unit (it is no longer offered for new waves)."""
    return _set_active(unit_id, False)


@bp.post("/units/<dbid:unit_id>/activate")
def unit_activate(unit_id: int) -> Response:
    """Reactivate a unit."""
    return _set_active(unit_id, True)


def _set_active(unit_id: int, active: bool) -> Response:
    session = db_session()
    unit = load(get_unit, session, unit_id)
    try:
        set_unit_active(session, unit, active, actor())
        flash(_("Unit %(code)s is active.", code=unit.code) if active
              else _("Unit %(code)s is deactivated.", code=unit.code), "success")
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
    return redirect(url_for("admin.units"), 303)


@bp.post("/peer-groups")
def peer_group_new() -> tuple[str, int] | Response:
    """Register a peer group."""
    form = form_data()
    session = db_session()
    try:
        group = create_peer_group(session, form.get("code", "").strip(),
                                  form.get("name", "").strip(), form.get("name_en", "").strip(),
                                  actor())
    except DomainError as error:
        session.rollback()
        return render_template("admin/units.html", groups=peer_groups(session), values=form,
                               errors=field_errors(errors_of(error))), 422
    flash(_("Peer group %(code)s saved.", code=group.code), "success")
    return redirect(url_for("admin.units"), 303)


@bp.route("/peer-groups/<dbid:group_id>/edit", methods=["GET", "POST"])
def peer_group_edit(group_id: int) -> tuple[str, int] | Response:
    """Rename a peer group."""
    session = db_session()
    group = session.get(PeerGroup, group_id)
    if group is None:
        abort(404)
    if request.method == "GET":
        values = {"name": group.name, "name_en": group.name_en or ""}
        return render_template("admin/peer_group_form.html", group=group, values=values,
                               errors={}), 200
    form = form_data()
    try:
        update_peer_group(session, group_id, form.get("name", "").strip(),
                          form.get("name_en", "").strip(), actor())
    except DomainError as error:
        session.rollback()
        return render_template("admin/peer_group_form.html", group=group, values=form,
                               errors=field_errors(errors_of(error))), 422
    flash(_("Peer group %(code)s saved.", code=group.code), "success")
    return redirect(url_for("admin.units"), 303)


def _import_page(errors: list[tuple[str, str]], status: int = 200) -> tuple[str, int]:
    return render_template("admin/units_import.html", errors=errors, columns=UNIT_COLUMNS), status


@bp.route("/units/import", methods=["GET", "POST"])
def units_import() -> tuple[str, int] | Response:
    """Import units from a .csv or .xlsx file: every bad row reported, nothing imported then."""
    if request.method == "GET":
        return _import_page([])
    upload = uploaded_file()
    if upload is None:
        return _import_page([("file", _("Choose a file to upload."))], 422)
    session = db_session()
    try:
        # a table of more than IMMEDIATE_ROWS rows (or a large workbook) is a background job
        table = table_now(ImportFile("units", *upload))
        if in_background(table):
            return redirect(url_for("admin.import_job",
                                    job_id=start_import(ImportFile("units", *upload), table)), 303)
        imported = import_unit_table(session, upload[0], table, actor())
    except DomainError as error:
        session.rollback()
        return _import_page(errors_of(error), 422)
    flash(_("%(count)s units imported.", count=len(imported)), "success")
    return redirect(url_for("admin.units"), 303)
