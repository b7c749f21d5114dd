"""What a trained net does over its input plane: the output's decision boundary, one panel per
seed, and each first-hidden-layer unit's activation, like TensorFlow Playground's thumbnails.

Pure plotting: the caller evaluates the network on the points of `grid` (one batched forward
pass over replicas and points) and hands the outputs over, reshaped to (resolution, resolution).
Drawn on an Agg canvas as in nnexp.plots, whose atomic saving this module reuses.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

from nnexp.plots import TITLE_WIDTH, _import_matplotlib, _save

_import_matplotlib()  # first, as in nnexp.plots: an unknown MPLBACKEND must not stop the import
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

# Output 0 red, output 1 blue: the points in RdBu's dark reds and blues, the field over the
# plane in the lighter middle of its colour map, so that a point stands out even on its own
# class's side.
CLASS_COLORS = ("#b1182b", "#2065ab")  # RdBu at 0.1 and 0.9
FIELD_CMAPS = {name: ListedColormap(colormaps[name](np.linspace(low, high, 256)), name=f"{name}_light")
               for name, low, high in [("RdBu", 0.27, 0.73), ("Greens", 0.0, 0.7), ("PuOr", 0.2, 0.8)]}
DIVERGED_COLOR = "0.6"  # a grey that neither colour map uses
MAX_ASPECT = 3.0  # a panel's height to width at most, and width to height (_panels)


def grid(low: np.ndarray, high: np.ndarray, margin: float = 0.1,
         resolution: int = 100) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The plane to draw on: the data's range low..high (each (2,), per input) widened on each
    side by `margin` times its span; a span of 0 (a constant input) gets 1.0 each side instead.

    -> points (resolution * resolution, 2) in row-major order (rows go up in y, columns along x:
    points.reshape(resolution, resolution, 2)[i, j] = (x[j], y[i])), and extent (x0, x1, y0, y1),
    the first and last grid coordinates, for imshow and contour.
    """
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    if low.shape != (2,) or high.shape != (2,):
        raise ValueError(f"grid draws a plane: low and high must have shape (2,). Got {low.shape} and {high.shape}.")
    if resolution < 2:
        raise ValueError(f"The 'resolution' parameter of grid must be an int of at least 2. Got {resolution} instead.")
    span = high - low
    pad = np.where(span > 0, margin * span, 1.0)
    x = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    y = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    xx, yy = np.meshgrid(x, y)  # (resolution, resolution) each, y along rows
    return np.column_stack([xx.ravel(), yy.ravel()]), (x[0], x[-1], y[0], y[-1])


def select_panels(accuracies: np.ndarray, limit: int = 16) -> np.ndarray:
    """Indices of the panels worth drawing, sorted by index. accuracies: (n_panels,).

    All of them if there are at most `limit`; else the `limit` whose accuracy is nearest the
    median, the typical seeds, ties going to the lower index. A non-finite accuracy (a diverged
    seed) counts as farthest from the median: it is shown only if too few others remain.
    """
    accuracies = np.asarray(accuracies, dtype=float)
    if limit < 1:
        raise ValueError(f"The 'limit' parameter of select_panels must be an int of at least 1. Got {limit} instead.")
    if len(accuracies) <= limit:
        return np.arange(len(accuracies))
    finite = np.isfinite(accuracies)
    median = np.median(accuracies[finite]) if finite.any() else 0.0
    distance = np.where(finite, np.abs(accuracies - median), np.inf)
    return np.sort(np.argsort(distance, kind="stable")[:limit])  # stable: ties by index


def decision_boundary(outputs: np.ndarray, extent, train_points, train_targets, test_points, test_targets,
                      titles: list[str | None], suptitle: str, threshold: float, path: Path,
                      axis_names: tuple[str, str] = ("x1", "x2"), columns: int | None = None) -> None:
    """Save the net's output over the plane, one panel per seed, to `path` (PNG).

    outputs: (n_panels, resolution, resolution), the output (0..1) on `grid`'s points, one panel
    per seed (select_panels picks which); extent: grid's. train_points (n, 2), train_targets (n,)
    0/1; test_points (m, 2), test_targets (m,), m may be 0. Each panel shows the output as colour,
    its contour at `threshold` (the decision boundary) as a black line, training points filled
    and test points hollow in their class's colour; a panel with non-finite outputs is grey.
    columns: panels per row (a report's: seeds side by side, a configuration per row); None
    lays them out near-square. A panel titled None is left empty (a row with fewer seeds).
    """
    outputs = np.asarray(outputs, dtype=float)
    train_points, test_points = (np.asarray(p, dtype=float).reshape(-1, 2) for p in (train_points, test_points))
    # One colour per point, so that one scatter call draws a whole set, whatever its classes.
    train_colors, test_colors = (np.array(CLASS_COLORS)[np.asarray(t, dtype=int).ravel()]
                                 for t in (train_targets, test_targets))
    empty = np.array([title is None for title in titles], dtype=bool)
    diverged = ~np.isfinite(outputs).all(axis=(1, 2)) & ~empty
    titles = ["" if title is None else title + ("\ndiverged: output not finite" if bad else "")
              for title, bad in zip(titles, diverged)]
    figure, axes_list, colorbar_axes = _panels(outputs, extent, 3.4 if len(outputs) == 1 else 2.7, suptitle,
                                               titles, diverged, legend_rows=2, axis_names=axis_names,
                                               columns=columns)
    crossed = False
    for axes, output, bad, blank in zip(axes_list, outputs, diverged, empty):
        if blank:
            axes.set_visible(False)
            continue
        crossed |= _boundary_panel(axes, output, bad, extent, threshold, train_points, train_colors, test_points,
                                   test_colors)
    _boundary_legend(figure, colorbar_axes, threshold, len(test_points) > 0, crossed)
    _save(figure, path)


def _boundary_panel(axes, output: np.ndarray, bad: bool, extent, threshold: float, train_points: np.ndarray,
                    train_colors: np.ndarray, test_points: np.ndarray, test_colors: np.ndarray) -> bool:
    """One seed's panel: output (resolution, resolution) as colour, its contour at `threshold`,
    training points filled, test points hollow (points (n, 2), colours (n,)). -> whether the
    output crosses the threshold on the plane, so that there is a boundary to draw."""
    crossed = False
    # A truth table's four points big enough to see; dense data smaller, the field stays visible.
    size = 60 if len(train_points) <= 20 else 18 if len(train_points) <= 300 else 8
    x, y = np.linspace(*extent[:2], output.shape[1]), np.linspace(*extent[2:], output.shape[0])
    if not bad:
        axes.imshow(output, origin="lower", extent=_pixel_extent(extent, output.shape), cmap=FIELD_CMAPS["RdBu"],
                    vmin=0, vmax=1, interpolation="bilinear", aspect=axes.get_aspect())  # _panels' aspect
        crossed = bool(output.min() < threshold < output.max())
        if crossed:  # else contour warns it has no line to draw
            axes.contour(x, y, output, levels=[threshold], colors="black", linewidths=1.8)
    axes.scatter(*train_points.T, s=size, c=train_colors, edgecolors="white", linewidths=0.6)
    if len(test_points):
        axes.scatter(*test_points.T, s=size + 10, facecolors="none", edgecolors=test_colors, linewidths=1.4)
    return crossed


def _boundary_legend(figure, colorbar_axes, threshold: float, tested: bool, crossed: bool = True) -> None:
    figure.colorbar(ScalarMappable(Normalize(0, 1), FIELD_CMAPS["RdBu"]), cax=colorbar_axes, label="network output")
    colorbar_axes.axhline(threshold, color="black", linewidth=1.8)  # the contour's level on the scale
    handles = [Line2D([], [], linestyle="", marker="o", markerfacecolor=color, markeredgecolor="white",
                      markersize=7, label=f"train, class {label}") for label, color in enumerate(CLASS_COLORS)]
    if tested:
        handles += [Line2D([], [], linestyle="", marker="o", markerfacecolor="none", markeredgecolor=color,
                           markeredgewidth=1.4, markersize=7, label=f"test, class {label}")
                    for label, color in enumerate(CLASS_COLORS)]
    # A net whose output stays on one side everywhere has no boundary here: the legend says so.
    handles.append(Line2D([], [], color="black", linewidth=1.8, label=f"boundary: output = {threshold:g}"
                          + ("" if crossed else " (none here)")))
    # In a band of its own below the panels: a legend inside an axes would hide data. Two rows,
    # filled column by column: train classes, test classes, the boundary.
    figure.legend(handles=handles, loc="lower center", ncol=(len(handles) + 1) // 2, fontsize=9, frameon=False,
                  bbox_to_anchor=(0.5, 0.0))


# Each activation's colour range, given the largest finite |activation|, and its colour map:
# diverging around the activation's midpoint, in purple and orange, never the classes' red and
# blue (a unit's sign is no class); sequential for relu, whose 0 means "off".
ACTIVATION_RANGES = {
    "sigmoid": (lambda top: (0.0, 1.0), "PuOr"),
    "tanh": (lambda top: (-1.0, 1.0), "PuOr"),
    "relu": (lambda top: (0.0, top), "Greens"),
    "identity": (lambda top: (-top, top), "PuOr"),
}


def hidden_units(outputs: np.ndarray, extent, names: list[str], suptitle: str, activation: str, path: Path,
                 points=None, targets=None, axis_names: tuple[str, str] = ("x1", "x2")) -> None:
    """Save each first-hidden-layer unit's activation over the plane, a small panel per unit
    titled names[i], to `path` (PNG): Playground's neuron thumbnails.

    outputs: (n_units, resolution, resolution) on `grid`'s points; activation: a key of
    ACTIVATION_RANGES, which sets the colour range. points (n, 2) and targets (n,) 0/1, both
    optional, are drawn faintly on top; a unit with non-finite outputs is grey, 'diverged'.
    """
    if activation not in ACTIVATION_RANGES:
        raise ValueError(f"The 'activation' parameter of hidden_units must be one of {sorted(ACTIVATION_RANGES)}. "
                         f"Got {activation!r} instead.")
    outputs = np.asarray(outputs, dtype=float)
    value_range, cmap = ACTIVATION_RANGES[activation]
    vmin, vmax = value_range(np.abs(outputs[np.isfinite(outputs)]).max(initial=0.0) or 1.0)  # 1: dead units
    diverged = ~np.isfinite(outputs).all(axis=(1, 2))
    names = [name + ("\ndiverged" if bad else "") for name, bad in zip(names, diverged)]
    figure, axes_list, colorbar_axes = _panels(outputs, extent, 1.7, suptitle, names, diverged, legend_rows=0,
                                               axis_names=axis_names)
    if points is not None:  # small and faint: the data is context here, the unit's field is the picture
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        colors = np.array(CLASS_COLORS)[np.asarray(targets, dtype=int).ravel()] if targets is not None else "black"
    for axes, output, bad in zip(axes_list, outputs, diverged):
        if not bad:
            axes.imshow(output, origin="lower", extent=_pixel_extent(extent, output.shape), cmap=FIELD_CMAPS[cmap],
                        vmin=vmin, vmax=vmax, interpolation="bilinear", aspect=axes.get_aspect())
        if points is not None:
            # White-edged like decision_boundary's points, to be seen on a field of their colour too.
            axes.scatter(*points.T, s=12, c=colors, alpha=0.8, edgecolors="white", linewidths=0.4)
    figure.colorbar(ScalarMappable(Normalize(vmin, vmax), FIELD_CMAPS[cmap]), cax=colorbar_axes,
                    label=f"{activation} activation")
    _save(figure, path)


def _panels(outputs: np.ndarray, extent, width: float, suptitle: str, titles: list[str], diverged: np.ndarray,
            legend_rows: int, axis_names: tuple[str, str], columns: int | None = None):
    """A figure of len(outputs) titled panels `width` inches wide, equal-aspect, grey where
    diverged, in a near-square grid: a colorbar on the right, the suptitle above, `legend_rows`
    rows of legend below. -> figure, axes (n_panels,), colorbar axes."""
    # Margins in inches, not layout="constrained": the figure grows with the panels while the
    # text keeps its place and size, and the solver would cost more than the drawing.
    n = len(outputs)
    if len(titles) != n:
        raise ValueError(f"Each panel needs a title: {n} panels, {len(titles)} titles.")
    columns = columns or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / columns))
    # Equal aspect: a boundary's angles and the distances between points are the data's. Past
    # MAX_ASPECT (one input's span that many times the other's) a panel would be a thin strip:
    # it is stretched instead, and readable.
    ratio = (extent[3] - extent[2]) / (extent[1] - extent[0])
    height = width * np.clip(ratio, 1 / MAX_ASPECT, MAX_ASPECT)
    title_size = 10 if width > 2 else 9
    titles = [_wrap(title, width + 0.2, title_size) for title in titles]
    title_band = 0.1 + title_size / 72 * 1.25 * max(title.count("\n") + 1 for title in titles)
    gap_x, gap_y = 0.3, title_band + 0.12  # ticks on the outer panels only
    left, right, bottom = 0.7, 1.25, 0.55 + 0.25 * legend_rows
    suptitle = _wrap(suptitle, left + columns * (width + gap_x) + right - 0.4, 12)
    top = 0.25 + 0.23 * (suptitle.count("\n") + 1) + title_band
    figure_width = left + columns * width + (columns - 1) * gap_x + right
    figure_height = bottom + rows * height + (rows - 1) * gap_y + top
    figure = Figure(figsize=(figure_width, figure_height))
    figure.subplots_adjust(left=left / figure_width, right=1 - right / figure_width, bottom=bottom / figure_height,
                           top=1 - top / figure_height, wspace=gap_x / width, hspace=gap_y / height)
    axes_grid = figure.subplots(rows, columns, squeeze=False).ravel()
    for axes in axes_grid[n:]:
        axes.set_visible(False)
    for i, (axes, title, bad) in enumerate(zip(axes_grid, titles, diverged)):
        axes.set_xlim(extent[:2])
        axes.set_ylim(extent[2:])
        axes.set_aspect("equal" if 1 / MAX_ASPECT <= ratio <= MAX_ASPECT else "auto")
        axes.tick_params(labelsize=8)
        axes.locator_params(nbins=4)  # a few ticks: panels are small, the numbers are context
        # y given, as in nnexp.plots: matplotlib then skips its search for room above the ticks.
        axes.set_title(title, fontsize=title_size, color="darkred" if bad else "black", y=1.0)
        if bad:
            axes.set_facecolor(DIVERGED_COLOR)
        # Ticks and labels on the outer panels only, like a shared axis, with no ticks inside:
        # cleaner (the panels share one plane), and ticks cost most of the time of many panels.
        if i + columns >= n:  # the lowest panel of its column, even above an empty slot
            axes.set_xlabel(axis_names[0], fontsize=9)
        else:
            axes.set_xticks([])
        if i % columns == 0:
            axes.set_ylabel(axis_names[1], fontsize=9)
        else:
            axes.set_yticks([])
    figure.suptitle(suptitle, y=1 - 0.12 / figure_height, va="top")
    colorbar_axes = figure.add_axes([(figure_width - right + 0.2) / figure_width, bottom / figure_height,
                                     0.15 / figure_width, rows * height / figure_height + (rows - 1) * gap_y / figure_height])
    return figure, axes_grid[:n], colorbar_axes


def _pixel_extent(extent, shape) -> tuple[float, float, float, float]:
    """imshow's extent for grid values at pixel centres: extent widened by half a cell per side."""
    half_x = (extent[1] - extent[0]) / (shape[1] - 1) / 2
    half_y = (extent[3] - extent[2]) / (shape[0] - 1) / 2
    return extent[0] - half_x, extent[1] + half_x, extent[2] - half_y, extent[3] + half_y


def _wrap(text: str, inches: float, points: float) -> str:
    """nnexp.plots._wrapped for text of `points` size in `inches`, not 12 points in 6.4 inches."""
    width = max(20, int(TITLE_WIDTH / 6.4 * 12 / points * inches))
    return "\n".join(textwrap.fill(line, width=width, break_long_words=False) for line in text.split("\n"))
