"""Sample-size plan of a wave (DESIGN §7 (i)) and the quotas it implies.

The planner's inputs come from the last *published* quarterly run, of the wave's questionnaire
if there is one, else of any wave; without any, from assumed values (:data:`ASSUMED`, each one
overridable). Per peer group: the within-unit SD s (pooled from s²_u = SE_u²·n_eff_u, as the
run's needed n computes it), the design effect Σn/Σn_eff, the between-unit SD of the true SIs
τ = sqrt(max(0, var(SI) − mean(SE²))) and the group median; from the whole run: the share of
ratings lost (1 − counted/total) and how the SD changes with the SI (weighted least squares of
s_u on SI_u). What a run cannot give (τ of a group of fewer than 3 units, the slope from fewer
than 5 units of n ≥ 30) is taken from the assumed values, and the plan says which.

The arithmetic is :mod:`analysis.planning`; this module reads the database, plans every peer
group of the wave's units, and turns the plan of the district units into quotas per district ×
stratum (``district=D01*age_band=60-69 120``) proportional to the wave's population margins.
Departments cannot get quotas: respondents choose which departments they rate.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import ScoringConfig
from analysis.planning import (
    DEFAULT_REPS,
    N_MAX,
    PlanInputs,
    PowerPlan,
    interviews_for,
    n_for_half_width,
    n_for_power,
)
from survey.errors import ValidationFailed
from survey.evaluation.settings import RunSettings
from survey.i18n import _
from survey.models import (
    EvaluationResult,
    EvaluationRun,
    PopulationMargin,
    QuestionnaireVersion,
    Quota,
    RunStatus,
    Unit,
    UnitKind,
    Wave,
)
from survey.strata import wave_definition
from survey.waves import get_wave, set_quotas

#: Planner inputs used where no published run gives them. s is the within-unit SD of a unit at
#: the group median; s_slope the change of that SD per point of SI (a 0–100 score spreads less
#: near 100: the largest SD of a score with mean m is sqrt(m(100 − m)), whose slope at 75 is
#: −0.58 per point, scaled to s = 20: about −0.25).
ASSUMED: dict[str, float] = {"s": 20.0, "deff": 1.3, "tau": 4.0, "lost": 0.1, "s_slope": -0.25,
                             "median": 75.0}
#: Units of a group needed to estimate τ from a run; units of n ≥ SLOPE_MIN_N for the slope.
MIN_TAU_UNITS, MIN_SLOPE_UNITS, SLOPE_MIN_N = 3, 5, 30


@dataclass(frozen=True)
class PlanSource:
    """Where the planner's inputs come from: a published run, or assumed values (run None)."""

    run_id: int | None = None
    period: str | None = None
    same_questionnaire: bool = False

    def describe(self) -> str:
        if self.run_id is None:
            return _("No published quarterly run: assumed values.")
        if self.same_questionnaire:
            return _("Published run %(run)s (%(period)s) of this questionnaire.", run=self.run_id,
                     period=self.period)
        return _("Published run %(run)s (%(period)s) of another questionnaire.", run=self.run_id,
                 period=self.period)


@dataclass(frozen=True)
class UnitLine:
    """One unit of the plan.

    ``interviews``: for a district, the respondents living there to interview (⌈n/(1 − lost)⌉);
    for a department, the respondents the wave needs so that enough of them rate it
    (⌈n/share⌉, ``rated_share`` the share of the last run's respondents who gave it a valid
    rating), or without a share the ratings to collect (⌈n/(1 − lost)⌉).
    """

    code: str
    name: str
    kind: str
    current_n: int | None
    n_half_width: int | None
    n_power: int | None
    n_plan: int
    interviews: int
    separable: bool | None
    within_budget: bool
    rated_share: float | None = None


@dataclass(frozen=True)
class GroupLine:
    """A peer group: its inputs, which of them are assumed, the power search, its units."""

    code: str
    name: str
    inputs: PlanInputs
    assumed: tuple[str, ...]
    power_plan: PowerPlan | None
    units: tuple[UnitLine, ...]


@dataclass
class WavePlan:
    """The plan of a wave: per peer group and unit, and the quotas of its district units."""

    wave_id: int
    wave_name: str
    source: PlanSource
    half_width: float
    detect: float | None
    power: float | None
    n_max: int
    level: float
    n_min: int
    groups: list[GroupLine] = field(default_factory=list)
    quota_variable: str | None = None
    quotas: list[tuple[str, int]] = field(default_factory=list)

    @property
    def units(self) -> list[UnitLine]:
        return [u for g in self.groups for u in g.units]

    @property
    def total_interviews(self) -> int:
        """Respondents the wave needs: each rates the district where they live, so the districts'
        interviews add up; a department needs its own number of respondents overall."""
        districts = sum(u.interviews for u in self.units if u.kind == UnitKind.DISTRICT.value)
        departments = [u.interviews for u in self.units if u.kind != UnitKind.DISTRICT.value]
        return max([districts, *departments])

    @property
    def total_is_lower_bound(self) -> bool:
        """True when a department's share of raters is unknown (no run): its interviews are the
        ratings it needs, so the total assumes every respondent rates it."""
        return any(u.kind != UnitKind.DISTRICT.value and u.rated_share is None for u in self.units)


# --- options -------------------------------------------------------------------------------

def _number(text: object, name: str, errors: list[tuple[str, str]], message: str) -> float | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        value = float(str(text).strip()) if isinstance(text, str) else float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        errors.append((name, message))
        return None
    if not math.isfinite(value):
        errors.append((name, message))
        return None
    return value


def check_options(half_width: object = None, detect: object = None, power: object = None,
                  n_max: object = None, n_min: int = 75
                  ) -> tuple[float | None, float | None, float | None, int]:
    """Validated options (numbers or the text typed); ``ValidationFailed`` lists every problem.

    Empty text is "not given"; ``power`` is a share (0.8).
    """
    errors: list[tuple[str, str]] = []
    hw = _number(half_width, "half_width", errors,
                 _("Enter the half-width in points, a number above 0 (e.g. 3)."))
    if hw is not None and not 0 < hw <= 50:
        errors.append(("half_width", _("Enter the half-width in points, a number above 0 (e.g. 3).")))
    d = _number(detect, "detect", errors,
                _("Enter how far below the group median, in points above 0 (e.g. 8)."))
    if d is not None and not 0 < d <= 100:
        errors.append(("detect", _("Enter how far below the group median, in points above 0 (e.g. 8).")))
    p = _number(power, "power", errors, _("Enter the power as a share between 0 and 1 (e.g. 0.8)."))
    if p is not None and not 0 < p < 1:
        errors.append(("power", _("Enter the power as a share between 0 and 1 (e.g. 0.8).")))
    too_small = _("Enter a whole number of valid ratings per unit, at least n_min (%(n_min)s).",
                  n_min=max(n_min, 2))
    budget = _number(n_max, "n_max", errors, too_small)
    if budget is not None and (budget != int(budget) or budget < max(n_min, 2) or budget > 100_000):
        errors.append(("n_max", too_small))
    named = {f for f, _m in errors}
    if d is not None and p is None and "power" not in named:
        errors.append(("power", _("Give the power too: the chance that such a unit gets a final 较差.")))
    if p is not None and d is None and "detect" not in named:
        errors.append(("detect", _("Give the distance too: how far below the group median, in points.")))
    if errors:
        raise ValidationFailed(errors)
    return hw, d, p, int(budget) if budget is not None else N_MAX


# --- inputs from a run ---------------------------------------------------------------------

def source_run(session: Session, wave: Wave) -> tuple[EvaluationRun | None, bool]:
    """The last published quarterly run of the wave's questionnaire, else of any wave."""
    base = (select(EvaluationRun)
            .where(EvaluationRun.kind == "quarter", EvaluationRun.status == RunStatus.PUBLISHED)
            .order_by(EvaluationRun.published_at.desc(), EvaluationRun.id.desc()))
    questionnaire = wave.questionnaire_version.questionnaire_id
    same = session.scalars(
        base.join(Wave, EvaluationRun.wave_id == Wave.id)
        .join(QuestionnaireVersion, Wave.questionnaire_version_id == QuestionnaireVersion.id)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire).limit(1)).first()
    if same is not None:
        return same, True
    return session.scalars(base.limit(1)).first(), False


def _scoring(run: EvaluationRun | None) -> ScoringConfig:
    if run is not None:
        try:
            return RunSettings.from_dict(run.config, "quarterly").scoring
        except ValidationFailed:
            pass
    return ScoringConfig.for_period("quarterly")


@dataclass(frozen=True)
class _Row:
    si: float
    se: float
    n: int
    n_eff: float

    @property
    def usable(self) -> bool:
        return (self.n >= 2 and all(math.isfinite(v) for v in (self.si, self.se, self.n_eff))
                and self.n_eff > 0)

    @property
    def s(self) -> float:
        return math.sqrt(self.se * self.se * self.n_eff)

    @property
    def deff(self) -> float:
        return self.n / self.n_eff


def _row(r: EvaluationResult) -> _Row:
    def f(v: float | None) -> float:
        return math.nan if v is None else float(v)

    return _Row(f(r.si), f(r.si_se), int(r.n_valid or 0), f(r.n_eff))


def _run_wide(rows: list[_Row], run: EvaluationRun | None, assumed: Mapping[str, float]
              ) -> tuple[dict[str, float], set[str]]:
    """lost and s_slope from the whole run (or assumed): values and the names assumed."""
    values: dict[str, float] = {}
    taken: set[str] = set()
    summary = (run.summary or {}) if run is not None else {}
    counted, total = summary.get("ratings_counted"), summary.get("ratings_total")
    if isinstance(counted, int) and isinstance(total, int) and total > 0 and counted < total:
        values["lost"] = 1.0 - counted / total
    elif isinstance(counted, int) and isinstance(total, int) and total > 0:
        values["lost"] = 0.0
    else:
        values["lost"] = assumed["lost"]
        taken.add("lost")
    big = [r for r in rows if r.usable and r.n >= SLOPE_MIN_N]
    si = np.array([r.si for r in big])
    if len(big) >= MIN_SLOPE_UNITS and np.ptp(si) >= 5.0:
        w = np.array([r.n - 1.0 for r in big])
        s = np.array([r.s for r in big])
        x = si - np.average(si, weights=w)
        slope = float(np.sum(w * x * (s - np.average(s, weights=w))) / np.sum(w * x * x))
        values["s_slope"] = float(np.clip(slope, -1.0, 0.5))
    else:
        values["s_slope"] = assumed["s_slope"]
        taken.add("s_slope")
    return values, taken


def _group_inputs(rows: list[_Row], n_units: int, wide: dict[str, float],
                  assumed: Mapping[str, float], config: ScoringConfig
                  ) -> tuple[PlanInputs, tuple[str, ...]]:
    usable = [r for r in rows if r.usable]
    taken: list[str] = []
    if usable:
        dof = np.array([r.n - 1.0 for r in usable])
        s = float(math.sqrt(np.sum(dof * [r.s**2 for r in usable]) / dof.sum()))
        deff = max(1.0, sum(r.n for r in usable) / sum(r.n_eff for r in usable))
        median = float(np.median([r.si for r in usable]))
    else:
        s, deff, median = assumed["s"], assumed["deff"], assumed["median"]
        taken += ["s", "deff", "median"]
    if len(usable) >= MIN_TAU_UNITS:
        si = np.array([r.si for r in usable])
        tau = math.sqrt(max(0.0, float(np.var(si, ddof=1)) - float(np.mean([r.se**2 for r in usable]))))
    else:
        tau = assumed["tau"]
        taken.append("tau")
    inputs = PlanInputs(n_units=max(1, n_units), tau=tau, s=s, deff=deff, lost=wide["lost"],
                        level=config.confidence_level, n_min=int(config.n_min),
                        s_slope=wide["s_slope"], median=min(max(median, 1.0), 99.0))
    return inputs, tuple(taken)


@functools.lru_cache(maxsize=64)
def _power_plan(inputs: PlanInputs, d: float, power: float, n_max: int, reps: int, seed: int,
                config: ScoringConfig) -> PowerPlan:
    """The power search, remembered: a page shows a plan, then applies its quotas."""
    return n_for_power(inputs, d, power, reps=reps, seed=seed, n_max=n_max, config=config)


# --- the plan ------------------------------------------------------------------------------

def plan_wave(session: Session, wave_id: int, half_width: object = None, detect: object = None,
              power: object = None, assumed: Mapping[str, float] | None = None,
              n_max: object = None, variable: str | None = None, reps: int = DEFAULT_REPS,
              seed: int = 0) -> WavePlan:
    """Plan the valid ratings of every unit of a wave, and the quotas of its districts.

    Parameters
    ----------
    half_width : target CI half-width in points (default: the run's ``wide_ci_half_width``).
    detect, power : a unit ``detect`` points below its group's median should get a final 较差
        with probability ``power`` (both or neither).
    assumed : overrides of :data:`ASSUMED` (s, deff, tau, lost, s_slope, median), used where no
        published run gives a value.
    n_max : the budget of valid ratings per unit (default 5000).
    variable : the margin variable the quotas are split by (default: the first one-way margin).

    Options may be numbers or the text a form sent; ``ValidationFailed`` names every bad one.
    """
    wave = get_wave(session, wave_id)
    run, same = source_run(session, wave)
    config = _scoring(run)
    hw, d, p, budget = check_options(half_width, detect, power, n_max, int(config.n_min))
    unknown = sorted(set(assumed or {}) - set(ASSUMED))
    if unknown:
        raise ValidationFailed([(k, _("Unknown planning value.")) for k in unknown])
    fallback = {**ASSUMED, **{k: float(v) for k, v in (assumed or {}).items()}}
    hw = float(config.wide_ci_half_width) if hw is None else hw
    by_code = {r.unit_code: r for r in (run.results if run is not None else [])}
    rows = [_row(r) for r in by_code.values()]
    wide, wide_assumed = _run_wide(rows, run, fallback)
    accepted = ((run.summary or {}).get("n_accepted") if run is not None else None) or 0
    plan = WavePlan(wave_id=wave.id, wave_name=wave.name,
                    source=PlanSource(run.id if run else None, run.period if run else None, same),
                    half_width=hw, detect=d, power=p, n_max=budget,
                    level=config.confidence_level, n_min=int(config.n_min))
    groups: dict[str, list[Unit]] = {}
    for unit in wave.units:
        groups.setdefault(unit.peer_group.code, []).append(unit)
    for code in sorted(groups):
        units = groups[code]
        group_rows = [_row(r) for r in by_code.values() if r.peer_group == code]
        inputs, taken = _group_inputs(group_rows, len(units), wide, fallback, config)
        pplan = None if d is None or p is None else _power_plan(inputs, d, p, budget, reps, seed, config)
        lines = []
        for unit in units:
            result = by_code.get(unit.code)
            own = _row(result) if result is not None else None
            s, deff = (own.s, own.deff) if own is not None and own.usable else (inputs.s, inputs.deff)
            n_hw = n_for_half_width(s, deff, hw, inputs.level, inputs.n_min)
            n_pow = pplan.n if pplan is not None and pplan.reachable else None
            n_plan = max(inputs.n_min, n_hw, n_pow or 0)
            share = None
            if unit.kind != UnitKind.DISTRICT and result is not None and accepted > 0 and result.n_valid:
                share = result.n_valid / accepted
            interviews = (int(math.ceil(n_plan / share - 1e-9)) if share
                          else interviews_for(n_plan, inputs.lost))
            separable = None if pplan is None else pplan.reachable
            lines.append(UnitLine(
                code=unit.code, name=unit.name, kind=unit.kind.value,
                current_n=None if result is None else int(result.n_valid), n_half_width=n_hw,
                n_power=n_pow, n_plan=n_plan, interviews=interviews, separable=separable,
                within_budget=separable is not False and n_plan <= budget, rated_share=share))
        plan.groups.append(GroupLine(code=code, name=units[0].peer_group.name, inputs=inputs,
                                     assumed=tuple(sorted(set(taken) | wide_assumed)),
                                     power_plan=pplan, units=tuple(lines)))
    plan.quota_variable, plan.quotas = plan_quotas(session, wave, plan, variable)
    return plan


def margin_variables(wave: Wave) -> list[str]:
    """The wave's one-way margin variables, in the order they were uploaded."""
    out: list[str] = []
    for m in sorted(wave.margins, key=lambda m: m.id or 0):
        if "*" not in m.variable and m.variable not in out:
            out.append(m.variable)
    return out


def _shares(margins: list[PopulationMargin]) -> dict[str, float]:
    values = {m.category: (m.share if m.share is not None else m.count) or 0.0 for m in margins}
    total = sum(values.values())
    return {c: v / total for c, v in sorted(values.items()) if v > 0} if total > 0 else {}


def plan_quotas(session: Session, wave: Wave, plan: WavePlan, variable: str | None = None
                ) -> tuple[str | None, list[tuple[str, int]]]:
    """Quotas of the district units: ``(variable used, [(cell, target)])``.

    A district's target is its interviews (⌈n/(1 − lost)⌉), split over the categories of
    ``variable`` (default: the wave's first one-way margin variable) in proportion to the
    district's own margin of that variable if the wave has one, else the city-wide margin,
    each cell rounded up. Without margins, one cell per district. Cells are written as
    :func:`survey.waves.parse_quotas` reads them: ``district=D01*age_band=60-69``. No cells when
    the wave has no district unit or the questionnaire does not ask where respondents live.
    """
    residence = wave_definition(wave).residence_question
    districts = [u for u in plan.units if u.kind == UnitKind.DISTRICT.value]
    if not districts or residence is None:
        return None, []
    available = margin_variables(wave)
    if variable is not None and variable not in available:
        raise ValidationFailed([("variable", _("%(name)s has no one-way population margin in this "
                                               "wave.", name=variable))])
    variable = variable or next((v for v in available if v != residence.name), None)
    ids = {code: unit_id for code, unit_id in session.execute(select(Unit.code, Unit.id).where(
        Unit.code.in_([u.code for u in districts])))}
    city = _shares([m for m in wave.margins if m.variable == variable and m.district_unit_id is None])
    out: list[tuple[str, int]] = []
    for unit in districts:
        cell = f"{residence.name}={unit.code}"
        if variable is None:
            out.append((cell, unit.interviews))
            continue
        own = _shares([m for m in wave.margins
                       if m.variable == variable and m.district_unit_id == ids.get(unit.code)])
        shares = own or city
        if not shares:
            out.append((cell, unit.interviews))
            continue
        out += [(f"{cell}*{variable}={category}", int(math.ceil(unit.interviews * share - 1e-9)))
                for category, share in shares.items()]
    return variable, out


def quota_text(cells: list[tuple[str, int]]) -> str:
    """Quota lines as :func:`survey.waves.set_quotas` reads them."""
    return "\n".join(f"{cell} {target}" for cell, target in cells)


def apply_quota_plan(session: Session, wave_id: int, cells: list[tuple[str, int]], actor: str
                     ) -> list[Quota]:
    """Replace the wave's quotas by the planned cells (through ``set_quotas``, audited there)."""
    wave = get_wave(session, wave_id)
    if not cells:
        raise ValidationFailed([("quotas", _("The plan gives no quotas: the wave has no district "
                                             "unit, or the questionnaire does not ask where "
                                             "respondents live."))])
    return set_quotas(session, wave, quota_text(cells), actor)


def apply_plan(session: Session, wave_id: int, actor: str, **options: object) -> WavePlan:
    """Plan the wave with ``options`` (as :func:`plan_wave`) and replace its quotas by the
    plan's cells in one action; the caller commits."""
    plan = plan_wave(session, wave_id, **options)  # type: ignore[arg-type]
    apply_quota_plan(session, wave_id, plan.quotas, actor)
    return plan
