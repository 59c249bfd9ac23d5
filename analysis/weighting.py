"""Weights for a wave's respondents and their diagnostics (DESIGN §7b).

The persons weighted are those with at least one counted rating; each of their ratings carries
the person's weight.

Run-level weighting flags: CELL_COLLAPSED when the empty-cell policy collapsed or dropped a
target cell (both count as a collapse), MARGINS_NORMALISED when ``normalise_margins`` rescaled
margins that did not add up. CELL_COLLAPSED concerns only some respondents
(``Weights.collapse_concerned``): a collapse of category c into c′ of variable v (in district d
for a per-district margin) concerns the respondents in category c′ of v (and in d), whose
weights absorb the moved target; a drop concerns every respondent of v's occupied categories
(of d when per district).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from analysis.config import ScoringConfig
from analysis.flags import CELL_COLLAPSED, MARGINS_NORMALISED
from analysis.inputs import WaveInput, design_weight_problem
from analysis.raking import RakingError, joint_cells, rake_cells
from analysis.results import QuotaReport, WeightingDiagnostics

QUANTILES: tuple[float, ...] = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


class Weights(NamedTuple):
    """Per-submission cell and weight plus what the unit statistics need."""

    cell: np.ndarray  #: (S,) joint stratum cell, -1 where not weighted
    cell_factor: np.ndarray  #: (C,) w = design weight × factor
    cell_count: np.ndarray  #: (C,) weighted persons per cell
    weights: np.ndarray  #: (S,) final weight, NaN where not weighted
    dims: tuple[int, ...]
    variables: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    diagnostics: WeightingDiagnostics
    #: (S,) True for the weighted persons an empty-cell collapse or drop concerns (module docstring)
    collapse_concerned: np.ndarray


def kish_n_eff(w: np.ndarray) -> float:
    """Kish effective sample size (Σw)²/Σw².

    Examples
    --------
    >>> round(kish_n_eff(np.array([1.2, 0.8, 1.0, 1.5, 0.5])), 4)
    4.4803
    """
    w = np.asarray(w, dtype=float)
    s2 = float(w @ w)
    return float(w.sum() ** 2 / s2) if s2 > 0 else float("nan")


def weight_respondents(inp: WaveInput, person: np.ndarray, config: ScoringConfig) -> Weights:
    """Rake (or just scale) the design weights of the persons in ``person`` (bool, length S).

    A NaN, infinite, negative or zero design weight of a weighted person is a
    :class:`RakingError` naming its submission row; margins that do not add up are refused
    unless ``config.normalise_margins`` (then flagged MARGINS_NORMALISED).

    Examples
    --------
    >>> from analysis.inputs import ItemSpec, Margin, Stratum
    >>> inp = WaveInput(design_weight=np.ones(4), rating_submission=np.arange(4),
    ...                 rating_unit=np.zeros(4, int), answers=np.zeros((4, 1), int),
    ...                 items=[ItemSpec("q", 1.0, (100.0, 0.0))], unit_codes=["A"], unit_names=["A"],
    ...                 peer_groups=["g"], strata={"sex": Stratum(np.array([0, 0, 0, 1]), ("m", "f"))},
    ...                 margins=[Margin("sex", {"m": 0.5, "f": 0.5})])
    >>> w = weight_respondents(inp, np.ones(4, bool), ScoringConfig(trim_low=0.1, trim_high=10))
    >>> w.weights.round(4), w.diagnostics.flags, w.collapse_concerned.any()
    (array([0.6667, 0.6667, 0.6667, 2.    ]), (), np.False_)
    """
    s = inp.n_submissions
    d_all = np.asarray(inp.design_weight, dtype=float)
    idx = np.flatnonzero(person)
    d = d_all[idx]
    problem = design_weight_problem(d, idx)
    if problem is not None:
        raise RakingError(f"design weights: {problem}")
    rake_now = config.raking and bool(inp.margins) and idx.size > 0
    variables = _cell_variables(inp, idx, config, rake_now)
    cats = tuple(tuple(inp.strata[v].categories) for v in variables)
    dims = tuple(len(c) for c in cats)
    codes = [np.asarray(inp.strata[v].codes)[idx] for v in variables]
    cell_p = joint_cells(codes, dims) if dims else np.zeros(idx.size, dtype=np.int64)
    n_cells = int(np.prod(dims)) if dims else 1
    if rake_now:
        rr = rake_cells(
            cell_p, d, variables, cats, inp.margins, tol=config.raking_tol,
            max_iter=config.raking_max_iter, trim=(config.trim_low, config.trim_high),
            empty_cell_policy=config.empty_cell_policy, collapse_neighbours=config.collapse_neighbours,
            scope=config.raking_scope, district_variable=config.district_variable,
            normalise=config.normalise_margins,
        )
        factor, w = rr.cell_factor, rr.weights
        count = rr.cell_count
        iters, err, errors, adjust, trimmed = rr.iterations, rr.max_rel_error, rr.margin_errors, rr.adjustments, rr.share_trimmed
        cell_adjust, concerned_p = rr.cell_adjustments, rr.collapse_concerned
    else:
        total = float(d.sum())
        factor = np.full(n_cells, idx.size / total if total > 0 else 1.0)
        w = d * factor[0]
        count = np.bincount(cell_p, minlength=n_cells).astype(float)
        iters, err, errors, adjust, trimmed = 0, 0.0, (), (), 0.0
        cell_adjust, concerned_p = (), np.zeros(idx.size, dtype=bool)
    cell = np.full(s, -1, dtype=np.int64)
    cell[idx] = cell_p
    weights = np.full(s, np.nan)
    weights[idx] = w
    concerned = np.zeros(s, dtype=bool)
    concerned[idx] = concerned_p
    flags = ((CELL_COLLAPSED,) if cell_adjust else ()) + \
        ((MARGINS_NORMALISED,) if any(a.startswith(MARGINS_NORMALISED) for a in adjust) else ())
    n_eff = kish_n_eff(w)
    qs = np.quantile(w, QUANTILES) if w.size else np.full(len(QUANTILES), np.nan)
    small = []
    k = config.small_cell_k
    for c in np.flatnonzero((count > 0) & (count < k)):
        pos = np.unravel_index(int(c), dims) if dims else ()
        small.append((tuple(cats[a][p] for a, p in enumerate(pos)), int(count[c])))
    diag = WeightingDiagnostics(
        raked=rake_now, n=int(idx.size), n_eff=n_eff, deff=idx.size / n_eff if n_eff else float("nan"),
        weight_min=float(w.min()) if w.size else float("nan"),
        weight_max=float(w.max()) if w.size else float("nan"),
        weight_ratio=float(w.max() / w.min()) if w.size else float("nan"),
        weight_quantiles=tuple((q, float(v)) for q, v in zip(QUANTILES, qs, strict=True)),
        share_trimmed=trimmed, max_rel_error=err, iterations=iters, margin_errors=tuple(errors),
        adjustments=tuple(adjust), small_cells=tuple(small), empty_cells=int((count == 0).sum()),
        quotas=(), flags=flags, cell_adjustments=tuple(cell_adjust), n_collapse_concerned=int(concerned.sum()),
    )
    return Weights(cell, factor, count, weights, dims, variables, cats, diag, concerned)


#: Cap on the joint cell table (cells, and units × cells) for variables raking does not need.
MAX_CELLS = 50_000
MAX_UNIT_CELLS = 2_000_000


def _cell_variables(inp: WaveInput, idx: np.ndarray, config: ScoringConfig, rake_now: bool) -> tuple[str, ...]:
    """Stratum variables of the joint cell table: those the margins need (their codes must be
    known), then the others (for quotas and small-cell reports) while known and within the caps."""
    needed: list[str] = []
    if rake_now:
        for m in inp.margins:
            needed += [v for v in m.variable.split("*") if v not in needed]
        if config.raking_scope == "district" and config.district_variable not in needed:
            needed.append(config.district_variable)
    chosen: list[str] = []
    size = 1
    for v in needed + [v for v in inp.strata if v not in needed]:
        if v not in inp.strata:
            if v in needed:
                raise RakingError(f"{v}: a margin names this variable but no stratum codes were given")
            continue
        codes = np.asarray(inp.strata[v].codes)[idx]
        unknown = int(np.count_nonzero(codes < 0))
        if v in needed:
            if unknown:
                raise RakingError(f"{v}: {unknown} weighted respondents have no category (code -1)")
        elif unknown or size * len(inp.strata[v].categories) > MAX_CELLS or \
                size * len(inp.strata[v].categories) * max(inp.n_units, 1) > MAX_UNIT_CELLS:
            continue
        chosen.append(v)
        size *= len(inp.strata[v].categories)
    return tuple(chosen)


def quota_reports(inp: WaveInput, wts: Weights, unit_cell_counts: np.ndarray,
                  config: ScoringConfig) -> tuple[QuotaReport, ...]:
    """Achieved valid respondents per quota cell: per unit from its counted ratings, else persons."""
    if not inp.quotas:
        return ()
    variables, cats, dims, person_count = wts.variables, wts.categories, wts.dims, wts.cell_count
    n_cells = int(np.prod(dims)) if dims else 1
    pos = np.unravel_index(np.arange(n_cells), dims) if dims else ()
    out = []
    for q in inp.quotas:
        mask = np.ones(n_cells, dtype=bool)
        for v, c in q.cell.items():
            if v not in variables:
                raise ValueError(f"quotas: variable {v!r} is not a stratum variable with known codes")
            if c not in cats[variables.index(v)]:
                raise ValueError(f"quotas: unknown category {c!r} of {v}")
            mask &= pos[variables.index(v)] == cats[variables.index(v)].index(c)
        if q.unit >= 0:
            achieved = int(unit_cell_counts[q.unit, mask].sum())
        else:
            achieved = int(person_count[mask].sum())
        out.append(QuotaReport(q.unit, tuple(sorted(q.cell.items())), float(q.target), achieved,
                               achieved < config.quota_shortfall_ratio * q.target))
    return tuple(out)
