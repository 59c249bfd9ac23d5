"""The quarterly report (按季通报) as a PDF: ranked results, the ranked-SI chart, disclosure.

fpdf2 with the CJK font that ``analysis.charts`` uses (Debian's Noto Sans CJK), embedded subset.
The results table gives each rank with its 95% confidence set and each tier with its status in
words; under it, 样本不足 units with the ratings they need; then the office's decisions on
provisional placements with their reasons and, in annual runs, the evidence of CONSEC_BOTTOM.
"""

from __future__ import annotations

import io

from fpdf import FPDF
from sqlalchemy.orm import Session

from survey.evaluation.charts import render_chart
from survey.evaluation.report import (
    RANKSET_NOTE,
    Disclosure,
    consec_bottom_evidence,
    decision_lines,
    flag_text,
    flags_used,
    grouped_rows,
    pending_lines,
    report_cells,
    visible_rows,
)
from survey.i18n import _
from survey.models import EvaluationRun

FONT = "cjk"
#: (cell, width in mm): 190 mm, the A4 page between its 10 mm margins.
COLUMNS = (("unit_name", 30), ("n_valid", 9), ("si", 13), ("ci", 22), ("social_points", 13),
           ("rank", 17), ("social_tier", 28), ("total", 13), ("total_rank", 17), ("total_tier", 28))
TABLE_SIZE = 7.0
SMALLEST = 4.5


def _fmt(value: object, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _line(pdf: FPDF, text: str, size: float = 10, height: float = 6) -> None:
    pdf.set_font(FONT, size=size)
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def _cell(pdf: FPDF, width: float, text: str) -> None:
    """A bordered table cell; a text too wide for it is set smaller rather than cut."""
    size = TABLE_SIZE
    pdf.set_font(FONT, size=size)
    while size > SMALLEST and pdf.get_string_width(text) > width - 1.5:
        size -= 0.5
        pdf.set_font(FONT, size=size)
    pdf.cell(width, 6, text, border=1)
    pdf.set_font(FONT, size=TABLE_SIZE)


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
               "social_points": _("Points"), "rank": _("Rank"), "social_tier": _("Social tier"),
               "total": _("Total"), "total_rank": _("Total rank"), "total_tier": _("Total tier")}
    cells = report_cells(run, unit_code)
    for group in grouped_rows(run, unit_code):
        _line(pdf, f"{_('Peer group')} {group.code}", 12, 8)
        for name, width in COLUMNS:
            _cell(pdf, width, headers[name])
        pdf.ln()
        for row in group.rows:
            values = {name: getattr(row, name, None) for name, _w in COLUMNS}
            values["ci"] = f"{_fmt(row.si_ci_low, 1)}–{_fmt(row.si_ci_high, 1)}"
            values.update({k: v for k, v in cells[row.unit_code].items() if k != "low_n"})
            for name, width in COLUMNS:
                _cell(pdf, width, _fmt(values[name]))
            pdf.ln()
        _line(pdf, _(RANKSET_NOTE), 7, 4)
        for row in group.rows:
            if cells[row.unit_code]["low_n"]:
                _line(pdf, f"{row.unit_name}: {cells[row.unit_code]['low_n']}", 7, 4)
        pdf.ln(2)
    _decisions(pdf, run, unit_code)
    _consec_bottom(pdf, run, unit_code)
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


def _decisions(pdf: FPDF, run: EvaluationRun, unit_code: str | None) -> None:
    """The office's decisions on provisional placements (and those still waiting, in a draft)."""
    decided, pending = decision_lines(run, unit_code), pending_lines(run, unit_code)
    if not decided and not pending:
        return
    _line(pdf, _("The office's decisions on provisional placements"), 11, 7)
    _line(pdf, _("These are decisions of the office, not results of the statistics."), 8, 5)
    for d in decided:
        _line(pdf, f"{d.unit_name} · {d.scope}: {d.from_tier} → {d.to_tier} ({d.decision})", 8, 5)
        _line(pdf, f"    {_('Reason')}: {d.reason} · {_('By')}: {d.by} {d.at}", 8, 5)
    if pending:
        _line(pdf, _("Waiting for a decision"), 9, 6)
        for name, scope, tier in pending:
            _line(pdf, f"{name} · {scope}: {tier}", 8, 5)
    pdf.ln(2)


def _consec_bottom(pdf: FPDF, run: EvaluationRun, unit_code: str | None) -> None:
    """Annual runs: each CONSEC_BOTTOM unit with every year's evidence."""
    evidence = consec_bottom_evidence(run, unit_code)
    if not evidence:
        return
    _line(pdf, _("Total tier 较差 two years in a row (CONSEC_BOTTOM)"), 11, 7)
    for row, years in evidence:
        _line(pdf, row.unit_name, 9, 6)
        for y in years:
            reason = f" · {_('Reason')}: {y.office_reason}" if y.office_reason else ""
            _line(pdf, f"    {y.period}: {y.tier} ({y.status}) · {_('Total rank')} {y.rank}{reason}", 8, 5)
    pdf.ln(2)


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
