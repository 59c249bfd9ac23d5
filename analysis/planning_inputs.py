"""Inputs of sample-size planning and the precision target (see :mod:`analysis.planning`)."""


from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from analysis.config import ScoringConfig, normal_quantile

#: Default level of the group median (only the SD's dependence on the level uses it).
CENTER = 75.0
#: Default largest n per unit the planner considers.
N_MAX = 5000
#: Default number of simulated peer groups per candidate n.
DEFAULT_REPS = 500
#: Units per batch of simulated groups (the zone tests build a units × units covariance).
BATCH_UNITS = 800


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
            if not is_number(getattr(self, name)) or getattr(self, name) < 0:
                errs.append((name, "must be a number >= 0"))
        if not is_number(self.deff) or self.deff <= 0:
            errs.append(("deff", "must be a number > 0"))
        if not is_number(self.lost) or not 0.0 <= self.lost < 1.0:
            errs.append(("lost", "must lie in [0, 1)"))
        if not is_number(self.level) or not 0.5 <= self.level < 1.0:
            errs.append(("level", "must lie in [0.5, 1)"))
        if not isinstance(self.n_min, int | np.integer) or self.n_min < 0:
            errs.append(("n_min", "must be a whole number >= 0"))
        if not is_number(self.s_slope):
            errs.append(("s_slope", "must be a number"))
        if not is_number(self.median) or not 0.0 < self.median < 100.0:
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


def is_number(value: object) -> bool:
    return (isinstance(value, int | float | np.number) and not isinstance(value, bool)
            and math.isfinite(float(value)))


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


