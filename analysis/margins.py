"""Population margins turned into raking targets on the cell table, with the empty-cell policy."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

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


def _error(msg: str) -> Exception:
    from analysis.raking import RakingError

    return RakingError(msg)


def _shares(m: Margin, names: tuple[str, ...], cats: dict[str, tuple[str, ...]]) -> np.ndarray:
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
    if arr.sum() <= 0:
        raise _error(f"{m.variable}: targets must have a positive total")
    return arr / arr.sum()


def _apply_policy(
    target: np.ndarray, sample: np.ndarray, labels: list[str], variable: str,
    row_names: list[str | None], policy: str, neighbours: dict[tuple[str, str], str],
) -> list[str]:
    """Resolve target cells without respondents, row by row (in place); return what was done."""
    done: list[str] = []
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
                done.append(f"DROPPED {variable}: {labels[k]}{where}")
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
            done.append(f"CELL_COLLAPSED {variable}: {labels[k]} -> {labels[nb]}{where}")
    return done


def build_margin_specs(
    mass: np.ndarray, count: np.ndarray, variables: tuple[str, ...], categories: tuple[tuple[str, ...], ...],
    margins: Sequence[Margin], *, n: float, scope: str, district_variable: str, policy: str,
    neighbours: Sequence[tuple[str, str, str]],
) -> tuple[list[MarginSpec], list[str]]:
    """Turn margins into :class:`MarginSpec` targets summing to ``n``, resolving empty cells."""
    cats = dict(zip(variables, categories, strict=True))
    index = {v: i for i, v in enumerate(variables)}
    nb = {(v, c): to for v, c, to in neighbours}
    city: dict[tuple[str, ...], np.ndarray] = {}
    local: dict[tuple[tuple[str, ...], str], np.ndarray] = {}
    for m in margins:
        names = tuple(m.variable.split("*"))
        for v in names:
            if v not in index:
                raise _error(f"{m.variable}: margin variable {v!r} is not among the stratum variables")
        key = names if m.district is None else (names, m.district)
        store: dict = city if m.district is None else local
        if key in store:
            raise _error(f"{m.variable}: margin given twice{' for ' + m.district if m.district else ''}")
        store[key] = _shares(m, names, cats)
    adjustments: list[str] = []
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
        adjustments.extend(_apply_policy(t2, s2, labels, variable, rows, policy, nb))
        final = t2.reshape(target.shape).transpose([order.index(a) for a in sorted_axes])
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
        return specs, adjustments
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
            shares = local.get((names, d), city.get(names))
            if shares is None:
                raise _error(f"{'*'.join(names)}: no margin for district {d} and no city-wide margin")
            rows.append(shares)
        target = np.stack(rows) * totals.reshape((-1,) + (1,) * len(names))
        add([dv] + [index[v] for v in names], target, "*".join(names), list(districts))
    return specs, adjustments
