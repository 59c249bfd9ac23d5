"""The k rule on hand-made cells: a comment from a cell of 4 is hidden, a breakdown hides the
small category and enough others that nothing follows by subtraction from the total."""

from __future__ import annotations

from survey.comments.cells import CellStats
from survey.comments.extract import WAVE, CommentRecord, WaveComments
from survey.comments.visibility import breakdown, suppressed_everything, visible_comments


def _cell(n: int, score: float) -> CellStats:
    cell = CellStats()
    for _ in range(n):
        cell.add(1.0, score)
    return cell


def _comment(unit: str, stratum: str, text: str) -> CommentRecord:
    return CommentRecord(1, unit, "comment", text, {}, 50.0, None, 1.0, stratum)


CELLS = {
    ("U", "age=18-29;sex=f"): _cell(4, 20.0),
    ("U", "age=30-49;sex=f"): _cell(12, 60.0),
    ("U", "age=50+;sex=f"): _cell(20, 80.0),
    ("U", "age=50+;sex=m"): _cell(7, 70.0),
    ("V", "age=18-29;sex=f"): _cell(3, 10.0),
}
WAVE_COMMENTS = WaveComments(1, "2026-Q4", (
    _comment("U", "age=18-29;sex=f", "small"), _comment("U", "age=30-49;sex=f", "middle"),
    _comment("U", "age=50+;sex=m", "old man"), _comment(WAVE, "age=50+;sex=m", "about the survey"),
    _comment("V", "age=18-29;sex=f", "tiny unit")), CELLS)
AGES = {"18-29": "18-29", "30-49": "30-49", "50+": "50+"}


def test_comments_from_cells_below_k_and_about_the_wave_are_never_visible() -> None:
    visible = [c.text for c in visible_comments(WAVE_COMMENTS)]
    assert visible == ["middle", "old man"]
    assert [c.text for c in visible_comments(WAVE_COMMENTS, k=3)] == ["small", "middle", "old man", "tiny unit"]


def test_a_unit_below_k_gets_nothing() -> None:
    assert suppressed_everything(WAVE_COMMENTS, "V")
    assert not suppressed_everything(WAVE_COMMENTS, "U")


def test_the_small_category_and_a_second_one_are_hidden_and_cannot_be_recovered() -> None:
    table = breakdown(WAVE_COMMENTS, "U", "age", "Age", AGES)
    shown = {c.category: c.n for c in table.cells if not c.suppressed}
    hidden = [c.category for c in table.cells if c.suppressed]
    assert shown == {"50+": 27}  # 20 women and 7 men aged 50+
    assert sorted(hidden) == ["18-29", "30-49"]
    assert all(c.n is None and c.mean is None for c in table.cells if c.suppressed)
    assert table.total_n == 43
    # by difference the reader learns only the sum of the hidden categories: 16, not 4
    remainder = table.total_n - sum(shown.values())
    assert remainder == 16 and remainder >= 5
    # from what is shown, the 18-29 category may hold anything from 0 to 16 respondents: the
    # reader cannot tell it is a small cell


def test_the_total_mean_does_not_give_the_hidden_means_away() -> None:
    table = breakdown(WAVE_COMMENTS, "U", "age", "Age", AGES)
    # total 43 respondents, mean (4·20 + 12·60 + 27·(20·80 + 7·70)/27) / 43
    assert abs(table.total_mean - (4 * 20 + 12 * 60 + 20 * 80 + 7 * 70) / 43) < 1e-12
    shown = [c for c in table.cells if not c.suppressed]
    hidden_sum = table.total_mean * table.total_n - sum(c.mean * c.n for c in shown)
    # the two hidden groups' scores add up to 800; (4, 12) respondents with means (20, 60) is one
    # of many solutions, e.g. (8, 8) with (50, 50): their own means are not determined
    assert abs(hidden_sum - 800.0) < 1e-9


def test_the_office_sees_the_breakdown_unsuppressed() -> None:
    table = breakdown(WAVE_COMMENTS, "U", "age", "Age", AGES, k=None)
    assert {c.category: c.n for c in table.cells} == {"18-29": 4, "30-49": 12, "50+": 27}


def test_no_category_is_hidden_when_all_are_large_enough() -> None:
    table = breakdown(WAVE_COMMENTS, "U", "sex", "Sex", {"f": "f", "m": "m"})
    assert {c.category: (c.n, c.suppressed) for c in table.cells} == {"f": (36, False), "m": (7, False)}


def test_a_mean_of_fewer_than_k_scores_is_not_shown_even_in_a_large_category() -> None:
    cell = CellStats()
    for score in (40.0, 60.0, None, None, None, None):  # 6 respondents, 2 with a score
        cell.add(1.0, score)
    cells = {("U", "sex=f"): cell, ("U", "sex=m"): _cell(9, 70.0)}
    table = breakdown(WaveComments(1, "2026-Q4", (), cells), "U", "sex", "Sex", {"f": "f", "m": "m"})
    f, m = table.cells
    assert (f.n, f.mean, f.suppressed) == (6, None, False)
    assert (m.n, m.mean) == (9, 70.0)
    office = breakdown(WaveComments(1, "2026-Q4", (), cells), "U", "sex", "Sex", {}, k=None)
    assert office.cells[0].mean == 50.0
