"""What the 通报 says in words: the period, the title, the city-wide index, changes, the summary.

The **city-wide index** (全市社会评价指数) is the plain mean of the units' SIs (every unit
counts once), with SE sqrt(Σ SE_u²)/k, the units' estimates taken as independent (as every test
between units is, DESIGN §7). A **change** against the previous published period of the same
kind is the difference of the two SIs; it is *significant* when it is larger than
z·sqrt(SE_now² + SE_before²), z the two-sided critical value of the run's confidence level
(1.96 at 95%). The city-wide change is taken over the units evaluated in both periods.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.config import two_sided_z
from analysis.placement import REVIEW_SUFFIX
from analysis.ranking import EXCELLENT, POOR
from survey.i18n import N_, _
from survey.models import EvaluationResult, EvaluationRun, RunStatus

QUARTER_WORDS = {1: N_("the first quarter of %(year)s"), 2: N_("the second quarter of %(year)s"),
                 3: N_("the third quarter of %(year)s"), 4: N_("the fourth quarter of %(year)s")}
#: How sure a placement is, as the summary says it (the tables use ``STATUS_WORDS``).
EVIDENCE_WORDS = {"final": N_("final"), "provisional": N_("provisional, awaiting the office's review"),
                  "confirmed": N_("provisional, confirmed by the office"),
                  "cleared": N_("provisional, cleared by the office"),
                  "indicative": N_("indicative only: sample too small")}
#: The kinds of period a run can have: a run is compared with the latest earlier one of its shape.
PERIOD_SHAPES = (re.compile(r"^\d{4}$"), re.compile(r"^\d{4}-Q[1-4]$"), re.compile(r"^\d{4}-\d{2}$"))


def month_words(year: int, month: int) -> str:
    return _("%(year)s-%(month)02d", year=year, month=month)


def period_words(kind: str, period: str) -> str:
    """The period as people say it: 2026年第四季度, 2026年度, 2026年12月, 2026年10月至2026年12月."""
    if re.fullmatch(r"\d{4}", period):
        return _("the year %(year)s", year=period)
    quarter = re.fullmatch(r"(\d{4})-Q([1-4])", period)
    if quarter:
        return _(QUARTER_WORDS[int(quarter.group(2))], year=quarter.group(1))
    month = re.fullmatch(r"(\d{4})-(\d{2})", period)
    if month:
        year, last = int(month.group(1)), int(month.group(2))
        if kind != "rolling":
            return month_words(year, last)
        first_year, first = (year, last - 2) if last > 2 else (year - 1, last + 10)
        return _("%(first)s to %(last)s", first=month_words(first_year, first),
                 last=month_words(year, last))
    return period


def notice_title(run: EvaluationRun) -> str:
    """关于2026年第四季度社会评价结果的通报 (an annual run: 关于2026年度社会评价结果的通报)."""
    return _("Notice on the social evaluation results of %(period)s",
             period=period_words(run.kind, run.period))


def _shape(period: str) -> int:
    return next((i for i, shape in enumerate(PERIOD_SHAPES) if shape.match(period)), -1)


def previous_published(session: Session, run: EvaluationRun) -> EvaluationRun | None:
    """The latest published run of the same kind and period shape before ``run``'s period."""
    earlier = session.scalars(select(EvaluationRun).where(
        EvaluationRun.kind == run.kind, EvaluationRun.period < run.period,
        EvaluationRun.status == RunStatus.PUBLISHED).order_by(EvaluationRun.period.desc()))
    return next((r for r in earlier if _shape(r.period) == _shape(run.period)), None)


def critical_z(run: EvaluationRun) -> float:
    level = ((run.config or {}).get("scoring") or {}).get("confidence_level") or 0.95
    return float(two_sided_z(float(level)))


def _finite(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


@dataclass(frozen=True)
class Change:
    """A difference between two periods and whether it is larger than sampling error."""

    difference: float
    se: float
    significant: bool


def change_between(now: tuple[float | None, float | None], before: tuple[float | None, float | None],
                   z: float) -> Change | None:
    """The change from ``before`` to ``now`` ((SI, SE) pairs), None when either is missing."""
    (si, se), (si0, se0) = now, before
    if not _finite(si, se, si0, se0):
        return None
    diff, sd = float(si) - float(si0), math.hypot(float(se), float(se0))  # type: ignore[arg-type]
    return Change(diff, sd, abs(diff) > z * sd if sd > 0 else diff != 0)


@dataclass(frozen=True)
class CityIndex:
    """The city-wide index: the mean SI of the units, with its interval."""

    value: float
    se: float
    low: float
    high: float
    units: int


def city_index(rows: Sequence[EvaluationResult], z: float) -> CityIndex | None:
    pairs = [(r.si, r.si_se) for r in rows
             if r.si is not None and r.si_se is not None and _finite(r.si, r.si_se)]
    if not pairs:
        return None
    k = len(pairs)
    value = sum(si for si, _se in pairs) / k
    se = math.sqrt(sum(se * se for _si, se in pairs)) / k
    return CityIndex(value, se, max(0.0, value - z * se), min(100.0, value + z * se), k)


@dataclass(frozen=True)
class CityChange:
    previous_period: str  #: in words
    change: Change
    common_units: int
    all_units: bool  #: every unit of both periods is among the common ones


def city_change(rows: Sequence[EvaluationResult], previous: EvaluationRun, z: float) -> CityChange | None:
    """The change of the city-wide index, over the units evaluated in both periods."""
    before = {r.unit_code: r for r in previous.results if _finite(r.si, r.si_se)}
    now = {r.unit_code: r for r in rows if _finite(r.si, r.si_se)}
    common = sorted(set(before) & set(now))
    if not common:
        return None
    a = city_index([now[c] for c in common], z)
    b = city_index([before[c] for c in common], z)
    assert a is not None and b is not None
    change = change_between((a.value, a.se), (b.value, b.se), z)
    assert change is not None
    return CityChange(period_words(previous.kind, previous.period), change, len(common),
                      len(common) == len(before) == len(now))


def one_decimal(value: float) -> str:
    return f"{value:.1f}"


def signed(value: float) -> str:
    text = f"{value:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def change_cell(change: Change | None) -> str:
    """A table cell: ``+2.1（显著）``, ``-0.4（不显著）`` or ``—`` without a previous result."""
    if change is None:
        return "—"
    if change.significant:
        return _("%(change)s, significant", change=signed(change.difference))
    return _("%(change)s, not significant", change=signed(change.difference))


def _direction(change: Change, previous: str) -> str:
    points = one_decimal(abs(change.difference))
    if signed(change.difference) == "0.0":
        return _("unchanged against %(previous)s", previous=previous)
    if change.difference > 0:
        return _("up %(points)s points against %(previous)s", points=points, previous=previous)
    return _("down %(points)s points against %(previous)s", points=points, previous=previous)


def joined_names(names: Sequence[str]) -> str:
    """Names as a list in the reader's language (甲、乙、丙 / A, B, C)."""
    return _(", ").join(names)


def joined_sentences(sentences: Sequence[str]) -> str:
    """Sentences one after the other (no space between Chinese sentences)."""
    text = ""
    for sentence in sentences:
        text = _("%(first)s %(second)s", first=text, second=sentence) if text else sentence
    return text


def index_sentence(city: CityIndex | None, change: CityChange | None, period: str) -> str:
    """The city-wide index, its interval and its change in words."""
    if city is None:
        return _("No unit has an index in %(period)s.", period=period)
    text = _("The city-wide index (the mean of the %(units)s units' indices) is %(value)s "
             "(95%% confidence interval %(low)s–%(high)s)", units=city.units,
             value=one_decimal(city.value), low=one_decimal(city.low), high=one_decimal(city.high))
    if change is None:
        return text + _("; there is no published earlier period to compare it with.")
    moved = _direction(change.change, change.previous_period)
    verdict = (_("the change is significant: larger than sampling error") if change.change.significant
               else _("the change is not significant: within sampling error"))
    basis = "" if change.all_units else _(" (over the %(n)s units evaluated in both periods)",
                                           n=change.common_units)
    return _("%(index)s, %(moved)s%(basis)s; %(verdict)s.", index=text, moved=moved, basis=basis,
             verdict=verdict)


def _base_tier(tier: str | None) -> str:
    return (tier or "").removesuffix(REVIEW_SUFFIX)


def _placed(rows: Sequence[EvaluationResult], scope: str, tier: str) -> list[EvaluationResult]:
    return sorted((r for r in rows if _base_tier(getattr(r, f"{scope}_tier")) == tier),
                  key=lambda r: (r.peer_group, getattr(r, f"{scope}_rank") or 10**6, r.unit_code))


def _names_with_status(rows: Sequence[EvaluationResult], scope: str, names: Mapping[str, str]) -> str:
    return joined_names([_("%(unit)s (%(evidence)s)", unit=names[r.unit_code],
                           evidence=_(EVIDENCE_WORDS.get(getattr(r, f"{scope}_tier_status") or "", "final")))
                         for r in rows])


def placement_sentence(rows: Sequence[EvaluationResult], scope: str, names: Mapping[str, str]) -> str:
    """The units placed 优秀 and 较差 (social or comprehensive), each with its evidence status."""
    parts = []
    for tier in (EXCELLENT, POOR):
        placed = _placed(rows, scope, tier)
        parts.append(_("placed %(tier)s: %(units)s", tier=tier, units=_names_with_status(placed, scope, names))
                     if placed else _("no unit is placed %(tier)s", tier=tier))
    lead = (_("Social evaluation tiers") if scope == "social" else _("Comprehensive score tiers"))
    return _("%(lead)s: %(parts)s.", lead=lead, parts=_("; ").join(parts))


def provisional_sentence(rows: Sequence[EvaluationResult], scope: str, names: Mapping[str, str]) -> str | None:
    """The provisional placements in words: decided by the office, or still waiting."""
    field = f"{scope}_tier_status"
    waiting = [names[r.unit_code] for r in rows if getattr(r, field) == "provisional"]
    confirmed = [names[r.unit_code] for r in rows if getattr(r, field) == "confirmed"]
    cleared = [names[r.unit_code] for r in rows if getattr(r, field) == "cleared"]
    if not (waiting or confirmed or cleared):
        return None
    if not (confirmed or cleared):
        return _("The placements of %(units)s are provisional: the data do not show them to differ "
                 "significantly from every unit outside their tier, and the office has yet to decide "
                 "on them.", units=joined_names(waiting))
    sentences = [_("The data do not show %(units)s to differ significantly from every unit outside "
                   "their tier: these placements are provisional.",
                   units=joined_names(waiting + confirmed + cleared))]
    if confirmed:
        sentences.append(_("The office confirmed the placement of %(units)s.", units=joined_names(confirmed)))
    if cleared:
        sentences.append(_("The office cleared the placement of %(units)s; they take the next "
                           "middle tier.", units=joined_names(cleared)))
    if waiting:
        sentences.append(_("The office has yet to decide on %(units)s.", units=joined_names(waiting)))
    return joined_sentences(sentences)


def responses_sentence(period: str, responses: int | None, ratings: int, units: int) -> str:
    if responses is None:
        return _("In %(period)s, %(ratings)s valid ratings of %(units)s units were counted.",
                 period=period, ratings=ratings, units=units)
    return _("In %(period)s, %(responses)s questionnaires were accepted, giving %(ratings)s valid "
             "ratings of %(units)s units.", period=period, responses=responses, ratings=ratings,
             units=units)
