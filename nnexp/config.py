"""The config schema: typed dataclasses registered in Hydra's ConfigStore, plus range checks.

Hydra merges every YAML file in `conf/` onto these dataclasses, so a value of the wrong type
or an unknown key is refused while the config is composed, before any training starts.
Ranges (a positive learning rate, a seed >= 0, ...) are not types; `check` enforces them.

The values themselves live in the YAML files, with comments; the schema only holds types.
"""

from __future__ import annotations

import difflib
import math
import re
import typing
from dataclasses import dataclass, field, is_dataclass
from typing import Any, List

import yaml
from hydra.core.config_store import ConfigStore
from hydra.errors import (CompactHydraException, ConfigCompositionException, MissingConfigException,
                          OverrideParseException)
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, MissingMandatoryValue, OmegaConfBaseException


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
    """Raise ConfigError, naming the key, for the first key or value that is wrong.

    Hydra has checked the types while composing; this checks what types cannot say: no key
    added (`+epochs=5` would otherwise be ignored without a word) or removed (`~seed`), every
    value given and every `${...}` resolvable, and the ranges. The dataset's own shape checks
    live with the dataset (`nnexp.data.make_dataset`).
    """
    _check_keys(cfg, Config, "")
    try:
        for key in [key for key in cfg.keys() if key != "hydra"]:  # `hydra` resolves only in a job
            value = cfg[key]  # raises for `???` and for an interpolation that fails
            if isinstance(value, DictConfig):
                OmegaConf.to_container(value, resolve=True, throw_on_missing=True)
    except MissingMandatoryValue as error:
        raise ConfigError(f"The '{error.full_key}' parameter has no value (???); give it one, "
                          f"e.g. {error.full_key}=...") from None
    except OmegaConfBaseException as error:
        raise ConfigError(f"The '{error.full_key}' parameter cannot be read: {_first_line(error)}.") from None
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


def _check_keys(node: DictConfig, schema: type, path: str) -> None:
    """Refuse keys of `node` that the dataclass `schema` lacks, and keys it needs that are gone."""
    types = _types(schema)
    for key in node:
        if key not in types and not (key == "hydra" and not path):  # `hydra`: composed with it
            raise ConfigError(_unknown_key(path + key))
    for key, kind in types.items():
        if key not in node.keys():  # not `in node`, which is False for a `???` value as well
            raise ConfigError(_missing(path + key))
        if is_dataclass(kind):
            _check_keys(node[key], kind, f"{path}{key}.")


# --- one-line messages for the mistakes Hydra finds while composing -------------------------

def explain(error: BaseException) -> str | None:
    """The user's mistake behind `error`, said in one line; None if it is not a config mistake.

    Hydra reports a bad command line over several lines and suggests `+key=value` for an unknown
    key, which would be ignored; nnexp says what is allowed instead.
    """
    if isinstance(error, ConfigError):
        return str(error)
    if isinstance(error, MissingConfigException) and error.options is not None and error.missing_cfg_file:
        group, _, name = error.missing_cfg_file.rpartition("/")
        message = f"There is no {group} '{name}'. Choose one of: {', '.join(error.options)}."
        extra = LAUNCHER_EXTRAS.get(name) if group == "hydra/launcher" else None
        if extra and name not in error.options:
            message += f" {group}={name} needs the '{extra}' extra: pip install -e '.[{extra}]'"
        return message
    if isinstance(error, OverrideParseException):
        return f"Cannot read '{error.override}': {_flat(error.message)}"
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"{mark.name}, line {mark.line + 1}: not valid YAML: {error.problem}."
    in_file = re.fullmatch(r"In '([^']+)': (\w+) raised while composing config:\n(.*)", str(error), re.DOTALL)
    if isinstance(error, ConfigCompositionException) and in_file:
        # A wrong key or value in a config file (conf/data/mine.yaml), not on the command line.
        where, kind, text = in_file.groups()
        key = re.search(r"full_key: (\S+)", text)
        if key and kind in ("ConfigKeyError", "ConfigAttributeError"):
            return f"In config '{where}': {_unknown_key(key.group(1))}"
        base = re.sub(r"\[\d+\]", "", key.group(1)) if key else ""
        if key and _expected(base):
            return f"In config '{where}': the '{base}' parameter must be {_expected(base)}."
        return f"In config '{where}': {_flat(text)}"
    cause = error.__cause__
    if isinstance(error, ConfigCompositionException) and isinstance(cause, OmegaConfBaseException):
        key = cause.full_key or ""
        if isinstance(cause, (ConfigAttributeError, ConfigKeyError)) and str(cause).startswith("Key '"):
            return _missing(key) if _schema_type(key) is not None else _unknown_key(key, cause)
        # An element of a list (`data.targets[0]`) is checked against the list's type.
        base = re.sub(r"\[\d+\]", "", key)
        expected = _expected(base)
        where = f" at {key}" if base != key else ""
        if expected:
            return f"The '{base}' parameter must be {expected}. Got {cause.value!r}{where} instead."
        return f"The '{key}' parameter cannot take {cause.value!r}: {_first_line(cause)}."
    if isinstance(error, CompactHydraException):
        if str(error).startswith("Ambiguous value for argument"):
            override = str(error).split("'")[1]
            return (f"'{override}' holds several values: add -m (--multirun) to sweep over them, "
                    f"or write key=[a,b] for a list.")
        return _flat(str(error).split("Config search path:")[0])
    return None


# hydra/launcher options that come with one of nnexp's optional extras (pyproject.toml).
LAUNCHER_EXTRAS = {"joblib": "parallel", "submitit_local": "slurm", "submitit_slurm": "slurm"}


def _missing(key: str) -> str:
    return f"The '{key}' parameter is missing (removed with ~{key}?); nnexp needs every parameter of its config."


def _unknown_key(key: str, cause: OmegaConfBaseException | None = None) -> str:
    path, _, name = key.rpartition(".")
    schema = _schema_type(path)
    if not is_dataclass(schema):  # outside nnexp's schema, e.g. hydra.launcher.*: Hydra's words
        return f"There is no '{key}' parameter" + (f" ({_first_line(cause)})." if cause else ".")
    names = list(_types(schema))
    prefix = f"{path}." if path else ""
    message = f"There is no '{key}' parameter."
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        message += f" Did you mean '{prefix}{close[0]}'?"
    return f"{message} Keys of {path or 'the config'}: {', '.join(names)}."


def _schema_type(key: str) -> Any:
    """The schema's type at dotted `key` ('' is the whole config, `Config`); None if it has none."""
    kind: Any = Config
    for part in key.split(".") if key else []:
        kind = _types(kind).get(part) if is_dataclass(kind) else None
    return kind


# What a value of each schema type looks like, in a user's words.
_TYPE_TEXT = {
    int: "an int",
    float: "a number",
    bool: "true or false",
    str: "a string",
    List[int]: "a list of ints, e.g. [4, 4]",
    List[float]: "a list of numbers, e.g. [0, 1, 1, 0]",
    List[List[Any]]: "a list of rows of numbers, e.g. [[0, 0, 1], [1, 1, 1]]",
}


def _expected(key: str) -> str | None:
    """What the schema allows at dotted `key`, in words; None if the schema has no such key."""
    kind = _schema_type(key)
    if is_dataclass(kind):
        keys = list(_types(kind))
        return f"a group of keys ({', '.join(keys)}), each set on its own, e.g. {key}.{keys[0]}=<value>"
    return _TYPE_TEXT.get(kind)


def _types(schema: type) -> dict[str, Any]:
    return typing.get_type_hints(schema)


def _first_line(error: OmegaConfBaseException) -> str:
    return str(error.msg or error).splitlines()[0].rstrip(".")


def _flat(text: str) -> str:
    """Hydra's message on one line: its lines joined as sentences."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(line if line[-1] in ".:;?!" else line + "." for line in lines)
