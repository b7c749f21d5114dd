"""Data beyond the truth tables: generated 2-D sets, CSV files, the held-out split and input
features, each checked against what it promises (and the formulas of nnexp.generators are
checked in tests/test_generators.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from nnexp import config, messages
from nnexp.config import ConfigError
from nnexp.csvdata import csv_dataset
from nnexp.data import build, featurize, make_dataset
from nnexp.network import Network
from nnexp.results import data_digest
from nnexp.training import fit

GENERATED = ["circle", "xor2d", "gauss", "spiral", "moons"]
SQUARES = ["x1", "x2", "x1_squared", "x2_squared"]


def generated(name: str, **settings):
    data = {"name": name, "generator": name, "n_samples": 200, "noise": 0.0, "seed": 0, "test_fraction": 0.5,
            "features": ["x1", "x2"], **settings}
    return build(data)


def all_rows(dataset) -> np.ndarray:
    """Every row of the data, train and test, with its label: (n, n_columns + 1), sorted."""
    rows = np.concatenate([np.column_stack([dataset.points, dataset.targets]),
                           np.column_stack([dataset.test_points, dataset.test_targets])])
    return rows[np.lexsort(rows.T[::-1])]


@pytest.mark.parametrize("name", GENERATED)
def test_each_generated_set_composes_from_its_config_file_and_holds_half_out_per_class(compose, name):
    cfg = compose(f"data={name}")
    config.check(cfg)
    dataset = build(OmegaConf.to_container(cfg.data))
    assert dataset.columns == ("x1", "x2") and dataset.features == ("x1", "x2")
    assert len(dataset.inputs) + len(dataset.test_inputs) == 200
    labels = np.concatenate([dataset.targets, dataset.test_targets])[:, 0]
    for label in (0, 1):
        n_class = (labels == label).sum()
        assert (dataset.test_targets == label).sum() == int(np.floor(0.5 * n_class + 0.5))
    if name != "xor2d":  # Playground's xor draws each point's class from the rule
        assert (labels == 0).sum() == (labels == 1).sum() == 100
    assert dataset.plane == (0, 1)


def test_the_split_is_disjoint_complete_stable_and_stratified():
    dataset = generated("moons", test_fraction=0.3, n_samples=101)
    whole = generated("moons", test_fraction=0.0, n_samples=101)
    # Train and test together are the very rows the generator drew, each once.
    np.testing.assert_array_equal(all_rows(dataset), all_rows(whole))
    assert not set(map(tuple, dataset.points)) & set(map(tuple, dataset.test_points))
    # 50 of class 0 and 51 of class 1: 15 and 15 held out (round(0.3 * n) each).
    assert [(dataset.test_targets == c).sum() for c in (0, 1)] == [15, 15]
    again = generated("moons", test_fraction=0.3, n_samples=101)
    np.testing.assert_array_equal(again.test_points, dataset.test_points)
    np.testing.assert_array_equal(again.inputs, dataset.inputs)


def test_data_seed_alone_draws_the_data_and_another_draws_other_data():
    base, same = generated("circle", noise=0.2), generated("circle", noise=0.2)
    other = generated("circle", noise=0.2, seed=1)
    assert data_digest(base) == data_digest(same) != data_digest(other)


def test_sweeping_seed_changes_the_initial_weights_never_the_data(compose):
    from nnexp.run import checked_dataset

    digests, weights = set(), []
    for seed in (0, 1):
        cfg = compose("data=spiral", f"seed={seed}", "data.noise=0.3")
        dataset = checked_dataset(cfg, "spiral")
        digests.add(data_digest(dataset))
        weights.append(Network([4], "tanh", True).init_weights(dataset.n_inputs, seeds=[seed]).params_)
    assert len(digests) == 1 and not np.array_equal(*weights)


def test_a_truth_table_without_a_test_set_is_the_table_as_it_always_was():
    table = make_dataset("xor", [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], [0, 1, 1, 0], [[1, 0, 0]])
    np.testing.assert_array_equal(table.inputs, [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    assert table.test_inputs.size == 0 and table.plane == (0, 1)
    # The digest a run of xor recorded before test sets existed: inputs, targets, probes only.
    assert data_digest(table) == "2419f4a00487"


def test_a_truth_table_can_hold_out_one_row_of_each_class():
    table = make_dataset("xor", [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], [0, 1, 1, 0], [[1, 0, 0]],
                         seed=3, test_fraction=0.5)
    assert sorted(table.test_targets[:, 0]) == [0, 1] and sorted(table.targets[:, 0]) == [0, 1]


def test_features_are_computed_from_the_columns():
    points = np.array([[2.0, -3.0], [0.5, 4.0]])
    names = ["x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"]
    expected = np.column_stack([points[:, 1], points[:, 0] ** 2, points[:, 1] ** 2, points[:, 0] * points[:, 1],
                                np.sin(points[:, 0]), np.sin(points[:, 1])])
    np.testing.assert_array_equal(featurize(points, ("x1", "x2"), names), expected)
    dataset = generated("circle", features=SQUARES)
    np.testing.assert_array_equal(dataset.inputs[:, 2:], dataset.points ** 2)
    np.testing.assert_array_equal(dataset.featurize(dataset.test_points), dataset.test_inputs)


@pytest.mark.parametrize("settings, message", [
    ({"features": ["x3"]}, "The 'data.features' parameter must list names from x1, x2, x1_squared, x2_squared, "
                           "x1_x2, sin_x1, sin_x2. Got 'x3' instead."),
    ({"features": ["x1", "x1"]}, "The 'data.features' parameter lists 'x1' twice; each feature once."),
    ({"features": []}, "The 'data.features' parameter must list at least one of"),
    ({"noise": 0.6}, "The 'data.noise' parameter must be in [0, 0.5] for circle. Got 0.6 instead."),
    ({"noise": -0.1}, "The 'data.noise' parameter must be in [0, 0.5] for circle. Got -0.1 instead."),
    ({"n_samples": 3}, "The 'data.n_samples' parameter must be an int from 4 (two of each class) to 1,000,000. "
                       "Got 3 instead."),
    ({"n_samples": 10**12}, "The 'data.n_samples' parameter must be an int from 4"),
    ({"test_fraction": 1.0}, "The 'data.test_fraction' parameter must be a float in [0, 1)"),
    ({"seed": -1}, "The 'data.seed' parameter must be an int from 0 to 9,223,372,036,854,775,807. Got -1 instead."),
    ({"generator": "swirl"}, "The 'data.generator' parameter must be one of circle, xor2d, gauss, spiral, moons. "
                             "Got 'swirl' instead."),
])
def test_a_bad_data_setting_is_one_line_naming_its_key(settings, message):
    with pytest.raises(ConfigError) as caught:
        generated("circle", **settings)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


@pytest.mark.parametrize("overrides, message", [
    (["data=xor", "data.noise=0.1"], "There is no 'data.noise' parameter in a truth table: it belongs to generated "
                                     "2-D data (data=circle)."),
    (["data=circle", "data.inputs=[[1,2]]"], "There is no 'data.inputs' parameter in generated 2-D data: it "
                                             "belongs to a truth table (data=xor)."),
    (["data=circle", "data.nois=0.1"], "There is no 'data.nois' parameter. Did you mean 'data.noise'?"),
    (["data=xor", "data.seed=3"], "The 'data.seed' parameter draws the split and generated points, and this data "
                                  "has neither (data.test_fraction=0)."),
    (["data=spiral", "data.name='circle (features=x1,x2,x1_squared,x2_squared)'"],
     "The 'data.name' parameter is written as nnexp names its own datasets and CSV files."),
    (["data=circle", "data.name=patients.csv:sick"],
     "The 'data.name' parameter is written as nnexp names its own datasets and CSV files."),
    (["data=circle", "data.name='Circle  (noise=0.2)'"],  # a look-alike: case and spaces aside
     "The 'data.name' parameter is written as nnexp names its own datasets and CSV files."),
    (["data=moons", "data.name=d.txt:y"],
     "The 'data.name' parameter is written as nnexp names its own datasets and CSV files."),
    (["data=and", "data.test_fraction=0.5"],
     "The 'data.test_fraction' parameter holds out part of each class, and class 1 has 1 row of data.targets: "
     "fewer than the two a split needs."),
])
def test_a_data_key_of_another_kind_or_one_that_changes_nothing_is_refused(compose, overrides, message):
    from nnexp.run import checked_dataset

    try:
        cfg = compose(*overrides)
        checked_dataset(cfg, cfg.data.name)
    except Exception as error:
        assert messages.explain(error).startswith(message)
    else:
        pytest.fail(f"{overrides} was accepted")


def test_a_tanh_net_with_biases_solves_circle_where_a_biased_perceptron_cannot_without_the_squares():
    """Playground's first lesson, on held-out points."""
    def test_accuracy(hidden, features):
        dataset = generated("circle", noise=0.1, features=features)
        network = Network(hidden, "tanh" if hidden else "sigmoid", True).init_weights(dataset.n_inputs, seeds=range(5))
        history = fit(network, dataset.inputs, dataset.targets, 300, 0.1, 300, loss="log_loss", batch_size=10,
                      shuffle=True, X_test=dataset.test_inputs, Y_test=dataset.test_targets)
        return history.test_accuracy[:, -1]

    assert (test_accuracy([8], ["x1", "x2"]) >= 0.95).all()
    assert (test_accuracy([], ["x1", "x2"]) <= 0.75).all()
    assert (test_accuracy([], SQUARES) >= 0.95).all()


def test_the_test_curve_is_measured_with_the_weights_the_training_curve_is():
    dataset = generated("moons", noise=0.2)
    network = Network([4], "tanh", True).init_weights(dataset.n_inputs, seeds=[0, 1])
    history = fit(network, dataset.inputs, dataset.targets, 50, 0.5, 25, loss="log_loss", batch_size=16,
                  shuffle=True, X_test=dataset.test_inputs, Y_test=dataset.test_targets)
    out = network.predict(dataset.test_inputs)
    np.testing.assert_allclose(history.test_error[:, -1], np.abs(dataset.test_targets - out).mean(axis=(1, 2)),
                               rtol=1e-12)
    # The test set never takes part in a step: training without it ends on the same weights.
    alone = Network([4], "tanh", True).init_weights(dataset.n_inputs, seeds=[0, 1])
    fit(alone, dataset.inputs, dataset.targets, 50, 0.5, 25, loss="log_loss", batch_size=16, shuffle=True)
    np.testing.assert_array_equal(alone.params_, network.params_)


def test_replicas_with_a_test_set_are_each_a_plain_run_of_their_seed():
    dataset = generated("xor2d", noise=0.1)
    kwargs = dict(loss="log_loss", batch_size=10, shuffle=True, X_test=dataset.test_inputs, Y_test=dataset.test_targets)
    together = Network([8], "tanh", True).init_weights(2, seeds=[4, 5, 6])
    history = fit(together, dataset.inputs, dataset.targets, 40, 0.1, 10, **kwargs)
    for i, seed in enumerate([4, 5, 6]):
        alone = Network([8], "tanh", True).init_weights(2, seeds=[seed])
        single = fit(alone, dataset.inputs, dataset.targets, 40, 0.1, 10, **kwargs)
        np.testing.assert_array_equal(alone.params_[0], together.params_[i])
        np.testing.assert_array_equal(single.test_accuracy[0], history.test_accuracy[i])
        np.testing.assert_array_equal(single.test_loss[0], history.test_loss[i])


# --- CSV files -------------------------------------------------------------------------------

def write(tmp_path, text: str, name: str = "data.csv"):
    (tmp_path / name).write_text(text)
    return name


def test_a_csv_file_is_its_columns_with_the_target_apart(tmp_path):
    rows = "\n".join(f"{i},{i % 3},{i % 2}" for i in range(10))
    write(tmp_path, f"a,b,y\n{rows}\n")
    dataset = csv_dataset("mine", "data.csv", "y", test_fraction=0.2, cwd=str(tmp_path))
    assert dataset.columns == ("a", "b") and dataset.plane == (0, 1)
    assert len(dataset.inputs) == 8 and len(dataset.test_inputs) == 2
    whole = np.column_stack([np.arange(10), np.arange(10) % 3, np.arange(10) % 2]).astype(float)
    np.testing.assert_array_equal(all_rows(dataset), whole[np.lexsort(whole.T[::-1])])
    # Without a test set, the file's own order.
    kept = csv_dataset("mine", "data.csv", "y", test_fraction=0.0, cwd=str(tmp_path))
    np.testing.assert_array_equal(kept.inputs, whole[:, :2])


@pytest.mark.parametrize("text, target, message", [
    (None, "y", "The 'data.path' parameter must name a readable CSV file with a header row. Got 'data.csv' "
                "instead: no such file"),
    ("a,b,y\n1,2,0\n1,2,1\n2,2,0\n3,2,1\n", "z", "The 'data.target' parameter must name a column of data.csv: "
                                                 "'a', 'b', 'y'. Got 'z' instead."),
    ("a,b,y\n1,2,0\n1,2,1\n2,2,2\n3,2,1\n", "y", "The data.target column 'y' of data.csv must hold only 0 and 1. "
                                                 "Got '2' in row 4 instead."),
    ("a,b,y\n1,2,0\n1,x,1\n2,2,0\n3,2,1\n", "y", "The data.path file data.csv: column 'b' holds 'x' in row 3; "
                                                 "every cell must be a finite number."),
    ("a,b,y\n1,2,0\n1,nan,1\n2,2,0\n3,2,1\n", "y", "The data.path file data.csv: column 'b' holds 'nan' in row 3"),
    ("a,b,y\n1,2,0\n1,,1\n2,2,0\n3,2,1\n", "y", "The data.path file data.csv: column 'b' is empty in row 3"),
    ("a,b,y\n1,2,0\n1,inf,1\n2,2,0\n3,2,1\n", "y", "The data.path file data.csv: column 'b' holds 'inf' in row 3"),
    ("a,b,y\n1,2,0\n1,3,1\n2,2,1\n", "y", "The data.target column 'y' of data.csv has 1 row of class 0: a "
                                          "classifier needs at least two of each class."),
    ("a,b,y\n1,2,0\n1,3\n2,2,1\n", "y", "The data.path file data.csv has 2 cells in row 3, but its header has 3"),
    ("a,a,y\n1,2,0\n", "y", "The data.path file data.csv names the column 'a' twice"),
    ("a,b,y\n", "y", "The 'data.path' parameter must name a readable CSV file with a header row. Got 'data.csv' "
                     "instead: a header and no rows."),
    ("", "y", "The 'data.path' parameter must name a readable CSV file with a header row. Got 'data.csv' instead: "
              "empty."),
    ("y,output\n0,1\n0,2\n1,3\n1,4\n", "y", "The data.path file data.csv has an input column named 'output'"),
    ("y\n0\n0\n1\n1\n", "y", "The data.path file data.csv has no column besides the target 'y': no inputs."),
])
def test_a_bad_csv_file_is_one_line_naming_the_file_and_the_row_or_column(tmp_path, text, target, message):
    if text is not None:
        write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        csv_dataset("mine", "data.csv", target, cwd=str(tmp_path))
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_a_csv_message_never_echoes_the_data(tmp_path):
    rows = "\n".join(f"{i},{i},{i % 2}" for i in range(500))
    write(tmp_path, f"a,b,y\n{rows}\n0,{'x' * 500},1\n")
    with pytest.raises(ConfigError) as caught:
        csv_dataset("mine", "data.csv", "y", cwd=str(tmp_path))
    assert "row 502" in str(caught.value) and len(str(caught.value)) < 200


def test_a_csv_file_that_is_not_utf8_is_said(tmp_path):
    (tmp_path / "data.csv").write_bytes("a,b,y\n1,2,0 caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        csv_dataset("mine", "data.csv", "y", cwd=str(tmp_path))


def test_derived_features_need_columns_x1_and_x2(tmp_path):
    write(tmp_path, "a,b,y\n1,2,0\n1,3,1\n2,2,0\n3,2,1\n")
    with pytest.raises(ConfigError, match=r"must list names from a, b \(x1_squared and the others are computed "
                                          r"from columns named x1 and x2\)\. Got 'x1_squared' instead"):
        csv_dataset("mine", "data.csv", "y", features=["a", "x1_squared"], cwd=str(tmp_path))
    write(tmp_path, "x1,x2,y\n1,2,0\n1,3,1\n2,2,0\n3,2,1\n")
    dataset = csv_dataset("mine", "data.csv", "y", features=["x1", "x1_x2"], test_fraction=0.0, cwd=str(tmp_path))
    np.testing.assert_array_equal(dataset.inputs, [[1, 2], [1, 3], [2, 4], [3, 6]])


def test_names_say_what_changed_in_generated_and_csv_data(compose):
    from nnexp import names

    cases = [(["data=circle"], "circle"), (["data=circle", "data.noise=0.2"], "circle (noise=0.2)"),
             (["data=moons", "data.features=[x1,x2,x1_squared]"], "moons (features=x1,x2,x1_squared)"),
             (["data=csv", "data.path=/tmp/heart.csv", "data.target=disease"], "heart.csv:disease"),
             (["data=xor", "data.test_fraction=0.5"], "xor (test_fraction=0.5)")]
    for overrides, name in cases:
        cfg = compose(*overrides)
        assert names.data_name(cfg.data, overrides[0].split("=")[1]) == name


def test_predictions_hold_every_row_of_the_split_in_the_datas_own_columns(tmp_path):
    from nnexp.results import predictions_table

    dataset = generated("gauss", n_samples=20, features=SQUARES)
    network = Network([3], "tanh", True).init_weights(dataset.n_inputs, seeds=[0, 1])
    table = predictions_table(network, dataset, network.predict(dataset.inputs), network.predict(dataset.probes), 0.5,
                              network.predict(dataset.test_inputs))
    assert list(table.columns) == ["seed", "split", "x1", "x2", "target", "output", "label"]
    assert table.groupby(["seed", "split"]).size().to_dict() == {(0, "test"): 10, (0, "train"): 10,
                                                                  (1, "test"): 10, (1, "train"): 10}
    np.testing.assert_array_equal(table.query("seed == 0 and split == 'test'")[["x1", "x2"]], dataset.test_points)
    assert isinstance(table, pd.DataFrame)
