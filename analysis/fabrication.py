"""Padding detection that is a test, not a threshold (DESIGN §7 (j)).

Padding shows up per interviewer (phone, paper, kiosk) or per source (web: a source hash): one
group's answers to one unit differ from the unit's other groups. For every unit and every group
with at least ``min_group`` counted ratings of that unit (and as many from the others), Minyi
tests, one-sided:

- ``topbox``: the share of ratings whose every scored answer is the best option (Fisher's exact
  test, as a hypergeometric tail);
- ``straightline``: the share of ratings whose scored answers are all the same option (Fisher);
- ``duplicates``: the share of ratings whose whole answer vector repeats another rating of the
  same group and unit, against the same share within the other groups (Fisher);
- ``duration`` and ``gaps``: shorter interviews and shorter gaps between a group's consecutive
  submissions than the others' (Mann–Whitney U).

All p-values of a wave form one family, controlled by Benjamini–Hochberg at ``alpha`` (with only
honest groups, the chance of any flag is at most ``alpha``). A group is *flagged* for a unit when
an answer-pattern test (topbox, straightline, duplicates) is significant; timing alone never
flags (an honest interviewer may simply be quick, many honest citizens share a carrier's
address). A rating is PADDING_SUSPECT when its group is flagged for its unit and the rating shows
the flagged pattern.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Answer-pattern tests (they can flag a group) and timing tests (evidence only).
PATTERN_TESTS: tuple[str, ...] = ("topbox", "straightline", "duplicates")
TIMING_TESTS: tuple[str, ...] = ("duration", "gaps")


@dataclass(frozen=True)
class Finding:
    """One test of one group (interviewer or source) against the other groups of a unit."""

    unit: int
    group: int
    test: str
    n_group: int  #: counted ratings of the unit by the group
    n_rest: int
    count_group: int  #: ratings showing the pattern (for timing tests: NaN-free values, 0)
    count_rest: int
    value_group: float  #: share with the pattern, or median seconds for timing tests
    value_rest: float
    p_value: float
    adjusted_p: float = float("nan")  #: Benjamini–Hochberg over the wave
    significant: bool = False


@dataclass(frozen=True, eq=False)
class PaddingReport:
    """Every test of a wave, the flagged (unit, group) pairs and the rating-level flag."""

    findings: tuple[Finding, ...]
    flagged: frozenset[tuple[int, int]]  #: (unit, group) with a significant pattern test
    suspect: np.ndarray  #: (R,) bool: PADDING_SUSPECT
    group_flagged: np.ndarray  #: (S,) bool: the submission's group is flagged for some unit


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """BH-adjusted p-values (monotone step-up), NaN left as NaN.

    Examples
    --------
    >>> benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.2])).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.2]
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out[order] = np.minimum(ranked, 1.0)
    return out


def fisher_greater(a: np.ndarray, n_a: np.ndarray, b: np.ndarray, n_b: np.ndarray) -> np.ndarray:
    """One-sided Fisher exact p-value that the share a/n_a exceeds b/n_b (vectorised).

    Examples
    --------
    >>> float(fisher_greater(np.array([8]), np.array([10]), np.array([2]), np.array([10]))[0]).__round__(4)
    0.0115
    """
    from scipy.stats import hypergeom

    a, n_a, b, n_b = (np.asarray(x, dtype=float) for x in (a, n_a, b, n_b))
    return np.asarray(hypergeom.sf(a - 1, n_a + n_b, a + b, n_a))


def _mann_whitney_less(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import mannwhitneyu

    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if x.size < 3 or y.size < 3:
        return float("nan")
    return float(mannwhitneyu(x, y, alternative="less").pvalue)


def rating_patterns(answers: np.ndarray, missing: np.ndarray, best: np.ndarray,
                    min_items: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(all scored answers are the best option, all scored answers are one option), per rating.

    ``best`` is the best option's index per item; ratings with fewer than ``min_items`` scored
    answers show neither pattern.

    Examples
    --------
    >>> a = np.array([[0, 0, 0], [1, 1, 1], [0, 1, 0], [0, 5, 0]])
    >>> rating_patterns(a, a == 5, np.zeros(3, int))
    (array([ True, False, False,  True]), array([ True,  True, False,  True]))
    """
    a = np.asarray(answers)
    scored = (a >= 0) & ~np.asarray(missing, dtype=bool)
    count = scored.sum(axis=1)
    enough = count >= min_items
    top = enough & np.all(~scored | (a == np.asarray(best)[None, :]), axis=1)
    first = np.where(scored, a, -1).max(axis=1)
    same = enough & np.all(~scored | (a == first[:, None]), axis=1)
    return top, same


def _duplicate_vectors(answers: np.ndarray, key: np.ndarray) -> np.ndarray:
    """True for ratings whose answer vector occurs again among the ratings with the same key."""
    rows = np.concatenate([key[:, None], np.asarray(answers)], axis=1)
    _, inverse, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    return counts[inverse.ravel()] > 1


def gaps_before(group: np.ndarray, submitted_at: np.ndarray | None) -> np.ndarray:
    """Seconds since the same group's previous submission (NaN for its first or unknown)."""
    g = np.asarray(group)
    out = np.full(g.shape, np.nan)
    if submitted_at is None:
        return out
    t = np.asarray(submitted_at, dtype=float)
    ok = np.flatnonzero((g >= 0) & np.isfinite(t))
    order = ok[np.lexsort((t[ok], g[ok]))]
    same = g[order][1:] == g[order][:-1]
    out[order[1:][same]] = np.diff(t[order])[same]
    return out


def padding_tests(
    group: np.ndarray,
    rating_submission: np.ndarray,
    rating_unit: np.ndarray,
    counted: np.ndarray,
    answers: np.ndarray,
    missing: np.ndarray,
    best: np.ndarray,
    *,
    duration: np.ndarray | None = None,
    submitted_at: np.ndarray | None = None,
    alpha: float = 0.05,
    min_group: int = 5,
) -> PaddingReport:
    """Test every (unit, group) against the unit's other groups; see the module docstring.

    Parameters
    ----------
    group : (S,) int group code of each submission (interviewer or source), -1 = none.
    rating_submission, rating_unit : (R,) indexes; counted : (R,) bool, the ratings that count.
    answers, missing : (R, J) option indexes and missing-code mask; best : (J,) best option.
    duration, submitted_at : (S,) seconds, NaN unknown.
    """
    g_s = np.asarray(group)
    rs = np.asarray(rating_submission)
    ru = np.asarray(rating_unit)
    cnt = np.asarray(counted, dtype=bool)
    g_r = g_s[rs]
    use = cnt & (g_r >= 0)
    top, same = rating_patterns(answers, missing, best)
    dup = np.zeros(ru.shape, dtype=bool)
    if use.any():
        key = ru * (int(g_r.max()) + 1) + g_r
        idx = np.flatnonzero(use)
        dup[idx] = _duplicate_vectors(np.asarray(answers)[idx], key[idx])
    patterns = {"topbox": top, "straightline": same, "duplicates": dup}
    dur = None if duration is None else np.asarray(duration, dtype=float)[rs]
    gap = gaps_before(g_s, submitted_at)[rs]
    findings: list[Finding] = []
    for u in np.unique(ru[use]):
        in_unit = use & (ru == u)
        groups, sizes = np.unique(g_r[in_unit], return_counts=True)
        total = int(in_unit.sum())
        for g, n_g in zip(groups, sizes, strict=True):
            n_rest = total - int(n_g)
            if n_g < min_group or n_rest < min_group:
                continue
            mine = in_unit & (g_r == g)
            rest = in_unit & (g_r != g)
            for name, flag in patterns.items():
                a, b = int(flag[mine].sum()), int(flag[rest].sum())
                p = float(fisher_greater(np.array([a]), np.array([n_g]), np.array([b]), np.array([n_rest]))[0])
                findings.append(Finding(int(u), int(g), name, int(n_g), n_rest, a, b, a / n_g, b / n_rest, p))
            for name, values in (("duration", dur), ("gaps", gap)):
                if values is None:
                    continue
                p = _mann_whitney_less(values[mine], values[rest])
                if np.isfinite(p):
                    findings.append(Finding(int(u), int(g), name, int(n_g), n_rest, 0, 0,
                                            float(np.nanmedian(values[mine])), float(np.nanmedian(values[rest])), p))
    adjusted = benjamini_hochberg(np.array([f.p_value for f in findings]))
    final = []
    flagged: set[tuple[int, int]] = set()
    suspect = np.zeros(ru.shape, dtype=bool)
    for f, q in zip(findings, adjusted, strict=True):
        sig = bool(q <= alpha)
        final.append(Finding(**{**f.__dict__, "adjusted_p": float(q), "significant": sig}))
        if sig and f.test in PATTERN_TESTS:
            flagged.add((f.unit, f.group))
            suspect |= use & (ru == f.unit) & (g_r == f.group) & patterns[f.test]
    group_flagged = np.zeros(g_s.shape, dtype=bool)
    bad_groups = {g for _u, g in flagged}
    if bad_groups:
        group_flagged = np.isin(g_s, list(bad_groups))
    return PaddingReport(tuple(final), frozenset(flagged), suspect, group_flagged)


def topbox_funnel(rate: np.ndarray, n_eff: np.ndarray, groups: np.ndarray, level: float = 0.95) -> np.ndarray:
    """TOPBOX_ANOMALY with funnel limits: a unit's top-box share above what its sampling error
    and the honest spread between units allow, Bonferroni over the units of its peer group.

    For unit u, the limit is computed from the *other* units of its group (so an anomaly does
    not hide itself): their precision-weighted mean p̄, the between-unit variance τ² by
    DerSimonian–Laird, and z_u = (p_u − p̄)/sqrt(p̄(1 − p̄)/n_eff_u + τ² + var(p̄)); flagged when
    z_u > Φ⁻¹(1 − α/N_g). Needs at least 3 other units with a share.

    Examples
    --------
    >>> rate = np.array([0.30, 0.32, 0.28, 0.31, 0.29, 0.75])
    >>> topbox_funnel(rate, np.array([300.0] * 6), np.zeros(6, int)).tolist()
    [False, False, False, False, False, True]
    >>> topbox_funnel(np.array([0.30, 0.32, 0.28, 0.31, 0.29, 0.55]), np.array([300.0] * 5 + [8.0]),
    ...               np.zeros(6, int)).tolist()
    [False, False, False, False, False, False]
    """
    from scipy.stats import norm

    p = np.asarray(rate, dtype=float)
    n = np.asarray(n_eff, dtype=float)
    g = np.asarray(groups)
    out = np.zeros(p.shape, dtype=bool)
    ok = np.isfinite(p) & np.isfinite(n) & (n > 0)
    for code in np.unique(g[ok]):
        idx = np.flatnonzero(ok & (g == code))
        crit = float(norm.ppf(1.0 - (1.0 - level) / idx.size))
        for u in idx:
            others = idx[idx != u]
            if others.size < 3:
                continue
            po, no = p[others], n[others]
            pbar0 = float(np.clip(np.average(po, weights=no), 1e-6, 1 - 1e-6))
            v = pbar0 * (1 - pbar0) / no
            w = 1.0 / v
            pbar = float(np.sum(w * po) / np.sum(w))
            q = float(np.sum(w * (po - pbar) ** 2))
            denom = float(np.sum(w) - np.sum(w**2) / np.sum(w))
            tau2 = max(0.0, (q - (others.size - 1)) / denom) if denom > 0 else 0.0
            var_mean = 1.0 / float(np.sum(1.0 / (v + tau2)))
            pc = float(np.clip(pbar, 1e-6, 1 - 1e-6))
            z = (p[u] - pbar) / np.sqrt(pc * (1 - pc) / n[u] + tau2 + var_mean)
            out[u] = bool(z > crit)
    return out
