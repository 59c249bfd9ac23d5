"""Field-work monitoring of a wave, aggregated in SQL: counts per unit, quota cell, day,
channel and interviewer, flag counts, and the review list of every flagged or set-aside response
with its flags and answers in words (DESIGN §3, issues 5 and 13)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from survey.errors import NotFound
from survey.i18n import N_, _
from survey.models import Rating, Submission, SubmissionStatus, Unit, Wave
from survey.quality import SUBMISSION_FLAGS
from survey.questionnaire import Definition
from survey.submission_store import definition_of, units_of

ACCEPTED = SubmissionStatus.ACCEPTED
#: Responses per page of the review list.
REVIEW_LIMIT = 200
#: The review list's filter for "flagged responses only" (any flag; not those only set aside).
ANY_FLAG = "any"
#: What each quality flag means, in words (msgids, translated by :func:`flag_text`).
FLAG_WORDS: dict[str, str] = {
    "SPEEDING": N_("Answered in under a third of the channel's median time"),
    "STRAIGHTLINE": N_("The same answer to every rated question of a unit"),
    "BURST": N_("One of many responses from one network address within minutes (a shared "
                "address alone is no evidence)"),
    "DUPLICATE": N_("The same respondent (the same linkage key) answered more than once"),
    "HONEYPOT": N_("A field hidden from people was filled in: an automated submission"),
    "STAFF_OF_UNIT": N_("The respondent works for the rated unit"),
    "PADDING_SUSPECT": N_("Among the interviews of an interviewer (or a source) whose answer "
                          "pattern differs significantly from the other interviewers of the same "
                          "unit"),
    "INTERVIEWER": N_("The interviewer's interviews were set aside together"),
}


def flag_text(flag: str) -> str:
    """A flag in words in the current language; ``NAME:detail`` keeps its detail (a unit code)."""
    name, _sep, detail = flag.partition(":")
    if name not in FLAG_WORDS:
        return flag
    words = _(FLAG_WORDS[name])
    return f"{words} ({detail})" if detail else words


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
class InterviewerUnit:
    """One interviewer's interviews rating one unit (``code`` None: interviews rating none)."""

    code: str | None
    name: str
    accepted: int
    set_aside: int
    median_duration_s: float | None


@dataclass
class Interviewer:
    interviewer: str
    units: list[InterviewerUnit]

    @property
    def accepted(self) -> int:
        return sum(u.accepted for u in self.units)

    @property
    def set_aside(self) -> int:
        return sum(u.set_aside for u in self.units)


@dataclass
class AnswerLine:
    """One answer in words: the question's label and the option's label (or the value)."""

    question: str
    value: str
    unit: str = ""  # the rated unit's name, for a unit question


@dataclass
class ReviewItem:
    submission: Submission
    flags: list[str]  # in words
    answers: list[AnswerLine]


@dataclass
class Monitoring:
    wave: Wave
    by_status: dict[str, int]
    units: list[UnitCount]
    quotas: list[QuotaCell]
    by_day: list[tuple[date, int]]
    by_channel: list[tuple[str, int]]
    flags: dict[str, int]
    interviewers: list[Interviewer] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)
    review_total: int = 0
    review_page: int = 1
    review_limit: int = REVIEW_LIMIT
    flag: str | None = None  # the review list's filter: a flag, ANY_FLAG or None (all)

    @property
    def review_pages(self) -> int:
        return max(1, -(-self.review_total // self.review_limit))

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


def wave_monitoring(session: Session, wave_id: int, *, flag: str | None = None, page: int = 1,
                    lang: str | None = None, limit: int = REVIEW_LIMIT) -> Monitoring:
    """Every monitoring figure of a wave (a handful of aggregate queries), and page ``page`` of
    the review list (only the responses flagged ``flag`` when it is a known flag, the flagged
    ones when it is :data:`ANY_FLAG`), with unit
    names, answers and flags in ``lang`` (``zh`` / ``en``; flags in the request's language)."""
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
    flag = flag if flag in FLAG_WORDS or flag == ANY_FLAG else None
    page = max(1, page)
    total, review = review_list(session, wave, flag=flag, offset=(page - 1) * limit, limit=limit,
                                lang=lang)
    return Monitoring(wave, by_status, units, quotas, by_day, by_channel, flags,
                      interviewers=interviewers(session, wave.id, lang), review=review,
                      review_total=total, review_page=page, review_limit=limit, flag=flag)


def _unit_names(session: Session, unit_ids: set[int], lang: str | None) -> dict[int, tuple[str, str]]:
    """unit id → (code, name in ``lang``)."""
    if not unit_ids:
        return {}
    return {u.id: (u.code, (u.name_en or u.name) if lang == "en" else u.name)
            for u in session.execute(select(Unit.id, Unit.code, Unit.name, Unit.name_en)
                                     .where(Unit.id.in_(unit_ids)))}


def interviewers(session: Session, wave_id: int, lang: str | None = None) -> list[Interviewer]:
    """Each interviewer's interviews per rated unit: accepted, set aside and the median duration,
    in two aggregate queries (an interview counts once for each unit it rates; one that rates no
    unit counts under no unit)."""
    pairs = (select(Rating.submission_id, Rating.unit_id).where(Rating.wave_id == wave_id)
             .distinct().subquery())
    joined = Submission.__table__.outerjoin(pairs, pairs.c.submission_id == Submission.id)
    mine = (Submission.wave_id == wave_id, Submission.interviewer_id.is_not(None))
    counts = session.execute(
        select(Submission.interviewer_id, pairs.c.unit_id,
               func.sum(case((Submission.status == ACCEPTED, 1), else_=0)), func.count())
        .select_from(joined).where(*mine)
        .group_by(Submission.interviewer_id, pairs.c.unit_id)).all()
    # the median as the mean of the middle one or two durations (SQLite has no percentile)
    part = (Submission.interviewer_id, pairs.c.unit_id)
    ranked = (select(Submission.interviewer_id.label("who"), pairs.c.unit_id.label("unit"),
                     Submission.duration_s.label("d"),
                     func.row_number().over(partition_by=part, order_by=Submission.duration_s)
                     .label("rn"), func.count().over(partition_by=part).label("n"))
              .select_from(joined).where(*mine, Submission.duration_s.is_not(None)).subquery())
    medians = {(who, unit): float(d) for who, unit, d in session.execute(
        select(ranked.c.who, ranked.c.unit, func.avg(ranked.c.d))
        .where(ranked.c.rn * 2 >= ranked.c.n, ranked.c.rn * 2 <= ranked.c.n + 2)
        .group_by(ranked.c.who, ranked.c.unit))}
    names = _unit_names(session, {unit for _w, unit, _a, _n in counts if unit is not None}, lang)
    out: dict[str, Interviewer] = {}
    for who, unit, accepted, n in counts:
        code, name = names.get(unit, (None, "")) if unit is not None else (None, "")
        out.setdefault(who, Interviewer(who, [])).units.append(InterviewerUnit(
            code, name, int(accepted or 0), int(n) - int(accepted or 0), medians.get((who, unit))))
    for row in out.values():
        row.units.sort(key=lambda u: (u.code is None, u.code or ""))
    return [out[key] for key in sorted(out)]


def _has_flag(flag: str) -> ColumnElement[bool]:
    text = cast(Submission.flags, String)
    return or_(text.like(f'%"{flag}"%'), text.like(f'%"{flag}:%'))


def review_list(session: Session, wave: Wave, *, flag: str | None = None, offset: int = 0,
                limit: int = REVIEW_LIMIT, lang: str | None = None) -> tuple[int, list[ReviewItem]]:
    """``(how many, one page)`` of the responses to review: every flagged response, whatever its
    status, and every response set aside; only those flagged ``flag`` when given (any flag:
    :data:`ANY_FLAG`). Quarantined first (they wait for a decision), then accepted, then
    excluded."""
    flagged = cast(Submission.flags, String).like('%"%')  # a non-empty list holds a quoted name
    condition: ColumnElement[bool]
    if flag == ANY_FLAG:
        condition = flagged
    elif flag is not None:
        condition = _has_flag(flag)
    else:
        condition = or_(flagged, Submission.status != ACCEPTED)
    where = (Submission.wave_id == wave.id, condition)
    total = session.scalar(select(func.count()).select_from(Submission).where(*where)) or 0
    order = case((Submission.status == SubmissionStatus.QUARANTINED, 0),
                 (Submission.status == ACCEPTED, 1), else_=2)
    rows = list(session.scalars(select(Submission).where(*where)
                                .order_by(order, Submission.id).offset(offset).limit(limit)))
    units = units_of(session, wave)
    unit_names = {code: pair[1] if lang == "en" else pair[0] for code, pair in units.names.items()}
    definitions: dict[int, Definition] = {}
    items = []
    for submission in rows:
        version = submission.questionnaire_version_id
        if version not in definitions:
            definitions[version] = definition_of(session, version)
        items.append(ReviewItem(submission, [flag_text(f) for f in submission.flags or []],
                                answer_lines(definitions[version], submission.answers,
                                             unit_names, lang)))
    return total, items


def _value_text(definition: Definition, name: str, value: Any, unit_names: dict[str, str],
                lang: str | None) -> tuple[str, str]:
    """(question label, answer in words) of one stored answer."""
    try:
        question = definition.question(name)
    except KeyError:
        question = None
    values = value if isinstance(value, list) else [value]
    if question is None:
        words = [str(v) for v in values]
    elif question.type in ("select_one_unit", "select_multiple_unit"):
        words = [unit_names.get(str(v), str(v)) for v in values]
    elif question.list_name is not None:
        labels = {c.name: definition.label(c, lang)
                  for c in definition.choice_lists.get(question.list_name, ())}
        words = [labels.get(str(v), str(v)) for v in values]
    else:
        words = [str(v) for v in values]
    label = definition.label(question, lang) if question is not None else name
    return label or name, ", ".join(words)


def answer_lines(definition: Definition, stored: dict[str, Any], unit_names: dict[str, str],
                 lang: str | None = None) -> list[AnswerLine]:
    """A stored submission's answers (``{"answers": ..., "ratings": ...}``) in words."""
    lines = [AnswerLine(*_value_text(definition, name, value, unit_names, lang))
             for name, value in (stored.get("answers") or {}).items()]
    for code, block in (stored.get("ratings") or {}).items():
        for name, value in (block or {}).items():
            lines.append(AnswerLine(*_value_text(definition, name, value, unit_names, lang),
                                    unit=unit_names.get(code, code)))
    return lines
