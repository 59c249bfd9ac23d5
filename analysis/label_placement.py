"""Point labels that never overlap: each label tries offsets around its point until one is free.

A chart draws its figure once (the layout is settled and frozen), then
:func:`place_point_labels` measures every candidate position with the renderer and keeps the
first one that stays inside the axes and clears the markers, the legend and the labels already
placed. A label with no free position is left out rather than drawn over another. Offsets are in
points, so the picture keeps its arrangement at any resolution.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal, cast

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Annotation
    from matplotlib.transforms import Bbox

HAlign = Literal["left", "center", "right"]
VAlign = Literal["bottom", "center", "top"]
#: Unit directions around a point, with the text alignment that keeps the label clear of it.
_DIRECTIONS: tuple[tuple[int, int, HAlign, VAlign], ...] = (
    (1, 0, "left", "center"), (-1, 0, "right", "center"),
    (0, 1, "center", "bottom"), (0, -1, "center", "top"),
    (1, 1, "left", "bottom"), (-1, 1, "right", "bottom"),
    (1, -1, "left", "top"), (-1, -1, "right", "top"),
)

#: Candidate offsets (dx, dy in points) with the alignment that keeps the text clear of the point;
#: nearest first: right, left, above, below, then the diagonals, then one step further out.
CANDIDATES: tuple[tuple[float, float, HAlign, VAlign], ...] = tuple(
    (sx * r, sy * r, ha, va)
    for r in (5.0, 11.0)
    for sx, sy, ha, va in _DIRECTIONS
)


def _overlaps(box: Bbox, others: Sequence[Bbox], pad: float) -> bool:
    return any(box.x0 < o.x1 + pad and o.x0 < box.x1 + pad and box.y0 < o.y1 + pad and o.y0 < box.y1 + pad
               for o in others)


def _inside(box: Bbox, frame: Bbox) -> bool:
    return box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1


def _figure(ax: Axes) -> Figure:
    fig = ax.get_figure(root=True)
    if fig is None:
        raise ValueError("the axes belong to no figure")
    return fig


def frozen_layout(ax: Axes) -> None:
    """Draw the figure once so its layout is settled, then keep that layout.

    Labels are measured against the axes' final position; a layout engine running again at the
    next draw (constrained layout makes room for texts) would move the axes under them.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _figure(ax)
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    fig.set_layout_engine("none")


def place_point_labels(ax: Axes, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str],
                       fontsize: float = 8.0, marker_radius_px: float = 4.0, pad_px: float = 1.0
                       ) -> list[Annotation | None]:
    """Label points ``(xs[i], ys[i])`` with ``texts[i]`` so that no two labels overlap.

    Call after :func:`frozen_layout` and once the axis limits are final. Labels are placed in
    the order given (put the most important first); each takes the first offset of
    :data:`CANDIDATES` whose box lies inside the axes and clears every marker, the legend and the
    labels placed before it.

    Returns
    -------
    list
        The annotation of each point, or None where no free position was found.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure(figsize=(4, 3)).subplots()
    >>> _ = ax.scatter([1, 1.01, 2], [1, 1.01, 2]), ax.set_xlim(0, 3), ax.set_ylim(0, 3)
    >>> frozen_layout(ax)
    >>> labels = place_point_labels(ax, [1, 1.01, 2], [1, 1.01, 2], ["A", "B", "C"])
    >>> [label is not None for label in labels]
    [True, True, True]
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    # frozen_layout (called first, as documented) gave the figure an Agg canvas.
    renderer = cast(FigureCanvasAgg, _figure(ax).canvas).get_renderer()
    frame = ax.get_window_extent(renderer)
    points: Iterable[Sequence[float]] = ax.transData.transform(list(zip(xs, ys, strict=True))) if len(xs) else []

    taken = [Bbox.from_extents(px - marker_radius_px, py - marker_radius_px,
                               px + marker_radius_px, py + marker_radius_px) for px, py in points]
    legend = ax.get_legend()
    if legend is not None:
        taken.append(legend.get_window_extent(renderer))
    out: list[Annotation | None] = []
    for i, text in enumerate(texts):
        label = ax.annotate(text, (xs[i], ys[i]), textcoords="offset points", xytext=(0, 0),
                            fontsize=fontsize, annotation_clip=False)
        for dx, dy, ha, va in CANDIDATES:
            label.xyann = (dx, dy)
            label.set_horizontalalignment(ha)
            label.set_verticalalignment(va)
            box = label.get_window_extent(renderer)
            if _inside(box, frame) and not _overlaps(box, taken, pad_px):
                taken.append(box)
                out.append(label)
                break
        else:
            label.remove()
            out.append(None)
    return out
