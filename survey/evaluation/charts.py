"""The office's and the public's charts of a run, drawn by ``analysis.charts`` from the stored rows.

Every title, axis label, legend entry and tier is said in the request's language (the labels
are translated here and handed to ``analysis``); unit and peer-group names are English on
English pages when the register has an English name (``lang="en"``).

PNG through ``figure_png``; SVG with the same CJK font (text as paths, so no font is needed to
view it) and without a date, so the same run gives the same picture.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from survey.errors import NotFound
from survey.evaluation.inputs import load_definition
from survey.evaluation.storage import stored_unit_rows
from survey.evaluation.tier_words import tier_names
from survey.i18n import _
from survey.models import EvaluationResult, EvaluationRun, PeerGroup, RunStatus, Unit, Wave

CHARTS = ("ranked", "funnel", "trend", "distribution")
FORMATS = ("png", "svg")


def _rows(run: EvaluationRun, unit_code: str | None, peer_group: str | None = None):
    return [r for r in stored_unit_rows(run)
            if (unit_code is None or r.unit_code == unit_code)
            and (peer_group is None or r.peer_group == peer_group)]


def _option_labels(session: Session, run: EvaluationRun, size: int, lang: str) -> list[str]:
    wave = session.get(Wave, run.wave_id) if run.wave_id else None
    if wave is not None:
        definition = load_definition(session, wave.questionnaire_version_id)
        item = definition.overall_item
        if item is not None:
            question = definition.question(item.name)
            labels = [definition.label(c, lang) for c in definition.choices(question.list_name or "")]
            if len(labels) == size:
                return labels
    return [str(i + 1) for i in range(size)]


def unit_names(session: Session, rows: Sequence[EvaluationResult], lang: str) -> dict[str, str]:
    """Display name of each row's unit: the English register name on English pages, else the
    name frozen with the run."""
    names = {r.unit_code: r.unit_name for r in rows}
    if lang == "en" and rows:
        ids = {r.unit_id: r.unit_code for r in rows}
        for unit_id, name_en in session.execute(
                select(Unit.id, Unit.name_en).where(Unit.id.in_(ids), Unit.name_en.is_not(None))):
            if name_en:
                names[ids[unit_id]] = name_en
    return names


def group_names(session: Session, codes: Sequence[str], lang: str) -> dict[str, str]:
    """Display name of each peer group code (its code when the register no longer has it)."""
    names = {code: code for code in codes}
    for code, name, name_en in session.execute(
            select(PeerGroup.code, PeerGroup.name, PeerGroup.name_en).where(PeerGroup.code.in_(set(codes)))):
        names[code] = name_en if lang == "en" and name_en else name
    return names


def confidence_percent(run: EvaluationRun) -> str:
    """The run's confidence level in per cent, as people write it (``95``)."""
    level = float(((run.config or {}).get("scoring") or {}).get("confidence_level") or 0.95)
    return f"{level * 100:g}"


def trend_history(session: Session, run: EvaluationRun) -> list[EvaluationRun]:
    """Every published run of ``run``'s kind up to its period, oldest first, with ``run`` itself
    standing for its period (a draft is shown beside the published past)."""
    runs = session.scalars(
        select(EvaluationRun).options(selectinload(EvaluationRun.results))
        .where(EvaluationRun.kind == run.kind, EvaluationRun.period <= run.period,
               EvaluationRun.status == RunStatus.PUBLISHED, EvaluationRun.period != run.period)
        .order_by(EvaluationRun.period)).all()
    return [*runs, run]


def trend_figure(session: Session, run: EvaluationRun, unit_code: str | None = None,
                 peer_group: str | None = None, lang: str = "zh"):
    """Small multiples of the SI over every published period: one panel per unit of the run
    (of ``peer_group``, or only ``unit_code``) in the order of its ranking, a figure section per
    peer group."""
    from analysis.trend_panels import TrendLabels, TrendPanel, trend_panels

    history = trend_history(session, run)
    by_period = [{r.unit_code: r for r in past.results} for past in history]
    # panels in the order of the ranking table: by rank within the group, unranked units last
    order = sorted(run.results, key=lambda r: (r.peer_group, r.social_rank is None, r.social_rank or 0, r.unit_code))
    current = [r for r in order if (unit_code is None or r.unit_code == unit_code)
               and (peer_group is None or r.peer_group == peer_group)]
    names = unit_names(session, current, lang)
    groups_shown = group_names(session, sorted({r.peer_group for r in current}), lang)
    groups: dict[str, list[TrendPanel]] = {}
    for row in current:
        def series(field: str, code: str = row.unit_code) -> list[float]:
            values = [getattr(rows.get(code), field, None) for rows in by_period]
            return [math.nan if v is None else float(v) for v in values]

        groups.setdefault(groups_shown[row.peer_group], []).append(TrendPanel(
            names[row.unit_code], series("si"), series("si_ci_low"), series("si_ci_high")))
    labels = TrendLabels(
        title=_("Social evaluation index over time"), xlabel=_("Period"),
        ylabel=_("Social evaluation index (SI)"), unit=_("This unit"),
        interval=_("%(level)s%% confidence interval", level=confidence_percent(run)), mean=_("Mean of the peer group"),
        others=_("Other units of the peer group"))
    return trend_panels([r.period for r in history], groups, labels)


def chart_figure(session: Session, run: EvaluationRun, name: str, unit_code: str | None = None,
                 *, peer_group: str | None = None, lang: str = "zh"):
    """The matplotlib Figure of chart ``name`` for ``run`` (only ``unit_code`` when given, only
    ``peer_group`` when given)."""
    from analysis import charts

    if name == "trend":
        return trend_figure(session, run, unit_code, peer_group, lang)
    shown = [r for r in run.results if (unit_code is None or r.unit_code == unit_code)
             and (peer_group is None or r.peer_group == peer_group)]
    units = unit_names(session, shown, lang)
    tiers = tier_names({r.social_tier for r in shown})
    if name == "ranked":
        return charts.ranked_si_chart(
            _rows(run, unit_code, peer_group), title=_("Social evaluation index (%(level)s%% confidence interval)",
                                                   level=confidence_percent(run)),
            xlabel=_("Social evaluation index (SI, 0–100)"), tier_names=tiers, unit_names=units,
            group_names=group_names(session, sorted({r.peer_group for r in shown}), lang))
    if name == "funnel":
        labels = charts.FunnelLabels(
            title=_("Funnel plot: SI against the effective sample size"),
            xlabel=_("Effective sample size (n_eff)"), ylabel=_("Social evaluation index (SI)"),
            limit_95=_("%(level)s%% control limit", level=95),
            limit_998=_("%(level)s%% control limit", level=99.8),
            mean=_("Weighted mean"))
        return charts.funnel_chart(_rows(run, unit_code, peer_group), labels=labels, unit_names=units,
                                   tier_names=tiers)
    if name == "distribution":
        import numpy as np

        rows = [r for r in sorted(shown, key=lambda r: (r.peer_group, r.unit_code))
                if (r.extra or {}).get("overall_distribution")]
        if not rows:
            raise NotFound(_("This run has no answer distribution."))
        dist = np.array([[np.nan if v is None else v for v in r.extra["overall_distribution"]] for r in rows])
        return charts.distribution_chart(
            [units[r.unit_code] for r in rows], dist, _option_labels(session, run, dist.shape[1], lang),
            title=_("Answers to the overall satisfaction question"), xlabel=_("Weighted share"))
    raise NotFound(_("Unknown chart %(name)s.", name=name))


def render_chart(session: Session, run: EvaluationRun, name: str, fmt: str,
                 unit_code: str | None = None, *, peer_group: str | None = None,
                 lang: str = "zh") -> bytes:
    """Chart ``name`` of ``run`` as PNG or SVG bytes."""
    from analysis.charts import cjk_context, figure_png

    if fmt not in FORMATS:
        raise NotFound(_("Unknown chart format %(fmt)s.", fmt=fmt))
    fig = chart_figure(session, run, name, unit_code, peer_group=peer_group, lang=lang)
    if fmt == "png":
        return figure_png(fig)
    import matplotlib

    buffer = io.BytesIO()
    with cjk_context(), matplotlib.rc_context({"svg.hashsalt": f"minyi-run-{run.id}"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def unit_trend_figure(session: Session, unit_code: str, lang: str = "zh"):
    """A unit's SI over the published quarters, with its 95% interval and its peer group's mean
    (the mean of the SIs of the units of its group in each quarter)."""
    from analysis.charts import trend_chart

    rows = session.execute(
        select(EvaluationRun.period, EvaluationResult.unit_code, EvaluationResult.peer_group,
               EvaluationResult.si, EvaluationResult.si_ci_low, EvaluationResult.si_ci_high)
        .join(EvaluationRun, EvaluationRun.id == EvaluationResult.run_id)
        .where(EvaluationRun.status == RunStatus.PUBLISHED, EvaluationRun.kind == "quarter")
        .order_by(EvaluationRun.period)).all()
    own = {r.period: r for r in rows if r.unit_code == unit_code}
    if not own:
        raise NotFound(_("Nothing is published for this unit."))
    periods = sorted(own)
    group = {p: own[p].peer_group for p in periods}
    peers: dict[str, list[float]] = {p: [] for p in periods}
    for r in rows:
        if r.period in peers and r.peer_group == group[r.period] and r.si is not None:
            peers[r.period].append(float(r.si))

    def value(v: float | None) -> float:
        return math.nan if v is None else float(v)

    latest = session.scalar(select(EvaluationResult).join(EvaluationRun).where(
        EvaluationRun.period == periods[-1], EvaluationRun.status == RunStatus.PUBLISHED,
        EvaluationRun.kind == "quarter", EvaluationResult.unit_code == unit_code))
    if latest is None:  # cannot happen: ``own`` holds its row
        raise NotFound(_("Nothing is published for this unit."))
    name = unit_names(session, [latest], lang)[unit_code]
    return trend_chart(
        periods, {name: [value(own[p].si) for p in periods]},
        ci_low={name: [value(own[p].si_ci_low) for p in periods]},
        ci_high={name: [value(own[p].si_ci_high) for p in periods]},
        title=_("Social evaluation index over time"), xlabel=_("Period"),
        ylabel=_("Social evaluation index (SI)"),
        reference=[sum(peers[p]) / len(peers[p]) if peers[p] else math.nan for p in periods],
        reference_label=_("Mean of the peer group"))
