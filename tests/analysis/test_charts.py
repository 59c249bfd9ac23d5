"""Charts render to PNG of the expected size, with Chinese text in a CJK font and no missing glyphs.

pytest runs with filterwarnings=error, so a "Glyph ... missing from font(s)" warning fails here.
"""

from __future__ import annotations

import io
import pathlib
import re
import struct
import warnings

import numpy as np
import pytest

from analysis import charts, evaluate_wave
from tests.analysis.test_golden import GOLDEN_CONFIG, golden_input
from tests.analysis.test_wave import synthetic

OPTIONS = ["非常满意", "比较满意", "一般", "不太满意", "很不满意", "不了解"]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def result():
    return evaluate_wave(synthetic(n=900, n_units=8, seed=2))


def render(fig) -> tuple[int, int]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph must fail, whatever the ini says
        data = charts.figure_png(fig)
    return png_size(data)


def text_fonts(fig) -> set[str]:
    """Font files that the figure's texts (titles, tick labels, annotations) resolve to."""
    from matplotlib import font_manager

    fig.canvas.draw()  # ticks exist only after a draw
    found = set()
    for text in fig.findobj(lambda a: hasattr(a, "get_fontproperties") and hasattr(a, "get_text")):
        if any("\u4e00" <= ch <= "\u9fff" for ch in text.get_text()):
            found.add(pathlib.Path(font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)).name)
    return found


def test_ranked_si_chart(result):
    fig = charts.ranked_si_chart(result.rows)
    assert len(fig.axes) == 2  # two peer groups
    w, h = fig.get_size_inches() * 100
    assert render(fig) == (int(w), int(h))
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert any("单位" in label for label in labels)


def test_funnel_chart(result):
    fig = charts.funnel_chart(result.rows, peer_group="县区")
    assert render(fig) == (800, 500)
    assert fig.axes[0].get_xlabel() == "有效样本量 n_eff"


def test_trend_chart():
    fig = charts.trend_chart(["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"],
                             {"东城区": [80.0, 81.5, np.nan, 84.0], "西城区": [75.0, 74.0, 77.5, 78.0]},
                             ci_low={"东城区": [77, 79, np.nan, 81]}, ci_high={"东城区": [83, 84, np.nan, 87]})
    assert render(fig) == (800, 450)


def test_distribution_chart(result):
    names = [r.unit_name for r in result.rows]
    fig = charts.distribution_chart(names, result.overall_distribution, OPTIONS)
    w, h = fig.get_size_inches() * 100
    assert render(fig) == (int(w), int(h))
    with pytest.raises(ValueError, match="distribution: expected shape"):
        charts.distribution_chart(names[:2], result.overall_distribution, OPTIONS)


def test_chinese_text_is_set_in_the_cjk_font():
    res = evaluate_wave(golden_input(), GOLDEN_CONFIG)
    with charts.cjk_context():
        fig = charts.ranked_si_chart(res.rows)
        fonts = text_fonts(fig)
    assert fonts == {charts.cjk_font_path().name}
    assert charts.cjk_family() in {"WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK JP"}


def test_missing_font_is_a_loud_error(monkeypatch):
    monkeypatch.setattr(charts, "_candidates", lambda: iter([pathlib.Path("/nonexistent/font.ttc")]))
    with pytest.raises(charts.MissingCJKFontError, match="apt-get install fonts-noto-cjk"):
        charts.trend_chart(["2026-Q1"], {"东城区": [80.0]})


def test_the_font_is_debians_noto_sans_cjk(monkeypatch):
    """fonts-noto-cjk (installed by `make run` / `make test`) is the font: first after the override."""
    monkeypatch.delenv("MINYI_CJK_FONT", raising=False)
    noto = pathlib.Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    assert [str(p) for p in charts._candidates()][0] == str(noto)
    assert noto.is_file(), "fonts-noto-cjk is not installed: apt-get install fonts-noto-cjk (make test does)"
    assert charts.cjk_font_path() == noto
    assert charts.cjk_family().startswith("Noto Sans CJK")


def test_chinese_title_renders_in_noto_and_embeds_in_pdf_and_svg(monkeypatch):
    monkeypatch.delenv("MINYI_CJK_FONT", raising=False)
    fig = charts.trend_chart(["2026-Q1", "2026-Q2"], {"东城区": [80.0, 82.5]})
    fig.axes[0].set_title("中文标题：社会评价")
    assert render(fig) == (800, 450)  # and no missing-glyph warning
    with charts.cjk_context():
        assert text_fonts(fig) == {"NotoSansCJK-Regular.ttc"}
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            pdf, svg = io.BytesIO(), io.BytesIO()
            fig.savefig(pdf, format="pdf")
            fig.savefig(svg, format="svg")
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSansCJK\w*-Regular", pdf.getvalue())  # embedded subset
    assert svg.getvalue().count(b"<path") > 10  # text drawn as glyph outlines (svg.fonttype 'path')


def test_env_variable_names_the_font(monkeypatch):
    path = charts.cjk_font_path()
    monkeypatch.setenv("MINYI_CJK_FONT", str(path))
    assert charts.cjk_font_path() == path
