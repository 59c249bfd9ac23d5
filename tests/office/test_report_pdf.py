"""The 通报 as PDF, read as a reader reads it: poppler renders its pages (``pdftoppm``), lists
its images (``pdftohtml -xml``) and fonts (``pdffonts``) and extracts its text (``pdftotext``).

Every chart of the notice must be on a page whole (not cut at the bottom), drawn (the page has
the chart's coloured markers where the chart is), and every font must be an embedded CJK font.
The city is the one of ``test_report_docx``: two peer groups, a published 2026-Q3 and a 2026-Q4
draft.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.office.test_exports_evidence import pdf_text
from tests.office.test_report_docx import CODES, HEADING, expected_summary, notice_city

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                reason="poppler-utils missing: `make install-test` installs it")


@pytest.fixture
def city(db):
    return notice_city(db)


def _cli_pdf(runner, run_id: int, path: Path):
    args = ["report", str(run_id), "--format", "pdf", "--out", str(path)]
    for name, value in HEADING.items():
        args += [f"--{name}", value]
    return runner.invoke(args=args)


def _images(pdf: Path, into: Path) -> list[dict]:
    """Each image with its page and box, in the coordinates of ``pdftohtml -xml`` (zoom 1.5)."""
    xml = subprocess.run(["pdftohtml", "-xml", "-q", "-stdout", str(pdf), str(into / "img")],
                         capture_output=True, check=True, text=True).stdout
    pages: dict[int, tuple[int, int]] = {}
    images = []
    page = 0
    for line in xml.splitlines():
        found = re.search(r'<page number="(\d+)"[^>]* height="(\d+)" width="(\d+)"', line)
        if found:
            page = int(found.group(1))
            pages[page] = (int(found.group(3)), int(found.group(2)))
        box = re.search(r'<image top="(-?\d+)" left="(-?\d+)" width="(\d+)" height="(\d+)"', line)
        if box:
            top, left, width, height = (int(v) for v in box.groups())
            images.append({"page": page, "top": top, "left": left, "width": width, "height": height,
                           "page_size": pages[page]})
    return images


def _render(pdf: Path, page: int, into: Path) -> np.ndarray:
    """Page ``page`` as an RGB array at 108 dpi (the 1.5 zoom of ``pdftohtml``)."""
    from matplotlib.image import imread

    prefix = into / f"page-{page}"
    subprocess.run(["pdftoppm", "-q", "-png", "-r", "108", "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(prefix)], check=True)
    return imread(str(prefix) + ".png")[:, :, :3]


def test_every_chart_is_whole_on_its_page_and_drawn(runner, city, tmp_path):
    _q3, q4 = city
    out = tmp_path / "notice.pdf"
    assert _cli_pdf(runner, q4.id, out).exit_code == 0
    images = _images(out, tmp_path)
    # ranked, funnel and trend of each of the two peer groups, in that order
    assert len(images) == 6
    listed = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True).stdout
    sizes = [tuple(int(v) for v in line.split()[3:5]) for line in listed.splitlines()[2:]
             if line.split()[2] == "image"]
    assert len(sizes) == 6
    for image, (width_px, height_px) in zip(images, sizes, strict=True):
        page_width, page_height = image["page_size"]
        # whole on the page: inside its margins, not cut at the bottom
        assert image["top"] > 0 and image["left"] > 0, image
        assert image["top"] + image["height"] < page_height and image["left"] + image["width"] < page_width, image
        # sized to the page: as wide as the text (170 of 210 mm) unless the page height limits it
        assert image["width"] <= page_width * 170 / 210 + 2
        assert abs(image["width"] / image["height"] - width_px / height_px) < 0.02
        # drawn: the rendered page has the chart where the box is, with its coloured markers
        pixels = _render(out, image["page"], tmp_path)
        scale = pixels.shape[1] / page_width
        region = pixels[int(image["top"] * scale):int((image["top"] + image["height"]) * scale),
                        int(image["left"] * scale):int((image["left"] + image["width"]) * scale)]
        ink = (region.min(axis=2) < 0.85).mean()
        colour = ((region.max(axis=2) - region.min(axis=2)) > 0.3).sum()
        assert ink > 0.02 and colour > 20, (image, ink, colour)
    # each caption under its chart
    text = pdf_text(out.read_bytes())
    for group in ("城区", "县（市）"):
        assert f"{group}：各单位社会评价指数及95%置信区间" in text
        assert f"{group}：历期已公布社会评价指数走势" in text


def test_fonts_are_embedded_cjk_fonts(runner, city, tmp_path):
    _q3, q4 = city
    out = tmp_path / "notice.pdf"
    assert _cli_pdf(runner, q4.id, out).exit_code == 0
    listed = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    fonts = [line.split() for line in listed.splitlines()[2:] if line.strip()]
    assert fonts, listed
    for row in fonts:
        name, embedded = row[0], row[-5]
        assert "CJK" in name and embedded == "yes", row


def test_the_pdf_says_what_the_docx_says(runner, db, city, tmp_path):
    q3, q4 = city
    out = tmp_path / "notice.pdf"
    result = _cli_pdf(runner, q4.id, out)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == str(out)
    text = pdf_text(out.read_bytes())
    for heading in ("市综合目标考核办公室", "市考办〔2026〕12号", "关于2026年第四季度社会评价结果的通报",
                    "各区人民政府，市政府各部门：", "2026年12月20日"):
        assert heading in text, heading
    assert "草稿：本结果尚未公布，不得印发。" in text
    expected = expected_summary(db, q3, q4)
    for key in ("responses", "index", "placed"):
        assert expected[key] in text, key
    # the tables in rank order: the units of each group appear in the order of their ranks
    for group in ("CNTY_GRP", "DIST_GRP"):
        names = [r.unit_name for r in sorted((r for r in q4.results if r.peer_group == group),
                                             key=lambda r: r.social_rank)]
        table = text[text.index("二、分类评价结果"):text.index("三、目督办复核决定")]
        positions = [table.index(f"{name}") for name in names]
        assert positions == sorted(positions), (group, names)
    assert not CODES.search(text)
    # the appendix: method in plain words and the disclosure
    for label in ("附件：评价方法与调查情况说明", "委托方：市综合目标考核办公室", "应答率：无法计算",
                  "误差范围：全市指数±"):
        assert label in text, label
    assert re.search(r"调查方式：电话访问\d+份", text)


def test_the_office_downloads_the_pdf_from_the_web(client, auth, city):
    from tests.conftest import csrf_from

    _q3, q4 = city
    auth.login_as("office")
    response = client.get(f"/office/runs/{q4.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="minyi-notice-2026-Q4-{q4.id}.pdf"'
    page = client.get(f"/office/runs/{q4.id}/report").get_data(as_text=True)
    typed = {**HEADING, "csrf_token": csrf_from(page), "format": "pdf"}
    response = client.post(f"/office/runs/{q4.id}/notice", data=typed)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    assert "市考办〔2026〕12号" in text and "各区人民政府，市政府各部门：" in text
