"""nnexp's Hydra callback (conf/config.yaml): a run's and a sweep's life, hook by hook.

    on_run_start       a single run: refuse a mistake before any folder exists, then claim a
                       folder of its own (nnexp.folders) before Hydra writes into it
    on_run_end         a single run that failed: its error ends the command (nnexp.cli says it)
    on_multirun_start  a sweep: claim its folder, or reopen it to resume (nnexp.resume), and pin
                       its absolute path for every job, whatever the launcher or working directory
    on_job_end         how the job ended, in its folder (error.txt, manifest.json); for a sweep's
                       job, its progress line and, for the last one, the report (nnexp.sweep)
    on_multirun_end    show the report that a job in another process wrote; fail the sweep if a
                       job failed or the report is missing
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from nnexp import console, manifest, resume
from nnexp.config import ConfigError
from nnexp.jobs import check_jobs
from nnexp.folders import check_subdir, claim_run_folder, claim_sweep_folder
from nnexp.overrides import as_written, job_key, quote, sweep_jobs
from nnexp.results import ERROR_FILE, write_error
from nnexp.sweep import JobsFailed, ReportNotWritten, SweepProgress


class Refusal(BaseException):
    """Carries an error out of a Hydra hook: Hydra turns an Exception raised in a callback into a
    warning and goes on, which would run a refused run or sweep anyway. nnexp.cli unwraps it."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _refusing(hook):
    """Make `hook` stop the command on an error, with the error, instead of Hydra's warning."""
    @functools.wraps(hook)
    def wrapped(*args, **kwargs):
        try:
            return hook(*args, **kwargs)
        except Exception as error:
            raise Refusal(error) from error
    return wrapped


class NnexpCallback(Callback):
    def __init__(self) -> None:
        self.progress = SweepProgress()
        self._record_error: Exception | None = None  # why a job's end could not be recorded

    @_refusing
    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        from nnexp.run import checked_dataset  # nnexp.run imports Hydra's main; only runs need it

        if config.resume:
            raise ConfigError("resume=true completes a sweep: use it with -m and hydra.sweep.dir=FOLDER.")
        checked_dataset(config, config.hydra.runtime.choices.get("data"), config.hydra.runtime.cwd)
        _check_output_subdir(config)
        HydraConfig.instance().set_config(config)  # as run_job does, for ${hydra:...} in the folder's name
        path = _folder(config, "hydra.run.dir")
        folder, _ = claim_run_folder(path, named_by_user=_given(config, "hydra.run.dir"))
        with read_write(config.hydra):
            config.hydra.run.dir = str(folder)

    def on_run_end(self, config: DictConfig, job_return: JobReturn, **kwargs) -> None:
        """A single run that failed ends the command with its error, said by nnexp.cli (Hydra
        would print a line of its own first, `Error executing job with overrides: [...]`)."""
        if job_return.status == JobStatus.FAILED:
            raise Refusal(job_return._return_value)
        if self._record_error is not None:  # its files may be whole, but its manifest says running
            raise Refusal(self._record_error)

    @_refusing
    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        named = _given(config, "hydra.sweep.dir")
        if config.resume and not named:
            raise ConfigError("resume=true completes the sweep in a folder: name it with hydra.sweep.dir=FOLDER.")
        subdir = str(OmegaConf.to_container(config.hydra.sweep, resolve=False)["subdir"])
        problem = check_subdir(subdir)
        if problem:
            raise ConfigError(f"The 'hydra.sweep.subdir' parameter {problem}. Got {subdir!r} instead.")
        _check_output_subdir(config)
        _register_sweeper()
        check_jobs(config, sweep_jobs(config))  # before anything is claimed, cleared or said
        sweep, created = claim_sweep_folder(_folder(config, "hydra.sweep.dir"), named, config.resume)
        if config.hydra.runtime.choices.get("hydra/launcher") == "submitit_local":
            # Its per-job controllers would each print a traceback on Ctrl-C; their log keeps them.
            console.send_child_stderr_to(sweep / ".submitit" / "controllers.log")
        # Every job composes its config anew from the sweep's hydra overrides (a launcher's worker,
        # a SLURM node, a job with hydra.job.chdir=true): pin the folder there, absolute.
        with read_write(config.hydra), open_dict(config.hydra):
            config.hydra.sweep.dir = str(sweep)
            config.hydra.overrides.hydra.append(f"hydra.sweep.dir={quote(str(sweep))}")
        if not config.resume:
            self.progress.start(sweep, len(sweep_jobs(config)), created=created, plots=config.report_plots)
            return
        plan = resume.make_plan(config, sweep)
        self.progress.start(sweep, plan.n_jobs, len(plan.finished), plots=config.report_plots)
        if not plan.to_run:  # every job had finished: no job will end to write the report
            self.progress.write_and_print(sweep, plots=OmegaConf.select(config, "report_plots", default=True))

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs) -> None:
        try:
            self._job_end(config, job_return)
        except Exception as error:  # noqa: BLE001 -- Hydra would only warn; say it, and fail the command
            if config.hydra.mode != RunMode.MULTIRUN:
                self._record_error = error  # on_run_end fails the run with it
                return
            self.progress.problem = (f"the end of the job in {config.hydra.runtime.output_dir} could not be "
                                     f"recorded ({type(error).__name__}: {error})")
            print(f"nnexp: {self.progress.problem}", file=sys.stderr, flush=True)

    def _job_end(self, config: DictConfig, job_return: JobReturn) -> None:
        run = Path(config.hydra.runtime.output_dir)
        failure = None
        if job_return.status == JobStatus.FAILED:
            failure = write_error(job_return._return_value, run)  # .return_value would raise it
            if config.hydra.mode == RunMode.MULTIRUN:
                # Recorded in the job's folder, where the report finds it. Hydra's sweeper would
                # raise it again at the end, printing a line of its own before nnexp's, and make
                # the sweep's exit code that of a mistake in the command (2) while the other jobs
                # ran: the sweep's end says instead how many jobs failed (exit 1).
                job_return.status, job_return.return_value = JobStatus.COMPLETED, None
        if manifest.is_claimed_here(run):
            manifest.finish(run, "failed" if failure else "finished", failure, _resolved(config))
        if config.hydra.mode == RunMode.MULTIRUN:
            overrides = " ".join(job_key(as_written(config.hydra.overrides.task)))
            self.progress.job_end(Path(config.hydra.sweep.dir), run, overrides, failure,
                                  plots=OmegaConf.select(config, "report_plots", default=True))

    @_refusing
    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        """Every job ended (a failed one was recorded in its folder by _job_end, which keeps Hydra
        from raising it). Show the report a job in another process wrote; then fail the sweep, in
        one line, if a job failed or the report is missing."""
        sweep = Path(config.hydra.sweep.dir)
        shown = self.progress.end(sweep)
        failed = sorted(sweep.rglob(ERROR_FILE))  # jobs of this sweep: a resumed one cleared old ones
        if failed:
            self.progress.problem_said = True
            first = failed[0].read_text().strip()
            also = f"; besides, {self.progress.problem}" if self.progress.problem else ""
            raise JobsFailed(f"{len(failed)} of {self.progress.n_jobs(sweep)} jobs failed (the first: {first}); "
                             f"the others ran, and the sweep's report lists every failed job with the command "
                             f"that completes the sweep{also}")
        if self.progress.problem or not shown:
            problem = self.progress.problem or "its report was not written"
            self.progress.problem_said = True
            raise ReportNotWritten(f"every job finished, but {problem}; python -m nnexp.report {sweep} "
                                   f"rebuilds the report")


def _resolved(config: DictConfig) -> dict | None:
    """The job's config, resolved here where ${hydra:...} and ${oc.env:...} mean what they meant
    to the run; None if a value does not resolve (the run then failed on it)."""
    try:
        return {key: OmegaConf.to_container(config[key], resolve=True) if OmegaConf.is_config(config[key])
                else config[key] for key in config if key != "hydra"}
    except Exception:  # noqa: BLE001 -- any value that does not resolve: nothing to record
        return None


def _register_sweeper() -> None:
    """Make nnexp's sweeper known to Hydra (conf/hydra/sweeper/nnexp.yaml). Hydra finds plugins by
    listing the hydra_plugins package, which an editable install (`pip install -e .`) hides; its
    documented remedy is to register the class. Only a sweep's own process instantiates it."""
    from hydra.core.plugins import Plugins
    from hydra_plugins.nnexp_sweeper import NnexpSweeper

    Plugins.instance().register(NnexpSweeper)


def _check_output_subdir(config: DictConfig) -> None:
    """A run's config must be saved where nnexp looks for it: runs are found, checked and resumed
    by their `.hydra/config.yaml`, and without it a run would be invisible to every report."""
    if config.hydra.output_subdir != ".hydra":
        raise ConfigError("The 'hydra.output_subdir' parameter must be .hydra: nnexp finds every run by its "
                          f".hydra/config.yaml. Got {config.hydra.output_subdir!r} instead.")


def _folder(config: DictConfig, key: str) -> Path:
    """The absolute folder `key` (hydra.run.dir, hydra.sweep.dir) names; ConfigError if it is empty."""
    value = OmegaConf.select(config, key)
    if value is None or not str(value).strip():
        raise ConfigError(f"The '{key}' parameter must name a folder. Got {value!r} instead.")
    return Path(os.path.abspath(os.path.expanduser(str(value))))


def _given(config: DictConfig, key: str) -> bool:
    """True if the command line set `key` (a hydra override), rather than nnexp's config or a study."""
    overrides = OmegaConf.to_container(config.hydra.overrides.hydra, resolve=False)  # as typed: ${...} stays
    return any(override.partition("=")[0].lstrip("+") == key for override in overrides)
