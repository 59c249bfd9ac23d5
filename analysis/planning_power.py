"""The power half of sample-size planning: simulated verdicts and the search for n.

See :mod:`analysis.planning` for the model. ``final_poor`` judges many simulated peer groups at
once with the product's own verdict rules; ``n_for_power`` finds the smallest n whose simulated
power reaches the target, with common random numbers for every candidate n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.config import ScoringConfig
from analysis.placement import FINAL, evidence_status, placeable, points_on_basis, verdict_bounds
from analysis.planning_inputs import (
    BATCH_UNITS,
    DEFAULT_REPS,
    N_MAX,
    PlanInputs,
    is_number,
    verdict_config,
)
from analysis.rank_sets import RankSets, group_rank_sets
from analysis.ranking import POOR, ordered_ranks, tiers


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
    per_batch = max(1, BATCH_UNITS // units)
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
    if not is_number(d) or d <= 0:
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
