"""The 通报 as an editable Word document (python-docx), laid out after the Chinese official
document format (GB/T 9704): the issuing office in red over a red rule, the document number, the
title, the recipients, the body, the issuer and date at the end, page numbers at the foot.

Fonts are named, not embedded (Word substitutes what a machine lacks): 宋体 for the title, 黑体
for headings, 仿宋 for the text. A Word document can only be edited if nothing is hidden in it,
so everything comes from :class:`~survey.evaluation.report_model.Notice` and nothing else.
"""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from survey.evaluation.report_model import CHART_DPI, Notice, png_size, section_title
from survey.i18n import _

RED = RGBColor(0xC0, 0x00, 0x00)
TITLE_FONT, HEADING_FONT, TEXT_FONT = "宋体", "黑体", "仿宋"
#: A4 with the margins of GB/T 9704 (type area 156 × 225 mm).
PAGE, MARGINS = (Mm(210), Mm(297)), {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 156.0, 225.0
#: Columns set right-aligned (numbers) by their position in a group table.
NUMERIC = {2, 3, 4, 5, 8}
#: Columns set centred (ranks, changes).
CENTRED = {0, 7, 9}
#: Attributes of ``w:rFonts`` that name a theme font instead of a font.
THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _font(font, name: str, size: float | None = None, bold: bool | None = None,
          colour: RGBColor | None = None) -> None:
    """Set a run's or style's font, the East Asian one included (Word keeps it apart)."""
    font.name = name
    fonts = font.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    for theme in THEME_FONTS:  # a theme font would win over the name in Word
        fonts.attrib.pop(qn(theme), None)
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if colour is not None:
        font.color.rgb = colour


def _paragraph(doc, text: str = "", font: str = TEXT_FONT, size: float = 14, bold: bool = False,
               align=None, colour: RGBColor | None = None, indent: bool = False, space_after: float = 0,
               style: str | None = None) -> Paragraph:
    paragraph = doc.add_paragraph(style=style)
    if text:
        _font(paragraph.add_run(text).font, font, size, bold, colour)
    fmt = paragraph.paragraph_format
    if align is not None:
        paragraph.alignment = align
    if indent:
        fmt.first_line_indent = Pt(2 * size)
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    return paragraph


def _red_rule(paragraph: Paragraph) -> None:
    """A red line under ``paragraph`` (its bottom border), the 版头 separator."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "16"), ("w:space", "4"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph.paragraph_format.element.get_or_add_pPr().append(borders)


def _page_numbers(section) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run("— ").font, TEXT_FONT, 12)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    paragraph.paragraph_format.element.append(field)
    _font(paragraph.add_run(" —").font, TEXT_FONT, 12)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    _font(normal.font, TEXT_FONT, 14)
    normal.paragraph_format.line_spacing = 1.25
    for name, size in (("Heading 1", 16), ("Heading 2", 14)):
        style = doc.styles[name]
        _font(style.font, HEADING_FONT if name == "Heading 1" else "楷体", size, True, RGBColor(0, 0, 0))
        style.font.italic = False
        style.paragraph_format.space_before = Pt(10)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True


def _repeat_header(row_paragraph: Paragraph) -> None:
    """Repeat a table's first row on every page (``w:tblHeader`` of its ``w:tr``)."""
    row = row_paragraph.paragraph_format.element.getparent().getparent()
    properties = row.find(qn("w:trPr"))
    if properties is None:
        properties = OxmlElement("w:trPr")
        row.insert(0, properties)
    properties.append(OxmlElement("w:tblHeader"))


def _shade(cell_paragraph: Paragraph, fill: str = "E7E6E6") -> None:
    cell = cell_paragraph.paragraph_format.element.getparent()
    properties = cell.find(qn("w:tcPr"))
    if properties is None:
        properties = OxmlElement("w:tcPr")
        cell.insert(0, properties)
    shading = OxmlElement("w:shd")
    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", fill)):
        shading.set(qn(key), value)
    properties.append(shading)


def _cell_text(cell, text: str, bold: bool = False, align=None) -> Paragraph:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    if align is not None:
        paragraph.alignment = align
    _font(paragraph.add_run(text).font, TEXT_FONT, 9, bold)
    return paragraph


def _table(doc, columns: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1 + len(rows), cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, name in enumerate(columns):
        paragraph = _cell_text(table.cell(0, i), name, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _shade(paragraph)
    _repeat_header(table.cell(0, 0).paragraphs[0])
    for r, cells in enumerate(rows, start=1):
        for i, text in enumerate(cells):
            align = (WD_ALIGN_PARAGRAPH.RIGHT if i in NUMERIC
                     else WD_ALIGN_PARAGRAPH.CENTER if i in CENTRED else None)
            _cell_text(table.cell(r, i), text, align=align)


def _picture(doc, png: bytes, caption: str) -> None:
    """A chart as wide as the text, or smaller when it would be taller than the page."""
    width_px, height_px = png_size(png)
    width = min(TEXT_WIDTH_MM, (TEXT_HEIGHT_MM - 20) * width_px / height_px)
    paragraph = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph.paragraph_format.keep_with_next = True
    paragraph.add_run().add_picture(io.BytesIO(png), width=Mm(width), height=Mm(width * height_px / width_px))
    _paragraph(doc, caption, size=10.5, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=8)


def _labelled(doc, label: str, text: str) -> None:
    paragraph = _paragraph(doc, indent=True, size=12)
    _font(paragraph.add_run(_("%(label)s: ", label=label)).font, HEADING_FONT, 12)
    _font(paragraph.add_run(text).font, TEXT_FONT, 12)


def report_docx(notice: Notice, dpi: int = CHART_DPI) -> bytes:
    """The notice as DOCX bytes (charts drawn at ``dpi``)."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE
    for side, value in MARGINS.items():
        setattr(section, f"{side}_margin", value)
    _styles(doc)
    _page_numbers(section)
    heading = notice.heading
    properties = doc.core_properties
    properties.title, properties.author, properties.subject = notice.title, heading.issuer, notice.period
    moment = datetime(heading.date.year, heading.date.month, heading.date.day)
    properties.created = properties.modified = moment
    properties.last_modified_by, properties.revision, properties.comments = heading.issuer, 1, ""

    if notice.status_note:
        _paragraph(doc, notice.status_note, HEADING_FONT, 12, True, colour=RED, space_after=6)
    _paragraph(doc, heading.issuer, TITLE_FONT, 26, True, WD_ALIGN_PARAGRAPH.CENTER, RED, space_after=6)
    rule = _paragraph(doc, heading.number, TEXT_FONT, 16, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=18)
    _red_rule(rule)
    _paragraph(doc, notice.title, TITLE_FONT, 20, True, WD_ALIGN_PARAGRAPH.CENTER, space_after=14)
    if heading.recipients:
        _paragraph(doc, _("%(recipients)s:", recipients=heading.recipients.rstrip(":：")))

    doc.add_heading(section_title("summary"), level=1)
    for text in notice.summary:
        _paragraph(doc, text, indent=True)
    doc.add_heading(section_title("groups"), level=1)
    for group in notice.groups:
        doc.add_heading(group.heading, level=2)
        _table(doc, group.columns, group.rows)
        _paragraph(doc, notice.table_note, size=9, space_after=2)
        for note in group.notes:
            _paragraph(doc, note, size=9)
        for chart in group.charts:
            _picture(doc, chart.png(dpi), chart.caption)
    for chart in notice.charts:
        _picture(doc, chart.png(dpi), chart.caption)
    if notice.decisions or notice.pending or notice.consec_bottom:
        doc.add_heading(section_title("notes"), level=1)
        _paragraph(doc, _("These are decisions of the office, not results of the statistics."), indent=True)
        for line in notice.decisions:
            _paragraph(doc, line, indent=True, size=12)
        if notice.pending:
            doc.add_heading(_("Waiting for a decision"), level=2)
            for line in notice.pending:
                _paragraph(doc, line, indent=True, size=12)
        for line in notice.consec_bottom:
            _paragraph(doc, line, indent=True, size=12)

    _paragraph(doc, space_after=12)
    _paragraph(doc, heading.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, notice.date_text, align=WD_ALIGN_PARAGRAPH.RIGHT)

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading(section_title("appendix"), level=1)
    for label, text in notice.method:
        _labelled(doc, label, text)
    doc.add_heading(_("Disclosure"), level=2)
    for label, text, literal in notice.disclosure:
        _labelled(doc, label, f"{text} {literal}" if literal else text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
