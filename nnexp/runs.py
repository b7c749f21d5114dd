"""One run folder read from disk, and its files checked, not trusted.

A run folder is one holding `.hydra/config.yaml`. `read_run` says what a folder holds:

    finished    results.csv, history.csv and predictions.csv are whole and belong to the config
    failed      error.txt, or manifest.json says failed
    unfinished  no results.csv (interrupted, or still running), or manifest.json says so
    unreadable  a file is empty, binary, cut short or of another config: `reason` names it

An unreadable run is listed with its reason, never counted and never dropped. Temporary files
(`.<name>.<pid>.<hex>.tmp`, left by a killed process) are never read. Every run below a path,
and the sweeps they belong to: nnexp.collect. What each table must hold: nnexp.run_tables.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from nnexp import options
from nnexp.config import ConfigError
from nnexp.data import Dataset, build
from nnexp.manifest import TABLES
from nnexp.files import Unreadable, one_line, read_table, read_text, read_yaml
from nnexp.results import ERROR_FILE, data_digest
from nnexp.run_tables import (LATER_COLUMNS, RESULT_COLUMNS, check_agreement, check_figures, check_history,
                              check_predictions, check_results)

FINISHED, FAILED, UNFINISHED, UNREADABLE = "finished", "failed", "unfinished", "unreadable"
MANIFEST_FILE = "manifest.json"
MANIFEST_STATUSES = ["running", "finished", "failed", "interrupted"]

@dataclass
class RunRecord:
    """What one run folder holds. The tables are set for a finished run only, and checked:
    results one row per seed, history and predictions every row the config asks for."""

    folder: Path
    status: str  # finished | failed | unfinished | unreadable
    reason: str = ""  # one line: a failed run's error, why a run is unfinished or unreadable
    config: dict | None = None  # .hydra/config.yaml as Hydra saved it, `${...}` unresolved
    overrides: list[str] = field(default_factory=list)  # as typed: .hydra/overrides.yaml
    manifest: dict | None = None  # manifest.json; None for runs made before nnexp wrote one
    results: pd.DataFrame | None = None  # (n_seeds rows) results.csv, data_digest filled in
    history: pd.DataFrame | None = None  # (n_seeds x n_logged rows) seed, iteration, error
    predictions: pd.DataFrame | None = None  # (n_seeds x (n_samples + n_test + n_probes) rows)
    dataset: Dataset | None = None  # built again from the config, as the run built it


def read_run(folder: Path) -> RunRecord:
    """Read and check one run folder; never raises for what the folder holds."""
    record = RunRecord(Path(folder), UNREADABLE)
    try:
        _read_into(record)
    except Unreadable as error:
        record.status, record.reason = UNREADABLE, str(error)
        record.results = record.history = record.predictions = record.dataset = None
    return record


def _read_into(record: RunRecord) -> None:
    folder, hydra = record.folder, record.folder / ".hydra"
    # The overrides first: they match the job to its sweep even when the config cannot be read,
    # so that an unreadable job is not also listed as missing.
    overrides_error = None
    if (hydra / "overrides.yaml").exists():
        try:
            record.overrides = _overrides(read_yaml(hydra / "overrides.yaml", list), "overrides.yaml")
        except Unreadable as error:
            record.overrides, overrides_error = _overrides_from_hydra(hydra), error
    record.config = read_yaml(hydra / "config.yaml", dict)
    if overrides_error is not None:
        raise overrides_error
    manifest = record.manifest = _manifest(folder / MANIFEST_FILE)
    if manifest is not None and manifest.get("config_sha256") is not None:
        if manifest["config_sha256"] != hashlib.sha256((hydra / "config.yaml").read_bytes()).hexdigest():
            raise Unreadable("manifest.json: stale: results of another config (.hydra/config.yaml "
                             "changed after the run ended)")
    ended = manifest["status"] if manifest else None
    has_results = (folder / "results.csv").exists()
    if ended == "failed" or (ended is None and not has_results and (folder / ERROR_FILE).exists()):
        record.status = FAILED
        record.reason = (manifest or {}).get("error") or _error_message(folder / ERROR_FILE)
    elif ended in ("running", "interrupted"):
        record.status = UNFINISHED
        record.reason = ("interrupted (manifest.json)" if ended == "interrupted" else
                         "still running, or killed (manifest.json: running)")
    elif ended is None and not has_results:
        record.status, record.reason = UNFINISHED, "no results.csv: interrupted, or still running"
    else:
        if not has_results:
            raise Unreadable("results.csv: missing, though manifest.json says the run finished")
        _read_tables(record)
        record.status = FINISHED


def _read_tables(record: RunRecord) -> None:
    """Read the three tables and check each against the config: every column, every seed,
    every row, the settings, and against each other: the final error results.csv gives is the one
    predictions.csv and history.csv hold. A mismatch means another config's results, a file
    copied from another run, or a file cut short. A manifest that recorded the tables' digests
    settles it at once: any change to a table, or to weights.npz, since the run wrote it is a
    mismatch."""
    recorded = (record.manifest or {}).get("files") or {}
    if not isinstance(recorded, dict) or not all(isinstance(v, str) for v in recorded.values()):
        raise Unreadable("manifest.json: files is not an object of tables and their sha256 digests")
    for name, digest in recorded.items():
        file = record.folder / name
        if not file.is_file():
            raise Unreadable(f"{name}: missing, though manifest.json records the run wrote it")
        if hashlib.sha256(file.read_bytes()).hexdigest() != digest:
            raise Unreadable(f"{name}: not the file the run wrote (its sha256 differs from manifest.json's): "
                             "copied from another run, edited or cut short")
    resolved = (record.manifest or {}).get("config")  # as the run itself resolved it
    cwd = (record.manifest or {}).get("cwd")  # where a relative data.path was read from
    expected = _expected(resolved or record.config, resolved=resolved is not None, cwd=cwd)
    results = read_table(record.folder / "results.csv", [c for c in RESULT_COLUMNS if c not in LATER_COLUMNS])
    record.results = check_results(results, expected)
    inputs = expected["columns"]
    curves = ["error", *(["test_error", "test_loss", "test_accuracy"] if expected["n_test"] else [])]
    history = read_table(record.folder / "history.csv", ["seed", "iteration", *curves])
    predictions = read_table(record.folder / "predictions.csv", ["seed", "split", *inputs, "target", "output", "label"])
    record.history = check_history(history, expected)
    record.dataset = expected["dataset"]
    if expected["n_test"] or (record.folder / "weights.npz").exists():
        # Test sets and weights.npz came after manifests: a run with either always wrote its
        # manifest and digested every table in it. Without, nothing vouches for tables (or
        # weights, which the report draws) that a hand may have edited or swapped.
        missing = [name for name in TABLES if name not in recorded]
        if record.manifest is None or missing:
            what = "no manifest.json" if record.manifest is None else f"manifest.json records no {missing[0]}"
            raise Unreadable(f"{what}, though every run with weights.npz or a test set writes one with each "
                             "table's sha256 (removed or edited by hand?)")
    record.predictions = check_predictions(predictions, expected, inputs)
    check_agreement(record.results, record.history, record.predictions)
    # Runs with weights.npz count ties as never right, as their train_accuracy did (older ones
    # labelled a tie 0); their training rows are checked too.
    check_figures(record.results, record.predictions, train=(record.folder / "weights.npz").exists())


def _expected(config: dict, resolved: bool = False, cwd: str | None = None) -> dict:
    """What the tables must hold, from the config: seeds, settings, data sizes and digest.
    resolved: the config is as the run resolved it; a `${` left in it is a value's own text.
    cwd: the folder the run started in, against which a relative data.path is read: CSV data
    is read again, and results of a file changed since are stale."""
    try:
        # OmegaConf only where there is an interpolation to resolve: it costs most of a run's reading.
        resolved = config if resolved or "${" not in json.dumps(config, default=str) \
            else OmegaConf.to_container(OmegaConf.create(config), resolve=True)
        seed, replicas = _int(resolved, "seed"), _int(resolved, "replicas")
        train, data = resolved["train"], resolved["data"]
        dataset = build(data, cwd=cwd)
        return {
            "seeds": list(range(seed, seed + replicas)),
            "hidden": [int(width) for width in resolved["model"]["hidden"]],
            "iterations": _int(train, "iterations"), "lr": float(train["lr"]),
            "log_every": _int(train, "log_every"), "threshold": float(resolved["threshold"]),
            "columns": list(dataset.columns), "n_samples": len(dataset.inputs), "n_probes": len(dataset.probes),
            "n_test": len(dataset.test_inputs), "dataset": dataset, "data_path": data.get("path"),
            "data_digest": data_digest(dataset),
            "options": options.effective(options.from_config(resolved), len(dataset.inputs)),
        }
    except KeyError as error:
        raise Unreadable(f"config.yaml: no {error} key") from None
    except (ConfigError, OmegaConfBaseException, ValueError, TypeError, AttributeError) as error:
        # A `${...}` that does not resolve, a dataset make_dataset refuses, a list for a number
        raise Unreadable(f"config.yaml: {one_line(error)}") from None


def _int(node: dict, key: str) -> int:
    value = node[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} is {value!r}, not an int")
    return value


# --- the run's other files: its overrides, manifest and error -------------------------------

def _overrides(value: list, name: str) -> list[str]:
    if not all(isinstance(item, str) for item in value):
        raise Unreadable(f"{name}: holds something other than overrides (key=value)")
    return value


def _overrides_from_hydra(hydra: Path) -> list[str]:
    """The job's overrides from .hydra/hydra.yaml, which repeats them; [] if it cannot say."""
    try:
        overrides = read_yaml(hydra / "hydra.yaml", dict)["hydra"]["overrides"]["task"]
        return _overrides(overrides, "hydra.yaml")
    except (Unreadable, KeyError, TypeError):
        return []


def _manifest(file: Path) -> dict | None:
    """manifest.json (see nnexp.manifest), checked where the report relies on it; None if absent."""
    if not file.exists():
        return None
    try:
        manifest = json.loads(read_text(file))
    except ValueError as error:
        raise Unreadable(f"{file.name}: not JSON: {one_line(error)}") from None
    if not isinstance(manifest, dict):
        raise Unreadable(f"{file.name}: holds {type(manifest).__name__}, not an object")
    if manifest.get("status") not in MANIFEST_STATUSES:
        raise Unreadable(f"{file.name}: status {manifest.get('status')!r} is not one of {', '.join(MANIFEST_STATUSES)}")
    if not isinstance(manifest.get("config_sha256"), (str, type(None))):
        raise Unreadable(f"{file.name}: config_sha256 {manifest['config_sha256']!r} is not a digest")
    return manifest


def _error_message(file: Path) -> str:
    try:
        return " ".join(read_text(file).split()) or "error.txt: empty"
    except Unreadable as error:
        return str(error)
