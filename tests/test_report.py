"""Sweeps and their report, run as a user runs them, and rebuilt from files on disk."""

import multiprocessing
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest

from conftest import crashing_at, run_cli
from nnexp import glance, report
from nnexp import sweep as sweep_callback
from nnexp.collect import collect
from nnexp.comparison import config_labels, error_curves, repeated_seeds


def run_report(*paths, cwd):
    return subprocess.run([sys.executable, "-m", "nnexp.report", *map(str, paths)],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """2 models x 3 seeds, few iterations, in a temporary sweep folder."""
    root = tmp_path_factory.mktemp("sweep")
    done = run_cli("-m", "model=perceptron,two_layer", "seed=0,1,2", "train.iterations=500", "plot=false",
                   f"hydra.sweep.dir={root / 'sweep'}", cwd=root)
    assert done.returncode == 0, done.stderr
    return root / "sweep", done


def test_a_sweep_gets_a_summary_and_a_comparison_that_agree_with_its_jobs(sweep):
    folder, _ = sweep
    jobs = pd.concat([pd.read_csv(f) for f in sorted(folder.glob("*/results.csv"))])
    summary = pd.read_csv(folder / "summary.csv")
    assert len(jobs) == len(summary) == 6
    comparison = pd.read_csv(folder / "comparison.csv").set_index("model")
    assert sorted(comparison.index) == ["perceptron", "two_layer"]
    for model, rows in jobs.groupby("model"):
        row = comparison.loc[model]
        assert row["n_seeds"] == 3
        assert row["final_error_mean"] == pytest.approx(rows["final_error"].mean(), rel=1e-12)
        assert row["final_error_std"] == pytest.approx(rows["final_error"].std(), rel=1e-9)
        assert row["final_error_max"] == pytest.approx(rows["final_error"].max(), rel=1e-12)
        assert row["success_rate"] == pytest.approx((rows["train_accuracy"] == 1.0).mean())
    probes = pd.concat([pd.read_csv(f).query("split == 'probe'") for f in sorted(folder.glob("*/predictions.csv"))])
    assert comparison["probe_output_mean"].sort_index().tolist() == pytest.approx(
        probes.groupby(jobs["model"].values)["output"].mean().sort_index().tolist(), rel=1e-12)
    assert comparison.loc["perceptron", "probe_output_mean"] == pytest.approx(0.5, abs=1e-6)


def test_the_report_says_what_was_swept_and_holds_the_comparison(sweep):
    folder, done = sweep
    report = (folder / "report.md").read_text()
    assert "model=perceptron,two_layer seed=0,1,2" in report
    assert "6 finished, 0 failed, 0 unfinished, 0 unreadable, 0 missing" in report
    assert "| perceptron |" in report and "| two_layer |" in report
    assert "report.md" in done.stdout
    comparison = pd.read_csv(folder / "comparison.csv").set_index("model")
    for model, row in comparison.iterrows():
        solved = int(round(row["success_rate"] * 3))
        assert f". **{model}**: learned the training set (accuracy 1.0) at {solved} of 3 seeds" in report
    # The notebook's answer, said as such: the perceptron is stuck at 0.5 whatever the seed.
    assert ("1. **perceptron**: learned the training set (accuracy 1.0) at 0 of 3 seeds (0%, 95% CI 0-56%); "
            "final error 0.5 at every seed; probe output 0.5 at every seed") in report
    # The notebook's printout: each model's median output on every row of XOR and the probe.
    rows = report.split("## Outputs on each row")[1].split("##")[0]
    assert "| input | target | perceptron | two_layer |" in rows
    assert [line.split(" | ")[0] for line in rows.splitlines() if line.startswith("| [")] == \
        ["| [0, 0, 1]", "| [0, 1, 1]", "| [1, 0, 1]", "| [1, 1, 1]", "| [1, 0, 0]"]
    pairs = pd.read_csv(folder / "pairs.csv")
    assert pairs[["a", "b", "setting"]].values.tolist() == [["perceptron", "two_layer", "model"]]
    assert "## Which differences are real" in report and (folder / "report.html").is_file()


def test_a_sweep_prints_a_progress_line_per_job_and_leaves_each_summary_to_its_run_log(sweep):
    folder, done = sweep
    progress = [line for line in done.stdout.splitlines() if line.startswith("[") and "/6]" in line]
    assert [line.split("]")[0] for line in progress] == [f"[{k}/6" for k in range(1, 7)]
    assert "run folder:" not in done.stdout and "probe [1, 0, 0] ->" not in done.stdout
    for job in folder.glob("*/run.log"):
        log = job.read_text()
        assert "final error" in log and f"run folder: {job.parent}" in log


PLOTS = ["error_curves.png", "final_error.png", "probe_output.png"]


def test_the_report_shows_the_sweeps_plots(sweep):
    folder, _ = sweep
    report = (folder / "report.md").read_text()
    for name in PLOTS:
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert f"]({name})" in report


def test_the_error_curves_are_the_seeds_histories_grouped_by_configuration(sweep):
    folder, _ = sweep
    runs = collect([folder])
    summary = runs.summary.assign(config=config_labels(runs.summary))
    assert sorted(summary["config"].unique()) == ["perceptron", "two_layer"]  # hidden follows model
    curves = error_curves(summary, runs.histories)
    for config, rows in summary.groupby("config"):
        iterations, error = curves[config]
        assert iterations[0] == 0 and iterations[-1] == 500
        assert error.shape == (3, len(iterations))
        # The last point of each seed's curve is that seed's final error.
        assert sorted(error[:, -1]) == pytest.approx(sorted(rows["final_error"]), rel=1e-12)


def test_labels_name_only_the_settings_that_tell_configurations_apart():
    rows = pd.DataFrame({"model": ["two_layer"] * 3, "data": ["xor"] * 3, "hidden": ["[1]", "[2]", "[8]"],
                         "iterations": [100] * 3, "lr": [1.0] * 3, "log_every": [10] * 3,
                         "threshold": [0.5] * 3})
    assert config_labels(rows).tolist() == ["hidden=[1]", "hidden=[2]", "hidden=[8]"]
    rows["lr"] = [1.0, 1.0, 0.5]
    assert config_labels(rows).tolist() == ["hidden=[1] lr=1.0", "hidden=[2] lr=1.0", "hidden=[8] lr=0.5"]


# joblib's report, pictures and all, is the parallel test's below.
@pytest.mark.parametrize("launcher", [["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=5"]])
def test_a_sweep_through_another_launcher_gets_the_same_report(tmp_path, launcher):
    folder = tmp_path / "sweep"
    done = run_cli("-m", *launcher, "model=perceptron,two_layer", "seed=0,1", "train.iterations=200", "plot=false",
                   f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    comparison = pd.read_csv(folder / "comparison.csv")
    assert comparison["model"].tolist() == ["perceptron", "two_layer"]
    assert comparison["n_seeds"].tolist() == [2, 2]
    jobs = pd.concat([pd.read_csv(f) for f in folder.glob("*/results.csv")])
    assert comparison["final_error_mean"].tolist() == pytest.approx(
        jobs.groupby("model")["final_error"].mean().tolist(), rel=1e-12)
    assert "4 finished, 0 failed, 0 unfinished, 0 unreadable, 0 missing" in (folder / "report.md").read_text()
    assert all((folder / name).exists() for name in PLOTS)
    assert f"report: {folder / 'report.md'}" in done.stdout  # shown by the process the user started


def test_parallel_jobs_number_themselves_and_a_failure_still_shows_the_report(tmp_path):
    folder = tmp_path / "sweep"
    done = run_cli("-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "model=perceptron,two_layer",
                   "seed=0,1", "train.iterations=100", f"hydra.sweep.dir={folder}", cwd=tmp_path,
                   env=crashing_at(tmp_path / "crash", 1))
    assert done.returncode == 1  # jobs failed, others ran
    progress = sorted(line.split("]")[0] + "]" for line in done.stdout.splitlines() if line.endswith(
        ("%", "crashed at seed 1")) and line.startswith("["))
    assert progress == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]  # each number once, though jobs ran at once
    assert "2 finished, 2 failed, 0 unfinished, 0 unreadable, 0 missing" in (folder / "report.md").read_text()
    # Hydra skips on_multirun_end after a failure, and the jobs' hooks ran in the workers.
    assert done.stdout.count(f"report: {folder / 'report.md'}") == 1
    assert done.stdout.count("did not finish: ") == 2  # the failed jobs, under the comparison
    assert all((folder / name).exists() for name in PLOTS)  # drawn by the worker that finished last


def test_ctrl_c_stops_a_sweep_without_a_traceback_and_says_how_to_report_it(tmp_path):
    folder = tmp_path / "sweep"
    process = subprocess.Popen(
        [sys.executable, "-m", "nnexp.run", "-m", "seed=range(20)", "train.iterations=20000",
         f"hydra.sweep.dir={folder}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stdout:  # wait for the first job to finish, then press Ctrl-C
        if line.startswith("[1/20]"):
            process.send_signal(signal.SIGINT)
            break
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert lines[0] == "nnexp: interrupted"
    n_done = len(list((folder / sweep_callback.DONE_FOLDER).iterdir()))  # the jobs whose hook ran
    assert 1 <= n_done < 20
    assert lines[1] == (f"nnexp: {n_done} of 20 jobs had finished when the sweep stopped; "
                        f"python -m nnexp.report {folder} reports them; python -m nnexp.run -m 'seed=range(20)' "
                        f"train.iterations=20000 hydra.sweep.dir={folder} resume=true completes the sweep")
    done = run_report(folder, cwd=tmp_path)
    assert done.returncode == 1  # the sweep is incomplete
    n_results = len(list(folder.glob("*/results.csv")))
    assert pd.read_csv(folder / "comparison.csv")["n_seeds"].tolist() == [n_results]


def test_jobs_finishing_together_in_many_processes_never_share_a_number(tmp_path):
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("fork")) as pool:
        numbers = list(pool.map(sweep_callback._finished_number, [tmp_path / "done"] * 200))
    assert sorted(numbers) == list(range(1, 201))


def test_replicas_give_the_rows_of_separate_seed_jobs(sweep, tmp_path):
    """`-m model=perceptron,two_layer replicas=5`: two jobs, five seeds each, and for seeds 0 to 2
    the very numbers the fixture's separate jobs (seed=0,1,2) wrote."""
    folder, _ = sweep
    batched = tmp_path / "batched"
    done = run_cli("-m", "report_plots=false", "model=perceptron,two_layer", "replicas=5", "train.iterations=500",
                   f"hydra.sweep.dir={batched}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "[2/2] model=two_layer replicas=5" in done.stdout and "(means over 5 seeds)" in done.stdout
    comparison = pd.read_csv(batched / "comparison.csv").set_index("model")
    assert comparison["n_seeds"].tolist() == [5, 5]
    numbers = ["final_error", "final_mse", "train_accuracy", "probe_output"]
    rows = pd.read_csv(batched / "summary.csv").set_index(["model", "seed"])[numbers]
    separate = pd.read_csv(folder / "summary.csv").set_index(["model", "seed"])[numbers]
    assert len(rows) == 10
    pd.testing.assert_frame_equal(rows.loc[separate.index], separate, check_exact=True)


def test_report_rebuilt_from_disk_lists_a_deleted_job_as_missing(sweep, tmp_path):
    folder, _ = sweep
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (deleted,) = copy.glob("4_*")
    shutil.rmtree(deleted)
    for generated in ("summary.csv", "comparison.csv", "report.md"):
        (copy / generated).unlink()
    done = run_report(copy, cwd=tmp_path)
    assert done.returncode == 1  # incomplete sweep
    assert "missing: model=two_layer seed=1 train.iterations=500" in done.stdout
    comparison = pd.read_csv(copy / "comparison.csv").set_index("model")
    assert comparison.loc["two_layer", "n_seeds"] == 2
    assert comparison.loc["perceptron", "n_seeds"] == 3
    report = (copy / "report.md").read_text()
    assert "- `model=two_layer seed=1 train.iterations=500 plot=False`" in report  # under "Missing jobs"
    # One command completes the sweep in its own folder; no per-job command runs elsewhere.
    assert (f"`python -m nnexp.run -m model=perceptron,two_layer seed=0,1,2 train.iterations=500 plot=false "
            f"hydra.sweep.dir={copy} resume=true`") in report
    assert "rerun" not in report


def test_a_run_without_results_is_listed_as_unfinished(sweep, tmp_path):
    folder, _ = sweep
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (broken,) = copy.glob("0_*")
    (broken / "results.csv").unlink()
    # Without its manifest, as a run made before manifests: with one that says finished, a
    # missing results.csv is unreadable (tests/test_runs.py).
    (broken / "manifest.json").unlink(missing_ok=True)
    done = run_report(copy, cwd=tmp_path)
    assert done.returncode == 1
    assert f"did not finish: {broken.name}" in done.stdout
    report = (copy / "report.md").read_text()
    assert broken.name in report
    assert "Runs: 5 finished, 0 failed, 1 unfinished, 0 unreadable, 0 missing" in report  # not called failed


def test_report_prints_each_configuration_and_a_table_within_an_80_column_terminal(sweep, tmp_path, capsys,
                                                                                    monkeypatch):
    folder, _ = sweep
    shutil.copytree(folder, tmp_path / "copy")
    monkeypatch.setenv("COLUMNS", "80")
    assert report.main([str(tmp_path / "copy")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines[:-1]) <= 80  # the last line is the report's path
    assert lines[0] == "1. perceptron"
    assert lines[1].startswith("   learned the training set (accuracy 1.0) at 0 of 3 seeds (0%, 95% CI 0-56%)")
    assert "2. two_layer" in lines
    header = [line.split() for line in lines].index(["learned", "final", "error", "epochs", "to", "fit"])
    assert [line.split()[0] for line in lines[header + 1:header + 3]] == ["1", "2"]  # rows numbered as above
    assert "shared by every row: data=xor, iterations=500, lr=1.0, log_every=100, threshold=0.5" in \
        " ".join(line.strip() for line in lines)
    assert any(line.startswith("differences real at the 5% level:") for line in lines)


def test_report_on_a_single_run_folder(tmp_path):
    run_dir = tmp_path / "run"
    assert run_cli("train.iterations=100", f"hydra.run.dir={run_dir}", cwd=tmp_path).returncode == 0
    done = run_report(run_dir, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(run_dir / "comparison.csv")["n_seeds"].tolist() == [1]


def test_report_lists_a_failed_job_with_its_reason(tmp_path):
    # A failed job keeps its folder, and error.txt says why it has no results.
    folder = tmp_path / "sweep"
    run_cli("-m", "report_plots=false", "seed=0,1", "train.iterations=100", f"hydra.sweep.dir={folder}", cwd=tmp_path,
            env=crashing_at(tmp_path / "crash", 1))
    done = run_report(folder, cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("did not finish: 1_")]
    assert line.endswith(": RuntimeError: crashed at seed 1")
    assert "missing:" not in done.stdout  # the job's folder is matched to the job multirun.yaml asks for
    assert pd.read_csv(folder / "comparison.csv")["n_seeds"].tolist() == [1]


def test_a_sweep_with_a_bad_value_in_one_job_is_refused_before_any_job_runs(tmp_path):
    folder = tmp_path / "sweep"
    done = run_cli("-m", "model=two_layer", "threshold=0.5,1.5,0.25", "train.iterations=100",
                   f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "nnexp: Job 1 (model=two_layer threshold=1.5 train.iterations=100) would be refused, so no job ran: "
        "The 'threshold' parameter must be a float in the open range (0, 1). Got 1.5 instead."]
    assert not folder.exists()  # nothing to resume: the corrected command starts afresh
    # A value that only a combination makes wrong is found too, and so is an interpolation.
    done = run_cli("-m", "train.optimizer=sgd,adam", "train.momentum=0.9", f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert done.returncode == 2 and "Job 1 (train.optimizer=adam train.momentum=0.9)" in done.stderr
    done = run_cli("-m", "seed=0,${nope}", f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert done.returncode == 2 and "Interpolation key 'nope' not found" in done.stderr
    # Two jobs of one config would be one seed counted twice: refused, report_plots being no difference.
    done = run_cli("-m", "train.lr=0.5,5e-1", "report_plots=true,false", f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert done.returncode == 2 and "of the same config" in done.stderr and not folder.exists()
    assert not folder.exists()
    # What resolves in the job resolves in the check: Hydra's own values, job number included.
    done = run_cli("-m", "report_plots=false", "seed=${hydra:job.num}", "data=xor,and", "train.iterations=20", "plot=false",
                   f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(pd.read_csv(folder / "summary.csv")["seed"]) == [0, 1]


def test_a_sweep_over_an_interpolation_is_reported_as_typed(tmp_path):
    folder = tmp_path / "sweep"
    done = run_cli("-m", "report_plots=false", "seed=0,1", "train.log_every=${train.iterations}", "train.iterations=30",
                   f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = (folder / "report.md").read_text()
    # Quoted for the shell, so that pasting it reruns the very sweep ($ would be expanded).
    assert "python -m nnexp.run -m seed=0,1 'train.log_every=${train.iterations}' train.iterations=30" in report
    assert "2 finished, 0 failed, 0 unfinished, 0 unreadable, 0 missing" in report
    assert pd.read_csv(folder / "summary.csv")["log_every"].tolist() == [30, 30]


@pytest.mark.parametrize("make_path", [lambda p: p / "nowhere", lambda p: p])
def test_report_refuses_a_path_with_no_runs_in_one_line(tmp_path, make_path):
    done = run_report(make_path(tmp_path), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnexp.report: ") and str(tmp_path) in lines[0]


def test_a_failing_job_does_not_sink_the_sweep(tmp_path):
    folder = tmp_path / "sweep"
    done = run_cli("-m", "report_plots=false", "model=two_layer", "seed=0,1,2", "train.iterations=100",
                   f"hydra.sweep.dir={folder}", cwd=tmp_path, env=crashing_at(tmp_path / "crash", 1))
    assert done.returncode == 1  # a job failed; the others ran (2 would say nothing ran)
    assert done.stderr.strip().splitlines() == [  # one line: not Hydra's, and not the job's error as a refusal
        "nnexp: 1 of 3 jobs failed (the first: RuntimeError: crashed at seed 1); the others ran, and the "
        "sweep's report lists every failed job with the command that completes the sweep"]
    assert "Traceback" not in done.stderr
    assert "[2/3] model=two_layer seed=1 train.iterations=100 FAILED: RuntimeError" in done.stdout
    assert "[3/3] model=two_layer seed=2" in done.stdout  # the job after it still ran
    assert len(list(folder.glob("*/results.csv"))) == 2
    report = (folder / "report.md").read_text()
    assert "2 finished, 1 failed, 0 unfinished, 0 unreadable, 0 missing" in report
    assert "crashed at seed 1" in report
    assert (f"`python -m nnexp.run -m model=two_layer seed=0,1,2 train.iterations=100 "
            f"hydra.sweep.dir={folder} resume=true`") in report
    assert "complete the sweep: python -m nnexp.run -m model=two_layer" in done.stdout
    assert pd.read_csv(folder / "comparison.csv")["n_seeds"].sum() == 2


def test_report_over_two_sweeps_keeps_their_jobs_apart(sweep, tmp_path):
    folder, _ = sweep
    shutil.copytree(folder, tmp_path / "a")
    shutil.copytree(folder, tmp_path / "b")
    a_report = (tmp_path / "a" / "report.md").read_bytes()
    refused = run_report(tmp_path / "a", tmp_path / "b", cwd=tmp_path)
    assert refused.returncode == 2  # the pooled tables would replace sweep a's own
    assert refused.stderr.strip().endswith(f"which would otherwise replace {tmp_path / 'a'}'s own")
    assert (tmp_path / "a" / "report.md").read_bytes() == a_report
    done = run_report(tmp_path / "a", tmp_path / "b", "--out", tmp_path / "both", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(tmp_path / "both" / "summary.csv")
    assert len(summary) == 12 and summary["run"].nunique() == 12
    assert summary["probe_output"].notna().all()
    assert pd.read_csv(tmp_path / "both" / "comparison.csv")["n_seeds"].tolist() == [6, 6]
    report_md = (tmp_path / "both" / "report.md").read_text()  # each seed twice, and the report says so
    assert "## Seeds trained more than once" in report_md
    assert "- perceptron, seed 0: `0_model=perceptron,plot=False,seed=0,train.iterations=500`, " in report_md
    assert len(repeated_seeds(summary)) == 6


def test_a_sweep_with_nested_job_folders_still_gets_its_report(tmp_path):
    folder = tmp_path / "sweep"
    done = run_cli("-m", "report_plots=false", "model=perceptron,two_layer", "train.iterations=50", "hydra.sweep.subdir=jobs/${hydra.job.num}",
                   f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "[2/2] model=two_layer" in done.stdout
    assert pd.read_csv(folder / "comparison.csv")["model"].tolist() == ["perceptron", "two_layer"]


@pytest.mark.parametrize("value, text", [(0.9995, "0.9995"), (0.99999, "0.99999"), (0.5, "0.5"),
                                         (0.0032781, "0.00328"), (1.0, "1"), (0.998, "0.998")])
def test_a_sigmoid_output_short_of_1_is_never_shown_as_1(value, text):
    assert glance._short(value) == text


def test_a_bar_in_a_name_never_shifts_the_report_tables_columns():
    from nnexp.glance import markdown

    table = pd.DataFrame({"data": ["p|q", "two\nlines"], "n_seeds": [1, 2]})
    lines = markdown(table).splitlines()
    assert lines[2] == "| p\\|q | 1 |" and lines[3] == "| two lines | 2 |"
