"""What one group of comments says more than another: dissatisfied vs satisfied, now vs before.

Both comparisons are the weighted log-odds with an informative Dirichlet prior of
:mod:`analysis.comments.log_odds`, on the number of comments mentioning each word. Each group's
survey weights are rescaled to mean 1 over the group (two periods are weighted separately, so
their weights need not share a scale). The prior shares π_w come from the whole city (for a
comparison of two periods, the mean of the city's shares in the two periods), and the prior is
worth a tenth of the data compared: α_0 = 0.1 (n^a + n^b) by default (n = the word mentions of a
group). A prior worth all the data (tidylo's pooled counts) proved too timid in simulation
(multinomial, Zipf vocabulary of 3,000 words, 1,800 mentions a group): a word three times as
frequent in one group was found in 18 % of the draws against 44 % at a tenth, while words with no
difference reached |z| ≥ 1.96 in 0.6 % of cases (0.02 % with the strong prior); see docs/comments.md.

A comparison tests hundreds of words at once, so a word is reported only when its difference
survives the Benjamini–Hochberg procedure at false discovery rate ``fdr`` (5 %) over every word
mentioned by at least ``min_comments`` comments of the two groups together (two-sided p-values
from z), its z is at least ``z_min`` (1.96) in the group's favour, and at least ``min_comments``
comments of the group mention it. Without that, a third of units showed "rising" words in a
benchmark where nothing had changed (bench/comments_bench.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from analysis.comments.corpus import weighted_docs
from analysis.comments.log_odds import log_odds_arrays, prior_pseudo_counts

#: Default α_0 as a share of the word mentions compared.
PRIOR_SHARE = 0.1


@dataclass(frozen=True)
class TermZ:
    """A word one group says more than the other, oriented towards that group.

    ``delta`` (log-odds ratio) and ``z`` are positive for the group the list belongs to
    (dissatisfied, satisfied, current period). ``share`` and ``other_share`` are the weighted
    shares of that group's and the other group's comments mentioning the word; ``examples``
    indices into the current comments given to :func:`analysis.comments.explore.analyse`.
    """

    term: str
    delta: float
    z: float
    examples: list[int] = field(default_factory=list)
    share: float = 0.0
    other_share: float = 0.0


@dataclass(frozen=True)
class Contrast:
    """Per word of the vocabulary: δ and z (a against b), weighted shares and raw comment counts."""

    delta: np.ndarray
    z: np.ndarray
    share_a: np.ndarray
    share_b: np.ndarray
    count_a: np.ndarray
    count_b: np.ndarray

    def favoured(self, side: int, z_min: float, min_comments: int, fdr: float = 0.05) -> np.ndarray:
        """Word indices favouring a (``side`` = 1) or b (−1), strongest first (ties by index)."""
        from scipy.special import ndtr

        tested = np.flatnonzero(self.count_a + self.count_b >= min_comments)
        significant = np.zeros(self.z.size, dtype=bool)
        significant[tested] = benjamini_hochberg(2.0 * ndtr(-np.abs(self.z[tested])), fdr)
        z = side * self.z
        count = self.count_a if side > 0 else self.count_b
        keep = np.flatnonzero(significant & (z >= z_min) & (count >= min_comments))
        return keep[np.lexsort((keep, -z[keep]))]


def benjamini_hochberg(p: np.ndarray, q: float) -> np.ndarray:
    """Which p-values are discoveries at false discovery rate ``q`` (Benjamini and Hochberg 1995).

    >>> benjamini_hochberg(np.array([0.001, 0.02, 0.03, 0.5]), 0.05).tolist()
    [True, True, True, False]
    >>> benjamini_hochberg(np.array([0.001, 0.04, 0.045, 0.5]), 0.05).tolist()
    [True, False, False, False]
    """
    p = np.asarray(p, dtype=float)
    m = p.size
    out = np.zeros(m, dtype=bool)
    if m == 0:
        return out
    order = np.argsort(p, kind="stable")
    below = np.flatnonzero(p[order] <= q * np.arange(1, m + 1) / m)
    if below.size:
        out[order[: below[-1] + 1]] = True
    return out


def mean_one(weights: np.ndarray) -> np.ndarray:
    """Weights rescaled to mean 1 (an empty array stays empty)."""
    weights = np.asarray(weights, dtype=float)
    return weights / weights.mean() if weights.size else weights


def contrast(
    matrix_a: sparse.csr_matrix,
    weights_a: np.ndarray,
    matrix_b: sparse.csr_matrix,
    weights_b: np.ndarray,
    background: np.ndarray,
    alpha0: float | None = None,
) -> Contrast:
    """Weighted log-odds of every word, group a against group b, prior shares from ``background``.

    Words with no background count get δ = z = 0 (they cannot occur in either group when the
    background covers both).
    """
    wa, wb = mean_one(weights_a), mean_one(weights_b)
    ya, yb = weighted_docs(matrix_a, wa), weighted_docs(matrix_b, wb)
    support = np.asarray(background) > 0
    delta = np.zeros(ya.size)
    z = np.zeros(ya.size)
    if support.any():
        a0 = PRIOR_SHARE * float(ya.sum() + yb.sum()) if alpha0 is None else alpha0
        alpha = prior_pseudo_counts(np.asarray(background)[support], a0 if a0 > 0 else 1.0)
        delta[support], z[support] = log_odds_arrays(ya[support], yb[support], alpha)
    na, nb = max(float(wa.sum()), 1e-300), max(float(wb.sum()), 1e-300)
    count_a = np.bincount(matrix_a.indices, minlength=ya.size)
    count_b = np.bincount(matrix_b.indices, minlength=yb.size)
    return Contrast(delta, z, ya / na, yb / nb, count_a, count_b)
