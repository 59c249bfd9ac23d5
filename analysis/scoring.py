"""Item and respondent scoring (DESIGN §7a): option points, missing codes, item weights.

Everything works on an (R, J) matrix of option indexes for R ratings and J scored items at
once; there is no loop over respondents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from analysis.inputs import ItemSpec


class ItemTable(NamedTuple):
    """Option points of all items as one (J, K) table (NaN = missing code or no such option)."""

    points: np.ndarray  #: (J, K) float
    is_option: np.ndarray  #: (J, K) bool, False beyond an item's last option
    weights: np.ndarray  #: (J,) float item weights a_j
    top2: np.ndarray  #: (J, K) bool, the two best options of each item
    topbox: np.ndarray  #: (J, K) bool, the best option of each item
    overall: int  #: index of the item marked overall, -1 if none


class RespondentScores(NamedTuple):
    """Per-rating results of :func:`respondent_scores`."""

    y: np.ndarray  #: (R,) score 0-100, NaN when nothing was answered
    answered_share: np.ndarray  #: (R,) answered item weight / total item weight
    sufficient: np.ndarray  #: (R,) bool, answered_share >= min_answered_weight
    n_answered: np.ndarray  #: (R,) answers given (missing codes included)
    n_missing: np.ndarray  #: (R,) answers that are missing codes
    missing: np.ndarray  #: (R, J) bool, answer is a missing code


def item_table(items: Sequence[ItemSpec], substantive_points: Sequence[float] | None = None) -> ItemTable:
    """Stack the items' option points into one table, optionally re-scored by a preset.

    Parameters
    ----------
    items : the scored items, in answer-matrix column order.
    substantive_points : if given, the non-missing options of every item get these points in
        order (best first); an item with a different number of substantive options is an error.

    Examples
    --------
    >>> nan = float("nan")
    >>> t = item_table([ItemSpec("q1", 1.0, (100, 80, 60, 40, 0, nan), overall=True)])
    >>> t.points[0, :3], t.top2[0].nonzero()[0], t.overall
    (array([100.,  80.,  60.]), array([0, 1]), 0)
    """
    if not items:
        raise ValueError("items: at least one scored item is needed")
    k = max(len(it.points) for it in items)
    j = len(items)
    points = np.full((j, k), np.nan)
    is_option = np.zeros((j, k), dtype=bool)
    top2 = np.zeros((j, k), dtype=bool)
    topbox = np.zeros((j, k), dtype=bool)
    for col, it in enumerate(items):
        p = np.asarray(it.points, dtype=float)
        if substantive_points is not None:
            subst = np.flatnonzero(~np.isnan(p))
            if subst.size != len(substantive_points):
                raise ValueError(
                    f"items: item {it.name!r} has {subst.size} substantive options but the scale "
                    f"has {len(substantive_points)} points"
                )
            p = p.copy()
            p[subst] = substantive_points
        points[col, : p.size] = p
        is_option[col, : p.size] = True
        if not np.isfinite(p).any():
            raise ValueError(f"items: item {it.name!r} has no scored option")
        order = np.argsort(-np.where(np.isnan(p), -np.inf, p), kind="stable")
        best = it.top2 if it.top2 is not None else tuple(int(o) for o in order[:2] if np.isfinite(p[o]))
        top2[col, list(best)] = True
        topbox[col, int(order[0])] = True
    weights = np.array([float(it.weight) for it in items])
    if (weights < 0).any() or weights.sum() <= 0:
        raise ValueError("items: item weights must be >= 0 with a positive total")
    overall = [i for i, it in enumerate(items) if it.overall]
    if len(overall) > 1:
        raise ValueError("items: at most one item may be marked overall")
    return ItemTable(points, is_option, weights, top2, topbox, overall[0] if overall else -1)


def respondent_scores(answers: np.ndarray, table: ItemTable, min_answered_weight: float = 0.5) -> RespondentScores:
    """Score every rating: y = Σ a_j s_j / Σ_{answered} a_j over non-missing answers.

    Parameters
    ----------
    answers : (R, J) int option indexes, -1 = not answered or not relevant.
    table : from :func:`item_table`.
    min_answered_weight : least answered share of the total item weight for a valid rating.

    Examples
    --------
    Golden rating A3 of DESIGN §7 (q1 = 非常满意, q2 = 不了解, q3 = 非常满意; weights .5/.25/.25):

    >>> nan = float("nan")
    >>> pts = (100, 80, 60, 40, 0, nan)
    >>> t = item_table([ItemSpec("q1", .5, pts), ItemSpec("q2", .25, pts), ItemSpec("q3", .25, pts)])
    >>> s = respondent_scores(np.array([[0, 5, 0], [5, 5, 3]]), t)
    >>> s.y.round(4), s.answered_share, s.sufficient, s.n_missing
    (array([100.,  40.]), array([0.75, 0.25]), array([ True, False]), array([1, 2]))
    """
    a = np.asarray(answers)
    n_items, n_opts = table.points.shape
    if a.ndim != 2 or a.shape[1] != n_items:
        raise ValueError(f"answers: expected shape (R, {n_items}), got {a.shape}")
    r = a.shape[0]
    if r:
        n_valid_opts = table.is_option.sum(axis=1)
        if a.min() < -1 or (a.max(axis=0) >= n_valid_opts).any():
            raise ValueError("answers: an option index is beyond its item's options (or below -1)")
    # one pass per item (J is small): gather from (K + 1)-long tables whose last entry is the
    # "not answered" case, so index -1 needs no special handling
    num = np.zeros(r)
    answered_w = np.zeros(r)
    n_answered = np.zeros(r, dtype=np.int64)
    n_missing = np.zeros(r, dtype=np.int64)
    missing = np.empty((r, n_items), dtype=bool)
    for j in range(n_items):
        col = a[:, j]
        pts = table.points[j]
        is_missing = np.append(table.is_option[j] & np.isnan(pts), False)
        is_scored = np.append(table.is_option[j] & ~np.isnan(pts), False)
        weighted = np.append(np.where(is_scored[:-1], pts, 0.0), 0.0) * table.weights[j]
        num += weighted[col]
        answered_w += is_scored[col] * table.weights[j]
        miss = is_missing[col]
        missing[:, j] = miss
        n_missing += miss
        n_answered += col >= 0
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(answered_w > 0, num / answered_w, np.nan)
    share = answered_w / table.weights.sum()
    sufficient = share >= min_answered_weight - 1e-12
    return RespondentScores(
        y=y,
        answered_share=share,
        sufficient=sufficient,
        n_answered=n_answered,
        n_missing=n_missing,
        missing=missing,
    )
