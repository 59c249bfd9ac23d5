"""Trends as small multiples: one panel per unit, grouped by peer group, over every period.

Each panel draws its unit in its own colour (with the 95% interval as a band) over the other
units of the group in light grey and the group's mean as a dashed line, on a y-axis shared by
the whole figure, so panels compare at a glance. Colours are distinct within a group and dark
enough to read on white (contrast at least 3:1, WCAG's figure for graphics).

Every text (title, axis labels, legend) comes from the caller, in the reader's language.
"""

from __future__ import annotations

import colorsys
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

#: Panels per row on the 8-inch-wide figure, and the height of a row of panels (inches; every
#: height is a multiple of 1/4 inch, so the PNG is a whole number of pixels at 100 dpi).
PANEL_COLUMNS = 4
PANEL_HEIGHT = 1.75
#: Period labels shown under a panel (more would collide in a 2-inch panel).
MAX_PERIOD_LABELS = 3
GREY = "#bdbdbd"
MEAN_COLOUR = "#424242"


@dataclass(frozen=True)
class TrendPanel:
    """One unit's series: a value per period (NaN where the unit has no result)."""

    name: str
    values: Sequence[float]
    ci_low: Sequence[float] | None = None
    ci_high: Sequence[float] | None = None


@dataclass(frozen=True)
class TrendLabels:
    """The texts of a trend figure, in the reader's language."""

    title: str = "社会评价指数趋势"
    xlabel: str = "期别"
    ylabel: str = "社会评价指数 SI"
    unit: str = "本单位"
    interval: str = "95% 置信区间"
    mean: str = "同组均值"
    others: str = "同组其他单位"


def relative_luminance(rgb: Sequence[float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour with channels in 0..1.

    Examples
    --------
    >>> relative_luminance((1.0, 1.0, 1.0)), relative_luminance((0.0, 0.0, 0.0))
    (1.0, 0.0)
    """
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(float(c)) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_on_white(rgb: Sequence[float]) -> float:
    """WCAG contrast ratio of a colour against white (1 … 21)."""
    return 1.05 / (relative_luminance(rgb) + 0.05)


def distinct_colours(n: int, min_contrast: float = 3.0) -> list[str]:
    """``n`` distinct colours, hues evenly spaced, each darkened to ``min_contrast`` on white.

    Examples
    --------
    >>> distinct_colours(3)
    ['#d1351f', '#1aab2b', '#351fd1']
    >>> len(set(distinct_colours(42)))
    42
    """
    if n < 0:
        raise ValueError(f"n: expected a count >= 0, got {n}")
    out = []
    for i in range(n):
        hue = (0.02 + i / max(n, 1)) % 1.0
        value = 0.82
        while True:
            # the colour as written (8 bits a channel) is the one that must reach the contrast
            code = "#" + "".join(f"{round(c * 255):02x}" for c in colorsys.hsv_to_rgb(hue, 0.85, value))
            rgb = tuple(int(code[k:k + 2], 16) / 255 for k in (1, 3, 5))
            if contrast_on_white(rgb) >= min_contrast or value <= 0.05:
                break
            value -= 0.01
        out.append(code)
    return out


def _period_ticks(n: int) -> np.ndarray:
    """Indexes of the periods labelled under a panel: first, last and evenly between."""
    return np.unique(np.linspace(0, n - 1, min(n, MAX_PERIOD_LABELS)).round().astype(int))


def _limits(groups: Mapping[str, Sequence[TrendPanel]]) -> tuple[float, float]:
    values = [np.asarray(v, dtype=float) for panels in groups.values() for p in panels
              for v in (p.values, p.ci_low, p.ci_high) if v is not None]
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    if finite.size == 0:
        return 0.0, 100.0
    low, high = float(finite.min()), float(finite.max())
    margin = max((high - low) * 0.08, 1.0)
    return max(low - margin, 0.0), min(high + margin, 100.0)


#: Fixed layout, in inches: the figure is drawn without a layout engine (constrained layout took
#: over a second for 16 panels). Margins hold the tick labels, the axis labels and the headers.
WIDTH = 8.0
TITLE_HEIGHT = 0.5
GROUP_HEADER = 0.5
GROUP_FOOTER = 0.25
LEFT, RIGHT, COLUMN_GAP = 0.75, 0.15, 0.3
PANEL_TITLE, PANEL_TICKS = 0.25, 0.3


def _finite_runs(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """The stretches of a series between missing values, as (n, 2) point arrays (a lone point is
    a dot-less stretch of one: a line needs two)."""
    ok = np.isfinite(y)
    runs, start = [], None
    for i in range(len(y) + 1):
        if i < len(y) and ok[i]:
            start = i if start is None else start
        elif start is not None:
            if i - start > 1:
                runs.append(np.column_stack([x[start:i], y[start:i]]))
            start = None
    return runs


def _rows(count: int) -> int:
    return max(math.ceil(count / PANEL_COLUMNS), 1)


def _group_height(count: int) -> float:
    return GROUP_HEADER + PANEL_HEIGHT * _rows(count) + GROUP_FOOTER


def trend_panels(periods: Sequence[str], groups: Mapping[str, Sequence[TrendPanel]],
                 labels: TrendLabels | None = None) -> Figure:
    """Small multiples of the SI over ``periods``: per group (a subfigure whose title is the
    key) one panel per unit, in the order given.

    Examples
    --------
    >>> panels = {"县区": [TrendPanel("东城区", [80.0, 82.5]), TrendPanel("西城区", [75.0, 74.0])]}
    >>> fig = trend_panels(["2026-Q1", "2026-Q2"], panels)
    >>> fig.get_size_inches().tolist(), sum(ax.get_visible() for ax in fig.axes)
    ([8.0, 3.0], 2)
    """
    from matplotlib.figure import Figure

    from analysis.charts import cjk_context

    labels = labels or TrendLabels()
    x = np.arange(len(periods))
    ticks = _period_ticks(len(periods)) if len(periods) else np.array([], dtype=int)
    y_low, y_high = _limits(groups)
    heights = [_group_height(len(panels)) for panels in groups.values()] or [_group_height(0)]
    height = TITLE_HEIGHT + sum(heights)
    with cjk_context():
        fig = Figure(figsize=(WIDTH, height), dpi=100)
        fig.suptitle(labels.title, fontsize=11, y=1 - 0.25 / height, va="center")
        # a subfigure per group stacked under the title, each as tall as its rows of panels
        grid = fig.add_gridspec(len(heights) + 1, 1, height_ratios=[TITLE_HEIGHT, *heights], hspace=0,
                                left=0, right=1, top=1, bottom=0)
        for k, ((group, panels), group_height) in enumerate(zip(groups.items(), heights, strict=False)):
            _draw_group(fig.add_subfigure(grid[k + 1, 0]), group_height, group, panels, x, ticks, periods,
                        (y_low, y_high), labels)
    return fig


def _draw_group(subfig, height: float, group: str, panels: Sequence[TrendPanel], x: np.ndarray,
                ticks: np.ndarray, periods: Sequence[str], ylim: tuple[float, float],
                labels: TrendLabels) -> None:
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    rows = _rows(len(panels))
    panel_width = (WIDTH - LEFT - RIGHT - COLUMN_GAP * (PANEL_COLUMNS - 1)) / PANEL_COLUMNS
    axes_height = PANEL_HEIGHT - PANEL_TITLE - PANEL_TICKS

    def box(k: int) -> list[float]:
        """[left, bottom, width, height] of panel ``k`` in the subfigure's fractions."""
        row, col = divmod(k, PANEL_COLUMNS)
        top = GROUP_HEADER + row * PANEL_HEIGHT + PANEL_TITLE
        return [(LEFT + col * (panel_width + COLUMN_GAP)) / WIDTH, 1 - (top + axes_height) / height,
                panel_width / WIDTH, axes_height / height]

    subfig.suptitle(group, fontsize=10, x=0.1 / WIDTH, y=1 - 0.25 / height, ha="left", va="center")
    values = np.array([np.asarray(p.values, dtype=float) for p in panels]).reshape(len(panels), len(x))
    with np.errstate(all="ignore"):
        counts = np.isfinite(values).sum(axis=0)
        mean = np.where(counts > 0, np.nansum(values, axis=0) / np.maximum(counts, 1), np.nan)
    colours = distinct_colours(len(panels))
    for k, panel in enumerate(panels):
        ax = subfig.add_axes(box(k))
        # the other units in one collection (a Line2D each cost a third of the drawing time)
        others = [run for j, other in enumerate(values) if j != k for run in _finite_runs(x, other)]
        ax.add_collection(LineCollection(others, colors=GREY, linewidths=0.6, zorder=1))
        ax.plot(x, mean, color=MEAN_COLOUR, linewidth=1.0, linestyle="--", zorder=2)
        if panel.ci_low is not None and panel.ci_high is not None:
            ax.fill_between(x, np.asarray(panel.ci_low, dtype=float), np.asarray(panel.ci_high, dtype=float),
                            color=colours[k], alpha=0.18, linewidth=0, zorder=2)
        ax.plot(x, values[k], color=colours[k], marker="o", markersize=3.5, linewidth=1.6, zorder=3)
        ax.set_title(panel.name, fontsize=8.5, color=colours[k], loc="left")
        ax.set_ylim(*ylim)
        ax.set_xlim(-0.5, max(len(x) - 0.5, 0.5))
        below = k + PANEL_COLUMNS < len(panels)
        ax.set_xticks(ticks, labels=[periods[i] for i in ticks] if not below else [])
        ax.tick_params(labelsize=7, labelleft=k % PANEL_COLUMNS == 0)
        ax.grid(alpha=0.3, linewidth=0.5)
    middle = 1 - (GROUP_HEADER + rows * PANEL_HEIGHT / 2) / height
    subfig.text(0.15 / WIDTH, middle, labels.ylabel, rotation=90, ha="center", va="center", fontsize=8)
    subfig.text(0.5, 0.5 * GROUP_FOOTER / height, labels.xlabel, ha="center", va="center", fontsize=8)
    # the unit's own colour changes from panel to panel: the legend shows its line in black
    handles: list[Artist] = [Line2D([], [], color="#000000", marker="o", markersize=3.5, label=labels.unit)]
    if any(p.ci_low is not None and p.ci_high is not None for p in panels):
        handles.append(Patch(color="#000000", alpha=0.18, label=labels.interval))
    handles.append(Line2D([], [], color=MEAN_COLOUR, linestyle="--", label=labels.mean))
    if len(panels) > 1:
        handles.append(Line2D([], [], color=GREY, label=labels.others))
    subfig.legend(handles=handles, loc="center right", bbox_to_anchor=(1 - RIGHT / WIDTH, 1 - 0.25 / height),
                  ncols=len(handles), fontsize=7, frameon=False)
