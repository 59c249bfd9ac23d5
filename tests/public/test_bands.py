"""Bands of units the data cannot tell apart, cut from the rank sets (survey.evaluation.public_results)."""

from __future__ import annotations

import numpy as np
import pytest

from survey.evaluation.public_results import rank_bands


@pytest.mark.parametrize(("sets", "bands"), [
    ([], []),
    ([(1, 1)], [1]),
    ([(1, 1), (2, 2), (3, 3)], [1, 2, 3]),  # every rank certain: every unit its own band
    ([(1, 3), (1, 3), (1, 3)], [1, 1, 1]),  # nothing certain: one band
    ([(1, 2), (1, 3), (2, 3)], [1, 1, 1]),  # a chain of overlaps is one band (the golden example)
    ([(1, 2), (1, 2), (3, 4), (3, 4)], [1, 1, 2, 2]),
    # the 4th unit's set (2–5) reaches back over the 2nd and 3rd: they cannot be cut apart
    ([(1, 1), (2, 3), (2, 3), (2, 5), (5, 5)], [1, 2, 2, 2, 2]),
    ([(1, 1), (None, None), (3, 3)], [1, 1, 1]),  # an unknown set counts as every rank
])
def test_bands_by_hand(sets, bands):
    assert rank_bands(sets) == bands


def test_bands_separate_exactly_what_the_rank_sets_separate():
    """For random rank sets that hold their own rank: units of different bands never overlap
    (the upper one's set lies wholly above), and every unit of a shared band overlaps another
    member of its band."""
    rng = np.random.default_rng(7)
    for _trial in range(500):
        n = int(rng.integers(1, 15))
        ranks = np.arange(1, n + 1)
        low = np.maximum(1, ranks - rng.integers(0, 4, n))
        high = np.minimum(n, ranks + rng.integers(0, 4, n))
        bands = rank_bands(list(zip(low.tolist(), high.tolist(), strict=True)))
        assert bands == sorted(bands) and bands[0] == 1
        assert set(bands) == set(range(1, max(bands) + 1))
        for i in range(n):
            for j in range(i + 1, n):
                if bands[i] != bands[j]:
                    assert high[i] < low[j], (low, high, bands)
            mates = [j for j in range(n) if j != i and bands[j] == bands[i]]
            if mates:
                assert any(low[i] <= high[j] and low[j] <= high[i] for j in mates), (low, high, bands)
