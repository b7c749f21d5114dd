"""Plots: the error curve of a run, readable at a glance.

Drawn with matplotlib's object API on an Agg canvas, not pyplot: no GUI backend is chosen or
started, no global figure state is kept between calls, and it works on machines with no screen.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from nnexp.results import atomic_path
from nnexp.train import History

# With more replicas than this, single lines become a blur: draw the median and bands instead.
MAX_LINES = 10


def error_curve(history: History, seeds: np.ndarray, title: str, path: Path) -> None:
    """Save the training error against the iteration, error axis log-scaled, to `path` (PNG).

    history.error: (n_replicas, n_points); one line per seed, or a median with bands for many.
    """
    figure = Figure(figsize=(6.4, 4.0), layout="constrained")
    axes = figure.add_subplot()
    # Plot only positive values: a replica whose outputs hit 0 and 1 exactly has error 0,
    # which a log axis cannot show, and a diverged one has nan.
    error = np.where(history.error > 0, history.error, np.nan)
    if len(seeds) <= MAX_LINES:
        for seed, curve, final in zip(seeds, error, history.error[:, -1]):
            axes.plot(history.iterations, curve, linewidth=1.5, label=f"seed {seed}: final error {final:.3g}")
    else:
        with warnings.catch_warnings():  # columns where every replica diverged are all-nan
            warnings.simplefilter("ignore", RuntimeWarning)
            low, q1, median, q3, high = np.nanpercentile(error, [0, 25, 50, 75, 100], axis=0)
        axes.fill_between(history.iterations, low, high, alpha=0.2, label="min to max")
        axes.fill_between(history.iterations, q1, q3, alpha=0.4, label="middle half of seeds")
        axes.plot(history.iterations, median, linewidth=1.5, label=f"median of {len(seeds)} seeds")
    axes.legend(fontsize="small")
    axes.set_yscale("log")
    axes.set_xlabel("iteration")
    axes.set_ylabel("training error, mean |target - output|")
    axes.set_title(title)
    axes.grid(True, which="major", alpha=0.3)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=100)
