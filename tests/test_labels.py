"""Every label says what was trained: model and data names, changed data, stuck networks."""

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from nnexp import names, results
from nnexp.data import make_dataset
from nnexp.network import Network
from nnexp.training import fit

XOR_INPUTS = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]


@pytest.mark.parametrize("overrides, name", [
    ([], "xor"),
    (["data.targets=[0,1,1,0]"], "xor"),  # the same data, said again
    (["data.targets=[1,0,0,1]"], "xor (targets=[1,0,0,1])"),  # XNOR is not xor
    (["data.probes=[[0,0,0]]"], "xor (probes=[[0,0,0]])"),
    (["data.inputs=[[0,0,1],[0,1,1],[1,0,1],[1,1,0.5]]"], "xor (inputs changed)"),
    (["data.targets=[1,0,0,1]", "data.name=xnor"], "xnor"),  # a name the user gave is theirs
])
def test_a_dataset_changed_on_the_command_line_is_named_by_what_changed(compose, overrides, name):
    cfg = compose("data=xor", *overrides, hydra=True)
    assert names.data_name(cfg.data, cfg.hydra.runtime.choices.data) == name


@pytest.mark.parametrize("overrides, name", [
    ([], "two_layer_xor"),
    (["model.hidden=[8]"], "two_layer-8_xor"),
    (["model=mlp", "model.hidden=[16,8]"], "mlp-16-8_xor"),
    (["model=mlp"], "mlp_xor"),  # its own widths: nothing changed
    (["model=perceptron", "data=linear"], "perceptron_linear"),
    (["data.targets=[1,0,0,1]"], "two_layer_xor-targets-1-0-0-1"),
    (["data.targets=[1,0,0,1]", "data.name=xnor"], "two_layer_xnor"),
    (["model=mlp", "train.lr=0.5"], "mlp-lr0.5_xor"),  # three mlp runs at three rates: three names
    (["model=perceptron", "train.iterations=2000", "train.lr=1e-3"], "perceptron-lr0.001-2000ep_xor"),
])
def test_a_run_folder_is_named_by_what_was_trained(compose, overrides, name):
    assert names.run_name(compose(*overrides, hydra=True)) == name


def test_data_digests_differ_exactly_when_the_data_does():
    xor = make_dataset("xor", XOR_INPUTS, [0, 1, 1, 0], [[1, 0, 0]])
    same = make_dataset("renamed", XOR_INPUTS, [0.0, 1.0, 1.0, 0.0], [[1, 0, 0]])
    xnor = make_dataset("xor", XOR_INPUTS, [1, 0, 0, 1], [[1, 0, 0]])
    other_probe = make_dataset("xor", XOR_INPUTS, [0, 1, 1, 0], [[0, 0, 0]])
    digests = [results.data_digest(d) for d in (xor, same, xnor, other_probe)]
    assert digests[0] == digests[1] and len(set(digests)) == 3 and len(digests[0]) == 12


def test_xor_and_xnor_are_two_rows_of_a_comparison(tmp_path):
    folder = tmp_path / "sweep"
    done = run_cli("-m", "report_plots=false", "data=xor", "data.targets=[0,1,1,0],[1,0,0,1]", "seed=0,1", "train.iterations=300",
                   "plot=false", f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    comparison = pd.read_csv(folder / "comparison.csv")
    assert sorted(comparison["data"]) == ["xor", "xor (targets=[1,0,0,1])"]
    assert comparison["n_seeds"].tolist() == [2, 2] and comparison["data_digest"].nunique() == 2


def test_a_learning_rate_that_saturates_the_sigmoids_is_flagged_not_ok():
    dataset = make_dataset("xor", XOR_INPUTS, [0, 1, 1, 0], [[1, 0, 0]])
    network = Network(hidden=[4]).init_weights(3, seeds=[0, 1, 2])
    history = fit(network, dataset.inputs, dataset.targets, iterations=200, lr=1e3, log_every=100)
    outputs = network.predict(dataset.inputs)
    table = results.results_table({"model": "two_layer", "data": "xor"}, network, dataset, history, outputs, 0.5)
    assert (table["status"] == "saturated").all()
    pinned = [np.abs(z).reshape(3, -1).max(axis=1) for z in network.pre_activations(dataset.inputs)]
    assert (np.max(pinned, axis=0) > results.PINNED_Z).all()  # what saturated means, at its plainest
    assert table["final_error"].notna().all()  # the figures are kept: the run is flagged, not hidden


def test_a_learning_rate_of_100_stuck_at_a_wrong_output_is_flagged():
    # The case found by trying: seed 4, lr=100, final error 0.5 with outputs near 4e-8 at z ~ 19,
    # short of PINNED_Z: a wrong output that training can barely move.
    dataset = make_dataset("xor", XOR_INPUTS, [0, 1, 1, 0], [[1, 0, 0]])
    network = Network(hidden=[4]).init_weights(3, seeds=[4])
    history = fit(network, dataset.inputs, dataset.targets, iterations=2000, lr=100.0, log_every=1000)
    outputs = network.predict(dataset.inputs)
    table = results.results_table({"model": "two_layer", "data": "xor"}, network, dataset, history, outputs, 0.5)
    assert table["status"].tolist() == ["saturated"] and table["final_error"].iloc[0] > 0.49


@pytest.mark.parametrize("hidden, iterations, lr", [([1], 100000, 1.0), ([2], 100000, 1.0), ([8, 8, 8], 30000, 1.0)])
def test_a_network_that_fails_honestly_is_not_flagged_saturated(hidden, iterations, lr):
    # Too few hidden units fail xor at many seeds by settling, not by being thrown out.
    dataset = make_dataset("xor", XOR_INPUTS, [0, 1, 1, 0], [[1, 0, 0]])
    network = Network(hidden=hidden).init_weights(3, seeds=list(range(20)))
    history = fit(network, dataset.inputs, dataset.targets, iterations=iterations, lr=lr, log_every=iterations)
    outputs = network.predict(dataset.inputs)
    table = results.results_table({"model": "mlp", "data": "xor"}, network, dataset, history, outputs, 0.5)
    assert (table["status"] == "ok").all()


def test_a_healthy_run_is_not_flagged_saturated():
    dataset = make_dataset("xor", XOR_INPUTS, [0, 1, 1, 0], [[1, 0, 0]])
    network = Network(hidden=[4]).init_weights(3, seeds=list(range(20)))
    history = fit(network, dataset.inputs, dataset.targets, iterations=20000, lr=5.0, log_every=20000)
    outputs = network.predict(dataset.inputs)
    table = results.results_table({"model": "two_layer", "data": "xor"}, network, dataset, history, outputs, 0.5)
    assert (table["status"] == "ok").all() and (table["train_accuracy"] == 1.0).all()


def test_a_saturated_run_says_so_and_what_to_do(tmp_path):
    done = run_cli("train.lr=1e3", "train.iterations=200", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(tmp_path / "run" / "results.csv")["status"].tolist() == ["saturated"]
    assert ("  SATURATED: units stuck where training can no longer move them (sigmoid or tanh units pinned, an "
            "output confidently wrong, or a layer of dead relu units); try a smaller train.lr than 1000.0") in done.stdout


def test_an_output_exactly_at_the_threshold_is_labelled_alike_and_never_counted_right():
    dataset = make_dataset("xor", XOR_INPUTS, [0, 1, 1, 0], [[1, 0, 0]])
    network = Network(hidden=[]).init_weights(3, seeds=[0])
    network.params_[:] = 0.0  # every output exactly 0.5
    history = fit(network, dataset.inputs, dataset.targets, iterations=1, lr=1e-300, log_every=1)
    train, probe = network.predict(dataset.inputs), network.predict(dataset.probes)
    assert (train == 0.5).all() and (probe == 0.5).all()
    predictions = results.predictions_table(network, dataset, train, probe, 0.5)
    assert predictions["label"].tolist() == [0, 0, 0, 0, 0]  # "above the threshold" is 1; a tie is not above
    table = results.results_table({"model": "perceptron", "data": "xor"}, network, dataset, history, train, 0.5)
    train_rows = predictions[predictions["split"] == "train"]
    # A tie decides nothing: labelled 0, but right for no row, the 0 rows included (a net of dead
    # ReLUs outputs 0.5 everywhere and has learned nothing).
    assert (train_rows["label"] == train_rows["target"]).mean() == 0.5
    assert table["train_accuracy"].iloc[0] == 0.0 and history.accuracy[0, -1] == 0.0


def test_an_output_a_hair_above_the_threshold_shows_the_digits_that_say_so():
    from nnexp.summary import output_text

    assert output_text(0.5000000000000001, 0.5) == "0.5000000000000001"
    assert output_text(0.5, 0.5) == "0.5000"
    assert output_text(0.99784, 0.5) == "0.9978"


def test_a_model_with_widths_other_than_its_configs_is_labelled_with_them():
    """two_layer promises 4 hidden units: an 8-unit net is `two_layer [8]` wherever it is named."""
    import pandas as pd

    from nnexp.comparison import config_labels
    from nnexp.names import model_words

    assert model_words("two_layer", "[4]") == "two_layer" and model_words("two_layer", [8]) == "two_layer [8]"
    assert model_words("perceptron", "[]") == "perceptron" and model_words("mlp", "[16, 8]") == "mlp [16, 8]"
    summary = pd.DataFrame({"model": ["perceptron", "two_layer", "two_layer"], "hidden": ["[]", "[8]", "[8]"],
                            "data": "circle", "seed": [0, 0, 1]})
    assert list(config_labels(summary)) == ["perceptron", "two_layer [8]", "two_layer [8]"]


def test_at_a_glance_has_a_grid_of_data_by_network_with_test_accuracy():
    import pandas as pd

    from nnexp import glance

    rows = []
    for data, base in [("circle", "circle"), ("circle (features=x1,x2,x1_squared,x2_squared)", "circle"),
                       ("moons", "moons"), ("moons (features=x1,x2,x1_squared,x2_squared)", "moons")]:
        squares = data != base
        rows.append({"model": "perceptron", "data": data, "hidden": "[]", "iterations": 300, "lr": 0.1,
                     "log_every": 10, "bias": True, "threshold": 0.5, "data_digest": data, "n_seeds": 20,
                     "success_rate": 1.0 if squares and base == "circle" else 0.0, "train_accuracy_mean": 0.9,
                     "test_accuracy_mean": 1.0 if squares and base == "circle" else 0.6})
    text = "\n".join(glance.grid(pd.DataFrame(rows)))
    assert "| data | perceptron | features=x1,x2,x1_squared,x2_squared |" in text
    assert "| circle | 60% (0/20) | 100% (20/20) |" in text and "| moons | 60% (0/20) | 60% (0/20) |" in text
    assert "Mean test accuracy" in text and "bias" in text
    # One dataset: no grid, the lines say it all.
    assert glance.grid(pd.DataFrame(rows[:2])) == []


def test_features_are_split_from_nnexps_own_data_names_only():
    from nnexp.comparison import split_features
    from nnexp.glance import _percent

    assert split_features("circle (noise=0.2, features=x1,x1_squared)") == ("circle (noise=0.2)", "features=x1,x1_squared")
    assert split_features("circle (features=x1,x2)") == ("circle", "features=x1,x2")
    assert split_features("heart (1).csv:y") == ("heart (1).csv:y", "")
    assert split_features("ring (perceptron)") == ("ring (perceptron)", "")
    assert [_percent(v) for v in (0.97, 0.996, 1.0, 0.001, float("nan"))] == ["97%", "99.6%", "100%", "0.1%", "none"]
