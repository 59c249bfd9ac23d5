"""What the results page and the quarterly report (按季通报) show: grouped rows, sensitivity,
flag explanations and an AAPOR-style disclosure. Presentation data only; no score arithmetic.

The report says how sure each verdict is: a rank with its 95% confidence set ("3（2–7）"), each
tier with its status in words (final, provisional, indicative, confirmed or cleared by the office:
``survey.evaluation.decisions.STATUS_WORDS``, translated on use), 样本不足 with the valid ratings
needed, the office's decisions with their reasons, and, in annual runs, each year's evidence of
a unit placed 较差 two years in a row (CONSEC_BOTTOM).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.placement import REVIEW_SUFFIX
from survey.evaluation.decisions import SCOPE_WORDS, SCOPES, STATUS_WORDS, pending_placements
from survey.i18n import N_, _
from survey.models import (
    EvaluationResult,
    EvaluationRun,
    Invitation,
    PopulationMargin,
    RunStatus,
    Submission,
    Unit,
    Wave,
)
from survey.models.waves import WAVE_TIMEZONE

#: What each flag means, for a legend and for ``<abbr title>`` (msgids, translated on use).
FLAG_TEXT: dict[str, str] = {
    "LOW_N": N_("Fewer valid ratings than the minimum (n_min): the estimate is imprecise."),
    "WIDE_CI": N_("The confidence interval (95%) is wide: its half-width is above the limit."),
    "LOW_NEFF": N_("Unequal weights: the effective sample is less than half the ratings."),
    "HIGH_DK": N_("Over 30% were 'don't know' answers."),
    "QUOTA_SHORTFALL": N_("A quota cell reached less than 80 per cent of its target."),
    "TOPBOX_ANOMALY": N_("Unusually many 'very satisfied' answers compared with the peer group."),
    "ADJ_NOT_SIG": N_("Not significantly different from an adjacent unit in the ranking."),
    "BOTTOM_NOT_SIG": N_("Placed 较差 but not shown to be significantly below every unit outside "
                         "the 较差 tier: not final, to be reviewed by the office."),
    "TOP_NOT_SIG": N_("Placed 优秀 but not shown to be significantly above every unit outside "
                      "the 优秀 tier: not final, to be reviewed by the office."),
    "VETO": N_("A veto item applies: the total tier is 较差."),
    "RANK_UNSTABLE": N_("The total rank moves by 2 or more places between methods M1–M4."),
    "BONUS_CAPPED": N_("The bonus was above its cap and was capped in the total."),
    "CONSEC_BOTTOM": N_("Total tier 较差 two years in a row."),
    "CELL_COLLAPSED": N_("An empty weighting cell was merged with its neighbour or dropped; some of "
                         "this unit's respondents carry the weight it moved."),
    "MARGINS_NORMALISED": N_("Population margins that did not add up were rescaled before weighting."),
    "PARTIAL_YEAR": N_("The annual result rests on fewer than four quarters."),
}
SORTABLE = ("unit_code", "unit_name", "n_valid", "n_eff", "si", "si_shrunk", "social_points",
            "social_rank", "total", "total_rank", "dk_rate", "sat_rate_top2")
METHODS = ("M1", "M2", "M3", "M4")


def flag_text(flag: str) -> str:
    return _(FLAG_TEXT[flag]) if flag in FLAG_TEXT else flag


@dataclass
class Group:
    code: str
    rows: list[EvaluationResult] = field(default_factory=list)


def visible_rows(run: EvaluationRun, unit_code: str | None = None) -> list[EvaluationResult]:
    """The run's rows, or only ``unit_code``'s for a viewer bound to that unit."""
    return [r for r in run.results if unit_code is None or r.unit_code == unit_code]


def grouped_rows(run: EvaluationRun, unit_code: str | None = None, sort: str = "social_rank",
                 descending: bool = False) -> list[Group]:
    """Rows per peer group, sorted by ``sort`` (empty values last)."""
    sort = sort if sort in SORTABLE else "social_rank"
    groups: dict[str, Group] = {}
    for row in visible_rows(run, unit_code):
        groups.setdefault(row.peer_group, Group(row.peer_group)).rows.append(row)
    for group in groups.values():
        present = [r for r in group.rows if getattr(r, sort) is not None]
        missing = [r for r in group.rows if getattr(r, sort) is None]
        present.sort(key=lambda r: (getattr(r, sort), r.unit_code), reverse=descending)
        group.rows = present + sorted(missing, key=lambda r: r.unit_code)
    return [groups[k] for k in sorted(groups)]


def sensitivity(run: EvaluationRun, unit_code: str | None = None) -> list[dict[str, Any]]:
    """Per unit: social rank under M1–M4 (and total rank under M1–M4 when totals exist)."""
    out = []
    for row in sorted(visible_rows(run, unit_code), key=lambda r: (r.peer_group, r.social_rank or 10**6)):
        extra = row.extra or {}
        ranks = extra.get("ranks_by_method", {})
        totals = extra.get("total_ranks_by_method", {})
        points = extra.get("points_by_method", {})
        out.append({"row": row, "ranks": [ranks.get(m) for m in METHODS],
                    "points": [points.get(m) for m in METHODS],
                    "total_ranks": [totals.get(m) for m in METHODS] if totals else []})
    return out


def flags_used(rows: list[EvaluationResult]) -> list[tuple[str, str]]:
    names = sorted({f for r in rows for f in (r.flags or "").split(";") if f})
    return [(name, flag_text(name)) for name in names]


#: The note under a results table: what the brackets after a rank are.
RANKSET_NOTE = N_("The brackets after a rank are its confidence set (95%): the ranks the unit may "
                  "hold once sampling error is taken into account.")


def status_words(status: str | None) -> str:
    """A tier status in words (final, provisional, ...), translated; empty when there is none."""
    if not status:
        return ""
    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def rank_text(rank: int | None, low: int | None, high: int | None) -> str:
    """A rank with its confidence set, e.g. ``3（2–7）``; ``—`` without a rank."""
    if rank is None:
        return "—"
    if low is None or high is None:
        return str(rank)
    return f"{rank}（{low}–{high}）"


def tier_text(tier: str | None, status: str | None) -> str:
    """A tier with its status in words, e.g. ``良好（确定）``; ``—`` without a tier."""
    if not tier:
        return "—"
    words = status_words(status)
    if status == "provisional":  # 优秀(待复核): the status says it already
        tier = tier.removesuffix(REVIEW_SUFFIX)
    return f"{tier}（{words}）" if words else tier


def low_n_text(row: EvaluationResult) -> str | None:
    """样本不足 with the valid ratings needed, for a unit flagged LOW_N (else None)."""
    if "LOW_N" not in (row.flags or "").split(";"):
        return None
    if row.n_needed is None:
        return _("Insufficient sample: %(n)s valid ratings", n=row.n_valid)
    return _("Insufficient sample: %(n)s valid ratings, %(needed)s needed", n=row.n_valid,
             needed=row.n_needed)


def row_cells(row: EvaluationResult) -> dict[str, Any]:
    """The verdict cells of one row as the report shows them."""
    return {
        "rank": rank_text(row.social_rank, row.social_rankset_low, row.social_rankset_high),
        "total_rank": rank_text(row.total_rank, row.total_rankset_low, row.total_rankset_high),
        "social_tier": tier_text(row.social_tier, row.social_tier_status),
        "total_tier": tier_text(row.total_tier, row.total_tier_status),
        "low_n": low_n_text(row),
    }


@dataclass(frozen=True)
class DecisionLine:
    """One decision of the office on a provisional placement, as the report lists it."""

    unit_code: str
    unit_name: str
    scope: str  #: the placement, in words (social evaluation / comprehensive score)
    from_tier: str
    to_tier: str
    decision: str  #: confirmed / cleared by the office, in words
    reason: str
    by: str
    at: str  #: ``YYYY-MM-DD HH:MM`` (UTC)


def decision_lines(run: EvaluationRun, unit_code: str | None = None) -> list[DecisionLine]:
    """The office's decisions on the run's provisional placements, per unit and scope."""
    out = []
    for row in sorted(visible_rows(run, unit_code), key=lambda r: (r.peer_group, r.unit_code)):
        for scope in SCOPES:
            record = (row.decisions or {}).get(scope)
            if not record:
                continue
            decided = "confirmed" if record.get("decision") == "confirm" else "cleared"
            out.append(DecisionLine(
                unit_code=row.unit_code, unit_name=row.unit_name, scope=_(SCOPE_WORDS[scope]),
                from_tier=str(record.get("from") or ""), to_tier=str(record.get("to") or ""),
                decision=status_words(decided), reason=str(record.get("reason") or ""),
                by=str(record.get("by") or ""), at=str(record.get("at") or "")[:16].replace("T", " ")))
    return out


def pending_lines(run: EvaluationRun, unit_code: str | None = None) -> list[tuple[str, str, str]]:
    """Provisional placements still waiting for the office: (unit name, placement, tier)."""
    return [(p.unit_name, _(SCOPE_WORDS[p.scope]), p.tier) for p in pending_placements(run)
            if unit_code is None or p.unit_code == unit_code]


@dataclass(frozen=True)
class EvidenceYear:
    """One year of a CONSEC_BOTTOM unit's evidence."""

    period: str
    tier: str
    status: str  #: in words
    rank: str  #: the total rank with its confidence set
    office_reason: str


def consec_bottom_evidence(run: EvaluationRun, unit_code: str | None = None
                           ) -> list[tuple[EvaluationResult, list[EvidenceYear]]]:
    """Annual runs: the units placed 较差 two years in a row, with each year's evidence."""
    if run.kind != "year":
        return []
    out = []
    for row in sorted(visible_rows(run, unit_code), key=lambda r: (r.peer_group, r.unit_code)):
        evidence = (row.extra or {}).get("consec_bottom")
        if not evidence:
            continue
        years = []
        for year in evidence.get("years", []):
            low, high = (list(year.get("rankset") or []) + [None, None])[:2]
            years.append(EvidenceYear(
                period=str(year.get("period") or ""), tier=year.get("total_tier") or "—",
                status=status_words(year.get("status")),
                rank=rank_text(year.get("total_rank"), low, high),
                office_reason=year.get("office_reason") or ""))
        out.append((row, years))
    return out


@dataclass
class Disclosure:
    """AAPOR-style disclosure of a run (what a reader needs to judge the numbers)."""

    sponsor: str
    period: str
    fieldwork: tuple[str, str] | None
    population: str
    access: str | None
    submissions: dict[str, int]
    channels: dict[str, int]
    response_rate: tuple[int, int] | None  #: (used, issued) invitations when known
    weighting: dict[str, Any]
    margins: list[tuple[str, str, float | None]]
    method: dict[str, Any]
    code_version: str
    input_sha256: str
    status: str


def _local_day(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(WAVE_TIMEZONE)).date().isoformat()


def run_waves(session: Session, run: EvaluationRun) -> list[Wave]:
    """The waves a run rests on: its own; a rolling run's; an annual run's quarters' waves."""
    summary = run.summary or {}
    if run.wave_id:
        ids = [run.wave_id]
    elif run.kind == "year":
        quarter_ids = [q.get("run") for q in summary.get("quarters", []) if q.get("run")]
        ids = list(session.scalars(select(EvaluationRun.wave_id).where(
            EvaluationRun.id.in_(quarter_ids), EvaluationRun.wave_id.is_not(None)))) if quarter_ids else []
    else:
        ids = [int(w) for w in summary.get("waves", [])]
    if not ids:
        return []
    return list(session.scalars(select(Wave).where(Wave.id.in_(ids)).order_by(Wave.opens_at, Wave.id)))


def _submission_counts(session: Session, run: EvaluationRun) -> dict[str, int]:
    """Submissions by status: the run's own, or its quarters' added up (annual runs)."""
    summary = run.summary or {}
    if summary.get("submissions") or run.kind != "year":
        return {k: int(v) for k, v in (summary.get("submissions") or {}).items()}
    total: dict[str, int] = {}
    quarter_ids = [q.get("run") for q in summary.get("quarters", []) if q.get("run")]
    for quarter in session.scalars(select(EvaluationRun).where(EvaluationRun.id.in_(quarter_ids))):
        for status, count in ((quarter.summary or {}).get("submissions") or {}).items():
            total[status] = total.get(status, 0) + int(count)
    return total


def disclosure(session: Session, run: EvaluationRun, sponsor: str) -> Disclosure:
    """What a reader needs to judge the run's numbers, over every wave it rests on."""
    waves = run_waves(session, run)
    ids = [w.id for w in waves]
    channels: dict[str, int] = {}
    response_rate = None
    margins: list[tuple[str, str, float | None]] = []
    if waves:
        for channel, count in session.execute(
                select(Submission.channel, func.count()).where(
                    Submission.wave_id.in_(ids), Submission.status == "accepted")
                .group_by(Submission.channel).order_by(Submission.channel)):
            channels[getattr(channel, "value", str(channel))] = int(count)
        issued = session.scalar(select(func.count(Invitation.id)).where(Invitation.wave_id.in_(ids)))
        if issued:
            used = session.scalar(select(func.count(Invitation.id)).where(
                Invitation.wave_id.in_(ids), Invitation.used_at.is_not(None)))
            response_rate = (int(used or 0), int(issued))
        margins = [(v, c, s if s is not None else n) for v, c, s, n, _d in session.execute(
            select(PopulationMargin.variable, PopulationMargin.category, PopulationMargin.share,
                   PopulationMargin.count, Unit.code)
            .outerjoin(Unit, Unit.id == PopulationMargin.district_unit_id)
            .where(PopulationMargin.wave_id == waves[-1].id)
            .order_by(PopulationMargin.variable, PopulationMargin.id))]
    scoring = (run.config or {}).get("scoring", {})
    accesses = sorted({w.access.value for w in waves})
    return Disclosure(
        sponsor=sponsor, period=run.period,
        fieldwork=(_local_day(min(w.opens_at for w in waves)),
                   _local_day(max(w.closes_at for w in waves) - timedelta(seconds=1))) if waves else None,
        population=_("Residents aged 18 and over of the city who dealt with the evaluated units; "
                     "districts are rated by their residents, departments by the residents who "
                     "dealt with them in the last 12 months."),
        access=accesses[0] if len(accesses) == 1 else None,
        submissions=_submission_counts(session, run), channels=channels,
        response_rate=response_rate, weighting=(run.summary or {}).get("weighting", {}),
        margins=margins,
        method={k: scoring.get(k) for k in ("raking", "raking_scope", "trim_low", "trim_high", "method",
                                            "band_low", "band_high", "social_max", "n_min",
                                            "excluding_flags", "z_crit")},
        code_version=run.code_version, input_sha256=run.input_sha256, status=run.status.value,
    )


def published_history(session: Session, run: EvaluationRun, limit: int = 8) -> list[EvaluationRun]:
    """Published runs of the same kind up to this run's period, oldest first (for trends)."""
    runs = list(session.scalars(select(EvaluationRun).where(
        EvaluationRun.kind == run.kind, EvaluationRun.period <= run.period,
        EvaluationRun.status == RunStatus.PUBLISHED).order_by(EvaluationRun.period.desc()).limit(limit)))
    if run.status != RunStatus.PUBLISHED and all(r.period != run.period for r in runs):
        runs.insert(0, run)
    elif run.status != RunStatus.PUBLISHED:
        runs = [run if r.period == run.period else r for r in runs]
    return sorted(runs, key=lambda r: r.period)
