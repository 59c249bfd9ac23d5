"""Typed results of one wave evaluation: one row per unit plus run-level diagnostics."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.config import METHOD_VERSION
from analysis.margins import CellAdjustment
from analysis.raking import MarginError

#: Columns of the DESIGN §8 results export that analysis computes, in export order.
EXPORT_FIELDS: tuple[str, ...] = (
    "unit_code", "unit_name", "peer_group", "n_valid", "n_eff", "si", "si_se", "si_ci_low",
    "si_ci_high", "sat_rate_top2", "dk_rate", "social_method", "social_max", "social_points",
    "social_points_linear", "social_rank", "social_rank_low", "social_rank_high", "social_tier",
    "si_shrunk", "si_shrunk_ci_low", "si_shrunk_ci_high", "total", "total_rank", "total_tier",
    "flags", "method_version", "sum_w", "deff", "social_rankset_low", "social_rankset_high",
    "social_tier_status", "total_rankset_low", "total_rankset_high", "total_tier_status", "n_needed",
)
#: Statuses of a placement: final (the evidence supports it), provisional (待复核, for the office),
#: indicative (a middle tier of a unit below n_min); after the office's decision: confirmed, cleared.
TIER_STATUSES: tuple[str, ...] = ("final", "provisional", "indicative", "confirmed", "cleared")


@dataclass(frozen=True)
class UnitRow:
    """One unit's result. Floats are NaN and ranks/tiers None where they cannot be computed."""

    unit_code: str
    unit_name: str
    peer_group: str
    n_valid: int
    n_eff: float
    sum_w: float
    deff: float
    si: float
    si_se: float
    si_ci_low: float
    si_ci_high: float
    sat_rate_top2: float
    topbox_rate: float
    dk_rate: float
    social_method: str | None
    social_max: float
    social_points: float
    social_points_linear: float
    social_rank: int | None
    social_rank_low: int | None
    social_rank_high: int | None
    social_tier: str | None
    si_shrunk: float
    si_shrunk_ci_low: float
    si_shrunk_ci_high: float
    total: float = math.nan
    total_rank: int | None = None
    total_tier: str | None = None
    weight_min: float = math.nan  #: smallest final weight among the unit's counted ratings
    weight_max: float = math.nan
    flags: tuple[str, ...] = ()
    method_version: str = METHOD_VERSION
    points_se: float = math.nan  #: SE of the social points (delta method), the social part of the total's
    social_rankset_low: int | None = None  #: rank confidence set of the SI (simultaneous by default)
    social_rankset_high: int | None = None
    social_tier_status: str | None = None  #: one of TIER_STATUSES
    total_rankset_low: int | None = None
    total_rankset_high: int | None = None
    total_tier_status: str | None = None
    n_needed: int | None = None  #: valid ratings needed for n >= n_min and the WIDE_CI half-width

    def to_dict(self) -> dict[str, Any]:
        """All fields as a plain dict (flags stay a tuple)."""
        return dataclasses.asdict(self)

    def export_dict(self) -> dict[str, Any]:
        """The DESIGN §8 export columns analysis knows, in order (flags joined by ``;``)."""
        d = self.to_dict()
        out = {k: d[k] for k in EXPORT_FIELDS}
        out["flags"] = ";".join(self.flags)
        return out


@dataclass(frozen=True)
class QuotaReport:
    """Achieved valid respondents of one quota cell (unit -1 = whole wave)."""

    unit: int
    cell: tuple[tuple[str, str], ...]
    target: float
    achieved: int
    shortfall: bool


@dataclass(frozen=True)
class WeightingDiagnostics:
    """Run-level weighting report (DESIGN §7b).

    ``flags`` are run-level: MARGINS_NORMALISED goes on every unit row; CELL_COLLAPSED (a
    collapse or a drop) only on the rows of units rated by a person it concerns.
    """

    raked: bool
    n: int  #: respondents weighted (≥ 1 valid rating, no excluding flag)
    n_eff: float  #: Kish (Σw)²/Σw²
    deff: float  #: n / n_eff
    weight_min: float
    weight_max: float
    weight_ratio: float
    weight_quantiles: tuple[tuple[float, float], ...]  #: (probability, weight)
    share_trimmed: float
    max_rel_error: float
    iterations: int
    margin_errors: tuple[MarginError, ...]
    adjustments: tuple[str, ...]  #: MARGINS_NORMALISED notes, collapsed / dropped empty cells (text)
    small_cells: tuple[tuple[tuple[str, ...], int], ...]  #: joint cells with 0 < n < k
    empty_cells: int  #: joint cells without respondents
    quotas: tuple[QuotaReport, ...]
    flags: tuple[str, ...]  #: run-level flags (CELL_COLLAPSED, MARGINS_NORMALISED)
    #: collapsed / dropped empty cells, structured; CELL_COLLAPSED concerns only some respondents
    #: (rule in :class:`analysis.margins.CellAdjustment`): unit rows get it only when rated by one
    cell_adjustments: tuple[CellAdjustment, ...] = ()
    n_collapse_concerned: int = 0  #: weighted persons concerned by a collapse / drop


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """Social points and ranks of every unit under each method (arrays aligned with rows)."""

    points: Mapping[str, np.ndarray]
    ranks: Mapping[str, np.ndarray]
    total_ranks: Mapping[str, np.ndarray]  #: empty without component scores


@dataclass(frozen=True, eq=False)
class WaveResult:
    """Everything :func:`analysis.evaluate_wave` returns."""

    rows: tuple[UnitRow, ...]
    sensitivity: Sensitivity
    weighting: WeightingDiagnostics
    submission_weights: np.ndarray  #: (S,) final weight, NaN where not weighted
    submission_flags: Mapping[str, np.ndarray]  #: flag -> (S,) bool
    rating_flags: Mapping[str, np.ndarray]  #: flag -> (R,) bool
    rating_scores: np.ndarray  #: (R,) respondent score y, NaN when nothing scored
    rating_counted: np.ndarray  #: (R,) bool, counted in its unit's SI
    overall_distribution: np.ndarray  #: (U, K) weighted option shares of the overall item
    config_hash: str
    method_version: str = METHOD_VERSION
    points_cov: np.ndarray | None = None  #: (U, U) covariance of the social points (delta method)
    padding: Any = None  #: analysis.fabrication.PaddingReport: every interviewer / source test
    test_groups: np.ndarray | None = None  #: (S,) group code the padding tests used per submission
    interviewer_rho: float = math.nan  #: pooled intra-interviewer correlation (with the option on)
    rating_submission: np.ndarray | None = None  #: (R,) the submission of each rating

    def row(self, unit_code: str) -> UnitRow:
        """The row of ``unit_code`` (KeyError if unknown)."""
        for r in self.rows:
            if r.unit_code == unit_code:
                return r
        raise KeyError(unit_code)

    def export_rows(self) -> list[dict[str, Any]]:
        """Rows as DESIGN §8 export dicts (without period, run_id and input_sha256)."""
        return [r.export_dict() for r in self.rows]
