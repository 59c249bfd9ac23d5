"""What citizens may read (公示): published runs only, by period and peer group, and each unit's
trend over the published periods.

Drafts never leave the office. A superseded run shows none of its numbers: only that it was
corrected, by which run, when and why. Rows are ranked within their peer group and cut into
*bands*: a new band starts where every unit above ranks ahead of every unit below with the
confidence of the rank sets (95%, simultaneous, DESIGN §7e); inside a band each unit's rank set
overlaps another's, so the survey cannot say in which order they stand.

Plain data out (dataclasses, :func:`as_json`); the web layer renders them and adds the links.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from survey.evaluation.charts import group_names, unit_names
from survey.evaluation.decisions import STATUS_WORDS
from survey.evaluation.public_disclosure import PublicDisclosure, public_disclosure
from survey.evaluation.report import flag_text, low_n_text
from survey.evaluation.tier_words import tier_name
from survey.i18n import _
from survey.models import EvaluationResult, EvaluationRun, PeerGroup, RunStatus, Unit

#: Kinds of run the public sees (rolling monthly analyses are never published).
PUBLIC_KINDS = ("quarter", "year")
#: Flags a citizen is told about, in words, beside a unit's row.
PUBLIC_FLAGS = ("WIDE_CI", "HIGH_DK")


@dataclass(frozen=True)
class PublishedPeriod:
    """One period with a published result."""

    period: str
    kind: str
    run_id: int
    published_at: datetime | None
    corrected: bool  #: this run replaced an earlier publication


@dataclass(frozen=True)
class PublicRow:
    """One unit's social evaluation in a published run, as the public page shows it."""

    unit_code: str
    unit_name: str
    n_valid: int
    si: float | None
    si_ci_low: float | None
    si_ci_high: float | None
    sat_rate_top2: float | None
    rank: int | None
    rankset_low: int | None
    rankset_high: int | None
    tier: str | None  #: as stored (优秀 / 良好 / 一般 / 较差)
    tier_status: str | None  #: final, indicative, confirmed, cleared
    tier_words: str
    status_words: str
    notes: tuple[str, ...]  #: low sample, wide interval, office decision … in words
    band: int | None  #: 1-based band of units the data cannot tell apart; None when unranked


@dataclass(frozen=True)
class PublicGroup:
    """A peer group's ranking."""

    code: str
    name: str
    rows: tuple[PublicRow, ...]  #: ranked first (by rank), then unranked units
    bands: tuple[tuple[str, ...], ...]  #: unit codes per band, in rank order

    @property
    def ranked(self) -> int:
        return sum(1 for r in self.rows if r.rank is not None)

    @property
    def shared_bands(self) -> int:
        """Bands of more than one unit (units the data cannot tell apart)."""
        return sum(1 for band in self.bands if len(band) > 1)


@dataclass(frozen=True)
class Correction:
    """A published run that replaced an earlier publication of its period."""

    corrects_run_id: int
    reason: str
    corrected_at: datetime | None


@dataclass(frozen=True)
class PeriodResults:
    period: str
    kind: str
    run_id: int
    published_at: datetime | None
    groups: tuple[PublicGroup, ...]
    correction: Correction | None
    disclosure: PublicDisclosure


@dataclass(frozen=True)
class TrendPoint:
    """A unit's result in one published period."""

    period: str
    run_id: int
    n_valid: int
    si: float | None
    si_ci_low: float | None
    si_ci_high: float | None
    rank: int | None
    rankset_low: int | None
    rankset_high: int | None
    group_size: int
    tier_words: str
    status_words: str


@dataclass(frozen=True)
class UnitResults:
    unit_code: str
    unit_name: str
    peer_group: str
    peer_group_name: str
    quarters: tuple[TrendPoint, ...]
    years: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class SupersededNotice:
    """What the page of a corrected run says instead of its numbers."""

    run_id: int
    period: str
    kind: str
    published_at: datetime | None
    corrected_by: int | None  #: the run that replaced it
    reason: str
    corrected_at: datetime | None


def as_json(value: Any) -> Any:
    """A public dataclass as JSON-ready data: datetimes in ISO 8601, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, PublicGroup):
            out["ranked"], out["shared_bands"] = value.ranked, value.shared_bands
        return out
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def published_periods(session: Session) -> list[PublishedPeriod]:
    """Every period with a published run: quarters first, newest first, then years."""
    runs = session.scalars(select(EvaluationRun).where(
        EvaluationRun.status == RunStatus.PUBLISHED, EvaluationRun.kind.in_(PUBLIC_KINDS))).all()
    newest_first = sorted(runs, key=lambda r: r.period, reverse=True)
    ordered = sorted(newest_first, key=lambda r: PUBLIC_KINDS.index(r.kind))  # stable
    return [PublishedPeriod(r.period, r.kind, r.id, r.published_at, r.supersedes_id is not None)
            for r in ordered]


def publication_key(session: Session) -> str:
    """A fingerprint of everything the public pages show: the published and superseded runs
    (published runs are frozen, so their ids and times stand for their rows) and the names in
    the unit register. It changes with every publication or correction and every renaming."""
    digest = hashlib.sha256()
    for row in session.execute(
            select(EvaluationRun.id, EvaluationRun.status, EvaluationRun.published_at)
            .where(EvaluationRun.status.in_((RunStatus.PUBLISHED, RunStatus.SUPERSEDED)))
            .order_by(EvaluationRun.id)):
        digest.update(repr(tuple(row)).encode())
    for unit_row in session.execute(select(Unit.id, Unit.code, Unit.name, Unit.name_en).order_by(Unit.id)):
        digest.update(repr(tuple(unit_row)).encode())
    for group_row in session.execute(select(PeerGroup.code, PeerGroup.name, PeerGroup.name_en)
                                     .order_by(PeerGroup.id)):
        digest.update(repr(tuple(group_row)).encode())
    return digest.hexdigest()[:32]


def rank_bands(ranked: Sequence[tuple[int | None, int | None]]) -> list[int]:
    """Band number (1-based) of each unit, given its rank set ``(low, high)`` in rank order.

    A band ends where every unit so far has a rank set wholly above every later unit's.

    Examples
    --------
    >>> rank_bands([(1, 1), (2, 4), (2, 4), (3, 4), (5, 5)])
    [1, 2, 2, 2, 3]
    """
    n = len(ranked)
    lows = [low if low is not None else 1 for low, _high in ranked]
    highs = [high if high is not None else n for _low, high in ranked]
    # min over the units from position k on, so each cut is one comparison
    suffix_min = [0] * (n + 1)
    suffix_min[n] = n + 1
    for k in range(n - 1, -1, -1):
        suffix_min[k] = min(lows[k], suffix_min[k + 1])
    bands, band, top = [], 1, 0
    for k in range(n):
        if k > 0 and top < suffix_min[k]:
            band += 1
        bands.append(band)
        top = max(top, highs[k])
    return bands


def _rankset(row: EvaluationResult) -> tuple[int | None, int | None]:
    """The simultaneous rank set, else the simulated rank interval (older runs)."""
    if row.social_rankset_low is not None and row.social_rankset_high is not None:
        return row.social_rankset_low, row.social_rankset_high
    return row.social_rank_low, row.social_rank_high


def _status_words(status: str | None) -> str:
    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else ""


def _notes(row: EvaluationResult) -> tuple[str, ...]:
    flags = set((row.flags or "").split(";"))
    notes = [text for text in (low_n_text(row),) if text]
    notes += [flag_text(f) for f in PUBLIC_FLAGS if f in flags]
    decision = (row.decisions or {}).get("social")
    if decision and decision.get("reason"):
        notes.append(_("Office decision: %(reason)s", reason=decision["reason"]))
    return tuple(notes)


def _public_row(row: EvaluationResult, name: str, band: int | None) -> PublicRow:
    low, high = _rankset(row) if row.social_rank is not None else (None, None)
    return PublicRow(
        unit_code=row.unit_code, unit_name=name, n_valid=row.n_valid, si=row.si,
        si_ci_low=row.si_ci_low, si_ci_high=row.si_ci_high, sat_rate_top2=row.sat_rate_top2,
        rank=row.social_rank, rankset_low=low, rankset_high=high, tier=row.social_tier,
        tier_status=row.social_tier_status, tier_words=tier_name(row.social_tier),
        status_words=_status_words(row.social_tier_status), notes=_notes(row), band=band)


def public_groups(session: Session, run: EvaluationRun, lang: str) -> tuple[PublicGroup, ...]:
    """The run's peer groups, each ranked and cut into bands."""
    names = unit_names(session, run.results, lang)
    codes = sorted({r.peer_group for r in run.results})
    shown = group_names(session, codes, lang)
    groups = []
    for code in codes:
        members = [r for r in run.results if r.peer_group == code]
        ranked = sorted((r for r in members if r.social_rank is not None),
                        key=lambda r: (r.social_rank, r.unit_code))
        unranked = sorted((r for r in members if r.social_rank is None), key=lambda r: r.unit_code)
        bands = rank_bands([_rankset(r) for r in ranked])
        rows = [_public_row(r, names[r.unit_code], b) for r, b in zip(ranked, bands, strict=True)]
        rows += [_public_row(r, names[r.unit_code], None) for r in unranked]
        band_codes = tuple(tuple(r.unit_code for r, b in zip(ranked, bands, strict=True) if b == k)
                           for k in sorted(set(bands)))
        groups.append(PublicGroup(code, shown[code], tuple(rows), band_codes))
    return tuple(groups)


def published_run(session: Session, period: str) -> EvaluationRun | None:
    """The published run of ``period`` (a quarter such as 2026-Q4 or a year such as 2026)."""
    return session.scalar(
        select(EvaluationRun).options(selectinload(EvaluationRun.results))
        .where(EvaluationRun.period == period, EvaluationRun.status == RunStatus.PUBLISHED,
               EvaluationRun.kind.in_(PUBLIC_KINDS)))


def period_results(session: Session, period: str, lang: str, sponsor: str) -> PeriodResults | None:
    """The published results of ``period`` (None when nothing is published for it)."""
    run = published_run(session, period)
    if run is None:
        return None
    correction = None
    if run.supersedes_id is not None:
        correction = Correction(run.supersedes_id, run.reason or "", run.published_at)
    return PeriodResults(period=run.period, kind=run.kind, run_id=run.id, published_at=run.published_at,
                         groups=public_groups(session, run, lang), correction=correction,
                         disclosure=public_disclosure(session, run, sponsor, lang))


def superseded_notice(session: Session, run_id: int) -> SupersededNotice | None:
    """The notice shown at a corrected run's address; None unless ``run_id`` was superseded."""
    run = session.get(EvaluationRun, run_id)
    if run is None or run.status != RunStatus.SUPERSEDED:
        return None
    successor = session.scalar(select(EvaluationRun).where(EvaluationRun.supersedes_id == run.id))
    return SupersededNotice(
        run_id=run.id, period=run.period, kind=run.kind, published_at=run.published_at,
        corrected_by=successor.id if successor else None,
        reason=(successor.reason or "") if successor else "",
        corrected_at=successor.published_at if successor else None)


def public_run_period(session: Session, run_id: int) -> str | None:
    """The period of a run that is published now (for addresses by run id), else None."""
    run = session.get(EvaluationRun, run_id)
    if run is None or run.status != RunStatus.PUBLISHED or run.kind not in PUBLIC_KINDS:
        return None
    return run.period


def unit_results(session: Session, code: str, lang: str) -> UnitResults | None:
    """``code``'s result in every published period (None when it has none)."""
    rows = session.scalars(
        select(EvaluationResult).join(EvaluationRun, EvaluationRun.id == EvaluationResult.run_id)
        .where(EvaluationResult.unit_code == code, EvaluationRun.status == RunStatus.PUBLISHED,
               EvaluationRun.kind.in_(PUBLIC_KINDS))
        .options(selectinload(EvaluationResult.run))).all()
    if not rows:
        return None
    latest = max(rows, key=lambda r: (r.run.kind == "quarter", r.run.period))
    sizes = _group_sizes(session, [(r.run_id, r.peer_group) for r in rows])
    points: dict[str, list[TrendPoint]] = {"quarter": [], "year": []}
    for row in sorted(rows, key=lambda r: r.run.period):
        low, high = _rankset(row) if row.social_rank is not None else (None, None)
        points[row.run.kind].append(TrendPoint(
            period=row.run.period, run_id=row.run_id, n_valid=row.n_valid, si=row.si,
            si_ci_low=row.si_ci_low, si_ci_high=row.si_ci_high, rank=row.social_rank,
            rankset_low=low, rankset_high=high, group_size=sizes.get((row.run_id, row.peer_group), 0),
            tier_words=tier_name(row.social_tier), status_words=_status_words(row.social_tier_status)))
    name = unit_names(session, [latest], lang)[code]
    return UnitResults(unit_code=code, unit_name=name, peer_group=latest.peer_group,
                       peer_group_name=group_names(session, [latest.peer_group], lang)[latest.peer_group],
                       quarters=tuple(points["quarter"]), years=tuple(points["year"]))


def _group_sizes(session: Session, keys: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """Ranked units per (run, peer group), in one aggregate query."""
    run_ids = {run_id for run_id, _group in keys}
    stmt = (select(EvaluationResult.run_id, EvaluationResult.peer_group, func.count())
            .where(EvaluationResult.run_id.in_(run_ids), EvaluationResult.social_rank.is_not(None))
            .group_by(EvaluationResult.run_id, EvaluationResult.peer_group))
    return {(run_id, group): int(n) for run_id, group, n in session.execute(stmt)}
