"""The sweep's Hydra callback (conf/config.yaml): a progress line per finished job, and the
sweep's report (nnexp.report) written once every job it asked for has finished or failed."""

from __future__ import annotations

import atexit
import os
import sys
import time
from pathlib import Path

import pandas as pd
from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from nnexp.report import _as_written, _multirun_config, print_comparison, sweep_jobs, write_report
from nnexp.results import write_error


# In a sweep folder: one empty file per finished job, named 1, 2, ..., in the order they finished.
DONE_FOLDER = ".nnexp_done"


class SweepReport(Callback):
    """Hydra callback (conf/config.yaml): a progress line per finished job, and the sweep's
    report once every job it asked for has finished or failed.

    The report is written from `on_job_end`, not `on_multirun_end`: Hydra skips the latter when
    a job raised, and with the joblib or submitit launchers `on_job_end` runs in the job's own
    process (on a cluster node, for SLURM). Each finished job takes a number, k of N, that no
    other job can take (`_finished_number`); the job that takes N writes the report. The
    comparison is printed by the process the user started, whichever launcher ran the jobs:
    there, after the last job, when the sweep ends, or at the latest when the process exits
    (Hydra skips `on_multirun_end` when a job failed).
    """

    def __init__(self) -> None:
        self._main_pid: int | None = None  # set before launch, so worker processes inherit it
        self._n_jobs: dict[Path, int] = {}
        self._started = 0.0  # when this sweep started: an older report in its folder is not its own
        self._printed = False

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        self._main_pid = os.getpid()
        sweep = Path(os.path.abspath(config.hydra.sweep.dir))
        # A sweep run again into the same folder counts its jobs afresh.
        done = sweep / DONE_FOLDER
        for file in done.glob("*") if done.is_dir() else []:
            file.unlink()
        self._n_jobs[sweep] = n_jobs = len(sweep_jobs(config))
        self._started = time.time()
        print(f"nnexp: {n_jobs} jobs into {sweep}; the report will be {sweep / 'report.md'}", flush=True)
        atexit.register(self._at_exit, sweep)

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs) -> None:
        if config.hydra.mode != RunMode.MULTIRUN:
            return
        run = Path(os.path.abspath(config.hydra.runtime.output_dir))
        sweep = Path(os.path.abspath(config.hydra.sweep.dir))
        overrides = " ".join(_as_written(config.hydra.overrides.task))
        if job_return.status == JobStatus.FAILED:
            message = write_error(job_return._return_value, run)  # .return_value would raise it
            line = f"FAILED: {message}"
        else:
            rows = pd.read_csv(run / "results.csv")
            line = f"final_error={rows['final_error'].mean():.4g} accuracy={rows['train_accuracy'].mean():.0%}"
            if len(rows) > 1:
                line += f" (means over {len(rows)} seeds)"
        if sweep not in self._n_jobs:  # the job's own config holds its overrides, not the sweep's
            self._n_jobs[sweep] = len(sweep_jobs(_multirun_config(sweep)))
        n_jobs = self._n_jobs[sweep]
        n_done = _finished_number(sweep / DONE_FOLDER)
        # The report first: a console that is gone (`| head`, a closed terminal) must not cost it.
        comparison = write_report([sweep])[0] if n_done == n_jobs else None
        print(f"[{n_done}/{n_jobs}] {overrides} {line}", flush=True)
        if comparison is not None and os.getpid() == self._main_pid:
            self._print(comparison, sweep)

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        """Every job succeeded. If they ran in other processes, show their report here."""
        self._print_if_written(Path(os.path.abspath(config.hydra.sweep.dir)))

    def _print_if_written(self, sweep: Path) -> bool:
        """Show the report a job of this sweep wrote, unless shown already; False if there is none."""
        comparison = sweep / "comparison.csv"
        if not self._printed and comparison.exists() and comparison.stat().st_mtime >= self._started:
            self._print(pd.read_csv(comparison), sweep)
        return self._printed

    def _at_exit(self, sweep: Path) -> None:
        """The sweep's last word in the process the user started, if no hook had it: the report
        that a job in another process wrote (Hydra skips on_multirun_end after a failure), or,
        for a sweep stopped early (Ctrl-C), how to report the jobs that did finish."""
        if os.getpid() != self._main_pid or self._print_if_written(sweep):
            return
        n_jobs = self._n_jobs[sweep]
        done = sweep / DONE_FOLDER
        n_done = len(os.listdir(done)) if done.is_dir() else 0
        if n_done == n_jobs:
            print(f"nnexp: all {n_jobs} jobs finished, but the sweep stopped before its report; "
                  f"python -m nnexp.report {sweep} writes it", file=sys.stderr, flush=True)
        elif n_done:
            print(f"nnexp: {n_done} of {n_jobs} jobs had finished when the sweep stopped; "
                  f"python -m nnexp.report {sweep} reports them", file=sys.stderr, flush=True)

    def _print(self, comparison: pd.DataFrame, sweep: Path) -> None:
        print_comparison(comparison)
        print(f"report: {os.path.abspath(sweep / 'report.md')}", flush=True)
        self._printed = True


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
