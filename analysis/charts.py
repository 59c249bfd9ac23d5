"""Charts as matplotlib ``Figure`` objects (never pyplot), with Chinese labels in a CJK font.

The font is Noto Sans CJK from Debian's ``fonts-noto-cjk`` package (SIL Open Font License;
``make run`` / ``make test`` install it, or ``apt-get install fonts-noto-cjk``), else Debian's
WenQuanYi fonts (``fonts-wqy-microhei`` / ``fonts-wqy-zenhei``); the file named by the
``MINYI_CJK_FONT`` environment variable overrides both. Without any, :class:`MissingCJKFontError` is raised:
a chart never silently shows boxes. Render with :func:`figure_png`, which applies the font to
every text drawn (tick labels are only created at draw time).

matplotlib is imported inside the functions so ``import analysis`` stays fast.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import pathlib
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from analysis.config import two_sided_z
from analysis.ranking import EXCELLENT, FAIR, GOOD, POOR, POOR_REVIEW

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from analysis.results import UnitRow

#: Noto Sans CJK as installed by Debian / Ubuntu's ``fonts-noto-cjk`` (the project's CJK font).
NOTO_CJK_FONTS: tuple[str, ...] = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",)
#: Other Debian / Ubuntu CJK fonts tried when Noto is missing (``fonts-wqy-microhei``, ``fonts-wqy-zenhei``).
SYSTEM_FONTS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
TIER_COLOURS = {EXCELLENT: "#2e7d32", GOOD: "#1565c0", FAIR: "#f9a825", POOR: "#c62828", POOR_REVIEW: "#ef6c00",
                EXCELLENT + "(待复核)": "#81c784"}


class MissingCJKFontError(RuntimeError):
    """No font with Chinese glyphs was found; charts would show boxes instead of text."""


def _candidates() -> Iterator[pathlib.Path]:
    env = os.environ.get("MINYI_CJK_FONT")
    if env:
        yield pathlib.Path(env)
    for path in (*NOTO_CJK_FONTS, *SYSTEM_FONTS):
        yield pathlib.Path(path)


def cjk_font_path() -> pathlib.Path:
    """Path of the CJK font used for charts.

    Raises
    ------
    MissingCJKFontError
        Saying how to install one.

    Examples
    --------
    >>> cjk_font_path().suffix
    '.ttc'
    """
    for path in _candidates():
        if path.is_file():
            return path
    raise MissingCJKFontError(
        "no CJK font for chart labels: `apt-get install fonts-noto-cjk` (as root; `make run` / "
        "`make test` do it), or set MINYI_CJK_FONT to a .ttf/.ttc/.otf file"
    )


@lru_cache(maxsize=4)
def _register(path: str) -> str:
    from matplotlib import font_manager

    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def cjk_family() -> str:
    """Family name of the CJK font, registered with matplotlib (e.g. 'Noto Sans CJK JP')."""
    return _register(str(cjk_font_path()))


@contextlib.contextmanager
def cjk_context() -> Iterator[None]:
    """rcParams with the CJK font first and DejaVu Sans as glyph fallback."""
    import matplotlib

    family = cjk_family()
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"],
                                "axes.unicode_minus": False}):
        yield


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """Render a figure to PNG bytes with the CJK font (size = figsize × dpi pixels).

    Examples
    --------
    >>> png = figure_png(trend_chart(["2026-Q1", "2026-Q2"], {"东城区": [80.0, 82.5]}))
    >>> png[:4], int.from_bytes(png[16:20], "big")
    (b'\\x89PNG', 800)
    """
    buf = io.BytesIO()
    with cjk_context():
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _groups(rows: Sequence[UnitRow], peer_group: str | None) -> list[tuple[str, list[UnitRow]]]:
    names = [peer_group] if peer_group else sorted({r.peer_group for r in rows})
    return [(g, [r for r in rows if r.peer_group == g and math.isfinite(r.si)]) for g in names]


def ranked_si_chart(rows: Sequence[UnitRow], peer_group: str | None = None,
                    title: str = "社会评价指数（95% 置信区间）") -> Figure:
    """Units ranked by SI with 95% CI bars, one panel per peer group, coloured by social tier.

    Examples
    --------
    >>> from tests.analysis.test_golden import GOLDEN_CONFIG, golden_input
    >>> from analysis import evaluate_wave
    >>> fig = ranked_si_chart(evaluate_wave(golden_input(), GOLDEN_CONFIG).rows)
    >>> len(fig.axes), fig.get_size_inches().tolist()
    (1, [8.0, 2.875])
    """
    groups = _groups(rows, peer_group)
    heights = [max(len(g[1]), 1) for g in groups]
    with cjk_context():
        # sizes in eighths of an inch are exact in binary, so the PNG size is predictable
        fig = _figure(8.0, 1.25 + 0.375 * sum(heights) + 0.5 * len(groups))
        axes = fig.subplots(len(groups), 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
        for ax, (name, members) in zip(axes, groups, strict=True):
            members = sorted(members, key=lambda r: r.si)
            y = np.arange(len(members))
            si = np.array([r.si for r in members])
            lo = np.array([r.si_ci_low for r in members])
            hi = np.array([r.si_ci_high for r in members])
            colours = [TIER_COLOURS.get(r.social_tier or "", "#757575") for r in members]
            ax.errorbar(si, y, xerr=[si - np.nan_to_num(lo, nan=si), np.nan_to_num(hi, nan=si) - si],
                        fmt="none", ecolor="#9e9e9e", capsize=3)
            ax.scatter(si, y, c=colours, zorder=3)
            ax.set_yticks(y, labels=[f"{r.unit_name}（{r.social_tier or '—'}）" for r in members])
            ax.set_title(f"{title} · {name}", fontsize=10)
            ax.set_xlabel("SI（0–100）")
            ax.grid(axis="x", alpha=0.3)
    return fig


def funnel_chart(rows: Sequence[UnitRow], peer_group: str | None = None,
                 title: str = "漏斗图：SI 与有效样本量") -> Figure:
    """SI against n_eff with 95% and 99.8% control limits around the peer mean.

    The limits are mean ± z·σ/√n_eff with σ the median of SE·√n_eff over the units shown.

    Examples
    --------
    >>> from tests.analysis.test_golden import GOLDEN_CONFIG, golden_input
    >>> from analysis import evaluate_wave
    >>> funnel_chart(evaluate_wave(golden_input(), GOLDEN_CONFIG).rows).get_size_inches().tolist()
    [8.0, 5.0]
    """
    members = [r for g in _groups(rows, peer_group) for r in g[1] if math.isfinite(r.si_se)]
    n_eff = np.array([r.n_eff for r in members])
    si = np.array([r.si for r in members])
    with cjk_context():
        fig = _figure(8.0, 5.0)
        ax = fig.subplots()
        if members:
            centre = float(np.average(si, weights=n_eff))
            sigma = float(np.median([r.si_se * math.sqrt(r.n_eff) for r in members]))
            grid = np.linspace(max(n_eff.min() * 0.8, 1.0), n_eff.max() * 1.2, 200)
            for z, style, label in ((two_sided_z(0.95), "--", "95% 控制限"), (two_sided_z(0.998), ":", "99.8% 控制限")):
                ax.plot(grid, centre + z * sigma / np.sqrt(grid), style, color="#616161", label=label)
                ax.plot(grid, centre - z * sigma / np.sqrt(grid), style, color="#616161")
            ax.axhline(centre, color="#212121", linewidth=1, label="加权均值")
            ax.scatter(n_eff, si, c=[TIER_COLOURS.get(r.social_tier or "", "#757575") for r in members], zorder=3)
            for r in members:
                ax.annotate(r.unit_name, (r.n_eff, r.si), textcoords="offset points", xytext=(4, 3), fontsize=8)
            ax.legend(loc="lower right", fontsize=8)
        ax.set_xlabel("有效样本量 n_eff")
        ax.set_ylabel("社会评价指数 SI")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    return fig


def trend_chart(periods: Sequence[str], series: Mapping[str, Sequence[float]],
                ci_low: Mapping[str, Sequence[float]] | None = None,
                ci_high: Mapping[str, Sequence[float]] | None = None,
                title: str = "社会评价指数趋势") -> Figure:
    """SI of each unit across periods (a line per unit, optional CI band; NaN = no result).

    Examples
    --------
    >>> trend_chart(["2026-Q1", "2026-Q2"], {"东城区": [80.0, 82.5]}).get_size_inches().tolist()
    [8.0, 4.5]
    """
    x = np.arange(len(periods))
    with cjk_context():
        fig = _figure(8.0, 4.5)
        ax = fig.subplots()
        for name, values in series.items():
            v = np.asarray(values, dtype=float)
            (line,) = ax.plot(x, v, marker="o", label=name)
            if ci_low is not None and ci_high is not None and name in ci_low and name in ci_high:
                ax.fill_between(x, np.asarray(ci_low[name], float), np.asarray(ci_high[name], float),
                                color=line.get_color(), alpha=0.15, linewidth=0)
        ax.set_xticks(x, labels=list(periods))
        ax.set_ylabel("社会评价指数 SI")
        ax.set_xlabel("期别")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        if series:
            ax.legend(fontsize=8, ncols=min(4, len(series)))
    return fig


def distribution_chart(unit_names: Sequence[str], distribution: np.ndarray, option_labels: Sequence[str],
                       title: str = "总体满意度回答分布") -> Figure:
    """Stacked bars of the overall item's weighted answer shares per unit.

    ``distribution`` is ``WaveResult.overall_distribution`` (U × options, rows sum to 1).

    Examples
    --------
    >>> labels = ["非常满意", "比较满意", "一般", "不太满意", "很不满意", "不了解"]
    >>> fig = distribution_chart(["东城区"], np.array([[.4, .3, .1, .1, .05, .05]]), labels)
    >>> fig.get_size_inches().tolist()
    [8.0, 2.125]
    """
    dist = np.asarray(distribution, dtype=float)
    if dist.shape != (len(unit_names), len(option_labels)):
        raise ValueError(f"distribution: expected shape ({len(unit_names)}, {len(option_labels)}), got {dist.shape}")
    from matplotlib import colormaps

    colours = colormaps["RdYlGn_r"](np.linspace(0.05, 0.95, max(len(option_labels) - 1, 1)))
    with cjk_context():
        fig = _figure(8.0, 1.75 + 0.375 * len(unit_names))
        ax = fig.subplots()
        y = np.arange(len(unit_names))
        left = np.zeros(len(unit_names))
        for k, label in enumerate(option_labels):
            colour = colours[k] if k < len(colours) else "#bdbdbd"
            ax.barh(y, dist[:, k], left=left, color=colour, label=label)
            left += dist[:, k]
        ax.set_yticks(y, labels=list(unit_names))
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("加权占比")
        ax.set_title(title)
        ax.legend(fontsize=8, ncols=min(6, len(option_labels)), loc="upper center", bbox_to_anchor=(0.5, -0.25))
    return fig
