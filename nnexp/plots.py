"""Plots, readable at a glance: the error curve of a run, and a sweep's curves and per-seed results.

Drawn with matplotlib's object API on an Agg canvas, not pyplot: no GUI backend is chosen or
started, no global figure state is kept between calls, and it works on machines with no screen.
"""

from __future__ import annotations

import os
import textwrap
import sys
import warnings
from pathlib import Path

import numpy as np


def _import_matplotlib() -> None:
    """Import matplotlib whatever MPLBACKEND says.

    nnexp never uses pyplot: it draws on an Agg canvas, so the backend MPLBACKEND names for
    pyplot plays no part here. matplotlib checks the variable on its first import all the same,
    and a name it does not know (MPLBACKEND=foo) would stop every command. So it is imported
    without the variable, which is then put back, and applied as matplotlib would if it is valid:
    for pyplot in the same process (a notebook's inline backend) and for processes started later.
    """
    if "matplotlib" in sys.modules or not os.environ.get("MPLBACKEND"):
        return
    backend = os.environ.pop("MPLBACKEND")
    try:
        import matplotlib
    finally:
        os.environ["MPLBACKEND"] = backend
    try:
        matplotlib.rcParams["backend"] = backend
    except ValueError:
        pass


_import_matplotlib()
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import LogFormatter, NullLocator, StrMethodFormatter

from nnexp.results import atomic_path
from nnexp.train import History

# With more replicas than this, single lines become a blur: draw the median and bands instead.
MAX_LINES = 10


# How the run plot's loss axis names each loss (nnexp.train).
LOSS_LABELS = {"squared_error": "loss minimised: 1/2 sum (target - output)^2",
               "log_loss": "loss minimised: log loss (cross-entropy)"}


def error_curve(history: History, seeds: np.ndarray, title: str, path: Path, loss: str = "squared_error") -> None:
    """Save the loss the training minimised (top) and the training error (bottom) against the
    epoch, both log-scaled, to `path` (PNG). The error, mean |target - output|, may rise for a
    while as the loss falls: only the loss says whether training still makes progress.

    history.error, history.loss: (n_replicas, n_points); one line per seed, or a median with
    bands for many. A history without a loss draws the error alone; one with a test set draws
    the test error dashed beside the training error (not the test loss: a sum of squares over
    another number of rows would not compare).
    """
    # Fixed margins, not layout="constrained": the constrained solver costs more than the
    # drawing itself on a plot this simple, and every job of a sweep draws one.
    panels = [(history.loss, LOSS_LABELS.get(loss, f"loss minimised: {loss}"), None)] \
        if history.loss is not None else []
    tested = history.test_error is not None
    panels.append((history.error, "error, mean |target - output|" if tested else
                   "training error, mean |target - output|", history.test_error))
    figure = Figure(figsize=(6.4, 2.0 + 2.6 * len(panels)))
    title_lines = _wrapped(title).count("\n") + 1
    figure.subplots_adjust(left=0.14, right=0.97, bottom=0.5 / figure.get_figheight(),
                           top=1 - (0.13 + 0.22 * title_lines) / figure.get_figheight(), hspace=0.12)
    axes_list = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for axes, (values, ylabel, test) in zip(axes_list, panels):
        # Plot only positive values: a replica whose outputs hit 0 and 1 exactly has error 0,
        # which a log axis cannot show, and a diverged one has nan.
        shown = np.where(values > 0, values, np.nan)
        test_shown = None if test is None else np.where(test > 0, test, np.nan)
        train = " train" if test is not None else ""
        if len(seeds) <= MAX_LINES:
            for i, (seed, curve, final) in enumerate(zip(seeds, shown, values[:, -1])):
                line, = axes.plot(history.iterations, curve, linewidth=1.5,
                                  label=f"seed {seed}{train}: final {final:.3g}")
                if test_shown is not None:  # dashed, in its seed's colour: the held-out rows
                    axes.plot(history.iterations, test_shown[i], linewidth=1.5, linestyle="--", color=line.get_color(),
                              label=f"seed {seed} test: final {test[i, -1]:.3g}")
        else:
            low, q1, median, q3, high = _percentiles(shown, [0, 25, 50, 75, 100])
            axes.fill_between(history.iterations, low, high, alpha=0.2, label="min to max")
            axes.fill_between(history.iterations, q1, q3, alpha=0.4, label="middle half of seeds")
            axes.plot(history.iterations, median, linewidth=1.5, label=f"median of {len(seeds)} seeds{train}")
            if test_shown is not None:
                axes.plot(history.iterations, _percentiles(test_shown, [50])[0], linewidth=1.5, linestyle="--",
                          color="black", label=f"median of {len(seeds)} seeds, test")
        axes.legend(fontsize="small")
        _label_error_axes(axes, title if axes is axes_list[0] else "",
                          shown if test_shown is None else np.concatenate([shown, test_shown]))
        axes.set_ylabel(ylabel, fontsize="small")
        if axes is not axes_list[-1]:
            axes.set_xlabel("")
    axes_list[-1].set_xlabel("epoch (pass over the training set)")
    _save(figure, path)


# Colors of the configurations in a sweep's plots; a sweep plot shows at most this many.
COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
          "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan"]
MAX_CONFIGS = len(COLORS)


def sweep_error_curves(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str, path: Path) -> None:
    """Save the error curves of a sweep's configurations, across seeds, to `path` (PNG).

    curves: {label: (iterations (n_points,), error (n_seeds, n_points))}, at most MAX_CONFIGS.
    Each configuration gets its median over seeds as a line and the middle half of its seeds
    (25th to 75th percentile) as a band of the same color; the error axis is log-scaled.
    """
    figure = Figure(figsize=(7.5, 4.5))
    figure.subplots_adjust(left=0.11, right=0.97, bottom=0.11, top=0.88)  # two title lines
    axes = figure.add_subplot()
    handles, drawn = [], []
    for color, (label, (iterations, error)) in zip(COLORS, curves.items()):
        error = np.where(error > 0, error, np.nan)  # log axis: no zeros; diverged seeds are nan
        q1, median, q3 = _percentiles(error, [25, 50, 75])
        drawn += [q1, q3]
        axes.fill_between(iterations, q1, q3, color=color, alpha=0.25, linewidth=0)
        (line,) = axes.plot(iterations, median, color=color, linewidth=1.8,
                            label=f"{label}: median of {len(error)} seed{'s' * (len(error) != 1)}")
        handles.append(line)
    handles.append(Patch(color="gray", alpha=0.25, label="band: middle half of the seeds"))
    axes.legend(handles=handles, fontsize="small")
    _label_error_axes(axes, title, np.concatenate(drawn))
    _save(figure, path)


def per_seed(values: dict[str, np.ndarray], ylabel: str, title: str, path: Path, *,
             log: bool = False, line: tuple[float, str] | None = None) -> None:
    """Save one dot per seed for each configuration, side by side, to `path` (PNG).

    values: {label: (n_seeds,)} with at most MAX_CONFIGS labels; a short black bar marks each
    median, so that outliers stand out. `line` = (y, label) draws a dashed reference line.
    """
    width = max(6.4, 1.3 * len(values) + 2.0)
    figure = Figure(figsize=(width, 4.5))
    # Room below for labels slanted when there are many; margins in inches, whatever the width.
    figure.subplots_adjust(left=0.8 / width, right=1 - 0.2 / width, top=0.88,
                           bottom=0.20 if len(values) > 4 else 0.11)
    axes = figure.add_subplot()
    for x, (color, (label, v)) in enumerate(zip(COLORS, values.items())):
        v = np.asarray(v, dtype=float)
        v = v[np.isfinite(v) & (v > 0)] if log else v[np.isfinite(v)]
        # Spread the dots sideways in a fixed pattern, not at random: the plot is reproducible.
        spread = np.linspace(-0.22, 0.22, len(v)) if len(v) > 1 else np.zeros(len(v))
        axes.scatter(x + spread, v, s=22, color=color, alpha=0.8, edgecolors="none")
        if len(v):
            axes.hlines(np.median(v), x - 0.3, x + 0.3, color="black", linewidth=1.5)
    if line is not None:
        axes.axhline(line[0], color="gray", linestyle="--", linewidth=1, label=line[1])
        axes.legend(fontsize="small")
    axes.set_xticks(range(len(values)), list(values), rotation=20 if len(values) > 4 else 0)
    axes.set_xlim(-0.6, len(values) - 0.4)
    if log:
        _log_y(axes, np.concatenate([np.asarray(v, dtype=float) for v in values.values()]))
    axes.set_ylabel(ylabel)
    _set_title(axes, title)
    axes.grid(True, axis="y", which="major", alpha=0.3)
    _save(figure, path)


def _label_error_axes(axes, title: str, error: np.ndarray) -> None:
    """Training error (log scale) against iteration, titled, with a light grid."""
    _log_y(axes, error)
    axes.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))  # 100,000, not 100000
    axes.set_xlabel("iteration")
    axes.set_ylabel("training error, mean |target - output|")
    _set_title(axes, title)
    axes.grid(True, which="major", alpha=0.3)


def _set_title(axes, title: str) -> None:
    # With y given, matplotlib does not search for a place above the ticks at every draw. A long
    # title (a model with many options) is wrapped, never cut at the figure's edge.
    axes.set_title(_wrapped(title), y=1.0)


def _wrapped(title: str) -> str:
    """`title` with each of its lines wrapped at TITLE_WIDTH characters."""
    return "\n".join(textwrap.fill(line, width=TITLE_WIDTH, break_long_words=False) for line in title.split("\n"))


# Characters per title line that fit a 6.4-inch plot at matplotlib's default title size.
TITLE_WIDTH = 62


class _DecimalLogFormatter(LogFormatter):
    """Log-axis labels as plain decimals, 0.01 rather than 10^-2: quicker to read, and no math
    text to typeset, which took a fifth of a plot's time. LogFormatter still picks which ticks
    get a label (the minor ones too, when the axis spans less than a decade or two)."""

    def __call__(self, x, pos=None):
        return f"{x:g}" if super().__call__(x, pos) else ""


def _log_y(axes, values: np.ndarray) -> None:
    """A log-scaled y axis for `values`, labelled in decimals.

    Over two decades or more, the decades alone (at least two of them) label the axis, and the
    minor ticks go: drawing them took almost half of a plot's time. Over less, the minor ticks
    stay, since they carry the labels.
    """
    axes.set_yscale("log")
    axes.yaxis.set_major_formatter(_DecimalLogFormatter())
    axes.yaxis.set_minor_formatter(_DecimalLogFormatter())
    shown = values[np.isfinite(values) & (values > 0)]
    if not shown.size:
        # Every seed diverged (nan) or reached exactly 0: with no limits from the data, matplotlib
        # refuses to draw a log axis. Give it some, and say why the plot is empty.
        axes.set_ylim(1e-3, 1)
        axes.text(0.5, 0.5, "no value above 0 to show", transform=axes.transAxes,
                  ha="center", va="center", color="gray")
        return
    if shown.max() >= 100 * shown.min():
        axes.yaxis.set_minor_locator(NullLocator())


def _percentiles(values: np.ndarray, q: list[float]) -> np.ndarray:
    """Percentiles over axis 0 of (n_seeds, n_points), leaving out nan (diverged seeds).

    np.nanpercentile works column by column in Python; np.percentile, vectorised, gives the same
    numbers when there is no nan, which is the usual case, at a fraction of the cost.
    """
    if not np.isnan(values).any():
        return np.percentile(values, q, axis=0)
    with warnings.catch_warnings():  # columns where every seed diverged are all-nan
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanpercentile(values, q, axis=0)


def _save(figure: Figure, path: Path) -> None:
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=100)
