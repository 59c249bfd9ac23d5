"""A wave aggregated in SQL into the arrays of :class:`analysis.WaveInput` (DESIGN §3, §7).

Never loads submissions or ratings as ORM objects: :mod:`survey.evaluation.extract` selects
plain columns in a fixed order (submission order = submitted_at, then id) into numpy arrays,
with the ratings pivoted in SQL to one row per (submission, unit). Only accepted submissions
count; the input hash covers every submission of the wave (body hash and status, in order), so
quarantining or restoring a response changes it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import ComponentScores, ItemSpec, Margin, QuotaTarget, Stratum, WaveInput
from survey.errors import NotFound, ValidationFailed
from survey.evaluation.extract import STATUSES, RawWave, Window, read_wave
from survey.i18n import _
from survey.models import (
    ComponentScore,
    PeerGroup,
    PopulationMargin,
    QuestionnaireVersion,
    Quota,
    Rating,
    SubmissionStatus,
    Unit,
    Wave,
    wave_units,
)
from survey.questionnaire import Definition, parse_definition

#: Submission flags handed to analysis as preset respondent flags (the others are recomputed).
PRESET_FLAGS = ("HONEYPOT", "STAFF_OF_UNIT")


@dataclass(frozen=True, eq=False)
class WaveData:
    """One wave's arrays plus what the run stores beside its results."""

    inp: WaveInput
    submission_ids: np.ndarray  #: (S,) accepted submissions in submission order
    unit_ids: list[int]
    input_sha256: str
    status_counts: dict[str, int]
    definition: Definition
    component_units: list[str] = field(default_factory=list)  #: units with imported components
    interviewer_ids: tuple[str, ...] = ()  #: interviewer_id of each code in ``inp.interviewer``


def load_definition(session: Session, version_id: int) -> Definition:
    version = session.get(QuestionnaireVersion, version_id)
    if version is None:
        raise NotFound(_("Questionnaire version %(id)s does not exist.", id=version_id))
    return parse_definition(version.definition)


def item_specs(definition: Definition, weights: dict[str, float] | None = None) -> list[ItemSpec]:
    """The questionnaire's scored items as analysis ItemSpecs (weights optionally overridden)."""
    specs = []
    for item in definition.scored_items:
        question = definition.question(item.name)
        choices = definition.choices(question.list_name or "")
        labels = tuple(definition.label(c, "zh") for c in choices)
        top2 = tuple(item.option_names.index(n) for n in item.top2)
        weight = item.weight if weights is None or item.name not in weights else weights[item.name]
        specs.append(ItemSpec(item.name, float(weight), item.option_points, overall=item.overall,
                              top2=top2, labels=labels))
    if not specs:
        raise ValidationFailed([("questionnaire", _("The questionnaire has no scored items."))])
    return specs


def _units(session: Session, wave_ids: Sequence[int]) -> list[tuple[int, str, str, str]]:
    """(id, code, name, peer group code) of the waves' units, by code; else of the rated units."""
    stmt = (select(Unit.id, Unit.code, Unit.name, PeerGroup.code)
            .join(PeerGroup, PeerGroup.id == Unit.peer_group_id))
    rows = session.execute(
        stmt.where(Unit.id.in_(select(wave_units.c.unit_id).where(wave_units.c.wave_id.in_(wave_ids))))
        .order_by(Unit.code)).all()
    if not rows:
        rated = select(Rating.unit_id).where(Rating.wave_id.in_(wave_ids)).distinct()
        rows = session.execute(stmt.where(Unit.id.in_(rated)).order_by(Unit.code)).all()
    return [tuple(r) for r in rows]


def load_window(session: Session, window: Window, definition: Definition, *,
                item_weights: dict[str, float] | None = None, period: str | None = None,
                district_variable: str = "district") -> WaveData:
    """Aggregate the accepted submissions of ``window`` into a :class:`WaveData`."""
    specs = item_specs(definition, item_weights)
    raw = read_wave(session, window, [s.name for s in specs], max(len(s.points) for s in specs))
    status_counts = {STATUSES[int(code)]: int(n) for code, n in zip(*np.unique(raw.status, return_counts=True),
                                                                     strict=True)}
    accepted = raw.status == STATUSES.index(SubmissionStatus.ACCEPTED.value)
    sub_ids = raw.ids[accepted]

    units = _units(session, window.wave_ids)
    unit_ids = [u[0] for u in units]
    unit_codes = [u[1] for u in units]
    # Ratings of submissions that do not count, or of units outside the wave, are dropped here.
    table = raw.ratings[np.isin(raw.ratings[:, 0], sub_ids) & np.isin(raw.ratings[:, 1], unit_ids)]
    order = np.argsort(sub_ids, kind="stable")
    rating_submission = order[np.searchsorted(sub_ids[order], table[:, 0])] if sub_ids.size \
        else np.zeros(0, np.int64)
    unit_order = np.argsort(unit_ids)
    rating_unit = unit_order[np.searchsorted(np.asarray(unit_ids)[unit_order], table[:, 1])] \
        if unit_ids else np.zeros(0, np.int64)
    # analysis wants ratings in submission order (deterministic on every database)
    r_order = np.lexsort((rating_unit, rating_submission))
    rating_submission, rating_unit = rating_submission[r_order], rating_unit[r_order]
    answers = table[r_order, 2:]

    sub_flags, rating_flags = _flags(raw, sub_ids, rating_submission, rating_unit, unit_codes)
    strata_strings = [raw.strata_values[int(c)] for c in np.unique(raw.strata_code[accepted])]
    strata, margins, quotas = _population(session, window, definition, strata_strings,
                                          raw.strata_code[accepted], raw.strata_values, unit_codes,
                                          district_variable)
    inp = WaveInput(
        design_weight=raw.design_weight[accepted], rating_submission=rating_submission,
        rating_unit=rating_unit, answers=answers, items=specs, unit_codes=unit_codes,
        unit_names=[u[2] for u in units], peer_groups=[u[3] for u in units],
        linkage=raw.linkage[accepted], channel=raw.channel[accepted], duration=raw.duration[accepted],
        source=None if raw.source is None else raw.source[accepted],
        submitted_at=None if raw.submitted_at is None else raw.submitted_at[accepted],
        interviewer=None if raw.interviewer is None or not raw.interviewer_ids else raw.interviewer[accepted],
        submission_flags=sub_flags, strata=strata, rating_flags=rating_flags,
        margins=margins, quotas=quotas,
    )
    components: ComponentScores | None = None
    covered: list[str] = []
    if period is not None:
        components, covered = load_components(session, period, unit_ids)
    if components is not None:
        inp = dataclasses.replace(inp, components=components)
    return WaveData(inp=inp, submission_ids=sub_ids, unit_ids=unit_ids, input_sha256=raw.input_sha256,
                    status_counts=status_counts, definition=definition, component_units=covered,
                    interviewer_ids=raw.interviewer_ids)


def load_wave(session: Session, wave_id: int, *, item_weights: dict[str, float] | None = None,
              district_variable: str = "district") -> WaveData:
    """The accepted submissions of one wave, with the components imported for its period."""
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise NotFound(_("Wave %(id)s does not exist.", id=wave_id))
    definition = load_definition(session, wave.questionnaire_version_id)
    return load_window(session, Window((wave.id,)), definition, item_weights=item_weights,
                       period=wave.period, district_variable=district_variable)


def _flags(raw: RawWave, sub_ids: np.ndarray, rating_submission: np.ndarray, rating_unit: np.ndarray,
           unit_codes: list[str]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Preset flags: HONEYPOT / BURST per submission; STAFF_OF_UNIT[:code] per rating."""
    s = sub_ids.size
    sub_flags: dict[str, np.ndarray] = {}
    staff_units: dict[int, set[str] | None] = {}
    position = {int(sid): i for i, sid in enumerate(sub_ids) if int(sid) in raw.flags}
    for sid, i in position.items():
        for flag in raw.flags[sid]:
            name, _sep, code = str(flag).partition(":")
            if name == "STAFF_OF_UNIT":
                if code and staff_units.get(i, set()) is not None:
                    staff_units.setdefault(i, set()).add(code)  # type: ignore[union-attr]
                else:
                    staff_units[i] = None  # staff of every rated unit
            elif name in PRESET_FLAGS:
                sub_flags.setdefault(name, np.zeros(s, dtype=bool))[i] = True
    rating_flags: dict[str, np.ndarray] = {}
    if staff_units:
        mask = np.zeros(rating_submission.size, dtype=bool)
        for r in np.flatnonzero(np.isin(rating_submission, list(staff_units))):
            codes = staff_units[int(rating_submission[r])]
            mask[r] = codes is None or unit_codes[int(rating_unit[r])] in codes
        rating_flags["STAFF_OF_UNIT"] = mask
    return sub_flags, rating_flags


def _categories(definition: Definition, variable: str, unit_codes: list[str],
                district_variable: str) -> list[str]:
    """Category order of a stratum variable: its choice list, or the district units' codes."""
    try:
        question = definition.question(variable)
    except KeyError:
        return []
    if question.list_name:
        return [c.name for c in definition.choices(question.list_name)]
    if question.type == "select_one_unit" or variable == district_variable:
        return sorted(unit_codes)
    return []


def _population(session: Session, window: Window, definition: Definition, present: list[str],
                strata_code: np.ndarray, strata_values: list[str], unit_codes: list[str],
                district_variable: str) -> tuple[dict[str, Stratum], list[Margin], list[QuotaTarget]]:
    """Strata codes for the variables named by margins or quotas, the margins and the quotas."""
    margin_rows = session.execute(
        select(PopulationMargin.variable, PopulationMargin.category, PopulationMargin.share,
               PopulationMargin.count, Unit.code)
        .outerjoin(Unit, Unit.id == PopulationMargin.district_unit_id)
        .where(PopulationMargin.wave_id.in_(window.wave_ids))
        .order_by(PopulationMargin.variable, Unit.code, PopulationMargin.id)
    ).all()
    quota_rows = session.execute(
        select(Quota.cell, Quota.target).where(Quota.wave_id.in_(window.wave_ids)).order_by(Quota.id)
    ).all()
    grouped: dict[tuple[str, str | None, str], dict[str, float]] = {}
    for variable, category, share, count, district in margin_rows:
        kind = "share" if share is not None else "count"
        grouped.setdefault((variable, district, kind), {})[category] = float(
            share if share is not None else count)
    margins = [Margin(v, targets, kind, d) for (v, d, kind), targets in grouped.items()]
    quota_cells = []
    for cell, target in quota_rows:
        parts = dict(p.split("=", 1) for p in str(cell).replace("*", ";").split(";") if "=" in p)
        unit = unit_codes.index(parts[district_variable]) if parts.get(district_variable) in unit_codes else -1
        quota_cells.append(QuotaTarget(parts, float(target), unit))

    variables: list[str] = []
    for m in margins:
        variables += [v for v in m.variable.split("*") if v not in variables]
    if any(m.district for m in margins) and district_variable not in variables:
        variables.append(district_variable)
    for q in quota_cells:
        variables += [v for v in q.cell if v not in variables]
    if not variables:
        return {}, margins, quota_cells
    # parse each distinct strata string once
    distinct = {s: dict(p.split("=", 1) for p in s.split(";") if "=" in p) for s in present}
    strata: dict[str, Stratum] = {}
    for variable in variables:
        cats = _categories(definition, variable, unit_codes, district_variable)
        extra = {m_cat.split("*")[m.variable.split("*").index(variable)]
                 for m in margins if variable in m.variable.split("*") for m_cat in m.targets}
        extra |= {parsed[variable] for parsed in distinct.values() if variable in parsed}
        cats += sorted(extra - set(cats))
        index = {c: i for i, c in enumerate(cats)}
        lookup = np.full(len(strata_values), -1, dtype=np.int64)
        for value, parsed in distinct.items():
            lookup[strata_values.index(value)] = index.get(parsed.get(variable, ""), -1)
        codes = lookup[strata_code] if strata_code.size else np.zeros(0, dtype=np.int64)
        strata[variable] = Stratum(codes, tuple(cats))
    return strata, margins, quota_cells


def load_components(session: Session, period: str, unit_ids: list[int]
                    ) -> tuple[ComponentScores | None, list[str]]:
    """Imported component scores of ``period`` aligned with ``unit_ids``; None unless all have one."""
    rows = {r.unit_id: r for r in session.scalars(
        select(ComponentScore).where(ComponentScore.period == period))}
    covered = sorted(r.unit.code for r in rows.values() if r.unit_id in unit_ids)
    if not rows or any(uid not in rows for uid in unit_ids):
        return None, covered
    ordered = [rows[uid] for uid in unit_ids]

    def col(name: str) -> np.ndarray:
        return np.array([getattr(r, name) for r in ordered], dtype=float)

    return ComponentScores(
        base=col("base_score"), diff=col("diff_score"), bonus=col("bonus_score"),
        base_max=col("base_max"), diff_max=col("diff_max"), bonus_cap=col("bonus_cap"),
        deduction=col("deduction"), veto=np.array([r.veto for r in ordered], dtype=bool),
    ), covered
