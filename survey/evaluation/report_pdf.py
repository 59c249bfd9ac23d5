"""The 通报 as PDF (fpdf2), laid out like the Word version from the same
:class:`~survey.evaluation.report_model.Notice`.

The CJK font is the one the charts use (Debian's Noto Sans CJK, ``analysis.charts``), embedded as
a subset, with its bold face when installed. Tables wrap their cells and repeat their heading
row on a new page; a chart is as wide as the text, or smaller when it would be taller than the
page, and starts on a new page rather than being cut at the bottom of one.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from fpdf import FPDF, FontFace
from fpdf.enums import WrapMode

from survey.evaluation.report_model import (
    CHART_DPI,
    ChartSpec,
    GroupSection,
    Notice,
    png_size,
    section_title,
)
from survey.i18n import _

FONT = "cjk"
RED = (192, 0, 0)
#: A4 and its margins (mm); the text is 170 mm wide.
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 20.0, 20.0, 18.0
#: Relative widths of a group table's columns (rank, unit, n, SI, CI, points, tier, change,
#: then total, total rank, total tier when the run has totals).
WIDTHS = (13, 21, 9, 10, 17, 10, 22, 21, 10, 13, 22)
ALIGN = ("CENTER", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "LEFT", "CENTER", "RIGHT", "CENTER", "LEFT")
TABLE_SIZE = 7.5
PDF_MIMETYPE = "application/pdf"


#: Chinese line breaking (禁则): these never start a line, and these never end one.
NO_LINE_START = set("，。、；：？！）》」』】〕”’%…—·,.;:?!)]")
NO_LINE_END = set("（《「『【〔“‘([")


def cjk_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` broken into lines no wider than ``width``, a character at a time, without a
    closing mark at the start of a line or an opening one at its end (the character before moves
    down with it)."""
    lines: list[str] = []
    line = ""
    for char in text:
        if not line or measure(line + char) <= width:
            line += char
            continue
        carried = ""
        while line and len(carried) < 4 and ((carried or char)[0] in NO_LINE_START or line[-1] in NO_LINE_END):
            line, carried = line[:-1], line[-1] + carried
        if not line:  # nothing left to keep: break where the width says
            line, carried = carried, ""
        lines.append(line)
        line = carried + char
    return [*lines, line] if line else lines


class NoticePDF(FPDF):
    """A4 with page numbers at the foot (— 1 —)."""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=9)
        self.cell(0, 5, f"— {self.page_no()} —", align="C")


def _fonts(pdf: FPDF) -> None:
    from analysis.charts import cjk_font_path

    regular = cjk_font_path()
    bold = regular.with_name(regular.name.replace("Regular", "Bold"))
    pdf.add_font(FONT, fname=str(regular))
    pdf.add_font(FONT, style="B", fname=str(bold if bold != regular and bold.is_file() else regular))


class Writer:
    """Lays a notice out on the pages of one PDF."""

    def __init__(self, notice: Notice, dpi: int) -> None:
        self.notice, self.dpi = notice, dpi
        self.pdf = NoticePDF(format="A4")
        self.pdf.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)
        self.pdf.set_auto_page_break(True, margin=MARGIN_BOTTOM)
        self.pdf.set_creator("Minyi")
        self.pdf.set_title(notice.title)
        self.pdf.set_author(notice.heading.issuer)
        self.pdf.set_lang("en" if notice.language == "en" else "zh-CN")
        _fonts(self.pdf)
        self.wrap = WrapMode.WORD if notice.language == "en" else WrapMode.CHAR
        self.indent = "" if notice.language == "en" else "\u3000\u3000"

    @property
    def width(self) -> float:
        return self.pdf.w - 2 * MARGIN_X

    def text(self, text: str, size: float = 11, height: float = 6.5, bold: bool = False,
             align: str = "J", colour: tuple[int, int, int] = (0, 0, 0), indent: bool = False) -> None:
        # fpdf2 takes fractional sizes and widths; types-fpdf2 declares them int
        self.pdf.set_font(FONT, style="B" if bold else "", size=size)  # type: ignore[arg-type]
        self.pdf.set_text_color(*colour)
        text = (self.indent if indent else "") + text
        if self.wrap == WrapMode.CHAR:
            text = "\n".join(cjk_lines(text, self.width - 2 * self.pdf.c_margin, self.pdf.get_string_width))
            align = "L" if align == "J" else align
        self.pdf.multi_cell(0, height, text, align=align, new_x="LMARGIN", new_y="NEXT", wrapmode=self.wrap)
        self.pdf.set_text_color(0, 0, 0)

    def heading(self, text: str, size: float = 13) -> None:
        if self.pdf.will_page_break(30):
            self.pdf.add_page()
        self.pdf.ln(2)
        self.text(text, size, 8, bold=True, align="L")
        self.pdf.ln(1)

    def front(self) -> None:
        notice, heading = self.notice, self.notice.heading
        self.pdf.add_page()
        if notice.status_note:
            self.text(notice.status_note, 10, 6, bold=True, colour=RED, align="L")
        self.pdf.ln(4)
        self.text(heading.issuer, 22, 12, bold=True, align="C", colour=RED)
        if heading.number:
            self.text(heading.number, 12, 7, align="C")
        self.pdf.ln(1)
        self.pdf.set_draw_color(*RED)
        self.pdf.set_line_width(0.6)
        y = self.pdf.get_y()
        self.pdf.line(MARGIN_X, y, self.pdf.w - MARGIN_X, y)
        self.pdf.set_draw_color(0, 0, 0)
        self.pdf.set_line_width(0.2)
        self.pdf.ln(8)
        self.text(notice.title, 17, 9, bold=True, align="C")
        self.pdf.ln(4)
        if heading.recipients:
            self.text(_("%(recipients)s:", recipients=heading.recipients.rstrip(":：")), 11, 7, align="L")

    def table(self, group: GroupSection) -> None:
        count = len(group.columns)
        widths = WIDTHS[:count]
        self.pdf.set_font(FONT, size=TABLE_SIZE)  # type: ignore[arg-type]
        style = FontFace(emphasis="BOLD", fill_color=(231, 230, 230))
        with self.pdf.table(col_widths=widths, text_align=ALIGN[:count],
                            width=self.width,  # type: ignore[arg-type]
                            line_height=4.0,  # type: ignore[arg-type]
                            padding=0.8, headings_style=style, repeat_headings=1,
                            wrapmode=self.wrap) as table:
            header = table.row()
            for name in group.columns:
                header.cell(name, align="CENTER")
            for cells in group.rows:
                row = table.row()
                for text in cells:
                    row.cell(text)

    def chart(self, chart: ChartSpec) -> None:
        """The chart, scaled to the text width or to the page height, never cut by a page end."""
        png = chart.png(self.dpi)
        width_px, height_px = png_size(png)
        room = self.pdf.h - MARGIN_TOP - MARGIN_BOTTOM - 14  # a caption below it
        width = min(self.width, room * width_px / height_px)
        height = width * height_px / width_px
        if self.pdf.will_page_break(height + 12):
            self.pdf.add_page()
        self.pdf.ln(2)
        y = self.pdf.get_y()
        self.pdf.image(io.BytesIO(png), x=MARGIN_X + (self.width - width) / 2, y=y, w=width, h=height,
                       alt_text=chart.caption)
        self.pdf.set_y(y + height + 1)
        self.text(chart.caption, 9, 5, align="C")
        self.pdf.ln(2)

    def body(self) -> None:
        notice = self.notice
        self.heading(section_title("summary"))
        for text in notice.summary:
            self.text(text, indent=True)
        self.heading(section_title("groups"))
        for group in notice.groups:
            self.heading(group.heading, 11.5)
            self.table(group)
            self.pdf.ln(1)
            self.text(notice.table_note, 8, 4.5)
            for note in group.notes:
                self.text(note, 8, 4.5)
            for chart in group.charts:
                self.chart(chart)
        for chart in notice.charts:
            self.chart(chart)
        if notice.decisions or notice.pending or notice.consec_bottom:
            self.heading(section_title("notes"))
            self.text(_("These are decisions of the office, not results of the statistics."), indent=True)
            for line in notice.decisions:
                self.text(line, 10, 6, indent=True)
            if notice.pending:
                self.heading(_("Waiting for a decision"), 11.5)
                for line in notice.pending:
                    self.text(line, 10, 6, indent=True)
            for line in notice.consec_bottom:
                self.text(line, 10, 6, indent=True)
        if self.pdf.will_page_break(24):
            self.pdf.add_page()
        self.pdf.ln(8)
        self.text(notice.heading.issuer, align="R")
        self.text(notice.date_text, align="R")

    def appendix(self) -> None:
        self.pdf.add_page()
        self.heading(section_title("appendix"))
        for label, text in self.notice.method:
            self.text(_("%(label)s: ", label=label) + text, 9.5, 5.5, indent=True)
        self.heading(_("Disclosure"), 11.5)
        for label, text, literal in self.notice.disclosure:
            self.text(_("%(label)s: ", label=label) + (f"{text} {literal}" if literal else text), 9.5, 5.5,
                      indent=True)

    def output(self) -> bytes:
        self.front()
        self.body()
        self.appendix()
        return bytes(self.pdf.output())


def report_pdf(notice: Notice, dpi: int = CHART_DPI) -> bytes:
    """The notice as PDF bytes (charts drawn at ``dpi``)."""
    return Writer(notice, dpi).output()
