"""The training options beyond the notebook's: their keys, defaults, and how labels name them.

Each option is a column of results.csv and part of what the comparison groups by, so runs that
differ in any option are never pooled; and every label, folder name and plot title names the
options that differ from the defaults (`two_layer tanh bias log_loss`), so that no table calls
a tanh net with biases the notebook's two_layer. The defaults are the notebook's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from omegaconf import DictConfig, OmegaConf


@dataclass(frozen=True)
class Option:
    column: str  # in results.csv; the last part of the key
    key: str  # in the config
    default: object  # the notebook's


OPTIONS = [
    Option("activation", "model.activation", "sigmoid"),
    Option("bias", "model.bias", False),
    Option("init", "model.init", "uniform"),
    Option("loss", "train.loss", "squared_error"),
    Option("batch_size", "train.batch_size", None),
    Option("shuffle", "train.shuffle", False),
    Option("optimizer", "train.optimizer", "sgd"),
    Option("momentum", "train.momentum", 0.0),
    Option("l2", "train.l2", 0.0),
    Option("beta1", "train.beta1", 0.9),
    Option("beta2", "train.beta2", 0.999),
    Option("epsilon", "train.epsilon", 1e-8),
]
COLUMNS = [option.column for option in OPTIONS]
DEFAULTS = {option.column: option.default for option in OPTIONS}
KEYS = {option.column: option.key for option in OPTIONS}


def from_config(config: DictConfig | dict) -> dict:
    """{column: value} of a config; an option the config lacks has its default (a run made
    before nnexp had the option trained with the notebook's choice)."""
    if isinstance(config, DictConfig):
        return {option.column: OmegaConf.select(config, option.key, default=option.default) for option in OPTIONS}
    values = {}
    for option in OPTIONS:
        group, _, key = option.key.partition(".")
        node = config.get(group)
        values[option.column] = node.get(key, option.default) if isinstance(node, dict) else option.default
    return values


def effective(settings: dict, n_samples: int) -> dict:
    """`settings` as trained on `n_samples` rows: a batch_size of at least n_samples is the whole
    set, None, since it trains exactly the full-batch net; labelling it `batch 10` would split one
    training into two rows of a comparison and name a difference that was not there."""
    batch_size = settings.get("batch_size")
    if batch_size is not None and batch_size >= n_samples:
        return {**settings, "batch_size": None}
    return settings


def normal(column: str, value: object) -> object:
    """A value as read back from a CSV, made comparable with the config's: an empty batch_size
    is None (the whole set), 10.0 is 10, 'True' is True."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if column in ("bias", "shuffle"):
        return value if isinstance(value, bool) else {"True": True, "False": False}.get(str(value), value)
    if column == "batch_size":
        return int(value) if float(value).is_integer() else value
    if column in ("momentum", "l2", "beta1", "beta2", "epsilon"):
        return float(value)
    return value


def is_default(column: str, value: object) -> bool:
    return normal(column, value) == DEFAULTS[column]


def words(column: str, value: object) -> str:
    """How a label says an option's value: `tanh`, `bias`, `no bias`, `batch 10`, `momentum=0.9`."""
    value = normal(column, value)
    if column in ("bias", "shuffle"):
        return column if value else f"no {column}"
    if column == "batch_size":
        return "full batch" if value is None else f"batch {value}"
    if column in ("activation", "init", "loss", "optimizer"):
        return str(value)
    # repr: the shortest text that reads back as the same float, so 0.9 and 0.9000001 never share a label.
    return f"{column}={value!r}" if isinstance(value, float) else f"{column}={value}"


def changed(settings: dict) -> list[str]:
    """The words for every option of `settings` ({column: value}) that is not its default."""
    return [words(column, settings[column]) for column in COLUMNS
            if column in settings and not is_default(column, settings[column])]


def model_label(model: str, settings: dict) -> str:
    """`two_layer`, or `two_layer tanh bias log_loss`: the model and its non-default options."""
    return " ".join([model, *changed(settings)])
