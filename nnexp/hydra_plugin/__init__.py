"""nnexp's sweeper, installed as `hydra_plugins.nnexp_sweeper` (pyproject.toml maps this folder
there: Hydra instantiates sweepers only from the `hydra_plugins` package).

It is Hydra's BasicSweeper, with two changes: every job's config is checked before any job is
launched, so that a mistake in one value of a sweep (`model.activation=tanh,Relu`) is refused in
one line, as in a single run, and not found half way through; and for `resume=true` it launches
only the jobs that nnexp.resume found unfinished, each pinned to the folder it had. Hydra's
discovery of plugins cannot see a package installed in editable mode (`pip install -e .`), so
nnexp.run registers this class itself.
"""

from __future__ import annotations

import copy
from dataclasses import is_dataclass
from pathlib import Path
from typing import List, Optional

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig

from nnexp import resume
from nnexp.config import Config, ConfigError, field_types


class NnexpSweeper(BasicSweeper):
    """BasicSweeper (the same keys: max_batch_size, params) that completes a resumed sweep."""

    def split_arguments(self, overrides: List[Override], max_batch_size: Optional[int]) -> List[List[List[str]]]:
        plan = resume.plan_for(Path(self.config.hydra.sweep.dir))
        if plan is None:
            batches = BasicSweeper.split_arguments(overrides, max_batch_size)
        else:
            batches = [plan.to_run] if plan.to_run else []
        check_jobs(self.config, [job for batch in batches for job in batch])
        return batches


def check_jobs(config: DictConfig, jobs: List[List[str]]) -> None:
    """ConfigError, naming the job and the key, for the first job whose config a run would refuse.

    Composing a job's config from scratch costs ~0.2 s, as much as a small job itself; so each
    distinct set of group choices (model=..., experiment=...) is composed once, and a job's value
    overrides (train.lr=..., seed=...) are applied to a copy of it the way Hydra applies them.
    """
    from nnexp.run import checked_dataset  # the very check a run makes (nnexp.run imports this plugin's config)

    loader = GlobalHydra.instance().hydra.config_loader
    parser = OverridesParser.create()
    top_level = {key for key, kind in field_types(Config).items() if not is_dataclass(kind)}  # seed, ...; not model
    composed: dict[tuple[str, ...], DictConfig] = {}
    for number, job in enumerate(jobs):
        parsed = parser.parse_overrides(list(job))
        is_value = ["." in o.key_or_group or o.key_or_group in top_level for o in parsed]
        groups = tuple(o.input_line for o, value in zip(parsed, is_value) if not value)
        if groups not in composed:
            composed[groups] = loader.load_sweep_config(config, list(groups))
        job_config = copy.deepcopy(composed[groups])
        ConfigLoaderImpl._apply_overrides_to_config([o for o, value in zip(parsed, is_value) if value], job_config)
        try:
            checked_dataset(job_config, job_config.hydra.runtime.choices.get("data"))
        except ConfigError as error:
            raise ConfigError(f"Job {number} ({' '.join(job)}) would be refused, so no job ran: {error}") from None
