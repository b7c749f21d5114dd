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
    seen: dict[str, list] = {}  # a job's config as trained, seeds aside: (job number, its seeds) of each job
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
            # Two jobs of one config (train.lr=0.5,5e-1; seed=0,1 replicas=1,2) train the same network
            # of a seed twice: the report would count it twice, its intervals claim a certainty they
            # have not. Keys that change no number a job computes are left out of what it trains.
            trained = {key: _numbers(_plain(job_config, key)) for key in job_config
                       if key not in ("hydra", "plot", "seed", "replicas", *NOT_IDENTITY)}
            identity = json.dumps(trained, sort_keys=True, default=str)
            seeds = range(job_config.seed, job_config.seed + job_config.replicas)
            for first, other in seen.get(identity, []):
                if set(seeds) & set(other):
                    raise ConfigError(f"Jobs {first} ({' '.join(jobs[first])}) and {number} ({' '.join(job)}) train "
                                      f"seed {min(set(seeds) & set(other))} of the same config, which the report would "
                                      "count twice, so no job ran: give each value, and each seed, once.")
            seen.setdefault(identity, []).append((number, seeds))
        finally:
            hydra_config.cfg = sweep_config


def _plain(config: DictConfig, key: str):
    """config[key] resolved, as plain values; Hydra's own part is never resolved here (its
    runtime folders are not known before the job runs)."""
    value = config[key]
    return OmegaConf.to_container(value, resolve=True) if OmegaConf.is_config(value) else value


def _numbers(value):
    """`value` with every number a float, so that 0 and 0.0, the same to the network, are one."""
    if isinstance(value, dict):
        return {key: _numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers(item) for item in value]
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value
