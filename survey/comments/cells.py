"""What a wave's respondents add up to per cell (unit × stratum) and per scored item.

Gathered in the same pass as the comments (:mod:`survey.comments.extract`), these feed the k rule
(how many respondents a cell has) and the unit portal's breakdowns (weighted mean scores).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CellStats:
    """One cell's respondents: their number and their ratings' weighted score sums."""

    n: int = 0  #: respondents who rated the unit
    scored: int = 0  #: those of them whose rating has a score
    weight: float = 0.0  #: sum of the weights of those with a score
    weighted_score: float = 0.0  #: sum of weight × score

    def add(self, weight: float, score: float | None) -> None:
        self.n += 1
        if score is not None:
            self.scored += 1
            self.weight += weight
            self.weighted_score += weight * score

    def merge(self, other: CellStats) -> None:
        self.n += other.n
        self.scored += other.scored
        self.weight += other.weight
        self.weighted_score += other.weighted_score

    @property
    def mean(self) -> float | None:
        """Weighted mean score, None without a score."""
        return self.weighted_score / self.weight if self.weight > 0 else None


@dataclass
class ItemStats:
    """One scored item of one unit: answers, 'don't know' answers and weighted points."""

    answered: int = 0  #: substantive answers (with points)
    dont_know: int = 0  #: missing-code answers (说不清/不了解)
    weight: float = 0.0
    weighted_points: float = 0.0

    @property
    def mean(self) -> float | None:
        return self.weighted_points / self.weight if self.weight > 0 else None

    @property
    def dk_share(self) -> float | None:
        total = self.answered + self.dont_know
        return self.dont_know / total if total else None
