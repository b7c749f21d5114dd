"""Datasets: truth tables given in `conf/data/*.yaml`, checked and turned into arrays."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Sequence

import numpy as np

from nnexp.config import ConfigError
from nnexp.messages import short_repr


@dataclass(frozen=True)
class Dataset:
    """A training set plus probe inputs whose outputs are reported after training.

    inputs:  (n_samples, n_inputs)
    targets: (n_samples, 1), each 0.0 or 1.0
    probes:  (n_probes, n_inputs); n_probes may be 0
    """

    name: str
    inputs: np.ndarray
    targets: np.ndarray
    probes: np.ndarray

    @property
    def n_inputs(self) -> int:
        return self.inputs.shape[1]


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
) -> Dataset:
    """Check a dataset's shapes and values; raise ConfigError naming the key, and the row and
    column, that is wrong."""
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
    Y = np.array(targets, dtype=float).reshape(-1, 1)
    probe_matrix = _matrix("probes", probes, X.shape[1])
    return Dataset(name=name, inputs=X, targets=Y, probes=probe_matrix)
