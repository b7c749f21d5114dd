"""The command line end to end, as a user runs it: files written, and mistakes refused."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from conftest import run_cli


def test_a_run_writes_every_file_with_sane_content(tmp_path):
    run_dir = tmp_path / "run"
    done = run_cli("model=two_layer", "data=xor", "train.iterations=3000", "train.log_every=50",
                   "seed=4", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr

    results = pd.read_csv(run_dir / "results.csv")
    assert len(results) == 1
    row = results.iloc[0]
    assert (row["model"], row["data"], row["seed"], row["status"]) == ("two_layer", "xor", 4, "ok")
    assert json.loads(row["hidden"]) == [4]
    assert (row["iterations"], row["lr"], row["log_every"], row["threshold"]) == (3000, 1.0, 50, 0.5)
    assert 0 < row["final_mse"] <= row["final_error"] < 0.5
    assert 0.0 <= row["train_accuracy"] <= 1.0 and row["train_seconds"] > 0

    assert (row["activation"], row["bias"], row["init"], row["loss"], row["optimizer"]) == (
        "sigmoid", False, "uniform", "squared_error", "sgd")
    assert np.isnan(row["batch_size"]) and (row["momentum"], row["l2"]) == (0.0, 0.0)

    history = pd.read_csv(run_dir / "history.csv")
    assert list(history.columns) == ["seed", "iteration", "error", "loss", "accuracy"]
    assert history["iteration"].tolist() == list(range(0, 3001, 50))
    assert history["error"].iloc[-1] == pytest.approx(row["final_error"], rel=1e-12)
    assert history["error"].iloc[-1] < history["error"].iloc[0]
    # The loss is the notebook's 1/2 sum (target - output)^2: twice final_mse over its 4 samples.
    assert history["loss"].iloc[-1] == pytest.approx(2 * row["final_mse"], rel=1e-12)
    assert history["accuracy"].iloc[-1] == row["train_accuracy"]

    with np.load(run_dir / "weights.npz") as weights:
        assert sorted(weights.files) == ["W0", "W0_initial", "W1", "W1_initial", "seed"]
        assert weights["W0"].shape == (1, 3, 4) and weights["W1"].shape == (1, 4, 1)
        assert weights["seed"].tolist() == [4]
        assert np.array_equal(weights["W0_initial"][0], np.random.default_rng(4).uniform(-1, 1, (3, 4)))

    predictions = pd.read_csv(run_dir / "predictions.csv")
    assert list(predictions.columns) == ["seed", "split", "x1", "x2", "x3", "target", "output", "label"]
    train = predictions[predictions["split"] == "train"]
    probe = predictions[predictions["split"] == "probe"]
    assert train["target"].tolist() == [0, 1, 1, 0]
    assert probe[["x1", "x2", "x3"]].values.tolist() == [[1, 0, 0]]
    assert probe["target"].isna().all()
    assert ((predictions["output"] > 0.5).astype(int) == predictions["label"]).all()
    assert (train["label"] == train["target"]).mean() == row["train_accuracy"]

    with Image.open(run_dir / "error_curve.png") as image:
        assert image.size[0] >= 400 and image.size[1] >= 300
    assert (run_dir / ".hydra" / "config.yaml").exists()
    assert (run_dir / ".hydra" / "overrides.yaml").exists()
    assert "final error" in (run_dir / "run.log").read_text()
    assert not list(run_dir.glob(".*.tmp"))  # no temporary files left behind

    summary = done.stdout.strip().splitlines()
    assert "final error" in summary[-3] and "probe [1, 0, 0]" in summary[-2]
    assert summary[-1] == f"run folder: {run_dir}"


def test_a_run_with_replicas_writes_a_row_per_seed_and_sums_them_up(tmp_path):
    run_dir = tmp_path / "run"
    done = run_cli("seed=3", "replicas=12", "plot=false", "train.iterations=300", f"hydra.run.dir={run_dir}",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    seeds = list(range(3, 15))
    assert pd.read_csv(run_dir / "results.csv")["seed"].tolist() == seeds
    assert pd.read_csv(run_dir / "history.csv").groupby("seed").size().to_dict() == {s: 4 for s in seeds}
    predictions = pd.read_csv(run_dir / "predictions.csv")
    assert predictions.groupby("seed").size().to_dict() == {s: 5 for s in seeds}  # 4 samples, 1 probe
    assert not (run_dir / "error_curve.png").exists()  # plot=false
    summary = done.stdout
    assert "two_layer on xor, seeds 3 to 14 (12 networks, 300 epochs" in summary
    assert "training accuracy 100% at" in summary and "of 12 seeds" in summary


def test_help_says_what_to_run_and_lists_every_choice(tmp_path):
    done = run_cli("--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "python -m nnexp.run -m experiment=xor_seeds" in done.stdout
    assert "experiment: activations, hidden_width, notebook, playground, xor_seeds" in done.stdout
    assert "data: and, circle, csv, gauss, linear, moons, nand, or, spiral, xor, xor2d" in done.stdout
    assert "model: mlp, perceptron, two_layer" in done.stdout


def test_a_run_lands_under_outputs_named_by_model_and_data(tmp_path):
    done = run_cli("model=perceptron", "data=and", "train.iterations=10", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (run_dir,) = (tmp_path / "outputs").glob("*/*")
    assert run_dir.name.endswith("_perceptron-10ep_and")
    assert (run_dir / "results.csv").exists()


# One case per way a command can be wrong, each found at another stage (Hydra's parsing, the
# schema, nnexp's checks, the data, the folders, after the folder is claimed), through the real
# command line; more values of the same kinds are checked in-process below, as fast.
@pytest.mark.parametrize(
    "overrides, key",
    [
        (["model=resnet"], "model"),
        (["data=mnist"], "data"),
        (["train.iterations=many"], "train.iterations"),
        (["train.lr=0"], "train.lr"),
        (["seed=-1"], "seed"),
        (["seed=9223372036854775807", "replicas=2"], "seed"),  # seed + 1 is past int64
        (["replicas=2.5"], "replicas"),
        (["train.iterations=10000000000000"], "train.log_every"),  # a history that cannot fit in memory
        (["epochs=5"], "epochs"),
        (["+train.iters=500"], "train.iters"),
        # The options beyond the notebook (every bad value: tests/test_config.py, in-process).
        (["data.targets=[0,1,2,0]"], "data.targets"),
        (["data.inputs=[[0,x,1]]"], "data.inputs"),
        # A name that says what was trained: a perceptron has no hidden layer.
        (["model=perceptron", "model.hidden=[4]"], "model.hidden"),
        (["model=mlp", "model.name='perceptron\u200b'"], "model.name"),  # an invisible character
        # A config group choice is a config's name, never a path to a file anywhere on disk.
        (["data=../../../../tmp/x/evil"], "data"),
        (["model=/etc/passwd"], "model"),
        (["resume=true"], "resume"),  # resume completes a sweep; a single run has nothing to resume
        (["hydra.output_subdir=null"], "hydra.output_subdir"),  # runs are found by their .hydra/
        (["hydra.run.dir=/dev/null"], "/dev/null"),  # a file, not a folder
        (["-m", "--cfg", "job", "seed=0,1"], "--cfg"),
        (["data=[and]", "data.targets=[0,1,1,0]"], "data"),  # a list of datasets would merge them
        (["data=and", "data.name=xor"], "data.name"),  # the AND table filed as xor
        (["hydra.job_logging.root.level=BOGUS"], "hydra.job_logging"),  # found after the folder is claimed
    ],
)
def test_a_mistake_gets_one_line_naming_the_key_exit_code_2_and_leaves_nothing_behind(tmp_path, overrides, key):
    done = run_cli(*overrides, *([] if any("iterations" in o for o in overrides) else ["train.iterations=10"]),
                   cwd=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("nnexp: ") and key in line
    assert "Traceback" not in done.stderr + done.stdout
    assert list(tmp_path.iterdir()) == []  # no run folder, not even an empty outputs/


# The same checks as the command line makes, in-process: each value said in one line naming its key.
@pytest.mark.parametrize("overrides, key", [
        (["train.iterations=0"], "train.iterations"),
        (["train.lr=-0.5"], "train.lr"),
        (["train.lr=inf"], "train.lr"),
        (["train.lr=nan"], "train.lr"),
        (["model.hidden=[4,0]"], "model.hidden"),
        (["model.hidden=[wide]"], "model.hidden"),
        (["model.hidden=[[4]]"], "model.hidden"),
        (["seed=99999999999999999999"], "seed"),
        (["replicas=0"], "replicas"),
        (["replicas=-3"], "replicas"),
        (["replicas=many"], "replicas"),
        (["plot=maybe"], "plot"),
        (["threshold=1.0"], "threshold"),
        (["threshold=0"], "threshold"),
        (["train.log_every=0"], "train.log_every"),
        (["+train.dropout=0.5"], "train.dropout"),
        (["model.activation=softmax"], "model.activation"),
        (["train.momentum=1"], "train.momentum"),
        (["data.targets=[0,1,1]"], "data.targets"),
        (["data.probes=[[1,0]]"], "data.probes"),
        (["model=two_layer", "model.hidden=[4,4]"], "model.hidden"),
        (["model=mlp", "model.name='two_layer '", "model.hidden=[1]"], "model.name"),  # a look-alike
        (["data.name=' '"], "data.name"),
])
def test_a_mistake_of_a_kind_the_command_line_tests_is_one_line_naming_the_key(compose, overrides, key):
    from nnexp import messages
    from nnexp.run import checked_dataset

    try:
        cfg = compose(*overrides)
        checked_dataset(cfg, cfg.data.name)
    except Exception as error:
        line = messages.explain(error)
    else:
        pytest.fail(f"{overrides} was accepted")
    assert line is not None and "\n" not in line and key in line


def test_an_empty_run_folder_is_refused_instead_of_writing_into_the_current_folder(tmp_path):
    done = run_cli("hydra.run.dir=", "train.iterations=10", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == "nnexp: The 'hydra.run.dir' parameter must name a folder. Got '' instead."
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["model=resnet"], "There is no model 'resnet'. Choose one of: mlp, perceptron, two_layer."),
        (["experiment=nope"], "There is no experiment 'nope'. Choose one of: activations, hidden_width, notebook, playground, xor_seeds."),
        # Hydra would suggest +train.iters=5, which would then be ignored; both are refused.
        (["train.iters=5"], "There is no 'train.iters' parameter. Did you mean 'train.iterations'? "
                            "Keys of train: iterations, lr, log_every, loss, batch_size, shuffle, optimizer, momentum, l2, "
                            "beta1, beta2, epsilon."),
        (["+train.iters=5"], "There is no 'train.iters' parameter. Did you mean 'train.iterations'? "
                             "Keys of train: iterations, lr, log_every, loss, batch_size, shuffle, optimizer, momentum, l2, "
                            "beta1, beta2, epsilon."),
        (["+epochs=5"], "There is no 'epochs' parameter. "
                        "Keys of the config: model, data, train, seed, replicas, threshold, plot, report_plots, resume."),
        (["train.iterations=many"], "The 'train.iterations' parameter must be an int. Got 'many' instead."),
        (["model.hidden=[4,wide]"], "The 'model.hidden' parameter must be a list of ints, e.g. [4, 4]. "
                                    "Got 'wide' at model.hidden[1] instead."),
        (["~seed"], "The 'seed' parameter is missing (removed with ~seed?); "
                    "nnexp needs every parameter of its config."),
        (["data.probes=???"], "The 'data.probes' parameter has no value (???); give it one, e.g. data.probes=..."),
        (["seed=${nope}"], "The 'seed' parameter cannot be read: Interpolation key 'nope' not found."),
        (["model=two_layer,perceptron"], "'model=two_layer,perceptron' holds several values: add -m "
                                         "(--multirun) to sweep over them, or write key=[a,b] for a list."),
    ],
)
def test_a_command_line_mistake_is_said_in_one_line_with_what_is_allowed(tmp_path, overrides, message):
    done = run_cli(*overrides, "train.iterations=10", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"nnexp: {message}"]
    assert not (tmp_path / "run" / "results.csv").exists()


def test_hydra_full_error_still_gives_the_full_traceback(tmp_path):
    env = {**os.environ, "HYDRA_FULL_ERROR": "1"}
    done = subprocess.run([sys.executable, "-m", "nnexp.run", "train.iters=5"], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "ConfigAttributeError" in done.stderr


def test_an_out_of_range_value_is_refused_in_one_line_with_exit_code_2(tmp_path):
    done = run_cli("train.lr=0", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "nnexp: The 'train.lr' parameter must be a finite float > 0. Got 0.0 instead."
    ]
