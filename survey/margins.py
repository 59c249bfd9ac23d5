"""Population margins of a wave, uploaded as CSV: ``variable, category, share`` (or ``count``)
and an optional ``district`` column for per-district margins (DESIGN §4).

A joint cell is written ``age_band*sex`` / ``30-39*f``. Every margin variable must be a stratum
variable the questionnaire asks before any screen-out; shares sum to 1 per variable (and per
district). Every error is reported with its row; a file with errors stores nothing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import audit
from survey.errors import ValidationFailed
from survey.i18n import _
from survey.models import PopulationMargin, Unit, UnitKind, Wave
from survey.questionnaire import Definition
from survey.strata import explain_variable, stratum_categories, wave_definition
from survey.upload_files import read_table

SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class MarginRow:
    row: int
    district: str | None
    variable: str
    category: str
    share: float | None
    count: float | None


def _where(row: int, column: str) -> str:
    return _("row %(row)s, column %(column)s", row=row, column=column)


def _number(text: str, row: int, column: str, errors: list[tuple[str, str]]) -> float | None:
    try:
        value = float(text.replace(",", "")) if text else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        errors.append((_where(row, column), _("%(value)s is not a number.", value=repr(text)[:40])))
        return None
    if value < 0 or (column == "share" and value > 1):
        errors.append((_where(row, column), _("A share lies between 0 and 1; a count is not "
                                              "negative.")))
        return None
    return value


def parse_margins(filename: str, data: bytes, definition: Definition,
                  categories: dict[str, set[str]], districts: set[str],
                  ) -> tuple[list[MarginRow], list[str]]:
    """Validate a margins table; ``(rows, warnings)`` or ``ValidationFailed`` with every error."""
    table = read_table(filename, data)
    errors: list[tuple[str, str]] = []
    has_share, has_count = "share" in table.header, "count" in table.header
    if not {"variable", "category"} <= set(table.header) or not (has_share or has_count):
        raise ValidationFailed([(_("row %(row)s", row=1), _(
            "The columns are variable, category and share (or count), and optionally "
            "district."))])
    rows: list[MarginRow] = []
    seen: dict[tuple[str | None, str, str], int] = {}
    for number, cells in table.rows:
        district = cells.get("district", "") or None
        variable, category = cells.get("variable", ""), cells.get("category", "")
        before = len(errors)
        if district is not None and district not in districts:
            errors.append((_where(number, "district"), _("%(code)s is not a district unit code.",
                                                         code=district)))
        parts, cats = variable.split("*"), category.split("*")
        if not variable:
            errors.append((_where(number, "variable"), _("A variable is required.")))
        elif len(parts) != len(cats):
            errors.append((_where(number, "category"), _(
                "A joint cell needs one category per variable (e.g. 30-39*f for age_band*sex).")))
        else:
            for part, cat in zip(parts, cats, strict=True):
                if part not in categories:
                    errors.append((_where(number, "variable"), explain_variable(definition, part)))
                elif cat not in categories[part]:
                    errors.append((_where(number, "category"), _(
                        "%(category)s is not a category of %(variable)s.", category=cat,
                        variable=part)))
        share_text = cells.get("share", "") if has_share else ""
        count_text = cells.get("count", "") if has_count else ""
        share = count = None
        if share_text and count_text:
            errors.append((_where(number, "share"), _("Give a share or a count, not both.")))
        elif share_text or not count_text:
            share = _number(share_text, number, "share", errors)
        else:
            count = _number(count_text, number, "count", errors)
        key = (district, variable, category)
        if key in seen:
            errors.append((_where(number, "category"), _(
                "%(category)s of %(variable)s is also on row %(row)s.", category=category,
                variable=variable, row=seen[key])))
        seen.setdefault(key, number)
        if len(errors) == before:
            rows.append(MarginRow(number, district, variable, category, share, count))
    if not table.rows:
        errors.append(("file", _("The file has no data rows.")))
    errors.extend(_sum_errors(rows))
    if errors:
        raise ValidationFailed(errors)
    return rows, _warnings(rows, categories)


def _sum_errors(rows: list[MarginRow]) -> list[tuple[str, str]]:
    groups: dict[tuple[str | None, str], list[MarginRow]] = defaultdict(list)
    for row in rows:
        groups[(row.district, row.variable)].append(row)
    errors = []
    for (district, variable), members in groups.items():
        kinds = {r.share is not None for r in members}
        first = members[0].row
        if len(kinds) > 1:
            errors.append((_where(first, "share"), _(
                "Variable %(variable)s mixes shares and counts; use one of them.",
                variable=variable)))
            continue
        if members[0].share is not None:
            total = math.fsum(r.share or 0.0 for r in members)
            if abs(total - 1.0) > SUM_TOLERANCE:
                where = _("rows %(rows)s, column share", rows=", ".join(str(r.row) for r in members))
                scope = f" ({district})" if district else ""
                errors.append((where, _(
                    "The shares of %(variable)s%(scope)s sum to %(total)s, not 1.",
                    variable=variable, scope=scope, total=f"{total:.6g}")))
    errors.extend(_count_total_errors(groups))
    return errors


def _count_total_errors(groups: dict[tuple[str | None, str], list[MarginRow]]) -> list[tuple[str, str]]:
    """Count margins of one scope (city-wide, or one district) must describe one population."""
    totals: dict[str | None, list[tuple[str, float, int]]] = defaultdict(list)
    for (district, variable), members in groups.items():
        if all(r.count is not None for r in members):
            totals[district].append((variable, math.fsum(r.count or 0.0 for r in members), members[0].row))
    errors = []
    for district, found in totals.items():
        first_variable, first_total, _row = found[0]
        for variable, total, row in found[1:]:
            if abs(total - first_total) > SUM_TOLERANCE * max(first_total, 1.0):
                scope = f" ({district})" if district else ""
                errors.append((_where(row, "count"), _(
                    "The counts of %(variable)s%(scope)s total %(total)s, but those of %(first)s "
                    "total %(first_total)s: count margins must describe the same population.",
                    variable=variable, scope=scope, total=f"{total:.6g}", first=first_variable,
                    first_total=f"{first_total:.6g}")))
    return errors


def _warnings(rows: list[MarginRow], categories: dict[str, set[str]]) -> list[str]:
    warnings = []
    named = {part for r in rows for part in r.variable.split("*")}
    for variable in sorted(categories):
        if variable not in named:
            warnings.append(_("No margin for the stratum variable %(variable)s: it will not be "
                              "weighted.", variable=variable))
    one_way: dict[tuple[str | None, str], set[str]] = defaultdict(set)
    for r in rows:
        if "*" not in r.variable:
            one_way[(r.district, r.variable)].add(r.category)
    for (district, variable), present in sorted(one_way.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        for category in sorted(categories[variable] - present):
            warnings.append(_("Category %(category)s of %(variable)s has no margin%(scope)s.",
                              category=category, variable=variable,
                              scope=f" ({district})" if district else ""))
    return warnings


def upload_margins(session: Session, wave: Wave, filename: str, data: bytes, actor: str) -> list[str]:
    """Replace the wave's margins with a validated file; returns the warnings."""
    definition = wave_definition(wave)
    categories = stratum_categories(session, definition, wave)
    units = {u.code: u for u in session.scalars(select(Unit).where(Unit.kind == UnitKind.DISTRICT))}
    rows, warnings = parse_margins(filename, data, definition, categories, set(units))
    old = {"margins": len(wave.margins)}
    wave.margins.clear()
    session.flush()
    for r in rows:
        wave.margins.append(PopulationMargin(
            district_unit_id=units[r.district].id if r.district else None, variable=r.variable,
            category=r.category, share=r.share, count=r.count))
    session.flush()
    audit.record(session, actor, "wave.margins", "wave", wave.id, old=old, new={
        "margins": len(rows), "variables": sorted({r.variable for r in rows}),
        "file": filename[:200]})
    return warnings


# --- margins edited as tables ------------------------------------------------------------------


@dataclass(frozen=True)
class MarginTable:
    """One stratum variable's city-wide shares, as typed or stored (``""``: no margin)."""

    variable: str
    categories: tuple[tuple[str, str], ...]  # (name, label)
    values: dict[str, str]

    @property
    def total(self) -> float | None:
        """The sum of the readable shares (None when none is given)."""
        shares = [share_value(self.values.get(c, "")) for c, _label in self.categories]
        given = [s for s in shares if s is not None]
        return math.fsum(given) if given else None

    @property
    def sums_to_one(self) -> bool:
        return self.total is not None and abs(self.total - 1.0) <= SUM_TOLERANCE


def share_value(text: str) -> float | None:
    """A share typed as 0.25 or 25%; None when empty or unreadable."""
    text = text.strip().replace(",", "")
    percent = text.endswith("%")
    try:
        value = float(text.rstrip("%").strip()) if text else math.nan
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return value / 100 if percent else value


def _share_text(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def margin_tables(session: Session, wave: Wave, typed: dict[str, dict[str, str]] | None = None,
                  lang: str = "zh") -> list[MarginTable]:
    """One table per stratum variable with the wave's city-wide margins (counts shown as
    shares of their total), or the ``typed`` values of a refused form."""
    from survey.strata import category_labels

    definition = wave_definition(wave)
    categories = stratum_categories(session, definition, wave)
    labels = category_labels(session, definition, lang)
    stored: dict[str, dict[str, float]] = defaultdict(dict)
    for m in wave.margins:
        if m.district_unit_id is None and "*" not in m.variable:
            stored[m.variable][m.category] = m.share if m.share is not None else (m.count or 0.0)
    tables = []
    for q in definition.stratum_variables:
        names = categories.get(q.name, set())
        if q.list_name is not None:
            order = [c.name for c in definition.choices(q.list_name) if c.name in names]
        else:
            order = sorted(names)
        if typed is not None:
            values = dict(typed.get(q.name, {}))
        else:
            total = math.fsum(stored[q.name].values()) or 1.0
            counts = any(m.count is not None for m in wave.margins
                         if m.variable == q.name and m.district_unit_id is None)
            values = {c: _share_text(v / total if counts else v) for c, v in stored[q.name].items()}
        tables.append(MarginTable(q.name, tuple((c, labels.get(q.name, {}).get(c, c)) for c in order),
                                  values))
    return tables


def save_margin_tables(session: Session, wave: Wave, typed: dict[str, dict[str, str]],
                       actor: str) -> list[str]:
    """Replace the wave's city-wide one-variable margins by the tables' shares (per-district and
    joint margins, uploaded as a file, stay). ``ValidationFailed`` keys each error by
    ``variable:category`` (a cell) or ``variable`` (its total); returns the warnings."""
    tables = margin_tables(session, wave, typed)
    errors: list[tuple[str, str]] = []
    rows: list[MarginRow] = []
    for table in tables:
        for category, _label in table.categories:
            text = table.values.get(category, "").strip()
            if not text:
                continue
            share = share_value(text)
            if share is None or not 0 <= share <= 1:
                errors.append((f"{table.variable}:{category}", _(
                    "Enter a share between 0 and 1 (e.g. 0.25) or a percentage (25%).")))
                continue
            rows.append(MarginRow(0, None, table.variable, category, share, None))
        if table.total is not None and not table.sums_to_one and not any(
                key.startswith(f"{table.variable}:") for key, _m in errors):
            errors.append((table.variable, _(
                "The shares of %(variable)s%(scope)s sum to %(total)s, not 1.",
                variable=table.variable, scope="", total=f"{table.total:.6g}")))
    if errors:
        raise ValidationFailed(errors)
    kept = [m for m in wave.margins if m.district_unit_id is not None or "*" in m.variable]
    old = {"margins": len(wave.margins)}
    wave.margins[:] = kept
    session.flush()
    for r in rows:
        wave.margins.append(PopulationMargin(district_unit_id=None, variable=r.variable,
                                             category=r.category, share=r.share, count=None))
    session.flush()
    audit.record(session, actor, "wave.margins", "wave", wave.id, old=old, new={
        "margins": len(wave.margins), "variables": sorted({r.variable for r in rows}),
        "source": "table"})
    categories = stratum_categories(session, wave_definition(wave), wave)
    return _warnings(rows, categories)
