"""The satisfaction score a comment keeps: the score of the rating it was written beside.

A comment asked after a unit's rating keeps that rating's score: the points (0–100) of its answer
to the overall satisfaction item (总的来说，您对该单位的工作是否满意？) when the questionnaire has one
and it was answered; otherwise the weighted mean of the points of its answered scored items
(missing codes left out, item weights from the questionnaire). Satisfied and dissatisfied are
read on the scale of the overall item (else the first scored item): with ``n`` substantive
options, the best ``n // 2`` are satisfied and the worst ``n // 2`` dissatisfied (5 levels:
非常满意 / 比较满意 against 不太满意 / 很不满意; 一般 is neither).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from survey.questionnaire import Definition


@dataclass(frozen=True)
class RatingScale:
    """Scores and satisfaction classes of one questionnaire's ratings."""

    #: (item name, weight, {option name: points}) of every scored item; missing codes absent.
    items: tuple[tuple[str, float, Mapping[str, float]], ...]
    #: item name → its missing-code options (说不清/不了解)
    missing: Mapping[str, frozenset[str]]
    #: the overall satisfaction item, if the questionnaire has one
    overall: str | None
    #: A score at or above this is satisfied, at or below ``dissatisfied_to`` dissatisfied.
    satisfied_from: float
    dissatisfied_to: float

    @classmethod
    def of(cls, definition: Definition) -> RatingScale:
        scored = definition.scored_items
        items = tuple((item.name, item.weight,
                       {n: p for n, p in zip(item.option_names, item.option_points, strict=True)
                        if not math.isnan(p)}) for item in scored)
        missing = {item.name: frozenset(item.missing_options) for item in scored}
        reference = definition.overall_item or (scored[0] if scored else None)
        points = sorted((p for p in (reference.option_points if reference else ()) if not math.isnan(p)),
                        reverse=True)
        half = len(points) // 2
        overall = definition.overall_item.name if definition.overall_item else None
        if half == 0:
            return cls(items, missing, overall, math.inf, -math.inf)
        return cls(items, missing, overall, points[half - 1], points[len(points) - half])

    def score(self, answers: Mapping[str, Any]) -> float | None:
        """The rating's score (the overall item's points, else the weighted mean of the answered
        items' points), None when nothing counts."""
        total = weight_sum = 0.0
        for name, weight, points in self.items:
            value = answers.get(name)
            if isinstance(value, str) and value in points:
                if name == self.overall:
                    return points[value]
                total += weight * points[value]
                weight_sum += weight
        return total / weight_sum if weight_sum > 0 else None

    def item_answers(self, answers: Mapping[str, Any]) -> list[tuple[str, float | None]]:
        """(item, points) of each answered scored item; points None for a missing code."""
        out: list[tuple[str, float | None]] = []
        for name, _weight, points in self.items:
            value = answers.get(name)
            if isinstance(value, str):
                if value in points:
                    out.append((name, points[value]))
                elif value in self.missing[name]:
                    out.append((name, None))
        return out

    def dissatisfied(self, score: float | None) -> bool | None:
        """True (dissatisfied), False (satisfied) or None (neither, or no score)."""
        if score is None:
            return None
        if score <= self.dissatisfied_to:
            return True
        if score >= self.satisfied_from:
            return False
        return None
