"""nnexp from Python (nnexp.api): `nnexp.train` writes the run folder the command writes, with the
numbers of the training loop itself, and `nnexp.load` gives the tables the report writes."""

import io
import json
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

import nnexp
from nnexp.collect import ReportError
from nnexp.config import ConfigError
from nnexp.network import Network
from nnexp.report import write_report
from nnexp.training import fit

# The notebook's XOR table (conf/data/xor.yaml) and its probe.
XOR_INPUTS = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
XOR_TARGETS = np.array([[0], [1], [1], [0]], dtype=float)


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory):
    """`python -m nnexp.run model=two_layer data=xor seed=3 train.iterations=200 plot=false
    model.hidden=[4]`, made with keywords."""
    folder = tmp_path_factory.mktemp("api") / "xor"
    return nnexp.train("model=two_layer", "data=xor", seed=3, train__iterations=200, plot=False,
                       model__hidden=[4], **{"hydra.run.dir": str(folder)})


def test_train_writes_the_commands_files_and_load_reads_them_as_one_finished_run(xor_run):
    folder = xor_run.folder
    assert {file.name for file in folder.iterdir()} == {".hydra", "manifest.json", "results.csv", "history.csv",
                                                        "predictions.csv", "weights.npz", "run.log"}
    assert sorted(file.name for file in (folder / ".hydra").iterdir()) == ["config.yaml", "hydra.yaml",
                                                                           "overrides.yaml"]
    assert yaml.safe_load((folder / ".hydra" / "overrides.yaml").read_text()) == [
        "model=two_layer", "data=xor", "seed=3", "train.iterations=200", "plot=false", "model.hidden=[4]"]
    hydra = yaml.safe_load((folder / ".hydra" / "hydra.yaml").read_text())["hydra"]
    assert (hydra["mode"], hydra["job"]["name"], hydra["runtime"]["output_dir"]) == ("RUN", "run", str(folder))
    assert json.loads((folder / "manifest.json").read_text())["status"] == "finished"
    assert "final error" in (folder / "run.log").read_text()

    experiment = nnexp.load(folder)
    assert experiment.problems == [] and list(experiment.runs.records) == ["xor"]
    counted = experiment.summary.drop(columns=["run", "overrides", "probe_output"])
    pd.testing.assert_frame_equal(counted, xor_run.results)
    assert len(experiment.comparison) == 1 and experiment.comparison["n_seeds"].tolist() == [1]
    assert set(experiment.predictions["split"]) == {"train", "probe"} and set(experiment.predictions["run"]) == {"xor"}


def test_train_gives_the_numbers_of_the_training_loop_for_the_same_seed(xor_run):
    network = Network(hidden=[4]).init_weights(3, seeds=[3])
    history = fit(network, XOR_INPUTS, XOR_TARGETS, iterations=200, lr=1.0, log_every=100)

    assert np.array_equal(xor_run.weights["W0"], network.weights_[0])
    assert np.array_equal(xor_run.weights["W1"], network.weights_[1])
    assert np.array_equal(xor_run.network.predict(XOR_INPUTS), network.predict(XOR_INPUTS))
    assert xor_run.history["error"].tolist() == pytest.approx(history.error[0].tolist(), rel=1e-12)
    assert xor_run.results["final_error"].iloc[0] == pytest.approx(history.error[0, -1], rel=1e-12)
    train_rows = xor_run.predictions[xor_run.predictions["split"] == "train"]
    assert train_rows["output"].tolist() == pytest.approx(network.predict(XOR_INPUTS)[0, :, 0].tolist(), rel=1e-12)


def test_strings_compose_the_config_keywords_do_into_a_folder_named_as_the_command_names_it(
        xor_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # hydra.run.dir as the command has it: outputs/<day>/<time>_<name>, from here
    run = nnexp.train("model=two_layer", "data=xor", "seed=3", "train.iterations=200", "plot=true",
                      "model.hidden=[4]")  # the one run here that draws its pictures

    assert run.folder.parent.parent == tmp_path / "outputs" and run.folder.name.endswith("_two_layer-200ep_xor")
    assert run.config == {**xor_run.config, "plot": True}
    pd.testing.assert_frame_equal(run.results.drop(columns="train_seconds"),
                                  xor_run.results.drop(columns="train_seconds"))
    assert (run.folder / "error_curve.png").is_file() and not (xor_run.folder / "error_curve.png").exists()


@pytest.mark.parametrize("override, message", [
    ("model=nope", "There is no model 'nope'. Choose one of: mlp, perceptron, two_layer."),
    ("train.lr=-1", "The 'train.lr' parameter must be a finite float > 0. Got -1.0 instead."),
    ("model=two_layer,perceptron", "'model=two_layer,perceptron' asks for a sweep, and nnexp.train runs one "
                                   "config: call it once per value, or sweep with python -m nnexp.run -m ... and "
                                   "nnexp.load the sweep's folder."),
])
def test_a_bad_override_raises_the_commands_one_line_and_writes_nothing(override, message, tmp_path, monkeypatch,
                                                                        capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as raised:
        nnexp.train(override, "train.iterations=10", "plot=false")
    assert str(raised.value) == message
    assert list(tmp_path.iterdir()) == []  # not even outputs/
    assert capsys.readouterr() == ("", "")


def test_load_gives_the_tables_the_report_writes(xor_run, tmp_path, monkeypatch):
    monkeypatch.setattr("nnexp.report.write_plots", lambda *args: [])  # its pictures: tests/test_report.py
    write_report([xor_run.folder.parent], out=tmp_path)
    experiment = nnexp.load(xor_run.folder.parent)

    pd.testing.assert_frame_equal(experiment.summary, pd.read_csv(tmp_path / "summary.csv"), check_exact=True,
                                  check_dtype=False)  # the file's numbers themselves, an empty batch_size as nan
    for table, file in [(experiment.summary, "summary.csv"), (experiment.comparison, "comparison.csv"),
                        (experiment.pairs, "pairs.csv")]:  # and through CSV, dtypes too
        written = pd.read_csv(io.StringIO(table.to_csv(index=False)))
        pd.testing.assert_frame_equal(written, pd.read_csv(tmp_path / file), check_exact=True)


def test_load_warns_of_and_lists_a_failed_and_a_corrupt_run_and_counts_the_others(xor_run, tmp_path, monkeypatch):
    shutil.copytree(xor_run.folder, tmp_path / "whole")
    shutil.copytree(xor_run.folder, tmp_path / "corrupt")
    results = tmp_path / "corrupt" / "results.csv"
    results.write_text(results.read_text().replace(",ok", ",saturated"))

    def crash(*args, **kwargs):
        raise RuntimeError("crashed")

    monkeypatch.setattr("nnexp.run.fit", crash)
    with pytest.raises(RuntimeError, match="crashed"):  # a bug keeps its traceback, as on the command line
        nnexp.train("train.iterations=10", "plot=false", **{"hydra.run.dir": str(tmp_path / "failed")})

    with pytest.warns(UserWarning, match="2 run.* not counted"):
        experiment = nnexp.load(tmp_path)
    assert experiment.problems == [
        "did not finish: failed: RuntimeError: crashed",
        "unreadable: corrupt: results.csv: not the file the run wrote (its sha256 differs from manifest.json's): "
        "copied from another run, edited or cut short"]
    assert experiment.summary["run"].tolist() == ["whole"]


def test_load_of_a_folder_without_runs_says_so_in_one_line(tmp_path):
    with pytest.raises(ReportError, match=r"holds no nnexp runs \(no folder with .hydra/config.yaml below it\)$"):
        nnexp.load(tmp_path)
