"""What an evaluated unit's portal shows of a published period (DESIGN §13).

Its own row of the published run (score, interval, rank with its confidence set, tiers), its
trend across published quarters, its scored items (an item's mean only from at least k answers),
and its respondents by stratum variable — the last two under the k rule of
:mod:`survey.comments.visibility`. Nothing of another unit
beyond what the public results show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.comments.corpus import wave_comments
from survey.comments.visibility import K_MIN, Breakdown, breakdown, suppressed_everything
from survey.evaluation.report import row_cells
from survey.models import EvaluationResult, EvaluationRun, RunStatus, Unit, Wave
from survey.questionnaire import Definition
from survey.submission_store import definition_of


@dataclass(frozen=True)
class TrendPoint:
    period: str
    run_id: int
    si: float | None
    ci_low: float | None
    ci_high: float | None
    rank: str


@dataclass(frozen=True)
class ItemLine:
    name: str
    label: str
    mean: float | None  #: weighted mean points (0–100)
    answered: int
    dk_share: float | None


@dataclass(frozen=True)
class UnitResults:
    unit: Unit
    run: EvaluationRun
    row: EvaluationResult | None
    cells: dict[str, Any]
    peer_size: int
    trend: list[TrendPoint]
    respondents: int
    #: True when the unit had fewer than k respondents: no items, breakdowns or comments
    suppressed: bool
    items: list[ItemLine] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)


def published_runs(session: Session, unit: Unit) -> list[EvaluationRun]:
    """The published runs of waves (quarters) with a row for ``unit``, newest period first."""
    return list(session.scalars(
        select(EvaluationRun).join(EvaluationResult, EvaluationResult.run_id == EvaluationRun.id)
        .where(EvaluationRun.status == RunStatus.PUBLISHED, EvaluationRun.wave_id.is_not(None),
               EvaluationResult.unit_id == unit.id)
        .order_by(EvaluationRun.period.desc(), EvaluationRun.id.desc())))


def unit_row(session: Session, run: EvaluationRun, unit: Unit) -> EvaluationResult | None:
    return session.scalar(select(EvaluationResult).where(
        EvaluationResult.run_id == run.id, EvaluationResult.unit_id == unit.id))


def unit_results(session: Session, unit: Unit, run: EvaluationRun, lang: str,
                 k: int = K_MIN) -> UnitResults:
    """The portal's results page of ``unit`` for the published ``run``."""
    row = unit_row(session, run, unit)
    peer_size = session.scalar(select(func.count(EvaluationResult.id)).where(
        EvaluationResult.run_id == run.id, EvaluationResult.peer_group == row.peer_group)) if row else 0
    wave = session.get(Wave, run.wave_id)
    assert wave is not None
    comments = wave_comments(session, wave)
    respondents = comments.unit_respondents(unit.code)
    results = UnitResults(unit, run, row, row_cells(row) if row else {}, int(peer_size or 0),
                          trend(session, unit), respondents, suppressed_everything(comments, unit.code, k))
    if results.suppressed:
        return results
    definition = definition_of(session, wave.questionnaire_version_id)
    stats = comments.items.get(unit.code, {})
    for item in definition.scored_items:
        line = stats.get(item.name)
        answered = line.answered if line else 0
        # a mean of fewer than k answers is a small group's figure: not shown
        results.items.append(ItemLine(
            item.name, definition.label(definition.question(item.name), lang),
            line.mean if line and answered >= k else None, answered, line.dk_share if line else None))
    for variable, label, categories in stratum_variables(session, definition, lang):
        table = breakdown(comments, unit.code, variable, label, categories, k)
        if len(table.cells) > 1:
            results.breakdowns.append(table)
    return results


def trend(session: Session, unit: Unit) -> list[TrendPoint]:
    """The unit's index in every published quarter, oldest first."""
    rows = session.execute(
        select(EvaluationRun.period, EvaluationRun.id, EvaluationResult)
        .join(EvaluationResult, EvaluationResult.run_id == EvaluationRun.id)
        .where(EvaluationRun.status == RunStatus.PUBLISHED, EvaluationRun.wave_id.is_not(None),
               EvaluationResult.unit_id == unit.id)
        .order_by(EvaluationRun.period)).all()
    return [TrendPoint(period, run_id, r.si, r.si_ci_low, r.si_ci_high, row_cells(r)["rank"])
            for period, run_id, r in rows]


def stratum_variables(session: Session, definition: Definition, lang: str
                      ) -> list[tuple[str, str, dict[str, str]]]:
    """(variable, label, {category: label}) of the questionnaire's weighting variables."""
    out = []
    for question in definition.stratum_variables:
        if question.type in ("select_one_unit", "select_multiple_unit"):
            units = session.scalars(select(Unit).order_by(Unit.code)).all()
            categories = {u.code: u.display_name(lang) for u in units}
        elif question.list_name:
            categories = {c.name: definition.label(c, lang) for c in definition.choices(question.list_name)}
        else:
            categories = {}
        out.append((question.name, definition.label(question, lang), categories))
    return out
