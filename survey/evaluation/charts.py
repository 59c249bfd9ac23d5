"""The four office charts of a run, drawn by ``analysis.charts`` from the stored rows.

PNG through ``figure_png``; SVG with the same CJK font (text as paths, so no font is needed to
view it) and without a date, so the same run gives the same picture.
"""

from __future__ import annotations

import io

import numpy as np
from sqlalchemy.orm import Session

from survey.errors import NotFound
from survey.evaluation.inputs import load_definition
from survey.evaluation.report import published_history
from survey.evaluation.storage import stored_unit_row, stored_unit_rows
from survey.i18n import _
from survey.models import EvaluationRun, Wave

CHARTS = ("ranked", "funnel", "trend", "distribution")
FORMATS = ("png", "svg")


def _rows(run: EvaluationRun, unit_code: str | None):
    return [r for r in stored_unit_rows(run) if unit_code is None or r.unit_code == unit_code]


def _option_labels(session: Session, run: EvaluationRun, size: int) -> list[str]:
    wave = session.get(Wave, run.wave_id) if run.wave_id else None
    if wave is not None:
        definition = load_definition(session, wave.questionnaire_version_id)
        item = definition.overall_item
        if item is not None:
            question = definition.question(item.name)
            labels = [definition.label(c, "zh") for c in definition.choices(question.list_name or "")]
            if len(labels) == size:
                return labels
    return [str(i + 1) for i in range(size)]


def chart_figure(session: Session, run: EvaluationRun, name: str, unit_code: str | None = None):
    """The matplotlib Figure of chart ``name`` for ``run`` (only ``unit_code`` when given)."""
    from analysis import charts

    if name == "ranked":
        return charts.ranked_si_chart(_rows(run, unit_code))
    if name == "funnel":
        return charts.funnel_chart(_rows(run, unit_code))
    if name == "trend":
        history = published_history(session, run)
        codes = [r.unit_code for r in _rows(run, unit_code)]
        names = {r.unit_code: r.unit_name for r in run.results}
        series = {}
        for code in codes[:12]:
            values = []
            for past in history:
                row = next((r for r in past.results if r.unit_code == code), None)
                values.append(stored_unit_row(row).si if row is not None else np.nan)
            series[names[code]] = values
        return charts.trend_chart([r.period for r in history], series)
    if name == "distribution":
        rows = [r for r in run.results if unit_code is None or r.unit_code == unit_code]
        rows = [r for r in sorted(rows, key=lambda r: (r.peer_group, r.unit_code))
                if (r.extra or {}).get("overall_distribution")]
        if not rows:
            raise NotFound(_("This run has no answer distribution."))
        dist = np.array([[np.nan if v is None else v for v in r.extra["overall_distribution"]] for r in rows])
        return charts.distribution_chart([r.unit_name for r in rows], dist,
                                         _option_labels(session, run, dist.shape[1]))
    raise NotFound(_("Unknown chart %(name)s.", name=name))


def render_chart(session: Session, run: EvaluationRun, name: str, fmt: str,
                 unit_code: str | None = None) -> bytes:
    """Chart ``name`` of ``run`` as PNG or SVG bytes."""
    from analysis.charts import cjk_context, figure_png

    if fmt not in FORMATS:
        raise NotFound(_("Unknown chart format %(fmt)s.", fmt=fmt))
    fig = chart_figure(session, run, name, unit_code)
    if fmt == "png":
        return figure_png(fig)
    import matplotlib

    buffer = io.BytesIO()
    with cjk_context(), matplotlib.rc_context({"svg.hashsalt": f"minyi-run-{run.id}"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
