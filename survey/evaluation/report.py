"""What the results page and the quarterly report (按季通报) show: grouped rows, sensitivity,
flag explanations and an AAPOR-style disclosure. Presentation data only; no score arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
    "BOTTOM_NOT_SIG": N_("Placed last but not significantly below the next unit: to be reviewed."),
    "RANK_UNSTABLE": N_("The total rank moves by 2 or more places between methods M1–M4."),
    "BONUS_CAPPED": N_("The bonus was above its cap and was capped in the total."),
    "CONSEC_BOTTOM": N_("Total tier 较差 two years in a row."),
    "CELL_COLLAPSED": N_("An empty weighting cell was merged with its neighbour."),
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


def disclosure(session: Session, run: EvaluationRun, sponsor: str) -> Disclosure:
    wave = session.get(Wave, run.wave_id) if run.wave_id else None
    channels: dict[str, int] = {}
    response_rate = None
    margins: list[tuple[str, str, float | None]] = []
    if wave is not None:
        for channel, count in session.execute(
                select(Submission.channel, func.count()).where(
                    Submission.wave_id == wave.id, Submission.status == "accepted")
                .group_by(Submission.channel).order_by(Submission.channel)):
            channels[getattr(channel, "value", str(channel))] = int(count)
        issued = session.scalar(select(func.count(Invitation.id)).where(Invitation.wave_id == wave.id))
        if issued:
            used = session.scalar(select(func.count(Invitation.id)).where(
                Invitation.wave_id == wave.id, Invitation.used_at.is_not(None)))
            response_rate = (int(used or 0), int(issued))
        margins = [(v, c, s if s is not None else n) for v, c, s, n, _d in session.execute(
            select(PopulationMargin.variable, PopulationMargin.category, PopulationMargin.share,
                   PopulationMargin.count, Unit.code)
            .outerjoin(Unit, Unit.id == PopulationMargin.district_unit_id)
            .where(PopulationMargin.wave_id == wave.id)
            .order_by(PopulationMargin.variable, PopulationMargin.id))]
    scoring = (run.config or {}).get("scoring", {})
    return Disclosure(
        sponsor=sponsor, period=run.period,
        fieldwork=(_local_day(wave.opens_at), _local_day(wave.closes_at - timedelta(seconds=1)))
        if wave else None,
        population=_("Residents aged 18 and over of the city who dealt with the evaluated units; "
                     "districts are rated by their residents, departments by the residents who "
                     "dealt with them in the last 12 months."),
        access=wave.access.value if wave else None,
        submissions=dict((run.summary or {}).get("submissions", {})), channels=channels,
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
