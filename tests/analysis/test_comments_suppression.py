"""The k rule: small cells are hidden, and an intruder cannot get them back by difference."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from analysis.comments.suppression import exposed_cells, feasible_range, suppress, suppress_table

K = 5


# --- one breakdown with its total --------------------------------------------------------------

@pytest.mark.parametrize(
    ("cells", "hidden"),
    [
        ({"a": 10, "b": 20, "c": 30}, set()),  # nothing small
        ({"a": 3, "b": 12, "c": 40}, {"a", "b"}),  # one small: the next smallest goes with it
        ({"a": 3, "b": 4, "c": 40}, {"a", "b"}),  # two small adding up to 7 ≥ k: enough
        ({"a": 1, "b": 2, "c": 30, "d": 40}, {"a", "b", "c"}),  # 1 + 2 < k: one more
        ({"a": 1, "b": 1, "c": 1, "d": 1, "e": 9}, {"a", "b", "c", "d", "e"}),  # 4 small add up to 4: 9 too
        ({"a": 0, "b": 3, "c": 8, "d": 50}, {"b", "c"}),  # an empty cell is shown and never the complement
    ],
)
def test_primary_and_complementary_suppression(cells, hidden):
    assert suppress(cells, K) == hidden


def test_without_a_shown_total_only_small_cells_go():
    assert suppress({"a": 3, "b": 12, "c": 40}, K, total_shown=False) == {"a"}


def test_recovering_a_hidden_cell_by_difference_fails():
    cells = {"18-29": 3, "30-39": 12, "40-49": 40, "50-59": 45}
    total = sum(cells.values())
    # primary suppression alone: total minus the shown cells is the hidden cell
    primary = {key for key, n in cells.items() if 0 < n < K}
    recovered = total - sum(n for key, n in cells.items() if key not in primary)
    assert primary == {"18-29"} and recovered == 3
    # with the k rule the difference is the sum of two hidden cells, and 15 ≥ k
    hidden = suppress(cells, K)
    difference = total - sum(n for key, n in cells.items() if key not in hidden)
    assert hidden == {"18-29", "30-39"} and difference == 15 >= K


def test_a_breakdown_whose_total_is_small_hides_every_cell():
    # the total (4) is itself small: the caller hides it (see the module docstring)
    assert suppress({"a": 1, "b": 3, "c": 0}, K) == {"a", "b"}


def test_k_must_be_positive():
    with pytest.raises(ValueError, match="k: must be at least 1"):
        suppress({"a": 1}, 0)


# --- two-way tables with row, column and grand totals -------------------------------------------

def intruder_upper_bounds(rows: dict[str, dict[str, int]], hidden: set[tuple[str, str]]) -> dict:
    """Largest whole value of each hidden cell given what the page shows: every shown cell and
    every row and column total. Built here from the table, solved as an integer programme."""
    unknown = sorted(hidden)
    index = {c: i for i, c in enumerate(unknown)}
    columns = sorted({c for row in rows.values() for c in row})
    a, lo = [], []
    for r, row in rows.items():  # row total minus shown cells
        coef = np.zeros(len(unknown))
        for c in columns:
            if (r, c) in index:
                coef[index[(r, c)]] = 1
        a.append(coef)
        lo.append(sum(row.values()) - sum(n for c, n in row.items() if (r, c) not in index))
    for c in columns:  # column total minus shown cells
        coef = np.zeros(len(unknown))
        for r in rows:
            if (r, c) in index:
                coef[index[(r, c)]] = 1
        a.append(coef)
        col = [rows[r].get(c, 0) for r in rows]
        lo.append(sum(col) - sum(rows[r].get(c, 0) for r in rows if (r, c) not in index))
    out = {}
    for cell in unknown:
        objective = np.zeros(len(unknown))
        objective[index[cell]] = -1.0
        res = milp(objective, constraints=LinearConstraint(np.array(a), lo, lo),
                   integrality=np.ones(len(unknown)), bounds=Bounds(0, np.inf))
        out[cell] = round(-res.fun)
    return out


def test_primary_suppression_alone_leaks_in_a_table():
    table = {"城东区": {"m": 3, "f": 40}, "城西区": {"m": 30, "f": 41}}
    primary = {("城东区", "m")}
    # row total 43 minus the shown 40: the hidden 3 is back
    assert intruder_upper_bounds(table, primary) == {("城东区", "m"): 3}


def test_two_way_suppression_survives_the_intruder():
    table = {"城东区": {"m": 3, "f": 40}, "城西区": {"m": 30, "f": 41}}
    hidden = suppress_table(table, K)
    assert hidden == {("城东区", "m"), ("城东区", "f"), ("城西区", "m"), ("城西区", "f")}
    bounds = intruder_upper_bounds(table, hidden)
    assert bounds[("城东区", "m")] == 33 >= K  # anything from 0 to 33: not known to be small


def test_a_cell_linking_two_groups_of_hidden_cells_is_caught_by_the_audit():
    # every row and column with a hidden cell has two or more adding up to ≥ k, yet the 2 at
    # (r1, c2) is fixed: rows r0 + r1 minus columns c0 + c1 leave exactly that cell
    table = {
        "r0": {"c0": 12, "c1": 15, "c2": 2, "c3": 11},
        "r1": {"c0": 1, "c1": 13, "c2": 2, "c3": 23},
        "r2": {"c0": 23, "c1": 8, "c2": 4, "c3": 7},
        "r3": {"c0": 8, "c1": 3, "c2": 12, "c3": 22},
    }
    line_rule_only = {("r0", "c2"), ("r0", "c3"), ("r1", "c0"), ("r1", "c1"), ("r1", "c2"),
                      ("r2", "c2"), ("r2", "c3"), ("r3", "c0"), ("r3", "c1")}
    assert intruder_upper_bounds(table, line_rule_only)[("r1", "c2")] == 2
    assert exposed_cells(table, line_rule_only, K) == {("r1", "c2"): (2, 2)}
    hidden = suppress_table(table, K)
    assert exposed_cells(table, hidden, K) == {}
    bounds = intruder_upper_bounds(table, hidden)
    assert all(bounds[c] >= K for c in hidden if 0 < table[c[0]][c[1]] < K)


def test_an_empty_cell_may_have_to_go_too():
    table = {"r0": {"c0": 1, "c1": 16}, "r1": {"c0": 17, "c1": 0}}
    hidden = suppress_table(table, K)
    assert ("r1", "c1") in hidden
    assert intruder_upper_bounds(table, hidden)[("r0", "c0")] == 17


def test_random_tables_never_leak_a_small_cell():
    rng = np.random.default_rng(16)
    for _ in range(40):
        r, c = rng.integers(2, 5), rng.integers(2, 5)
        vals = np.where(rng.random((r, c)) < 0.3, rng.integers(1, K, (r, c)), rng.integers(K, 40, (r, c)))
        vals[rng.random((r, c)) < 0.1] = 0
        table = {f"u{i}": {f"s{j}": int(vals[i, j]) for j in range(c)} for i in range(r)}
        hidden = suppress_table(table, K)
        small = {(f"u{i}", f"s{j}") for i in range(r) for j in range(c) if 0 < vals[i, j] < K}
        assert small <= hidden
        small_line = {cell for cell in small
                      if 0 < vals[int(cell[0][1:])].sum() < K or 0 < vals[:, int(cell[1][1:])].sum() < K}
        bounds = intruder_upper_bounds(table, hidden)
        leaked = {cell: bounds[cell] for cell in small - small_line if bounds[cell] < K}
        assert leaked == {}, (table, sorted(hidden))


def test_feasible_range_of_a_rectangle_and_of_a_shown_cell():
    table = {"a": {"x": 2, "y": 9}, "b": {"x": 8, "y": 7}}
    four = {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")}
    assert feasible_range(table, four, ("a", "x")) == (0, 10)
    with pytest.raises(ValueError, match="not a hidden cell"):
        feasible_range(table, {("a", "x")}, ("b", "y"))
