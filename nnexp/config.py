"""The config schema: typed dataclasses registered in Hydra's ConfigStore, plus range checks.

Hydra merges every YAML file in `conf/` onto these dataclasses, so a value of the wrong type
or an unknown key is refused while the config is composed, before any training starts.
Ranges (a positive learning rate, a seed >= 0, ...) are not types; `check` enforces them.

The values themselves live in the YAML files, with comments; the schema only holds types.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, List

from hydra.core.config_store import ConfigStore
from hydra.errors import CompactHydraException
from omegaconf import MISSING, DictConfig


class ConfigError(CompactHydraException):
    """A user's config value is out of range. Hydra prints just the message, no traceback."""


@dataclass
class ModelConfig:
    name: str = MISSING
    # Widths of the hidden layers: [] is the perceptron, [4] the notebook's two-layer net.
    hidden: List[int] = MISSING


@dataclass
class DataConfig:
    name: str = MISSING
    # Rows are List[Any], not List[float]: OmegaConf 2.3 refuses ints inside nested float lists
    # (omry/omegaconf#1054), so `[[0, 0, 1]]` would fail. nnexp.data.make_dataset checks the
    # values are numbers instead.
    inputs: List[List[Any]] = MISSING  # (n_samples, n_inputs)
    targets: List[float] = MISSING  # (n_samples,), each 0 or 1
    probes: List[List[Any]] = MISSING  # (n_probes, n_inputs): inputs whose outputs are reported


@dataclass
class TrainConfig:
    iterations: int = MISSING
    lr: float = MISSING
    log_every: int = MISSING


@dataclass
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    seed: int = MISSING
    replicas: int = MISSING  # networks trained together: seeds seed, seed+1, ..., seed+replicas-1
    threshold: float = MISSING
    plot: bool = MISSING  # draw the run's error_curve.png


def register() -> None:
    """Make the schema available to `conf/config.yaml` as the first entry of its defaults list."""
    ConfigStore.instance().store(name="nnexp_schema", node=Config)


def _fail(key: str, allowed: str, value: object) -> None:
    raise ConfigError(f"The '{key}' parameter must be {allowed}. Got {value!r} instead.")


def check(cfg: DictConfig) -> None:
    """Raise ConfigError, naming the key, for the first value that is out of range.

    The dataset's own shape checks live with the dataset (`nnexp.data.make_dataset`).
    """
    if cfg.seed < 0:
        _fail("seed", "an int >= 0", cfg.seed)
    if cfg.replicas < 1:
        _fail("replicas", "an int >= 1 (the number of seeds trained together)", cfg.replicas)
    if not 0.0 < cfg.threshold < 1.0:
        _fail("threshold", "a float in the open range (0, 1)", cfg.threshold)
    if cfg.train.iterations < 1:
        _fail("train.iterations", "an int >= 1", cfg.train.iterations)
    if not (math.isfinite(cfg.train.lr) and cfg.train.lr > 0.0):
        _fail("train.lr", "a finite float > 0", cfg.train.lr)
    if cfg.train.log_every < 1:
        _fail("train.log_every", "an int >= 1", cfg.train.log_every)
    hidden = list(cfg.model.hidden)
    if any(width < 1 for width in hidden):
        _fail("model.hidden", "a list of layer widths, each an int >= 1", hidden)
