"""Waves: list, create, edit, open/close, quotas, population margins."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.admin import bp
from app.admin._pages import actor, errors_of, field_errors, form_data, load, refused, uploaded_file
from app.database import db_session
from survey.errors import DomainError
from survey.invitations import code_counts
from survey.margins import upload_margins
from survey.models import Unit, Wave
from survey.versions import published_versions
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
        session.commit()
    except DomainError as error:
        session.rollback()
        values = form | {"units": data.units or [], "quarantine_flags": data.quarantine_flags}
        return _form_page(values, field_errors(errors_of(error)), None, 422)
    flash(_("Wave %(name)s created (draft).", name=wave.name), "success")
    return redirect(url_for("admin.wave", wave_id=wave.id), 303)


@bp.route("/waves/<int:wave_id>/edit", methods=["GET", "POST"])
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
        session.commit()
    except DomainError as error:
        session.rollback()
        session.refresh(wave)
        values = form | {"units": data.units or [], "quarantine_flags": data.quarantine_flags}
        if hasattr(error, "errors"):
            return _form_page(values, field_errors(errors_of(error)), wave, 422)
        return refused(error, url_for("admin.wave", wave_id=wave_id))
    flash(_("Wave %(name)s saved.", name=wave.name), "success")
    return redirect(url_for("admin.wave", wave_id=wave.id), 303)


def _detail(wave: Wave, status: int = 200, **extra: Any) -> tuple[str, int]:
    session = db_session()
    extra.setdefault("quotas", quotas_text(wave))
    district_ids = {m.district_unit_id for m in wave.margins if m.district_unit_id}
    districts = dict(session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(district_ids))).all())
    return render_template("admin/wave.html", wave=wave, codes=code_counts(session, wave),
                           district_codes=districts, margins=sorted(
                               wave.margins, key=lambda m: (m.district_unit_id or 0, m.variable,
                                                            m.category)),
                           responses=has_responses(session, wave),
                           opens=local_time_text(wave.opens_at),
                           closes=local_time_text(wave.closes_at), **extra), status


@bp.get("/waves/<int:wave_id>")
def wave(wave_id: int) -> Page:
    """A wave: settings, units, state actions, quotas, margins, invitation codes."""
    return _detail(load(get_wave, db_session(), wave_id))


def _transition(wave_id: int, opening: bool) -> Page:
    session = db_session()
    row = load(get_wave, session, wave_id)
    try:
        (open_wave if opening else close_wave)(session, row, actor())
        session.commit()
    except DomainError as error:
        session.rollback()
        return refused(error, url_for("admin.wave", wave_id=wave_id))
    flash(_("Wave %(name)s is open.", name=row.name) if opening
          else _("Wave %(name)s is closed.", name=row.name), "success")
    return redirect(url_for("admin.wave", wave_id=wave_id), 303)


@bp.post("/waves/<int:wave_id>/open")
def wave_open(wave_id: int) -> Page:
    """draft → open."""
    return _transition(wave_id, True)


@bp.post("/waves/<int:wave_id>/close")
def wave_close(wave_id: int) -> Page:
    """open → closed."""
    return _transition(wave_id, False)


@bp.post("/waves/<int:wave_id>/quotas")
def wave_quotas(wave_id: int) -> Page:
    """Replace the quotas (one ``cell target`` per line)."""
    session = db_session()
    row = load(get_wave, session, wave_id)
    text = request.form.get("quotas", "")
    try:
        set_quotas(session, row, text, actor())
        session.commit()
    except DomainError as error:
        session.rollback()
        session.refresh(row)
        return _detail(row, 422, quotas=text, quota_errors=errors_of(error))
    flash(_("Quotas saved."), "success")
    return redirect(url_for("admin.wave", wave_id=wave_id), 303)


@bp.post("/waves/<int:wave_id>/margins")
def wave_margins(wave_id: int) -> Page:
    """Upload the population margins CSV (replaces the wave's margins)."""
    session = db_session()
    row = load(get_wave, session, wave_id)
    upload = uploaded_file()
    if upload is None:
        return _detail(row, 422, margin_errors=[("file", _("Choose a file to upload."))])
    try:
        warnings = upload_margins(session, row, upload[0], upload[1], actor())
        session.commit()
    except DomainError as error:
        session.rollback()
        session.refresh(row)
        return _detail(row, 422, margin_errors=errors_of(error))
    flash(_("%(count)s margins saved.", count=len(row.margins)), "success")
    for warning in warnings:
        flash(warning, "warning")
    return redirect(url_for("admin.wave", wave_id=wave_id), 303)
