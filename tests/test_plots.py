"""Plot axes read at a glance: decimals on the log error axis, thousands separated on iterations;
and a log axis with nothing above 0 to show is still drawn."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from nnexp import plots
from nnexp.train import History


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


ITERATIONS = np.arange(0, 1001, 100)
NOTHING_ABOVE_ZERO = {
    "every seed diverged": np.full((12, 11), np.nan),  # more than MAX_LINES: the median and bands
    "one seed diverged": np.full((1, 11), np.nan),
    "error exactly 0": np.zeros((3, 11)),
}


@pytest.mark.parametrize("case", NOTHING_ABOVE_ZERO)
@pytest.mark.parametrize("plot", ["error_curve", "sweep_error_curves", "per_seed"])
def test_a_plot_with_nothing_above_zero_on_its_log_axis_is_still_drawn(tmp_path, plot, case):
    # matplotlib raised "Data cannot be log-scaled because all values are <= 0" while saving.
    error = NOTHING_ABOVE_ZERO[case]
    path = tmp_path / "plot.png"
    if plot == "error_curve":
        plots.error_curve(History(ITERATIONS, error, seconds=0.1), np.arange(len(error)), case, path)
    elif plot == "sweep_error_curves":
        plots.sweep_error_curves({"config": (ITERATIONS, error)}, case, path)
    else:
        plots.per_seed({"config": error[:, -1]}, "final error", case, path, log=True)
    with Image.open(path) as image:
        assert image.size[0] >= 400
