"""The comments explorer: per unit, keywords, what the dissatisfied say, rising themes, examples.

:func:`analyse` takes the comments of one period (already redacted) and optionally those of the
previous period, and returns one :class:`UnitComments` per unit:

* ``keywords`` — TF-IDF of the unit against the whole city (:mod:`analysis.comments.keywords`);
* ``dissatisfied_terms`` / ``satisfied_terms`` — weighted log-odds with an informative Dirichlet
  prior, the unit's dissatisfied comments against its satisfied ones (:mod:`~analysis.comments.themes`);
* ``rising`` — the same, the unit's comments now against its comments in ``previous``;
* for each word, up to three representative comments (indices into ``comments``).

Survey weights count wherever a share is shown. The k rule (:mod:`analysis.comments.suppression`)
is the caller's to apply: this module sees comments, not who may read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from analysis.comments.corpus import representatives, term_matrix, weighted_docs
from analysis.comments.keywords import Keyword, tfidf_scores
from analysis.comments.segment import Segmenter, shared_segmenter
from analysis.comments.themes import Contrast, TermZ, contrast


@dataclass(frozen=True)
class Comment:
    """One free-text answer about a unit.

    ``text`` is already redacted; ``weight`` the respondent's survey weight (> 0); ``score`` the
    satisfaction score (0–100) of the same rating, if any; ``dissatisfied`` whether that rating
    counts as dissatisfied (None: unknown, left out of the dissatisfied/satisfied comparison);
    ``period`` and ``stratum`` label the cell the comment belongs to; ``tokens``, if given, are
    the words of ``text`` as cut before by a :class:`~analysis.comments.segment.Segmenter` with
    the same ``fingerprint`` (a caller may store them to skip segmentation next time).
    """

    unit: str
    text: str
    weight: float = 1.0
    score: float | None = None
    dissatisfied: bool | None = None
    period: str = ""
    stratum: str = ""
    tokens: tuple[str, ...] | None = None


@dataclass(frozen=True)
class UnitComments:
    """What a unit's comments say (see :func:`analyse`)."""

    unit: str
    n: int
    weighted_n: float
    keywords: list[Keyword] = field(default_factory=list)
    dissatisfied_terms: list[TermZ] = field(default_factory=list)
    satisfied_terms: list[TermZ] = field(default_factory=list)
    rising: list[TermZ] = field(default_factory=list)
    #: comments with ``dissatisfied`` True / False
    n_dissatisfied: int = 0
    n_satisfied: int = 0
    #: weighted share of dissatisfied among the comments whose flag is known (None: no flag known)
    dissatisfied_share: float | None = None
    #: weighted mean satisfaction score of the comments that carry one
    mean_score: float | None = None
    #: comments of the unit in ``previous``
    n_previous: int = 0
    #: comments per stratum label (for the k rule)
    by_stratum: dict[str, int] = field(default_factory=dict)


def analyse(
    comments: Sequence[Comment],
    previous: Sequence[Comment] = (),
    segmenter: Segmenter | None = None,
    top: int = 20,
    *,
    min_comments: int = 3,
    z_min: float = 1.96,
    fdr: float = 0.05,
    alpha0: float | None = None,
    examples: int = 3,
) -> dict[str, UnitComments]:
    """Keywords, dissatisfied and satisfied terms, rising themes and examples for every unit.

    Parameters
    ----------
    comments : sequence of Comment
        The period's comments, redacted.
    previous : sequence of Comment
        The previous period's comments (for ``rising``); empty: no rising themes.
    segmenter : Segmenter, optional
        Default: :func:`~analysis.comments.segment.shared_segmenter` with no extra words.
    top : int
        Longest list of keywords or terms per unit.
    min_comments : int
        A word must be mentioned by at least this many comments (unweighted) of the unit, or of
        the group it is reported for.
    z_min : float
        Smallest z of a reported log-odds term.
    fdr : float
        False discovery rate of the Benjamini–Hochberg selection of log-odds terms.
    alpha0 : float, optional
        Total prior pseudo-count of the log-odds; default 0.1 (n^a + n^b) of each comparison.
    examples : int
        Representative comments per word.

    Returns
    -------
    dict of unit → UnitComments, units in order of first appearance in ``comments``.

    Examples
    --------
    >>> cs = [Comment("城东区", "排队太久，窗口不够", dissatisfied=True)] * 20 + [
    ...       Comment("城东区", "服务热情周到", dissatisfied=False)] * 20 + [
    ...       Comment("城西区", "道路积水严重", weight=2.0)] * 3
    >>> out = analyse(cs)
    >>> [k.term for k in out["城东区"].keywords]
    ['不够', '太久', '排队', '服务', '热情周到', '窗口']
    >>> [(t.term, round(t.z, 2), t.examples) for t in out["城东区"].dissatisfied_terms]
    [('不够', 2.78, [0]), ('太久', 2.78, [0]), ('排队', 2.78, [0]), ('窗口', 2.78, [0])]
    >>> [(t.term, round(t.z, 2), t.share, t.other_share) for t in out["城东区"].satisfied_terms]
    [('服务', 4.59, 1.0, 0.0), ('热情周到', 4.59, 1.0, 0.0)]
    >>> out["城西区"].weighted_n, out["城西区"].keywords[0].examples
    (6.0, [40])
    """
    seg = segmenter or shared_segmenter()
    weights = _weights(comments, "comments")
    weights_prev = _weights(previous, "previous")
    tm = term_matrix(seg, *([c.text if c.tokens is None else c.tokens for c in group]
                            for group in (comments, previous)))
    current, before = tm.matrices
    texts = [c.text for c in comments]
    city_docs = weighted_docs(current, weights)
    city_n = float(weights.sum())
    city_share = city_docs / city_n if city_n > 0 else city_docs
    prev_docs = weighted_docs(before, weights_prev)
    two_periods = city_share + (prev_docs / weights_prev.sum() if weights_prev.size else 0.0)

    units, unit_rows = _group(c.unit for c in comments)
    _, prev_rows = _group(c.unit for c in previous)
    flags = np.array([-1 if c.dissatisfied is None else int(c.dissatisfied) for c in comments], dtype=np.int8)
    scores = np.array([np.nan if c.score is None else c.score for c in comments], dtype=float)
    select = (z_min, min_comments, fdr)
    out = {}
    for unit in units:
        rows = unit_rows[unit]
        x, w = current[rows], weights[rows]
        keywords = _keywords(x, w, rows, city_docs, city_n, tm.terms, texts, top, min_comments, examples)
        dissatisfied: list[TermZ] = []
        satisfied: list[TermZ] = []
        f = flags[rows]
        if (f == 1).any() and (f == 0).any():
            a, b = rows[f == 1], rows[f == 0]
            c = contrast(current[a], weights[a], current[b], weights[b], city_docs, alpha0)
            dissatisfied = _terms(c, 1, current[a], a, tm.terms, texts, top, select, examples)
            satisfied = _terms(c, -1, current[b], b, tm.terms, texts, top, select, examples)
        rising: list[TermZ] = []
        before_rows = prev_rows.get(unit)
        if before_rows is not None:
            c = contrast(x, w, before[before_rows], weights_prev[before_rows], two_periods, alpha0)
            rising = _terms(c, 1, x, rows, tm.terms, texts, top, select, examples)
        known = f >= 0
        scored = ~np.isnan(scores[rows])
        strata: dict[str, int] = {}
        for r in rows:
            strata[comments[r].stratum] = strata.get(comments[r].stratum, 0) + 1
        out[unit] = UnitComments(
            unit=unit,
            n=int(rows.size),
            weighted_n=float(w.sum()),
            keywords=keywords,
            dissatisfied_terms=dissatisfied,
            satisfied_terms=satisfied,
            rising=rising,
            n_dissatisfied=int((f == 1).sum()),
            n_satisfied=int((f == 0).sum()),
            dissatisfied_share=float(w[f == 1].sum() / w[known].sum()) if known.any() else None,
            mean_score=float(np.average(scores[rows][scored], weights=w[scored])) if scored.any() else None,
            n_previous=0 if before_rows is None else int(before_rows.size),
            by_stratum=strata,
        )
    return out


def _weights(comments: Sequence[Comment], name: str) -> np.ndarray:
    weights = np.array([c.weight for c in comments], dtype=float)
    bad = np.flatnonzero(~np.isfinite(weights) | (weights <= 0))
    if bad.size:
        raise ValueError(f"{name}[{bad[0]}].weight: must be a positive number, got {weights[bad[0]]}")
    return weights


def _group(labels) -> tuple[list[str], dict[str, np.ndarray]]:
    rows: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        rows.setdefault(label, []).append(i)
    return list(rows), {k: np.array(v, dtype=np.int64) for k, v in rows.items()}


def _keywords(
    x: sparse.csr_matrix, w: np.ndarray, rows: np.ndarray, city_docs: np.ndarray, city_n: float,
    terms: list[str], texts: list[str], top: int, min_comments: int, examples: int,
) -> list[Keyword]:
    docs = weighted_docs(x, w)
    count = np.bincount(x.indices, minlength=docs.size)
    eligible = np.flatnonzero((count >= min_comments) & (docs > 0))
    if eligible.size == 0:
        return []
    unit_n = float(w.sum())
    scores = np.zeros(docs.size)
    scores[eligible] = tfidf_scores(docs[eligible], unit_n, city_docs[eligible], city_n)
    chosen = eligible[np.lexsort((_term_order(terms, eligible), -scores[eligible]))][:top]
    picked = representatives(x, scores, chosen, [texts[r] for r in rows], examples)
    return [
        Keyword(terms[t], float(scores[t]), float(docs[t] / unit_n), [int(rows[r]) for r in ex], int(count[t]))
        for t, ex in zip(chosen, picked, strict=True)
    ]


def _terms(
    c: Contrast, side: int, x: sparse.csr_matrix, rows: np.ndarray, terms: list[str], texts: list[str],
    top: int, select: tuple[float, int, float], examples: int,
) -> list[TermZ]:
    chosen = c.favoured(side, *select)
    if chosen.size == 0:
        return []
    z = side * c.z
    chosen = chosen[np.lexsort((_term_order(terms, chosen), -z[chosen]))][:top]
    profile = np.zeros(z.size)
    profile[chosen] = z[chosen]
    picked = representatives(x, profile, chosen, [texts[r] for r in rows], examples)
    mine, other = (c.share_a, c.share_b) if side > 0 else (c.share_b, c.share_a)
    return [
        TermZ(terms[t], float(side * c.delta[t]), float(z[t]), [int(rows[r]) for r in ex],
              float(mine[t]), float(other[t]))
        for t, ex in zip(chosen, picked, strict=True)
    ]


def _term_order(terms: list[str], idx: np.ndarray) -> np.ndarray:
    """Rank of each selected word in alphabetical (code point) order, to break ties by word."""
    order = sorted(range(idx.size), key=lambda i: terms[idx[i]])
    rank = np.empty(idx.size, dtype=np.int64)
    rank[order] = np.arange(idx.size)
    return rank
