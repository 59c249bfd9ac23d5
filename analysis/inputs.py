"""Plain-data inputs of one wave evaluation (no ORM objects, only arrays and tuples)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ItemSpec:
    """One scored item of the questionnaire.

    Parameters
    ----------
    name : question name.
    weight : item weight a_j (DESIGN §7a).
    points : points of each option by option index; NaN marks a missing code
        (说不清 / 不了解 / 拒答).
    overall : True for the item whose top-2 share is the unit's 满意率.
    top2 : option indexes of the "two best options"; default the two with the most points.
    labels : option labels for charts (optional).
    """

    name: str
    weight: float
    points: tuple[float, ...]
    overall: bool = False
    top2: tuple[int, ...] | None = None
    labels: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Stratum:
    """A respondent-level weighting variable: one code per submission (-1 = unknown)."""

    codes: np.ndarray
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Margin:
    """Population margin of one variable (or a joint cell ``"age_band*sex"``).

    ``targets`` maps a category (``"30-39*f"`` for a joint cell) to a population share or count
    (``kind``); only proportions matter, weights are scaled so Σw = n. ``district`` restricts the
    margin to one district (used when raking within districts).
    """

    variable: str
    targets: Mapping[str, float]
    kind: str = "share"
    district: str | None = None


@dataclass(frozen=True)
class QuotaTarget:
    """A quota: the number of valid respondents wanted in a stratum cell.

    ``cell`` maps variables to categories; ``unit`` is the unit index whose valid ratings count
    (QUOTA_SHORTFALL goes on that unit), or -1 for the whole wave (reported in diagnostics).
    """

    cell: Mapping[str, str]
    target: float
    unit: int = -1


@dataclass(frozen=True, eq=False)
class ComponentScores:
    """Imported component scores per unit (DESIGN §7f, §8 office import), aligned with units."""

    base: np.ndarray
    diff: np.ndarray
    bonus: np.ndarray
    base_max: np.ndarray | None = None  #: default ScoringConfig.base_max
    diff_max: np.ndarray | None = None  #: default ScoringConfig.diff_max
    bonus_cap: np.ndarray | None = None  #: default ScoringConfig.bonus_cap
    deduction: np.ndarray | None = None  #: default 0
    veto: np.ndarray | None = None  #: default False


def design_weight_problem(design_weight: np.ndarray, rows: np.ndarray | None = None) -> str | None:
    """Describe the first NaN, infinite, negative or zero design weight, or None when all are fine.

    ``rows`` maps positions to the row numbers to name (default: the 0-based position), e.g. the
    submission index of each weighted person. Bad weights are refused, never repaired (DESIGN §7b).

    Examples
    --------
    >>> design_weight_problem(np.array([1.0, 2.0, 0.5])) is None
    True
    >>> design_weight_problem(np.array([1.0, np.nan, -2.0]))
    'row 1 has design weight nan; 2 rows have a NaN, infinite, negative or zero design weight (must be finite and > 0)'
    """
    d = np.asarray(design_weight, dtype=float).ravel()
    bad = ~np.isfinite(d) | (d <= 0)
    if not bad.any():
        return None
    first = int(np.argmax(bad))
    row = int(rows[first]) if rows is not None else first
    count = int(np.count_nonzero(bad))
    return (f"row {row} has design weight {d[first]:g}; {count} row{'s' if count > 1 else ''} "
            f"{'have' if count > 1 else 'has'} a NaN, infinite, negative or zero design weight "
            "(must be finite and > 0)")


def _empty_flags() -> Mapping[str, np.ndarray]:
    return {}


@dataclass(frozen=True, eq=False)
class WaveInput:
    """Everything :func:`analysis.evaluate_wave` needs about one wave, as arrays.

    Submissions (S, in submission order: earliest first, ties by id)
        ``design_weight`` (required), ``linkage`` (int key codes, -1 = none), ``channel``
        (int codes), ``duration`` (seconds, NaN = unknown), ``source`` (int code of the source
        hash, -1 = unknown) and ``submitted_at`` (seconds) for BURST, ``submission_flags``
        (flag name -> bool array, e.g. HONEYPOT, or BURST set at submission time),
        ``strata`` (variable -> :class:`Stratum`).
    Ratings (R)
        ``rating_submission`` (index into submissions), ``rating_unit`` (index into units),
        ``answers`` ((R, J) option indexes, -1 = not answered / not relevant),
        ``rating_flags`` (flag name -> bool array, e.g. STAFF_OF_UNIT).
    Items (J)
        ``items``: :class:`ItemSpec` per answer column.
    Units (U)
        ``unit_codes``, ``unit_names``, ``peer_groups`` (one label per unit).
    Population
        ``margins`` (raking targets), ``quotas`` (for QUOTA_SHORTFALL).
    Comprehensive score
        ``components``: optional imported base / differential / bonus scores per unit.
    """

    design_weight: np.ndarray
    rating_submission: np.ndarray
    rating_unit: np.ndarray
    answers: np.ndarray
    items: Sequence[ItemSpec]
    unit_codes: Sequence[str]
    unit_names: Sequence[str]
    peer_groups: Sequence[str]
    linkage: np.ndarray | None = None
    channel: np.ndarray | None = None
    duration: np.ndarray | None = None
    source: np.ndarray | None = None
    submitted_at: np.ndarray | None = None
    #: (S,) int code of the interviewer (phone, paper, kiosk), -1 = none (web).
    interviewer: np.ndarray | None = None
    submission_flags: Mapping[str, np.ndarray] = field(default_factory=_empty_flags)
    strata: Mapping[str, Stratum] = field(default_factory=dict)
    rating_flags: Mapping[str, np.ndarray] = field(default_factory=_empty_flags)
    margins: Sequence[Margin] = ()
    quotas: Sequence[QuotaTarget] = ()
    components: ComponentScores | None = None

    @property
    def n_submissions(self) -> int:
        return int(np.asarray(self.design_weight).shape[0])

    @property
    def n_ratings(self) -> int:
        return int(np.asarray(self.rating_unit).shape[0])

    @property
    def n_units(self) -> int:
        return len(self.unit_codes)

    def validate(self) -> list[tuple[str, str]]:
        """Return every ``(field, message)`` shape or range problem (empty when valid)."""
        errs: list[tuple[str, str]] = []
        s, r, u = self.n_submissions, self.n_ratings, self.n_units
        dw = np.asarray(self.design_weight, dtype=float)
        if dw.ndim != 1:
            errs.append(("design_weight", "must be a 1-d array of finite positive numbers"))
        elif (problem := design_weight_problem(dw)) is not None:
            errs.append(("design_weight", problem))
        for name in ("linkage", "channel", "duration", "source", "submitted_at", "interviewer"):
            arr = getattr(self, name)
            if arr is not None and np.asarray(arr).shape != (s,):
                errs.append((name, f"must have one value per submission ({s})"))
        for name, arr in self.submission_flags.items():
            if np.asarray(arr).shape != (s,):
                errs.append((f"submission_flags[{name}]", f"must have {s} values"))
        for name, st in self.strata.items():
            codes = np.asarray(st.codes)
            if codes.shape != (s,) or (codes >= len(st.categories)).any() or (codes < -1).any():
                errs.append((f"strata[{name}]", f"need {s} codes in -1..{len(st.categories) - 1}"))
        rs = np.asarray(self.rating_submission)
        ru = np.asarray(self.rating_unit)
        if rs.shape != (r,) or (r and (rs.min() < 0 or rs.max() >= s)):
            errs.append(("rating_submission", f"need {r} indexes in 0..{s - 1}"))
        if r and (ru.min() < 0 or ru.max() >= u):
            errs.append(("rating_unit", f"need indexes in 0..{u - 1}"))
        ans = np.asarray(self.answers)
        if ans.ndim != 2 or ans.shape != (r, len(self.items)):
            errs.append(("answers", f"expected shape ({r}, {len(self.items)}), got {ans.shape}"))
        elif not np.issubdtype(ans.dtype, np.integer):
            errs.append(("answers", f"option indexes must be integers, not {ans.dtype}"))
        for name, arr in self.rating_flags.items():
            if np.asarray(arr).shape != (r,):
                errs.append((f"rating_flags[{name}]", f"must have {r} values"))
        if not (len(self.unit_names) == len(self.peer_groups) == u):
            errs.append(("unit_names", "unit_codes, unit_names and peer_groups must have equal length"))
        for q in self.quotas:
            if not -1 <= q.unit < u:
                errs.append(("quotas", f"unit index {q.unit} out of range"))
        return errs
