"""Datasets: truth tables given in `conf/data/*.yaml`, checked and turned into arrays."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Real
from typing import Sequence

import numpy as np

from nnexp.config import ConfigError
from nnexp.generators import GENERATORS, NOISE_RANGE
from nnexp.messages import short_repr


@dataclass(frozen=True)
class Dataset:
    """A dataset split for training and testing, plus probe inputs whose outputs are reported.

    columns: (n_columns,) names of the data's own input columns (x1, x2, ... or a CSV's header)
    features: (n_inputs,) what the network sees, computed from the columns (`featurize`)
    points / test_points / probe_points: (n, n_columns) rows in the data's own columns
    inputs / test_inputs / probes: (n, n_inputs) the same rows as the network sees them
    targets / test_targets: (n, 1), each 0.0 or 1.0; n_test and n_probes may be 0
    """

    name: str
    inputs: np.ndarray
    targets: np.ndarray
    probes: np.ndarray
    columns: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    points: np.ndarray | None = None
    probe_points: np.ndarray | None = None
    test_points: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    test_inputs: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    test_targets: np.ndarray = field(default_factory=lambda: np.empty((0, 1)))

    @property
    def n_inputs(self) -> int:
        return self.inputs.shape[1]

    @property
    def plane(self) -> tuple[int, int] | None:
        """The two columns that vary over the training and test rows, if exactly two do: the
        plane a decision boundary is drawn on, the other columns held at their one value (the
        truth tables' constant third input). None for any other data."""
        rows = np.concatenate([self.points, self.test_points.reshape(-1, self.points.shape[1])])
        varying = np.flatnonzero((rows != rows[:1]).any(axis=0))
        return (int(varying[0]), int(varying[1])) if len(varying) == 2 else None

    def featurize(self, points: np.ndarray) -> np.ndarray:
        """(n, n_columns) rows in the data's columns -> (n, n_inputs) the network's inputs."""
        return featurize(points, self.columns, self.features)


# Playground's input features beyond the columns themselves, computed from the columns x1, x2.
DERIVED = {
    "x1_squared": lambda x1, x2: x1 * x1,
    "x2_squared": lambda x1, x2: x2 * x2,
    "x1_x2": lambda x1, x2: x1 * x2,
    "sin_x1": lambda x1, x2: np.sin(x1),
    "sin_x2": lambda x1, x2: np.sin(x2),
}


def featurize(points: np.ndarray, columns: Sequence[str], features: Sequence[str]) -> np.ndarray:
    """(n, n_columns) -> (n, n_features): each feature a column by its name, or one of DERIVED.
    Features equal to the columns return `points` itself, so a truth table trains on exactly
    the array it always did (the notebook's arithmetic, bit for bit)."""
    if tuple(features) == tuple(columns):
        return points
    index = {name: i for i, name in enumerate(columns)}
    out = np.empty((len(points), len(features)))
    for j, name in enumerate(features):
        if name in index:
            out[:, j] = points[:, index[name]]
        else:
            out[:, j] = DERIVED[name](points[:, index["x1"]], points[:, index["x2"]])
    return out


# Messages name the row, the column and the value that is wrong, never the whole table: a
# dataset of 200 rows would otherwise fill the screen in its "one line".

def _matrix(key: str, rows: Sequence[Sequence[float]], n_columns: int | None) -> np.ndarray:
    """rows -> (n_rows, n_columns) array; n_columns=None takes the width of the first row."""
    rows = [list(row) if _is_row(row) else row for row in rows]
    width, source = n_columns, "as data.inputs does"
    for i, row in enumerate(rows):
        where = f"data.{key}[{i}]"
        if not _is_row(row):
            raise ConfigError(f"The 'data.{key}' parameter must be a list of rows of numbers, e.g. "
                              f"[[0, 0, 1], [1, 1, 1]]. Got {short_repr(row)} at {where} instead.")
        if not row:
            raise ConfigError(f"The 'data.{key}' parameter must have rows of at least one value. "
                              f"Got an empty row at {where} instead.")
        if width is None:
            width, source = len(row), f"as data.{key}[0] does"
        if len(row) != width:
            raise ConfigError(f"The 'data.{key}' parameter must have rows of {width} values, {source}. "
                              f"Got {len(row)} value{'s' * (len(row) != 1)} at {where} instead.")
        for j, value in enumerate(row):
            _check_number(value, f"{where}[{j}]", f"data.{key}")
    if not rows:
        return np.empty((0, n_columns or 0))
    return np.array(rows, dtype=float)


def _is_row(value: object) -> bool:
    return isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, str)


def _check_number(value: object, where: str, key: str) -> None:
    """Refuse a value that is not a finite number (bools are not numbers here)."""
    if not isinstance(value, Real) or isinstance(value, bool):
        raise ConfigError(f"The '{key}' parameter must hold numbers only. Got {short_repr(value)} at {where} instead.")
    if not math.isfinite(value):
        raise ConfigError(f"The '{key}' parameter must hold finite numbers only. Got {value!r} at {where} instead.")


def make_dataset(
    name: str,
    inputs: Sequence[Sequence[float]],
    targets: Sequence[float],
    probes: Sequence[Sequence[float]] = (),
    seed: int = 0,
    test_fraction: float = 0.0,
    features: Sequence[str] | None = None,
) -> Dataset:
    """A truth table (conf/data/xor.yaml): check its shapes and values, raising ConfigError
    naming the key, and the row and column, that is wrong; split and featurize it."""
    if len(inputs) == 0:
        raise ConfigError("The 'data.inputs' parameter must hold at least one row. Got [] instead.")
    X = _matrix("inputs", inputs, None)
    targets = list(targets)
    for i, value in enumerate(targets):
        if _is_row(value):
            raise ConfigError(f"The 'data.targets' parameter must be a list of numbers, one per row of "
                              f"data.inputs, e.g. [0, 1, 1, 0]. Got {short_repr(value)} at data.targets[{i}] instead.")
        _check_number(value, f"data.targets[{i}]", "data.targets")
        if value not in (0, 1):
            raise ConfigError(f"The 'data.targets' parameter must hold only 0 and 1. "
                              f"Got {value!r} at data.targets[{i}] instead.")
    if len(targets) != len(X):
        raise ConfigError(
            f"The 'data.targets' parameter must have one value per row of data.inputs ({len(X)}). "
            f"Got {len(targets)} values instead."
        )
    Y = np.array(targets, dtype=float)
    probe_matrix = _matrix("probes", probes, X.shape[1])
    columns = tuple(f"x{i + 1}" for i in range(X.shape[1]))
    return split_dataset(name, columns, X, Y, probe_matrix, seed, test_fraction, features,
                         shuffled=False, where="data.targets")


def generated_dataset(name: str, generator: str, n_samples: int, noise: float, seed: int = 0,
                      test_fraction: float = 0.5, features: Sequence[str] | None = None) -> Dataset:
    """One of nnexp.generators' 2-D sets, drawn from default_rng(seed): columns x1, x2."""
    if generator not in GENERATORS:
        raise ConfigError(f"The 'data.generator' parameter must be one of {', '.join(GENERATORS)}. "
                          f"Got {generator!r} instead.")
    if not MIN_SAMPLES <= n_samples <= MAX_SAMPLES:
        raise ConfigError(f"The 'data.n_samples' parameter must be an int from {MIN_SAMPLES} (two of each "
                          f"class) to {MAX_SAMPLES:,}. Got {n_samples!r} instead.")
    low, high = NOISE_RANGE[generator]
    if not (math.isfinite(noise) and low <= noise <= high):
        allowed = f"in [{low:g}, {high:g}]" if math.isfinite(high) else f"a finite float >= {low:g}"
        raise ConfigError(f"The 'data.noise' parameter must be {allowed} for {generator}. Got {noise!r} instead.")
    _check_seed(seed)
    rng = np.random.default_rng(seed)
    points, labels = GENERATORS[generator](rng, n_samples, noise)
    return split_dataset(name, ("x1", "x2"), points, labels, np.empty((0, 2)), seed, test_fraction, features,
                         shuffled=True, where=f"data.n_samples ({n_samples}) and data.noise ({noise!r})")


def build(data: dict, name: str | None = None, cwd: str | None = None) -> Dataset:
    """The dataset a `data:` config describes, of whichever kind (nnexp.config.DATA_KINDS);
    `name` replaces data.name (nnexp.names.data_name). `cwd` resolves a relative CSV path (the
    folder the run was started in). Configs written before nnexp had data.seed, test_fraction
    and features are truth tables trained on every row."""
    data = dict(data)
    common = {"name": name or data["name"], "seed": data.get("seed", 0),
              "test_fraction": data.get("test_fraction", 0.0), "features": data.get("features")}
    if "generator" in data:
        return generated_dataset(generator=data["generator"], n_samples=data["n_samples"], noise=data["noise"],
                                 **common)
    if "path" in data:
        from nnexp.csvdata import csv_dataset  # pandas: only CSV data needs it here

        return csv_dataset(path=data["path"], target=data["target"], cwd=cwd, **common)
    return make_dataset(inputs=data["inputs"], targets=data["targets"], probes=data.get("probes", []), **common)


MIN_SAMPLES = 4
MAX_SAMPLES = 1_000_000


def split_dataset(name: str, columns: Sequence[str], points: np.ndarray, labels: np.ndarray,
                  probes: np.ndarray, seed: int, test_fraction: float, features: Sequence[str] | None,
                  shuffled: bool, where: str) -> Dataset:
    """Hold out `test_fraction` of each class, drawn from default_rng(seed)'s first spawned
    generator (apart from the stream that drew generated points), and featurize every part.

    points: (n, n_columns); labels: (n,) 0/1; probes: (n_probes, n_columns). shuffled: the rows
    come class by class (generated data): train on them in a random order even without a test
    set. A truth table or CSV without a test set keeps its rows in their order. `where` names
    what holds the labels, for the message when a class is too small to split.
    """
    _check_seed(seed)
    if not (isinstance(test_fraction, Real) and 0.0 <= test_fraction < 1.0):
        raise ConfigError(f"The 'data.test_fraction' parameter must be a float in [0, 1): the share of each "
                          f"class held out. Got {test_fraction!r} instead.")
    features = tuple(columns) if features is None else tuple(features)
    _check_features(features, tuple(columns))
    if test_fraction == 0.0 and not shuffled:
        if seed != 0:
            raise ConfigError(f"The 'data.seed' parameter draws the split and generated points, and this data "
                              f"has neither (data.test_fraction=0). Got {seed!r} instead: leave it at 0, or "
                              f"give data.test_fraction.")
        train, test = np.arange(len(points)), np.arange(0)
    else:
        train, test = _stratified(labels, test_fraction, np.random.default_rng(seed).spawn(1)[0], where)
    labels = labels.reshape(-1, 1).astype(float)
    return Dataset(
        name=name, columns=tuple(columns), features=features,
        points=points[train], inputs=featurize(points[train], columns, features), targets=labels[train],
        test_points=points[test], test_inputs=featurize(points[test], columns, features),
        test_targets=labels[test],
        probe_points=probes, probes=featurize(probes, columns, features),
    )


def _stratified(labels: np.ndarray, test_fraction: float, rng: np.random.Generator,
                where: str) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, test), each in a random order: round(test_fraction * n_c) rows of
    each class c held out, at least one and never all, so that both parts have both classes."""
    train, test = [], []
    for label in (0.0, 1.0):
        rows = rng.permutation(np.flatnonzero(labels == label))
        if test_fraction > 0 and len(rows) < 2:
            raise ConfigError(f"The 'data.test_fraction' parameter holds out part of each class, and class "
                              f"{label:g} has {len(rows)} row{'s' * (len(rows) != 1)} of {where}: fewer than the "
                              f"two a split needs. Give more rows of it, or data.test_fraction=0.")
        n_test = min(max(int(math.floor(test_fraction * len(rows) + 0.5)), 1), len(rows) - 1) \
            if test_fraction > 0 else 0
        test.append(rows[:n_test])
        train.append(rows[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def _check_seed(seed: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 2**63 - 1:
        raise ConfigError(f"The 'data.seed' parameter must be an int from 0 to {2**63 - 1:,}. Got {seed!r} instead.")


def _check_features(features: tuple[str, ...], columns: tuple[str, ...]) -> None:
    allowed = list(columns) + (list(DERIVED) if {"x1", "x2"} <= set(columns) else [])
    shown = ", ".join(allowed) if len(allowed) <= 12 else ", ".join(allowed[:12]) + ", ..."
    if not features:
        raise ConfigError(f"The 'data.features' parameter must list at least one of {shown} (or be null: every "
                          f"column). Got [] instead.")
    for name in features:
        if name not in allowed:
            derived = " (x1_squared and the others are computed from columns named x1 and x2)" \
                if name in DERIVED and not {"x1", "x2"} <= set(columns) else ""
            raise ConfigError(f"The 'data.features' parameter must list names from {shown}{derived}. "
                              f"Got {short_repr(name)} instead.")
    twice = [name for name in features if features.count(name) > 1]
    if twice:
        raise ConfigError(f"The 'data.features' parameter lists {twice[0]!r} twice; each feature once.")
