"""Runs on 2-D and CSV data as a user makes them: their tables carry the held-out set, their
folders the decision-boundary pictures (only where the data has a plane), and reports read
them back, draw every configuration's boundaries, and never count results of a changed file."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from nnexp import report
from nnexp.data import build
from nnexp.network import Network
from nnexp.planes import layer_outputs, plane_rows
from nnexp.run_tables import check_figures
from nnexp.runs import FINISHED, UNREADABLE, read_run

TANH = ["model.hidden=[4]", "model.activation=tanh", "model.bias=true", "train.loss=log_loss",
        "train.batch_size=20", "train.log_every=10"]


def only_run(folder):
    (run,) = [p.parent.parent for p in folder.rglob(".hydra/config.yaml")]
    return run


def test_a_2d_run_writes_its_test_figures_and_its_pictures(tmp_path):
    result = run_cli("data=circle", "data.noise=0.1", *TANH, "train.iterations=40", "hydra.run.dir=run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = tmp_path / "run"
    assert {"decision_boundary.png", "hidden_units.png", "error_curve.png"} <= {p.name for p in run.iterdir()}
    results = pd.read_csv(run / "results.csv")
    assert results[["test_error", "test_loss", "test_accuracy"]].notna().all(axis=None)
    history = pd.read_csv(run / "history.csv")
    assert list(history["iteration"]) == [0, 10, 20, 30, 40] and history["test_accuracy"].notna().all()
    predictions = pd.read_csv(run / "predictions.csv")
    counts = predictions["split"].value_counts()  # half of each class: noise moves a few labels
    assert counts.sum() == 200 and abs(counts["train"] - counts["test"]) <= 2
    test = predictions[predictions["split"] == "test"]
    assert np.isclose(results["test_accuracy"].iloc[0], (test["label"] == test["target"]).mean())
    assert "test accuracy" in result.stdout and "note: the network has no biases" not in result.stdout
    record = read_run(run)
    assert record.status == FINISHED, record.reason
    # The report draws the run back from weights.npz: the same outputs the run's predictions hold.
    network = Network([4], "tanh", True).load(dict(np.load(run / "weights.npz")))
    outputs = layer_outputs(network, np.array([0]), record.dataset.test_inputs)[0, :, 0]
    np.testing.assert_allclose(outputs, test["output"], rtol=1e-12)
    # A test figure edited by hand, its manifest gone so that no digest catches it: the test rows
    # of predictions.csv do; and a run with a test set never lacks its manifest.
    results.loc[0, "test_accuracy"] = 0.99
    results.to_csv(run / "results.csv", index=False)
    manifest = (run / "manifest.json").read_text()
    (run / "manifest.json").unlink()
    assert read_run(run).reason.startswith("no manifest.json, though every run with weights.npz or a test set")
    fields = json.loads(manifest)
    del fields["files"]["results.csv"]
    (run / "manifest.json").write_text(json.dumps(fields))
    assert "manifest.json records no results.csv" in read_run(run).reason
    with pytest.raises(Exception, match="predictions.csv: seed 0's rows give test_accuracy"):
        check_figures(results, predictions)


def test_a_csv_run_is_read_back_and_a_changed_file_makes_it_stale(tmp_path, capsys):
    rng = np.random.default_rng(0)
    table = pd.DataFrame(rng.normal(size=(40, 3)), columns=["age", "weight", "dose"])
    table["sick"] = (table["age"] + table["dose"] > 0).astype(int)
    table.to_csv(tmp_path / "patients.csv", index=False)
    # hydra.job.chdir=true moves the run into its folder: the path stays relative to where it started.
    result = run_cli("data=csv", "data.path=patients.csv", "data.target=sick", "model=perceptron", "model.bias=true",
                     "train.iterations=50", "replicas=2", "hydra.run.dir=run", "hydra.job.chdir=true", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = tmp_path / "run"
    # Three inputs vary: no plane to draw on, so no pictures of one.
    assert not (run / "decision_boundary.png").exists() and not (run / "hidden_units.png").exists()
    results = pd.read_csv(run / "results.csv")
    assert list(results["data"]) == ["patients.csv:sick"] * 2
    predictions = pd.read_csv(run / "predictions.csv")
    assert list(predictions.columns) == ["seed", "split", "age", "weight", "dose", "target", "output", "label"]
    assert read_run(run).status == FINISHED
    # Read from elsewhere: the relative path is the run's, from the folder it started in.
    (tmp_path / "elsewhere").mkdir()
    assert report.main([str(run)]) == 0
    table.loc[0, "age"] += 1.0
    table.to_csv(tmp_path / "patients.csv", index=False)
    record = read_run(run)
    assert record.status == UNREADABLE and "stale" in record.reason
    assert "data.path patients.csv" in record.reason and "changed after the run" in record.reason
    capsys.readouterr()


def test_a_truth_table_has_its_plane_over_x1_x2_with_the_third_input_held():
    dataset = build({"name": "xor", "inputs": [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], "targets": [0, 1, 1, 0],
                     "probes": [[1, 0, 0]]})
    points, extent, rows = plane_rows(dataset)
    assert rows.shape == (len(points), 3) and (rows[:, 2] == 1).all()
    np.testing.assert_array_equal(rows[:, :2], points)
    assert extent[0] < 0 < 1 < extent[1]
    assert json.dumps(dataset.columns) == '["x1", "x2", "x3"]'


def test_a_sweep_report_shows_test_accuracy_and_never_pools_configurations_or_thresholds(tmp_path, monkeypatch):
    """Two feature sets under one data name, at two thresholds: four configurations, each with
    its test accuracy, drawn as two pictures (one per threshold) of two rows each, every row
    titled by what differs."""
    from nnexp import boundaries
    from nnexp.collect import collect
    from nnexp.report_boundaries import write_boundaries

    result = run_cli("-m", "data=circle", "data.name=mine", "data.n_samples=60",
                     "data.features=[x1,x2],[x1,x2,x1_squared,x2_squared]", "threshold=0.3,0.7", *TANH,
                     "train.iterations=10", "replicas=3", "plot=false", "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    sweep = tmp_path / "sweep"
    text = (sweep / "report.md").read_text()
    assert text.count("test accuracy") >= 4
    assert "![boundaries on mine](boundaries_mine.png)" in text and (sweep / "boundaries_mine_2.png").is_file()
    comparison = pd.read_csv(sweep / "comparison.csv")
    assert {"test_accuracy_mean", "test_accuracy_std", "test_accuracy_min", "test_accuracy_max"} <= set(comparison)
    summary = pd.read_csv(sweep / "summary.csv")
    means = summary.groupby(["data_digest", "threshold"])["test_accuracy"].mean()
    np.testing.assert_allclose(comparison.set_index(["data_digest", "threshold"])["test_accuracy_mean"],
                               means.reindex(comparison.set_index(["data_digest", "threshold"]).index))
    drawn = []
    monkeypatch.setattr(boundaries, "decision_boundary",
                        lambda outputs, *args, **kwargs: drawn.append((args[5], args[7])))
    runs = collect([sweep])
    write_boundaries(runs.summary, runs, tmp_path)
    assert sorted(threshold for _, threshold in drawn) == [0.3, 0.7]
    for titles, _ in drawn:
        rows = {title.split("\n")[0] for title in titles if title}
        assert len(rows) == 2 and sum(1 for title in titles if title) == 6, titles
