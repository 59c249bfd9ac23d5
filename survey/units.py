"""Units (districts, departments) and peer groups: create, edit, deactivate, import a table.

Every change writes an audit row with the old and new values. Imports are all-or-nothing: every
bad row is reported (row, column, reason) and nothing is written when any row is bad; large
ones run as background jobs (survey.import_jobs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from survey import audit
from survey.errors import Conflict, NotFound, ValidationFailed
from survey.i18n import _
from survey.jobs import Progress, no_progress
from survey.models import AuditLog, PeerGroup, Unit, UnitKind
from survey.upload_files import Table, read_table

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
UNIT_FIELDS = ("code", "name", "name_en", "kind", "peer_group_code", "active")
IMPORT_COLUMNS = ("code", "name", "name_en", "kind", "peer_group", "peer_group_name")
REQUIRED_COLUMNS = ("code", "name", "kind", "peer_group")
#: Rows checked between two progress reports of an import.
PROGRESS_EVERY = 2_000
#: New units inserted (and audited) per round of multi-row statements.
STORE_BATCH = 5_000


@dataclass(frozen=True)
class UnitInput:
    """What an administrator typed for a unit (strings, validated by :func:`check_unit`)."""

    code: str
    name: str
    name_en: str
    kind: str
    peer_group: str


def _unit_snapshot(unit: Unit) -> dict[str, object]:
    return {"code": unit.code, "name": unit.name, "name_en": unit.name_en,
            "kind": unit.kind.value, "peer_group_code": unit.peer_group.code,
            "active": unit.active}


def check_unit(data: UnitInput, known_groups: set[str]) -> list[tuple[str, str]]:
    """Every problem of ``data`` as ``(field, message)``; ``known_groups`` are peer group codes."""
    errors: list[tuple[str, str]] = []
    if not CODE.fullmatch(data.code):
        errors.append(("code", _("A code is 1–32 letters, digits, '_', '.' or '-'.")))
    if not data.name or len(data.name) > 200:
        errors.append(("name", _("A name of at most 200 characters is required.")))
    if len(data.name_en) > 200:
        errors.append(("name_en", _("The English name has at most 200 characters.")))
    if data.kind not in {k.value for k in UnitKind}:
        errors.append(("kind", _("The kind is district or department.")))
    if not data.peer_group:
        errors.append(("peer_group", _("A peer group is required.")))
    elif data.peer_group not in known_groups:
        errors.append(("peer_group", _("Unknown peer group %(code)s.", code=data.peer_group)))
    return errors


def peer_groups(session: Session) -> list[PeerGroup]:
    return list(session.scalars(select(PeerGroup).order_by(PeerGroup.code)))


def create_peer_group(session: Session, code: str, name: str, name_en: str, actor: str) -> PeerGroup:
    """Register a peer group (code unique)."""
    errors: list[tuple[str, str]] = []
    if not CODE.fullmatch(code):
        errors.append(("code", _("A code is 1–32 letters, digits, '_', '.' or '-'.")))
    if not name or len(name) > 200:
        errors.append(("name", _("A name of at most 200 characters is required.")))
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(PeerGroup.id).where(PeerGroup.code == code)) is not None:
        raise ValidationFailed([("code", _("The code %(code)s is already used.", code=code))])
    group = PeerGroup(code=code, name=name, name_en=name_en or None)
    session.add(group)
    session.flush()
    audit.record(session, actor, "peer_group.create", "peer_group", group.id,
                 new={"code": code, "name": name, "name_en": name_en or None})
    return group


def update_peer_group(session: Session, group_id: int, name: str, name_en: str, actor: str) -> PeerGroup:
    """Rename a peer group (its code stays: imports and results refer to it)."""
    group = session.get(PeerGroup, group_id)
    if group is None:
        raise NotFound(_("No such peer group."))
    if not name or len(name) > 200:
        raise ValidationFailed([("name", _("A name of at most 200 characters is required."))])
    old = {"code": group.code, "name": group.name, "name_en": group.name_en}
    group.name, group.name_en = name, name_en or None
    session.flush()
    audit.record(session, actor, "peer_group.update", "peer_group", group.id, old=old,
                 new={"code": group.code, "name": group.name, "name_en": group.name_en})
    return group


def _group_codes(session: Session) -> dict[str, PeerGroup]:
    return {g.code: g for g in peer_groups(session)}


def create_unit(session: Session, data: UnitInput, actor: str) -> Unit:
    """Register a unit; ``ValidationFailed`` lists every problem."""
    groups = _group_codes(session)
    errors = check_unit(data, set(groups))
    if not errors and session.scalar(select(Unit.id).where(Unit.code == data.code)) is not None:
        errors.append(("code", _("The code %(code)s is already used.", code=data.code)))
    if errors:
        raise ValidationFailed(errors)
    return _new_unit(session, data, groups[data.peer_group], actor)


def _new_unit(session: Session, data: UnitInput, group: PeerGroup, actor: str) -> Unit:
    unit = Unit(code=data.code, name=data.name, name_en=data.name_en or None,
                kind=UnitKind(data.kind), peer_group=group, active=True)
    session.add(unit)
    session.flush()
    audit.record(session, actor, "unit.create", "unit", unit.id, new=_unit_snapshot(unit))
    return unit


def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(_("No such unit."))
    return unit


def update_unit(session: Session, unit: Unit, data: UnitInput, actor: str) -> Unit:
    """Change a unit's code, names, kind or peer group (audited old → new)."""
    groups = _group_codes(session)
    errors = check_unit(data, set(groups))
    if not errors and data.code != unit.code and session.scalar(
            select(Unit.id).where(Unit.code == data.code)) is not None:
        errors.append(("code", _("The code %(code)s is already used.", code=data.code)))
    if errors:
        raise ValidationFailed(errors)
    return _change_unit(session, unit, data, groups[data.peer_group], actor)


def _change_unit(session: Session, unit: Unit, data: UnitInput, group: PeerGroup, actor: str) -> Unit:
    old = _unit_snapshot(unit)
    unit.code, unit.name, unit.name_en = data.code, data.name, data.name_en or None
    unit.kind, unit.peer_group = UnitKind(data.kind), group
    session.flush()
    audit.record(session, actor, "unit.update", "unit", unit.id, old=old, new=_unit_snapshot(unit))
    return unit


def set_unit_active(session: Session, unit: Unit, active: bool, actor: str) -> Unit:
    """Deactivate (or reactivate) a unit; its history stays."""
    if unit.active == active:
        raise Conflict(_("The unit is already active.") if active
                       else _("The unit is already inactive."))
    old = _unit_snapshot(unit)
    unit.active = active
    session.flush()
    audit.record(session, actor, "unit.activate" if active else "unit.deactivate", "unit",
                 unit.id, old=old, new=_unit_snapshot(unit))
    return unit


def _where(row: int, column: str) -> str:
    return _("row %(row)s, column %(column)s", row=row, column=column)


def import_units(session: Session, filename: str, data: bytes, actor: str) -> list[int]:
    """Import units from a .csv/.xlsx table; all or nothing (see :func:`import_unit_table`)."""
    return import_unit_table(session, filename, read_table(filename, data), actor)


def import_unit_table(session: Session, filename: str, table: Table, actor: str,
                      progress: Progress = no_progress) -> list[int]:
    """Import the units of ``table``; all or nothing. Returns the ids of the file's units, in
    file order.

    Columns: ``code, name, name_en, kind, peer_group`` and optionally ``peer_group_name``
    (a peer group that does not exist yet is created when its name is given). Existing codes
    are updated. ``ValidationFailed`` lists every bad row as ``("row N, column X", reason)``;
    nothing is written before every row has passed. New units are inserted, and every change
    audited, with one multi-row statement per table, so that 100,000 rows hold the database's
    write lock for seconds, not minutes. ``progress`` hears ``checking`` and ``saving``.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in table.header]
    if missing:
        raise ValidationFailed([(_("row %(row)s", row=1), _(
            "Missing column(s): %(columns)s. Expected: %(expected)s.",
            columns=", ".join(missing), expected=", ".join(IMPORT_COLUMNS)))])
    groups = _group_codes(session)
    new_groups: dict[str, tuple[str, int]] = {}  # code → (name, first row)
    errors: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    parsed: list[UnitInput] = []
    progress("checking", 0.0)
    for done, (number, row) in enumerate(table.rows, start=1):
        if done % PROGRESS_EVERY == 0:
            progress("checking", done / len(table.rows))
        item = UnitInput(code=row.get("code", ""), name=row.get("name", ""),
                         name_en=row.get("name_en", ""), kind=row.get("kind", "").lower(),
                         peer_group=row.get("peer_group", ""))
        group_name = row.get("peer_group_name", "")
        if item.peer_group and item.peer_group not in groups and group_name:
            if CODE.fullmatch(item.peer_group):
                new_groups.setdefault(item.peer_group, (group_name, number))
            else:
                errors.append((_where(number, "peer_group"),
                               _("A code is 1–32 letters, digits, '_', '.' or '-'.")))
                continue
        known = set(groups) | set(new_groups)
        for column, message in check_unit(item, known):
            if column == "peer_group" and item.peer_group and item.peer_group not in known:
                message = _("Unknown peer group %(code)s: add a peer_group_name to create it.",
                            code=item.peer_group)
            errors.append((_where(number, column), message))
        if item.code in seen:
            errors.append((_where(number, "code"), _("The code %(code)s is also on row %(row)s.",
                                                     code=item.code, row=seen[item.code])))
        seen.setdefault(item.code, number)
        parsed.append(item)
    if not table.rows:
        errors.append(("file", _("The file has no data rows.")))
    if errors:
        raise ValidationFailed(errors)
    progress("saving", 0.0)
    for code, (name, _row) in new_groups.items():
        groups[code] = create_peer_group(session, code, name, "", actor)
    # every unit, not ``code IN (…)``: a file of 100,000 codes exceeds the bound parameters
    # SQLite (32,766) and psycopg (65,535) accept in one statement
    existing = {u.code: u for u in session.scalars(select(Unit)) if u.code in seen}
    fresh = [item for item in parsed if item.code not in existing]
    ids: dict[str, int] = {}
    for start in range(0, len(fresh), STORE_BATCH):
        batch = fresh[start:start + STORE_BATCH]
        created = session.scalars(insert(Unit).returning(Unit.id, sort_by_parameter_order=True), [
            {"code": item.code, "name": item.name, "name_en": item.name_en or None,
             "kind": UnitKind(item.kind), "peer_group_id": groups[item.peer_group].id, "active": True}
            for item in batch]).all()
        session.execute(insert(AuditLog), [
            {"actor": actor, "action": "unit.create", "object_type": "unit", "object_id": str(unit_id),
             "old": None, "new": {"code": item.code, "name": item.name, "name_en": item.name_en or None,
                     "kind": item.kind, "peer_group_code": item.peer_group, "active": True}}
            for item, unit_id in zip(batch, created, strict=True)])
        ids.update(zip((item.code for item in batch), created, strict=True))
        progress("saving", (start + len(batch)) / len(parsed))
    trail = []
    for item in parsed:
        unit = existing.get(item.code)
        if unit is None:
            continue
        ids[item.code] = unit.id
        if ((unit.name, unit.name_en or "", unit.kind.value, unit.peer_group.code)
                != (item.name, item.name_en, item.kind, item.peer_group)):
            old = _unit_snapshot(unit)
            unit.name, unit.name_en = item.name, item.name_en or None
            unit.kind, unit.peer_group = UnitKind(item.kind), groups[item.peer_group]
            trail.append({"object_id": str(unit.id), "old": old, "new": _unit_snapshot(unit)})
    session.flush()
    if trail:
        session.execute(insert(AuditLog), [{"actor": actor, "action": "unit.update",
                                            "object_type": "unit", **entry} for entry in trail])
    return [ids[item.code] for item in parsed]
