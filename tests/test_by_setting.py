"""by_<setting>.png: drawn exactly when the configurations differ in one numeric setting, read
from its column or from the data's name, with comparison.csv's numbers, which are nnexp.stats'
intervals over the seeds."""

import numpy as np
import pandas as pd
import pytest

from conftest import Recorder

from nnexp import options, plots_sweep, stats
from nnexp.by_setting import data_settings, swept, swept_setting
from nnexp.comparison import comparison_table
from nnexp.report_plots import _by_setting_plot


def summary(configurations: list[dict], n_seeds: int = 6, tested: bool = False) -> pd.DataFrame:
    """summary.csv's rows: n_seeds per configuration, each a change from the notebook's two_layer
    on xor; seeds fit the training set at every other seed, their final errors all different."""
    rows = []
    for k, changes in enumerate(configurations):
        for seed in range(n_seeds):
            rows.append({"model": "two_layer", "data": "xor", "hidden": "[4]", "iterations": 1000, "lr": 1.0,
                         "log_every": 100, **options.DEFAULTS, "threshold": 0.5, "data_digest": "d0",
                         **changes, "seed": seed, "run": f"run{k}", "status": "ok",
                         "final_error": 0.01 * (k + 1) * (1 + seed), "final_loss": 0.001 * (seed + 1),
                         "train_accuracy": 1.0 if seed % (k + 2) == 0 else 0.75,
                         "epochs_to_fit": 100.0 * (seed + 1),
                         **({"test_accuracy": 0.5 + 0.05 * seed + 0.01 * k} if tested else {})})
    return pd.DataFrame(rows)


WIDTHS = [{"hidden": f"[{width}]"} for width in (8, 1, 2)]


def test_a_width_sweep_is_drawn_against_the_hidden_width_in_increasing_order():
    name, values = swept_setting(summary(WIDTHS))
    assert name == "hidden" and sorted(set(values)) == [1.0, 2.0, 8.0]
    found = swept(summary(WIDTHS))
    assert found.setting == "hidden" and found.label == "hidden units (model.hidden)"
    assert found.table["value"].tolist() == [1.0, 2.0, 8.0]
    assert (found.metric, found.higher_is_better) == ("final_error", False)


def test_one_layer_of_several_is_a_width_sweep_and_two_are_not():
    name, values = swept_setting(summary([{"hidden": "[3, 2]"}, {"hidden": "[3, 4]"}, {"hidden": "[3, 8]"}]))
    assert name == "hidden" and values.unique().tolist() == [2.0, 4.0, 8.0]
    assert swept(summary([{"hidden": "[3, 2]"}, {"hidden": "[3, 4]"}])).label == \
        "units in hidden layer 2 of 2 (model.hidden)"
    assert swept_setting(summary([{"hidden": "[3, 2]"}, {"hidden": "[4, 4]"}])) is None
    assert swept_setting(summary([{"hidden": "[3]"}, {"hidden": "[3, 3]"}])) is None


@pytest.mark.parametrize("configurations", [
    [{"model": "perceptron", "hidden": "[]"}, {"model": "two_layer", "hidden": "[4]"}],  # a sweep over models
    [{"hidden": "[1]", "lr": 1.0}, {"hidden": "[2]", "lr": 0.5}],  # two settings differ
    [{"hidden": "[1]", "lr": 1.0}, {"hidden": "[1]", "lr": 0.5}, {"hidden": "[2]", "lr": 1.0}],  # same width twice
    [{"activation": "sigmoid"}, {"activation": "tanh"}],  # not a number
    [{"batch_size": 10}, {"batch_size": None}],  # the whole set: no number to place
    [{}],  # nothing swept
], ids=["models", "two settings", "a value twice", "activation", "full batch", "one configuration"])
def test_nothing_is_drawn_unless_exactly_one_numeric_setting_differs(tmp_path, configurations):
    rows = summary(configurations)
    assert swept_setting(rows) is None
    recorder = Recorder()
    assert _by_setting_plot(rows, "", tmp_path, recorder) == [] and recorder.calls == []


@pytest.mark.parametrize("names, setting, values", [
    (["circle", "circle (noise=0.2)", "circle (noise=0.5)"], "noise", [0.0, 0.2, 0.5]),  # circle: noise 0.0
    (["circle (n_samples=400)", "circle", "circle (n_samples=50)"], "n_samples", [400.0, 200.0, 50.0]),
    (["moons (n_samples=100, noise=0.1)", "moons (n_samples=100, noise=0.3)"], "noise", [0.1, 0.3]),
    (["circle (noise=0.2, features=x1,x2,x1_squared)", "circle (features=x1,x2,x1_squared)"], "noise", [0.2, 0.0]),
])
def test_a_data_setting_is_read_from_the_datas_names_and_its_configs_defaults(names, setting, values):
    rows = summary([{"data": name, "data_digest": f"d{k}"} for k, name in enumerate(names)], n_seeds=1)
    found, at = swept_setting(rows)
    assert found == setting and at.tolist() == values


@pytest.mark.parametrize("names", [
    ["circle (noise=0.2)", "circle (n_samples=400)"],  # two data settings differ
    ["circle", "circle (features=x1,x2,x1_squared)"],  # features are no number
    ["circle (noise=0.2)", "moons (noise=0.2)"],  # two datasets
    ["xor", "xor (targets=[1,0,0,1])"],
    ["circle (noise changed)", "circle"],  # a value too long for the name
])
def test_data_that_differ_otherwise_are_not_drawn(names):
    rows = summary([{"data": name, "data_digest": f"d{k}"} for k, name in enumerate(names)], n_seeds=1)
    assert swept_setting(rows) is None


def test_data_names_are_split_as_nnexp_writes_them():
    assert data_settings("circle (n_samples=400, noise=0.2)") == ("circle", {"n_samples": "400", "noise": "0.2"})
    assert data_settings("circle") == ("circle", {})


def test_the_picture_shows_comparison_csvs_numbers_which_are_the_seeds_intervals(tmp_path):
    rows = summary([{"lr": lr} for lr in (10.0, 0.01, 1.0, 0.1)], tested=True)
    recorder = Recorder()
    lines = _by_setting_plot(rows, "", tmp_path, recorder)
    ((name, (values, success, metric, seeds), kwargs),) = recorder.calls
    assert name == "by_setting" and kwargs["path"] == tmp_path / "by_lr.png" and "![by lr](by_lr.png)" in lines
    assert "95%" in lines[0] and "Wilson" in lines[0]
    assert values.tolist() == [0.01, 0.1, 1.0, 10.0]
    comparison = comparison_table(rows).set_index("lr").loc[values]
    assert success.tolist() == comparison[["success_rate", "success_rate_low", "success_rate_high"]].values.tolist()
    assert metric.tolist() == comparison[["test_accuracy_median", "test_accuracy_median_low",
                                          "test_accuracy_median_high"]].values.tolist()
    for lr, seed_values, (rate, low, high), (median, m_low, m_high) in zip(values, seeds, success, metric):
        seeds_of = rows[rows["lr"] == lr]
        assert seed_values.tolist() == seeds_of["test_accuracy"].tolist()
        k = int((seeds_of["train_accuracy"] == 1.0).sum())
        assert (rate, low, high) == (k / 6, *stats.wilson(k, 6))
        assert (median, m_low, m_high) == (np.median(seed_values), *stats.bootstrap(seed_values, "median"))


def test_the_setting_axis_is_log_scaled_over_two_decades_and_shows_the_numbers(tmp_path, monkeypatch):
    figures = []
    monkeypatch.setattr(plots_sweep, "_save", lambda figure, path: figures.append(figure))
    rows = summary([{"lr": lr} for lr in (0.01, 0.1, 1.0, 10.0)])
    _by_setting_plot(rows, "", tmp_path, plots_sweep)
    _by_setting_plot(summary(WIDTHS), "", tmp_path, plots_sweep)
    (success, error, epochs), (width_success, *_) = figures[0].axes, figures[1].axes
    assert success.get_xscale() == "log" and width_success.get_xscale() == "linear"  # 1 to 8: under a decade
    found = swept(rows)
    line = success.get_lines()[0]  # the success rates, joined in the setting's order
    assert line.get_xdata().tolist() == [0.01, 0.1, 1.0, 10.0]
    assert line.get_ydata().tolist() == found.table["success_rate"].tolist()
    assert error.get_lines()[0].get_ydata().tolist() == found.table["final_error_median"].tolist()
    assert error.get_yscale() == "log"
    # Time to fit, the third panel: the median epochs over the seeds that learned, as comparison.csv has them.
    assert epochs.get_lines()[0].get_ydata().tolist() == found.table["epochs_to_fit_median"].dropna().tolist()
    # Each seed a dot behind: as many as there are seeds.
    assert sum(len(c.get_offsets()) for c in error.collections if len(c.get_offsets()) > 0
               and c.get_alpha() is not None) == len(rows)
