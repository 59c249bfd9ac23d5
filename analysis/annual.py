"""Annual results from the quarterly ones (DESIGN §7c: mean of the quarterly SIs, SE = sqrt(Σ SE²)/4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.comprehensive import annual_index
from analysis.config import METHOD_VERSION, ScoringConfig
from analysis.inputs import ComponentScores
from analysis.intervals import confidence_interval
from analysis.placement import place_units
from analysis.results import Sensitivity, UnitRow, WaveResult
from analysis.rows import standard_unit_flags, unit_rows
from analysis.unit_index import UnitIndex

#: Unit flag of an annual row built from fewer quarters than expected.
PARTIAL_YEAR = "PARTIAL_YEAR"


@dataclass(frozen=True, eq=False)
class YearResult:
    """Annual rows (same fields as a wave's) and the quarters each unit had."""

    rows: tuple[UnitRow, ...]
    sensitivity: Sensitivity
    quarters: np.ndarray  #: (U,) quarters with a result per unit
    config_hash: str
    method_version: str = METHOD_VERSION
    points_cov: np.ndarray | None = None  #: (U, U) covariance of the social points (delta method)

    def row(self, unit_code: str) -> UnitRow:
        """The row of ``unit_code`` (KeyError if unknown)."""
        for r in self.rows:
            if r.unit_code == unit_code:
                return r
        raise KeyError(unit_code)


def evaluate_year(quarters: Sequence[WaveResult], config: ScoringConfig | None = None,
                  components: ComponentScores | None = None, expected_quarters: int = 4) -> YearResult:
    """Combine quarterly wave results into the annual index, then place units as for a wave.

    SI is the mean of the quarterly SIs, SE = sqrt(Σ SE_q²)/Q; n_valid, n_eff and Σw add up;
    the top-2 and top-box rates are quarterly means and dk_rate the n-weighted mean. Points,
    ranks, tiers, intervals, shrinkage and unit flags follow ``config`` (default the annual
    thresholds: n_min 300, WIDE_CI 3). A unit with fewer than ``expected_quarters`` results is
    flagged PARTIAL_YEAR. Units are matched by code, in order of first appearance.

    Examples
    --------
    >>> from tests.analysis.test_golden import GOLDEN_CONFIG, golden_input
    >>> from analysis import evaluate_wave
    >>> q = evaluate_wave(golden_input(with_components=False), GOLDEN_CONFIG)
    >>> year = evaluate_year([q, q, q, q], GOLDEN_CONFIG)
    >>> round(year.row("A").si, 4), round(year.row("A").si_se, 4), year.row("A").n_valid
    (83.7667, 3.951, 20)
    """
    from analysis.wave import with_components

    if not quarters:
        raise ValueError("quarters: at least one quarterly result is needed")
    config = config or ScoringConfig.for_period("annual")
    codes: list[str] = []
    latest: dict[str, UnitRow] = {}
    for q in quarters:
        for r in q.rows:
            if r.unit_code not in latest:
                codes.append(r.unit_code)
            latest[r.unit_code] = r
    pos = {c: i for i, c in enumerate(codes)}
    u, nq = len(codes), len(quarters)

    def grid(field: str) -> np.ndarray:
        out = np.full((nq, u), np.nan)
        for k, q in enumerate(quarters):
            for r in q.rows:
                out[k, pos[r.unit_code]] = getattr(r, field)
        return out

    si, se, n_q = annual_index(grid("si"), grid("si_se"))
    n_valid = np.nansum(grid("n_valid"), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        dk = np.nansum(grid("dk_rate") * grid("n_valid"), axis=0) / n_valid
        has = np.isfinite(grid("si"))
        top2 = np.where(n_q > 0, np.nansum(np.where(has, grid("sat_rate_top2"), np.nan), axis=0) / n_q, np.nan)
        topbox = np.where(n_q > 0, np.nansum(np.where(has, grid("topbox_rate"), np.nan), axis=0) / n_q, np.nan)
    ci = confidence_interval(si, se, np.nansum(grid("n_eff"), axis=0), config.confidence_level, config.ci_method)
    idx = UnitIndex(
        n_valid=n_valid.astype(np.int64), sum_w=np.nansum(grid("sum_w"), axis=0),
        n_eff=np.nansum(grid("n_eff"), axis=0), si=si, se=se,
        ci_low=ci[0], ci_high=ci[1],
        sat_rate_top2=top2, topbox_rate=topbox,
        # quarterly weights are each scaled to their own n: their extremes do not combine
        weight_min=np.full(u, np.nan), weight_max=np.full(u, np.nan),
    )
    peer = [latest[c].peer_group for c in codes]
    groups = np.unique(np.asarray(peer, dtype=str), return_inverse=True)[1]
    place = place_units(si, se, groups, config, n_valid=n_valid)
    flags = standard_unit_flags(idx, dk, groups, place, config)
    for i in np.flatnonzero(n_q < expected_quarters):
        flags[i].add(PARTIAL_YEAR)
    rows = unit_rows(codes, [latest[c].unit_name for c in codes], peer, idx, dk, place, flags, config)
    result = YearResult(rows, Sensitivity(place.points_by_method, place.ranks_by_method, {}), n_q,
                        config.config_hash(), points_cov=place.points_cov)
    if components is not None:
        result = with_components(result, components, config)
    return result
