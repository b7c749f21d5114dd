"""Your own data from a CSV file: `data=csv data.path=FILE data.target=COLUMN`.

The file has a header row; COLUMN holds the labels, 0 and 1; every other column is an input and
holds finite numbers. Whatever is wrong is said in one line naming the file, and the row (as a
spreadsheet numbers it: the header is row 1) or the column, and the offending value: never the
data itself, which may be thousands of rows.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pandas as pd

from nnexp.config import ConfigError
from nnexp.data import DERIVED, MAX_SAMPLES, Dataset, split_dataset
from nnexp.messages import short_repr

# predictions.csv's own columns: an input column of the same name would be read back as another.
RESERVED = ("seed", "split", "target", "output", "label")


def csv_dataset(name: str, path: str, target: str, seed: int = 0, test_fraction: float = 0.5,
                features: list[str] | None = None, cwd: str | None = None) -> Dataset:
    """Read, check and split FILE. cwd: the folder a relative path is relative to (the one the
    run was started in); None is the current folder."""
    file = Path(cwd or os.getcwd()) / Path(path).expanduser()
    table = _read(file, path)
    said = f"data.path {path}"
    columns = list(table.columns)
    if target not in columns:
        hint = " (nnexp reads commas; is the file separated by ';' or tabs?)" if len(columns) == 1 and \
            any(mark in columns[0] for mark in ";\t") else ""
        raise ConfigError(f"The 'data.target' parameter must name a column of {path}: "
                          f"{_listed(columns)}{hint}. Got {target!r} instead.")
    inputs = [column for column in columns if column != target]
    if not inputs:
        raise ConfigError(f"The data.path file {path} has no column besides the target {target!r}: no inputs.")
    for column in inputs:
        if column in DERIVED:
            raise ConfigError(f"The data.path file {path} has an input column named {column!r}, which is the name "
                              f"of a feature nnexp computes (data.features): rename it.")
        if column in RESERVED or not column.strip():
            raise ConfigError(f"The data.path file {path} has an input column named {column!r}, which "
                              f"predictions.csv needs for its own ({', '.join(RESERVED)}) or is blank: rename it.")
    values = {column: _numbers(table[column], column, path) for column in columns}
    labels = values[target]
    wrong = ~np.isin(labels, (0.0, 1.0))
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        raise ConfigError(f"The data.target column {target!r} of {path} must hold only 0 and 1. Got "
                          f"{short_repr(table[target].iloc[row])} in row {row + 2} instead.")
    for label in (0.0, 1.0):
        count = int((labels == label).sum())
        if count < 2:
            raise ConfigError(f"The data.target column {target!r} of {path} has {count} row{'s' * (count != 1)} of "
                              f"class {label:g}: a classifier needs at least two of each class.")
    points = np.column_stack([values[column] for column in inputs])
    return split_dataset(name, tuple(inputs), points, labels, np.empty((0, len(inputs))), seed, test_fraction,
                         features, shuffled=False, where=f"{said}'s column {target!r}")


def _read(file: Path, path: str) -> pd.DataFrame:
    """The file's cells as text (header row: the columns), or ConfigError naming what is wrong."""
    said = "The 'data.path' parameter must name a readable CSV file with a header row"
    if not file.is_file():
        what = "a folder" if file.is_dir() else "not a regular file" if file.exists() else "no such file"
        raise ConfigError(f"{said}. Got {path!r} instead: {what} ({file}).")
    try:
        with open(file, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except UnicodeDecodeError as error:
        raise ConfigError(f"{said}. Got {path!r} instead: not UTF-8 text (byte {error.start}).") from None
    except (OSError, csv.Error) as error:
        raise ConfigError(f"{said}. Got {path!r} instead: {error}.") from None
    rows = [row for row in rows if row]  # blank lines (a trailing one above all) are no rows
    if len(rows) < 2:
        raise ConfigError(f"{said}. Got {path!r} instead: {'empty' if not rows else 'a header and no rows'}.")
    header = [name.strip() for name in rows[0]]
    twice = [name for name in header if header.count(name) > 1]
    if twice:
        raise ConfigError(f"The data.path file {path} names the column {twice[0]!r} twice; each column once.")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ConfigError(f"The data.path file {path} has {len(row)} cells in row {number}, but its header "
                              f"has {len(header)} columns.")
    if len(rows) - 1 > MAX_SAMPLES:
        raise ConfigError(f"The data.path file {path} has {len(rows) - 1:,} rows, more than the "
                          f"{MAX_SAMPLES:,} nnexp trains on.")
    return pd.DataFrame(rows[1:], columns=header)


def _numbers(cells: pd.Series, column: str, path: str) -> np.ndarray:
    """A column of text cells as floats; ConfigError for the first cell that is not a finite number."""
    values = pd.to_numeric(cells.str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        cell = cells.iloc[row]
        what = "is empty" if not cell.strip() else f"holds {short_repr(cell)}"
        raise ConfigError(f"The data.path file {path}: column {column!r} {what} in row {row + 2}; every cell "
                          f"must be a finite number.")
    return values


def _listed(columns: list[str]) -> str:
    shown = ", ".join(repr(c) for c in columns[:10])
    return shown + (f", ... ({len(columns)} columns)" if len(columns) > 10 else "")
