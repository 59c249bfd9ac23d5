"""The k rule: what an evaluated unit may see of its respondents (DESIGN §10, §13).

A cell is a unit × period × stratum, the stratum being the respondent's weighting cell (district,
age band, sex, ... as stored on the submission). A unit sees a comment only when the comment's
cell has at least ``k`` respondents, and never a comment about the wave as a whole. Its
breakdowns by one stratum variable (age band, sex, district of residence) show a category's
figures only when the category has at least ``k`` respondents (its mean score only when at
least ``k`` of them gave a score), and hide as many further categories as it takes (:func:`analysis.comments.suppression.suppress`) so that no hidden figure
follows from the shown ones and the total by subtraction. A unit with fewer than ``k``
respondents in a period gets no breakdown and no comment at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from analysis.comments.suppression import suppress
from survey.comments.cells import CellStats
from survey.comments.extract import WAVE, CommentRecord, WaveComments

#: The smallest cell whose comments and figures a unit may see.
K_MIN = 5


def visible_comments(wave_comments: WaveComments, k: int = K_MIN) -> tuple[CommentRecord, ...]:
    """The comments units may see: about a unit, from a cell of at least ``k`` respondents."""
    return tuple(c for c in wave_comments.comments
                 if c.unit_code != WAVE and wave_comments.respondents(c.unit_code, c.stratum) >= k)


def stratum_value(stratum: str, variable: str) -> str:
    """The category of ``variable`` in a stored stratum key (``""`` when not stated)."""
    for part in stratum.split(";"):
        name, _, value = part.partition("=")
        if name == variable:
            return value
    return ""


@dataclass(frozen=True)
class BreakdownCell:
    category: str
    label: str
    n: int | None  #: None when suppressed
    mean: float | None  #: weighted mean score; None when suppressed or without scores
    suppressed: bool


@dataclass(frozen=True)
class Breakdown:
    """A unit's respondents by one stratum variable, with the total shown."""

    variable: str
    label: str
    cells: tuple[BreakdownCell, ...]
    total_n: int
    total_mean: float | None

    @property
    def suppressed(self) -> int:
        return sum(c.suppressed for c in self.cells)


def breakdown(wave_comments: WaveComments, unit_code: str, variable: str, label: str,
              category_labels: Mapping[str, str], k: int | None = K_MIN) -> Breakdown:
    """``unit_code``'s respondents by ``variable``, suppressed under the k rule (``k=None``:
    nothing suppressed, for the office). Categories in ``category_labels`` order, then others."""
    groups: defaultdict[str, CellStats] = defaultdict(CellStats)
    total = CellStats()
    for (code, stratum), cell in wave_comments.cells.items():
        if code == unit_code:
            groups[stratum_value(stratum, variable)].merge(cell)
            total.merge(cell)
    hidden = suppress({c: s.n for c, s in groups.items()}, k=k, total_shown=True) if k else set()
    order = [c for c in category_labels if c in groups] + sorted(c for c in groups if c not in category_labels)
    cells = tuple(
        BreakdownCell(c, category_labels.get(c, c), None if c in hidden else groups[c].n,
                      None if c in hidden or (k and groups[c].scored < k) else groups[c].mean, c in hidden)
        for c in order)
    return Breakdown(variable, label, cells, total.n, total.mean)


def suppressed_everything(wave_comments: WaveComments, unit_code: str, k: int = K_MIN) -> bool:
    """True when the unit's whole period is a cell below ``k`` (nothing but public results)."""
    return wave_comments.unit_respondents(unit_code) < k

