"""Quality flags as pure, vectorised functions (DESIGN §7g).

Respondent flags are boolean arrays (one per submission or per rating); unit flags are sets of
names per unit. Names are plain upper-case strings so survey/ can store them as they are.
"""

from __future__ import annotations

import numpy as np

# Respondent flags
DUPLICATE = "DUPLICATE"
INSUFFICIENT_ITEMS = "INSUFFICIENT_ITEMS"
SPEEDING = "SPEEDING"
STRAIGHTLINE = "STRAIGHTLINE"
BURST = "BURST"
HONEYPOT = "HONEYPOT"
STAFF_OF_UNIT = "STAFF_OF_UNIT"
PADDING_SUSPECT = "PADDING_SUSPECT"
# Unit flags
LOW_N = "LOW_N"
WIDE_CI = "WIDE_CI"
LOW_NEFF = "LOW_NEFF"
HIGH_DK = "HIGH_DK"
QUOTA_SHORTFALL = "QUOTA_SHORTFALL"
TOPBOX_ANOMALY = "TOPBOX_ANOMALY"
ADJ_NOT_SIG = "ADJ_NOT_SIG"
BOTTOM_NOT_SIG = "BOTTOM_NOT_SIG"
TOP_NOT_SIG = "TOP_NOT_SIG"
VETO = "VETO"
RANK_UNSTABLE = "RANK_UNSTABLE"
BONUS_CAPPED = "BONUS_CAPPED"
CONSEC_BOTTOM = "CONSEC_BOTTOM"
CELL_COLLAPSED = "CELL_COLLAPSED"
#: Run-level: margins that did not add up were rescaled because ``normalise_margins`` asked for it
MARGINS_NORMALISED = "MARGINS_NORMALISED"


def duplicate_flags(linkage: np.ndarray) -> np.ndarray:
    """Flag every submission whose linkage key already occurred earlier (DUPLICATE).

    Submissions must be in submission order (earliest first, ties by id); the first one with a
    key is kept. Keys below 0 mean "no key" and are never duplicates.

    Examples
    --------
    >>> duplicate_flags(np.array([7, 3, -1, 7, -1, 3]))
    array([False, False, False,  True, False,  True])
    """
    keys = np.asarray(linkage)
    out = np.zeros(keys.shape[0], dtype=bool)
    has = keys >= 0
    if not has.any():
        return out
    s = np.sort(keys[has])
    repeated = np.unique(s[1:][s[1:] == s[:-1]])
    if repeated.size == 0:
        return out
    # only the few submissions whose key repeats need the (stable) first-occurrence search;
    # a 2**20-bit hash table of the repeated keys finds the candidates in one cheap gather
    bits = np.zeros(1 << 20, dtype=bool)
    bits[repeated & 0xFFFFF] = True
    cand = np.flatnonzero(has & bits[keys & 0xFFFFF])
    pos = np.clip(np.searchsorted(repeated, keys[cand]), 0, repeated.size - 1)
    idx = cand[repeated[pos] == keys[cand]]
    _, first = np.unique(keys[idx], return_index=True)
    out[idx] = True
    out[idx[first]] = False
    return out


def speeding_flags(duration: np.ndarray, channel: np.ndarray, fraction: float = 1.0 / 3.0) -> np.ndarray:
    """Flag submissions faster than ``fraction`` of their channel's median duration (SPEEDING).

    Unknown durations (NaN) are neither flagged nor part of the median.

    Examples
    --------
    >>> speeding_flags(np.array([300.0, 90.0, 330.0, np.nan, 20.0]), np.array([0, 0, 0, 0, 1]))
    array([False,  True, False, False, False])
    """
    dur = np.asarray(duration, dtype=float)
    chan = np.asarray(channel)
    out = np.zeros(dur.shape[0], dtype=bool)
    known = ~np.isnan(dur)
    for c in np.unique(chan[known]):
        sel = known & (chan == c)
        med = float(np.median(dur[sel]))
        out[sel] = dur[sel] < fraction * med
    return out


def burst_flags(source: np.ndarray, submitted_at: np.ndarray, max_count: int = 20,
                window_s: float = 600.0) -> np.ndarray:
    """Flag submissions in a burst: more than ``max_count`` from one source within ``window_s``.

    Every submission inside such a window is flagged. Sources below 0 mean "unknown" and are
    never flagged; times are seconds (any epoch).

    Examples
    --------
    >>> src = np.array([1, 1, 1, 2, 1])
    >>> t = np.array([0.0, 10.0, 20.0, 20.0, 900.0])
    >>> burst_flags(src, t, max_count=2, window_s=600)
    array([ True,  True,  True, False, False])
    """
    src = np.asarray(source)
    t = np.asarray(submitted_at, dtype=float)
    out = np.zeros(src.shape[0], dtype=bool)
    ok = np.flatnonzero((src >= 0) & np.isfinite(t))
    if ok.size <= max_count:
        return out
    order = ok[np.lexsort((t[ok], src[ok]))]
    s_src, s_t = src[order], t[order]
    # same source and within the window <=> same source run and time gap < window
    run_start = np.r_[True, s_src[1:] != s_src[:-1]]
    run_id = np.cumsum(run_start) - 1
    span = float(s_t.max() - s_t.min()) + 2 * window_s + 1.0
    key = run_id * span + (s_t - s_t.min())
    left = np.searchsorted(key, key - window_s, side="right")
    end = np.arange(order.size)
    burst = end - left + 1 > max_count
    if not burst.any():
        return out
    cover = np.zeros(order.size + 1, dtype=np.int64)
    np.add.at(cover, left[burst], 1)
    np.add.at(cover, end[burst] + 1, -1)
    out[order[np.cumsum(cover[:-1]) > 0]] = True
    return out


def straightline_flags(answers: np.ndarray, missing: np.ndarray, min_items: int = 3,
                       fast: np.ndarray | None = None) -> np.ndarray:
    """STRAIGHTLINE: every non-missing answer of a rating is the same option, over >= ``min_items``
    items, *and* the rating was given fast (``fast``: its submission took under a fraction of its
    channel's median time). Identical answers alone are what many satisfied citizens give, so
    without known durations (``fast`` None) nothing is flagged.

    Parameters
    ----------
    answers : (R, J) int array of option indexes, -1 = not answered.
    missing : (R, J) bool array, True where the answer is a missing code (说不清/不了解/拒答).
    min_items : least number of non-missing answers for the flag.
    fast : (R,) bool, the rating's submission was fast.

    Examples
    --------
    >>> a = np.array([[3, 3, 3], [0, 5, 0], [1, 1, 2], [3, 3, 3]])
    >>> straightline_flags(a, a == 5, fast=np.array([True, True, True, False]))
    array([ True, False, False, False])
    >>> straightline_flags(a, a == 5).any()
    np.False_
    """
    a = np.asarray(answers)
    r = a.shape[0]
    if fast is None:
        return np.zeros(r, dtype=bool)
    miss = np.asarray(missing)
    count = np.zeros(r, dtype=np.int16)
    small = a.dtype.itemsize <= 2 or a.size == 0 or a.max() < 32767
    kind = np.int16 if small else np.int64
    lo = np.full(r, np.iinfo(kind).max, dtype=kind)
    hi = np.full(r, -1, dtype=kind)
    for j in range(a.shape[1]):  # J is small; a pass per item beats (R, J) temporaries
        col = a[:, j]
        scored = (col >= 0) & ~miss[:, j]
        count += scored
        np.minimum(lo, np.where(scored, col, lo), out=lo)
        np.maximum(hi, np.where(scored, col, -1), out=hi)
    return (count >= min_items) & (lo == hi) & np.asarray(fast, dtype=bool)
