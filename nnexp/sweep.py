"""A sweep's progress: a line per finished job, and the sweep's report (nnexp.report) written once
every job it asked for has finished or failed. Driven by the Hydra callback (nnexp.callback).

The report is written when a job ends, not when the sweep does: with the joblib or submitit
launchers a job ends in its own process (on a cluster node, for SLURM), and a stopped sweep never
reaches its end. Each finished job takes a number, k of N, that no other job can take
(`_finished_number`); the job that takes N writes the report. The comparison is printed by the
process the user started, whichever launcher ran the jobs: there, after the last job, when the
sweep ends, or at the latest when the process exits.
"""

from __future__ import annotations

import atexit
import os
import sys
import time
from pathlib import Path

import pandas as pd

from nnexp.collect import Runs, read_sweep
from nnexp.folders import release_sweep_folder
from nnexp.report import write_report
from nnexp.report_console import print_comparison, print_problems, read_pairs
from nnexp.results import ERROR_FILE

# In a sweep folder: one empty file per finished job, named 1, 2, ..., in the order they finished.
DONE_FOLDER = ".nnexp_done"


class ReportNotWritten(Exception):
    """The sweep ran, but its report is not on disk. One line."""


class JobsFailed(Exception):
    """The sweep ran, and some of its jobs failed (each recorded in its folder). One line."""


class SweepProgress:
    """The progress of the sweeps this process started or runs jobs of, by sweep folder.

    Its state travels with the Hydra callback to the launchers' worker processes (pickled), where
    `job_end` runs; `start` and `end` run in the process the user started.
    """

    def __init__(self) -> None:
        self._main_pid: int | None = None  # set before launch, so worker processes inherit it
        self._created: list[Path] = []  # folders made for the sweep (release_sweep_folder)
        self._n_jobs: dict[Path, int] = {}
        self._plots: dict[Path, bool] = {}  # the sweep's report_plots, in the process that started it
        self._started = 0.0  # when this sweep started: an older report in its folder is not its own
        self._printed = False
        self.problem: str | None = None  # what went wrong with the report or a job's record, if anything
        self.problem_said = False  # by the sweep's end (nnexp.callback), so that exit says nothing more

    def start(self, sweep: Path, n_jobs: int, n_finished: int = 0, created: list[Path] = (),
              plots: bool = True) -> None:
        """A sweep of `n_jobs` jobs starts in `sweep`, `n_finished` of them finished already (a
        resumed sweep): they keep their numbers 1..n_finished, the jobs that run take the rest.
        `created`: the folders made for the sweep, removed again if no job ever starts. `plots`:
        the sweep's report_plots, which a resumed sweep's jobs (composed from the first run's
        overrides) may not have."""
        self._plots[sweep] = plots
        self._main_pid = os.getpid()
        self._created = list(created)
        done = sweep / DONE_FOLDER
        for file in done.glob("*") if done.is_dir() else []:
            file.unlink()
        done.mkdir(exist_ok=True)
        for k in range(1, n_finished + 1):
            (done / str(k)).touch()
        self._n_jobs[sweep] = n_jobs
        self._started = time.time()
        if n_finished == n_jobs:
            print(f"nnexp: all {n_jobs} jobs in {sweep} had finished: nothing to run; the report is rewritten",
                  flush=True)
        else:
            to_run = f"{n_jobs - n_finished} of {n_jobs} jobs (the others finished before)" if n_finished \
                else f"{n_jobs} jobs"
            print(f"nnexp: {to_run} into {sweep}; the report will be {sweep / 'report.md'}", flush=True)
        atexit.register(self._at_exit, sweep)

    def job_end(self, sweep: Path, run: Path, overrides: str, failure: str | None, plots: bool = True) -> None:
        """A job of `sweep` ended in folder `run`: say so, and write the report (with its pictures
        unless `plots` is false: report_plots=false) if it was the last."""
        if failure is not None:
            line = f"FAILED: {failure}"
        else:
            rows = pd.read_csv(run / "results.csv")
            line = f"final_error={rows['final_error'].mean():.4g} accuracy={rows['train_accuracy'].mean():.0%}"
            if len(rows) > 1:
                line += f" (means over {len(rows)} seeds)"
            for status in ("saturated", "diverged"):  # said where it shows, not only in the report
                n = int((rows["status"] == status).sum())
                if n:
                    line += f" {status.upper()} at {n} of {len(rows)} seeds: try a smaller train.lr"
        if sweep not in self._n_jobs:  # a worker that was not handed the count: read it from disk
            self._n_jobs[sweep] = len(read_sweep(sweep).jobs or [])
        n_jobs = self._n_jobs[sweep]
        n_done = _finished_number(sweep / DONE_FOLDER)
        # The report first: a console that is gone (`| head`, a closed terminal) must not cost it.
        written = self._write_report(sweep, self._plots.get(sweep, plots)) if n_done == n_jobs else None
        print(f"[{n_done}/{n_jobs}] {overrides} {line}", flush=True)
        if written is not None and os.getpid() == self._main_pid:
            self._print(*written, sweep)

    def n_jobs(self, sweep: Path) -> int:
        return self._n_jobs.get(sweep, 0)

    def write_and_print(self, sweep: Path, plots: bool = True) -> None:
        """Write the sweep's report now (a resumed sweep with nothing left to run) and show it."""
        written = self._write_report(sweep, plots)
        if written is not None:
            self._print(*written, sweep)

    def _write_report(self, sweep: Path, plots: bool = True) -> tuple[pd.DataFrame, Runs] | None:
        """Write the sweep's report: (comparison, what was read), or None, having said why: a
        sweep without its report has not done what it was asked, so the sweep then fails."""
        try:
            return write_report([sweep], plots=plots)
        except Exception as error:  # noqa: BLE001 -- any failure: the jobs' files are still whole
            self.problem = f"its report could not be written ({type(error).__name__}: {error})"
            if os.getpid() != self._main_pid:  # a worker: the process the user started cannot know
                print(f"nnexp: the sweep's report could not be written ({type(error).__name__}: {error}); "
                      f"python -m nnexp.report {sweep} retries it", file=sys.stderr, flush=True)
            return None

    def end(self, sweep: Path) -> bool:
        """The sweep ended. If its jobs ran in other processes, show their report here; False if
        there is none to show (the report failed or was never written)."""
        return self._print_if_written(sweep)

    def _print_if_written(self, sweep: Path) -> bool:
        """Show the report a job of this sweep wrote, unless shown already; False if there is none.
        report.md is written last: only a report.md of this sweep's own says the report is whole."""
        report = sweep / "report.md"
        if not self._printed and report.is_file() and report.stat().st_mtime >= self._started:
            self._print(pd.read_csv(sweep / "comparison.csv"), None, sweep)
            for error in sorted(sweep.rglob(ERROR_FILE)):  # jobs that failed in other processes
                print(f"did not finish: {error.parent.relative_to(sweep)}: {error.read_text().strip()}")
        return self._printed

    def _at_exit(self, sweep: Path) -> None:
        """The sweep's last word in the process the user started, if no hook had it: the report
        that a job in another process wrote, or, for a sweep stopped early (Ctrl-C, or a failure
        of nnexp's own hooks), how to report and complete it."""
        if os.getpid() != self._main_pid or self.problem_said:
            return
        if release_sweep_folder(sweep, self._created):  # refused before any job: leave nothing
            return
        try:
            if self.problem:  # the sweep stopped before on_multirun_end, which says it
                print(f"nnexp: {self.problem}; python -m nnexp.report {sweep} rebuilds the report",
                      file=sys.stderr, flush=True)
                return
            if self._print_if_written(sweep):
                return
            n_jobs = self._n_jobs[sweep]
            done = sweep / DONE_FOLDER
            n_done = len(os.listdir(done)) if done.is_dir() else 0
            if n_done == n_jobs:
                print(f"nnexp: all {n_jobs} jobs finished, but the sweep stopped before its report; "
                      f"python -m nnexp.report {sweep} writes it", file=sys.stderr, flush=True)
            else:
                reported = f"python -m nnexp.report {sweep} reports them; " if n_done else ""
                sweep_read = read_sweep(sweep)
                resume = f"{sweep_read.resume_command} completes the sweep" if sweep_read and sweep_read.resume_command \
                    else f"resume=true with hydra.sweep.dir={sweep} completes the sweep"
                print(f"nnexp: {n_done} of {n_jobs} jobs had finished when the sweep stopped; {reported}{resume}",
                      file=sys.stderr, flush=True)
        except OSError:  # the console or the folder is gone: nothing left to say it with
            pass

    def _print(self, comparison: pd.DataFrame, runs: Runs | None, sweep: Path) -> None:
        """The comparison on the console, and, when this process read the runs, what the report
        warns about (mixed versions, seeds counted twice, runs it could not read)."""
        self._printed = True
        print_comparison(comparison, read_pairs(sweep))
        if runs is not None:
            print_problems(runs)
        print(f"report: {sweep / 'report.md'}", flush=True)


def _finished_number(folder: Path) -> int:
    """This job's place among the sweep's finished jobs, 1 for the first: the smallest k whose
    file `folder/k` it creates. Creating a file that must not exist (O_EXCL) is atomic, also
    between processes and on a cluster's shared file system, so two jobs that finish together
    never take the same number, and exactly one takes the last."""
    folder.mkdir(exist_ok=True)
    k = len(os.listdir(folder)) + 1  # the numbers 1 to len are taken: start above them
    while True:
        try:
            (folder / str(k)).touch(exist_ok=False)
            return k
        except FileExistsError:
            k += 1
