"""Field-work monitoring of a wave, aggregated in SQL: counts per unit, quota cell, day and
channel, flag counts, and the quarantine list (DESIGN §3, issue 5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from survey.errors import NotFound
from survey.i18n import _
from survey.models import Rating, Submission, SubmissionStatus, Unit, Wave
from survey.quality import SUBMISSION_FLAGS

ACCEPTED = SubmissionStatus.ACCEPTED


@dataclass
class UnitCount:
    code: str
    name: str
    accepted: int
    set_aside: int


@dataclass
class QuotaCell:
    cell: str
    target: int
    accepted: int

    @property
    def fill_pct(self) -> float:
        return 100.0 * self.accepted / self.target if self.target else 0.0


@dataclass
class Monitoring:
    wave: Wave
    by_status: dict[str, int]
    units: list[UnitCount]
    quotas: list[QuotaCell]
    by_day: list[tuple[date, int]]
    by_channel: list[tuple[str, int]]
    flags: dict[str, int]
    quarantine: list[Submission] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def cell_condition(cell: str) -> ColumnElement[bool]:
    """SQL test that a submission's ``strata`` lies in a quota cell (``a=x*b=y``)."""
    wrapped = literal(";") + Submission.strata + literal(";")
    parts = [p.strip() for p in cell.split("*") if p.strip()]
    return and_(*[wrapped.like(f"%;{_like_escape(p)};%", escape="\\") for p in parts])


def _local_day(session: Session) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Shanghai", Submission.submitted_at))
    return func.date(Submission.submitted_at, "+8 hours")


def wave_monitoring(session: Session, wave_id: int, quarantine_limit: int = 200) -> Monitoring:
    """Every monitoring figure of a wave (a handful of aggregate queries)."""
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise NotFound(_("Wave %(id)s does not exist.", id=wave_id))
    in_wave = Submission.wave_id == wave.id
    by_status = {s.value: 0 for s in SubmissionStatus}
    for status, n in session.execute(select(Submission.status, func.count()).where(in_wave)
                                     .group_by(Submission.status)):
        by_status[status.value] = n
    accepted_n = func.count(func.distinct(case((Submission.status == ACCEPTED, Rating.submission_id))))
    all_n = func.count(func.distinct(Rating.submission_id))
    counted = dict(
        (unit_id, (a, t)) for unit_id, a, t in session.execute(
            select(Rating.unit_id, accepted_n, all_n)
            .join(Submission, Submission.id == Rating.submission_id)
            .where(Rating.wave_id == wave.id).group_by(Rating.unit_id)))
    units = [UnitCount(u.code, u.name, counted.get(u.id, (0, 0))[0],
                       counted.get(u.id, (0, 0))[1] - counted.get(u.id, (0, 0))[0])
             for u in wave.units]
    extra = set(counted) - {u.id for u in wave.units}
    if extra:
        for u in session.scalars(select(Unit).where(Unit.id.in_(extra)).order_by(Unit.code)):
            units.append(UnitCount(u.code, u.name, counted[u.id][0], counted[u.id][1] - counted[u.id][0]))
    quotas = []
    if wave.quotas:
        columns = [func.coalesce(func.sum(case((cell_condition(q.cell), 1), else_=0)), 0)
                   for q in wave.quotas]
        filled = session.execute(select(*columns).where(in_wave, Submission.status == ACCEPTED)).one()
        quotas = [QuotaCell(q.cell, q.target, int(n)) for q, n in zip(wave.quotas, filled, strict=True)]
    day = _local_day(session)
    by_day = [(d if isinstance(d, date) else date.fromisoformat(str(d)), n) for d, n in session.execute(
        select(day, func.count()).where(in_wave).group_by(day).order_by(day))]
    by_channel = [(c.value, n) for c, n in session.execute(
        select(Submission.channel, func.count()).where(in_wave)
        .group_by(Submission.channel).order_by(Submission.channel))]
    flag_text = cast(Submission.flags, String)
    flag_columns = [func.coalesce(func.sum(case((flag_text.like(f'%"{f}"%'), 1), else_=0)), 0)
                    for f in SUBMISSION_FLAGS]
    flags = dict(zip(SUBMISSION_FLAGS, (int(n) for n in session.execute(
        select(*flag_columns).where(in_wave)).one()), strict=True))
    quarantine = list(session.scalars(
        select(Submission).where(in_wave, Submission.status != ACCEPTED)
        .order_by(Submission.status, Submission.id).limit(quarantine_limit)))
    return Monitoring(wave, by_status, units, quotas, by_day, by_channel, flags, quarantine)
