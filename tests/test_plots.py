"""Plots read at a glance: decimals on the log error axis, thousands separated on iterations,
a log epoch axis over decades; a log axis with nothing above 0 to show is still drawn; and the
report's pictures of many configurations with long names keep every label apart and inside the
picture, as matplotlib measures them."""

import itertools

import numpy as np
import pandas as pd
import pytest

from conftest import Recorder
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from nnexp import plots, plots_sweep
from nnexp.report_plots import _probe_plots
from nnexp.training import History


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
        plots_sweep.sweep_error_curves({"config": (ITERATIONS, error)}, case, path)
    else:
        plots_sweep.per_seed({"config": error[:, -1]}, "final error", case, path, log=True)
    with Image.open(path) as image:
        assert image.size[0] >= 400


@pytest.fixture
def drawn(monkeypatch):
    """The figures the sweep's plots save, drawn, instead of their files."""
    figures = []

    def keep(figure, path):
        FigureCanvasAgg(figure)
        figure.canvas.draw()
        figures.append(figure)

    monkeypatch.setattr(plots_sweep, "_save", keep)
    return figures


def texts(figure) -> list[Text]:
    """Every piece of text the figure shows: the tick labels in view, titles, axis labels,
    legends, notes."""
    everything = figure.findobj(Text)  # first: it makes the tick objects the locators ask for
    ticks = {id(label) for axes in figure.axes for axis in (axes.xaxis, axes.yaxis)
             for tick in axis.majorTicks + axis.minorTicks for label in (tick.label1, tick.label2)}
    shown = [text for text in everything if id(text) not in ticks]
    for axes in figure.axes:  # tick labels of ticks in view: matplotlib draws only those
        for axis, limits in ((axes.xaxis, axes.get_xlim()), (axes.yaxis, axes.get_ylim())):
            low, high = sorted(limits)
            at, spare = (0 if axis is axes.xaxis else 1), 1e-9 * (high - low)
            shown += [label for label in axis.get_ticklabels(which="both")
                      if low - spare <= label.get_position()[at] <= high + spare]
    return [text for text in shown if text.get_visible() and text.get_text().strip()
            and (text.axes is None or text.axes.get_visible())]


def assert_readable(figure) -> None:
    """No two texts overlap, and each lies inside the figure (matplotlib's own extents)."""
    renderer = figure.canvas.get_renderer()
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in texts(figure)]
    for text, box in boxes:
        assert box.x0 >= -1 and box.y0 >= -1 and box.x1 <= figure.bbox.width + 1 and \
            box.y1 <= figure.bbox.height + 1, f"{text!r} leaves the figure: {box}"
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        overlap = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0), min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        assert min(overlap) <= 0.5, f"{a!r} and {b!r} overlap"


# The playground study's 20 labels: long, and with words no line can break at spaces.
PLAYGROUND = [f"{net} {data}" for data in ["circle", "xor2d", "gauss", "spiral", "moons"]
              for net in ["perceptron", "perceptron (features=x1,x2,x1_squared,x2_squared)", "two_layer [8] tanh",
                          "two_layer [8] (features=x1,x2,x1_squared,x2_squared) tanh"]]


def clusters(n_seeds: int, n_high: int) -> np.ndarray:
    """n_high seeds near 0.99 and the rest near 0.01: a median would lie between the clusters."""
    return np.r_[np.linspace(0.985, 0.995, n_high), np.linspace(0.005, 0.015, n_seeds - n_high)]


@pytest.mark.parametrize("n", [20, 4])  # 4: a narrow picture, its legend on two rows
def test_configurations_with_long_names_get_numbered_columns_and_a_key(drawn, tmp_path, n):
    labels = PLAYGROUND[-n:]
    values = {label: clusters(20, k % 20) for k, label in enumerate(labels)}
    learned = {label: np.arange(20) % 3 > 0 for label in labels}
    plots_sweep.per_seed(values, "output", "Output for the probe at each seed\nplayground", tmp_path / "p.png",
                         threshold=0.5, learned=learned)
    (figure,) = drawn
    assert_readable(figure)
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.get_xticklabels()] == [str(k) for k in range(1, n + 1)]  # every one shown
    key = "\n".join(text.get_text() for text in figure.texts)
    assert all(f"{k}. {label.split()[0]}" in key for k, label in enumerate(labels, start=1))
    assert "two_layer [8] (features=x1,x2,x1_squared,x2_squared) tanh moons" in key.replace("\n     ", " ")
    assert [text.get_text().split()[0] for text in axes.texts][3] == "3/20"


def test_short_names_stay_under_their_own_columns(drawn, tmp_path):
    names = ["perceptron", "two_layer", "two_layer [8] tanh bias", "mlp [3, 2]", "two_layer tanh log_loss"]
    plots_sweep.per_seed({name: np.geomspace(0.01, 0.5, 5) for name in names}, "final error", "Final error",
                         tmp_path / "p.png", log=True)
    (figure,) = drawn
    assert_readable(figure)
    axes = figure.axes[0]
    labels = axes.get_xticklabels()
    assert [label.get_text().replace("\n", " ") for label in labels] == names  # wrapped, not numbered
    renderer = figure.canvas.get_renderer()
    for x, label in enumerate(labels):  # centred under its column, and narrower than it
        box = label.get_window_extent(renderer)
        left, right = axes.transData.transform([(x - 0.5, 0), (x + 0.5, 0)])[:, 0]
        assert left <= box.x0 and box.x1 <= right


def test_seeds_in_two_clusters_get_no_median_and_their_count_above_the_threshold(drawn, tmp_path):
    plots_sweep.per_seed({"a": clusters(20, 7), "b": np.full(4, 0.5 + 1e-16), "c": np.full(3, 0.97)},
                         "output", "probe", tmp_path / "p.png", threshold=0.5,
                         learned={"a": np.arange(20) >= 5, "b": np.zeros(4, bool), "c": np.ones(3, bool)})
    (figure,) = drawn
    axes = figure.axes[0]
    assert not [c for c in axes.collections if isinstance(c, LineCollection)]  # no median bar
    assert [text.get_text() for text in axes.texts] == ["7/20 above", "0/4 above\n4 on it", "3/3 above"]
    hollow = sum(len(c.get_offsets()) for c in axes.collections if len(c.get_facecolors()) == 0)
    assert hollow == 5 + 4
    low, high = axes.get_ylim()
    assert low < 0 and high > 1  # the threshold, and 0 and 1, inside the frame
    legend = figure.legends[0].get_texts()
    assert any("did not learn the training set" in text.get_text() for text in legend)
    assert_readable(figure)


def test_a_threshold_far_from_the_outputs_stays_in_the_frame(drawn, tmp_path):
    plots_sweep.per_seed({"a": np.full(5, 0.999)}, "output", "probe", tmp_path / "p.png", threshold=0.5)
    low, high = drawn[0].axes[0].get_ylim()
    assert low < 0.5 < high


def test_many_configurations_get_a_panel_each_with_its_name(drawn, tmp_path):
    # 10 of the 20 (a panel costs a tenth of a second): 4 columns, the last row part-filled.
    iterations = np.arange(0, 301, 10)
    curves = {label: (iterations, np.geomspace(0.5, 0.001 * (k + 1), 31)[None].repeat(3, axis=0))
              for k, label in enumerate(PLAYGROUND[10:])}
    plots_sweep.sweep_error_curves(curves, "Training error across seeds\nplayground", tmp_path / "c.png",
                                   numbers=list(range(11, 21)))
    (figure,) = drawn
    panels = [axes for axes in figure.axes if axes.get_visible()]
    assert len(panels) == 10
    assert [axes.get_title(loc="left").split(".")[0] for axes in panels] == [str(k) for k in range(11, 21)]
    assert [any(t.get_text() for t in axes.get_xticklabels()) for axes in panels] == [False] * 6 + [True] * 4
    assert_readable(figure)


@pytest.mark.parametrize("labels", [[f"hidden=[{k}]" for k in (1, 2, 3, 4, 8)],
                                    [f"{label} lr=0.1 momentum=0.9 l2=0.001 init=glorot" for label in PLAYGROUND[:6]]],
                         ids=["short", "long"])
def test_a_few_configurations_share_a_frame_with_a_legend_below_in_their_colors(drawn, tmp_path, labels):
    iterations = np.arange(0, 100_001, 100)
    curves = {label: (iterations, np.geomspace(0.5, 0.01 / (k + 1), len(iterations))[None].repeat(4, axis=0))
              for k, label in enumerate(labels)}
    plots_sweep.sweep_error_curves(curves, "Training error across seeds", tmp_path / "c.png")
    (figure,) = drawn
    (axes,) = figure.axes
    legend = figure.legends[0]
    assert legend.get_window_extent().y1 < axes.get_window_extent().y0  # below the frame, never over the curves
    swatches = legend.legend_handles  # the bands' swatches, under their lines: each configuration's color
    assert [to_hex(band.get_facecolor(), keep_alpha=False) for band in swatches] == \
        [to_hex(color) for color in plots_sweep.COLORS[:len(labels)]]
    assert_readable(figure)
    assert axes.get_xscale() == "log" and axes.get_xlim()[0] > 0  # 100 to 100,000: three decades


@pytest.mark.parametrize("last, log", [(100_000, True), (900, False)])
def test_the_epoch_axis_is_log_scaled_over_two_decades_without_epoch_0(tmp_path, monkeypatch, last, log):
    figures = []
    monkeypatch.setattr(plots, "_save", lambda figure, path: figures.append(figure))
    iterations = np.arange(0, last + 1, 100)  # 100 to 100,000: three decades; to 900: less than one
    error = np.geomspace(0.5, 0.01, len(iterations))[None]
    plots.error_curve(History(iterations, error, loss=error, seconds=0.1), np.array([0]), "run", tmp_path / "e.png")
    for axes in figures[0].axes:
        assert axes.get_xscale() == ("log" if log else "linear")
        (x, _) = axes.get_lines()[0].get_data()
        assert x[0] == (100 if log else 0)  # on a log axis, the curve starts at the first logged epoch
    assert plots.epoch_axis(iterations)[1] == log


def test_the_probe_plot_shows_only_the_configurations_whose_data_has_probes(tmp_path):
    summary = pd.DataFrame({"run": ["xor", "xor", "circle"], "seed": [0, 1, 0], "config": ["xor", "xor", "circle"],
                            "threshold": 0.5, "train_accuracy": [1.0, 0.5, 1.0], "probe_output": [0.9, 0.2, np.nan]})
    probes = pd.DataFrame({"run": ["xor", "xor"], "seed": [0, 1], "x1": 1.0, "x2": 0.0, "x3": 0.0,
                           "output": [0.9, 0.2]})
    by_config = list(summary.groupby("config", sort=False))
    learned = {c: (rows["train_accuracy"] == 1.0).to_numpy() for c, rows in by_config}
    recorder = Recorder()
    _probe_plots(summary, type("Runs", (), {"probes": probes}), by_config, {"xor": "xor", "circle": "circle"},
                 learned, {"xor": 1, "circle": 2}, "", tmp_path, recorder)
    ((name, (values, *_), options),) = recorder.calls
    assert name == "per_seed" and list(values) == ["xor"] and options["numbers"] == [1]
    assert options["learned"]["xor"].tolist() == [True, False] and options["threshold"] == 0.5
