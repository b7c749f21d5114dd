"""Plot axes read at a glance: decimals on the log error axis, thousands separated on iterations."""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nnexp import plots


def drawn_axes(error: np.ndarray, iterations: np.ndarray):
    figure = Figure()
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot(iterations, error)
    plots._label_error_axes(axes, "title", error)
    figure.canvas.draw()
    return axes


def labels(ticks) -> list[str]:
    return [tick.get_text() for tick in ticks if tick.get_text()]


def test_error_axes_label_iterations_with_thousands_separators_and_error_in_decimals():
    iterations = np.linspace(0, 100_000, 11)
    axes = drawn_axes(np.geomspace(0.5, 0.002, 11), iterations)
    assert "100,000" in labels(axes.get_xticklabels())
    assert {"0.01", "0.1"} <= set(labels(axes.get_yticklabels()))
    assert all("$" not in text for text in labels(axes.get_yticklabels()))  # no math text


def test_a_log_axis_within_a_decade_still_gets_labels():
    axes = drawn_axes(np.linspace(0.45, 0.3, 11), np.linspace(0, 1_000, 11))
    assert labels(axes.get_yticklabels()) + labels(axes.get_yticklabels(minor=True))
