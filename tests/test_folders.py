"""One run per folder, one sweep per sweep folder, claimed before anything is written into them."""

import json
import multiprocessing
import subprocess
import sys

import pandas as pd
import pytest

from conftest import run_cli
from nnexp import folders, manifest


def _claim(path):
    return str(folders.claim_run_folder(path, named_by_user=False)[0])


def test_runs_claiming_one_folder_name_at_once_each_get_a_folder_of_their_own(tmp_path):
    name = tmp_path / "outputs" / "day" / "12-00-00_two_layer_xor"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        claimed = pool.map(_claim, [name] * 24)
    assert len(set(claimed)) == 24
    assert sorted(claimed) == sorted([str(name)] + [f"{name}-{k}" for k in range(2, 25)])
    for folder in claimed:
        assert json.loads((tmp_path / folder / "manifest.json").read_text())["status"] == "running"


def test_four_runs_started_at_once_land_in_four_folders_each_with_its_own_seed(tmp_path):
    processes = [subprocess.Popen([sys.executable, "-m", "nnexp.run", f"seed={seed}", "train.iterations=3000",
                                   "plot=false" if seed == 1 else "plot=true"],
                                  cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for seed in range(4)]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0, 0], outputs
    runs = sorted((tmp_path / "outputs").glob("*/*"))
    assert len(runs) == 4
    seeds = {}
    for run in runs:
        results = pd.read_csv(run / "results.csv")
        (seed,) = results["seed"]
        seeds[seed] = run
        assert pd.read_csv(run / "history.csv")["seed"].unique().tolist() == [seed]
        assert f"seed {seed}:" in (run / "run.log").read_text()
        assert (run / "error_curve.png").exists() == (seed != 1)  # no run's picture in another's folder
        assert json.loads((run / "manifest.json").read_text())["status"] == "finished"
    assert sorted(seeds) == [0, 1, 2, 3]
    for seed, (stdout, _) in enumerate(outputs):
        assert stdout.strip().splitlines()[-1] == f"run folder: {seeds[seed]}"


def test_a_folder_that_holds_a_run_is_refused_and_left_as_it_was(tmp_path):
    run_dir = tmp_path / "run"
    assert run_cli("seed=1", "train.iterations=100", f"hydra.run.dir={run_dir}", cwd=tmp_path).returncode == 0
    before = {file: file.read_bytes() for file in run_dir.rglob("*") if file.is_file()}
    done = run_cli("seed=2", "train.iterations=100", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"nnexp: {run_dir} already holds another run; each folder holds exactly one run. "
                                   "Choose a new hydra.run.dir, or leave it out for a folder of its own.")
    assert {file: file.read_bytes() for file in run_dir.rglob("*") if file.is_file()} == before


def test_a_run_folder_that_cannot_be_created_is_said_in_one_line(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    done = run_cli("train.iterations=10", f"hydra.run.dir={tmp_path / 'file' / 'run'}", cwd=tmp_path)
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"nnexp: Cannot create the folder {tmp_path / 'file' / 'run'}: ")


def test_two_sweeps_into_one_folder_do_not_mix(tmp_path):
    folder = tmp_path / "sweep"
    first = run_cli("-m", "report_plots=false", "plot=false", "seed=0,1", "train.iterations=100", f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    report = (folder / "report.md").read_bytes()
    second = run_cli("-m", "report_plots=false", "plot=false", "seed=2,3,4", "train.iterations=100", f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert second.returncode == 2
    assert second.stderr.strip() == (f"nnexp: {folder} already holds a sweep. Add resume=true to complete it "
                                     "(its finished jobs are kept), or choose a new hydra.sweep.dir.")
    assert (folder / "report.md").read_bytes() == report
    assert sorted(pd.read_csv(folder / "summary.csv")["seed"]) == [0, 1]


def test_a_live_sweep_folder_cannot_be_claimed_again_even_to_resume(tmp_path):
    sweep, _ = folders.claim_sweep_folder(tmp_path / "sweep", named_by_user=True, resume=False)
    (sweep / "multirun.yaml").write_text("hydra: {}\n")
    script = ("import sys; from pathlib import Path; from nnexp import folders\n"
              "try:\n    folders.claim_sweep_folder(Path(sys.argv[1]), True, True)\n"
              "except folders.FolderError as error:\n    print(error)")
    done = subprocess.run([sys.executable, "-c", script, str(sweep)], capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith(f"A sweep is still running in {sweep} (process ")


def test_sweeps_started_in_the_same_second_get_folders_of_their_own(tmp_path):
    name = tmp_path / "outputs" / "12-00-00_sweep"
    first, _ = folders.claim_sweep_folder(name, named_by_user=False, resume=False)
    second, _ = folders.claim_sweep_folder(name, named_by_user=False, resume=False)
    assert (first, second) == (name, name.with_name("12-00-00_sweep-2"))


@pytest.mark.parametrize("text, expected", [
    ("model=mlp,seed=1", "model=mlp,seed=1"),
    ("data.name=../../etc", "data.name=.._.._etc"),
    ("..", "__"),
    ("", "_"),
])
def test_folder_names_never_hold_a_path(text, expected):
    assert folders.safe_name(text) == expected


def test_long_folder_names_are_shortened_and_stay_distinct():
    a, b = folders.safe_name("model.hidden=" + "[8]" * 200), folders.safe_name("model.hidden=" + "[8]" * 201)
    assert a != b
    assert len(a.encode()) <= folders.MAX_NAME and len(b.encode()) <= folders.MAX_NAME
    assert a.startswith("model.hidden=[8][8]")


def test_a_sweep_with_a_long_override_gets_a_short_job_folder_inside_its_sweep(tmp_path):
    folder = tmp_path / "sweep"
    name = "x" * 300
    done = run_cli("-m", "report_plots=false", "plot=false", f"model.name={name},two_layer", "model.hidden=[2]", "train.iterations=10",
                   f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    jobs = sorted(path for path in folder.iterdir() if path.is_dir() and not path.name.startswith("."))
    assert len(jobs) == 2 and all(len(job.name.encode()) <= len("0_") + folders.MAX_NAME for job in jobs)
    assert sorted(pd.read_csv(folder / "summary.csv")["model"]) == sorted([name, "two_layer"])


def test_a_sweep_with_hydra_job_chdir_still_gets_its_report(tmp_path):
    folder = "sweep"  # relative: each job's working directory is its own folder
    done = run_cli("-m", "report_plots=false", "plot=false", "seed=0,1", "train.iterations=10", "hydra.job.chdir=true", f"hydra.sweep.dir={folder}",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(tmp_path / folder / "comparison.csv")["n_seeds"].tolist() == [2]
    assert f"report: {tmp_path / folder / 'report.md'}" in done.stdout


def test_a_manifest_says_what_ran_where_and_how_it_ended(tmp_path):
    done = run_cli("seed=3", "train.iterations=10", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert record["command"] == f"python -m nnexp.run seed=3 train.iterations=10 hydra.run.dir={tmp_path / 'run'}"
    assert record["status"] == "finished" and record["wall_seconds"] > 0
    assert record["config_sha256"] == manifest.config_digest(tmp_path / "run")
    assert set(record["versions"]) == {"python", *manifest.LIBRARIES}
    assert record["git"] is None or len(record["git"]["commit"]) == 40
    assert record["nnexp_version"] and record["hostname"] and record["started"] < record["ended"]


def _small_files():
    """In the child: files may not grow past 20 kB (what a full disk does to a write, in one
    process), and the signal that would kill the process for it is ignored, as for a disk."""
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


def test_a_write_that_fails_half_way_is_said_in_one_line_and_leaves_no_half_file(tmp_path):
    run_dir = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "nnexp.run", "train.iterations=20000", "train.log_every=10",
                           f"hydra.run.dir={run_dir}"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, preexec_fn=_small_files)
    assert done.returncode == 1
    assert done.stderr.strip() == f"nnexp: Cannot write {run_dir / 'history.csv'}: File too large."
    assert sorted(path.name for path in run_dir.iterdir()) == [".hydra", "error.txt", "manifest.json", "run.log"]
    record = json.loads((run_dir / "manifest.json").read_text())
    assert record["status"] == "failed" and "File too large" in record["error"]


def test_sigterm_stops_a_run_like_ctrl_c_and_its_manifest_says_interrupted(tmp_path):
    import signal
    import time

    run_dir = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "nnexp.run", "train.iterations=50000000", "train.log_every=100000",
                                f"hydra.run.dir={run_dir}"], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (run_dir / ".hydra" / "config.yaml").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # into the training loop
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143
    assert stderr.strip() == "nnexp: terminated"
    assert json.loads((run_dir / "manifest.json").read_text())["status"] == "interrupted"
    assert not (run_dir / "results.csv").exists()


def test_the_manifest_names_nnexps_own_commit_never_a_repository_it_is_installed_in(tmp_path, monkeypatch):
    import nnexp

    project = tmp_path / "project"
    installed = project / ".venv" / "site-packages" / "nnexp"
    installed.mkdir(parents=True)
    (installed / "__init__.py").write_text("")
    (project / "README.md").write_text("a user's project\n")
    git = ["git", "-C", str(project), "-c", "user.name=u", "-c", "user.email=u@example.org"]
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    subprocess.run([*git, "add", "README.md"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "project"], check=True)
    monkeypatch.setattr(nnexp, "__file__", str(installed / "__init__.py"))
    assert manifest.git_state.__wrapped__() is None


def test_a_sweep_whose_report_cannot_be_written_fails_in_one_line(tmp_path):
    folder = tmp_path / "sweep"
    # Job folders under `report.md/`: a folder, so the report cannot be written where it belongs.
    done = run_cli("-m", "report_plots=false", "plot=false", "seed=0,1", "train.iterations=10", f"hydra.sweep.dir={folder}",
                   "hydra.sweep.subdir=report.md/${hydra.job.num}", cwd=tmp_path)
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("nnexp: every job finished, but its report could not be written (")
    assert line.endswith(f"python -m nnexp.report {folder} rebuilds the report")
    assert "report:" not in done.stdout  # no report is announced that is not there


@pytest.mark.parametrize("mistake", ["model=resnet,mlp", "train.iters=1,2"])
def test_a_sweep_refused_before_any_job_leaves_no_folder_to_block_the_corrected_command(tmp_path, mistake):
    folder = tmp_path / "sweep"
    done = run_cli("-m", "report_plots=false", "plot=false", mistake, "train.iterations=10", f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert done.returncode == 2
    assert not folder.exists()
    assert run_cli("-m", "report_plots=false", "plot=false", "model=perceptron,mlp", "train.iterations=10", f"hydra.sweep.dir={folder}",
                   cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("subdir", [
    "${hydra.job.num}_${nnexp.name:${hydra.job.override_dirname}}", "jobs/${hydra.job.num}", "job${hydra.job.num}",
])
def test_a_job_folder_pattern_that_keeps_jobs_apart_and_inside_is_accepted(subdir):
    assert folders.check_subdir(subdir) is None


@pytest.mark.parametrize("subdir", [
    "${hydra.job.num}/${data.name}",  # data.name=../../victim
    "${nnexp.name:'{'}${hydra.job.num}/../../victim",  # a quoted brace hiding what follows
    "${nnexp.name:${oc.select:seed,${hydra.job.num}}}",  # the number never used: jobs share a folder
    "${hydra.job.id}",  # submitit's ids change from one launch to the next: resume could not find them
    "1${hydra.job.num}", "${hydra.job.num}${nnexp.name:${hydra.job.override_dirname}}",  # job 1 could read as 11
    "../${hydra.job.num}", "/tmp/${hydra.job.num}", "${oc.env:HOME}/${hydra.job.num}",
])
def test_a_job_folder_pattern_that_could_leave_the_sweep_or_share_a_folder_is_refused(subdir):
    assert folders.check_subdir(subdir) is not None


def test_a_job_folder_pattern_that_escapes_is_refused_before_any_job_writes(tmp_path):
    victim = tmp_path / "victim"
    assert run_cli("train.iterations=10", f"hydra.run.dir={victim}", cwd=tmp_path).returncode == 0
    before = {file: file.read_bytes() for file in victim.rglob("*") if file.is_file()}
    done = run_cli("-m", "report_plots=false", "plot=false", "seed=0", "train.iterations=10", f"hydra.sweep.dir={tmp_path / 'sweep'}",
                   "hydra.sweep.subdir=${hydra.job.num}/../../victim", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().startswith("nnexp: The 'hydra.sweep.subdir' parameter must name a folder inside")
    assert {file: file.read_bytes() for file in victim.rglob("*") if file.is_file()} == before
    assert not (tmp_path / "sweep").exists()
