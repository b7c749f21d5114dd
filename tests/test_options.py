"""The options beyond the notebook through the whole tool: every one is a column, part of what a
comparison groups by, and named in labels, folders and titles; what a run saves (weights.npz,
the loss and accuracy columns); a history's epochs to fit; saturation only where slopes vanish."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from nnexp import options, results, runs
from nnexp.comparison import comparison_table, config_labels
from nnexp.data import make_dataset
from nnexp.network import Network
from nnexp.training import History, fit

XOR_INPUTS = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]


def test_a_run_with_options_names_them_and_saves_its_weights_and_curves(tmp_path):
    run_dir = tmp_path / "run"
    done = run_cli("model.activation=tanh", "model.bias=true", "train.loss=log_loss", "train.batch_size=2",
                   "train.shuffle=true", "replicas=3", "train.iterations=300", "train.log_every=100",
                   f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "two_layer tanh bias log_loss batch 2 shuffle on xor" in done.stdout

    table = pd.read_csv(run_dir / "results.csv")
    assert table[options.COLUMNS].iloc[0].tolist() == [
        "tanh", True, "uniform", "log_loss", 2, True, "sgd", 0.0, 0.0, 0.9, 0.999, 1e-8]
    history = pd.read_csv(run_dir / "history.csv")
    last = history[history["iteration"] == 300].set_index("seed")
    assert (last["accuracy"] == table.set_index("seed")["train_accuracy"]).all()

    with np.load(run_dir / "weights.npz") as saved:
        assert sorted(saved.files) == sorted(["W0", "W1", "b0", "b1", "W0_initial", "W1_initial",
                                              "b0_initial", "b1_initial", "seed"])
        assert saved["W0"].shape == (3, 3, 4) and saved["b0"].shape == (3, 4) and saved["b1"].shape == (3, 1)
        # The initial weights are the seed's draw, the same weights as a net without biases...
        start = Network([4]).init_weights(3, seeds=[0, 1, 2])
        assert np.array_equal(saved["W0_initial"], start.weights_[0])
        # ... and the final ones are what the outputs were computed from.
        net = Network([4], "tanh", True).init_weights(3, seeds=[0, 1, 2])
        net.params_[:] = np.concatenate([saved[k].reshape(3, -1) for k in ("W0", "W1", "b0", "b1")], axis=1)
    predictions = pd.read_csv(run_dir / "predictions.csv").query("split == 'train'")
    np.testing.assert_array_equal(net.predict(np.array(XOR_INPUTS, float))[:, :, 0].ravel(),
                                  predictions["output"].to_numpy())
    # The loss logged is log_loss over the whole set, from the same outputs.
    outputs = predictions["output"].to_numpy().reshape(3, 4)
    targets = predictions["target"].to_numpy().reshape(3, 4)
    log_loss = -(targets * np.log(outputs) + (1 - targets) * np.log(1 - outputs)).mean(axis=1)
    np.testing.assert_allclose(last["loss"].to_numpy(), log_loss, rtol=1e-12)

    # Read back, the run is finished and its options are its config's.
    record = runs.read_run(run_dir)
    assert record.status == "finished", record.reason
    assert record.results["batch_size"].tolist() == [2, 2, 2]
    # The weights are the run's too: cut short or gone, the run is not counted.
    (run_dir / "weights.npz").write_bytes((run_dir / "weights.npz").read_bytes()[:100])
    record = runs.read_run(run_dir)
    assert record.status == "unreadable" and record.reason.startswith("weights.npz: not the file the run wrote")


def test_a_run_folder_is_named_for_its_options(tmp_path):
    done = run_cli("model.activation=relu", "train.optimizer=adam", "train.lr=0.01", "train.iterations=5",
                   "plot=false", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (folder,) = (tmp_path / "outputs").glob("*/*")
    assert folder.name.endswith("_two_layer-relu-adam-lr0.01-5ep_xor")


def test_a_batch_as_large_as_the_data_is_the_full_batch_in_every_label(tmp_path):
    # batch_size=10 on XOR's 4 rows trains exactly the full-batch net: recorded and named as one.
    runs_dir = {size: tmp_path / f"batch{size}" for size in ("null", "4", "10")}
    for size, folder in runs_dir.items():
        done = run_cli(f"train.batch_size={size}", "train.iterations=50", "plot=false",
                       f"hydra.run.dir={folder}", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("two_layer on xor, seed 0:")  # no "batch 10"
    tables = {size: pd.read_csv(folder / "results.csv") for size, folder in runs_dir.items()}
    assert all(table["batch_size"].isna().all() for table in tables.values())
    assert tables["10"]["final_error"].tolist() == tables["null"]["final_error"].tolist()
    assert runs.read_run(runs_dir["10"]).status == "finished"


def test_a_sweep_over_options_never_pools_them_and_labels_each(tmp_path):
    sweep = tmp_path / "sweep"
    done = run_cli("-m", "report_plots=false", "model.activation=sigmoid,tanh", "model.bias=false,true", "replicas=2",
                   "train.iterations=200", "plot=false", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    comparison = pd.read_csv(sweep / "comparison.csv")
    assert len(comparison) == 4 and (comparison["n_seeds"] == 2).all()
    assert sorted(config_labels(comparison)) == ["sigmoid bias", "sigmoid no bias", "tanh bias", "tanh no bias"]
    report = (sweep / "report.md").read_text()
    assert ". **tanh bias**: learned the training set" in report


def summary_rows(**settings):
    base = {"model": "two_layer", "data": "xor", "hidden": "[4]", "iterations": 100, "lr": 1.0, "log_every": 10,
            "threshold": 0.5, "data_digest": "abc", "final_error": 0.1, "train_accuracy": 1.0,
            "epochs_to_fit": 10.0, "status": "ok"}
    return {**base, **options.DEFAULTS, **settings}


def test_an_option_shared_by_every_row_is_still_named():
    summary = pd.DataFrame([summary_rows(seed=0, activation="tanh", l2=0.01),
                            summary_rows(seed=1, activation="tanh", l2=0.01, model="mlp")])
    # mlp's config has [8, 8]: an mlp of [4] is said with its widths.
    assert config_labels(summary).tolist() == ["two_layer tanh l2=0.01", "mlp [4] tanh l2=0.01"]


def test_runs_differing_in_any_option_are_separate_rows():
    rows = [summary_rows(seed=0)]
    for column, value in [("activation", "relu"), ("bias", True), ("init", "glorot"), ("loss", "log_loss"),
                          ("batch_size", 2), ("shuffle", True), ("optimizer", "adam"), ("momentum", 0.5),
                          ("l2", 0.1), ("beta1", 0.8), ("beta2", 0.9), ("epsilon", 1e-6)]:
        rows.append(summary_rows(seed=0, **{column: value}))
    table = comparison_table(pd.DataFrame(rows))
    assert len(table) == len(rows) and (table["n_seeds"] == 1).all()
    labels = config_labels(table).tolist()
    assert len(set(labels)) == len(labels)


def test_epochs_to_fit_is_the_first_logged_epoch_from_which_accuracy_stays_one():
    accuracy = np.array([[0.5, 1.0, 0.75, 1.0, 1.0],   # fitted at 20, after a slip at 10
                         [0.5, 0.75, 1.0, 1.0, 0.75],  # ends below 1: never
                         [1.0, 1.0, 1.0, 1.0, 1.0]])   # from the start
    history = History(np.array([0, 10, 20, 30, 35]), np.zeros((3, 5)), np.zeros((3, 5)), accuracy)
    assert results.epochs_to_fit(history).tolist()[::2] == [30.0, 0.0]
    assert np.isnan(results.epochs_to_fit(history)[1])


@pytest.mark.parametrize("activation, loss, optimizer, lr", [
    ("relu", "squared_error", "sgd", 1.0), ("identity", "squared_error", "sgd", 0.1), ("tanh", "log_loss", "sgd", 1.0),
    ("sigmoid", "log_loss", "sgd", 1.0), ("sigmoid", "squared_error", "adam", 0.01), ("tanh", "log_loss", "adam", 0.01)])
def test_healthy_trainings_with_options_are_not_flagged_saturated(activation, loss, optimizer, lr):
    # Adam drives right outputs far past +-25: confident and right is not stuck.
    dataset = make_dataset("xor", XOR_INPUTS, [0, 1, 1, 0], [[1, 0, 0]])
    network = Network([8], activation, bias=True).init_weights(3, seeds=list(range(10)))
    history = fit(network, dataset.inputs, dataset.targets, iterations=5000, lr=lr, log_every=5000, loss=loss,
                  optimizer=optimizer)
    outputs = network.predict(dataset.inputs)
    table = results.results_table({"model": "two_layer", "data": "xor", "loss": loss}, network, dataset, history,
                                  outputs, 0.5)
    assert (table["status"] == "ok").all(), table[["seed", "status", "final_error"]]


@pytest.mark.parametrize("hidden, activation, bias, loss", [
    ([4], "tanh", False, "squared_error"),
    ([], "sigmoid", False, "log_loss"),  # outputs flipping between 0 and 1, confidently wrong
    ([4], "relu", True, "log_loss"),
])
def test_a_huge_learning_rate_is_flagged_whatever_the_options(hidden, activation, bias, loss):
    dataset = make_dataset("xor", XOR_INPUTS, [0, 1, 1, 0], [[1, 0, 0]])
    network = Network(hidden, activation, bias).init_weights(3, seeds=list(range(10)))
    history = fit(network, dataset.inputs, dataset.targets, iterations=200, lr=1e3, log_every=100, loss=loss)
    table = results.results_table({"model": "two_layer", "data": "xor", "loss": loss}, network, dataset, history,
                                  network.predict(dataset.inputs), 0.5)
    assert (table["status"] != "ok").all(), table[["seed", "status", "final_error"]]


def test_a_net_of_dead_relus_is_flagged_not_an_honest_failure():
    # lr=100 kills every relu of some seeds: their outputs are all exactly sigmoid(0) = 0.5.
    dataset = make_dataset("xor", XOR_INPUTS, [0, 1, 1, 0], [[1, 0, 0]])
    network = Network([4], "relu").init_weights(3, seeds=list(range(10)))
    history = fit(network, dataset.inputs, dataset.targets, iterations=2000, lr=100.0, log_every=1000)
    outputs = network.predict(dataset.inputs)
    table = results.results_table({"model": "two_layer", "data": "xor"}, network, dataset, history, outputs, 0.5)
    dead = (outputs == 0.5).all(axis=(1, 2))
    assert dead.sum() >= 2
    assert (table["status"][dead] == "saturated").all() and (table["train_accuracy"][dead] == 0.0).all()


def test_non_finite_biases_are_diverged():
    dataset = make_dataset("xor", XOR_INPUTS, [0, 1, 1, 0], [[1, 0, 0]])
    network = Network([4], "sigmoid", bias=True).init_weights(3, seeds=[0, 1])
    network.biases_[0][1] = np.inf
    with np.errstate(invalid="ignore"):
        outputs = network.predict(dataset.inputs)
    history = History(np.array([0]), np.zeros((2, 1)), np.zeros((2, 1)), np.zeros((2, 1)))
    table = results.results_table({"model": "two_layer", "data": "xor"}, network, dataset, history, outputs, 0.5)
    assert table["status"].tolist()[1] == "diverged"


def test_the_logged_loss_with_mini_batches_and_l2_is_the_one_the_steps_minimise():
    # At a minimum of what the steps minimise, its gradient is zero: with batch_size=1 on 4 rows,
    # an epoch takes the penalty's step 4 times, and the logged loss must count it 4 times.
    from nnexp.training import gradient
    dataset = make_dataset("xor", XOR_INPUTS, [0, 1, 1, 0], [[1, 0, 0]])
    network = Network([4], "tanh", bias=True).init_weights(3, seeds=[0])
    history = fit(network, dataset.inputs, dataset.targets, iterations=3000, lr=0.2, log_every=3000,
                  batch_size=1, l2=0.002)
    four_penalties = gradient(network, dataset.inputs, dataset.targets, "squared_error", l2=0.008)
    one_penalty = gradient(network, dataset.inputs, dataset.targets, "squared_error", l2=0.002)
    # Near the stationary point of the loss with 4 penalties (batch-1 steps circle it), far from 1's.
    assert np.abs(four_penalties).max() < 0.004 < 0.01 < np.abs(one_penalty).max()
    from nnexp.training import loss_value
    logged = history.loss[0, -1]
    assert logged == pytest.approx(loss_value(network, dataset.inputs, dataset.targets, "squared_error", 0.008)[0],
                                   rel=1e-12)


def test_labels_and_folder_names_keep_every_digit_and_sign_of_a_value():
    assert options.words("momentum", 0.9000001) != options.words("momentum", 0.9)
    from nnexp.names import _slug
    assert _slug("l2=1e+308") != _slug("l2=1e-308")


def test_a_net_that_answers_every_row_right_is_never_flagged_saturated():
    # A long log_loss training at lr=5 pushes a tanh unit past +-25 on one sample: right, not stuck.
    dataset = make_dataset("linear", XOR_INPUTS, [0, 0, 1, 1], [[1, 0, 0]])
    network = Network([4], "tanh", bias=True).init_weights(3, seeds=[7])
    history = fit(network, dataset.inputs, dataset.targets, iterations=5000, lr=5.0, log_every=5000, loss="log_loss")
    assert (np.abs(network.pre_activations(dataset.inputs)[0]) > 25).any()
    table = results.results_table({"model": "two_layer", "data": "linear", "loss": "log_loss"}, network, dataset,
                                  history, network.predict(dataset.inputs), 0.5)
    assert table["train_accuracy"].tolist() == [1.0] and table["status"].tolist() == ["ok"]
