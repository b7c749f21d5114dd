"""Names for what a run trained: a dataset's name marked with what was changed
(`xor (targets=[1,0,0,1])`), and a single run's folder name (`two_layer-tanh-bias_xor`).

Tables, folders and reports are labelled by these names, so that a changed dataset or a model
with options other than the notebook's is never filed under the name of the one it came from.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePath

import numpy as np
import yaml
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from nnexp.config import CONF, ConfigError, compact
from nnexp.options import changed, effective, from_config

SHORT_VALUE = 24


def data_name(data: DictConfig, choice: str | None) -> str:
    """The dataset's name for tables, folders and reports: `data.name`, marked with what was
    changed from the config it came from, so that `data=xor data.targets=[1,0,0,1]` (XNOR) is
    filed as `xor (targets=[1,0,0,1])` and `data=circle data.noise=0.2` as `circle (noise=0.2)`,
    never as xor or circle. CSV data is named by its file and target: `heart.csv:disease`. A name
    the user gave (data.name=xnor) is theirs and stays as given."""
    preset = _preset("data", choice)
    if preset is None or data.name != preset.get("name"):
        _refuse_borrowed_name(data)
        return data.name
    name, changes = data.name, []
    if "path" in data and "target" in data:  # CSV: the file says which data it is
        name = f"{PurePath(str(data.path)).name}:{data.target}"
    for key in _content(data):
        if key in ("path", "target") and "path" in data:
            continue
        value = OmegaConf.to_container(data[key]) if OmegaConf.is_config(data[key]) else data[key]
        if not _same(value, preset.get(key, DATA_DEFAULTS.get(key))):
            changes.append(_said(key, value))
    return f"{name} ({', '.join(changes)})" if changes else name


# What a data config written before nnexp had these keys trained with.
DATA_DEFAULTS = {"seed": 0, "test_fraction": 0.0, "features": None}


def _content(data: DictConfig) -> list[str]:
    """The keys of a dataset that say what it holds: all but its name."""
    return [key for key in data.keys() if key != "name"]


def _said(key: str, value: object) -> str:
    """`noise=0.2`, `targets=[1,0,0,1]`, `inputs changed` (a value too long to say),
    `features=x1,x2,x1_squared` (always whole: it is what the network sees)."""
    if key == "features":
        return "features=" + ("all columns" if value is None else ",".join(map(str, value)))
    if key == "seed":  # the data's, never to be read as the network's seed
        return f"data.seed={value}"
    text = (_compact_nested(value) if isinstance(value, list) else f"{value!r}" if isinstance(value, float)
            else str(value))
    return f"{key}={text}" if len(text) <= SHORT_VALUE else f"{key} changed"


def run_name(config: DictConfig) -> str:
    """A single run's folder name after its time: `two_layer_xor`, and what was changed from the
    configs chosen, so that the name says what was trained: `two_layer-8_xor` for
    model.hidden=[8], `two_layer-tanh-bias_xor` for options other than the notebook's
    (nnexp.options), `two_layer-lr0.5-2000ep_xor` for a step size and epochs other than
    conf/config.yaml's, `two_layer_xor-targets-1-0-0-1` for XNOR made from xor. Letters, digits and
    `._-` only, which every shell and file system takes as they are."""
    choices = config.hydra.runtime.choices
    if OmegaConf.select(config, "model") is None:  # `--cfg hydra` shows Hydra's part of a config only
        return f"{choices.get('model')}_{choices.get('data')}"
    model = config.model.name
    preset = _preset("model", choices.get("model"))
    widths = OmegaConf.to_container(config.model.hidden)
    if preset is None or model != preset.get("name") or widths != preset.get("hidden"):
        model += "".join(f"-{width}" for width in widths)
    n_samples = _n_samples(config.data, OmegaConf.select(config, "hydra.runtime.cwd"))
    model = " ".join([model, *changed(effective(from_config(config), n_samples)),  # two_layer tanh bias
                      *_steps(config.train)])  # -> two_layer-tanh-bias-lr0.5-2000ep
    return f"{_slug(model)}_{_slug(data_name(config.data, choices.get('data')))}"


def _steps(train: DictConfig) -> list[str]:
    """`lr0.5`, `2000ep`: the step size and epochs where they are not conf/config.yaml's, so that
    runs of one model at several rates are not folders of one name."""
    defaults = _train_defaults()
    return ([f"lr{train.lr:g}"] if train.lr != defaults.get("lr") else []) + \
        ([f"{train.iterations}ep"] if train.iterations != defaults.get("iterations") else [])


def _train_defaults() -> dict:
    try:
        return dict(OmegaConf.to_container(OmegaConf.load(CONF / "config.yaml")).get("train") or {})
    except (OSError, yaml.YAMLError, OmegaConfBaseException, AttributeError):
        return {}


def model_words(model: str, hidden: object) -> str:
    """`two_layer`, or `two_layer [8]` when the widths are not those of conf/model/two_layer.yaml
    (whose name promises 4 hidden units): a label never lets a reader take an 8-unit net for the
    notebook's. hidden: a list, or results.csv's text of one (`[8]`). A model with no config file
    of its name is always said with its widths."""
    widths = json.loads(hidden) if isinstance(hidden, str) else list(hidden)
    preset = _preset("model", model)
    if preset is not None and preset.get("name") == model and preset.get("hidden") == widths:
        return model
    return f"{model} {compact(widths) if widths else '[]'}".replace(",", ", ")


def _n_samples(data: DictConfig, cwd: str | None) -> int:
    """Rows the network trains on, for `effective`'s full batch (0 if the data cannot be built:
    the run is refused for it anyway). cwd: the launch folder, a relative data.path's."""
    from nnexp.data import build  # nnexp.data imports this module's neighbours; built only here

    try:
        return len(build(OmegaConf.to_container(data, resolve=True), cwd=cwd).inputs)
    except (ConfigError, OmegaConfBaseException, KeyError, TypeError, ValueError):
        return 0


def _preset(group: str, choice: str | None) -> dict | None:
    """conf/<group>/<choice>.yaml as a dict; None if there is no such readable file."""
    file = CONF / group / f"{choice}.yaml" if choice else None
    try:
        if file is None or not file.is_file():  # is_file raises for a name past the system's limit
            return None
        return OmegaConf.to_container(OmegaConf.load(file))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, OmegaConfBaseException):
        return None


def _slug(text: str) -> str:
    """`xor (targets=[1,0,0,1])` -> `xor-targets-1-0-0-1`."""
    text = re.sub(r"(?<=\d)e\+(?=\d)", "e", text)  # 1e+308 -> 1e308, never 1e-308
    return re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-") or "_"


def _refuse_borrowed_name(data: DictConfig) -> None:
    """ConfigError if data.name is the name of a dataset in conf/data/ whose content differs:
    `data=and data.name=xor` would file the AND table as xor. Nor may a name be written the way
    nnexp names a changed dataset (`circle (noise=0.2)`) or a CSV file's (`patients.csv:sick`):
    a name of one's own must not pass for a name nnexp gave."""
    # Compared as a reader sees them: case, and spaces around the bracket, aside.
    look = re.sub(r"\s+", " ", data.name.strip().lower())
    base, bracket, _ = re.sub(r"\s*\(", " (", look, count=1).partition(" (")
    if (bracket and look.endswith(")") and re.fullmatch(r"[\w-]+", base)
            and (_preset("data", base) or _preset("data", base.lower()))) \
            or re.fullmatch(r"\S+\.\w+:\S+", look):
        raise ConfigError(f"The 'data.name' parameter is written as nnexp names its own datasets and CSV files. "
                          f"Got {data.name!r} instead: give the data a name of its own, e.g. data.name=mine.")
    named = _preset("data", data.name) if re.fullmatch(r"[\w-]+", data.name) else None
    if named is None or named.get("name") != data.name:
        return
    differs = [key for key in _content(data)
               if not _same(OmegaConf.to_container(data[key]) if OmegaConf.is_config(data[key]) else data[key],
                            named.get(key, DATA_DEFAULTS.get(key)))]
    if differs:
        raise ConfigError(f"The 'data.name' parameter names nnexp's dataset '{data.name}', but this data's "
                          f"{' and '.join(differs)} differ from it. Got {data.name!r} instead: give the data a "
                          f"name of its own.")


def _same(a: object, b: object) -> bool:
    """Equal as numbers and shapes: [0, 1] equals [0.0, 1.0]; other values as they are."""
    if not isinstance(a, (list, int, float)) or isinstance(a, bool) or not isinstance(b, (list, int, float)):
        return a == b
    try:
        return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    except (TypeError, ValueError):  # ragged or non-numeric: make_dataset refuses those
        return a == b


def _compact_nested(value) -> str:
    return compact([_compact_nested(v) if isinstance(v, list) else f"{v:g}" if isinstance(v, float)
                     else v for v in value]) if isinstance(value, list) else str(value)
