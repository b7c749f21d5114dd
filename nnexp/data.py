"""Datasets: truth tables given in `conf/data/*.yaml`, checked and turned into arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from nnexp.config import ConfigError


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


def _matrix(key: str, rows: Sequence[Sequence[float]], n_columns: int | None) -> np.ndarray:
    """rows -> (n_rows, n_columns) array; n_columns=None accepts any one width."""
    rows = [list(row) for row in rows]
    if not rows:
        return np.empty((0, n_columns or 0))
    widths = sorted({len(row) for row in rows})
    if len(widths) > 1 or widths[0] == 0:
        raise ConfigError(
            f"The 'data.{key}' parameter must be a list of rows of equal, non-zero length. "
            f"Got rows of lengths {widths} instead."
        )
    if n_columns is not None and widths[0] != n_columns:
        raise ConfigError(
            f"The 'data.{key}' parameter must have rows of {n_columns} values, as data.inputs "
            f"does. Got rows of {widths[0]} instead."
        )
    if not all(_is_number(value) for row in rows for value in row):
        raise ConfigError(f"The 'data.{key}' parameter must hold numbers only. Got {rows} instead.")
    matrix = np.array(rows, dtype=float)
    if not np.isfinite(matrix).all():
        raise ConfigError(f"The 'data.{key}' parameter must hold finite numbers only. Got {rows} instead.")
    return matrix


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def make_dataset(
    name: str,
    inputs: Sequence[Sequence[float]],
    targets: Sequence[float],
    probes: Sequence[Sequence[float]] = (),
) -> Dataset:
    """Check a dataset's shapes and values; raise ConfigError naming the key that is wrong."""
    if len(inputs) == 0:
        raise ConfigError("The 'data.inputs' parameter must hold at least one row. Got [] instead.")
    X = _matrix("inputs", inputs, None)
    Y = np.array(list(targets), dtype=float).reshape(-1, 1)
    if len(Y) != len(X):
        raise ConfigError(
            f"The 'data.targets' parameter must have one value per row of data.inputs ({len(X)}). "
            f"Got {len(Y)} values instead."
        )
    if not np.isin(Y, (0.0, 1.0)).all():
        raise ConfigError(
            f"The 'data.targets' parameter must hold only 0 and 1. Got {list(targets)} instead."
        )
    probe_matrix = _matrix("probes", probes, X.shape[1])
    return Dataset(name=name, inputs=X, targets=Y, probes=probe_matrix)
