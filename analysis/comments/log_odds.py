"""Weighted log-odds ratios with an informative Dirichlet prior ("Fightin' Words").

Monroe, Colaresi and Quinn (2008), "Fightin' Words: Lexical Feature Selection and Evaluation for
Identifying the Content of Political Conflict", Political Analysis 16(4), eq. 16–22. For a word w
counted y_w^a times in group a (n^a counts in all) and y_w^b in group b, with prior pseudo-counts
α_w (α_0 = Σ α_w)::

    δ_w = log[(y_w^a + α_w) / (n^a + α_0 − y_w^a − α_w)] − log[(y_w^b + α_w) / (n^b + α_0 − y_w^b − α_w)]
    σ²(δ_w) ≈ 1/(y_w^a + α_w) + 1/(y_w^b + α_w)           z_w = δ_w / σ(δ_w)

The prior is informative: α_w = α_0 · π_w, with π_w the word's share of a background corpus
(the whole city). It shrinks the log-odds of rare words towards zero, so a word said once by one
group does not top the list, and z ranks words by how sure the difference is, not by how large.

In Minyi a "count" is the survey-weighted number of comments that mention the word (a comment
counts a word once), with the weights rescaled to mean 1 over the comments compared, so z keeps
the scale of the comment counts and multiplying every weight by a constant changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def log_odds_arrays(
    counts_a: np.ndarray, counts_b: np.ndarray, alpha: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """δ and z of every word from aligned arrays of counts and prior pseudo-counts α_w (> 0).

    ``n^a``, ``n^b`` and α_0 are the sums of the arrays given, so pass every word of the
    vocabulary (or at least every word with a count), not a selection.
    """
    ya = np.asarray(counts_a, dtype=float)
    yb = np.asarray(counts_b, dtype=float)
    alpha = np.asarray(alpha, dtype=float)
    if np.any(alpha <= 0):
        raise ValueError("prior: every word with a count needs a positive prior pseudo-count")
    alpha0 = alpha.sum()
    na, nb = ya.sum(), yb.sum()
    pa, pb = ya + alpha, yb + alpha
    delta = np.log(pa) - np.log(na + alpha0 - pa) - np.log(pb) + np.log(nb + alpha0 - pb)
    z = delta / np.sqrt(1.0 / pa + 1.0 / pb)
    return delta, z


def prior_pseudo_counts(background: np.ndarray, alpha0: float) -> np.ndarray:
    """α_w = α_0 · π_w from background counts (π_w = the word's share of the background)."""
    background = np.asarray(background, dtype=float)
    total = background.sum()
    if total <= 0:
        raise ValueError("prior: the background counts add up to nothing")
    return alpha0 * background / total


def log_odds_dirichlet(
    counts_a: Mapping[str, float],
    counts_b: Mapping[str, float],
    prior: Mapping[str, float],
    alpha0: float | None = None,
) -> dict[str, tuple[float, float]]:
    """δ and z of each word counted in ``counts_a`` or ``counts_b``, a against b.

    Parameters
    ----------
    counts_a, counts_b : mapping of word → count
        (Weighted) counts of the two groups compared.
    prior : mapping of word → count
        Background counts (e.g. the whole city); every word of ``counts_a`` and ``counts_b``
        must have a positive one. Only their shares π_w matter when ``alpha0`` is given.
    alpha0 : float, optional
        Total prior pseudo-count α_0; α_w = α_0 · π_w over the words of ``prior``. None: the
        background counts are the pseudo-counts themselves (α_0 = Σ prior).

    Returns
    -------
    dict of word → (δ, z)
        Positive when a says the word more than b.

    Examples
    --------
    Two words, flat prior α = (1, 1): δ_排队 = log(9/3) − log(3/9) = 2 log 3.

    >>> out = log_odds_dirichlet({"排队": 8, "态度": 2}, {"排队": 2, "态度": 8}, {"排队": 5, "态度": 5}, 2)
    >>> [round(v, 4) for v in out["排队"]]
    [2.1972, 3.2958]
    """
    words = sorted(set(counts_a) | set(counts_b) | set(prior))
    for w in set(counts_a) | set(counts_b):
        if prior.get(w, 0) <= 0:
            raise ValueError(f"prior: {w!r} has a count but no positive prior count")
    background = np.array([prior.get(w, 0.0) for w in words], dtype=float)
    alpha = background if alpha0 is None else prior_pseudo_counts(background, alpha0)
    keep = alpha > 0
    ya = np.array([counts_a.get(w, 0.0) for w in words], dtype=float)[keep]
    yb = np.array([counts_b.get(w, 0.0) for w in words], dtype=float)[keep]
    delta, z = log_odds_arrays(ya, yb, alpha[keep])
    kept = [w for w, k in zip(words, keep, strict=True) if k]
    wanted = set(counts_a) | set(counts_b)
    return {w: (float(d), float(s)) for w, d, s in zip(kept, delta, z, strict=True) if w in wanted}
