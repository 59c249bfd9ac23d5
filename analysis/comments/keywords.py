"""Keywords of a unit against the whole city: TF-IDF over comments, with survey weights.

For a unit u and a word w, with survey weights v_i::

    share_u(w) = Σ_{i in u, w in i} v_i / Σ_{i in u} v_i          (weighted share of the unit's comments
                                                                    that mention w: the "TF")
    idf(w)     = ln(V / V_w) + 1                                    (V = Σ v_i over the city's comments,
                                                                    V_w over those mentioning w)
    score      = share_u(w) · idf(w)

A comment counts a word once, so one long comment repeating a word weighs as much as one short
mention. The IDF is taken over the city's comments (not over units): with 42 units almost every
word occurs somewhere in each unit, so a unit-level IDF would tell little; a word common in the
unit's comments and rare in the city's scores high, a word everybody uses (办事, 工作) scores low.
This is scikit-learn's IDF with ``smooth_idf=False`` (no smoothing is needed: every word of a
unit occurs in the city). Multiplying every weight by a constant changes neither shares nor
scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Keyword:
    """A keyword of a unit.

    ``weighted_share`` is the weighted share of the unit's comments that mention the term,
    ``count`` how many comments (unweighted) do, ``examples`` indices into the comments given to
    :func:`analysis.comments.explore.analyse` (up to three, the most representative first).
    """

    term: str
    score: float
    weighted_share: float
    examples: list[int] = field(default_factory=list)
    count: int = 0


def idf(city_docs: np.ndarray, city_n: float) -> np.ndarray:
    """Inverse document frequency ln(V / V_w) + 1 of each word (V_w > 0)."""
    return np.log(city_n / np.asarray(city_docs, dtype=float)) + 1.0


def tfidf_scores(unit_docs: np.ndarray, unit_n: float, city_docs: np.ndarray, city_n: float) -> np.ndarray:
    """TF-IDF of every word (aligned arrays of weighted comment counts)."""
    if unit_n <= 0:
        raise ValueError("unit_n: the unit's weighted number of comments must be positive")
    return np.asarray(unit_docs, dtype=float) / unit_n * idf(city_docs, city_n)


def tfidf_keywords(
    unit_docs: Mapping[str, float],
    unit_n: float,
    city_docs: Mapping[str, float],
    city_n: float,
    top: int = 20,
    min_docs: float = 0.0,
) -> list[Keyword]:
    """The ``top`` words of a unit by TF-IDF against the city (highest first, ties by word).

    Parameters
    ----------
    unit_docs : mapping of word → weighted number of the unit's comments mentioning it
    unit_n : float
        Weighted number of the unit's comments (all of them, with or without words).
    city_docs : mapping of word → weighted number of the city's comments mentioning it
        Must include the unit's comments.
    city_n : float
        Weighted number of the city's comments.
    top : int
        How many keywords.
    min_docs : float
        Words mentioned by fewer of the unit's (weighted) comments are left out.

    Examples
    --------
    Ten comments in the city, four of them the unit's; 排队 in 3 of the unit's and nowhere else,
    办事 in 2 of the unit's and 8 of the city's:

    >>> kws = tfidf_keywords({"排队": 3, "办事": 2}, 4, {"排队": 3, "办事": 8}, 10)
    >>> [(k.term, round(k.score, 4), k.weighted_share) for k in kws]
    [('排队', 1.653, 0.75), ('办事', 0.6116, 0.5)]
    """
    words = sorted(w for w, n in unit_docs.items() if n > 0 and n >= min_docs)
    u = np.array([unit_docs[w] for w in words], dtype=float)
    c = np.array([city_docs.get(w, 0.0) for w in words], dtype=float)
    if np.any(c < u * (1 - 1e-9)):
        raise ValueError("city_docs: the city must count at least the unit's comments of each word")
    scores = tfidf_scores(u, unit_n, c, city_n)
    ranked = sorted(range(len(words)), key=lambda i: (-scores[i], words[i]))
    return [Keyword(words[i], float(scores[i]), float(u[i] / unit_n)) for i in ranked[:top]]
