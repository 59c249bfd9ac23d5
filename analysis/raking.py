"""Raking (iterative proportional fitting) on the cell table, with trimming (DESIGN §7b).

Respondents are reduced to their joint stratum cell in one O(N) pass (``bincount`` of design
weights), IPF runs on the small cell table, and one gather brings the cell factors back:
``w_i = d_i · F[cell_i]``. Design weights therefore keep their relative size within a cell.
Bad inputs are refused, never repaired silently: NaN, infinite, negative or zero design weights
and margins that do not add up (see :mod:`analysis.margins`) raise :class:`RakingError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.inputs import Margin, design_weight_problem
from analysis.margins import CellAdjustment, MarginSpec, build_margin_specs


class RakingError(ValueError):
    """Raking cannot meet the margins (bad input, no convergence, or bounds too tight)."""


@dataclass(frozen=True)
class MarginError:
    """Achieved versus target share of one margin category after raking."""

    variable: str
    category: str
    district: str | None
    target: float
    achieved: float
    rel_error: float


@dataclass(frozen=True, eq=False)
class RakingResult:
    """Weights and diagnostics of :func:`rake`.

    ``weights = design_weights * cell_factor[cell]``, scaled so Σw = n. Who a collapse / drop
    concerns: :class:`analysis.margins.CellAdjustment`.
    """

    weights: np.ndarray  #: (n,) final weights
    cell: np.ndarray  #: (n,) joint cell code of each respondent
    cell_factor: np.ndarray  #: (C,) factor on the design weight per joint cell
    cell_count: np.ndarray  #: (C,) respondents per joint cell
    dims: tuple[int, ...]  #: number of categories per variable (joint cell = C-order index)
    variables: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    iterations: int
    max_rel_error: float
    margin_errors: tuple[MarginError, ...]
    adjustments: tuple[str, ...]  #: MARGINS_NORMALISED notes, empty-cell collapses / drops, human readable
    share_trimmed: float  #: share of respondents whose factor sits at a trim bound
    cell_adjustments: tuple[CellAdjustment, ...]  #: the collapses / drops, structured
    collapse_cells: np.ndarray  #: (C,) bool, cells concerned by a collapse / drop

    @property
    def collapse_concerned(self) -> np.ndarray:
        """(n,) bool: respondents concerned by an empty-cell collapse or drop."""
        return self.collapse_cells[self.cell]


def joint_cells(codes: Sequence[np.ndarray], dims: Sequence[int]) -> np.ndarray:
    """Joint cell code (C-order, like ``np.ravel_multi_index``) of each respondent.

    Examples
    --------
    >>> joint_cells([np.array([0, 1, 2]), np.array([1, 0, 1])], [3, 2])
    array([1, 2, 5])
    """
    cell = np.zeros(np.asarray(codes[0]).shape[0] if codes else 0, dtype=np.int64)
    for c, k in zip(codes, dims, strict=True):
        cell *= k
        cell += c
    return cell


def codes_from_labels(labels: np.ndarray, categories: Sequence[str], variable: str = "") -> np.ndarray:
    """Integer codes of string labels, by binary search in the known categories.

    Raises :class:`RakingError` naming the first label that is not a category.

    Examples
    --------
    >>> codes_from_labels(np.array(["f", "m", "f"]), ("m", "f"))
    array([1, 0, 1])
    """
    cats = np.asarray(categories, dtype=str)
    order = np.argsort(cats)
    sorted_cats = cats[order]
    lab = np.asarray(labels, dtype=str)
    pos = np.clip(np.searchsorted(sorted_cats, lab), 0, len(cats) - 1)
    bad = sorted_cats[pos] != lab
    if bad.any():
        raise RakingError(f"{variable or 'labels'}: unknown category {str(lab[np.argmax(bad)])!r}")
    return order[pos].astype(np.int64)


def _expand(ratio: np.ndarray, axes: tuple[int, ...], ndim: int) -> np.ndarray:
    shape = [1] * ndim
    for ax, k in zip(axes, ratio.shape, strict=True):
        shape[ax] = k
    return ratio.reshape(shape)


def _worst(mass: np.ndarray, factor: np.ndarray, specs: Sequence[MarginSpec]) -> tuple[float, MarginSpec, int]:
    table = mass * factor
    worst, wspec, widx = 0.0, specs[0], 0
    for spec in specs:
        cur = table.sum(axis=spec.other_axes)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(spec.target > 0, np.abs(cur - spec.target) / spec.target, np.abs(cur))
        i = int(np.argmax(rel))
        if rel.flat[i] > worst:
            worst, wspec, widx = float(rel.flat[i]), spec, i
    return worst, wspec, widx


def _trim(mass: np.ndarray, count: np.ndarray, factor: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, float]:
    """Clip the cell factors once and re-spread the excess; returns (factor, change).

    ``mean = Σ count·factor / Σ count`` (over occupied cells, before clipping); factors are
    clipped to ``[lo·mean, hi·mean]``. The other occupied cells get one common scale keeping
    ``Σ mass·factor``, i.e. the excess in proportion to their mass ``mass·factor`` (if scale <= 0
    they stay, the next raking pass rescales); they may cross a bound until the next clip.
    ``change`` = max ``|clipped/factor − 1|`` over the occupied cells clipped (0 when none).
    """
    n = count.sum()
    mean = (count * factor).sum() / n
    occupied = count > 0
    clipped = np.clip(factor, lo * mean, hi * mean)
    at_bound = occupied & (clipped != factor)
    if not at_bound.any():
        return factor, 0.0
    change = float(np.max(np.abs(clipped[at_bound] / factor[at_bound] - 1.0)))
    total = (mass * factor).sum()
    free = occupied & ~at_bound
    free_mass = (mass * clipped)[free].sum()
    scale = (total - (mass * clipped)[at_bound].sum()) / free_mass if free_mass > 0 else 0.0
    if scale > 0:  # otherwise the next raking pass rescales
        clipped = np.where(free, clipped * scale, clipped)
    return clipped, change


def ipf(
    mass: np.ndarray,
    count: np.ndarray,
    specs: Sequence[MarginSpec],
    *,
    tol: float = 1e-8,
    max_iter: int = 2000,
    trim: tuple[float, float] | None = (0.3, 3.0),
) -> tuple[np.ndarray, int, float]:
    """Rake a cell table of design-weight sums to the margin targets; returns (factor, iterations, error).

    Exactly (a reimplementation following this matches to 1e-9), starting from factor 1:

    1. Visit the margins in the order of ``specs`` (:func:`analysis.margins.build_margin_specs`:
       scope "city", the order of the margins given, i.e. of ``WaveInput.margins``, which
       survey/ builds sorted by variable name, then district code; scope "district", the
       district margin first, then the others sorted by variable name). For each, multiply the
       factors of every category by target / current (current = ``Σ mass·factor`` over the
       category; categories with current 0 unchanged); each margin sees the previous update.
    2. With ``trim = (lo, hi)``, clip once (:func:`_trim`): factors to ``[lo, hi]·mean``, mean
       weighted by respondent count over occupied cells; the excess is spread over the
       unclipped occupied cells in proportion to their weighted mass ``mass·factor``.
    3. error = largest ``|achieved − target| / target`` of any margin category (``|achieved|``
       where the target is 0), after the clipping. Stop when error <= ``tol`` and no clipped
       factor moved by more than ``tol`` (relative).
    4. Else repeat from 1. :class:`RakingError` names the worst margin after ``max_iter``
       iterations or when the error stalls (from iteration 201, still above 0.999 × the
       error 199 iterations earlier), and reports divergence (non-finite or extreme factors).

    :func:`rake_cells` then scales all factors by one constant so Σw = n.

    Examples
    --------
    >>> from analysis.margins import MarginSpec
    >>> mass = np.array([[10.0, 30.0], [20.0, 40.0]])
    >>> rows = MarginSpec((0,), (1,), np.array([50.0, 50.0]), "a", ("x", "y"), None)
    >>> cols = MarginSpec((1,), (0,), np.array([40.0, 60.0]), "b", ("u", "v"), None)
    >>> f, it, err = ipf(mass, np.ones((2, 2)), [rows, cols], trim=None)
    >>> (mass * f).sum(axis=1).round(6), (mass * f).sum(axis=0).round(6)
    (array([50., 50.]), array([40., 60.]))
    """
    factor = np.ones_like(mass)
    ndim = mass.ndim
    history: list[float] = []
    for it in range(1, max_iter + 1):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for spec in specs:
                cur = (mass * factor).sum(axis=spec.other_axes)
                ratio = np.where(cur > 0, spec.target / np.where(cur > 0, cur, 1.0), 1.0)
                factor = factor * _expand(ratio, spec.axes, ndim)
        if not np.isfinite(factor).all() or factor.max() > 1e150 or (factor[mass > 0] < 1e-150).any():
            raise RakingError(
                f"raking diverged after {it} iterations: the margins cannot all be met by the "
                f"sample's occupied cells (margin {specs[0].variable} and the others conflict)"
            )
        change = 0.0
        if trim is not None:
            factor, change = _trim(mass, count, factor, trim[0], trim[1])
        err, spec, idx = _worst(mass, factor, specs)
        if err <= tol and change <= tol:
            return factor, it, err
        history.append(err)
        if it > 200 and err > 0.999 * history[-200]:
            break  # stalled: more iterations will not help
    err, spec, idx = _worst(mass, factor, specs)
    why = f" within trim bounds {trim}" if trim is not None else ""
    raise RakingError(
        f"raking did not converge{why} after {len(history)} iterations; worst margin "
        f"{spec.describe(idx)}: relative error {err:.3g} (tolerance {tol:g})"
    )


def rake(
    codes: Mapping[str, np.ndarray],
    categories: Mapping[str, Sequence[str]],
    design_weights: np.ndarray,
    margins: Sequence[Margin],
    *,
    tol: float = 1e-8,
    max_iter: int = 2000,
    trim: tuple[float, float] | None = (0.3, 3.0),
    empty_cell_policy: str = "collapse",
    collapse_neighbours: Sequence[tuple[str, str, str]] = (),
    scope: str = "city",
    district_variable: str = "district",
    normalise: bool = False,
) -> RakingResult:
    """Rake design weights to population margins; weights are scaled so Σw = n.

    Parameters
    ----------
    codes : variable -> integer category codes per respondent (all >= 0).
    categories : variable -> category labels (code k is ``categories[v][k]``).
    design_weights : finite, positive design weights per respondent; a NaN, infinite, negative
        or zero one is a :class:`RakingError` naming its (0-based) row and how many are bad.
    margins : population margins (shares or counts; ``"a*b"`` for a joint margin). Shares must
        sum to 1 (within 1e-6) and count margins of one scope must share one total.
    tol : largest allowed relative distance of any margin category from its target.
    max_iter : iteration limit; beyond it :class:`RakingError` names the worst margin.
    trim : bounds on the adjustment factors relative to their mean, or None.
    empty_cell_policy : ``"error"``, ``"collapse"`` (target moves to a neighbour category) or
        ``"drop"`` (target spread over the occupied categories); both are CELL_COLLAPSED events,
        see ``collapse_concerned`` of the result for the respondents they concern.
    collapse_neighbours : (variable, category, neighbour) overrides for ``"collapse"``.
    scope : ``"city"`` (one-way city margins) or ``"district"`` (each district raked to its
        own margins; district totals from the city district margin, else its sample size).
    normalise : rescale margins that do not add up (shares to 1, counts to the first count
        margin's total) instead of refusing them; a ``MARGINS_NORMALISED`` adjustment says so.

    Examples
    --------
    >>> sex = np.array([0, 0, 0, 1])
    >>> r = rake({"sex": sex}, {"sex": ("m", "f")}, np.ones(4), [Margin("sex", {"m": .5, "f": .5})],
    ...          trim=None)
    >>> r.weights
    array([0.66666667, 0.66666667, 0.66666667, 2.        ])
    """
    variables = tuple(codes)
    cats = tuple(tuple(categories[v]) for v in variables)
    dims = tuple(len(c) for c in cats)
    d = np.asarray(design_weights, dtype=float)
    arrays = [np.asarray(codes[v]) for v in variables]
    for v, a in zip(variables, arrays, strict=True):
        if a.shape != d.shape:
            raise RakingError(f"{v}: need one code per respondent ({d.shape[0]}), got {a.shape[0]}")
        if a.size and (a.min() < 0 or a.max() >= len(categories[v])):
            bad = int(np.count_nonzero((a < 0) | (a >= len(categories[v]))))
            raise RakingError(f"{v}: {bad} respondents have no valid category (code -1 or out of range)")
    cell = joint_cells(arrays, dims) if dims else np.zeros(d.shape[0], dtype=np.int64)
    return rake_cells(
        cell, d, variables, cats, margins, tol=tol, max_iter=max_iter, trim=trim,
        empty_cell_policy=empty_cell_policy, collapse_neighbours=collapse_neighbours, scope=scope,
        district_variable=district_variable, normalise=normalise,
    )


def rake_cells(
    cell: np.ndarray,
    design_weights: np.ndarray,
    variables: tuple[str, ...],
    categories: tuple[tuple[str, ...], ...],
    margins: Sequence[Margin],
    *,
    tol: float = 1e-8,
    max_iter: int = 2000,
    trim: tuple[float, float] | None = (0.3, 3.0),
    empty_cell_policy: str = "collapse",
    collapse_neighbours: Sequence[tuple[str, str, str]] = (),
    scope: str = "city",
    district_variable: str = "district",
    normalise: bool = False,
) -> RakingResult:
    """:func:`rake` for respondents already reduced to joint cell codes (see :func:`joint_cells`).

    After :func:`ipf`, all factors are scaled by ``n / Σ mass·factor`` (Σw = n); the margin
    errors are measured after that scaling, and ``share_trimmed`` counts the respondents of
    occupied cells whose factor is within 1e-9 (relative) of ``lo·mean`` or ``hi·mean``.

    Examples
    --------
    >>> r = rake_cells(np.array([0, 0, 0, 1]), np.ones(4), ("sex",), (("m", "f"),),
    ...                [Margin("sex", {"m": .5, "f": .5})], trim=None)
    >>> r.cell_factor.round(4), r.iterations
    (array([0.6667, 2.    ]), 1)
    """
    d = np.asarray(design_weights, dtype=float)
    problem = design_weight_problem(d)
    if problem is not None:
        raise RakingError(f"design weights: {problem}")
    cats = tuple(tuple(c) for c in categories)
    dims = tuple(len(c) for c in cats)
    n_cells = int(np.prod(dims)) if dims else 1
    mass = np.bincount(cell, weights=d, minlength=n_cells).reshape(dims or (1,))
    count = np.bincount(cell, minlength=n_cells).reshape(dims or (1,)).astype(float)
    n = float(d.shape[0])
    specs, adjustments, cell_adjustments, concerned = build_margin_specs(
        mass, count, variables, cats, margins, n=n, scope=scope, district_variable=district_variable,
        policy=empty_cell_policy, neighbours=collapse_neighbours, normalise=normalise,
    )
    if specs:
        factor, iterations, err = ipf(mass, count, specs, tol=tol, max_iter=max_iter, trim=trim)
    else:
        factor, iterations, err = np.ones_like(mass), 0, 0.0
    factor = factor * (n / (mass * factor).sum()) if n else factor
    flat = factor.ravel()
    weights = d * flat[cell]
    table = mass * factor
    errors: list[MarginError] = []
    for spec in specs:
        cur = table.sum(axis=spec.other_axes)
        errors.extend(spec.errors(cur))
    err = max((e.rel_error for e in errors), default=0.0)  # after the final scaling to Σw = n
    share_trimmed = 0.0
    if trim is not None and n:
        occupied = count.ravel() > 0
        mean = (count.ravel() * flat).sum() / n
        at = occupied & (
            np.isclose(flat, trim[0] * mean, rtol=1e-9) | np.isclose(flat, trim[1] * mean, rtol=1e-9)
        )
        share_trimmed = float(count.ravel()[at].sum() / n)
    return RakingResult(
        weights=weights, cell=cell, cell_factor=flat, cell_count=count.ravel(), dims=dims,
        variables=variables, categories=cats, iterations=iterations, max_rel_error=err,
        margin_errors=tuple(errors), adjustments=tuple(adjustments), share_trimmed=share_trimmed,
        cell_adjustments=tuple(cell_adjustments), collapse_cells=concerned.ravel(),
    )


def rake_labels(
    labels: Mapping[str, np.ndarray],
    design_weights: np.ndarray,
    margins: Sequence[Margin],
    **options: object,
) -> RakingResult:
    """:func:`rake` from string labels; categories come from the margins, in their order.

    ``options`` are :func:`rake`'s keywords (``normalise=True`` among them).

    Examples
    --------
    >>> r = rake_labels({"sex": np.array(["m", "m", "m", "f"])}, np.ones(4),
    ...                 [Margin("sex", {"m": .5, "f": .5})], trim=None)
    >>> r.weights.round(4)
    array([0.6667, 0.6667, 0.6667, 2.    ])
    """
    cats: dict[str, list[str]] = {}
    for m in margins:
        names = m.variable.split("*")
        for key in m.targets:
            for v, c in zip(names, str(key).split("*"), strict=True):
                if c not in cats.setdefault(v, []):
                    cats[v].append(c)
    missing = [v for v in labels if v not in cats]
    if missing:
        raise RakingError(f"{missing[0]}: no margin names this variable's categories")
    codes = {v: codes_from_labels(labels[v], cats[v], v) for v in labels}
    return rake(codes, {v: tuple(cats[v]) for v in labels}, design_weights, margins, **options)  # type: ignore[arg-type]


def poststratify(
    codes: Mapping[str, np.ndarray],
    categories: Mapping[str, Sequence[str]],
    design_weights: np.ndarray,
    joint: Margin,
    **options: object,
) -> RakingResult:
    """Post-stratify to a joint table (``Margin("age*sex", {"30-39*f": ...})``): one IPF step.

    Examples
    --------
    >>> r = poststratify({"a": np.array([0, 0, 1]), "b": np.array([0, 1, 1])}, {"a": "xy", "b": "uv"},
    ...                  np.ones(3), Margin("a*b", {"x*u": .25, "x*v": .25, "y*u": 0, "y*v": .5}))
    >>> r.weights.round(4), r.iterations
    (array([0.75, 0.75, 1.5 ]), 1)
    """
    options.setdefault("trim", None)
    return rake(codes, categories, design_weights, [joint], **options)  # type: ignore[arg-type]
