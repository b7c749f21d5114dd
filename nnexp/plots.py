"""Plots, readable at a glance: the error curve of a run, and the axes, formats and saving every
picture shares (the sweep report's pictures are nnexp.plots_sweep's).

Drawn with matplotlib's object API on an Agg canvas, not pyplot: no GUI backend is chosen or
started, no global figure state is kept between calls, and it works on machines with no screen.
"""

from __future__ import annotations

import functools
import os
import re
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
from matplotlib.figure import Figure  # noqa: E402 (after _import_matplotlib)
from matplotlib.font_manager import FontProperties  # noqa: E402 (after _import_matplotlib)
from matplotlib.textpath import text_to_path  # noqa: E402 (after _import_matplotlib)
from matplotlib.ticker import LogFormatter, NullLocator, StrMethodFormatter  # noqa: E402 (after _import_matplotlib)

from nnexp.results import atomic_path  # noqa: E402 (after _import_matplotlib)
from nnexp.training import History  # noqa: E402 (after _import_matplotlib)

# With more replicas than this, single lines become a blur: draw the median and bands instead.
MAX_LINES = 10


# How the run plot's loss axis names each loss (nnexp.training).
LOSS_LABELS = {"squared_error": "loss minimised: 1/2 sum (target - output)^2",
               "log_loss": "loss minimised: log loss (cross-entropy)"}


def error_curve(history: History, seeds: np.ndarray, title: str, path: Path, loss: str = "squared_error") -> None:
    """Save the loss the training minimised (top) and the training error (bottom) against the
    epoch, both log-scaled, to `path` (PNG). The error, mean |target - output|, may rise for a
    while as the loss falls: only the loss says whether training still makes progress.

    history.error, history.loss: (n_replicas, n_points); one line per seed, or a median with
    bands for many. A history without a loss draws the error alone; one with a test set draws
    the test error dashed beside the training error (not the test loss: a sum of squares over
    another number of rows would not compare). When the logged epochs span two decades or more
    (epoch_axis), the epoch axis is log-scaled and the point at epoch 0, before any step, is left
    out: each curve starts at the first logged epoch, train.log_every.
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
    drawn, log_epochs = epoch_axis(history.iterations)
    iterations = history.iterations[drawn]
    for axes, (values, ylabel, test) in zip(axes_list, panels):
        # Plot only positive values: a replica whose outputs hit 0 and 1 exactly has error 0,
        # which a log axis cannot show, and a diverged one has nan.
        final = values[:, -1]
        values, test = values[:, drawn], None if test is None else test[:, drawn]
        shown = np.where(values > 0, values, np.nan)
        test_shown = None if test is None else np.where(test > 0, test, np.nan)
        train = " train" if test is not None else ""
        if len(seeds) <= MAX_LINES:
            for i, (seed, curve, last) in enumerate(zip(seeds, shown, final)):
                line, = axes.plot(iterations, curve, linewidth=1.5, label=f"seed {seed}{train}: final {last:.3g}")
                if test_shown is not None:  # dashed, in its seed's colour: the held-out rows
                    axes.plot(iterations, test_shown[i], linewidth=1.5, linestyle="--", color=line.get_color(),
                              label=f"seed {seed} test: final {test[i, -1]:.3g}")
        else:
            low, q1, median, q3, high = _percentiles(shown, [0, 25, 50, 75, 100])
            axes.fill_between(iterations, low, high, alpha=0.2, label="min to max")
            axes.fill_between(iterations, q1, q3, alpha=0.4, label="middle half of seeds")
            axes.plot(iterations, median, linewidth=1.5, label=f"median of {len(seeds)} seeds{train}")
            if test_shown is not None:
                axes.plot(iterations, _percentiles(test_shown, [50])[0], linewidth=1.5, linestyle="--",
                          color="black", label=f"median of {len(seeds)} seeds, test")
        axes.legend(fontsize="small")
        _label_error_axes(axes, title if axes is axes_list[0] else "",
                          shown if test_shown is None else np.concatenate([shown, test_shown]), log_epochs)
        axes.set_ylabel(ylabel, fontsize="small")
        if axes is not axes_list[-1]:
            axes.set_xlabel("")
    axes_list[-1].set_xlabel("epoch (pass over the training set)")
    _save(figure, path)


def epoch_axis(iterations: np.ndarray) -> tuple[np.ndarray, bool]:
    """(which logged points to draw (n_points,) of bool, whether the epoch axis is log-scaled).

    Log-scaled when the logged epochs above 0 span two decades or more (the last at least 100
    times the first), where a linear axis squeezes the early training, often all of it, into
    its first pixels. A log axis cannot show epoch 0: that point is then left out, and the
    curves start at the first logged epoch. iterations: (n_points,), from 0 as nnexp logs them.
    """
    iterations = np.asarray(iterations, dtype=float)
    positive = iterations > 0
    log = bool(positive.any()) and iterations.max() >= 100 * iterations[positive].min()
    return (positive if log else np.ones(len(iterations), dtype=bool)), log


def _label_error_axes(axes, title: str, error: np.ndarray, log_epochs: bool = False) -> None:
    """Training error (log scale) against iteration, titled, with a light grid."""
    _log_y(axes, error)
    if log_epochs:
        _log_x(axes)
    else:
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
LINE = 1.3 / 72  # inches per point of font size, from one line of text to the next


@functools.lru_cache(maxsize=4096)  # the same labels are measured for every picture of a report
def text_inches(text: str, points: float) -> float:
    """The width of one line of `text` at `points` size in matplotlib's default font, in inches."""
    width, _, _ = text_to_path.get_text_width_height_descent(text, FontProperties(size=points), ismath=False)
    return width / 72


def _wrap(text: str, inches: float, points: float) -> str:
    """`text` in lines no wider than `inches` at `points` size, broken at spaces, or after the
    commas of a word too long for a line (`features=x1,x2,x1_squared,x2_squared`); a piece with
    no such break wider than a line is left whole. A line's width is taken as its pieces' and
    spaces' widths added up, 2% spared for what kerning adds: each piece is measured once."""
    space = text_inches(" ", points)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        pieces = [(piece, i == 0) for word in paragraph.split()
                  for i, piece in enumerate(re.findall(r"[^,]+,?|,", word))]
        current, used = "", 0.0
        for piece, starts_word in pieces:
            gap = space if current and starts_word else 0.0
            if current and used + gap + text_inches(piece, points) > inches / 1.02:
                lines.append(current)
                current, used, gap = "", 0.0, 0.0
            current += (" " if gap else "") + piece
            used += gap + text_inches(piece, points)
        lines.append(current)
    return "\n".join(lines)


def _margins(figure: Figure, left: float, right: float, top: float, bottom: float) -> None:
    """Margins in inches, whatever the figure's size."""
    width, height = figure.get_size_inches()
    figure.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height)


class _DecimalLogFormatter(LogFormatter):
    """Log-axis labels as plain decimals, 0.01 rather than 10^-2: quicker to read, and no math
    text to typeset, which took a fifth of a plot's time. LogFormatter still picks which ticks
    get a label (the minor ones too, when the axis spans less than a decade or two)."""

    def __call__(self, x, pos=None):
        if not super().__call__(x, pos):
            return ""
        return f"{x:,.0f}" if x >= 1000 and x == round(x) else f"{x:g}"  # 100,000, not 1e+05


def _log_x(axes) -> None:
    """A log-scaled x axis labelled at its decades, in decimals (1,000 rather than 10^3)."""
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(_DecimalLogFormatter())
    axes.xaxis.set_minor_locator(NullLocator())  # as _log_y's: half a plot's time, no labels


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
