"""Charts as matplotlib ``Figure`` objects (never pyplot), with Chinese labels in a CJK font.

The font is Noto Sans CJK from Debian's ``fonts-noto-cjk`` package (SIL Open Font License;
``make run`` / ``make test`` install it, or ``apt-get install fonts-noto-cjk``), else Debian's
WenQuanYi fonts (``fonts-wqy-microhei`` / ``fonts-wqy-zenhei``); the file named by the
``MINYI_CJK_FONT`` environment variable overrides both. Without any, :class:`MissingCJKFontError` is raised:
a chart never silently shows boxes. Render with :func:`figure_png`, which applies the font to
every text drawn (tick labels are only created at draw time).

Every title, axis label and legend entry is an argument (Chinese by default): the caller passes
them in the reader's language. Trends of many units are small multiples
(:mod:`analysis.trend_panels`); funnel-plot labels are placed so that none overlaps another
(:mod:`analysis.label_placement`).

matplotlib is imported inside the functions so ``import analysis`` stays fast.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import pathlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
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


#: rcParams are global to the process: a thread leaving its context would reset the font under
#: another thread still drawing (a threaded server renders charts side by side). Charts are drawn
#: one at a time per process (matplotlib is not thread-safe either).
_RC_LOCK = threading.RLock()


@contextlib.contextmanager
def cjk_context() -> Iterator[None]:
    """rcParams with the CJK font first and DejaVu Sans as glyph fallback (one thread at a time)."""
    import matplotlib

    family = cjk_family()
    with _RC_LOCK, matplotlib.rc_context({"font.family": "sans-serif",
                                          "font.sans-serif": [family, "DejaVu Sans"],
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
                    title: str = "社会评价指数（95% 置信区间）", *, xlabel: str = "社会评价指数 SI（0–100）",
                    tier_names: Mapping[str, str] | None = None, group_names: Mapping[str, str] | None = None,
                    unit_names: Mapping[str, str] | None = None) -> Figure:
    """Units ranked by SI with 95% CI bars, one panel per peer group, coloured by social tier.

    ``tier_names``, ``group_names`` and ``unit_names`` (by stored tier, peer group code and unit
    code) give the reader's words; what they do not name is shown as stored.

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
    tiers, names, units = tier_names or {}, group_names or {}, unit_names or {}
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
            # numpy takes an array for nan= (element-wise fill); its stubs only allow a float
            ax.errorbar(si, y, xerr=[si - np.nan_to_num(lo, nan=si),  # type: ignore[call-overload]
                                     np.nan_to_num(hi, nan=si) - si],  # type: ignore[call-overload]
                        fmt="none", ecolor="#9e9e9e", capsize=3)
            ax.scatter(si, y, c=colours, zorder=3)
            ax.set_yticks(y, labels=[f"{units.get(r.unit_code, r.unit_name)}（{tiers.get(r.social_tier or '', r.social_tier or '—')}）"
                                     for r in members])
            ax.set_title(f"{title} · {names.get(name, name)}", fontsize=10)
            ax.set_xlabel(xlabel)
            ax.grid(axis="x", alpha=0.3)
    return fig


@dataclass(frozen=True)
class FunnelLabels:
    """The texts of a funnel plot, in the reader's language."""

    title: str = "漏斗图：SI 与有效样本量"
    xlabel: str = "有效样本量 n_eff"
    ylabel: str = "社会评价指数 SI"
    limit_95: str = "95% 控制限"
    limit_998: str = "99.8% 控制限"
    mean: str = "加权均值"


#: A peer group this small has every unit labelled on the funnel plot; larger ones only the
#: units outside the 95% control limits.
LABEL_ALL_UP_TO = 10


def funnel_chart(rows: Sequence[UnitRow], peer_group: str | None = None,
                 title: str | None = None, *, labels: FunnelLabels | None = None,
                 unit_names: Mapping[str, str] | None = None,
                 tier_names: Mapping[str, str] | None = None) -> Figure:
    """SI against n_eff with 95% and 99.8% control limits around the peer mean.

    The limits are mean ± z·σ/√n_eff with σ the median of SE·√n_eff over the units shown.
    Units outside the 95% limits are labelled (every unit when there are at most
    :data:`LABEL_ALL_UP_TO`), most extreme first, each where it overlaps no other label, marker
    or the legend (:func:`analysis.label_placement.place_point_labels`); the legend names the
    tiers shown (``tier_names`` gives the reader's words for them).

    Examples
    --------
    >>> from tests.analysis.test_golden import GOLDEN_CONFIG, golden_input
    >>> from analysis import evaluate_wave
    >>> funnel_chart(evaluate_wave(golden_input(), GOLDEN_CONFIG).rows).get_size_inches().tolist()
    [8.0, 5.0]
    """
    from matplotlib.lines import Line2D

    from analysis.label_placement import frozen_layout, place_point_labels

    labels = labels or FunnelLabels()
    units, tiers = unit_names or {}, tier_names or {}
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
            for z, style, label in ((two_sided_z(0.95), "--", labels.limit_95),
                                    (two_sided_z(0.998), ":", labels.limit_998)):
                ax.plot(grid, centre + z * sigma / np.sqrt(grid), style, color="#616161", label=label)
                ax.plot(grid, centre - z * sigma / np.sqrt(grid), style, color="#616161")
            ax.axhline(centre, color="#212121", linewidth=1, label=labels.mean)
            shown = [t for t in TIER_COLOURS if any((r.social_tier or "") == t for r in members)]
            ax.scatter(n_eff, si, c=[TIER_COLOURS.get(r.social_tier or "", "#757575") for r in members],
                       zorder=3)
            handles, names = ax.get_legend_handles_labels()
            for tier in shown:
                handles.append(Line2D([], [], linestyle="none", marker="o", color=TIER_COLOURS[tier]))
                names.append(tiers.get(tier, tier))
            ax.legend(handles, names, loc="lower right", fontsize=8)
            z95 = two_sided_z(0.95)
            distance = np.abs(si - centre) / (sigma / np.sqrt(n_eff)) if sigma > 0 else np.zeros(len(si))
            order = np.argsort(-distance, kind="stable")
            if len(members) > LABEL_ALL_UP_TO:
                order = order[distance[order] > z95]
        ax.set_xlabel(labels.xlabel)
        ax.set_ylabel(labels.ylabel)
        ax.set_title(labels.title if title is None else title)
        ax.grid(alpha=0.3)
        if members:
            frozen_layout(ax)
            place_point_labels(ax, n_eff[order].tolist(), si[order].tolist(),
                               [units.get(members[i].unit_code, members[i].unit_name) for i in order])
    return fig


def trend_chart(periods: Sequence[str], series: Mapping[str, Sequence[float]],
                ci_low: Mapping[str, Sequence[float]] | None = None,
                ci_high: Mapping[str, Sequence[float]] | None = None,
                title: str = "社会评价指数趋势", *, xlabel: str = "期别",
                ylabel: str = "社会评价指数 SI", reference: Sequence[float] | None = None,
                reference_label: str = "同组均值") -> Figure:
    """SI of each unit across periods (a line per unit, optional CI band; NaN = no result),
    with an optional ``reference`` line (e.g. the peer group's mean) dashed in grey.

    For many units use :func:`analysis.trend_panels.trend_panels` (small multiples).

    Examples
    --------
    >>> trend_chart(["2026-Q1", "2026-Q2"], {"东城区": [80.0, 82.5]}).get_size_inches().tolist()
    [8.0, 4.5]
    """
    from analysis.trend_panels import distinct_colours

    x = np.arange(len(periods))
    colours = distinct_colours(len(series))
    with cjk_context():
        fig = _figure(8.0, 4.5)
        ax = fig.subplots()
        for colour, (name, values) in zip(colours, series.items(), strict=True):
            v = np.asarray(values, dtype=float)
            ax.plot(x, v, marker="o", label=name, color=colour)
            if ci_low is not None and ci_high is not None and name in ci_low and name in ci_high:
                ax.fill_between(x, np.asarray(ci_low[name], float), np.asarray(ci_high[name], float),
                                color=colour, alpha=0.15, linewidth=0)
        if reference is not None:
            ax.plot(x, np.asarray(reference, dtype=float), linestyle="--", color="#424242",
                    label=reference_label)
        ax.set_xticks(x, labels=list(periods))
        ax.set_ylabel(ylabel)
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        if series or reference is not None:
            ax.legend(fontsize=8, ncols=min(4, len(series) + (reference is not None)))
    return fig


def distribution_chart(unit_names: Sequence[str], distribution: np.ndarray, option_labels: Sequence[str],
                       title: str = "总体满意度回答分布", *, xlabel: str = "加权占比") -> Figure:
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
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        ax.legend(fontsize=8, ncols=min(6, len(option_labels)), loc="upper center", bbox_to_anchor=(0.5, -0.25))
    return fig
