"""Reading runs from disk trusts nothing: every run folder is checked, read once, and either
counted or listed with its reason; `python -m nnexp.report` says so and exits 0, 1 or 2.

The run folders are written here by `make_run`, file by file as nnexp writes them, so that each
test can break one file and nothing else (and costs no training)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from conftest import run_cli
from nnexp import report, runs
from nnexp.comparison import config_labels
from nnexp.data import make_dataset
from nnexp.results import data_digest
from nnexp.training import logged_iterations

XOR = [0.0, 1.0, 1.0, 0.0]
INPUTS = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
COMMIT = "40" * 20


def make_run(folder, *, model="two_layer", hidden=(4,), data="xor", targets=XOR, seed=0, replicas=1,
             iterations=300, lr=1.0, log_every=100, threshold=0.5, status="ok", overrides=None,
             manifest=None, digest=True):
    """Write a finished run folder as nnexp does: .hydra/, results.csv, history.csv,
    predictions.csv and, if `manifest` is a dict of fields to set (or {}), manifest.json."""
    config = {"model": {"name": model, "hidden": list(hidden)},
              "data": {"name": "xor", "inputs": INPUTS, "targets": list(targets), "probes": [[1, 0, 0]]},
              "train": {"iterations": iterations, "lr": lr, "log_every": log_every},
              "seed": seed, "replicas": replicas, "threshold": threshold, "plot": True, "resume": False}
    overrides = [f"model={model}", f"seed={seed}"] if overrides is None else overrides
    (folder / ".hydra").mkdir(parents=True)
    OmegaConf.save(OmegaConf.create(config), folder / ".hydra" / "config.yaml")
    OmegaConf.save(OmegaConf.create(overrides), folder / ".hydra" / "overrides.yaml")
    OmegaConf.save(OmegaConf.create({"hydra": {"overrides": {"task": overrides}}}), folder / ".hydra" / "hydra.yaml")
    seeds = list(range(seed, seed + replicas))
    dataset = make_dataset(**config["data"])
    error = [0.5 if status == "saturated" else 0.01 + 0.001 * s for s in seeds]
    results = pd.DataFrame({
        "model": model, "data": data, "seed": seeds, "hidden": json.dumps(list(hidden)),
        "iterations": iterations, "lr": lr, "log_every": log_every, "threshold": threshold,
        "data_digest": data_digest(dataset), "final_error": error, "final_mse": np.square(error),
        "train_accuracy": 1.0, "train_seconds": 0.01, "status": status})
    results.drop(columns=[] if digest else ["data_digest"]).to_csv(folder / "results.csv", index=False)
    logged = logged_iterations(iterations, log_every)
    # The tables agree, as a run's do: each seed's training outputs are off by its final error,
    # and its error curve ends there.
    pd.DataFrame({"seed": np.repeat(seeds, len(logged)), "iteration": np.tile(logged, replicas),
                  "error": np.concatenate([np.linspace(0.5, e, len(logged)) for e in error])}
                 ).to_csv(folder / "history.csv", index=False)
    rows = []
    for s, e in zip(seeds, error):
        rows += [(s, "train", *x, t, abs(t - e), int(t)) for x, t in zip(INPUTS, targets)]
        rows += [(s, "probe", 1, 0, 0, None, 0.5 + 0.01 * s, 1)]
    predictions = pd.DataFrame(rows, columns=["seed", "split", "x1", "x2", "x3", "target", "output", "label"])
    predictions.astype({"label": "Int64"}).to_csv(folder / "predictions.csv", index=False)
    if manifest is not None:
        write_manifest(folder, **manifest)
    return folder


def write_manifest(folder, **fields):
    """manifest.json as nnexp.manifest writes it for a run that ended; `fields` override."""
    manifest = {"nnexp_version": "0.1.0", "command": "python -m nnexp.run", "argv": [], "cwd": "/",
                "git": {"commit": COMMIT, "dirty": False}, "versions": {"python": "3.11.7", "numpy": "2.4.6"},
                "platform": "Linux", "hostname": "node1", "pid": 1, "started": "2026-11-26T13:15:38+00:00",
                "ended": "2026-11-26T13:15:39+00:00", "wall_seconds": 1.0, "status": "finished",
                "config_sha256": hashlib.sha256((folder / ".hydra" / "config.yaml").read_bytes()).hexdigest()}
    (folder / "manifest.json").write_text(json.dumps({**manifest, **fields}))


def make_sweep(folder, jobs=(("model=perceptron", "seed=0"), ("model=perceptron", "seed=1"))):
    """A sweep folder: multirun.yaml asking for `jobs`, and a finished job folder for each."""
    folder.mkdir(parents=True)
    keys = {}
    for job in jobs:
        for override in job:
            key, value = override.split("=")
            keys.setdefault(key, []).append(value)
    task = [f"{key}={','.join(dict.fromkeys(values))}" for key, values in keys.items()]
    hydra = ["hydra.mode=MULTIRUN", f"hydra.sweep.dir={folder}"]
    OmegaConf.save(OmegaConf.create({"hydra": {"overrides": {"task": task, "hydra": hydra}}}), folder / "multirun.yaml")
    for number, job in enumerate(jobs):
        settings = dict(override.split("=") for override in job)
        model = settings.get("model", "two_layer")
        make_run(folder / f"{number}_{','.join(job)}", model=model, hidden=[] if model == "perceptron" else [4],
                 seed=int(settings.get("seed", 0)), overrides=list(job))
    return folder


def run_report(capsys, *arguments):
    """`python -m nnexp.report ARGUMENTS`, in this process: (exit code, stdout, stderr)."""
    code = report.main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- read_run: one folder, checked -------------------------------------------------------

def test_a_whole_run_reads_as_finished_with_its_tables(tmp_path):
    record = runs.read_run(make_run(tmp_path / "run", replicas=3, manifest={}))
    assert record.status == "finished", record.reason
    assert record.results["seed"].tolist() == [0, 1, 2]
    assert len(record.history) == 3 * 4 and len(record.predictions) == 3 * 5
    assert record.config["train"]["iterations"] == 300 and record.manifest["status"] == "finished"
    assert record.overrides == ["model=two_layer", "seed=0"]


def test_a_run_made_before_data_digest_gets_it_from_its_config(tmp_path):
    old = runs.read_run(make_run(tmp_path / "old", digest=False))
    new = runs.read_run(make_run(tmp_path / "new"))
    assert old.status == "finished" and old.manifest is None
    assert old.results["data_digest"].tolist() == new.results["data_digest"].tolist()


def test_an_interpolation_in_the_config_is_resolved_before_it_is_compared(tmp_path):
    folder = make_run(tmp_path / "run", iterations=30, log_every=30)
    config = OmegaConf.load(folder / ".hydra" / "config.yaml")
    config.train.log_every = "${train.iterations}"  # as Hydra saves `train.log_every=${train.iterations}`
    OmegaConf.save(config, folder / ".hydra" / "config.yaml")
    assert runs.read_run(folder).status == "finished"


def cut(file, keep):
    """Keep the first `keep` bytes of `file`, as a process killed while writing it would."""
    file.write_bytes(file.read_bytes()[:keep])


@pytest.mark.parametrize("name, damage, reason", [
    ("results.csv", lambda f: cut(f, f.read_text().index("\n") + 1), "results.csv: header only, no rows"),
    ("results.csv", lambda f: cut(f, len(f.read_bytes()) - 8), "results.csv: row 2 has status"),
    ("history.csv", lambda f: cut(f, len(f.read_bytes()) - 30), "history.csv: 3 rows, but 1 seeds x 4"),
    ("history.csv", lambda f: cut(f, len(f.read_bytes()) - 7), "history.csv: its seeds and iterations"),
    ("predictions.csv", lambda f: cut(f, len(f.read_bytes()) - 30), "predictions.csv: 4 rows, but 1 seeds x 5"),
    ("predictions.csv", lambda f: cut(f, 10), "predictions.csv: no column x1, x2, x3, target, output,"),
    ("results.csv", lambda f: f.write_bytes(b""), "results.csv: empty"),
    ("history.csv", lambda f: f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00"), "history.csv: binary, not text"),
    ("predictions.csv", lambda f: f.write_bytes("seed,split\n0,tr\xe4in\n".encode("latin-1")),
     "predictions.csv: not UTF-8 text (byte 0xe4"),
    ("results.csv", lambda f: f.write_text(f.read_text().replace(",1.0,100,", ",fast,100,")),
     "results.csv: lr holds 'fast' in row 2, not a number"),
    ("results.csv", lambda f: f.write_text(f.read_text().replace("final_mse", "mse")),
     "results.csv: no column final_mse"),
    ("results.csv", lambda f: f.write_text('a,b\n"1,2\n'), "results.csv: not a CSV table"),
    ("history.csv", lambda f: f.unlink(), "history.csv: missing"),
])
def test_a_damaged_table_makes_the_run_unreadable_with_a_reason_naming_it(tmp_path, name, damage, reason):
    folder = make_run(tmp_path / "run")
    damage(folder / name)
    record = runs.read_run(folder)
    assert record.status == "unreadable"
    assert record.reason.startswith(reason), record.reason
    assert "\n" not in record.reason and record.results is None


@pytest.mark.parametrize("key, value, reason", [
    ("train.iterations", 500, "results.csv: iterations 300, but .hydra/config.yaml has train.iterations=500: stale"),
    ("train.lr", 0.5, "results.csv: lr 1.0, but .hydra/config.yaml has train.lr=0.5: stale"),
    ("model.hidden", [8], "results.csv: hidden [4], but .hydra/config.yaml has model.hidden=[8]: stale"),
    ("replicas", 2, "results.csv: seeds 0, but .hydra/config.yaml asks for 0, 1: stale or cut short"),
    ("seed", 3, "results.csv: seeds 0, but .hydra/config.yaml asks for 3: stale or cut short"),
    ("data.targets", [1, 0, 0, 1], "results.csv: data_digest"),
    # A run made before nnexp had the options trained with the notebook's: a config asking for
    # another is not this table's.
    ("model.activation", "tanh", "results.csv: no activation column, but .hydra/config.yaml has model.activation=tanh: stale"),
    ("train.batch_size", 2, "results.csv: no batch_size column, but .hydra/config.yaml has train.batch_size=2: stale"),
])
def test_results_of_another_config_are_stale_never_counted(tmp_path, key, value, reason):
    folder = make_run(tmp_path / "run")
    config = OmegaConf.load(folder / ".hydra" / "config.yaml")
    OmegaConf.update(config, key, value)  # the folder's config now asks for other results
    OmegaConf.save(config, folder / ".hydra" / "config.yaml")
    record = runs.read_run(folder)
    assert record.status == "unreadable" and record.reason.startswith(reason), record.reason


@pytest.mark.parametrize("table", ["predictions.csv", "history.csv"])
def test_a_table_copied_from_another_run_is_caught_by_the_final_errors(tmp_path, table):
    # No manifest (a run made before manifests): the tables must still agree with each other.
    ours = make_run(tmp_path / "lr1", lr=1.0, seed=3)
    other = make_run(tmp_path / "lr05", lr=1.0, seed=3, status="saturated")  # same seeds, other numbers
    (ours / table).write_bytes((other / table).read_bytes())
    record = runs.read_run(ours)
    assert record.status == "unreadable"
    assert record.reason.startswith(f"{table}: seed 3's final error is 0.5, but results.csv says 0.01")


@pytest.mark.parametrize("table", ["results.csv", "history.csv", "predictions.csv"])
def test_a_table_changed_after_its_run_wrote_it_is_caught_by_the_manifest(tmp_path, table):
    folder = make_run(tmp_path / "run")
    digests = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
               for name in ("results.csv", "history.csv", "predictions.csv")}
    write_manifest(folder, files=digests)
    assert runs.read_run(folder).status == "finished"
    text = (folder / table).read_text()
    (folder / table).write_text(text[:-3] + "\n")  # the last row cut: a number that still parses
    record = runs.read_run(folder)
    assert record.status == "unreadable"
    assert record.reason == (f"{table}: not the file the run wrote (its sha256 differs from manifest.json's): "
                             "copied from another run, edited or cut short")


def test_a_run_reads_its_config_as_the_run_resolved_it(tmp_path):
    # ${oc.env:...} and ${hydra:...} mean what they meant to the run, recorded in its manifest.
    folder = make_run(tmp_path / "run", iterations=300)
    config = folder / ".hydra" / "config.yaml"
    config.write_text(config.read_text().replace("iterations: 300", "iterations: ${oc.env:NNEXP_TEST_UNSET}"))
    assert runs.read_run(folder).status == "unreadable"
    resolved = OmegaConf.to_container(OmegaConf.load(config))
    resolved["train"]["iterations"] = 300
    write_manifest(folder, config=resolved)
    assert runs.read_run(folder).status == "finished"


def test_a_manifest_of_another_config_makes_the_run_stale(tmp_path):
    folder = make_run(tmp_path / "run", manifest={"config_sha256": "0" * 64})
    record = runs.read_run(folder)
    assert record.status == "unreadable"
    assert record.reason == ("manifest.json: stale: results of another config (.hydra/config.yaml "
                             "changed after the run ended)")


@pytest.mark.parametrize("manifest, status, reason", [
    ({"status": "running", "config_sha256": None}, "unfinished", "still running, or killed (manifest.json: running)"),
    ({"status": "interrupted"}, "unfinished", "interrupted (manifest.json)"),
    ({"status": "failed", "error": "ValueError: boom"}, "failed", "ValueError: boom"),
    ({"status": "done"}, "unreadable", "manifest.json: status 'done' is not one of"),
])
def test_the_manifest_says_whether_a_run_finished(tmp_path, manifest, status, reason):
    record = runs.read_run(make_run(tmp_path / "run", manifest=manifest))  # results.csv is there
    assert record.status == status and record.reason.startswith(reason), record.reason


@pytest.mark.parametrize("text, reason", [("{\"status\": ", "manifest.json: not JSON"),
                                          ("[1, 2]", "manifest.json: holds list, not an object")])
def test_a_corrupt_manifest_makes_the_run_unreadable(tmp_path, text, reason):
    folder = make_run(tmp_path / "run")
    (folder / "manifest.json").write_text(text)
    record = runs.read_run(folder)
    assert record.status == "unreadable" and record.reason.startswith(reason)


def test_a_finished_manifest_without_results_is_unreadable(tmp_path):
    folder = make_run(tmp_path / "run", manifest={})
    (folder / "results.csv").unlink()
    assert runs.read_run(folder).reason == "results.csv: missing, though manifest.json says the run finished"


def test_a_folder_without_results_is_unfinished_or_failed(tmp_path):
    folder = make_run(tmp_path / "run")
    (folder / "results.csv").unlink()
    (folder / ".results.csv.123.0a1b2c3d.tmp").write_text("model,data\ntwo_la")  # a killed writer's
    assert runs.read_run(folder).status == "unfinished"
    (folder / "error.txt").write_text("ConfigError: The 'seed' parameter ...\n")
    record = runs.read_run(folder)
    assert (record.status, record.reason) == ("failed", "ConfigError: The 'seed' parameter ...")


@pytest.mark.parametrize("name, text, reason", [
    ("overrides.yaml", "- seed=0\n- [unclosed", "overrides.yaml: not YAML"),
    ("overrides.yaml", "seed: 0\n", "overrides.yaml: holds dict, not a list"),
    ("config.yaml", "model: {name: two_layer\n", "config.yaml: not YAML"),
    ("config.yaml", "model: {name: two_layer}\n", "config.yaml: no 'seed' key"),
])
def test_corrupt_hydra_files_make_the_run_unreadable(tmp_path, name, text, reason):
    folder = make_run(tmp_path / "run")
    (folder / ".hydra" / name).write_text(text)
    record = runs.read_run(folder)
    assert record.status == "unreadable" and record.reason.startswith(reason), record.reason
    assert record.overrides == (["model=two_layer", "seed=0"] if name == "overrides.yaml" else record.overrides)


# --- the report: every run once, counted or listed -----------------------------------------

def test_a_header_only_results_csv_is_listed_as_unreadable_and_the_report_exits_1(tmp_path, capsys):
    make_run(tmp_path / "good", seed=0)
    bad = make_run(tmp_path / "bad", seed=1)
    cut(bad / "results.csv", (bad / "results.csv").read_text().index("\n") + 1)
    code, out, err = run_report(capsys, tmp_path)
    assert code == 1 and err == ""
    assert "unreadable: bad: results.csv: header only, no rows (cut short?)" in out
    text = (tmp_path / "report.md").read_text()
    assert "Runs: 1 finished, 0 failed, 0 unfinished, 1 unreadable, 0 missing; 1 trained networks." in text
    assert "## Runs that cannot be read" in text and "- `bad`: results.csv: header only" in text
    assert pd.read_csv(tmp_path / "comparison.csv")["n_seeds"].tolist() == [1]


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\xff" * 50, "é,ü\n".encode("latin-1"),
                                     b"model,data\n", b"\n\n\n"])
def test_any_file_in_place_of_results_csv_gives_a_reason_not_a_traceback(tmp_path, capsys, content):
    folder = make_run(tmp_path / "run")
    (folder / "results.csv").write_bytes(content)
    code, out, err = run_report(capsys, folder)
    assert code == 1 and err == ""
    assert "unreadable: run: results.csv: " in out
    assert "0 finished, 0 failed, 0 unfinished, 1 unreadable" in (folder / "report.md").read_text()


def test_the_same_run_given_twice_or_through_a_parent_is_counted_once(tmp_path, capsys):
    sweep = make_sweep(tmp_path / "sweep")
    job = next(sweep.glob("0_*"))
    out_folder = tmp_path / "out"
    for paths, out_args in (([sweep, sweep], []), ([sweep, job], []), ([job, sweep], ["--out", out_folder]),
                            ([sweep, tmp_path / "sweep" / ".." / "sweep"], [])):
        code, out, _ = run_report(capsys, *paths, *out_args)
        assert code == 0, out
        written = out_args[1] if out_args else paths[0]
        assert pd.read_csv(written / "comparison.csv")["n_seeds"].tolist() == [2]
        assert "Runs: 2 finished, 0 failed, 0 unfinished, 0 unreadable, 0 missing" in (written / "report.md").read_text()
        assert "trained more than once" not in out
    code, _, err = run_report(capsys, job, sweep)  # a job's folder would get the whole sweep's tables
    assert code == 2 and "give --out DIR" in err


def test_a_corrupt_multirun_yaml_is_said_and_the_report_exits_1(tmp_path, capsys):
    sweep = make_sweep(tmp_path / "sweep")
    (sweep / "multirun.yaml").write_text("hydra: {overrides: [\n")
    code, out, err = run_report(capsys, sweep)
    assert code == 1 and err == ""
    assert f"unreadable sweep: {sweep}/multirun.yaml: not YAML" in out
    text = (sweep / "report.md").read_text()
    assert "## Sweeps that cannot be read" in text and "jobs that never started are not counted" in text
    assert "Runs: 2 finished, 0 failed, 0 unfinished, 0 unreadable, 0 missing" in text


def test_a_job_with_corrupt_overrides_is_unreadable_not_missing(tmp_path, capsys):
    sweep = make_sweep(tmp_path / "sweep")
    job = next(sweep.glob("1_*"))
    (job / ".hydra" / "overrides.yaml").write_bytes(b"\xff\xfe")
    code, out, _ = run_report(capsys, sweep)
    assert code == 1
    assert f"unreadable: {job.name}: overrides.yaml: not UTF-8 text" in out
    assert "missing:" not in out  # .hydra/hydra.yaml still says which job it is
    assert ("complete the sweep: move the unreadable runs' folders away, then "
            f"python -m nnexp.run -m model=perceptron seed=0,1 hydra.sweep.dir={sweep} ") + \
           "resume=true" in out


def test_temporary_files_of_a_killed_process_are_never_read(tmp_path, capsys):
    folder = make_run(tmp_path / "run")
    for name in ("results.csv", "history.csv", "predictions.csv"):
        (folder / f".{name}.999.deadbeef.tmp").write_bytes(b"\x00garbage")
    (tmp_path / "run" / ".hydra" / ".config.yaml.999.deadbeef.tmp").write_text("{")
    code, out, _ = run_report(capsys, folder)
    assert code == 0, out
    assert pd.read_csv(folder / "comparison.csv")["n_seeds"].tolist() == [1]


def test_xor_and_xnor_are_two_rows_labelled_by_their_names(tmp_path, capsys):
    make_run(tmp_path / "xor")
    make_run(tmp_path / "xnor", data="xor (targets=[1,0,0,1])", targets=[1.0, 0.0, 0.0, 1.0])
    code, out, _ = run_report(capsys, tmp_path)
    assert code == 0, out
    comparison = pd.read_csv(tmp_path / "comparison.csv", dtype={"data_digest": str})
    assert sorted(comparison["data"]) == ["xor", "xor (targets=[1,0,0,1])"]
    assert comparison["n_seeds"].tolist() == [1, 1] and comparison["data_digest"].nunique() == 2
    labels = config_labels(comparison).tolist()
    assert sorted(labels) == ["xor", "xor (targets=[1,0,0,1])"]


def test_a_real_sweep_over_xor_and_xnor_compares_them_in_two_rows(tmp_path):
    folder = tmp_path / "sweep"
    done = run_cli("-m", "report_plots=false", "data.targets=[0,1,1,0],[1,0,0,1]", "train.iterations=200", "plot=false",
                   f"hydra.sweep.dir={folder}",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    comparison = pd.read_csv(folder / "comparison.csv", dtype={"data_digest": str})
    assert comparison["data"].tolist() == ["xor", "xor (targets=[1,0,0,1])"]
    assert comparison["n_seeds"].tolist() == [1, 1] and comparison["data_digest"].nunique() == 2
    text = (folder / "report.md").read_text()
    assert "1. **xor**: learned" in text and "2. **xor (targets=[1,0,0,1])**: learned" in text


def test_equal_names_over_different_data_are_told_apart_by_their_digest():
    rows = pd.DataFrame({"model": ["two_layer"] * 2, "data": ["mine"] * 2, "hidden": ["[4]"] * 2,
                         "iterations": [100] * 2, "lr": [1.0] * 2, "log_every": [10] * 2,
                         "threshold": [0.5] * 2, "data_digest": ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]})
    assert config_labels(rows).tolist() == ["data_digest=aaaaaaaaaaaa", "data_digest=bbbbbbbbbbbb"]


def test_saturated_seeds_are_counted_and_said_at_a_glance(tmp_path, capsys):
    make_run(tmp_path / "a", seed=0, replicas=3, status="saturated")
    make_run(tmp_path / "b", seed=3, replicas=2)
    code, out, _ = run_report(capsys, tmp_path)
    assert code == 0
    comparison = pd.read_csv(tmp_path / "comparison.csv")
    assert comparison[["n_diverged", "n_saturated"]].values.tolist() == [[0, 3]]
    glance = "3 of 5 seeds saturated (units stuck: lower train.lr)"
    assert glance in " ".join(line.strip() for line in out.splitlines())  # wrapped at the terminal's width
    assert glance in (tmp_path / "report.md").read_text()


def test_runs_of_different_commits_are_warned_about_and_runs_without_manifest_counted(tmp_path, capsys):
    make_run(tmp_path / "a", seed=0, manifest={})
    make_run(tmp_path / "b", seed=1, manifest={"git": {"commit": "41" * 20, "dirty": True}})
    make_run(tmp_path / "c", seed=2)
    code, out, _ = run_report(capsys, tmp_path)
    assert code == 0
    assert "warning: the finished runs came from 2 different versions of the code" in " ".join(out.split())
    text = (tmp_path / "report.md").read_text()
    assert "**Warning**: the finished runs came from 2 different versions of the code" in text
    assert f"- 1 run: nnexp 0.1.0, commit {COMMIT[:12]}; python 3.11.7, numpy 2.4.6" in text
    assert f"- 1 run: nnexp 0.1.0, commit {'41' * 6} with uncommitted changes; python 3.11.7" in text
    assert "- 1 run without manifest.json (made before nnexp recorded one)" in text


def test_runs_of_one_commit_give_no_warning(tmp_path, capsys):
    make_run(tmp_path / "a", seed=0, manifest={})
    make_run(tmp_path / "b", seed=1, manifest={})
    code, out, _ = run_report(capsys, tmp_path)
    assert code == 0 and "warning" not in out
    assert "- 2 runs: nnexp 0.1.0" in (tmp_path / "report.md").read_text()


def test_seeds_trained_twice_are_said_on_the_console_too(tmp_path, capsys):
    make_run(tmp_path / "a", seed=0, replicas=2)
    make_run(tmp_path / "b", seed=1, replicas=2)
    code, out, _ = run_report(capsys, tmp_path)
    assert code == 0
    assert "warning: 1 seed was trained more than once, by several runs of one configuration" in " ".join(out.split())
    assert "## Seeds trained more than once" in (tmp_path / "report.md").read_text()


# --- the command line: usage, exit codes, where the report goes ---------------------------

def test_help_prints_usage_and_exits_0(capsys):
    code, out, _ = run_report(capsys, "--help")
    assert code == 0
    assert out.startswith("usage: python -m nnexp.report [-h] [--out DIR] [--no-plots] PATH [PATH ...]")
    assert "exit codes: 0" in out


@pytest.mark.parametrize("arguments", [[], ["--bogus", "."]])
def test_a_usage_error_exits_2(capsys, arguments):
    code, out, err = run_report(capsys, *arguments)
    assert code == 2 and out == "" and err.startswith("usage: python -m nnexp.report")


def test_a_report_that_cannot_be_written_says_why_in_one_line_and_exits_2(tmp_path, capsys):
    folder = make_run(tmp_path / "run")
    (tmp_path / "file").write_text("")
    code, out, err = run_report(capsys, "--out", tmp_path / "file" / "report", folder)
    assert code == 2 and out == ""
    assert err == (f"nnexp.report: cannot write the report into {tmp_path / 'file' / 'report'}: Not a directory; "
                   "--out DIR writes it into another folder\n")


def test_a_read_only_folder_gets_one_line_and_exit_2(tmp_path, capsys):
    folder = make_run(tmp_path / "run")
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("this user writes into read-only folders (root)")
        code, out, err = run_report(capsys, folder)
    finally:
        folder.chmod(0o755)
    assert code == 2 and out == ""
    assert err == f"nnexp.report: cannot write the report into {folder}: Permission denied; " \
                  "--out DIR writes it into another folder\n"


def test_out_writes_the_report_elsewhere(tmp_path, capsys):
    folder = make_run(tmp_path / "run")
    code, out, _ = run_report(capsys, "--out", tmp_path / "elsewhere", folder)
    assert code == 0
    assert (tmp_path / "elsewhere" / "report.md").exists() and not (folder / "report.md").exists()
    assert out.endswith(f"report: {tmp_path / 'elsewhere' / 'report.md'}\n")


def test_ctrl_c_says_interrupted_and_exits_130(tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(report, "collect", interrupted)
    code, out, err = run_report(capsys, make_run(tmp_path / "run"))
    assert (code, out, err) == (130, "", "nnexp.report: interrupted\n")


def test_a_run_nested_in_a_run_folder_of_its_name_keeps_a_name_of_its_own(tmp_path, capsys):
    outer = make_run(tmp_path / "foo", seed=0)
    make_run(outer / "foo", seed=1)  # nnexp refuses to make this; a copy by hand can
    code, out, _ = run_report(capsys, outer)
    assert code == 0
    assert sorted(pd.read_csv(outer / "summary.csv")["run"]) == ["foo", "foo/foo"]


def test_a_run_the_sweep_never_asked_for_is_counted_with_a_warning(tmp_path, capsys):
    sweep = make_sweep(tmp_path / "sweep")
    make_run(sweep / "extra", seed=7, overrides=["seed=7"])  # put there by hand
    code, out, _ = run_report(capsys, sweep)
    warning = "1 run in the sweep folder that the sweep did not ask for (extra) is counted with its jobs"
    assert f"warning: {warning}" in " ".join(out.split())  # wrapped at the terminal's width
    assert f"**Warning**: {warning.replace('(extra)', '(`extra`)')}." in (sweep / "report.md").read_text()


def test_an_empty_out_folder_is_a_usage_error_not_the_current_folder(tmp_path, capsys):
    folder = make_run(tmp_path / "run")
    code, _, err = run_report(capsys, folder, "--out", "")
    assert code == 2 and err.strip() == "nnexp.report: --out needs a folder; it got an empty name"
    assert not (folder / "report.md").exists()


def test_a_job_with_a_corrupt_config_is_unreadable_not_also_missing(tmp_path, capsys):
    sweep = make_sweep(tmp_path / "sweep")
    job = next(sweep.glob("1_*"))
    (job / ".hydra" / "config.yaml").write_bytes(b"\xff\xfe")
    code, out, _ = run_report(capsys, sweep)
    assert code == 1 and f"unreadable: {job.name}: config.yaml" in out and "missing:" not in out


def test_a_name_holding_a_literal_dollar_brace_reads_back_as_the_run_resolved_it(tmp_path, capsys):
    run_dir = tmp_path / "run"
    done = run_cli("data.name=\\${y}", "train.iterations=10", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    record = runs.read_run(run_dir)
    assert record.status == "finished", record.reason
    assert record.results["data"].tolist() == ["${y}"]


def test_a_run_with_weights_but_no_manifest_is_never_trusted(tmp_path):
    """weights.npz came after manifests: a run that has it and lacks its manifest was tampered
    with, and the report would draw weights nothing vouches for."""
    run = make_run(tmp_path / "run")
    assert runs.read_run(run).status == runs.FINISHED  # a run from before weights and manifests
    np.savez(run / "weights.npz", W0=np.zeros((1, 3, 4)))
    record = runs.read_run(run)
    assert record.status == runs.UNREADABLE and record.reason.startswith("no manifest.json")


def test_a_report_over_a_folder_above_a_sweep_finds_its_missing_jobs_and_says_how_to_complete_it(tmp_path, capsys):
    sweep = make_sweep(tmp_path / "outputs" / "sweep",
                       jobs=(("model=perceptron", "seed=0"), ("model=perceptron", "seed=1")))
    shutil.rmtree(next(sweep.glob("1_*")))
    code, out, _ = run_report(capsys, tmp_path / "outputs")
    assert code == 1  # a job the sweep asked for never ran: the report over outputs/ says so
    assert "missing: sweep: model=perceptron seed=1" in out
    assert "complete the sweep sweep: python -m nnexp.run -m" in out and f"hydra.sweep.dir={sweep}" in out
    assert "1 missing" in (tmp_path / "outputs" / "report.md").read_text()


def test_out_never_replaces_the_report_of_another_sweep_or_run(tmp_path, capsys):
    first, second = make_sweep(tmp_path / "first"), make_run(tmp_path / "run")
    for out in (first, second):
        code, _, err = run_report(capsys, make_sweep(tmp_path / f"other_{out.name}"), "--out", out)
        assert code == 2 and "run or sweep folder of its own" in err
    assert not (first / "report.md").exists() and not (second / "report.md").exists()

