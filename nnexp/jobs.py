"""Every job of a sweep checked before any runs: a mistake in one value of a sweep
(`model.activation=tanh,Relu`, or `train.optimizer=sgd,adam train.momentum=0.9`, whose Adam job
would ignore the momentum) is refused in one line, as in a single run, before the sweep claims a
folder: not found half way through, after half the jobs ran, with a resume command that repeats
the mistake.
"""

from __future__ import annotations

import copy
import json
from dataclasses import is_dataclass
from typing import List

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from nnexp.config import Config, ConfigError, field_types
from nnexp.overrides import NOT_IDENTITY


def check_jobs(config: DictConfig, jobs: List[List[str]]) -> None:
    """ConfigError, naming the job and the key, for the first job whose config a run would refuse.

    Composing a job's config from scratch costs ~0.2 s, as much as a small job itself; so each
    distinct set of group choices (model=..., experiment=...) is composed once, and a job's value
    overrides (train.lr=..., seed=...) are applied to a copy of it the way Hydra applies them.
    """
    from nnexp.run import checked_dataset  # the very check a run makes (nnexp.run registers the callback)

    loader = GlobalHydra.instance().hydra.config_loader
    parser = OverridesParser.create()
    top_level = {key for key, kind in field_types(Config).items() if not is_dataclass(kind)}  # seed, ...; not model
    composed: dict[tuple[str, ...], DictConfig] = {}
    seen: dict[str, int] = {}  # a job's config as trained: the first job that has it
    for number, job in enumerate(jobs):
        parsed = parser.parse_overrides(list(job))
        is_value = ["." in o.key_or_group or o.key_or_group in top_level for o in parsed]
        groups = tuple(o.input_line for o, value in zip(parsed, is_value) if not value)
        if groups not in composed:
            composed[groups] = loader.load_sweep_config(config, list(groups))
        job_config = copy.deepcopy(composed[groups])
        ConfigLoaderImpl._apply_overrides_to_config([o for o, value in zip(parsed, is_value) if value], job_config)
        with read_write(job_config), open_dict(job_config):
            job_config.hydra.job.num = number
        # As the job will: with its own Hydra config set, so that `${hydra:job.num}` resolves.
        hydra_config = HydraConfig.instance()
        sweep_config = hydra_config.cfg
        hydra_config.set_config(job_config)
        try:
            checked_dataset(job_config, job_config.hydra.runtime.choices.get("data"), job_config.hydra.runtime.cwd)
        except ConfigError as error:
            raise ConfigError(f"Job {number} ({' '.join(job)}) would be refused, so no job ran: {error}") from None
        else:
            # Two jobs of one config (train.lr=0.5,5e-1) train the same networks twice: the report
            # would count each seed twice and its intervals would claim a certainty it has not.
            trained = {key: _plain(job_config, key) for key in job_config if key != "hydra" and key not in NOT_IDENTITY}
            identity = json.dumps(trained, sort_keys=True, default=str)
            if identity in seen:
                first = seen[identity]
                raise ConfigError(f"Jobs {first} ({' '.join(jobs[first])}) and {number} ({' '.join(job)}) train the "
                                  "same config, which the report would count twice, so no job ran: give each "
                                  "value once.")
            seen[identity] = number
        finally:
            hydra_config.cfg = sweep_config


def _plain(config: DictConfig, key: str):
    """config[key] resolved, as plain values; Hydra's own part is never resolved here (its
    runtime folders are not known before the job runs)."""
    value = config[key]
    return OmegaConf.to_container(value, resolve=True) if OmegaConf.is_config(value) else value
