"""Waves: create and edit (dates in Asia/Shanghai, stored UTC), guarded open/close, evaluated
units, quotas per stratum cell. Every change is audited with old and new values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from survey import audit
from survey.errors import Conflict, NotFound, ValidationFailed
from survey.i18n import _
from survey.models import (
    AccessMode,
    Quota,
    Submission,
    SurveySession,
    Unit,
    VersionStatus,
    Wave,
    WaveState,
)
from survey.models.questionnaires import QuestionnaireVersion
from survey.models.waves import WAVE_TIMEZONE
from survey.quality import DEFAULT_SETTINGS as QUALITY_DEFAULTS
from survey.quality import SUBMISSION_FLAGS
from survey.strata import explain_variable, stratum_categories, wave_definition

LOCAL = ZoneInfo(WAVE_TIMEZONE)
PERIOD = re.compile(r"[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?")
#: Flags set at submission that may send a response to quarantine (survey.quality raises them).
QUARANTINE_FLAGS = SUBMISSION_FLAGS
DEFAULT_QUARANTINE = sorted(QUALITY_DEFAULTS["quarantine_flags"])
MAX_QUOTAS = 2000


@dataclass
class WaveInput:
    """What an administrator typed for a wave (strings, as from a form or the CLI)."""

    name: str
    period: str
    version_id: str
    opens: str
    closes: str
    access: str
    units: list[str] | None = None  # None: every active unit
    anonymized: bool = True
    min_duration_s: str = "60"
    quarantine_flags: list[str] = field(default_factory=lambda: list(DEFAULT_QUARANTINE))


def parse_local_time(text: str) -> datetime:
    """An ISO date-time; without an offset it is Asia/Shanghai local time. Returns UTC."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL)
    return value.astimezone(UTC)


def local_time_text(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM`` in Asia/Shanghai (the value of a datetime-local input)."""
    return moment.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")


def get_wave(session: Session, wave_id: int) -> Wave:
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise NotFound(_("No such wave."))
    return wave


def has_responses(session: Session, wave: Wave) -> bool:
    return bool(session.scalar(select(func.count(Submission.id)).where(
        Submission.wave_id == wave.id)))


def _snapshot(wave: Wave) -> dict[str, Any]:
    return {"name": wave.name, "period": wave.period,
            "questionnaire_version_id": wave.questionnaire_version_id,
            "opens_at": wave.opens_at, "closes_at": wave.closes_at, "access": wave.access,
            "anonymized": wave.anonymized, "state": wave.state, "settings": wave.settings,
            "units": [u.code for u in wave.units]}


def _check(session: Session, data: WaveInput) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    if not PERIOD.fullmatch(data.period.strip()):
        errors.append(("period", _("Write the period as YYYY-Qn (2026-Q4), YYYY-MM (2026-11) or "
                                   "YYYY (2026).")))
    values["period"] = data.period.strip()
    version = None
    if data.version_id.strip().isdigit() and int(data.version_id) < 2**31:  # an INTEGER id
        version = session.get(QuestionnaireVersion, int(data.version_id))
    if version is None:
        errors.append(("questionnaire", _("Choose a questionnaire version.")))
    elif version.status != VersionStatus.PUBLISHED:
        errors.append(("questionnaire", _("Only a published questionnaire version can be used "
                                          "in a wave.")))
    values["version"] = version
    for key, text in (("opens", data.opens), ("closes", data.closes)):
        try:
            values[key] = parse_local_time(text)
        except ValueError:
            errors.append((key, _("Enter a date and time such as 2026-10-01T08:00 (Asia/Shanghai).")))
    if "opens" in values and "closes" in values and values["closes"] <= values["opens"]:
        errors.append(("closes", _("The closing time must be after the opening time.")))
    if data.access not in {a.value for a in AccessMode}:
        errors.append(("access", _("The access mode is open or invitation.")))
    if data.units is None:
        values["units"] = list(session.scalars(select(Unit).where(Unit.active).order_by(Unit.code)))
    else:
        codes = list(dict.fromkeys(c.strip() for c in data.units if c.strip()))
        found = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))}
        unknown = [c for c in codes if c not in found]
        if unknown:
            errors.append(("units", _("Unknown unit code(s): %(codes)s.", codes=", ".join(unknown))))
        values["units"] = [found[c] for c in codes if c in found]
    if not values["units"] and not any(f == "units" for f, _m in errors):
        errors.append(("units", _("Choose at least one unit to evaluate.")))
    try:
        minimum = int(data.min_duration_s.strip() or "60")
        if not 0 <= minimum <= 3600:
            raise ValueError
    except ValueError:
        errors.append(("min_duration_s", _("Enter whole seconds between 0 and 3600.")))
        minimum = 60
    flags = [f for f in data.quarantine_flags if f]
    if any(f not in QUARANTINE_FLAGS for f in flags):
        errors.append(("quarantine_flags", _("Unknown quality flag.")))
    values["settings"] = {"min_duration_s": minimum, "quarantine_flags": sorted(set(flags))}
    name = data.name.strip()
    if not name and version is not None:
        name = f"{values['period']} {version.questionnaire.title}"
    if not name or len(name) > 200:
        errors.append(("name", _("A name of at most 200 characters is required.")))
    values["name"] = name[:200]
    return values, errors


def create_wave(session: Session, data: WaveInput, actor: str) -> Wave:
    """A new draft wave; ``ValidationFailed`` lists every problem."""
    values, errors = _check(session, data)
    if errors:
        raise ValidationFailed(errors)
    wave = Wave(name=values["name"], period=values["period"],
                questionnaire_version=values["version"], opens_at=values["opens"],
                closes_at=values["closes"], access=AccessMode(data.access),
                anonymized=data.anonymized, settings=values["settings"], created_by=actor)
    wave.units = values["units"]
    session.add(wave)
    session.flush()
    audit.record(session, actor, "wave.create", "wave", wave.id, new=_snapshot(wave))
    return wave


def update_wave(session: Session, wave: Wave, data: WaveInput, actor: str) -> Wave:
    """Edit a draft or open wave; its questionnaire cannot change once it has responses."""
    if wave.state == WaveState.CLOSED:
        raise Conflict(_("Wave %(name)s is closed and can no longer be edited.", name=wave.name))
    values, errors = _check(session, data)
    version = values.get("version")
    if version is not None and version.id != wave.questionnaire_version_id and has_responses(session, wave):
        errors.append(("questionnaire", _(
            "This wave already has responses, so its questionnaire version cannot change.")))
    if errors or version is None:  # no version always comes with an error
        raise ValidationFailed(errors)
    old = _snapshot(wave)
    wave.name, wave.period = values["name"], values["period"]
    wave.questionnaire_version = version
    wave.opens_at, wave.closes_at = values["opens"], values["closes"]
    wave.access, wave.anonymized = AccessMode(data.access), data.anonymized
    wave.settings = {**(wave.settings or {}), **values["settings"]}
    wave.units = values["units"]
    session.flush()
    audit.record(session, actor, "wave.update", "wave", wave.id, old=old, new=_snapshot(wave))
    return wave


def open_wave(session: Session, wave: Wave, actor: str) -> None:
    """draft → open (the model refuses anything else, e.g. reopening a closed wave)."""
    old = {"state": wave.state}
    wave.open()
    session.flush()
    audit.record(session, actor, "wave.open", "wave", wave.id, old=old, new={"state": wave.state})


def close_wave(session: Session, wave: Wave, actor: str) -> None:
    """open → closed; the answers of surveys started but never sent are forgotten."""
    old = {"state": wave.state}
    wave.close()
    # a DELETE's result is a CursorResult (the ORM's execute is typed with the general Result)
    abandoned = cast(CursorResult[Any], session.execute(
        delete(SurveySession).where(SurveySession.wave_id == wave.id)))
    session.flush()
    audit.record(session, actor, "wave.close", "wave", wave.id, old=old,
                 new={"state": wave.state, "abandoned_surveys_deleted": abandoned.rowcount})


def parse_quotas(session: Session, wave: Wave, text: str) -> list[tuple[str, int]]:
    """Quota lines ``cell target`` (or ``cell,target``), e.g. ``district=D01*age_band=60-69 120``.

    Cells are stored with their variables in alphabetical order. ``ValidationFailed`` names
    every bad line.
    """
    definition = wave_definition(wave)
    categories = stratum_categories(session, definition, wave)
    out: dict[str, tuple[int, int]] = {}
    errors: list[tuple[str, str]] = []
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    for number, line in lines[:MAX_QUOTAS + 1]:
        where = _("line %(line)s", line=number)
        parts = re.split(r"[\s,;\t]+", line)
        if len(parts) != 2 or not parts[1].isdigit():
            errors.append((where, _("Write a cell and a whole target, e.g. "
                                    "district=D01*age_band=60-69 120.")))
            continue
        cell_parts: dict[str, str] = {}
        for piece in parts[0].split("*"):
            variable, sep, category = piece.partition("=")
            if not sep or not variable or not category:
                errors.append((where, _("%(piece)s is not variable=category.", piece=piece)))
            elif variable in cell_parts:
                errors.append((where, _("%(variable)s appears twice in the cell.", variable=variable)))
            elif variable not in categories:
                errors.append((where, explain_variable(definition, variable)))
            elif category not in categories[variable]:
                errors.append((where, _("%(category)s is not a category of %(variable)s.",
                                        category=category, variable=variable)))
            else:
                cell_parts[variable] = category
        if len(errors) and errors[-1][0] == where:
            continue
        cell = "*".join(f"{k}={cell_parts[k]}" for k in sorted(cell_parts))
        if cell in out:
            errors.append((where, _("The cell %(cell)s is also on line %(line)s.", cell=cell,
                                    line=out[cell][1])))
        out[cell] = (int(parts[1]), number)
    if len(lines) > MAX_QUOTAS:
        errors.append(("quotas", _("At most %(max)s quota cells.", max=MAX_QUOTAS)))
    if errors:
        raise ValidationFailed(errors)
    return [(cell, target) for cell, (target, _n) in out.items()]


def set_quotas(session: Session, wave: Wave, text: str, actor: str) -> list[Quota]:
    """Replace the wave's quotas by the cells typed in ``text`` (see :func:`parse_quotas`)."""
    if wave.state == WaveState.CLOSED:
        raise Conflict(_("Wave %(name)s is closed and can no longer be edited.", name=wave.name))
    quotas = parse_quotas(session, wave, text)
    old = {q.cell: q.target for q in wave.quotas}
    wave.quotas.clear()
    session.flush()
    for cell, target in quotas:
        wave.quotas.append(Quota(cell=cell, target=target))
    session.flush()
    audit.record(session, actor, "wave.quotas", "wave", wave.id, old=old,
                 new={q.cell: q.target for q in wave.quotas})
    return list(wave.quotas)


def quotas_text(wave: Wave) -> str:
    return "\n".join(f"{q.cell} {q.target}" for q in wave.quotas)


def list_waves(session: Session) -> list[Wave]:
    return list(session.scalars(select(Wave).order_by(Wave.opens_at.desc(), Wave.id.desc())))
