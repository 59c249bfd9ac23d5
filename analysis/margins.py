"""Population margins turned into raking targets on the cell table, with the empty-cell policy.

Bad margins are refused, never repaired silently (DESIGN §7b): share margins must sum to 1
(within 1e-6) and count margins of one scope must share one total, unless ``normalise`` is
asked for, which rescales them and records ``MARGINS_NORMALISED``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from analysis.inputs import Margin

if TYPE_CHECKING:
    from analysis.raking import MarginError


@dataclass(frozen=True, eq=False)
class MarginSpec:
    """One raking constraint: the cell table summed over ``other_axes`` must equal ``target``.

    ``labels`` (and ``districts``, when the margin is per district) name the target cells in
    C-order of ``target``.
    """

    axes: tuple[int, ...]
    other_axes: tuple[int, ...]
    target: np.ndarray
    variable: str
    labels: tuple[str, ...]
    districts: tuple[str | None, ...] | None
    n: float = 1.0

    def describe(self, idx: int) -> str:
        where = f" in district {self.districts[idx]}" if self.districts and self.districts[idx] else ""
        return f"{self.variable}={self.labels[idx]}{where}"

    def errors(self, achieved: np.ndarray) -> list[MarginError]:
        from analysis.raking import MarginError

        out = []
        tgt, cur = self.target.ravel(), achieved.ravel()
        for i in range(tgt.size):
            rel = abs(cur[i] - tgt[i]) / tgt[i] if tgt[i] > 0 else abs(cur[i])
            out.append(MarginError(
                self.variable, self.labels[i], self.districts[i] if self.districts else None,
                float(tgt[i] / self.n), float(cur[i] / self.n), float(rel),
            ))
        return out


#: Largest allowed distance of a share margin's sum from 1 (DESIGN §7b).
SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class CellAdjustment:
    """An empty target cell resolved by the empty-cell policy, in structured form.

    ``action`` is ``"collapse"`` (the target of ``category`` moved to the occupied neighbour
    ``into``) or ``"drop"`` (the target spread over the occupied categories; ``into`` is None).
    ``variable`` and ``category`` are the margin's (``"a*b"`` and ``"x*u"`` for a joint margin);
    ``district`` is set for a per-district margin (raking_scope ``"district"``).

    Respondents concerned (the rows that get CELL_COLLAPSED): a collapse of ``category`` into
    ``into`` concerns the respondents in category ``into`` of ``variable`` (and in ``district``
    when set): their weights absorb the moved target. A drop concerns every respondent of the
    variable's occupied categories (of ``district`` when set), i.e. all of that scope's
    respondents, since the target is spread over all of them.
    """

    action: str
    variable: str
    category: str
    into: str | None
    district: str | None


class MarginPlan(NamedTuple):
    """What :func:`build_margin_specs` returns."""

    specs: list[MarginSpec]  #: raking constraints, in the order :func:`analysis.raking.ipf` visits them
    adjustments: list[str]  #: human readable: MARGINS_NORMALISED, CELL_COLLAPSED, DROPPED
    cell_adjustments: list[CellAdjustment]  #: the collapses and drops, structured
    concerned: np.ndarray  #: bool, shape of the cell table: cells whose respondents a collapse/drop concerns


def _error(msg: str) -> Exception:
    from analysis.raking import RakingError

    return RakingError(msg)


def _num(x: float) -> str:
    return f"{x:.10g}"


def _label(m: Margin) -> str:
    return f"{m.variable} in district {m.district}" if m.district else m.variable


def _shares(m: Margin, names: tuple[str, ...], cats: dict[str, tuple[str, ...]], *,
            normalise: bool = False) -> tuple[np.ndarray, float, str | None]:
    """Targets of one margin as shares summing to 1, their raw total, and a MARGINS_NORMALISED note.

    A share margin whose targets do not sum to 1 within :data:`SHARE_TOLERANCE` is refused
    unless ``normalise``; count margins are compared with each other by the caller.
    """
    if m.kind not in ("share", "count"):
        raise _error(f"{m.variable}: margin kind must be 'share' or 'count', not {m.kind!r}")
    arr = np.zeros([len(cats[v]) for v in names])
    for key, value in m.targets.items():
        parts = str(key).split("*")
        if len(parts) != len(names):
            raise _error(f"{m.variable}: category {key!r} must name {len(names)} parts joined by '*'")
        idx = []
        for v, c in zip(names, parts, strict=True):
            if c not in cats[v]:
                raise _error(f"{m.variable}: unknown category {c!r} of {v}")
            idx.append(cats[v].index(c))
        if not np.isfinite(value) or value < 0:
            raise _error(f"{m.variable}: target of {key!r} must be a number >= 0")
        arr[tuple(idx)] = float(value)
    total = math.fsum(arr.ravel().tolist())
    if total <= 0:
        raise _error(f"{_label(m)}: targets must have a positive total")
    note = None
    if m.kind == "share" and abs(total - 1.0) > SHARE_TOLERANCE:
        if not normalise:
            hint = " (percentages? give shares as fractions of 1)" if abs(total - 100.0) <= 1e-4 else ""
            raise _error(f"{_label(m)}: shares sum to {_num(total)}, not 1 (within {SHARE_TOLERANCE:g}){hint}")
        note = f"MARGINS_NORMALISED {_label(m)}: shares summed to {_num(total)}"
    return arr / total, total, note


def _count_totals(group: list[tuple[str, float]], normalise: bool) -> list[str]:
    """Check that the count margins of one scope, ``(label, total)`` in input order, agree."""
    ref, t0 = group[0]
    notes = []
    for name, t in group[1:]:
        if abs(t - t0) <= SHARE_TOLERANCE * max(t, t0):
            continue
        if not normalise:
            raise _error(f"count margins {ref} and {name} have different totals ({_num(t0)} and "
                         f"{_num(t)}); count margins must share one population total")
        notes.append(f"MARGINS_NORMALISED {name}: counts totalled {_num(t)}, rescaled to {_num(t0)} "
                     f"(the total of {ref})")
    return notes


def _apply_policy(
    target: np.ndarray, sample: np.ndarray, labels: list[str], variable: str,
    row_names: list[str | None], policy: str, neighbours: dict[tuple[str, str], str],
) -> list[tuple[str, CellAdjustment, int, np.ndarray]]:
    """Resolve target cells without respondents, row by row (in place).

    Returns (text, adjustment, row, concerned category indexes of that row) per resolved cell.
    """
    done: list[tuple[str, CellAdjustment, int, np.ndarray]] = []
    for g in range(target.shape[0]):
        t, s = target[g], sample[g]
        where = f" in district {row_names[g]}" if row_names[g] else ""
        bad = np.flatnonzero((t <= 0) & (s > 0))
        if bad.size:
            k = int(bad[0])
            raise _error(f"{variable}: category {labels[k]}{where} has {int(s[k])} respondents but a zero target")
        for k in np.flatnonzero((t > 0) & (s == 0)):
            k = int(k)
            if policy == "error":
                raise _error(f"{variable}: no respondents in category {labels[k]}{where}; "
                             "set empty_cell_policy to 'collapse' or 'drop'")
            occupied = np.flatnonzero(s > 0)
            if occupied.size == 0:
                raise _error(f"{variable}: no respondents at all{where}")
            if policy == "drop":
                moved = t[k]
                t[k] = 0.0
                t[occupied] *= (t.sum() + moved) / t[occupied].sum()
                adj = CellAdjustment("drop", variable, labels[k], None, row_names[g])
                done.append((f"DROPPED {variable}: {labels[k]}{where}", adj, g, occupied))
                continue
            named = neighbours.get((variable, labels[k]))
            if named is not None:
                if named not in labels or s[labels.index(named)] == 0:
                    raise _error(f"{variable}: neighbour {named!r} of {labels[k]} has no respondents{where}")
                nb = labels.index(named)
            else:
                later = occupied[occupied > k]
                nb = int(later[0]) if later.size else int(occupied[occupied < k][-1])
            t[nb] += t[k]
            t[k] = 0.0
            adj = CellAdjustment("collapse", variable, labels[k], labels[nb], row_names[g])
            done.append((f"CELL_COLLAPSED {variable}: {labels[k]} -> {labels[nb]}{where}", adj, g,
                         np.array([nb])))
    return done


def build_margin_specs(
    mass: np.ndarray, count: np.ndarray, variables: tuple[str, ...], categories: tuple[tuple[str, ...], ...],
    margins: Sequence[Margin], *, n: float, scope: str, district_variable: str, policy: str,
    neighbours: Sequence[tuple[str, str, str]], normalise: bool = False,
) -> MarginPlan:
    """Turn margins into :class:`MarginSpec` targets summing to ``n``, resolving empty cells.

    Bad margins are refused with a :class:`analysis.raking.RakingError` naming them: share
    margins whose targets do not sum to 1 (within 1e-6, so 49/51 percentages are refused too),
    and count margins of one scope (the city-wide ones together; each district's together)
    whose totals differ (relative 1e-6). With ``normalise`` they are rescaled instead (shares
    to 1, counts to a common total) and a ``MARGINS_NORMALISED`` adjustment says so.

    Specs come in the order :func:`analysis.raking.ipf` visits them: with ``scope="city"``, the
    city-wide margins in the order given (per-district margins are not used); with
    ``scope="district"``, the city-wide margin of ``district_variable`` first (when given),
    then one joint (district × variable) spec per other margin variable, sorted by the tuple
    of its variable names (``"a*b"`` sorts as ``("a", "b")``).

    Examples
    --------
    >>> mass = np.array([3.0, 1.0])
    >>> plan = build_margin_specs(mass, mass, ("sex",), (("m", "f"),), [Margin("sex", {"m": .55, "f": .55})],
    ...                           n=4.0, scope="city", district_variable="district", policy="collapse",
    ...                           neighbours=(), normalise=True)
    >>> plan.specs[0].target, plan.adjustments
    (array([2., 2.]), ['MARGINS_NORMALISED sex: shares summed to 1.1'])
    """
    cats = dict(zip(variables, categories, strict=True))
    index = {v: i for i, v in enumerate(variables)}
    nb = {(v, c): to for v, c, to in neighbours}
    city: dict[tuple[str, ...], np.ndarray] = {}
    local: dict[tuple[tuple[str, ...], str], np.ndarray] = {}
    adjustments: list[str] = []
    count_groups: dict[str | None, list[tuple[str, float]]] = {}
    for m in margins:
        names = tuple(m.variable.split("*"))
        for v in names:
            if v not in index:
                raise _error(f"{m.variable}: margin variable {v!r} is not among the stratum variables")
        key = names if m.district is None else (names, m.district)
        store: dict = city if m.district is None else local
        if key in store:
            raise _error(f"{m.variable}: margin given twice{' for ' + m.district if m.district else ''}")
        store[key], total, note = _shares(m, names, cats, normalise=normalise)
        if note:
            adjustments.append(note)
        if m.kind == "count":
            count_groups.setdefault(m.district, []).append((_label(m), total))
    for group in count_groups.values():
        adjustments.extend(_count_totals(group, normalise))
    cell_adjustments: list[CellAdjustment] = []
    concerned = np.zeros(mass.shape, dtype=bool)
    specs: list[MarginSpec] = []

    def add(order: list[int], target: np.ndarray, variable: str, rows: list[str | None]) -> None:
        sorted_axes = sorted(order)
        other = tuple(i for i in range(mass.ndim) if i not in order)
        sample = count.sum(axis=other).transpose([sorted_axes.index(a) for a in order]) if other else \
            count.transpose([sorted_axes.index(a) for a in order])
        inner = order[1:] if rows[0] is not None or len(rows) > 1 else order
        g = len(rows)
        labels = ["*".join(p) for p in itertools.product(*[categories[a] for a in inner])]
        t2, s2 = target.reshape(g, -1).copy(), sample.reshape(g, -1)
        hit = np.zeros(t2.shape, dtype=bool)
        for text, adj, row, cells in _apply_policy(t2, s2, labels, variable, rows, policy, nb):
            adjustments.append(text)
            cell_adjustments.append(adj)
            hit[row, cells] = True
        back = [order.index(a) for a in sorted_axes]
        if hit.any():
            np.logical_or(concerned, np.expand_dims(hit.reshape(target.shape).transpose(back), other),
                          out=concerned)
        final = t2.reshape(target.shape).transpose(back)
        flat_labels, flat_rows = [], []
        for idx in itertools.product(*[range(mass.shape[a]) for a in sorted_axes]):
            pos = dict(zip(sorted_axes, idx, strict=True))
            flat_labels.append("*".join(categories[a][pos[a]] for a in inner))
            flat_rows.append(categories[order[0]][pos[order[0]]] if g > 1 or rows[0] else None)
        specs.append(MarginSpec(
            tuple(sorted_axes), other, np.ascontiguousarray(final), variable, tuple(flat_labels),
            tuple(flat_rows) if (g > 1 or rows[0]) else None, n,
        ))

    if scope == "city":
        for names, shares in city.items():
            add([index[v] for v in names], shares * n, "*".join(names), [None])
        return MarginPlan(specs, adjustments, cell_adjustments, concerned)
    if district_variable not in index:
        raise _error(f"{district_variable}: raking within districts needs this stratum variable")
    dv = index[district_variable]
    districts = categories[dv]
    if (district_variable,) in city:
        totals = city[(district_variable,)] * n
        add([dv], totals, district_variable, [None])
        totals = specs[-1].target
    else:
        totals = count.sum(axis=tuple(i for i in range(mass.ndim) if i != dv))
    sets = {k for k in city if k != (district_variable,)} | {k[0] for k in local}
    for names in sorted(sets):
        if district_variable in names:
            raise _error(f"{'*'.join(names)}: a per-district margin cannot include {district_variable}")
        rows = []
        for d in districts:
            row_shares = local.get((names, d), city.get(names))
            if row_shares is None:
                raise _error(f"{'*'.join(names)}: no margin for district {d} and no city-wide margin")
            rows.append(row_shares)
        target = np.stack(rows) * totals.reshape((-1,) + (1,) * len(names))
        add([dv] + [index[v] for v in names], target, "*".join(names), list(districts))
    return MarginPlan(specs, adjustments, cell_adjustments, concerned)
