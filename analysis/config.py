"""Scoring configuration: every parameter of DESIGN §7 with its default, hashable and versioned.

A run stores ``config.to_dict()`` and ``config.config_hash()`` beside its results; every output
row carries :data:`METHOD_VERSION`. Changing a default or the arithmetic means a new
``METHOD_VERSION``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Version of the scoring method; bump it whenever a published number could change.
METHOD_VERSION = "minyi-si/2.0"

#: Points of the substantive options of a satisfaction scale, best first (DESIGN §7a).
SCALE_PRESETS: dict[str, tuple[float, ...]] = {
    "5level": (100.0, 80.0, 60.0, 40.0, 0.0),
    "5level_30": (100.0, 80.0, 60.0, 30.0, 0.0),
    "3level_55": (100.0, 75.0, 55.0),
    "3level_30": (100.0, 70.0, 30.0),
}

#: Flags that remove a submission (or, for rating flags, that rating) from the index (§7g).
EXCLUDING_DEFAULT: tuple[str, ...] = ("DUPLICATE", "HONEYPOT", "INSUFFICIENT_ITEMS", "STAFF_OF_UNIT")

#: Respondent flags that the excluding set may name (DESIGN §7g).
RESPONDENT_FLAGS: frozenset[str] = frozenset(
    {"DUPLICATE", "INSUFFICIENT_ITEMS", "SPEEDING", "STRAIGHTLINE", "BURST", "HONEYPOT", "STAFF_OF_UNIT",
     "PADDING_SUSPECT"}
)
METHODS: tuple[str, ...] = ("M1", "M2", "M3", "M4", "M5")
EMPTY_CELL_POLICIES: tuple[str, ...] = ("error", "collapse", "drop")
RAKING_SCOPES: tuple[str, ...] = ("city", "district")
CI_METHODS: tuple[str, ...] = ("logit_t", "t", "wald")
POINTS_BASES: tuple[str, ...] = ("shrunk", "direct")
RANK_POINTS: tuple[str, ...] = ("expected", "plain")
TIER_EVIDENCE: tuple[str, ...] = ("zone", "simultaneous", "marginal")

#: n_min and WIDE_CI half-width per kind of period (DESIGN §7c, §7g).
PERIOD_DEFAULTS: dict[str, dict[str, float]] = {
    "annual": {"n_min": 300, "wide_ci_half_width": 3.0},
    "quarterly": {"n_min": 75, "wide_ci_half_width": 6.0},
    "monthly": {"n_min": 75, "wide_ci_half_width": 6.0},
}


class ConfigError(ValueError):
    """Invalid scoring config; ``errors`` lists every ``(key, message)`` problem."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{name}: {msg}" for name, msg in self.errors))


def normal_quantile(p: float) -> float:
    """Standard normal quantile (scipy, imported on first use)."""
    from scipy.stats import norm

    return float(norm.ppf(p))


def _finite_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def two_sided_z(level: float = 0.95) -> float:
    """z with P(|Z| < z) = ``level`` (1.959964 for 0.95), from scipy."""
    return normal_quantile(0.5 + level / 2.0)


def _type_problem(default: Any, value: Any) -> str | None:
    """Why ``value`` cannot stand for a field whose default is ``default`` (None if it can)."""
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "must be true or false"
    if isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "must be a whole number"
    if isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        return None if ok else "must be a number"
    if isinstance(default, str):
        return None if isinstance(value, str) else "must be text"
    if isinstance(default, tuple) or default is None:
        return None if value is None or isinstance(value, tuple) else "must be a list"
    return None


@dataclass(frozen=True)
class ScoringConfig:
    """Parameters of one evaluation run (DESIGN §7); defaults are the quarterly ones.

    Examples
    --------
    >>> cfg = ScoringConfig(method="M3")
    >>> cfg.band_low, cfg.band_high, cfg.n_min
    (12.0, 20.0, 75)
    >>> ScoringConfig.from_dict(cfg.to_dict()) == cfg
    True
    >>> len(cfg.config_hash())
    64
    >>> ScoringConfig.for_period("annual").n_min
    300
    """

    # (a) item -> respondent score
    #: "item" uses the points each ItemSpec carries; a SCALE_PRESETS name re-scores the
    #: substantive options of every item, best first.
    scale: str = "item"
    #: explicit points for the substantive options (best first); overrides ``scale``.
    option_points: tuple[float, ...] | None = None
    min_answered_weight: float = 0.5
    # (b) weights
    raking: bool = True
    raking_scope: str = "city"
    district_variable: str = "district"
    raking_tol: float = 1e-8
    raking_max_iter: int = 2000
    trim_low: float = 0.3
    trim_high: float = 3.0
    empty_cell_policy: str = "collapse"
    #: (variable, category, neighbour) pairs naming where an empty category is collapsed;
    #: by default the next category in order (the previous one for the last).
    collapse_neighbours: tuple[tuple[str, str, str], ...] = ()
    small_cell_k: int = 5
    normalise_margins: bool = False
    # (d) points
    method: str = "M2"
    social_max: float = 20.0
    band_low: float = 12.0
    band_high: float = 20.0
    m5_points: tuple[float, float, float, float] = (20.0, 18.0, 16.0, 14.0)
    points_basis: str = "shrunk"
    m2_min_range: float = 10.0
    m3_min_sd: float = 2.5
    rank_points: str = "expected"
    # (c), (e), (g) flags and uncertainty
    confidence_level: float = 0.95
    ci_method: str = "logit_t"
    se_floor_fraction: float = 0.25
    tier_evidence: str = "zone"
    n_min: int = 75
    wide_ci_half_width: float = 6.0
    low_neff_ratio: float = 0.5
    high_dk_rate: float = 0.30
    quota_shortfall_ratio: float = 0.8
    rank_unstable_places: int = 2
    excluding_flags: tuple[str, ...] = EXCLUDING_DEFAULT
    speeding_fraction: float = 1.0 / 3.0
    straightline_min_items: int = 3
    straightline_speed_fraction: float = 0.5
    padding_alpha: float = 0.05
    padding_min_group: int = 5
    interviewer_clustering: bool = False
    burst_max_count: int = 20
    burst_window_s: float = 600.0
    seed: int = 0
    n_draws: int = 1000
    # (f) comprehensive score defaults
    base_max: float = 30.0
    diff_max: float = 50.0
    bonus_cap: float = 5.0

    def __post_init__(self) -> None:
        # one canonical order, so equal configs hash equal
        object.__setattr__(self, "excluding_flags", tuple(sorted(set(self.excluding_flags))))
        errors = self.validate()
        if errors:
            raise ConfigError(errors)

    @property
    def z(self) -> float:
        """Two-sided normal quantile of ``confidence_level`` (1.959964 for 0.95), from scipy."""
        return two_sided_z(self.confidence_level)

    def validate(self) -> list[tuple[str, str]]:
        """Return every ``(field, message)`` problem of this config (empty when valid)."""
        errs: list[tuple[str, str]] = []
        if self.scale != "item" and self.scale not in SCALE_PRESETS:
            errs.append(("scale", f"unknown scale {self.scale!r}; use 'item' or {sorted(SCALE_PRESETS)}"))
        if self.option_points is not None and not all(_finite_number(p) for p in self.option_points):
            errs.append(("option_points", "points must be finite numbers"))
        if not 0.0 < self.min_answered_weight <= 1.0:
            errs.append(("min_answered_weight", "must lie in (0, 1]"))
        if self.raking_scope not in RAKING_SCOPES:
            errs.append(("raking_scope", f"must be one of {RAKING_SCOPES}"))
        if not self.raking_tol > 0:
            errs.append(("raking_tol", "must be positive"))
        if self.raking_max_iter < 1:
            errs.append(("raking_max_iter", "must be at least 1 (raking and trimming share the iterations)"))
        if not 0.0 < self.trim_low <= 1.0 <= self.trim_high:
            errs.append(("trim_low", "need 0 < trim_low <= 1 <= trim_high"))
        if self.empty_cell_policy not in EMPTY_CELL_POLICIES:
            errs.append(("empty_cell_policy", f"must be one of {EMPTY_CELL_POLICIES}"))
        if self.method not in METHODS:
            errs.append(("method", f"must be one of {METHODS}"))
        for name, allowed in (("ci_method", CI_METHODS), ("points_basis", POINTS_BASES),
                              ("rank_points", RANK_POINTS), ("tier_evidence", TIER_EVIDENCE)):
            if getattr(self, name) not in allowed:
                errs.append((name, f"must be one of {allowed}"))
        if not 0.5 <= self.confidence_level < 1.0:
            errs.append(("confidence_level", "must lie in [0.5, 1)"))
        if not 0.0 <= self.se_floor_fraction <= 1.0:
            errs.append(("se_floor_fraction", "must lie in [0, 1]"))
        for name in ("m2_min_range", "m3_min_sd"):
            if not getattr(self, name) >= 0.0:
                errs.append((name, "must be >= 0"))
        if not 0.0 <= self.band_low < self.band_high <= self.social_max:
            errs.append(("band_low", "need 0 <= band_low < band_high <= social_max"))
        if len(self.m5_points) != 4 or not all(_finite_number(p) for p in self.m5_points):
            errs.append(("m5_points", "need four numbers (优秀, 良好, 一般, 较差)"))
        if not all(isinstance(c, tuple) and len(c) == 3 and all(isinstance(x, str) for x in c)
                   for c in self.collapse_neighbours):
            errs.append(("collapse_neighbours", "each entry is [variable, category, neighbour]"))
        unknown = sorted(set(self.excluding_flags) - RESPONDENT_FLAGS)
        if unknown:
            errs.append(("excluding_flags", f"unknown respondent flag {unknown[0]!r}; use {sorted(RESPONDENT_FLAGS)}"))
        if self.n_draws < 1:
            errs.append(("n_draws", "must be at least 1"))
        if self.n_min < 0:
            errs.append(("n_min", "must be >= 0"))
        if self.straightline_min_items < 2:
            errs.append(("straightline_min_items", "must be >= 2"))
        if not 0.0 < self.straightline_speed_fraction <= 1.0:
            errs.append(("straightline_speed_fraction", "must lie in (0, 1]"))
        if not 0.0 < self.padding_alpha < 1.0:
            errs.append(("padding_alpha", "must lie in (0, 1)"))
        if self.padding_min_group < 2:
            errs.append(("padding_min_group", "must be at least 2"))
        if not 0.0 < self.speeding_fraction < 1.0:
            errs.append(("speeding_fraction", "must lie in (0, 1)"))
        return errs

    @classmethod
    def for_period(cls, kind: str, **overrides: Any) -> ScoringConfig:
        """Config with the n_min / WIDE_CI defaults of ``kind`` (annual, quarterly, monthly).

        Examples
        --------
        >>> ScoringConfig.for_period("annual", method="M1").wide_ci_half_width
        3.0
        """
        if kind not in PERIOD_DEFAULTS:
            raise ValueError(f"kind: unknown period kind {kind!r}; use {sorted(PERIOD_DEFAULTS)}")
        values: dict[str, Any] = dict(PERIOD_DEFAULTS[kind])
        values["n_min"] = int(values["n_min"])
        values.update(overrides)
        return cls(**values)

    def substantive_points(self) -> tuple[float, ...] | None:
        """Points that replace every item's substantive option points, or None for "item"."""
        if self.option_points is not None:
            return tuple(float(p) for p in self.option_points)
        if self.scale == "item":
            return None
        return SCALE_PRESETS[self.scale]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (tuples become lists)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoringConfig:
        """Build a config from :meth:`to_dict` output; missing keys take their default.

        Raises
        ------
        ConfigError
            Listing every key that is not a config field, every value of the wrong type and
            every invalid value, all at once.

        Examples
        --------
        >>> try:
        ...     ScoringConfig.from_dict({"methd": "M2", "n_min": "many", "band_low": 30})
        ... except ConfigError as error:
        ...     print(error)
        methd: unknown scoring config key; n_min: must be a whole number; band_low: need 0 <= band_low < band_high <= social_max
        """
        defaults = cls()
        known = {f.name for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        errors: list[tuple[str, str]] = []
        for key, value in data.items():
            if key not in known:
                errors.append((key, "unknown scoring config key"))
                continue
            if isinstance(value, list):
                value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
            problem = _type_problem(getattr(defaults, key), value)
            if problem:
                errors.append((key, problem))
            else:
                values[key] = float(value) if isinstance(getattr(defaults, key), float) else value
        try:
            config = cls(**values)
        except ConfigError as error:
            errors.extend(error.errors)
        if errors:
            raise ConfigError(errors)
        return config

    def config_hash(self) -> str:
        """sha256 of the canonical JSON of :meth:`to_dict` (sorted keys, no spaces)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

