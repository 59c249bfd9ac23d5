"""Sample-size planning (DESIGN §7 (i)): how many valid ratings each unit needs.

Two targets, per peer group:

- **precision**: a Wald half-width of at most h for the unit's SI,
  n = ⌈z²·s²·deff/h²⌉ (at least ``n_min``), with s the within-unit respondent SD of the score;
- **power**: the probability that a unit whose true SI lies d points below its group's median
  gets a *final* 较差 under the verdict rules of :mod:`analysis.placement` (rank in the 较差
  zone, significantly below at least N − k of the others, each one-sided at α/k, and
  n ≥ ``n_min``) reaches a chosen value. There is no closed form for this: it is simulated.

The power model (one peer group of N units, the same n for every unit): N − 1 units with true
SIs drawn from N(median, τ²), one target unit at median − d, every unit's estimate drawn from
N(truth, SE²) with SE = s(truth)·sqrt(deff/n), and the verdicts computed on the estimates by the
product's own building blocks (the code path of :func:`analysis.placement.place_units`, batched
over replications; ``tests/analysis/test_planning.py`` checks it gives the same verdicts as
``place_units``). The same random numbers are used for every candidate n (common random
numbers), so the simulated power is a smooth function of n and its search is stable.

The within-unit SD depends on the unit's level: a score bounded by 0 and 100 spreads less the
closer its mean is to 100, so a unit below the median has a larger SD than the median unit.
s(x) = max(s + slope·(x − median), s/4), with s the SD at the median and ``s_slope`` the change
per point (about −0.3 on the 5-level scale near 75). Ignoring it overstates the power for the
very units the plan is about.

Interviews: a share ``lost`` of the ratings is lost (invalid, mostly 说不清/不了解), so a unit
needs ⌈n/(1 − lost)⌉ ratings collected to keep n valid ones.

Examples
--------
>>> inputs = PlanInputs(n_units=10, tau=3.0, s=22.0, deff=1.3, lost=0.1)
>>> n_for_half_width(inputs.s, inputs.deff, 3.0)
269
>>> plan = n_for_power(inputs, d=10.0, power=0.8, reps=200, seed=1)
>>> plan.reachable, plan.n is not None and plan.n >= inputs.n_min
(True, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from analysis.config import ScoringConfig
from analysis.planning_inputs import (  # noqa: F401 - the planning API in one place
    CENTER,
    DEFAULT_REPS,
    N_MAX,
    PlanInputs,
    interviews_for,
    n_for_half_width,
    verdict_config,
)
from analysis.planning_power import (  # noqa: F401
    PowerPlan,
    final_poor,
    n_for_power,
    power_ceiling,
    power_final_poor,
)


@dataclass(frozen=True)
class UnitPlan:
    """One unit's plan: valid ratings for each target, the planned n and ratings to collect.

    ``n_power`` is None when no power was asked or the power cannot be reached below ``n_max``
    (``separable`` False; the planned n then covers the half-width and n_min only).
    """

    code: str
    n_half_width: int | None
    n_power: int | None
    n_plan: int
    interviews: int
    separable: bool | None


@dataclass(frozen=True)
class GroupPlan:
    """A peer group's plan: its inputs, the power search (if asked) and one row per unit."""

    inputs: PlanInputs
    half_width: float | None
    d: float | None
    power: float | None
    power_plan: PowerPlan | None
    units: tuple[UnitPlan, ...]

    @property
    def total_interviews(self) -> int:
        return sum(u.interviews for u in self.units)


def plan_group(inputs: PlanInputs, units: Sequence[str], half_width: float | None = None,
               d: float | None = None, power: float | None = None,
               unit_s: Mapping[str, float] | None = None,
               unit_deff: Mapping[str, float] | None = None, reps: int = DEFAULT_REPS,
               seed: int = 0, n_max: int = N_MAX, config: ScoringConfig | None = None
               ) -> GroupPlan:
    """Plan every unit of one peer group.

    Per unit: n for the half-width (from the unit's own s and deff when given, else the
    group's), n for the power (the group's, the same for every unit: the power model assumes
    equal n), the planned n = max(both, n_min), and the ratings to collect ⌈n/(1 − lost)⌉.

    Examples
    --------
    >>> p = PlanInputs(n_units=3, tau=3.0, s=20.0, deff=1.2, lost=0.1)
    >>> g = plan_group(p, ["A", "B", "C"], half_width=3.0, unit_s={"C": 30.0})
    >>> [(u.code, u.n_half_width, u.n_plan, u.interviews) for u in g.units]
    [('A', 205, 205, 228), ('B', 205, 205, 228), ('C', 461, 461, 513)]
    >>> g.total_interviews
    969
    """
    if (d is None) != (power is None):
        raise ValueError("d and power: give both or neither")
    unit_s, unit_deff = dict(unit_s or {}), dict(unit_deff or {})
    plan = None
    if d is not None and power is not None:
        plan = n_for_power(inputs, d, power, reps=reps, seed=seed, n_max=n_max, config=config)
    rows = []
    for code in units:
        n_hw = None
        if half_width is not None:
            s = unit_s.get(code, inputs.s)
            deff = unit_deff.get(code, inputs.deff)
            n_hw = n_for_half_width(s, deff, half_width, inputs.level, int(inputs.n_min))
        n_pow = plan.n if plan is not None and plan.reachable else None
        n_plan = max(int(inputs.n_min), n_hw or 0, n_pow or 0)
        rows.append(UnitPlan(code=code, n_half_width=n_hw, n_power=n_pow, n_plan=n_plan,
                             interviews=inputs.interviews(n_plan),
                             separable=None if plan is None else plan.reachable))
    return GroupPlan(inputs=inputs, half_width=half_width, d=d, power=power, power_plan=plan,
                     units=tuple(rows))
