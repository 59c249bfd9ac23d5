"""The quarterly report (按季通报) as a PDF: ranked results, the ranked-SI chart, disclosure.

fpdf2 with the CJK font that ``analysis.charts`` uses (WenQuanYi Micro Hei), embedded subset.
"""

from __future__ import annotations

import io

from fpdf import FPDF
from sqlalchemy.orm import Session

from survey.evaluation.charts import render_chart
from survey.evaluation.report import Disclosure, flag_text, flags_used, grouped_rows, visible_rows
from survey.i18n import _
from survey.models import EvaluationRun

FONT = "cjk"
COLUMNS = (("unit_name", 44), ("n_valid", 12), ("si", 16), ("ci", 28), ("social_points", 16),
           ("social_rank", 12), ("social_tier", 22), ("total", 16), ("total_rank", 12))


def _fmt(value: object, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _line(pdf: FPDF, text: str, size: float = 10, height: float = 6) -> None:
    pdf.set_font(FONT, size=size)
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def report_pdf(session: Session, run: EvaluationRun, info: Disclosure, unit_code: str | None = None) -> bytes:
    """The report of ``run`` as PDF bytes (only ``unit_code``'s row for a unit-bound viewer)."""
    from analysis.charts import cjk_font_path

    pdf = FPDF(format="A4")
    pdf.set_creator("Minyi")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font(FONT, fname=str(cjk_font_path()))
    pdf.add_page()
    _line(pdf, _("Social evaluation results %(period)s", period=run.period), 16, 9)
    status = {"published": _("published"), "draft": _("draft, not published"),
              "superseded": _("superseded")}[run.status.value]
    _line(pdf, f"{info.sponsor} · {_('Run %(id)s', id=run.id)} · {status}", 9)
    pdf.ln(2)
    headers = {"unit_name": _("Unit"), "n_valid": "n", "si": "SI", "ci": _("95% CI"),
               "social_points": _("Points"), "social_rank": _("Rank"), "social_tier": _("Tier"),
               "total": _("Total"), "total_rank": _("Total rank")}
    for group in grouped_rows(run, unit_code):
        _line(pdf, f"{_('Peer group')} {group.code}", 12, 8)
        pdf.set_font(FONT, size=8)
        for name, width in COLUMNS:
            pdf.cell(width, 6, headers[name], border=1)
        pdf.ln()
        for row in group.rows:
            values = {name: getattr(row, name, None) for name, _w in COLUMNS}
            values["ci"] = f"{_fmt(row.si_ci_low, 1)}–{_fmt(row.si_ci_high, 1)}"
            for name, width in COLUMNS:
                pdf.cell(width, 6, _fmt(values[name])[:24], border=1)
            pdf.ln()
        pdf.ln(2)
    legend = flags_used(visible_rows(run, unit_code))
    if legend:
        _line(pdf, _("What the flags mean"), 11, 7)
        for name, _text in legend:
            _line(pdf, f"{name}: {flag_text(name)}", 8, 5)
    png = render_chart(session, run, "ranked", "png", unit_code)
    pdf.add_page()
    _line(pdf, _("Ranked SI with confidence intervals (95%)"), 12, 8)
    pdf.image(io.BytesIO(png), w=180)
    pdf.ln(4)
    _line(pdf, _("Disclosure"), 12, 8)
    for label, value in disclosure_lines(info):
        _line(pdf, f"{label}: {value}", 8, 5)
    return bytes(pdf.output())


def disclosure_lines(info: Disclosure) -> list[tuple[str, str]]:
    """The disclosure as (label, text) pairs, shared by the HTML and PDF reports."""
    w = info.weighting or {}
    lines = [
        (_("Sponsor"), info.sponsor),
        (_("Period"), info.period),
        (_("Fieldwork"), " – ".join(info.fieldwork) if info.fieldwork else _("see the quarterly runs")),
        (_("Population and frame"), info.population),
        (_("Access"), info.access or "—"),
        (_("Responses by status"), ", ".join(f"{k} {v}" for k, v in sorted(info.submissions.items())) or "—"),
        (_("Accepted responses by channel"), ", ".join(f"{k} {v}" for k, v in info.channels.items()) or "—"),
        (_("Response rate"), f"{info.response_rate[0]} / {info.response_rate[1]} "
                             + _("invitations used") if info.response_rate
         else _("not known (open access: no sampling frame of invitations)")),
        (_("Weighting"), (_("raking to population margins") if w.get("raked") else _("design weights only"))
         + (f"; n_eff {_fmt(w.get('n_eff'), 1)}, deff {_fmt(w.get('deff'), 3)}" if w else "")),
        (_("Margins"), "; ".join(f"{v}={c}: {_fmt(s, 3)}" for v, c, s in info.margins) or "—"),
        (_("Margins of error"), _("Confidence intervals (95%) per unit are in the results table "
                                  "(linearized standard errors, weights taken as fixed).")),
        (_("Method"), ", ".join(f"{k}={v}" for k, v in info.method.items() if v is not None)),
        (_("Reproducibility"), f"input {info.input_sha256[:16]}…, code {info.code_version}"),
    ]
    return lines
