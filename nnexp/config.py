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
from collections.abc import Mapping, Sequence
from pathlib import Path
from dataclasses import dataclass, field, is_dataclass
from typing import Any, List

import numpy as np
import yaml
from hydra.core.config_store import ConfigStore
from hydra.core.object_type import ObjectType
from hydra.core.override_parser.overrides_parser import OverridesParser
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
    resume: bool = MISSING  # a sweep (-m) into its own folder again: skip its finished jobs, run the rest


def register() -> None:
    """Make the schema available to `conf/config.yaml` as the first entry of its defaults list."""
    ConfigStore.instance().store(name="nnexp_schema", node=Config)


def _fail(key: str, allowed: str, value: object) -> None:
    raise ConfigError(f"The '{key}' parameter must be {allowed}. Got {value!r} instead.")


def check(cfg: DictConfig) -> None:
    """Raise ConfigError, naming the key, for the first key or value that is wrong.

    Hydra has checked the types while composing; this checks what types cannot say: no key
    added (`+epochs=5` would otherwise be ignored without a word) or removed (`~seed`), every
    value given and every `${...}` resolvable, the ranges, a model name that says what its
    widths build, and sizes that fit in memory. The dataset's own shape checks live with the
    dataset (`nnexp.data.make_dataset`).
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
    if cfg.seed + cfg.replicas - 1 > MAX_SEED:
        # Seeds are stored as int64 in every table; NumPy would take a larger one, pandas not.
        _fail("seed", f"an int from 0 to {MAX_SEED:,} - (replicas - 1), so that every seed fits in "
              "64 bits", cfg.seed)
    if not 0.0 < cfg.threshold < 1.0:
        _fail("threshold", "a float in the open range (0, 1)", cfg.threshold)
    if cfg.train.iterations < 1:
        _fail("train.iterations", "an int >= 1", cfg.train.iterations)
    if not (math.isfinite(cfg.train.lr) and cfg.train.lr > 0.0):
        _fail("train.lr", "a finite float > 0", cfg.train.lr)
    if cfg.train.log_every < 1:
        _fail("train.log_every", "an int >= 1", cfg.train.log_every)
    hidden = OmegaConf.to_container(cfg.model.hidden)
    if not all(isinstance(width, int) and not isinstance(width, bool) and width >= 1 for width in hidden):
        _fail("model.hidden", "a list of layer widths, each an int >= 1, e.g. [4, 4]", hidden)
    _check_model_name(cfg.model.name, hidden)
    _check_sizes(cfg, hidden)


# The largest seed: tables store seeds as int64.
MAX_SEED = 2**63 - 1

# Models whose name promises an architecture: {name: (check on the widths, what it means)}.
# Any other name (mlp, or a model of the user's own) may have any widths.
ARCHITECTURES = {
    "perceptron": (lambda hidden: hidden == [], "has no hidden layer (model.hidden=[])"),
    "two_layer": (lambda hidden: len(hidden) == 1, "has one hidden layer (model.hidden=[width])"),
}


def _check_model_name(name: str, hidden: list[int]) -> None:
    """Refuse a model name that would call the trained network what it is not: results, folders
    and reports are labelled by the name, so `model=perceptron model.hidden=[4]` would file a
    two-layer net as a perceptron."""
    if name in ARCHITECTURES and not ARCHITECTURES[name][0](hidden):
        raise ConfigError(
            f"The 'model.hidden' parameter contradicts model={name}, which {ARCHITECTURES[name][1]}. "
            f"Got {hidden} instead. For other widths choose model=mlp model.hidden={_compact(hidden)}."
        )


# The most numbers one array of a run may hold (800 MB of float64): far above any sensible
# run, far below what would end in a MemoryError half way through.
MAX_ARRAY = 100_000_000


def _check_sizes(cfg: DictConfig, hidden: list[int]) -> None:
    """Refuse up front a run whose arrays could not fit in memory, naming the keys that set them."""
    points = cfg.train.iterations // cfg.train.log_every + 2
    if cfg.replicas * points > MAX_ARRAY:
        raise ConfigError(
            f"The error history would hold replicas x (train.iterations / train.log_every) = "
            f"{cfg.replicas:,} x {points - 2:,} points, more than the {MAX_ARRAY:,} nnexp keeps in memory. "
            f"Raise train.log_every, or lower train.iterations or replicas."
        )
    n_rows = len(cfg.data.inputs) + len(cfg.data.probes)
    widest = max([*hidden, len(cfg.data.inputs[0]) if len(cfg.data.inputs) else 1])
    sizes = [len(cfg.data.inputs[0]) if len(cfg.data.inputs) else 1, *hidden, 1]
    n_weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    if cfg.replicas * max(n_rows * widest, n_weights) > MAX_ARRAY:
        raise ConfigError(
            f"The networks would hold replicas x max(rows x widest layer, weights) = {cfg.replicas:,} x "
            f"{max(n_rows * widest, n_weights):,} numbers in one array, more than the {MAX_ARRAY:,} nnexp "
            f"allows. Lower replicas or model.hidden."
        )


def _compact(values: list) -> str:
    """[4, 4] as a user types it on the command line: [4,4]."""
    return "[" + ",".join(str(v) for v in values) + "]"


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


CONF = Path(__file__).resolve().parents[1] / "conf"

# Keys of a dataset that hold its content; a value shorter than this is said in the name.
DATA_CONTENT = ["inputs", "targets", "probes"]
SHORT_VALUE = 24


def data_name(data: DictConfig, choice: str | None) -> str:
    """The dataset's name for tables, folders and reports: `data.name`, marked with what was
    changed from the config it came from, so that `data=xor data.targets=[1,0,0,1]` (XNOR) is
    filed as `xor (targets=[1,0,0,1])`, never as xor. A name the user gave (data.name=xnor) is
    theirs and stays as given."""
    preset_file = CONF / "data" / f"{choice}.yaml" if choice else None
    if preset_file is None or not preset_file.is_file():
        return data.name
    try:
        preset = OmegaConf.to_container(OmegaConf.load(preset_file))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, OmegaConfBaseException):
        return data.name
    if data.name != preset.get("name"):
        return data.name
    changes = []
    for key in DATA_CONTENT:
        value = OmegaConf.to_container(data[key])
        if not _same_numbers(value, preset.get(key, [])):
            text = _compact_nested(value)
            changes.append(f"{key}={text}" if len(text) <= SHORT_VALUE else f"{key} changed")
    return f"{data.name} ({', '.join(changes)})" if changes else data.name


def _same_numbers(a: list, b: list) -> bool:
    """Equal as numbers and shapes: [0, 1] equals [0.0, 1.0]."""
    try:
        return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    except (TypeError, ValueError):  # ragged or non-numeric: make_dataset refuses those
        return a == b


def _compact_nested(value) -> str:
    return _compact([_compact_nested(v) if isinstance(v, list) else f"{v:g}" if isinstance(v, float)
                     else v for v in value]) if isinstance(value, list) else str(value)


# --- one-line messages for the mistakes Hydra finds while composing -------------------------

def explain(error: BaseException) -> str | None:
    """The user's mistake behind `error`, said in one line; None if it is not a config mistake.

    Hydra reports a bad command line over several lines and suggests `+key=value` for an unknown
    key, which would be ignored; nnexp says what is allowed instead.
    """
    if isinstance(error, ConfigError):
        return str(error)
    if isinstance(error, MissingConfigException) and error.missing_cfg_file in UNREADABLE:
        return UNREADABLE[error.missing_cfg_file]  # a broken file in experiments/ (nnexp.presets)
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
    if isinstance(error, UnicodeDecodeError):
        # Hydra reads conf/ files as UTF-8 and lets the error out without the file's name.
        path = _raised_with(error, "full_path")
        return not_utf8(Path(path)) if path else None
    if isinstance(error, (TypeError, ValueError)) and _raised_in(error, "hydra/_internal/defaults_list.py"):
        return _group_choice(error)
    in_file = re.fullmatch(r"In '([^']+)': (\w+) raised while composing config:\n(.*)", str(error), re.DOTALL)
    if isinstance(error, ConfigCompositionException) and in_file:
        # A wrong key or value in a config file (conf/data/mine.yaml), not on the command line.
        where, kind, text = in_file.groups()
        key = re.search(r"full_key: (\S+)", text)
        key = key.group(1) if key else ""
        if key and kind in ("ConfigKeyError", "ConfigAttributeError"):
            return f"In config '{where}': {_unknown_key(key)}"
        if key.isdigit():  # an element of a list, named by its index alone: find the list
            key = _merged_key(error) or ""
        base = re.sub(r"\[\d+\]", "", key)
        if base and _expected(base):
            return f"In config '{where}': the '{base}' parameter must be {_expected(base)}."
        return f"In config '{where}': {_flat(text)}"
    cause = error.__cause__
    if isinstance(error, ConfigCompositionException) and isinstance(cause, OmegaConfBaseException):
        key, value = _merged_override(error, cause)
        if isinstance(cause, (ConfigAttributeError, ConfigKeyError)) and str(cause).startswith("Key '"):
            return _missing(key) if _schema_type(key) is not None else _unknown_key(key, cause)
        # An element of a list (`data.targets[0]`) is checked against the list's type.
        base = re.sub(r"\[\d+\]", "", key)
        expected = _expected(base) if base else None
        where = f" at {key}" if base != key else ""
        if expected:
            return f"The '{base}' parameter must be {expected}. Got {short_repr(value)}{where} instead."
        return f"The '{key}' parameter cannot take {short_repr(value)}: {_first_line(cause)}."
    if isinstance(error, CompactHydraException):
        if str(error).startswith("Ambiguous value for argument"):
            override = str(error).split("'")[1]
            return (f"'{override}' holds several values: add -m (--multirun) to sweep over them, "
                    f"or write key=[a,b] for a list.")
        return _flat(str(error).split("Config search path:")[0])
    return None


# hydra/launcher options that come with one of nnexp's optional extras (pyproject.toml).
LAUNCHER_EXTRAS = {"joblib": "parallel", "submitit_local": "slurm", "submitit_slurm": "slurm"}

# Config files that exist but cannot be used, by the name Hydra looks them up under
# ('experiment/xor_seeds'): why, in one line. nnexp.presets fills it; Hydra, which never gets
# these files, says "not found", and `explain` says this instead.
UNREADABLE: dict[str, str] = {}


def not_utf8(path: Path) -> str | None:
    """'FILE, line N: not UTF-8 text ...' when the file at `path` is not UTF-8; None when it is."""
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        return (f"{path}, line {line}: not UTF-8 text (byte 0x{data[error.start]:02x}); "
                f"save the file as UTF-8.")
    except OSError:
        return None
    return None


# The longest value a message shows as it is; a longer one is said by what it is.
SHORT_REPR = 30


def short_repr(value: object) -> str:
    """`value` as a message may show it: in full when short, else what it is (a list of 200
    rows), so that a one-line message stays one line and never echoes a dataset."""
    text = repr(value)
    if len(text) <= SHORT_REPR:
        return text
    if isinstance(value, Sequence) and not isinstance(value, str):
        return f"a list of {len(value)} values"
    if isinstance(value, Mapping):
        return f"a group of {len(value)} keys"
    return text[:SHORT_REPR - 3] + "..."


def _merged_override(error: ConfigCompositionException, cause: OmegaConfBaseException) -> tuple[str, object]:
    """The dotted key and the value an override could not be merged at.

    OmegaConf names the key of a value inside a new list by its index alone (`data.inputs=[1,2]`
    fails at full_key 0), and gives no value when it cannot merge a whole node (a dict into a
    list): both are completed from the override itself, `Error merging override KEY=VALUE`.
    """
    key, value = cause.full_key, cause.value
    line = re.fullmatch(r"Error merging override (.+)", str(error), re.DOTALL)
    if line is None:
        return str(key or ""), value
    try:
        override = OverridesParser.create().parse_override(line.group(1))
        root, root_value = override.key_or_group, override.value()
    except Exception:  # the override parsed once already; if not again, keep OmegaConf's words
        return str(key or ""), value
    if isinstance(key, int):
        key = f"{root}[{key}]"
    elif not (isinstance(key, str) and key.startswith(root)):
        key = root
    try:
        for index in re.findall(r"\[(\d+)\]", key[len(root):]):
            root_value = root_value[int(index)]
        value = root_value
    except (IndexError, KeyError, TypeError):
        pass
    return key, value


def _merged_key(error: BaseException) -> str | None:
    """The dotted key OmegaConf was merging a config file at when it failed: the keys of its
    dict merges and the indices of its list appends, read from the frames of the traceback."""
    parts, seen, frame = [], set(), error.__traceback__
    while frame is not None:
        code, local = frame.tb_frame.f_code, frame.tb_frame.f_locals
        if id(frame.tb_frame) not in seen and "/omegaconf/" in code.co_filename.replace("\\", "/"):
            if code.co_name == "_map_merge" and isinstance(local.get("key"), str):
                parts.append(f".{local['key']}")
            elif code.co_name == "append" and isinstance(local.get("index"), int):
                parts.append(f"[{local['index']}]")
        seen.add(id(frame.tb_frame))
        frame = frame.tb_next
    return "".join(parts).lstrip(".") or None


def _raised_in(error: BaseException, file: str) -> bool:
    """Whether `error` was raised in the source file whose path ends with `file`."""
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and frame.tb_frame.f_code.co_filename.replace("\\", "/").endswith(file)


def _raised_with(error: BaseException, name: str) -> Any:
    """The local variable `name` of the innermost frame of `error`'s traceback that has one.

    Where Hydra lets a bare Python error out (a file that is not UTF-8, a group given a number),
    the message lacks what the user needs to hear, the file or the group: its frames hold it.
    """
    found, frame = None, error.__traceback__
    while frame is not None:
        found = frame.tb_frame.f_locals.get(name, found)
        frame = frame.tb_next
    return found


def _group_choice(error: BaseException) -> str | None:
    """A config group given something other than a config's name: `data=1`, `data=null` (Hydra
    raises ValueError) or `data=[1]` (TypeError)."""
    override, default, repo = (_raised_with(error, name) for name in ("override", "d", "repo"))
    if getattr(default, "group", None) is not None:
        group, value = default.group, _raised_with(error, "item")
    elif override is not None:
        group, value = override.key_or_group, override.value()
    else:
        return None
    message = f"The '{group}' choice must be the name of a config in its group. Got {short_repr(value)} instead."
    try:
        options = repo.get_group_options(group, ObjectType.CONFIG)
    except Exception:  # the message stands without the list
        return message
    return f"{message} Choose one of: {', '.join(options)}."


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
