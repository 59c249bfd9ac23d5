"""Quotas edited as a table: the cells of one or two stratum variables (rows × columns), a
target in each, with row, column and grand totals. Saving replaces the wave's quotas by the
table's non-empty cells, through the same validation as the typed syntax
(:func:`survey.waves.set_quotas`), which stays for other combinations of variables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from survey.errors import ValidationFailed
from survey.i18n import _
from survey.models import Wave
from survey.strata import category_labels, stratum_categories, wave_definition
from survey.waves import set_quotas

#: The largest table offered (rows × columns); bigger designs use the typed syntax.
MAX_CELLS = 2000

Category = tuple[str, str]  # (name, label)


def cell_key(parts: Mapping[str, str]) -> str:
    """The stored cell text: ``variable=category`` joined by ``*``, variables alphabetical."""
    return "*".join(f"{v}={parts[v]}" for v in sorted(parts))


@dataclass(frozen=True)
class QuotaGrid:
    """A table of quota targets (texts as typed or stored; ``""`` for no quota)."""

    variables: tuple[str, ...]
    rows: tuple[Category, ...]
    columns: tuple[Category, ...]  # one unnamed column when the table has one variable
    values: Mapping[str, str]

    def key(self, row: str, column: str) -> str:
        parts = {self.variables[0]: row}
        if len(self.variables) > 1:
            parts[self.variables[1]] = column
        return cell_key(parts)

    def _number(self, row: str, column: str) -> int:
        text = self.values.get(self.key(row, column), "").strip()
        return int(text) if text.isdigit() else 0

    def row_total(self, row: str) -> int:
        return sum(self._number(row, c) for c, _label in self.columns)

    def column_total(self, column: str) -> int:
        return sum(self._number(r, column) for r, _label in self.rows)

    @property
    def total(self) -> int:
        return sum(self.row_total(r) for r, _label in self.rows)


def table_variables(session: Session, wave: Wave) -> list[str]:
    """The stratum variables a quota table can use, in questionnaire order."""
    definition = wave_definition(wave)
    categories = stratum_categories(session, definition, wave)
    return [q.name for q in definition.stratum_variables if categories.get(q.name)]


def default_variables(session: Session, wave: Wave) -> tuple[str, ...]:
    """The variables of the wave's quotas when they fit a table, else the first variable."""
    usable = table_variables(session, wave)
    for quota in wave.quotas:
        names = tuple(part.partition("=")[0] for part in quota.cell.split("*"))
        if 1 <= len(names) <= 2 and all(n in usable for n in names):
            return tuple(sorted(names, key=usable.index))
    return tuple(usable[:1])


def quota_grid(session: Session, wave: Wave, variables: Sequence[str],
               typed: Mapping[str, str] | None = None, lang: str = "zh") -> QuotaGrid:
    """The table for ``variables`` (one or two stratum variables) with the wave's targets, or the
    ``typed`` ones (a refused form); ``ValidationFailed`` for variables that do not fit."""
    definition = wave_definition(wave)
    categories = stratum_categories(session, definition, wave)
    usable = table_variables(session, wave)
    chosen = tuple(dict.fromkeys(v for v in variables if v))
    if not 1 <= len(chosen) <= 2 or any(v not in usable for v in chosen):
        raise ValidationFailed([("quota_by", _("Choose one or two stratum variables of the "
                                               "questionnaire."))])
    labels = category_labels(session, definition, lang)
    axes = [tuple((c, labels.get(v, {}).get(c, c)) for c in _ordered(definition, v, categories[v]))
            for v in chosen]
    rows, columns = axes[0], axes[1] if len(axes) > 1 else (("", ""),)
    if len(rows) * len(columns) > MAX_CELLS:
        raise ValidationFailed([("quota_by", _("The table would have more than %(max)s cells: "
                                               "use the typed quotas.", max=MAX_CELLS))])
    values = dict(typed) if typed is not None else {q.cell: str(q.target) for q in wave.quotas}
    return QuotaGrid(chosen, rows, columns, values)


def _ordered(definition, variable: str, allowed: set[str]) -> list[str]:  # noqa: ANN001
    question = definition.question(variable)
    if question.list_name is not None:
        return [c.name for c in definition.choices(question.list_name) if c.name in allowed]
    return sorted(allowed)


def save_quota_grid(session: Session, wave: Wave, variables: Sequence[str],
                    typed: Mapping[str, str], actor: str) -> QuotaGrid:
    """Replace the wave's quotas by the table's non-empty cells; ``ValidationFailed`` names
    every bad cell by its key (the message goes next to it)."""
    grid = quota_grid(session, wave, variables, typed)
    errors: list[tuple[str, str]] = []
    lines = []
    for row, _row_label in grid.rows:
        for column, _column_label in grid.columns:
            key = grid.key(row, column)
            text = typed.get(key, "").strip()
            if not text:
                continue
            if not text.isdigit() or len(text) > 9:
                errors.append((key, _("Enter a whole number of responses, e.g. 120.")))
                continue
            lines.append(f"{key} {int(text)}")
    if errors:
        raise ValidationFailed(errors)
    set_quotas(session, wave, "\n".join(lines), actor)
    return grid
