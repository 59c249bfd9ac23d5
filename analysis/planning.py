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

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.config import ScoringConfig, normal_quantile
from analysis.placement import FINAL, evidence_status, placeable, points_on_basis, verdict_bounds
from analysis.rank_sets import RankSets, group_rank_sets
from analysis.ranking import POOR, ordered_ranks, tiers

#: Default level of the group median (only the SD's dependence on the level uses it).
CENTER = 75.0
#: Default largest n per unit the planner considers.
N_MAX = 5000
#: Default number of simulated peer groups per candidate n.
DEFAULT_REPS = 500
#: Units per batch of simulated groups (the zone tests build a units × units covariance).
_BATCH_UNITS = 800


@dataclass(frozen=True)
class PlanInputs:
    """What the planner assumes about one peer group.

    Parameters
    ----------
    n_units : N, the number of units ranked in the group.
    tau : between-unit SD of the true SIs (points).
    s : within-unit SD of the respondent score (points) of a unit at the group median.
    deff : design effect of the weights (n/n_eff), at least 1 in practice.
    lost : share of collected ratings that are not valid (invalid, don't know), in [0, 1).
    level : confidence level of the verdicts and of the half-width.
    n_min : valid ratings a unit needs for a final placement.
    s_slope : change of the within-unit SD per point of true SI (negative: the SD of a bounded
        score shrinks toward 100); 0 assumes the same SD for every unit.
    median : level of the group median (points).

    Examples
    --------
    >>> p = PlanInputs(n_units=20, tau=4.0, s=20.0, deff=1.3, lost=0.1, s_slope=-0.3)
    >>> round(p.se(300), 4), round(p.se(300, at=67.0), 4), p.interviews(300)
    (1.3166, 1.4745, 334)
    >>> PlanInputs(n_units=0, tau=-1.0, s=20.0)
    Traceback (most recent call last):
    ...
    ValueError: n_units: must be at least 1; tau: must be a number >= 0
    """

    n_units: int
    tau: float
    s: float
    deff: float = 1.0
    lost: float = 0.0
    level: float = 0.95
    n_min: int = 75
    s_slope: float = 0.0
    median: float = CENTER

    def __post_init__(self) -> None:
        errors = self.validate()
        if errors:
            raise ValueError("; ".join(f"{name}: {message}" for name, message in errors))

    def validate(self) -> list[tuple[str, str]]:
        """Every ``(field, message)`` problem (empty when valid)."""
        errs: list[tuple[str, str]] = []
        if not isinstance(self.n_units, int | np.integer) or self.n_units < 1:
            errs.append(("n_units", "must be at least 1"))
        for name in ("tau", "s"):
            if not _number(getattr(self, name)) or getattr(self, name) < 0:
                errs.append((name, "must be a number >= 0"))
        if not _number(self.deff) or self.deff <= 0:
            errs.append(("deff", "must be a number > 0"))
        if not _number(self.lost) or not 0.0 <= self.lost < 1.0:
            errs.append(("lost", "must lie in [0, 1)"))
        if not _number(self.level) or not 0.5 <= self.level < 1.0:
            errs.append(("level", "must lie in [0.5, 1)"))
        if not isinstance(self.n_min, int | np.integer) or self.n_min < 0:
            errs.append(("n_min", "must be a whole number >= 0"))
        if not _number(self.s_slope):
            errs.append(("s_slope", "must be a number"))
        if not _number(self.median) or not 0.0 < self.median < 100.0:
            errs.append(("median", "must lie in (0, 100)"))
        return errs

    def sd_at(self, si: np.ndarray | float) -> np.ndarray:
        """Within-unit SD of a unit whose true SI is ``si``: max(s + slope·(si − median), s/4)."""
        x = np.asarray(si, dtype=float)
        return np.maximum(self.s + self.s_slope * (x - self.median), self.s / 4.0)

    def se(self, n: float, at: float | None = None) -> float:
        """SE of the SI of a unit with n valid ratings (at the median, or at SI ``at``):
        s(at)·sqrt(deff/n)."""
        s = self.s if at is None else float(self.sd_at(at))
        return float(s * math.sqrt(self.deff / n))

    def interviews(self, n: int) -> int:
        """Ratings to collect for n valid ones: ⌈n/(1 − lost)⌉."""
        return interviews_for(n, self.lost)


def _number(value: object) -> bool:
    return (isinstance(value, int | float | np.number) and not isinstance(value, bool)
            and math.isfinite(float(value)))  # type: ignore[arg-type]


def interviews_for(n: int, lost: float) -> int:
    """Ratings to collect so that ``n`` stay valid when a share ``lost`` is lost.

    Examples
    --------
    >>> interviews_for(300, 0.1), interviews_for(90, 0.1), interviews_for(75, 0.0)
    (334, 100, 75)
    """
    return int(math.ceil(n / (1.0 - lost) - 1e-9))


def n_for_half_width(s: float, deff: float, half_width: float, level: float = 0.95,
                     n_min: int = 0) -> int:
    """Valid ratings for a Wald half-width ≤ ``half_width``: ⌈z²·s²·deff/h²⌉, at least ``n_min``.

    The same rule as :func:`analysis.intervals.needed_n`, from s and deff instead of a run's SE.

    Examples
    --------
    s = 20, deff 1.25, h = 3 at 95%: 1.959964² · 400 · 1.25 / 9 = 213.4 → 214.

    >>> n_for_half_width(20.0, 1.25, 3.0)
    214
    >>> n_for_half_width(20.0, 1.25, 6.0, n_min=75)
    75
    """
    if not half_width > 0:
        raise ValueError("half_width: must be > 0")
    z = normal_quantile(0.5 + level / 2.0)
    want = math.ceil(z * z * s * s * deff / (half_width * half_width) - 1e-9)
    return int(max(want, n_min))


def verdict_config(inputs: PlanInputs, config: ScoringConfig | None = None) -> ScoringConfig:
    """The scoring config the verdicts are simulated with: ``config`` (default: the product's
    defaults) carrying the inputs' confidence level and n_min."""
    return dataclasses.replace(config or ScoringConfig(), confidence_level=inputs.level,
                               n_min=int(inputs.n_min))


def final_poor(si: np.ndarray, se: np.ndarray, groups: np.ndarray, n_valid: np.ndarray,
               config: ScoringConfig) -> np.ndarray:
    """Which units get a *final* 较差 (social tier 较差, status final), as ``place_units`` says.

    The verdict path of :func:`analysis.placement.place_units` and nothing else (points on the
    configured basis and method, ranks, zones, the evidence of ``tier_evidence``, n_min), so
    that many simulated groups can be judged in one call: every step works within peer groups.

    Examples
    --------
    >>> si = np.array([80.0, 79.0, 78.0, 60.0])
    >>> final_poor(si, np.ones(4), np.zeros(4, int), np.full(4, 100), ScoringConfig()).tolist()
    [False, False, False, True]
    >>> final_poor(si, np.ones(4), np.zeros(4, int), np.full(4, 50), ScoringConfig()).tolist()
    [False, False, False, False]
    """
    si_r, se_r, g, low_n = placeable(si, se, groups, n_valid, config.n_min)
    pts, _basis, _shrunk = points_on_basis(si_r, se_r, g, config, (config.method,))
    zone = tiers(ordered_ranks(pts[config.method], si_r, g), g)
    if config.tier_evidence == "zone":  # the rank sets are not used by the zone tests
        sets = RankSets(np.full(si_r.shape, np.nan), np.full(si_r.shape, np.nan))
    else:
        sets = group_rank_sets(si_r, se_r, g, coverage=config.confidence_level,
                               simultaneous=config.tier_evidence != "marginal",
                               n_draws=config.n_draws, seed=config.seed)
    low, high = verdict_bounds(si_r, se_r, g, sets, config)
    status, _top, _bottom = evidence_status(zone, low, high, g, low_n)
    return np.array([z == POOR and s == FINAL for z, s in zip(zone, status, strict=True)],
                    dtype=bool)


def power_ceiling(inputs: PlanInputs, d: float) -> float:
    """The power with unlimited ratings: P(fewer than k of the N − 1 others truly lie below the
    target), k the size of the 较差 zone. No n reaches more.

    Examples
    --------
    20 units, τ = 4, d = 8: each other unit lies below the target with p = Φ(−2) = 0.0228, and
    the 较差 zone has k = 2 places, so the ceiling is P(Binomial(19, 0.0228) ≤ 1):

    >>> round(power_ceiling(PlanInputs(n_units=20, tau=4.0, s=20.0), 8.0), 4)
    0.9315
    >>> power_ceiling(PlanInputs(n_units=1, tau=4.0, s=20.0), 8.0)
    0.0
    """
    from scipy.stats import binom, norm

    from analysis.placement import zone_limits

    n = int(inputs.n_units)
    last_top, first_bottom = zone_limits(n)
    if n < 2 or first_bottom <= last_top:  # a lone unit (or N = 2's rank 1) is 优秀 first
        return 0.0
    k = n - first_bottom + 1
    p_below = float(norm.cdf(-d / inputs.tau)) if inputs.tau > 0 else float(d <= 0)
    return float(binom.cdf(k - 1, n - 1, p_below))


@dataclass(frozen=True)
class _Draws:
    """Standard normal draws shared by every candidate n (common random numbers)."""

    truth: np.ndarray  #: (reps, N − 1) true SIs of the other units, in units of τ
    noise: np.ndarray  #: (reps, N) estimation errors, in units of SE; column 0 is the target

    @classmethod
    def make(cls, n_units: int, reps: int, seed: int) -> _Draws:
        rng = np.random.default_rng(seed)
        return cls(rng.standard_normal((reps, n_units - 1)), rng.standard_normal((reps, n_units)))


def _power(n: int, inputs: PlanInputs, d: float, draws: _Draws, config: ScoringConfig) -> float:
    reps, units = draws.noise.shape
    m = inputs.median
    truth = np.column_stack([np.full(reps, m - d), m + inputs.tau * draws.truth])
    se = inputs.sd_at(truth) * math.sqrt(inputs.deff / n)
    estimates = truth + se * draws.noise
    per_batch = max(1, _BATCH_UNITS // units)
    hits = 0
    for start in range(0, reps, per_batch):
        block = estimates[start:start + per_batch]
        b = block.shape[0]
        groups = np.repeat(np.arange(b), units)
        poor = final_poor(block.ravel(), se[start:start + per_batch].ravel(), groups,
                          np.full(b * units, n), config)
        hits += int(poor.reshape(b, units)[:, 0].sum())
    return hits / reps


def power_final_poor(n: int, inputs: PlanInputs, d: float, reps: int = DEFAULT_REPS,
                     seed: int = 0, config: ScoringConfig | None = None) -> float:
    """Simulated probability that a unit d points below its group's median gets a final 较差.

    Parameters
    ----------
    n : valid ratings of every unit of the group.
    inputs : the group's N, τ, s, deff, level and n_min.
    d : how far the target unit's true SI lies below the group median (points).
    reps : simulated groups.
    seed : seed of ``numpy.random.default_rng``: the same call gives the same number.
    config : scoring config of the verdicts (default: the product's defaults); its level and
        n_min are replaced by those of ``inputs``.

    Examples
    --------
    >>> p = PlanInputs(n_units=10, tau=3.0, s=20.0, deff=1.2)
    >>> low, high = (power_final_poor(n, p, 10.0, reps=200, seed=3) for n in (100, 800))
    >>> low < high, power_final_poor(800, p, 10.0, reps=200, seed=3) == high
    (True, True)
    """
    _check_search(d, reps)
    return _power(int(n), inputs, d, _Draws.make(inputs.n_units, reps, seed),
                  verdict_config(inputs, config))


def _check_search(d: float, reps: int) -> None:
    if not _number(d) or d <= 0:
        raise ValueError("d: must be a number > 0")
    if reps < 1:
        raise ValueError("reps: must be at least 1")


@dataclass(frozen=True)
class PowerPlan:
    """The smallest n per unit that gives a final 较差 with probability ≥ ``target``.

    ``n`` is None when no n up to ``n_max`` does (``reachable`` False); ``power`` is then the
    simulated power at ``n_max``. ``ceiling`` is the power with unlimited ratings
    (:func:`power_ceiling`); ``curve`` lists every (n, power) the search evaluated.
    """

    target: float
    d: float
    n: int | None
    power: float
    reachable: bool
    n_max: int
    ceiling: float
    curve: tuple[tuple[int, float], ...]
    reps: int
    seed: int

    @property
    def message(self) -> str:
        """One plain sentence saying what the plan found."""
        if self.reachable:
            return (f"n = {self.n} per unit gives a final 较差 with probability {self.power:.2f} "
                    f"to a unit {self.d:g} points below the group median")
        why = (f"even unlimited ratings give at most {self.ceiling:.2f}" if self.ceiling < self.target
               else f"n = {self.n_max} gives {self.power:.2f}")
        return (f"cannot be separated within {self.n_max}: a unit {self.d:g} points below the "
                f"median gets a final 较差 with probability below {self.target:.2f} ({why})")


def n_for_power(inputs: PlanInputs, d: float, power: float, reps: int = DEFAULT_REPS,
                seed: int = 0, n_max: int = N_MAX, config: ScoringConfig | None = None
                ) -> PowerPlan:
    """Smallest n (same for every unit) with simulated power ≥ ``power``, or "cannot be reached".

    The search evaluates the power on a doubling grid from max(n_min, 2) up to ``n_max``, then
    bisects between the last grid point below the target and the first one at or above it, down
    to a single rating. Every evaluation uses the same random draws, so the simulated power
    curve is a step function that rises with n (monotone in expectation).

    Examples
    --------
    >>> p = PlanInputs(n_units=10, tau=3.0, s=20.0, deff=1.2)
    >>> plan = n_for_power(p, 10.0, 0.8, reps=200)
    >>> plan.reachable, plan.power >= 0.8, power_final_poor(plan.n - 1, p, 10.0, reps=200) < 0.8
    (True, True, True)
    >>> far = n_for_power(PlanInputs(n_units=20, tau=4.0, s=20.0), 2.0, 0.8, reps=100)
    >>> far.reachable, far.n, far.message.startswith("cannot be separated within 5000")
    (False, None, True)
    """
    _check_search(d, reps)
    if not 0.0 < power < 1.0:
        raise ValueError("power: must lie in (0, 1)")
    start = max(int(inputs.n_min), 2)
    if n_max < start:
        raise ValueError(f"n_max: must be at least {start}")
    cfg = verdict_config(inputs, config)
    draws = _Draws.make(inputs.n_units, reps, seed)
    ceiling = power_ceiling(inputs, d)
    curve: dict[int, float] = {}

    def at(n: int) -> float:
        if n not in curve:
            curve[n] = _power(n, inputs, d, draws, cfg)
        return curve[n]

    def done(n: int | None, reached: bool) -> PowerPlan:
        shown = at(n) if n is not None else at(n_max)
        return PowerPlan(target=power, d=float(d), n=n, power=shown, reachable=reached,
                         n_max=int(n_max), ceiling=ceiling, curve=tuple(sorted(curve.items())),
                         reps=reps, seed=seed)

    if ceiling < power:  # no sample size can do it: say so at n_max
        return done(None, False)
    grid = []
    n = start
    while n < n_max:
        grid.append(n)
        n *= 2
    grid.append(int(n_max))
    below = None
    for n in grid:
        if at(n) >= power:
            break
        below = n
    else:
        return done(None, False)
    if below is None:
        return done(n, True)
    low, high = below, n  # power(low) < target <= power(high)
    while high - low > 1:
        mid = (low + high) // 2
        if at(mid) >= power:
            high = mid
        else:
            low = mid
    return done(high, True)


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
