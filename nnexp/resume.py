"""Resume a sweep: `python -m nnexp.run -m ... hydra.sweep.dir=S resume=true`.

The sweep's callback (nnexp.callback) makes a plan in the process the user started, before any
job is launched: every job of the sweep is composed as its launcher would compose it, and its
folder in S read (nnexp.runs.read_run). A job whose folder holds a finished run of exactly this
config is skipped, and its files are not touched; a failed, interrupted or missing job is run
again, into the folder it had. The sweeper (hydra_plugins.nnexp_sweeper, a BasicSweeper) then
launches only those, each pinned to its folder, through whatever launcher the sweep uses, so a
SLURM sweep killed half way resubmits just the jobs it lost.

Resuming never overwrites a finished result: a finished job whose config differs from what the
command now composes (a changed config file, a different sweep) is refused, with the folder.
"""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from nnexp.collect import read_sweep
from nnexp.config import ConfigError
from nnexp.folders import FolderError, inside
from nnexp.overrides import NOT_IDENTITY, job_key, quote, sweep_jobs
from nnexp.data import build
from nnexp.results import data_digest
from nnexp.runs import read_run


@dataclass
class Plan:
    """What a resumed sweep does: its jobs by number, the finished ones and those to run."""

    n_jobs: int
    finished: list[int]
    to_run: list[list[str]]  # each job's overrides, plus the hydra override that pins its folder


# The plan of the sweep this process resumes, by sweep folder: made by the callback, read by the
# sweeper, both in the process the user started.
_plans: dict[Path, Plan] = {}


def plan_for(sweep: Path) -> Plan | None:
    return _plans.get(sweep)


def make_plan(config: DictConfig, sweep: Path) -> Plan:
    """Decide, for every job of the sweep `config` asks for, whether it is finished in `sweep`.

    Raises ConfigError when `sweep` holds another sweep, FolderError when a job's folder holds a
    finished run of another config or cannot be read; clears the folders of jobs that will run
    again (they hold no finished result: an error.txt, or the files of an interrupted job).
    """
    jobs = sweep_jobs(config)
    recorded = read_sweep(sweep)
    if recorded.error:
        raise FolderError(f"{sweep / recorded.error}; resume=true cannot know which jobs the sweep asked for.", 2)
    if [list(job_key(job)) for job in jobs] != recorded.jobs:
        before = recorded.command.removeprefix("python -m nnexp.run -m ")
        raise ConfigError(f"{sweep} holds another sweep (`{before}`); resume=true completes the sweep a "
                          f"folder holds, so give the same overrides, or choose a new hydra.sweep.dir.")
    loader = GlobalHydra.instance().hydra.config_loader
    finished, to_run, rerun_folders = [], [], []
    for number, job in enumerate(jobs):
        job_config = loader.load_sweep_config(config, list(job))
        with read_write(job_config), open_dict(job_config):
            job_config.hydra.job.num = number
        subdir = str(OmegaConf.select(job_config, "hydra.sweep.subdir"))
        folder = sweep / subdir
        if not inside(folder, sweep) or folder.is_symlink():  # resuming deletes unfinished job folders
            raise FolderError(f"Job {number}'s folder {folder} is not a folder inside the sweep folder {sweep}.", 2)
        record = read_run(folder)
        if record.status == "finished":
            difference = _difference(record.config, job_config)
            if difference:
                raise FolderError(
                    f"{folder} holds a finished run of another config ({difference}); resume=true never "
                    f"overwrites finished results. Choose a new hydra.sweep.dir.", 2)
            _check_same_data(record, job_config, folder)
            finished.append(number)
            continue
        if record.status == "unfinished" and _may_be_running(record.manifest):
            where = record.manifest.get("hostname", "?")
            raise FolderError(
                f"Job {number} may still be running ({folder}: manifest.json says running, process "
                f"{record.manifest.get('pid')} on {where}); a sweep's jobs can outlive it (SLURM). Wait for it to "
                f"end; if it is dead, move its folder away, and resume again.", 2)
        if record.status == "unreadable" and (folder / "results.csv").exists():
            raise FolderError(f"{folder} holds results that cannot be read ({record.reason}); look at it, and "
                              f"move it away to run that job again.", 2)
        rerun_folders.append(folder)
        to_run.append([*job_key(job), f"hydra.sweep.subdir={quote(subdir)}"])  # as first launched
    for folder in rerun_folders:  # only once every finished job is known to be this sweep's
        if folder.is_dir():
            shutil.rmtree(folder)
    plan = Plan(n_jobs=len(jobs), finished=finished, to_run=to_run)
    _plans[sweep] = plan
    return plan


def _check_same_data(record, job_config: DictConfig, folder: Path) -> None:
    """FolderError unless the job's data, built as the resumed sweep will build it, is the data
    its finished run trained on: a relative data.path read from another folder, or a CSV file
    changed since, would give the rest of the sweep other data under the same name."""
    if "path" not in job_config.data:
        return  # generated data and truth tables are their config: _difference compared it
    cwd = OmegaConf.select(job_config, "hydra.runtime.cwd") or os.getcwd()
    try:
        dataset = build(OmegaConf.to_container(job_config.data, resolve=True), cwd=cwd)
    except ConfigError as error:
        raise FolderError(f"{folder} holds a finished run whose data cannot be read from here: {error}", 2) from None
    if data_digest(dataset) != record.results["data_digest"].iloc[0]:
        raise FolderError(f"{folder} holds a finished run of other data: data.path {job_config.data.path} read from "
                          f"{cwd} is not the file it trained on; resume from the folder "
                          f"the sweep started in, with the same file.", 2)


def _may_be_running(manifest: dict | None) -> bool:
    """True unless the manifest's run is known to be over: it says so, or its process, on this
    host, is gone. On another host nothing can be known from here: it may be running."""
    if not manifest or manifest.get("status") != "running":
        return False
    if manifest.get("hostname") != socket.gethostname():
        return True
    try:
        os.kill(int(manifest["pid"]), 0)  # signal 0: asks only whether the process exists
    except (ProcessLookupError, KeyError, TypeError, ValueError):
        return False
    except PermissionError:  # it exists, as another user's
        return True
    return True


def _difference(saved: dict, job_config: DictConfig) -> str:
    """'' if the config saved in a job folder is the job's config (keys in NOT_IDENTITY aside);
    else the first key that differs, as `key: saved -> now`."""
    now = OmegaConf.to_container(job_config, resolve=False)
    now.pop("hydra", None)
    for key in NOT_IDENTITY:
        now.pop(key, None)
        saved = {k: v for k, v in saved.items() if k != key}
    return _first_difference(saved, now, "")


def _first_difference(a, b, path: str) -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            found = _first_difference(a.get(key, "<absent>"), b.get(key, "<absent>"), f"{path}{key}.")
            if found:
                return found
        return ""
    return "" if a == b else f"{path.rstrip('.')}: {a!r} then, {b!r} now"
