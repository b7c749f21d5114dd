"""resume=true completes a sweep in its folder: finished jobs untouched, the others run again."""

import hashlib
import json
import re
import shutil

import pandas as pd
import pytest

from conftest import run_cli

SWEEP = ["report_plots=false", "model=perceptron,two_layer", "seed=0,1", "train.iterations=200", "plot=false"]


def _files(folder):
    """{path: (bytes, mtime)} of every file below `folder` but the sweep's lock (which says who holds it)."""
    return {file: (file.read_bytes(), file.stat().st_mtime_ns) for file in folder.rglob("*")
            if file.is_file() and file.name != ".nnexp_sweep"}


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("resume")
    done = run_cli("-m", "report_plots=false", *SWEEP, f"hydra.sweep.dir={root / 'sweep'}", cwd=root)
    assert done.returncode == 0, done.stderr
    return root / "sweep"


def _jobs(sweep):
    return sorted((path for path in sweep.iterdir() if path.is_dir() and not path.name.startswith(".")),
                  key=lambda path: int(path.name.split("_")[0]))


# Jobs in this process, and in others (submitit's; joblib's workers are others as well).
@pytest.mark.parametrize("launcher", [[], ["hydra/launcher=submitit_local"]], ids=["basic", "submitit"])
def test_resume_skips_finished_jobs_untouched_and_completes_the_rest(finished_sweep, tmp_path, launcher):
    sweep = tmp_path / "sweep"
    shutil.copytree(finished_sweep, sweep)
    first, failed, interrupted, missing = _jobs(sweep)
    (failed / "results.csv").unlink()  # a job that failed: its error, no results
    (failed / "error.txt").write_text("RuntimeError: the node died\n")
    (interrupted / "results.csv").unlink()  # a job stopped half way: manifest says running
    record = json.loads((interrupted / "manifest.json").read_text())
    # Its process is gone (no pid is this large): killed, so resuming may run it again.
    (interrupted / "manifest.json").write_text(json.dumps(record | {"status": "running", "pid": 999_999_999}))
    shutil.rmtree(missing)  # a job that never started
    untouched = _files(first)

    done = run_cli("-m", "report_plots=false", *launcher, *SWEEP, f"hydra.sweep.dir={sweep}", "resume=true", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (f"nnexp: 3 of 4 jobs (the others finished before) into {sweep}; "
                                           f"the report will be {sweep / 'report.md'}")
    if "submitit" not in " ".join(launcher):  # submitit's jobs print into their own logs
        assert sorted(re.findall(r"^\[\d+/\d+\]", done.stdout, re.MULTILINE)) == ["[2/4]", "[3/4]", "[4/4]"]
    assert _files(first) == untouched  # not a byte, not a time stamp
    assert [job.name for job in _jobs(sweep)] == [job.name for job in _jobs(finished_sweep)]
    for job in (failed, interrupted, missing):
        assert not (job / "error.txt").exists()
        assert json.loads((job / "manifest.json").read_text())["status"] == "finished"
        assert "resume" not in (job / ".hydra" / "overrides.yaml").read_text()  # the job, not how it ran
    # The very numbers of the uninterrupted sweep: same configs, same seeds.
    columns = ["model", "seed", "final_error", "train_accuracy"]
    assert pd.read_csv(sweep / "summary.csv")[columns].sort_values(["model", "seed"]).reset_index(drop=True).equals(
        pd.read_csv(finished_sweep / "summary.csv")[columns].sort_values(["model", "seed"]).reset_index(drop=True))
    assert "4 finished, 0 failed" in (sweep / "report.md").read_text()


def test_resume_of_a_finished_sweep_runs_nothing_and_rewrites_its_report(finished_sweep, tmp_path):
    sweep = tmp_path / "sweep"
    shutil.copytree(finished_sweep, sweep)
    (sweep / "report.md").unlink()
    jobs = {job: _files(job) for job in _jobs(sweep)}
    done = run_cli("-m", "report_plots=false", *SWEEP, f"hydra.sweep.dir={sweep}", "resume=true", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"nnexp: all 4 jobs in {sweep} had finished: nothing to run; the report is rewritten" in done.stdout
    assert {job: _files(job) for job in _jobs(sweep)} == jobs
    assert (sweep / "report.md").exists() and f"report: {sweep / 'report.md'}" in done.stdout


def test_resume_refuses_another_sweep_in_the_folder(finished_sweep, tmp_path):
    done = run_cli("-m", "report_plots=false", "model=perceptron,two_layer", "seed=0,1,2", "train.iterations=200", "plot=false",
                   f"hydra.sweep.dir={finished_sweep}", "resume=true", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"nnexp: {finished_sweep} holds another sweep (`model=perceptron,two_layer seed=0,1 train.iterations=200 "
        "plot=false`); resume=true completes the sweep a folder holds, so give the same overrides, or choose a "
        "new hydra.sweep.dir.")


def test_resume_never_overwrites_a_finished_run_of_another_config(finished_sweep, tmp_path):
    sweep = tmp_path / "sweep"
    shutil.copytree(finished_sweep, sweep)
    job = _jobs(sweep)[0]
    # As if conf/ had changed since: the job's saved config says lr 0.5, the command composes 1.0.
    config = job / ".hydra" / "config.yaml"
    config.write_text(config.read_text().replace("lr: 1.0", "lr: 0.5"))
    results = pd.read_csv(job / "results.csv").assign(lr=0.5)
    results.to_csv(job / "results.csv", index=False)
    record = json.loads((job / "manifest.json").read_text())
    record["config_sha256"] = hashlib.sha256(config.read_bytes()).hexdigest()
    record["config"]["train"]["lr"] = 0.5
    record["files"]["results.csv"] = hashlib.sha256((job / "results.csv").read_bytes()).hexdigest()
    (job / "manifest.json").write_text(json.dumps(record))
    before = _files(sweep)
    done = run_cli("-m", "report_plots=false", *SWEEP, f"hydra.sweep.dir={sweep}", "resume=true", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"nnexp: {job} holds a finished run of another config (train.lr: 0.5 then, 1.0 now); resume=true never "
        "overwrites finished results. Choose a new hydra.sweep.dir.")
    assert _files(sweep) == before


@pytest.mark.parametrize("where, message", [
    ("none", "nnexp: resume=true completes the sweep in a folder: name it with hydra.sweep.dir=FOLDER."),
    ("empty", "nnexp: {folder} holds no sweep to resume (no multirun.yaml); resume=true completes the sweep "
              "in hydra.sweep.dir."),
])
def test_resume_needs_the_folder_of_a_sweep(tmp_path, where, message):
    folder = tmp_path / "nothing"
    folder.mkdir()
    given = [] if where == "none" else [f"hydra.sweep.dir={folder}"]
    done = run_cli("-m", "report_plots=false", "seed=0,1", "train.iterations=10", *given, "resume=true", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == message.format(folder=folder)
    assert list(tmp_path.iterdir()) == [folder] and list(folder.iterdir()) == []


def test_the_command_that_completes_a_sweep_keeps_its_job_folders(tmp_path):
    sweep = tmp_path / "sweep"
    done = run_cli("-m", "report_plots=false", "seed=0,1,2", "train.iterations=50", "plot=false", f"hydra.sweep.dir={sweep}",
                   "hydra.sweep.subdir=job${hydra.job.num}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shutil.rmtree(sweep / "job2")
    report = run_cli("-m", "report_plots=false", "seed=0,1,2", "train.iterations=50", "plot=false", f"hydra.sweep.dir={sweep}",
                     "hydra.sweep.subdir=job${hydra.job.num}", "resume=true", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    from nnexp.collect import read_sweep

    command = read_sweep(sweep).resume_command
    assert "'hydra.sweep.subdir=job${hydra.job.num}'" in command
    assert sorted(path.name for path in sweep.iterdir() if not path.name.startswith(".")
                  and path.is_dir()) == ["job0", "job1", "job2"]


@pytest.mark.parametrize("holder", ["this process", "another host"])
def test_resume_refuses_a_job_that_may_still_be_running(finished_sweep, tmp_path, holder):
    import os
    import socket

    sweep = tmp_path / "sweep"
    shutil.copytree(finished_sweep, sweep)
    job = _jobs(sweep)[1]
    (job / "results.csv").unlink()
    record = json.loads((job / "manifest.json").read_text())
    running = {"status": "running", "pid": os.getpid(), "hostname": socket.gethostname()} if holder == "this process" \
        else {"status": "running", "pid": 1, "hostname": "node-elsewhere"}
    (job / "manifest.json").write_text(json.dumps(record | running))
    before = _files(sweep)
    done = run_cli("-m", "report_plots=false", *SWEEP, f"hydra.sweep.dir={sweep}", "resume=true", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().startswith(f"nnexp: Job 1 may still be running ({job}: manifest.json says running")
    assert _files(sweep) == before
