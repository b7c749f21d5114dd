"""Every run below the report's paths, each run folder read once (nnexp.runs), and the sweeps
they belong to: what a sweep folder's multirun.yaml asked for, so that jobs that never started
are listed as missing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from nnexp.files import Unreadable, one_line, read_yaml
from nnexp.overrides import job_key, resume_command, sweep_command, sweep_jobs
from nnexp.runs import FINISHED, UNFINISHED, UNREADABLE, RunRecord, read_run


class ReportError(Exception):
    """A path given to the report cannot be read as runs."""


# --- sweeps ---------------------------------------------------------------------------------

@dataclass
class Sweep:
    """What a sweep folder's multirun.yaml says; `error` (one line) if it cannot be read."""

    jobs: list[list[str]] | None = None  # the overrides of every job it asked for, resume=... left out
    command: str | None = None  # the command that ran it
    resume_command: str | None = None  # the command that completes it in place
    error: str = ""


def read_sweep(folder: Path) -> Sweep | None:
    """The sweep in `folder`, None if it holds none (no multirun.yaml)."""
    file = folder / "multirun.yaml"
    if not file.exists():
        return None
    try:
        config = OmegaConf.create(read_yaml(file, dict))
        return Sweep(jobs=[list(job_key(job)) for job in sweep_jobs(config)], command=sweep_command(config),
                     # The folder whole: the command works from wherever report.md is read.
                     resume_command=resume_command(config, folder.absolute()))
    except Unreadable as error:
        return Sweep(error=str(error))
    except Exception as error:  # Hydra's override grammar, a key that is missing, ...: any is a broken file
        return Sweep(error=f"multirun.yaml: not a sweep's config: {one_line(error)}")


def run_folders(path: Path) -> list[Path]:
    """Every run folder at or below `path`: those holding .hydra/config.yaml, in natural name
    order, so that a sweep's job 2 comes before its job 10."""
    def natural(run: Path) -> list:
        return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", run.as_posix())]

    return sorted((config.parent.parent for config in path.rglob(".hydra/config.yaml")), key=natural)


# --- every run below the report's paths -----------------------------------------------------

@dataclass
class Runs:
    """What was found on disk below the report's paths."""

    summary: pd.DataFrame  # results.csv rows of every finished run, plus run and overrides
    probes: pd.DataFrame  # predictions.csv probe rows of every finished run, plus run
    histories: pd.DataFrame  # history.csv rows of every finished run, plus run
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (run, overrides, error): did not finish
    missing: list[str] = field(default_factory=list)  # overrides of jobs with no folder
    sweep_command: str | None = None
    unreadable: list[tuple[str, str, str]] = field(default_factory=list)  # (run, overrides, reason)
    n_unfinished: int = 0  # of `failed`, the runs that stopped (or still run) without an error
    sweep_errors: list[str] = field(default_factory=list)  # multirun.yaml files that cannot be read
    manifests: list[dict | None] = field(default_factory=list)  # per finished run; None: made before manifests
    resume_command: str | None = None  # completes the (first path's) sweep in place
    strays: list[str] = field(default_factory=list)  # runs in a sweep folder that its sweep never asked for
    records: dict[str, RunRecord] = field(default_factory=dict)  # finished runs by name: their folders, data
    # Sweeps below the paths, other than the one the report is of, with jobs that never started:
    # (its name, the missing jobs' overrides, the command that completes it).
    incomplete: list[tuple[str, list[str], str]] = field(default_factory=list)


def collect(paths: list[Path]) -> Runs:
    """Read every run below `paths`, each run folder once however the paths overlap (`a a`,
    `a a/sub`); raise ReportError for a bad path or no runs at all."""
    runs = Runs(pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    summaries, probes, histories = [], [], []
    records: dict[Path, RunRecord] = {}  # by resolved folder
    sweeps: set[Path] = set()
    for path in paths:
        if not path.is_dir():
            raise ReportError(f"{path} is not a folder: give a sweep folder, a run folder or outputs/")
        folders = run_folders(path)
        if not folders:
            raise ReportError(f"{path} holds no nnexp runs (no folder with .hydra/config.yaml below it)")
        keys: dict[Path, tuple[str, ...]] = {}  # run folder: its job key
        for run in folders:
            if run.resolve() not in records:
                record = records[run.resolve()] = read_run(run)
                # Relative to the first path, so that runs under several paths keep distinct names.
                name = _name(run, paths[0])
                overrides = " ".join(record.overrides)
                if record.status == FINISHED:
                    summaries.append(record.results.assign(run=name, overrides=overrides))
                    predictions = record.predictions
                    probes.append(predictions[predictions["split"] == "probe"].assign(run=name))
                    histories.append(record.history.assign(run=name))
                    runs.manifests.append(record.manifest)
                    runs.records[name] = record
                elif record.status == UNREADABLE:
                    runs.unreadable.append((name, overrides, record.reason))
                else:
                    runs.failed.append((name, overrides, record.reason))
                    runs.n_unfinished += record.status == UNFINISHED
            keys[run] = job_key(records[run.resolve()].overrides)
        # Every sweep at or below the path, so that a report over outputs/ misses no job a sweep
        # in it asked for; the one sweep a report is of (its single path) completes in place.
        for folder in sorted({path, *(file.parent for file in path.rglob("multirun.yaml"))}):
            if folder.resolve() in sweeps:
                continue
            sweeps.add(folder.resolve())
            sweep = read_sweep(folder)
            if sweep is None:
                continue
            if sweep.error:
                runs.sweep_errors.append(f"{folder / sweep.error}")
                continue
            inside = {key for run, key in keys.items() if folder in run.parents}
            missing = [" ".join(job) for job in sweep.jobs if tuple(job) not in inside]
            asked = {tuple(job) for job in sweep.jobs}
            runs.strays += [_name(run, paths[0]) for run, key in keys.items()
                            if folder in run.parents and key not in asked]
            if folder == paths[0] and len(paths) == 1:
                runs.missing += missing
                runs.sweep_command, runs.resume_command = sweep.command, sweep.resume_command
            elif missing:
                name = _name(folder, paths[0])
                runs.incomplete.append((str(folder) if name == "." else name, missing, sweep.resume_command))

    def table(parts: list[pd.DataFrame]) -> pd.DataFrame:
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    runs.summary, runs.probes, runs.histories = table(summaries), table(probes), table(histories)
    return runs


def _name(run: Path, first: Path) -> str:
    """A run's name in the tables: its path from the first path given, so that runs under several
    paths stay distinct. When the first path is itself a run folder, from its parent instead:
    a run nested in it would otherwise share its name (`foo` and `foo/foo`)."""
    if (first / ".hydra" / "config.yaml").is_file():
        first = first.parent
    return os.path.relpath(run, first)
