"""Files read as text and trusted for nothing: text, CSV tables and YAML.

Each reader raises Unreadable, one line naming the file, for a file that is missing, empty,
binary, not UTF-8 or not what it must hold, so that a run (nnexp.runs) or a sweep
(nnexp.collect) whose file it is can be listed with that line instead of being counted.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import yaml
from omegaconf._utils import get_yaml_loader

# The text columns of nnexp's tables, read as text: a digest of digits only, or a dataset
# called `1` or `None`, stays what it is.
TEXT_COLUMNS = {"model": str, "data": str, "hidden": str, "data_digest": str, "status": str, "split": str}


class Unreadable(Exception):
    """A run's or a sweep's file cannot be trusted; the message is one line naming the file."""


def read_text(file: Path) -> str:
    """The file's text; Unreadable, naming it, if it is missing, empty, binary or not UTF-8."""
    try:
        data = file.read_bytes()
    except OSError as error:
        raise Unreadable(f"{file.name}: cannot be read: {error.strerror or error}") from None
    if not data.strip():
        raise Unreadable(f"{file.name}: empty")
    if b"\0" in data:
        raise Unreadable(f"{file.name}: binary, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unreadable(f"{file.name}: not UTF-8 text (byte {data[error.start]:#04x} at "
                         f"position {error.start})") from None


def read_table(file: Path, columns: list[str]) -> pd.DataFrame:
    """A CSV table with at least `columns` and one row; text columns kept as text."""
    if not file.exists():
        raise Unreadable(f"{file.name}: missing")
    try:
        table = pd.read_csv(io.StringIO(read_text(file)), dtype=TEXT_COLUMNS, keep_default_na=False,
                            na_values=[""])
    except (ValueError, pd.errors.ParserError) as error:  # EmptyDataError is a ValueError
        raise Unreadable(f"{file.name}: not a CSV table: {one_line(error)}") from None
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise Unreadable(f"{file.name}: no column {', '.join(missing)}")
    if table.empty:
        raise Unreadable(f"{file.name}: header only, no rows (cut short?)")
    return table


class _YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """OmegaConf's YAML loader (`1e-3` is a float), on libyaml's parser: 8 times faster, and
    parsing two YAML files per run was most of the time a report spent reading a run."""


_YamlLoader.yaml_implicit_resolvers = {key: list(resolvers) for key, resolvers in
                                       get_yaml_loader().yaml_implicit_resolvers.items()}


def read_yaml(file: Path, kind: type) -> dict | list:
    """A YAML file that must hold a mapping (dict) or a list, read as OmegaConf reads it."""
    try:
        value = yaml.load(read_text(file), Loader=_YamlLoader)
    except yaml.YAMLError as error:
        raise Unreadable(f"{file.name}: not YAML: {one_line(error)}") from None
    if not isinstance(value, kind):
        raise Unreadable(f"{file.name}: holds {type(value).__name__}, not a {'mapping' if kind is dict else 'list'}")
    return value


def one_line(error: BaseException) -> str:
    """The error's message on one line, cut at 300 characters."""
    return " ".join(str(error).split())[:300]
