"""The k rule: an evaluated unit never sees a cell of fewer than k respondents, nor works one out.

A *cell* is a count of respondents (unit × period × stratum) behind a figure or a set of comments.

Primary suppression
    every cell with ``0 < n < k`` is hidden (k = 5). Empty cells (n = 0) stay shown.

Complementary (secondary) suppression
    when a total is shown, the hidden cells of a line (a row or a column) are worked out together
    by subtracting the shown cells from the total. So in every line with a shown total:

    * a line with exactly one hidden cell hides one more (its total minus the shown cells would
      give the hidden one away);
    * while the hidden cells of a line add up to fewer than k, it hides one more (otherwise the
      reader learns that a group of fewer than k sits behind them).

    The cell added is the smallest non-empty shown cell of the line (in a table: never, if
    avoidable, one that is the only non-empty cell of its other line, since that line's total
    would give it away; and one whose other line already hides a cell first, so that fewer cells
    go).

Tables (:func:`suppress_table`)
    with row, column and grand totals shown, the line rule runs over rows and columns until
    nothing changes. Line by line is not always enough in two dimensions (a hidden cell that links
    two otherwise separate groups of hidden cells is fixed by the totals), so the result is then
    audited as an intruder would attack it: for each hidden small cell, the largest value it can
    take given every shown cell and total (a linear programme; a table with fixed margins is a
    transportation problem, so its bounds are whole numbers, see :func:`feasible_range`). A cell
    whose largest possible value is below k is exposed (the reader knows it is a small group);
    one more cell is hidden (the smallest shown cell of an exposed cell's row or column, else the
    smallest shown cell) and the rule runs again, until no hidden small cell is exposed. Here an
    empty cell may be hidden too: in ``[[1, 16], [17, 0]]`` the shown 0 pins every other cell,
    and hiding it leaves the 1 anywhere between 1 and 17.

If every non-empty cell of a line is hidden and they still add up to fewer than k, the line's
total is itself a small cell: the caller must not show that total (or the line) either. Such
cells are hidden but not audited (no other cell could protect them).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
Cell = tuple[str, str]


def suppress(cells: Mapping[str, int], k: int = 5, total_shown: bool = True) -> set[str]:
    """The keys of ``cells`` to hide under the k rule (primary plus complementary).

    Parameters
    ----------
    cells : mapping of str to int
        Respondent counts of one breakdown (e.g. stratum → n).
    k : int
        Smallest count that may be shown.
    total_shown : bool
        Whether the total of the breakdown is shown next to it (then a single hidden cell, or
        hidden cells adding up to fewer than k, would be recovered by difference).

    Examples
    --------
    >>> sorted(suppress({"18-29": 3, "30-39": 12, "40-49": 40, "50+": 0}))
    ['18-29', '30-39']
    >>> sorted(suppress({"a": 1, "b": 2, "c": 3, "d": 50}))
    ['a', 'b', 'c']
    >>> sorted(suppress({"a": 3, "b": 12}, total_shown=False))
    ['a']
    """
    _check_k(k)
    hidden = {key for key, n in cells.items() if 0 < n < k}
    if total_shown:
        hidden = _protect_line(cells, hidden, k, lambda key: (cells[key], str(key)))
    return hidden


def _protect_line(
    cells: Mapping[K, int], hidden: set[K], k: int, order: Callable[[K], tuple]
) -> set[K]:
    """``hidden`` grown until the line has no hidden cell, or two or more adding up to ≥ k."""
    hidden = set(hidden)
    while hidden and (len(hidden) == 1 or sum(cells[key] for key in hidden) < k):
        candidates = [key for key, n in cells.items() if n > 0 and key not in hidden]
        if not candidates:
            break  # every non-empty cell is hidden: the total itself is small (see module doc)
        hidden.add(min(candidates, key=order))
    return hidden


def suppress_table(rows: Mapping[str, Mapping[str, int]], k: int = 5) -> set[Cell]:
    """The (row, column) cells of a two-way table to hide, with row, column and grand totals shown.

    Parameters
    ----------
    rows : mapping of row → (mapping of column → count)
        E.g. unit → stratum → n. A column missing from a row counts as 0.
    k : int
        Smallest count that may be shown.

    Examples
    --------
    >>> table = {"城东区": {"m": 3, "f": 40}, "城西区": {"m": 30, "f": 41}}
    >>> sorted(suppress_table(table))
    [('城东区', 'f'), ('城东区', 'm'), ('城西区', 'f'), ('城西区', 'm')]
    """
    _check_k(k)
    cells = _cells(rows)
    row_keys, col_keys = _lines(cells)
    hidden = {cell for cell, n in cells.items() if 0 < n < k}
    # a cell in a row or column whose total is itself below k is given away by that total
    unprotectable = {
        cell
        for lines in (row_keys, col_keys)
        for members in lines.values()
        if 0 < sum(cells[c] for c in members) < k
        for cell in members
    }
    while True:
        before = len(hidden)
        for lines, crossing, other in ((row_keys, col_keys, 1), (col_keys, row_keys, 0)):
            order = _complement_order(cells, hidden, crossing, other)
            for members in lines.values():
                line = {cell: cells[cell] for cell in members}
                hidden |= _protect_line(line, hidden & members, k, order)
        if len(hidden) != before:
            continue
        exposed = {c: b for c, b in exposed_cells(rows, hidden, k).items() if c not in unprotectable}
        if not exposed:
            return hidden
        shown = [c for c in cells if c not in hidden]
        if not shown:
            return hidden  # nothing left to hide
        near = {c for row, col in exposed for c in row_keys[row] | col_keys[col]}
        hidden.add(min(shown, key=lambda c: (c not in near, cells[c], c)))


def _complement_order(
    cells: Mapping[Cell, int], hidden: set[Cell], crossing: Mapping[str, set[Cell]], other: int
) -> Callable[[Cell], tuple]:
    """Sort key for a complementary cell: smallest first, then one whose crossing line (its column
    when protecting a row) already hides another cell, so that one cell protects two lines."""

    def order(cell: Cell) -> tuple:
        crossing_line = [c for c in crossing[cell[other]] if c != cell]
        alone = not any(cells[c] > 0 for c in crossing_line)  # its total would give it away
        shares_line = any(c in hidden for c in crossing_line)
        return (alone, cells[cell], not shares_line, cell)

    return order


def exposed_cells(
    rows: Mapping[str, Mapping[str, int]], hidden: set[Cell], k: int = 5
) -> dict[Cell, tuple[int, int]]:
    """Hidden cells with ``0 < n < k`` that an intruder can bound below k, with their bounds.

    The intruder knows every shown cell and every row, column and grand total.

    >>> table = {"a": {"x": 2, "y": 9}, "b": {"x": 8, "y": 7}}
    >>> exposed_cells(table, {("a", "x"), ("a", "y")})
    {('a', 'x'): (2, 2)}
    >>> exposed_cells(table, {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")})
    {}
    """
    cells = _cells(rows)
    small = sorted(c for c in hidden if 0 < cells.get(c, 0) < k)
    found = {}
    for cell in small:
        low, high = feasible_range(rows, hidden, cell)
        if high < k:
            found[cell] = (low, high)
    return found


def feasible_range(rows: Mapping[str, Mapping[str, int]], hidden: set[Cell], cell: Cell) -> tuple[int, int]:
    """The smallest and largest value ``cell`` can take given the shown cells and all totals.

    Solves two linear programmes over the hidden cells (x ≥ 0; for each row and column, the
    hidden cells add up to the total minus the shown cells). A table with fixed margins is a
    transportation polytope, whose vertices are whole numbers, so the bounds are exact.

    >>> table = {"a": {"x": 2, "y": 9}, "b": {"x": 8, "y": 7}}
    >>> feasible_range(table, {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")}, ("a", "x"))
    (0, 10)
    """
    import numpy as np
    from scipy.optimize import linprog

    cells = _cells(rows)
    unknown = sorted(c for c in hidden if c in cells)
    if cell not in unknown:
        raise ValueError(f"cell: {cell!r} is not a hidden cell of the table")
    index = {c: i for i, c in enumerate(unknown)}
    row_keys, col_keys = _lines(cells)
    a_eq, b_eq = [], []
    for lines in (row_keys, col_keys):
        for members in lines.values():
            involved = [c for c in members if c in index]
            if not involved:
                continue
            coeffs = np.zeros(len(unknown))
            coeffs[[index[c] for c in involved]] = 1.0
            a_eq.append(coeffs)
            b_eq.append(sum(cells[c] for c in involved))  # = total − shown cells of the line
    objective = np.zeros(len(unknown))
    objective[index[cell]] = 1.0
    bounds = []
    for sign in (1.0, -1.0):
        res = linprog(sign * objective, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=(0, None),
                      method="highs")
        if res.fun is None:
            raise RuntimeError(f"linear program for cell {cell!r} failed: {res.message}")
        bounds.append(round(sign * res.fun))
    return bounds[0], bounds[1]


def _cells(rows: Mapping[str, Mapping[str, int]]) -> dict[Cell, int]:
    columns = sorted({c for row in rows.values() for c in row})
    cells = {}
    for r, row in rows.items():
        for c in columns:
            n = int(row.get(c, 0))
            if n < 0:
                raise ValueError(f"rows: count of ({r!r}, {c!r}) is negative ({n})")
            cells[(r, c)] = n
    return cells


def _lines(cells: Mapping[Cell, int]) -> tuple[dict[str, set[Cell]], dict[str, set[Cell]]]:
    row_keys: dict[str, set[Cell]] = {}
    col_keys: dict[str, set[Cell]] = {}
    for cell in cells:
        row_keys.setdefault(cell[0], set()).add(cell)
        col_keys.setdefault(cell[1], set()).add(cell)
    return row_keys, col_keys


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k: must be at least 1, got {k}")
