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


# --- small multiples, readable funnel labels, labels in the reader's language (issue 14) ---

def _unit(template, i: int, n_eff: float, si: float, se: float, tier: str = "良好", name: str | None = None):
    import dataclasses

    return dataclasses.replace(template, unit_code=f"U{i:02d}", unit_name=name or f"单位{i:02d}",
                               peer_group="县区", n_eff=n_eff, si=si, si_se=se, social_tier=tier)


def label_boxes(fig):
    """Window extents of the funnel's point labels, measured with the figure's renderer."""
    with charts.cjk_context():
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        return [t.get_window_extent(renderer) for t in fig.axes[0].texts], fig.axes[0].get_window_extent(renderer)


def overlapping(boxes) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
            if boxes[i].x0 < boxes[j].x1 and boxes[j].x0 < boxes[i].x1
            and boxes[i].y0 < boxes[j].y1 and boxes[j].y0 < boxes[i].y1]


def test_funnel_labels_never_overlap_in_a_crowded_group(result):
    """42 units with long names, many outside the limits and bunched together: every label that
    is drawn lies inside the axes and overlaps no other (boxes from matplotlib's renderer)."""
    rng = np.random.default_rng(3)
    names = ["市住房和城乡建设局", "市市场监督管理局", "市人力资源和社会保障局", "市生态环境局", "市交通运输局"]
    rows = [_unit(result.rows[0], i, n_eff=float(rng.uniform(200, 260)), si=float(rng.normal(75, 6)), se=0.9,
                  name=f"{names[i % len(names)]}{i}") for i in range(42)]
    fig = charts.funnel_chart(rows)
    boxes, frame = label_boxes(fig)
    assert len(boxes) >= 5
    assert overlapping(boxes) == []
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)
    # a group this large has only its outliers labelled (outside the 95% limits)
    centre = np.average([r.si for r in rows], weights=[r.n_eff for r in rows])
    sigma = np.median([r.si_se * np.sqrt(r.n_eff) for r in rows])
    outliers = {r.unit_name for r in rows if abs(r.si - centre) > 1.96 * sigma / np.sqrt(r.n_eff)}
    assert {t.get_text() for t in fig.axes[0].texts} <= outliers
    assert render(fig) == (800, 500)


def test_funnel_labels_every_unit_of_a_small_group_even_when_points_coincide(result):
    rows = [_unit(result.rows[0], i, n_eff=100.0 + i * 0.1, si=80.0 + i * 0.05, se=1.5) for i in range(6)]
    fig = charts.funnel_chart(rows)
    boxes, _frame = label_boxes(fig)
    assert len(boxes) == 6  # small group: every unit labelled, each in its own place
    assert overlapping(boxes) == []


def test_funnel_speaks_the_callers_language(result):
    labels = charts.FunnelLabels(title="Funnel plot", xlabel="Effective sample size", ylabel="Index (SI)",
                                 limit_95="95% limit", limit_998="99.8% limit", mean="Weighted mean")
    fig = charts.funnel_chart(result.rows, labels=labels, unit_names={"U0": "Unit zero"},
                              tier_names={"优秀": "Excellent", "良好": "Good", "一般": "Fair", "较差": "Poor",
                                          "较差(待复核)": "Poor (to be reviewed)",
                                          "优秀(待复核)": "Excellent (to be reviewed)"})
    ax = fig.axes[0]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Funnel plot", "Effective sample size", "Index (SI)")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == ["95% limit", "99.8% limit", "Weighted mean"]
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in legend), legend
    assert render(fig) == (800, 500)


def test_ranked_chart_takes_tier_group_and_unit_names(result):
    fig = charts.ranked_si_chart(result.rows, peer_group="县区", title="Index", xlabel="SI (0–100)",
                                 tier_names={t: "T" for t in {r.social_tier for r in result.rows}},
                                 group_names={"县区": "Districts"}, unit_names={"U0": "Unit zero"})
    ax = fig.axes[0]
    assert ax.get_title() == "Index · Districts" and ax.get_xlabel() == "SI (0–100)"
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert "Unit zero（T）" in ticks


def test_trend_small_multiples_have_one_panel_per_unit_in_distinct_readable_colours():
    from matplotlib.colors import to_rgb

    from analysis.trend_panels import TrendLabels, TrendPanel, contrast_on_white, trend_panels

    periods = [f"{y}-Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)]
    rng = np.random.default_rng(1)
    groups = {"县区": [TrendPanel(f"县区{i}", rng.normal(75, 3, 8).tolist(), rng.normal(70, 1, 8).tolist(),
                                rng.normal(80, 1, 8).tolist()) for i in range(12)],
              "市级部门": [TrendPanel(f"部门{i}", rng.normal(78, 3, 8).tolist()) for i in range(30)]}
    labels = TrendLabels(title="Index over time", xlabel="Period", ylabel="SI", unit="This unit",
                         interval="95% interval", mean="Group mean", others="Other units")
    fig = trend_panels(periods, groups, labels)
    assert [sf.get_suptitle() for sf in fig.subfigs] == ["县区", "市级部门"]
    for subfig, panels in zip(fig.subfigs, groups.values(), strict=True):
        shown = [ax for ax in subfig.axes if ax.get_visible()]
        assert [ax.get_title(loc="left") for ax in shown] == [p.name for p in panels]
        # the unit's own line is the last one drawn in its panel (over the grey peers and the mean)
        colours = [ax.get_lines()[-1].get_color() for ax in shown]
        assert len(set(colours)) == len(panels)
        assert all(contrast_on_white(to_rgb(c)) >= 3.0 for c in colours)
        for ax in shown:  # the group's mean and the unit itself, over the other units in grey
            from matplotlib.collections import LineCollection

            assert len(ax.get_lines()) == 2
            (others,) = [c for c in ax.collections if isinstance(c, LineCollection)]
            assert len(others.get_segments()) == len(panels) - 1
        legend = [t.get_text() for t in subfig.legends[0].get_texts()]
        with_interval = panels[0].ci_low is not None
        assert legend == ["This unit", *(["95% interval"] if with_interval else []), "Group mean", "Other units"]
    w, h = fig.get_size_inches() * 100
    assert render(fig) == (int(w), int(h))


def test_distinct_colours():
    from matplotlib.colors import to_rgb

    from analysis.trend_panels import contrast_on_white, distinct_colours

    for n in (1, 2, 12, 42, 60):
        colours = distinct_colours(n)
        assert len(set(colours)) == n
        assert min(contrast_on_white(to_rgb(c)) for c in colours) >= 3.0
    with pytest.raises(ValueError, match="n: expected a count"):
        distinct_colours(-1)
