"""The 通报 as one document model, so that the Word, PDF and web versions say the same thing.

:func:`build_notice` reads a run (and the previous published period of its kind) and returns a
:class:`Notice`: the heading the office typed (issuing office, document number, date,
recipients), the title, a summary written from the data, per peer group a table in rank order
with its notes (flags in words) and charts, the office's decisions, and an appendix with the
method in plain words and an AAPOR-style disclosure. The renderers (``report_docx``,
``report_pdf``, the office's web page) only lay it out. Charts are drawn when a renderer asks
(:meth:`ChartSpec.png`), so the web page can build the model without drawing them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.evaluation.charts import group_names, unit_names
from survey.evaluation.report import (
    RANKSET_NOTE,
    consec_bottom_evidence,
    decision_lines,
    disclosure,
    grouped_rows,
    low_n_text,
    pending_lines,
    rank_text,
    run_waves,
    tier_text,
    visible_rows,
)
from survey.evaluation.report_method import (
    date_words,
    disclosure_pairs,
    method_paragraphs,
    precision,
)
from survey.evaluation.report_summary import (
    Change,
    change_between,
    change_cell,
    city_change,
    city_index,
    critical_z,
    index_sentence,
    joined_sentences,
    notice_title,
    period_words,
    placement_sentence,
    previous_published,
    provisional_sentence,
    responses_sentence,
)
from survey.i18n import N_, _
from survey.models import ComponentScore, EvaluationResult, EvaluationRun, RunStatus

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Resolution of the charts in the Word and PDF files: 1200 pixels across the text, 180 per inch.
CHART_DPI = 150
#: The longest heading fields the form and the CLI accept (characters).
HEADING_LIMITS = {"issuer": 100, "number": 40, "recipients": 300}
HEADING_FIELDS = ("issuer", "number", "date", "recipients")
#: Dates as typed: 2026-12-20, 2026/12/20, 2026.12.20 or 2026年12月20日.
DATE_FORMS = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")

#: Each unit flag in words for the notes under a table (no codes; thresholds from the run).
FLAG_WORDS: dict[str, str] = {
    "LOW_N": N_("fewer than %(n_min)s valid ratings, so the estimate is imprecise"),
    "WIDE_CI": N_("the 95%% confidence interval is wider than ±%(half_width)s points"),
    "LOW_NEFF": N_("unequal weights make the effective sample less than half the ratings"),
    "HIGH_DK": N_("over %(dk)s%% of the answers were 'don't know'"),
    "QUOTA_SHORTFALL": N_("a quota group reached less than %(quota)s%% of its target"),
    "TOPBOX_ANOMALY": N_("unusually many 'very satisfied' answers compared with the peer group"),
    "ADJ_NOT_SIG": N_("not significantly different from a unit ranked next to it"),
    "BOTTOM_NOT_SIG": N_("not shown to be significantly below every unit outside the 较差 tier"),
    "TOP_NOT_SIG": N_("not shown to be significantly above every unit outside the 优秀 tier"),
    "VETO": N_("a veto item applies, so the comprehensive tier is 较差"),
    "RANK_UNSTABLE": N_("the comprehensive rank moves by %(places)s or more places between scoring "
                        "methods"),
    "BONUS_CAPPED": N_("bonus points above the cap were not counted"),
    "CONSEC_BOTTOM": N_("comprehensive tier 较差 two years in a row"),
    "CELL_COLLAPSED": N_("an empty weighting group was merged with a neighbouring one"),
    "MARGINS_NORMALISED": N_("population figures that did not add up were rescaled before weighting"),
    "PARTIAL_YEAR": N_("the annual result rests on fewer than four quarters"),
    "PADDING_SUSPECT": N_("some interviews show an answer pattern unlike the other interviewers'"),
}


@dataclass(frozen=True)
class NoticeHeading:
    """What the office types: who issues the notice, its number, its date and to whom it goes."""

    issuer: str
    number: str
    date: date
    recipients: str


def _date(text: str) -> date | None:
    match = DATE_FORMS.match(text)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def parse_heading(values: Mapping[str, str | None], defaults: NoticeHeading
                  ) -> tuple[NoticeHeading, list[tuple[str, str]]]:
    """The heading from a form or the command line, with every error as (field, message).

    A field that is absent (None) takes its default; issuer and date may not be left empty.
    The heading returned keeps what was typed, so a form can show it again with the errors.
    """
    errors: list[tuple[str, str]] = []
    typed: dict[str, str] = {}
    for name in HEADING_FIELDS:
        value = values.get(name)
        default = defaults.date.isoformat() if name == "date" else getattr(defaults, name)
        typed[name] = default if value is None else str(value).strip()
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in typed[name]):
            errors.append((name, _("Remove the control characters (such as line breaks or tabs).")))
    if not typed["issuer"]:
        errors.append(("issuer", _("Give the issuing office.")))
    for name, limit in HEADING_LIMITS.items():
        if len(typed[name]) > limit:
            errors.append((name, _("At most %(limit)s characters; this has %(count)s.", limit=limit,
                                   count=len(typed[name]))))
    day = _date(typed["date"])
    if day is None:
        errors.append(("date", _("Give the date as YYYY-MM-DD, for example %(example)s.",
                                 example=defaults.date.isoformat())))
    heading = NoticeHeading(typed["issuer"], typed["number"], day or defaults.date, typed["recipients"])
    return heading, errors


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels of a PNG, from its header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG image")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


@dataclass(frozen=True)
class ChartSpec:
    """A chart of the notice, drawn only when a renderer asks for it."""

    key: str
    caption: str
    figure: Callable[[], Figure]

    def png(self, dpi: int = CHART_DPI) -> bytes:
        from analysis.charts import figure_png

        return figure_png(self.figure(), dpi=dpi)


@dataclass
class GroupSection:
    """One peer group: its table in rank order, the notes under it and its charts."""

    name: str
    heading: str
    columns: list[str]
    rows: list[list[str]]
    unit_names: list[str]
    notes: list[str] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)


@dataclass
class Notice:
    """The whole 通报, in the reader's language."""

    heading: NoticeHeading
    title: str
    status_note: str | None  #: a draft or corrected run, said at the top
    summary: list[str]
    table_note: str
    groups: list[GroupSection]
    decisions: list[str]
    pending: list[str]  #: provisional placements the office has not decided (drafts)
    consec_bottom: list[str]
    charts: list[ChartSpec]  #: charts across groups (the trend)
    method: list[tuple[str, str]]
    disclosure: list[tuple[str, str, str]]  #: (label, text, literal shown as it is)
    period: str
    language: str

    @property
    def date_text(self) -> str:
        return date_words(self.heading.date)

    def chart(self, key: str) -> ChartSpec | None:
        every = [c for g in self.groups for c in g.charts] + self.charts
        return next((c for c in every if c.key == key), None)


#: Section headings, in order (msgids).
SECTIONS = {"summary": N_("1. Overview"), "groups": N_("2. Results by peer group"),
            "notes": N_("3. Decisions of the office"), "appendix": N_("Appendix: method and survey disclosure")}


def section_title(name: str) -> str:
    return _(SECTIONS[name])


def _flag_words(flags: list[str], scoring: dict[str, Any]) -> list[str]:
    params = {"n_min": scoring.get("n_min", 30), "half_width": _trim(scoring.get("wide_ci_half_width", 5)),
              "dk": _trim(100 * float(scoring.get("high_dk_rate", 0.3))),
              "quota": _trim(100 * float(scoring.get("quota_shortfall_ratio", 0.8))),
              "places": scoring.get("rank_unstable_places", 2)}
    words = [_(FLAG_WORDS[f], **params) for f in flags if f in FLAG_WORDS]
    unknown = [f for f in flags if f not in FLAG_WORDS]
    if unknown:
        words.append(_("another caveat of the data (ask the office)"))
    return words


def _trim(value: Any) -> str:
    text = f"{float(value):.1f}"
    return text.removesuffix(".0")


def _veto_reasons(session: Session, run: EvaluationRun, rows: list[EvaluationResult]) -> dict[str, str]:
    """The note given with each veto in the component scores of the run's period."""
    vetoed = [r.unit_id for r in rows if "VETO" in (r.flags or "").split(";")]
    if not vetoed:
        return {}
    found = session.execute(select(ComponentScore.unit_id, ComponentScore.note).where(
        ComponentScore.period == run.period, ComponentScore.unit_id.in_(vetoed)))
    return {str(unit_id): note for unit_id, note in found if note}


def _notes(rows: list[EvaluationResult], names: dict[str, str], scoring: dict[str, Any],
           vetoes: dict[str, str]) -> list[str]:
    out = []
    for row in rows:
        flags = [f for f in (row.flags or "").split(";") if f]
        words = []
        low_n = low_n_text(row)
        if low_n:
            words.append(low_n)
            flags = [f for f in flags if f != "LOW_N"]
        words += _flag_words(flags, scoring)
        if str(row.unit_id) in vetoes:
            words.append(_("veto: %(reason)s", reason=vetoes[str(row.unit_id)]))
        if words:
            out.append(_("%(unit)s: %(notes)s.", unit=names[row.unit_code], notes=_("; ").join(words)))
    return out


def _columns(has_totals: bool) -> list[str]:
    columns = [_("Rank (confidence set)"), _("Unit"), _("Number of valid ratings"), _("SI"), _("95% CI"),
               _("Social points"), _("Social tier"), _("Change against the previous period")]
    if has_totals:
        columns += [_("Total"), _("Total rank"), _("Total tier")]
    return columns


def _fmt(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _cells(row: EvaluationResult, name: str, change: Change | None, has_totals: bool) -> list[str]:
    cells = [rank_text(row.social_rank, row.social_rankset_low, row.social_rankset_high), name,
             str(row.n_valid), _fmt(row.si, 1),
             "—" if row.si_ci_low is None or row.si_ci_high is None
             else f"{row.si_ci_low:.1f}–{row.si_ci_high:.1f}",
             _fmt(row.social_points, 2), tier_text(row.social_tier, row.social_tier_status),
             change_cell(change)]
    if has_totals:
        cells += [_fmt(row.total, 2), rank_text(row.total_rank, row.total_rankset_low, row.total_rankset_high),
                  tier_text(row.total_tier, row.total_tier_status)]
    return cells


def _group_charts(session: Session, run: EvaluationRun, code: str, name: str, index: int,
                  unit_code: str | None, language: str) -> list[ChartSpec]:
    """The ranked chart of a peer group; its funnel plot (3 units or more) and its trend (two
    periods or more) for the whole city's notice."""
    from survey.evaluation.charts import chart_figure, trend_history

    def draw(name: str) -> Callable[[], Figure]:
        return lambda: chart_figure(session, run, name, unit_code, peer_group=code, lang=language)

    charts = [ChartSpec(f"ranked-{index}", _("%(group)s: satisfaction index of each unit with its 95%% "
                                             "confidence interval", group=name), draw("ranked"))]
    if unit_code is None and sum(1 for r in run.results if r.peer_group == code) >= 3:
        charts.append(ChartSpec(f"funnel-{index}", _("%(group)s: each unit's index against its "
                                                      "effective sample size, with control limits",
                                                      group=name), draw("funnel")))
    if len(trend_history(session, run)) >= 2:
        charts.append(ChartSpec(f"trend-{index}", _("%(group)s: the satisfaction index over the "
                                                     "published periods", group=name), draw("trend")))
    return charts


def _status_note(session: Session, run: EvaluationRun) -> str | None:
    if run.status == RunStatus.DRAFT:
        return _("Draft: these results are not published and must not be issued.")
    if run.status == RunStatus.SUPERSEDED:
        newer = session.scalar(select(EvaluationRun).where(EvaluationRun.supersedes_id == run.id))
        if newer is not None:
            return _("These results were corrected by evaluation run %(id)s: %(reason)s",
                     id=newer.id, reason=newer.reason or "—")
        return _("These results were corrected by a later evaluation run.")
    return None


def default_heading(issuer: str, recipients: str, today: date) -> NoticeHeading:
    return NoticeHeading(issuer=issuer, number="", date=today, recipients=recipients)


def build_notice(session: Session, run: EvaluationRun, heading: NoticeHeading,
                 unit_code: str | None = None, language: str = "zh") -> Notice:
    """The 通报 of ``run`` (only ``unit_code``'s row for a viewer bound to that unit)."""
    scoring = dict((run.config or {}).get("scoring") or {})
    z = critical_z(run)
    rows = visible_rows(run, unit_code)
    previous = previous_published(session, run)
    before = {r.unit_code: r for r in previous.results} if previous else {}
    has_totals = any(r.total is not None for r in rows)
    info = disclosure(session, run, heading.issuer)
    period = period_words(run.kind, run.period)
    shown = unit_names(session, rows, language)

    city = city_index(run.results, z)
    change = city_change(run.results, previous, z) if previous else None
    accepted = (info.submissions or {}).get("accepted")
    ratings = sum(r.n_valid for r in run.results)
    summary = [responses_sentence(period, accepted, ratings, len(run.results)),
               index_sentence(city, change, period),
               placement_sentence(rows, "social", shown)]
    social_provisional = provisional_sentence(rows, "social", shown)
    if social_provisional:
        summary.append(social_provisional)
    if has_totals:
        summary.append(placement_sentence(rows, "total", shown))
        total_provisional = provisional_sentence(rows, "total", shown)
        if total_provisional:
            summary.append(total_provisional)

    groups_by_code = grouped_rows(run, unit_code)
    names = group_names(session, [g.code for g in groups_by_code], language)
    vetoes = _veto_reasons(session, run, rows)
    groups = []
    for index, group in enumerate(groups_by_code, start=1):
        name = names[group.code]
        table = []
        for row in group.rows:
            old = before.get(row.unit_code)
            unit_change = change_between((row.si, row.si_se), (old.si, old.si_se), z) if old else None
            table.append(_cells(row, shown[row.unit_code], unit_change, has_totals))
        groups.append(GroupSection(
            name=name, heading=_("%(group)s (%(units)s units)", group=name, units=len(group.rows)),
            columns=_columns(has_totals), rows=table, unit_names=[shown[r.unit_code] for r in group.rows],
            notes=_notes(group.rows, shown, scoring, vetoes),
            charts=_group_charts(session, run, group.code, name, index, unit_code, language)))

    table_note = joined_sentences([
        _(RANKSET_NOTE),
        _("The change is against %(previous)s; it is significant when it is larger than sampling "
          "error.", previous=period_words(previous.kind, previous.period)) if previous
        else _("There is no published earlier period, so no change is shown.")])
    decisions = [_("%(unit)s (%(scope)s): %(before)s → %(after)s, %(decision)s. Reason: %(reason)s",
                   unit=d.unit_name, scope=d.scope, before=d.from_tier, after=d.to_tier,
                   decision=d.decision, reason=d.reason) for d in decision_lines(run, unit_code)]
    pending = [_("%(unit)s (%(scope)s): %(tier)s, waiting for the office's decision.",
                 unit=name, scope=scope, tier=tier) for name, scope, tier in pending_lines(run, unit_code)]
    consec = []
    for row, years in consec_bottom_evidence(run, unit_code):
        evidence = _("; ").join(
            _("%(period)s: %(tier)s (%(status)s), comprehensive rank %(rank)s",
              period=period_words("year", y.period) if y.period.isdigit() else y.period,
              tier=y.tier, status=y.status, rank=y.rank) for y in years)
        consec.append(_("%(unit)s, comprehensive tier 较差 two years in a row: %(evidence)s.",
                        unit=row.unit_name, evidence=evidence))
    waves = run_waves(session, run)
    return Notice(
        heading=heading, title=notice_title(run), status_note=_status_note(session, run),
        summary=summary, table_note=table_note, groups=groups, decisions=decisions, pending=pending,
        consec_bottom=consec, charts=[],
        method=method_paragraphs(session, run, info, waves, has_totals, language),
        disclosure=disclosure_pairs(info, run, ratings, precision(run.results, city)),
        period=period, language=language)
