"""Hydra's override lists, read as the user typed them, and turned back into commands.

    as_written      overrides with their `${...}` unresolved
    sweep_jobs      the overrides of every job a sweep's config asks for, in launch order
    job_key         what tells a sweep's jobs apart (never `resume=...`)
    quote           a value as one override value (commas, quotes and `${` kept literal)
    sweep_command   the command that ran a sweep; resume_command the one that completes it
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from omegaconf import DictConfig, ListConfig, OmegaConf

# Keys that never tell two runs apart: `resume` changes how a sweep runs, `report_plots` what its
# report draws, not what it trains.
NOT_IDENTITY = ["resume", "report_plots"]


def as_written(node: DictConfig | ListConfig) -> list[str] | dict[str, str]:
    """Overrides as the user wrote them: `train.log_every=${train.iterations}` stays that string.
    Reading a ListConfig's items would resolve the `${...}` against the file they sit in, giving
    a wrong value or, for a key that file lacks, an error."""
    return OmegaConf.to_container(node, resolve=False)


def sweep_jobs(config: DictConfig) -> list[list[str]]:
    """The overrides of every job a sweep's config (multirun.yaml) asks for, in launch order."""
    # Imported here: only sweeps need Hydra's override grammar.
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    params = as_written(OmegaConf.select(config, "hydra.sweeper.params") or DictConfig({}))
    arguments = [f"{key}={value}" for key, value in params.items()]
    arguments += as_written(config.hydra.overrides.task)
    parsed = OverridesParser.create().parse_overrides(arguments)
    return [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]


def job_key(overrides: list[str]) -> tuple[str, ...]:
    """What identifies a sweep's job: its overrides, but for those that never change what a job
    computes (`resume=...`, which a resumed sweep adds)."""
    return tuple(o for o in overrides if re.sub(r"^[+~]*", "", o).partition("=")[0] not in NOT_IDENTITY)


def quote(value: str) -> str:
    """`value` as one Hydra override value: single-quoted, with quotes and `${` escaped, so that
    commas (job folder names) are not read as a sweep and nothing is interpolated."""
    return "'" + value.replace("'", "\\'").replace("${", "\\${") + "'"


def sweep_command(config: DictConfig) -> str:
    """The command that ran the sweep whose config (multirun.yaml) is `config`, as typed."""
    return _command(["python", "-m", "nnexp.run", "-m", *job_key(as_written(config.hydra.overrides.task))])


def resume_command(config: DictConfig, sweep: Path) -> str:
    """The one command that completes the sweep `config` (a multirun.yaml) describes, in `sweep`:
    its overrides, its launcher and other hydra choices, and resume=true; safe to paste in a shell."""
    hydra = [o for o in as_written(config.hydra.overrides.hydra)
             if o.partition("=")[0] not in ("hydra.sweep.dir", "hydra.mode")]  # the folder: given below
    folder = str(sweep) if re.fullmatch(r"[\w./~+-]+", str(sweep)) else quote(str(sweep))
    return _command(["python", "-m", "nnexp.run", "-m", *job_key(as_written(config.hydra.overrides.task)),
                     *hydra, f"hydra.sweep.dir={folder}", "resume=true"])


def _command(words: list[str]) -> str:
    return " ".join(shlex.quote(word) for word in words)
