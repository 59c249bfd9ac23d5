"""Comments as a sparse comment × word matrix (1 where a comment mentions a word)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from analysis.comments.segment import Segmenter


@dataclass(frozen=True)
class TermMatrix:
    """The vocabulary and, for each list of texts, a CSR matrix (texts × words) of 0/1."""

    terms: list[str]
    matrices: list[sparse.csr_matrix]


def term_matrix(segmenter: Segmenter, *texts: Sequence[str | tuple[str, ...]]) -> TermMatrix:
    """Segment each distinct text once and build one 0/1 matrix per list of ``texts``.

    An item may also be a tuple of tokens already cut (by a segmenter with the same
    :attr:`~analysis.comments.segment.Segmenter.fingerprint`), used as given. Words are numbered
    in order of first appearance, so the result depends on nothing but the input.

    >>> tm = term_matrix(Segmenter(), ["排队太久，排队", "窗口少"], ["排队"])
    >>> tm.terms, tm.matrices[0].toarray().tolist(), tm.matrices[1].toarray().tolist()
    (['排队', '太久', '窗口'], [[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]])
    """
    vocabulary: dict[str, int] = {}
    seen: dict[str, list[int]] = {}

    def ids(item: str | tuple[str, ...]) -> list[int]:
        if not isinstance(item, str):
            return sorted({vocabulary.setdefault(t, len(vocabulary)) for t in item})
        got = seen.get(item)
        if got is None:
            got = sorted({vocabulary.setdefault(t, len(vocabulary)) for t in segmenter.tokens(item)})
            seen[item] = got
        return got

    rows = [[ids(t) for t in group] for group in texts]
    size = len(vocabulary)
    matrices = []
    for group in rows:
        lengths = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        indptr = np.concatenate(([0], np.cumsum(lengths)))
        indices = np.fromiter(itertools.chain.from_iterable(group), dtype=np.int32, count=int(indptr[-1]))
        data = np.ones(indices.size)
        matrices.append(sparse.csr_matrix((data, indices, indptr), shape=(len(group), size)))
    return TermMatrix(list(vocabulary), matrices)


def weighted_docs(matrix: sparse.csr_matrix, weights: np.ndarray) -> np.ndarray:
    """Σ of ``weights`` over the rows mentioning each word (a dense vector over the vocabulary)."""
    return np.asarray(matrix.T @ weights).ravel()


def representatives(
    matrix: sparse.csr_matrix,
    profile: np.ndarray,
    columns: Sequence[int],
    texts: Sequence[str],
    how_many: int = 3,
) -> list[list[int]]:
    """For each word column, the rows that mention it and best match ``profile`` (row numbers).

    A row's match is the cosine between its 0/1 words and ``profile`` (a non-negative weight per
    word, e.g. the unit's TF-IDF scores): (x · p) / (‖x‖ ‖p‖), so a comment that says several of
    the unit's keywords and little else comes first. Ties go to the shorter, then the earlier
    comment; a text already chosen for the word is not chosen twice.
    """
    if matrix.shape[0] == 0:
        return [[] for _ in columns]
    profile = np.asarray(profile, dtype=float)
    norm = float(np.linalg.norm(profile)) or 1.0
    nnz = np.diff(matrix.indptr)
    score = np.asarray(matrix @ profile).ravel() / (np.sqrt(np.maximum(nnz, 1)) * norm)
    by_column = matrix.tocsc()
    out = []
    for col in columns:
        rows = by_column.indices[by_column.indptr[col]:by_column.indptr[col + 1]]
        lengths = np.fromiter((len(texts[r]) for r in rows), dtype=np.int64, count=rows.size)
        ranked = rows[np.lexsort((rows, lengths, -score[rows]))]
        chosen: list[int] = []
        shown: set[str] = set()
        for r in ranked:
            if texts[r] not in shown:
                chosen.append(int(r))
                shown.add(texts[r])
                if len(chosen) == how_many:
                    break
        out.append(chosen)
    return out
