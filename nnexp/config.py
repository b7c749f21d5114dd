"""The config schema: typed dataclasses registered in Hydra's ConfigStore, plus range checks.

Hydra merges every YAML file in `conf/` onto these dataclasses, so a value of the wrong type
or an unknown key is refused while the config is composed, before any training starts.
Ranges (a positive learning rate, a seed >= 0, ...) are not types; `check` enforces them.
Names for what was trained live in nnexp.names. Hydra's own errors are said in one line by
nnexp.messages.

The values themselves live in the YAML files, with comments; the schema only holds types.
"""

from __future__ import annotations

import difflib
import re
import math
import typing
import unicodedata
from pathlib import Path
from dataclasses import dataclass, field, is_dataclass
from typing import Any, List, Optional

from hydra.core.config_store import ConfigStore
from hydra.errors import CompactHydraException
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

from nnexp.network import ACTIVATIONS, INITS
from nnexp.options import DEFAULTS
from nnexp.training import LOSSES, OPTIMIZERS


class ConfigError(CompactHydraException):
    """A user's config value is out of range. Hydra prints just the message, no traceback."""


@dataclass
class ModelConfig:
    name: str = MISSING
    # Widths of the hidden layers: [] is the perceptron, [4] the notebook's two-layer net.
    hidden: List[int] = MISSING
    activation: str = MISSING  # the hidden layers': nnexp.network.ACTIVATIONS
    bias: bool = MISSING
    init: str = MISSING  # uniform | glorot


@dataclass
class DataConfig:
    """What every dataset has. A file in conf/data/ picks one of the kinds below as its schema
    (its defaults list: `- /nnexp_data_table@_here_`), so that a key of another kind is refused
    by name: `data=xor data.noise=0.1` has no noise to set."""

    name: str = MISSING
    # Defaults here, unlike elsewhere in the schema, so that a truth table of one's own written
    # before nnexp had them still reads: trained on every row, on every column.
    seed: int = 0  # the generator's and the split's: default_rng(data.seed), apart from `seed`
    test_fraction: float = 0.0  # held out, per class; 0: train on every row
    features: Optional[List[str]] = None  # what the network sees (nnexp.data.DERIVED); None: every column


@dataclass
class TableDataConfig(DataConfig):
    # Rows are List[Any], not List[float]: OmegaConf 2.3 refuses ints inside nested float lists
    # (omry/omegaconf#1054), so `[[0, 0, 1]]` would fail. nnexp.data.make_dataset checks the
    # values are numbers instead.
    inputs: List[List[Any]] = MISSING  # (n_samples, n_inputs)
    targets: List[float] = MISSING  # (n_samples,), each 0 or 1
    probes: List[List[Any]] = MISSING  # (n_probes, n_inputs): inputs whose outputs are reported


@dataclass
class GeneratedDataConfig(DataConfig):
    generator: str = MISSING  # nnexp.generators.GENERATORS
    n_samples: int = MISSING  # half of each class
    noise: float = MISSING  # nnexp.generators.NOISE_RANGE


@dataclass
class CsvDataConfig(DataConfig):
    path: str = MISSING  # a CSV file with a header row
    target: str = MISSING  # its column of 0/1 labels; the other columns are the inputs


DATA_KINDS = {"nnexp_data_table": TableDataConfig, "nnexp_data_generated": GeneratedDataConfig,
              "nnexp_data_csv": CsvDataConfig}
KIND_WORDS = {"nnexp_data_table": "a truth table", "nnexp_data_generated": "generated 2-D data",
              "nnexp_data_csv": "CSV data"}
KIND_EXAMPLES = {"nnexp_data_table": "xor", "nnexp_data_generated": "circle", "nnexp_data_csv": "csv"}


@dataclass
class TrainConfig:
    iterations: int = MISSING
    lr: float = MISSING
    log_every: int = MISSING
    loss: str = MISSING  # nnexp.training.LOSSES
    batch_size: Optional[int] = MISSING  # None: the whole training set
    shuffle: bool = MISSING
    optimizer: str = MISSING  # nnexp.training.OPTIMIZERS
    momentum: float = MISSING
    l2: float = MISSING
    beta1: float = MISSING
    beta2: float = MISSING
    epsilon: float = MISSING


@dataclass
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    seed: int = MISSING
    replicas: int = MISSING  # networks trained together: seeds seed, seed+1, ..., seed+replicas-1
    threshold: float = MISSING
    plot: bool = MISSING  # draw the run's error_curve.png
    report_plots: bool = MISSING  # draw the sweep report's pictures
    resume: bool = MISSING  # a sweep (-m) into its own folder again: skip its finished jobs, run the rest


def register() -> None:
    """Make the schema available to `conf/config.yaml` as the first entry of its defaults list."""
    store = ConfigStore.instance()
    store.store(name="nnexp_schema", node=Config)
    for name, node in DATA_KINDS.items():
        store.store(name=name, node=node)


def _fail(key: str, allowed: str, value: object) -> None:
    raise ConfigError(f"The '{key}' parameter must be {allowed}. Got {value!r} instead.")


def check(cfg: DictConfig) -> None:
    """Raise ConfigError, naming the key, for the first key or value that is wrong.

    Hydra has checked the types while composing; this checks what types cannot say: no key
    added (`+epochs=5` would otherwise be ignored without a word) or removed (`~seed`), every
    value given and every `${...}` resolvable, the ranges, a model name that says what its
    widths build, and sizes that fit in memory. The dataset's own shape checks live with the
    dataset (nnexp.data), and `check_sizes` runs once the dataset says its size.
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
        raise ConfigError(f"The '{error.full_key}' parameter cannot be read: {first_line(error)}.") from None
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
    _check_options(cfg, hidden)
    for key in ("model.name", "data.name"):
        _check_visible(key, OmegaConf.select(cfg, key))
    _check_model_name(cfg.model.name, hidden)


def _check_options(cfg: DictConfig, hidden: list[int]) -> None:
    """The choices beyond the notebook's (nnexp.options): each one of its allowed values, and
    none that would change nothing, since a label naming it would then say what did not happen."""
    model, train = cfg.model, cfg.train
    for key, value, allowed in (("model.activation", model.activation, ACTIVATIONS),
                                ("model.init", model.init, INITS),
                                ("train.loss", train.loss, LOSSES),
                                ("train.optimizer", train.optimizer, OPTIMIZERS)):
        if value not in allowed:
            _fail(key, f"one of {', '.join(allowed)}", value)
    if train.batch_size is not None and train.batch_size < 1:
        _fail("train.batch_size", "null (the whole training set) or an int >= 1", train.batch_size)
    if not (0.0 <= train.momentum < 1.0):
        _fail("train.momentum", "a float in the range [0, 1)", train.momentum)
    if not (math.isfinite(train.l2) and train.l2 >= 0.0):
        _fail("train.l2", "a finite float >= 0 (scikit-learn's alpha)", train.l2)
    for key in ("beta1", "beta2"):
        if not (0.0 <= train[key] < 1.0):
            _fail(f"train.{key}", "a float in the range [0, 1)", train[key])
    if not (math.isfinite(train.epsilon) and train.epsilon > 0.0):
        _fail("train.epsilon", "a finite float > 0", train.epsilon)
    if not hidden and model.activation != "sigmoid":
        raise ConfigError(f"The 'model.activation' parameter sets the hidden layers' activation, and "
                          f"model={model.name} has none (model.hidden=[]). Got {model.activation!r} instead: "
                          f"leave it at sigmoid, or give the model hidden layers.")
    if train.optimizer == "adam" and train.momentum:
        raise ConfigError(f"The 'train.momentum' parameter applies to optimizer=sgd; Adam's momentum is "
                          f"train.beta1. Got {train.momentum!r} with train.optimizer=adam instead.")
    if train.optimizer == "sgd":
        for key in ("beta1", "beta2", "epsilon"):
            if train[key] != DEFAULTS[key]:
                raise ConfigError(f"The 'train.{key}' parameter applies to optimizer=adam. Got {train[key]!r} "
                                  f"with train.optimizer=sgd instead: leave it at {DEFAULTS[key]:g}, or add "
                                  f"train.optimizer=adam.")


# The largest seed: tables store seeds as int64.
MAX_SEED = 2**63 - 1

# Models whose name promises an architecture: {name: (check on the widths, what it means)}.
# Any other name (mlp, or a model of the user's own) may have any widths.
ARCHITECTURES = {
    "perceptron": (lambda hidden: hidden == [], "has no hidden layer (model.hidden=[])"),
    "two_layer": (lambda hidden: len(hidden) == 1, "has one hidden layer (model.hidden=[width])"),
}


def _check_visible(key: str, name: str) -> None:
    """Refuse a name that reads as another: `two_layer ` or `perceptron` with an invisible
    character would pass for the real one in every table while escaping the checks on it."""
    invisible = [char for char in name if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")]
    if not name.strip() or name != name.strip() or invisible:
        _fail(key, "a name one can see whole: no spaces around it, no invisible characters", name)


def _check_model_name(name: str, hidden: list[int]) -> None:
    """Refuse a model name that would call the trained network what it is not: results, folders
    and reports are labelled by the name, so `model=perceptron model.hidden=[4]` would file a
    two-layer net as a perceptron."""
    if name in ARCHITECTURES and not ARCHITECTURES[name][0](hidden):
        raise ConfigError(
            f"The 'model.hidden' parameter contradicts model={name}, which {ARCHITECTURES[name][1]}. "
            f"Got {hidden} instead. For other widths choose model=mlp model.hidden={compact(hidden)}."
        )


# The most numbers one array of a run may hold (800 MB of float64): far above any sensible
# run, far below what would end in a MemoryError half way through.
MAX_ARRAY = 100_000_000


def check_sizes(cfg: DictConfig, n_rows: int, n_inputs: int) -> None:
    """Refuse up front a run whose arrays could not fit in memory, naming the keys that set them.
    n_rows: the dataset's training, test and probe rows; n_inputs: the features the network sees."""
    hidden = list(cfg.model.hidden)
    points = cfg.train.iterations // cfg.train.log_every + 2
    if cfg.replicas * points > MAX_ARRAY:
        raise ConfigError(
            f"The error history would hold replicas x (train.iterations / train.log_every) = "
            f"{cfg.replicas:,} x {points - 2:,} points, more than the {MAX_ARRAY:,} nnexp keeps in memory. "
            f"Raise train.log_every, or lower train.iterations or replicas."
        )
    widest = max([*hidden, n_inputs])
    sizes = [n_inputs, *hidden, 1]
    n_weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    if cfg.replicas * max(n_rows * widest, n_weights) > MAX_ARRAY:
        raise ConfigError(
            f"The networks would hold replicas x max(rows x widest layer, weights) = {cfg.replicas:,} x "
            f"{max(n_rows * widest, n_weights):,} numbers in one array, more than the {MAX_ARRAY:,} nnexp "
            f"allows. Lower replicas or model.hidden (or the data's rows)."
        )


def compact(values: list) -> str:
    """[4, 4] as a user types it on the command line: [4,4]."""
    return "[" + ",".join(str(v) for v in values) + "]"


def _check_keys(node: DictConfig, schema: type, path: str) -> None:
    """Refuse keys of `node` that the dataclass `schema` lacks, and keys it needs that are gone.
    A node made from a subclass of `schema` (data: one kind of DataConfig) has the subclass's keys."""
    kind = OmegaConf.get_type(node)
    if isinstance(kind, type) and is_dataclass(kind) and issubclass(kind, schema):
        schema = kind
    types = field_types(schema)
    for key in node:
        if key not in types and not (key == "hydra" and not path):  # `hydra`: composed with it
            raise ConfigError(unknown_key(path + key, schema=schema))
    for key, kind in types.items():
        if key not in node.keys():  # not `in node`, which is False for a `???` value as well
            raise ConfigError(missing_key(path + key))
        if is_dataclass(kind):
            _check_keys(node[key], kind, f"{path}{key}.")


CONF = Path(__file__).resolve().parents[1] / "conf"

# --- the schema's keys in words: for check, and for nnexp.messages -------------------------

def missing_key(key: str) -> str:
    """The message for a key of the schema that is gone from the config."""
    return f"The '{key}' parameter is missing (removed with ~{key}?); nnexp needs every parameter of its config."


def unknown_key(key: str, cause: OmegaConfBaseException | None = None, schema: Any = None) -> str:
    """The message for a key the schema lacks: the closest key it has, and all of them. schema:
    the dataclass the key's parent has, if known (else the schema's type at that path; a data
    config's kind is named in OmegaConf's error, `object_type=GeneratedDataConfig`)."""
    path, _, name = key.rpartition(".")
    schema = schema or object_type(cause) or schema_type(path)
    if not is_dataclass(schema):  # outside nnexp's schema, e.g. hydra.launcher.*: Hydra's words
        return f"There is no '{key}' parameter" + (f" ({first_line(cause)})." if cause else ".")
    names = list(field_types(schema))
    prefix = f"{path}." if path else ""
    message = f"There is no '{key}' parameter."
    if path == "data" and schema in (DataConfig, *DATA_KINDS.values()):
        owners = [kind for name_, kind in DATA_KINDS.items() if name in field_types(kind)]
        if owners and schema is DataConfig:  # a file of conf/data/ that picked no kind
            schema_name = next(n for n, k in DATA_KINDS.items() if k is owners[0])
            return (f"There is no '{key}' parameter in a dataset of no kind: a file in conf/data/ names its "
                    f"kind first, `defaults: [/{schema_name}@_here_, _self_]` for {KIND_WORDS[schema_name]} "
                    f"(as conf/data/{KIND_EXAMPLES[schema_name]}.yaml does).")
        if owners:
            schema_name = next(n for n, k in DATA_KINDS.items() if k is owners[0])
            mine = next(n for n, k in DATA_KINDS.items() if k is schema)
            return (f"There is no '{key}' parameter in {KIND_WORDS[mine]}: it belongs to "
                    f"{KIND_WORDS[schema_name]} (data={KIND_EXAMPLES[schema_name]}). Keys of data: {', '.join(names)}. "
                    f"(Sweeping data=... with -m? Hydra first checks {key}=... against the default data: "
                    f"write ++{key}=... to set it for the data you sweep.)")
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        message += f" Did you mean '{prefix}{close[0]}'?"
    return f"{message} Keys of {path or 'the config'}: {', '.join(names)}."


def object_type(cause: OmegaConfBaseException | str | None) -> type | None:
    """The dataclass OmegaConf's error (or its text) names as the node's type, if it is one of
    nnexp's data kinds."""
    kind = getattr(cause, "object_type", None)
    if kind is None and cause is not None:
        match = re.search(r"object_type=(\w+)", str(cause))
        kind = match and {k.__name__: k for k in DATA_KINDS.values()}.get(match.group(1))
    return kind if isinstance(kind, type) and kind in DATA_KINDS.values() else None


def schema_type(key: str, data_kind: type | None = None) -> Any:
    """The schema's type at dotted `key` ('' is the whole config, `Config`); None if it has none.
    data_kind: the kind of `data` the config holds (OmegaConf's errors name it); unknown, a key
    below `data` is looked up in the kind that has it (`data.inputs`: a truth table's)."""
    kind: Any = Config
    for part in key.split(".") if key else []:
        if kind is DataConfig:
            kinds = [data_kind] if data_kind else [k for k in DATA_KINDS.values() if part in field_types(k)]
            kind = kinds[0] if kinds else kind
        kind = field_types(kind).get(part) if is_dataclass(kind) else None
    return kind


def field_types(schema: type) -> dict[str, Any]:
    """{key: type} of the dataclass `schema`."""
    return typing.get_type_hints(schema)


def first_line(error: OmegaConfBaseException) -> str:
    """The first line of OmegaConf's message, without a closing full stop: to end a sentence of ours."""
    return str(error.msg or error).splitlines()[0].rstrip(".")
