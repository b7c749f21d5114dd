"""The one number a sweep varies, when it varies exactly one, and the table that its picture
(by_<setting>.png) draws: for each of the setting's values, the share of seeds that learned the
training set and the primary metric's median over the seeds, each with its 95% interval.

A setting is a config column of results.csv (`lr`, `iterations`, `l2`, `batch_size`,
`momentum`), the hidden width (`hidden` text such as `[8]`: one layer, or one layer of several
that differs), or a number nnexp marks in the data's name (`circle (n_samples=400, noise=0.2)`;
plain `circle` has conf/data/circle.yaml's values). Tables in, a table out: the numbers are
comparison.csv's (nnexp.comparison, whose intervals nnexp.stats computes).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import yaml

from nnexp.comparison import CONFIG_COLUMNS, comparison_table, primary_metric
from nnexp.config import CONF

# Settings read from their own column; the axis label names the config key.
COLUMNS = {"lr": "learning rate (train.lr)", "iterations": "epochs (train.iterations)",
           "l2": "weight penalty (train.l2)", "batch_size": "rows per step (train.batch_size)",
           "momentum": "momentum (train.momentum)"}
# Settings read from the data's name.
DATA_SETTINGS = {"n_samples": "points in the data (data.n_samples)", "noise": "noise (data.noise)"}


@dataclass
class Swept:
    """What by_<setting>.png draws. table: one row per value of the setting, in increasing order,
    with comparison.csv's n_seeds, success_rate, success_rate_low, success_rate_high,
    <metric>_median, <metric>_median_low, <metric>_median_high and epochs_to_fit_median (with
    _low, _high); seeds: the metric at each seed of each row, (n_seeds,) arrays in the table's
    order; epochs_seeds: the same of epochs_to_fit."""

    setting: str  # `hidden`, `lr`, `noise`, ...: the picture is by_<setting>.png
    label: str  # the setting's axis label: `learning rate (train.lr)`
    metric: str  # test_accuracy (with a test set) or final_error
    higher_is_better: bool
    table: pd.DataFrame
    seeds: list[np.ndarray]
    epochs_seeds: list[np.ndarray] | None = None  # epochs_to_fit at each seed (nan: never fitted), as seeds


def swept_setting(rows: pd.DataFrame) -> tuple[str, pd.Series] | None:
    """(setting, its value at each row (float, rows' index)) when the rows' configurations differ
    in exactly one numeric setting; None when they differ in none, in two or more, or in one
    that is no number (the model, the activation, a dataset, a batch size that is the whole set).

    rows: summary.csv's rows or comparison.csv's, with the config columns (CONFIG_COLUMNS).
    """
    varying = [c for c in CONFIG_COLUMNS if c in rows and rows[c].nunique(dropna=False) > 1]
    if "data" in varying and "data_digest" in varying:
        varying.remove("data_digest")  # changed data has a changed digest: the name says how
    if len(varying) != 1:
        return None
    name = varying[0]
    if name == "hidden":
        found = _hidden_layer(rows)
        return None if found is None else ("hidden", found[1])
    if name == "data":
        return _data_setting(rows["data"])
    if name in COLUMNS:
        values = pd.to_numeric(rows[name], errors="coerce").astype(float)
        return None if values.isna().any() else (name, values)
    return None


def swept(summary: pd.DataFrame, comparison: pd.DataFrame | None = None) -> Swept | None:
    """What by_<setting>.png draws for `summary` (summary.csv's rows), None when no single numeric
    setting is swept. comparison: comparison_table(summary), computed when not given; the
    picture's numbers are its own."""
    found = swept_setting(summary)
    if found is None:
        return None
    setting, values = found
    comparison = comparison_table(summary) if comparison is None else comparison
    metric, higher_is_better = primary_metric(comparison)
    at = swept_setting(comparison)[1]  # one configuration per value: the only setting that differs
    table = comparison.assign(value=at.to_numpy()).sort_values("value", kind="stable").reset_index(drop=True)
    seeds = dict(list(summary[metric].groupby(values.to_numpy())))
    epochs = dict(list(summary["epochs_to_fit"].groupby(values.to_numpy())))
    columns = ["value", "n_seeds", "success_rate", "success_rate_low", "success_rate_high",
               f"{metric}_median", f"{metric}_median_low", f"{metric}_median_high",
               "epochs_to_fit_median", "epochs_to_fit_median_low", "epochs_to_fit_median_high"]
    return Swept(setting, _label(summary, setting), metric, higher_is_better, table[columns],
                 [seeds[value].to_numpy(dtype=float) for value in table["value"]],
                 [epochs[value].to_numpy(dtype=float) for value in table["value"]])


def _hidden_layer(rows: pd.DataFrame) -> tuple[str, pd.Series] | None:
    """(the axis label, the width at each row) when every net has the same number of hidden
    layers and exactly one layer's width differs between them; None otherwise."""
    widths = [json.loads(h) if isinstance(h, str) else list(h) for h in rows["hidden"]]
    if len({len(w) for w in widths}) != 1 or not widths[0]:
        return None
    layers = np.array(widths, dtype=float)  # (n_rows, n_layers)
    differ = [k for k in range(layers.shape[1]) if len(np.unique(layers[:, k])) > 1]
    if len(differ) != 1:
        return None
    label = "hidden units (model.hidden)" if layers.shape[1] == 1 else \
        f"units in hidden layer {differ[0] + 1} of {layers.shape[1]} (model.hidden)"
    return label, pd.Series(layers[:, differ[0]], index=rows.index)


def data_settings(name: str) -> tuple[str, dict[str, str]]:
    """(the data's base name, {key: value as written}) from the name nnexp gives changed data:
    `circle (n_samples=400, noise=0.2)` -> ('circle', {'n_samples': '400', 'noise': '0.2'});
    `circle` -> ('circle', {}). An item without `=` (`inputs changed`) is a key with the value ''."""
    base, bracket, inner = name.partition(" (")
    if not bracket or not inner.endswith(")"):
        return name, {}
    items = [item.partition("=") for item in inner[:-1].split(", ")]
    return base, {key: value for key, _, value in items}


def _data_setting(names: pd.Series) -> tuple[str, pd.Series] | None:
    """(n_samples or noise, its value at each row) when the data's names differ only in it."""
    parsed = [data_settings(name) for name in names]
    if len({base for base, _ in parsed}) != 1:
        return None
    rest = {tuple(sorted((k, v) for k, v in items.items() if k not in DATA_SETTINGS)) for _, items in parsed}
    if len(rest) != 1:
        return None  # the data differ in something else too: features, targets, data.seed
    defaults = _data_defaults(parsed[0][0])
    found = None
    for key in DATA_SETTINGS:
        try:
            values = [float(items[key]) if key in items else float(defaults[key]) for _, items in parsed]
        except (KeyError, TypeError, ValueError):  # no default to read, or `noise changed`
            if any(key in items for _, items in parsed):
                return None
            continue
        if len(set(values)) > 1:
            if found is not None:
                return None
            found = key, pd.Series(values, index=names.index)
    return found


def _data_defaults(base: str) -> dict:
    """conf/data/<base>.yaml's values: what data without a mark in its name was made with."""
    if not re.fullmatch(r"[\w-]+", base):
        return {}
    try:
        loaded = yaml.safe_load((CONF / "data" / f"{base}.yaml").read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return loaded if isinstance(loaded, dict) and loaded.get("name") == base else {}


def _label(summary: pd.DataFrame, setting: str) -> str:
    """The setting's axis label: `hidden units (model.hidden)`, `learning rate (train.lr)`."""
    if setting == "hidden":
        return _hidden_layer(summary)[0]
    return COLUMNS.get(setting) or DATA_SETTINGS[setting]
