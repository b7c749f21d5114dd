"""The sweep report's pictures: each configuration's error curves across its seeds, each seed's
result side by side per configuration, and the results against a swept setting.

Laid out in inches, as nnexp.plots and nnexp.boundaries are, not by matplotlib's constrained
layout: the figures grow with the number of configurations while text keeps its size. Text is
measured with matplotlib's own font metrics (text_inches), so a label that would not fit under
its column is never drawn there: the columns are numbered instead, and a key below names them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# nnexp.plots first: it imports matplotlib whatever MPLBACKEND says (nnexp.plots._import_matplotlib).
from nnexp.plots import (LINE, Figure, _label_error_axes, _log_x, _log_y, _margins, _percentiles, _save, _wrap,
                         epoch_axis, text_inches)
from matplotlib.collections import LineCollection
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter, StrMethodFormatter
from matplotlib.transforms import blended_transform_factory

# The configurations' colors, in the order of comparison.csv: matplotlib's but its grey, which is
# the other configurations' in the error curves' panels. Past nine they repeat, and the numbers,
# never the colors, tell configurations apart.
COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive",
          "tab:cyan"]
MAX_OVERLAID = 6  # error curves in one frame; more get a panel each (small multiples)
ON_THRESHOLD = 1e-9  # an output this close to the threshold is counted on it, not above


def sweep_error_curves(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str, path: Path,
                       numbers: list[int] | None = None) -> None:
    """Save the error curves of a sweep's configurations, across seeds, to `path` (PNG).

    curves: {label: (iterations (n_points,), error (n_seeds, n_points))}; numbers: each one's
    number in the other pictures (1, 2, ... by default). Each configuration gets its median over
    seeds as a line and the middle half of its seeds (25th to 75th percentile) as a band of its
    color, the error log-scaled. Up to MAX_OVERLAID share one frame, with a legend below it; more
    get a panel each, on shared axes, the others' medians in grey behind. The epoch axis is
    log-scaled as nnexp.plots.epoch_axis says for every curve's epochs together: epoch 0 then
    left out.
    """
    numbers = numbers or list(range(1, len(curves) + 1))
    _, log_epochs = epoch_axis(np.concatenate([iterations for iterations, _ in curves.values()]))
    drawn = []
    for iterations, error in curves.values():
        keep = iterations > 0 if log_epochs else np.ones(len(iterations), dtype=bool)
        error = np.where(error > 0, error, np.nan)[:, keep]  # log axis: no zeros; diverged seeds are nan
        drawn.append((iterations[keep], error, *_percentiles(error, [25, 50, 75])))
    seeds = [f"{len(error)} seed{'s' * (len(error) != 1)}" for _, error in curves.values()]
    if len(curves) <= MAX_OVERLAID:
        _overlaid(drawn, [f"{label} ({n})" for label, n in zip(curves, seeds)], title, path, log_epochs)
    else:
        _small_multiples(drawn, [f"{k}. {label} ({n})" for k, label, n in zip(numbers, curves, seeds)], title, path,
                         log_epochs)


def _overlaid(drawn, labels: list[str], title: str, path: Path, log_epochs: bool) -> None:
    width, left, right = 7.5, 0.85, 0.25
    # Entries in two columns where they fit, else one; a swatch and its gap take 0.6 inch.
    legend_columns = 2 if max(text_inches(label, 9) for label in labels) < (width - left - right) / 2 - 0.6 else 1
    labels = [_wrap(label, (width - left - right) / legend_columns - 0.6, 9) for label in labels]
    rows = -(-len(labels) // legend_columns)  # matplotlib fills the legend column by column
    legend_height = max(sum(label.count("\n") * 1.2 + 1.7 for label in labels[i:i + rows])
                        for i in range(0, len(labels), rows)) * 9 / 72
    title = _wrap(title, width - left - right, 12)  # centred over the frame: as wide as it
    top, height = 0.3 + 0.23 * (title.count("\n") + 1), 3.4
    bottom = 0.65 + legend_height + 0.35
    figure = Figure(figsize=(width, top + height + bottom))
    _margins(figure, left, right, top, bottom)
    axes = figure.add_subplot()
    handles = []
    for color, (iterations, _, q1, median, q3) in zip(COLORS, drawn):
        band = axes.fill_between(iterations, q1, q3, color=color, alpha=0.25, linewidth=0)
        (line,) = axes.plot(iterations, median, color=color, linewidth=1.8)
        handles.append((band, line))  # the legend's swatch: the band with its median over it
    _error_axes(axes, drawn, log_epochs)
    axes.set_title(title, y=1.0)
    figure.legend(handles, labels, handler_map={tuple: HandlerTuple(ndivide=1)}, loc="upper left",
                  bbox_to_anchor=(left / width, (bottom - 0.55) / figure.get_figheight()), ncols=legend_columns,
                  fontsize=9, frameon=False, alignment="left", title_fontsize=9,
                  title="line: median over the seeds; band: the middle half of them (25th to 75th percentile)")
    _save(figure, path)


def _small_multiples(drawn, titles: list[str], title: str, path: Path, log_epochs: bool) -> None:
    n, panel, panel_height, gap = len(drawn), 2.9, 1.9, 0.15
    columns = 4 if n > 9 else 3
    rows = -(-n // columns)
    titles = [_wrap(text, panel, 9) for text in titles]
    title_band = 0.12 + 9 * LINE * max(text.count("\n") + 1 for text in titles)
    left, right, bottom = 0.85, 0.2, 1.0
    width = left + columns * panel + (columns - 1) * gap + right
    suptitle = _wrap(title, width - 0.4, 12)
    top = 0.25 + 0.23 * (suptitle.count("\n") + 1) + title_band
    height = top + rows * panel_height + (rows - 1) * (title_band + 0.1) + bottom
    figure = Figure(figsize=(width, height))
    _margins(figure, left, right, top, bottom)
    figure.subplots_adjust(wspace=gap / panel, hspace=(title_band + 0.1) / panel_height)
    grid = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False).ravel()
    for axes in grid[n:]:
        axes.set_visible(False)
    for i, (axes, (iterations, _, q1, median, q3)) in enumerate(zip(grid, drawn)):
        # Context: where the others go, one collection (a line each would cost 20 times as much).
        axes.add_collection(LineCollection([np.column_stack([d[0], d[3]]) for j, d in enumerate(drawn) if j != i],
                                           colors="0.82", linewidths=0.8), autolim=False)
        color = COLORS[i % len(COLORS)]
        axes.fill_between(iterations, q1, q3, color=color, alpha=0.3, linewidth=0)
        axes.plot(iterations, median, color=color, linewidth=1.8)
    _error_axes(grid[0], drawn, log_epochs)  # shared: every panel gets the same axes
    for i, (axes, text) in enumerate(zip(grid, titles)):
        axes.set_title(text, fontsize=9, y=1.0, loc="left")
        axes.tick_params(labelsize=8, labelbottom=i + columns >= n, labelleft=i % columns == 0)
        if not log_epochs:
            axes.xaxis.set_major_locator(MaxNLocator(5))  # a few: the panels are small, and ticks cost most
        axes.set_xlabel("iteration" if i + columns >= n else "", fontsize=9)
        axes.set_ylabel("training error" if i % columns == 0 else "", fontsize=9)
        axes.grid(True, which="major", alpha=0.3)
    figure.suptitle(suptitle, y=1 - 0.12 / height, va="top")
    note = ("Each panel: the configuration's median training error over its seeds (line) and the middle half of "
            "its seeds (band, 25th to 75th percentile); grey lines: the other configurations' medians.")
    figure.text(left / width, 0.12 / height, _wrap(note, width - left - 0.2, 9), fontsize=9, va="bottom")
    _save(figure, path)


def _error_axes(axes, drawn, log_epochs: bool) -> None:
    _label_error_axes(axes, "", np.concatenate([np.concatenate([q1, q3]) for _, _, q1, _, q3 in drawn]), log_epochs)


def per_seed(values: dict[str, np.ndarray], ylabel: str, title: str, path: Path, *, log: bool = False,
             threshold: float | None = None, learned: dict[str, np.ndarray] | None = None,
             numbers: list[int] | None = None) -> None:
    """Save one dot per seed for each configuration, side by side, to `path` (PNG).

    values: {label: (n_seeds,)}, in the order of the columns; learned: {label: (n_seeds,) bool},
    whether each seed learned the training set: those that did not are hollow. Each column is
    named by its label, wrapped, where every label fits under its column; otherwise the columns
    are numbered (`numbers`, 1, 2, ... by default) and a key below the plot names them. No median
    is drawn: over seeds that fall in clusters, it can sit where no seed lies. `threshold` draws
    the threshold as a dashed line, keeps it and [0, 1] in view, and says above each column how
    many of its seeds' values are above it (within ON_THRESHOLD of it: on it).
    """
    labels = list(values)
    n, numbers, learned = len(labels), numbers or list(range(1, len(labels) + 1)), learned or {}
    columns = []  # (values, learned) of each column, without what the axis cannot show
    for label in labels:
        v = np.asarray(values[label], dtype=float)
        fitted = np.broadcast_to(np.asarray(learned.get(label, True), dtype=bool), v.shape)
        keep = np.isfinite(v) & (v > 0) if log else np.isfinite(v)
        columns.append((v[keep], fitted[keep]))
    left, right = 0.9, 0.25
    column = max(1.3, (6.4 - left - right) / n)
    names = [_wrap(label, column - 0.15, 10) for label in labels]
    named = all(name.count("\n") < 3 and max(text_inches(line, 10) for line in name.split("\n")) <= column - 0.15
                for name in names)
    if not named:
        column = max(0.5, (6.4 - left - right) / n)
    width = left + n * column + right
    counts = [] if threshold is None else [_above(v, threshold, narrow=column < 0.8) for v, _ in columns]
    key = [] if named else _key_columns([f"{k}. {label}" for k, label in zip(numbers, labels)], width - left - right, 9)
    hollow = any(not fitted.all() for _, fitted in columns)
    suptitle = _wrap(title, width - left - right, 12)  # centred over the frame: as wide as it
    counts_band = 0.08 + 8 * LINE * max(text.count("\n") + 1 for text in counts) if counts else 0.0
    tick_band = 0.2 + 10 * LINE * (max(name.count("\n") + 1 for name in names) if named else 1)
    handles = ([Line2D([], [], color="gray", linestyle="--", linewidth=1, label=f"threshold {threshold:g}; above "
                       "each column: how many of its seeds are above it")] if threshold is not None else []) + \
        ([Line2D([], [], marker="o", linestyle="none", markerfacecolor="none", markeredgecolor="gray",
                 label="hollow: the seed did not learn the training set (train accuracy < 1)")] if hollow else [])
    one_row = sum(text_inches(handle.get_label(), 8) + 0.7 for handle in handles) < width - left
    legend_band = 0.15 + (1 if one_row else len(handles)) * 0.19 if handles else 0.0
    key_band = 0.25 + 9 * LINE * max(text.count("\n") + 1 for text in key) if key else 0.0
    top = 0.2 + 0.23 * (suptitle.count("\n") + 1) + counts_band
    bottom = tick_band + legend_band + key_band + 0.1
    height = top + 3.2 + bottom
    figure = Figure(figsize=(width, height))
    _margins(figure, left, right, top, bottom)
    axes = figure.add_subplot()
    for x, (v, fitted) in enumerate(columns):
        color = COLORS[x % len(COLORS)]
        # Spread the dots sideways in a fixed pattern, not at random: the plot is reproducible.
        spread = x + (np.linspace(-0.28, 0.28, len(v)) if len(v) > 1 else np.zeros(len(v)))
        axes.scatter(spread[fitted], v[fitted], s=22, color=color, alpha=0.8, edgecolors="none")
        axes.scatter(spread[~fitted], v[~fitted], s=22, facecolors="none", edgecolors=color, linewidths=1.2)
    for x, text in enumerate(counts):  # in a band above the frame, clear of the dots
        axes.text(x, 1.0, text, transform=blended_transform_factory(axes.transData, axes.transAxes),
                  ha="center", va="bottom", fontsize=8)
    if threshold is not None:
        axes.axhline(threshold, color="gray", linestyle="--", linewidth=1)
        everything = np.concatenate([*(v for v, _ in columns), [0.0, 1.0, threshold]])
        low, high = everything.min(), everything.max()
        axes.set_ylim(low - 0.04 * (high - low), high + 0.04 * (high - low))
    axes.set_xticks(range(n), names if named else [str(k) for k in numbers], fontsize=10 if named else 9)
    axes.set_xlim(-0.6, n - 0.4)
    if log:
        _log_y(axes, np.concatenate([v for v, _ in columns]))
    axes.set_ylabel(ylabel)
    axes.set_title(suptitle, y=1.0, pad=6 + counts_band * 72)
    axes.grid(True, axis="y", which="major", alpha=0.3)
    below = (bottom - tick_band) / height  # the legend's top, then the key's below it
    if handles:
        figure.legend(handles=handles, loc="upper left", bbox_to_anchor=(left / width - 0.01, below), fontsize=8,
                      frameon=False, ncols=len(handles) if one_row else 1)
    if key:
        below -= legend_band / height
        figure.text(left / width, below, "Configurations, as numbered above:", fontsize=9, va="top", fontweight="bold")
        x = left / width
        for text in key:
            figure.text(x, below - 0.2 / height, text, fontsize=9, va="top", linespacing=1.3)
            x += (max(text_inches(line, 9) for line in text.split("\n")) + 0.3) / width
    _save(figure, path)


def _above(values: np.ndarray, threshold: float, narrow: bool) -> str:
    """`7/20 above` (on two lines when `narrow`), and `3 on it` for values within ON_THRESHOLD:
    floating-point noise (0.5 + 1e-16 from a net stuck at 0.5) decides nothing."""
    on = np.abs(values - threshold) <= ON_THRESHOLD
    text = f"{int((values > threshold + ON_THRESHOLD).sum())}/{len(values)}{chr(10) if narrow else ' '}above"
    return text + (f"\n{int(on.sum())} on it" if on.any() else "")


def _key_columns(entries: list[str], inches: float, points: float) -> list[str]:
    """The key's entries as text columns, side by side within `inches`: as many columns as the
    widest entry allows, each entry wrapped to its column, later lines indented."""
    widest = max(text_inches(entry, points) for entry in entries)
    n_columns = max(1, min(len(entries), int((inches + 0.3) // (widest + 0.3))))
    column = (inches + 0.3) / n_columns - 0.3
    wrapped = [_wrap(entry, column, points).replace("\n", "\n     ") for entry in entries]
    per_column = -(-len(entries) // n_columns)
    return ["\n".join(wrapped[i:i + per_column]) for i in range(0, len(entries), per_column)]


def by_setting(values: np.ndarray, success: np.ndarray, metric: np.ndarray, seeds: list[np.ndarray], *,
               setting: str, metric_name: str, log_metric: bool, title: str, path: Path,
               epochs: np.ndarray | None = None, epochs_seeds: list[np.ndarray] | None = None) -> None:
    """Save panels against a swept setting's values to `path` (PNG): (top) the share of seeds
    that learned the training set, (middle) a metric's median over seeds, and (bottom, when
    `epochs` is given) the median epochs to fit over the seeds that learned, each seed's value a
    faint dot behind; points joined in the setting's order, error bars their 95% intervals. The
    setting's axis is log-scaled when its values span two decades or more (symmetric-log,
    linear near 0, when one of them is 0).

    values: (n_configs,) in increasing order; success, metric, epochs: (n_configs, 3), the
    estimate and its interval's low and high end (nan: none); seeds, epochs_seeds: n_configs
    arrays (n_seeds,) of the metric and of the epochs to fit (nan: never fitted). setting,
    metric_name: the axes' labels. log_metric: a log-scaled metric axis (errors).
    """
    values = np.asarray(values, dtype=float)
    timed = epochs is not None and np.isfinite(epochs[:, 0]).any()
    figure = Figure(figsize=(6.4, 8.4 if timed else 6.4))
    suptitle = _wrap(title, 6.0, 12)
    _margins(figure, 1.0, 0.25, 0.35 + 0.23 * (suptitle.count("\n") + 1), 0.65)
    panels = figure.subplots(3 if timed else 2, 1, sharex=True)
    top, bottom = panels[0], panels[1]
    figure.subplots_adjust(hspace=0.12)
    positive = values[values > 0]
    if positive.size and positive.max() >= 100 * positive.min():  # two decades or more
        if (values <= 0).any():  # l2=0 or noise=0 among them: linear from 0 to the least positive value
            top.set_xscale("symlog", linthresh=positive.min())
        else:
            _log_x(top)
    position = top.xaxis.get_transform().transform(values)  # where each value is drawn
    gap = np.diff(position).min() if len(values) > 1 else 1.0
    drawn = [(top, success, None), (bottom, metric, seeds)] + ([(panels[2], epochs, epochs_seeds)] if timed else [])
    for axes, estimates, per_seed in drawn:
        estimate, low, high = estimates.T
        shown = np.isfinite(estimate)  # a setting none of whose seeds learned has no epochs to fit
        axes.errorbar(values[shown], estimate[shown], yerr=[(estimate - low)[shown], (high - estimate)[shown]],
                      fmt="o-", color="tab:blue", capsize=4, linewidth=1.5, markersize=5, zorder=3)
        axes.grid(True, which="major", alpha=0.3)
        for at, v in zip(position, per_seed or []):
            v = np.asarray(v, dtype=float)
            offsets = np.linspace(-0.12, 0.12, len(v)) * gap if len(v) > 1 else np.zeros(len(v))
            x = top.xaxis.get_transform().inverted().transform(at + offsets)
            axes.scatter(x, v, s=12, color="0.45", alpha=0.35, edgecolors="none", zorder=2)
    top.set_ylim(-0.05, 1.05)
    top.yaxis.set_major_formatter(PercentFormatter(1.0))
    top.set_ylabel("seeds that learned\nthe training set", fontsize=10)
    if log_metric:
        _log_y(bottom, np.concatenate([np.asarray(v, dtype=float) for v in seeds] + [metric.ravel()]))
    bottom.set_ylabel(metric_name, fontsize=10)
    if timed:
        panels[2].set_ylabel("epochs to fit, median over\nthe seeds that learned", fontsize=10)
        timings = np.concatenate([np.asarray(v, dtype=float) for v in epochs_seeds or []] + [epochs.ravel()])
        timings = timings[np.isfinite(timings) & (timings > 0)]
        if timings.size and timings.max() >= 20 * timings.min():  # 200 epochs beside 9,600: a log axis
            _log_y(panels[2], timings)
        else:
            panels[2].yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        bottom = panels[2]
    bottom.set_xlabel(setting)
    if len(values) <= 12:
        bottom.set_xticks(values, [f"{v:,.0f}" if 1000 <= v < 1e7 and v == round(v) else f"{v:g}" for v in values])
    figure.suptitle(suptitle, y=1 - 0.12 / 6.4, va="top")
    handles = [Line2D([], [], color="tab:blue", marker="o", label="estimate, 95% interval as bars"),
               Line2D([], [], color="0.45", marker="o", linestyle="none", alpha=0.5, label="each seed")]
    bottom.legend(handles=handles, fontsize=8, loc="best")
    _save(figure, path)
