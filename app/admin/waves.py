"""Waves: list, create, edit, open/close, quotas, population margins."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.admin import bp
from app.admin._pages import actor, errors_of, field_errors, form_data, load, refused, uploaded_file
from app.database import db_session
from app.i18n import current_language
from survey.errors import DomainError, ValidationFailed
from survey.import_templates import MARGIN_COLUMNS
from survey.invitations import code_counts
from survey.margins import margin_tables, save_margin_tables, upload_margins
from survey.models import Unit, Wave
from survey.quota_table import (
    QuotaGrid,
    default_variables,
    quota_grid,
    save_quota_grid,
    table_variables,
)
from survey.versions import published_versions
from survey.wave_readiness import wave_facts
from survey.waves import (
    DEFAULT_QUARANTINE,
    QUARANTINE_FLAGS,
    WaveInput,
    close_wave,
    create_wave,
    get_wave,
    has_responses,
    list_waves,
    local_time_text,
    open_wave,
    quotas_text,
    set_quotas,
    update_wave,
)

Page = str | tuple[str, int] | Response


def _input(form: dict[str, str]) -> WaveInput:
    units = None if form.get("unit_scope", "all") == "all" else request.form.getlist("units")
    return WaveInput(name=form.get("name", ""), period=form.get("period", ""),
                     version_id=form.get("questionnaire", ""), opens=form.get("opens", ""),
                     closes=form.get("closes", ""), access=form.get("access", ""), units=units,
                     anonymized=bool(form.get("anonymized")),
                     min_duration_s=form.get("min_duration_s", "60"),
                     quarantine_flags=request.form.getlist("quarantine_flags"))


def _form_page(values: dict[str, Any], errors: dict[str, list[str]], wave: Wave | None,
               status: int = 200) -> tuple[str, int]:
    session = db_session()
    versions = [(v.id, f"{v.questionnaire.form_id} v{v.version} — {v.questionnaire.title}")
                for v in published_versions(session)]
    units = session.scalars(select(Unit).where(Unit.active).order_by(Unit.kind, Unit.code)).all()
    return render_template("admin/wave_form.html", values=values, errors=errors, wave=wave,
                           versions=versions, units=units, flags=QUARANTINE_FLAGS), status


def _values(wave: Wave) -> dict[str, Any]:
    return {"name": wave.name, "period": wave.period,
            "questionnaire": str(wave.questionnaire_version_id),
            "opens": local_time_text(wave.opens_at), "closes": local_time_text(wave.closes_at),
            "access": wave.access.value, "anonymized": "1" if wave.anonymized else "",
            "min_duration_s": str(wave.settings.get("min_duration_s", 60)),
            "quarantine_flags": list(wave.settings.get("quarantine_flags", [])),
            "unit_scope": "some", "units": [u.code for u in wave.units]}


@bp.get("/waves")
def waves() -> str:
    """Every wave with its state."""
    return render_template("admin/waves.html", waves=list_waves(db_session()))


@bp.route("/waves/new", methods=["GET", "POST"])
def wave_new() -> Page:
    """Create a draft wave on a published questionnaire version."""
    if request.method == "GET":
        return _form_page({"access": "open", "anonymized": "1", "min_duration_s": "60",
                           "quarantine_flags": DEFAULT_QUARANTINE, "unit_scope": "all", "units": []},
                          {}, None)
    form = form_data()
    data = _input(form)
    session = db_session()
    try:
        wave = create_wave(session, data, actor())
    except DomainError as error:
        session.rollback()
        values = form | {"units": data.units or [], "quarantine_flags": data.quarantine_flags}
        return _form_page(values, field_errors(errors_of(error)), None, 422)
    flash(_("Wave %(name)s created (draft).", name=wave.name), "success")
    return redirect(url_for("admin.wave", wave_id=wave.id), 303)


@bp.route("/waves/<dbid:wave_id>/edit", methods=["GET", "POST"])
def wave_edit(wave_id: int) -> Page:
    """Edit a draft or open wave."""
    session = db_session()
    wave = load(get_wave, session, wave_id)
    if request.method == "GET":
        return _form_page(_values(wave), {}, wave)
    form = form_data()
    data = _input(form)
    try:
        update_wave(session, wave, data, actor())
    except DomainError as error:
        session.rollback()
        session.refresh(wave)
        values = form | {"units": data.units or [], "quarantine_flags": data.quarantine_flags}
        if hasattr(error, "errors"):
            return _form_page(values, field_errors(errors_of(error)), wave, 422)
        return refused(error, url_for("admin.wave", wave_id=wave_id))
    flash(_("Wave %(name)s saved.", name=wave.name), "success")
    return redirect(url_for("admin.wave", wave_id=wave.id), 303)


def _grid(wave: Wave, variables: list[str] | None, typed: dict[str, str] | None = None
          ) -> tuple[QuotaGrid | None, dict[str, list[str]]]:
    """The quota table for ``variables`` (default: those of the wave's quotas), or why not."""
    session = db_session()
    chosen = [v for v in (variables or []) if v] or list(default_variables(session, wave))
    if not chosen:
        return None, {}
    try:
        return quota_grid(session, wave, chosen, typed, current_language()), {}
    except ValidationFailed as error:
        fallback = list(default_variables(session, wave))
        grid = quota_grid(session, wave, fallback, None, current_language()) if fallback else None
        return grid, field_errors(errors_of(error))


def _detail(wave: Wave, status: int = 200, **extra: Any) -> tuple[str, int]:
    session = db_session()
    extra.setdefault("quotas", quotas_text(wave))
    if "grid" not in extra:
        extra["grid"], errors = _grid(wave, request.args.getlist("quota_by"))
        if errors:
            extra.setdefault("quota_table_errors", errors)
    extra.setdefault("margin_tables", margin_tables(session, wave, None, current_language()))
    district_ids = {m.district_unit_id for m in wave.margins if m.district_unit_id}
    districts = dict(session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(district_ids)))
                     .tuples().all())
    return render_template("admin/wave.html", wave=wave, codes=code_counts(session, wave),
                           district_codes=districts, margins=sorted(
                               wave.margins, key=lambda m: (m.district_unit_id or 0, m.variable,
                                                            m.category)),
                           responses=has_responses(session, wave),
                           opens=local_time_text(wave.opens_at),
                           closes=local_time_text(wave.closes_at), margin_columns=MARGIN_COLUMNS,
                           quota_variables=table_variables(session, wave), **extra), status


@bp.get("/waves/<dbid:wave_id>")
def wave(wave_id: int) -> Page:
    """A wave: settings, units, state actions, quotas, margins, invitation codes."""
    return _detail(load(get_wave, db_session(), wave_id))


def _transition(wave_id: int, opening: bool) -> Page:
    session = db_session()
    row = load(get_wave, session, wave_id)
    if request.form.get("confirm") != "1":
        endpoint = "admin.wave_open_confirm" if opening else "admin.wave_close_confirm"
        return redirect(url_for(endpoint, wave_id=wave_id), 303)
    try:
        (open_wave if opening else close_wave)(session, row, actor())
    except DomainError as error:
        session.rollback()
        return refused(error, url_for("admin.wave", wave_id=wave_id))
    flash(_("Wave %(name)s is open.", name=row.name) if opening
          else _("Wave %(name)s is closed.", name=row.name), "success")
    return redirect(url_for("admin.wave", wave_id=wave_id), 303)


def _confirm(wave_id: int, opening: bool) -> Page:
    session = db_session()
    row = load(get_wave, session, wave_id)
    return render_template("admin/wave_confirm.html", wave=row, opening=opening,
                           facts=wave_facts(session, row), opens=local_time_text(row.opens_at),
                           closes=local_time_text(row.closes_at)), 200


@bp.get("/waves/<dbid:wave_id>/open/confirm")
def wave_open_confirm(wave_id: int) -> Page:
    """What opening the wave will do (who can answer, what freezes), and the button."""
    return _confirm(wave_id, True)


@bp.get("/waves/<dbid:wave_id>/close/confirm")
def wave_close_confirm(wave_id: int) -> Page:
    """What closing the wave will do, and the button."""
    return _confirm(wave_id, False)


@bp.post("/waves/<dbid:wave_id>/open")
def wave_open(wave_id: int) -> Page:
    """draft → open, once confirmed."""
    return _transition(wave_id, True)


@bp.post("/waves/<dbid:wave_id>/close")
def wave_close(wave_id: int) -> Page:
    """open → closed, once confirmed."""
    return _transition(wave_id, False)


@bp.post("/waves/<dbid:wave_id>/quotas")
def wave_quotas(wave_id: int) -> Page:
    """Replace the quotas (one ``cell target`` per line)."""
    session = db_session()
    row = load(get_wave, session, wave_id)
    text = request.form.get("quotas", "")
    try:
        set_quotas(session, row, text, actor())
    except DomainError as error:
        session.rollback()
        session.refresh(row)
        return _detail(row, 422, quotas=text, quota_errors=errors_of(error))
    flash(_("Quotas saved."), "success")
    return redirect(url_for("admin.wave", wave_id=wave_id), 303)


@bp.post("/waves/<dbid:wave_id>/quotas/table")
def wave_quota_table(wave_id: int) -> Page:
    """Replace the quotas by the cells of the quota table (errors next to their cells)."""
    session = db_session()
    row = load(get_wave, session, wave_id)
    variables = request.form.getlist("quota_by")
    if not any(variables):
        abort(400)  # not the table's form
    typed = {key[2:]: value for key, value in request.form.items() if key.startswith("q:")}
    try:
        save_quota_grid(session, row, variables, typed, actor())
    except ValidationFailed as error:
        session.rollback()
        session.refresh(row)
        grid, problems = _grid(row, variables, typed)
        return _detail(row, 422, grid=grid,
                       quota_table_errors=problems or field_errors(errors_of(error)))
    except DomainError as error:
        session.rollback()
        return refused(error, url_for("admin.wave", wave_id=wave_id))
    flash(_("Quotas saved."), "success")
    return redirect(url_for("admin.wave", wave_id=wave_id, quota_by=variables, _anchor="quotas"), 303)


@bp.post("/waves/<dbid:wave_id>/margins/table")
def wave_margin_table(wave_id: int) -> Page:
    """Replace the city-wide margins by the shares typed in the tables (sums checked)."""
    session = db_session()
    row = load(get_wave, session, wave_id)
    typed: dict[str, dict[str, str]] = {}
    for key, value in request.form.items():
        if key.startswith("share:"):
            variable, _sep, category = key[len("share:"):].partition(":")
            typed.setdefault(variable, {})[category] = value
    if not typed:
        abort(400)  # not the tables' form
    try:
        warnings = save_margin_tables(session, row, typed, actor())
    except ValidationFailed as error:
        session.rollback()
        session.refresh(row)
        return _detail(row, 422, margin_tables=margin_tables(session, row, typed, current_language()),
                       margin_table_errors=field_errors(errors_of(error)))
    except DomainError as error:
        session.rollback()
        return refused(error, url_for("admin.wave", wave_id=wave_id))
    flash(_("%(count)s margins saved.", count=len(row.margins)), "success")
    for warning in warnings:
        flash(warning, "warning")
    return redirect(url_for("admin.wave", wave_id=wave_id, _anchor="margins"), 303)


@bp.post("/waves/<dbid:wave_id>/margins")
def wave_margins(wave_id: int) -> Page:
    """Upload the population margins CSV (replaces the wave's margins)."""
    session = db_session()
    row = load(get_wave, session, wave_id)
    upload = uploaded_file()
    if upload is None:
        return _detail(row, 422, margin_errors=[("file", _("Choose a file to upload."))])
    try:
        warnings = upload_margins(session, row, upload[0], upload[1], actor())
    except DomainError as error:
        session.rollback()
        session.refresh(row)
        return _detail(row, 422, margin_errors=errors_of(error))
    flash(_("%(count)s margins saved.", count=len(row.margins)), "success")
    for warning in warnings:
        flash(warning, "warning")
    return redirect(url_for("admin.wave", wave_id=wave_id), 303)
