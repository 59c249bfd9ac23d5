"""Import of base / differential / bonus scores (DESIGN §8 office import), all or nothing.

One row per unit and period, header-keyed: ``period, unit_code, unit_name, peer_group,
base_score, base_max, diff_score, diff_max, bonus_score, bonus_cap, deduction, veto, note``.
Every error names its file row; a file with any error imports nothing. A row for a (period,
unit) that was imported before replaces it (audited with old and new values). The total, rank
and tier are computed by ``analysis`` when a run of the period is evaluated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from analysis import ScoringConfig
from survey import audit
from survey.errors import ValidationFailed
from survey.i18n import _
from survey.jobs import Progress, no_progress
from survey.models import AuditLog, ComponentScore, PeerGroup, Unit
from survey.upload_files import Table, read_table

COLUMNS = ("period", "unit_code", "unit_name", "peer_group", "base_score", "base_max", "diff_score",
           "diff_max", "bonus_score", "bonus_cap", "deduction", "veto", "note")
REQUIRED = ("period", "unit_code", "peer_group", "base_score", "base_max", "diff_score", "diff_max")
NUMBERS = ("base_score", "base_max", "diff_score", "diff_max", "bonus_score", "bonus_cap", "deduction")
DEFAULTS = {"bonus_score": 0.0, "bonus_cap": 5.0, "deduction": 0.0}
TRUE = {"1", "true", "yes", "y", "是", "x"}
FALSE = {"", "0", "false", "no", "n", "否"}
#: Rows checked between two progress reports of an import.
PROGRESS_EVERY = 2_000
FIELDS = ("peer_group", "base_score", "base_max", "diff_score", "diff_max", "bonus_score",
          "bonus_cap", "deduction", "veto", "note")


@dataclass(frozen=True)
class ComponentRow:
    row: int
    period: str
    unit_id: int
    values: dict[str, object]


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def check_rows(session: Session, filename: str, data: bytes, social_max: float | None = None
               ) -> list[ComponentRow]:
    """Parse and validate a file; ``ValidationFailed`` lists every error as ``(row N, message)``."""
    return check_table(session, read_table(filename, data), social_max)


def check_table(session: Session, table: Table, social_max: float | None = None,
                progress: Progress = no_progress) -> list[ComponentRow]:
    """Validate the rows of a read file (``progress`` hears ``checking``); ``ValidationFailed``
    lists every error as ``(row N, message)``."""
    social_max = ScoringConfig().social_max if social_max is None else social_max
    missing = [c for c in REQUIRED if c not in table.header]
    if missing:
        raise ValidationFailed([("header", _("Missing columns: %(cols)s.", cols=", ".join(missing)))])
    units = {u.code: u for u in session.scalars(select(Unit))}
    groups = {g.id: g.code for g in session.scalars(select(PeerGroup))}
    errors: list[tuple[str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    out: list[ComponentRow] = []
    progress("checking", 0.0)
    for done, (number, raw) in enumerate(table.rows, start=1):
        if done % PROGRESS_EVERY == 0:
            progress("checking", done / len(table.rows))
        where = _("row %(n)s", n=number)
        row_errors: list[str] = []
        period, code, group = raw.get("period", ""), raw.get("unit_code", ""), raw.get("peer_group", "")
        if not period or len(period) > 16:
            row_errors.append(_("period is required (at most 16 characters)"))
        unit = units.get(code)
        if unit is None:
            row_errors.append(_("unknown unit %(code)s", code=code))
        if group not in groups.values():
            row_errors.append(_("unknown peer group %(group)s", group=group))
        elif unit is not None and groups[unit.peer_group_id] != group:
            row_errors.append(_("unit %(code)s belongs to peer group %(group)s",
                                code=code, group=groups[unit.peer_group_id]))
        if (period, code) in seen:
            row_errors.append(_("unit %(code)s appears twice for %(period)s (first in row %(first)s)",
                                code=code, period=period, first=seen[(period, code)]))
        else:
            seen[(period, code)] = number
        values: dict[str, object] = {}
        for name in NUMBERS:
            text = raw.get(name, "")
            if text == "" and name in DEFAULTS:
                values[name] = DEFAULTS[name]
                continue
            value = _number(text)
            if value is None:
                row_errors.append(_("%(col)s must be a number, not %(text)r", col=name, text=text))
            else:
                values[name] = value
        for score, top in (("base_score", "base_max"), ("diff_score", "diff_max")):
            if score in values and top in values and not 0 <= values[score] <= values[top]:  # type: ignore[operator]
                row_errors.append(_("%(col)s %(value)s must lie between 0 and %(max)s (%(maxcol)s)",
                                    col=score, value=f"{values[score]:g}", max=f"{values[top]:g}",
                                    maxcol=top))
        for name in ("bonus_score", "bonus_cap", "deduction"):
            if name in values and values[name] < 0:  # type: ignore[operator]
                row_errors.append(_("%(col)s must not be negative", col=name))
        if "base_max" in values and "diff_max" in values:
            total = values["base_max"] + values["diff_max"] + social_max  # type: ignore[operator]
            if abs(total - 100.0) > 1e-9:
                row_errors.append(_("base_max + diff_max + social max (%(social)s) must be 100, not "
                                    "%(total)s", social=f"{social_max:g}", total=f"{total:g}"))
        veto = raw.get("veto", "").strip().lower()
        if veto not in TRUE | FALSE:
            row_errors.append(_("veto must be 1/0, yes/no or 是/否, not %(text)r", text=veto))
        values["veto"] = veto in TRUE
        values["note"] = raw.get("note") or None
        values["peer_group"] = group
        errors += [(where, message) for message in row_errors]
        if not row_errors and unit is not None:
            out.append(ComponentRow(number, period, unit.id, values))
    if not table.rows:
        errors.append(("file", _("The file has no data rows.")))
    if errors:
        raise ValidationFailed(errors)
    return out


def import_components(session: Session, filename: str, data: bytes, actor: str) -> list[ComponentScore]:
    """Validate the whole file, then insert or replace every row; nothing is written on error."""
    return import_component_table(session, read_table(filename, data), actor)


def import_component_table(session: Session, table: Table, actor: str,
                           progress: Progress = no_progress) -> list[ComponentScore]:
    """Validate every row of ``table``, then insert or replace them all (audited; the audit rows
    go in one multi-row statement); nothing is written on error. ``progress`` hears
    ``checking`` and ``saving``."""
    rows = check_table(session, table, progress=progress)
    progress("saving", 0.0)
    existing = {(c.period, c.unit_id): c for c in session.scalars(
        select(ComponentScore).where(ComponentScore.period.in_({r.period for r in rows})))}
    stored = []
    for row in rows:
        current = existing.get((row.period, row.unit_id))
        old = None
        if current is None:
            current = ComponentScore(period=row.period, unit_id=row.unit_id, imported_by=actor)
            session.add(current)
        else:
            old = audit.snapshot(current, FIELDS)
            current.imported_by = actor
        for name, value in row.values.items():
            setattr(current, name, value)
        stored.append((current, old))
    session.flush()
    progress("saving", 0.8)
    if stored:
        session.execute(insert(AuditLog), [
            {"actor": actor, "action": "components.import", "object_type": "component_score",
             "object_id": str(current.id), "old": old,
             "new": {"period": current.period, **audit.snapshot(current, FIELDS)}}
            for current, old in stored])
    return [c for c, _old in stored]


def list_components(session: Session, period: str | None = None) -> list[ComponentScore]:
    stmt = select(ComponentScore).order_by(ComponentScore.period.desc(), ComponentScore.id)
    if period:
        stmt = stmt.where(ComponentScore.period == period)
    return list(session.scalars(stmt))
