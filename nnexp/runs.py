"""One run folder read from disk, and its files checked, not trusted.

A run folder is one holding `.hydra/config.yaml`. `read_run` says what a folder holds:

    finished    results.csv, history.csv and predictions.csv are whole and belong to the config
    failed      error.txt, or manifest.json says failed
    unfinished  no results.csv (interrupted, or still running), or manifest.json says so
    unreadable  a file is empty, binary, cut short or of another config: `reason` names it

An unreadable run is listed with its reason, never counted and never dropped. Temporary files
(`.<name>.<pid>.<hex>.tmp`, left by a killed process) are never read. Every run below a path,
and the sweeps they belong to: nnexp.collect.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from nnexp import options
from nnexp.config import ConfigError
from nnexp.data import Dataset, build
from nnexp.manifest import TABLES
from nnexp.files import Unreadable, one_line, read_table, read_text, read_yaml
from nnexp.results import ERROR_FILE, TEST_FIGURES, data_digest
from nnexp.train import logged_iterations

FINISHED, FAILED, UNFINISHED, UNREADABLE = "finished", "failed", "unfinished", "unreadable"
MANIFEST_FILE = "manifest.json"
MANIFEST_STATUSES = ["running", "finished", "failed", "interrupted"]

RESULT_COLUMNS = ["model", "data", "seed", "hidden", "iterations", "lr", "log_every", *options.COLUMNS,
                  "threshold", "data_digest", "final_error", "final_mse", "train_accuracy", "epochs_to_fit",
                  *TEST_FIGURES, "train_seconds", "status"]
# Columns a run made before nnexp wrote them lacks; its config says their values (epochs_to_fit:
# unknown, empty; the test figures: empty, as it had no test set).
LATER_COLUMNS = ["data_digest", *options.COLUMNS, "epochs_to_fit", *TEST_FIGURES]
RESULT_STATUSES = ["ok", "saturated", "diverged"]
FIGURES = ["final_error", "final_mse", "train_accuracy"]  # empty only for a diverged seed


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
    record.results = _check_results(results, expected)
    inputs = expected["columns"]
    curves = ["error", *(["test_error", "test_loss", "test_accuracy"] if expected["n_test"] else [])]
    history = read_table(record.folder / "history.csv", ["seed", "iteration", *curves])
    predictions = read_table(record.folder / "predictions.csv", ["seed", "split", *inputs, "target", "output", "label"])
    record.history = _check_history(history, expected)
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
    record.predictions = _check_predictions(predictions, expected, inputs)
    _check_agreement(record.results, record.history, record.predictions)
    # Runs with weights.npz count ties as never right, as their train_accuracy did (older ones
    # labelled a tie 0); their training rows are checked too.
    _check_test_agreement(record.results, record.predictions, train=(record.folder / "weights.npz").exists())


def _check_agreement(results: pd.DataFrame, history: pd.DataFrame, predictions: pd.DataFrame) -> None:
    """Unreadable unless each seed's final_error is the mean |target - output| of its training
    rows in predictions.csv and the last error of history.csv (the same numbers, computed once
    in the run; 1e-9 covers summing in another order)."""
    train = predictions[predictions["split"] == "train"]
    from_predictions = (train["target"] - train["output"]).abs().groupby(train["seed"]).mean()
    last = history.sort_values("iteration", kind="stable").groupby("seed")["error"].last()
    ok = results[results["status"] != "diverged"].set_index("seed")["final_error"]
    for file, values in (("predictions.csv", from_predictions), ("history.csv", last)):
        values = values.reindex(ok.index)
        wrong = ~np.isclose(values.to_numpy(), ok.to_numpy(), rtol=1e-9, atol=0)
        if wrong.any():
            seed = ok.index[wrong][0]
            raise Unreadable(f"{file}: seed {seed}'s final error is {values[seed]:.6g}, but results.csv says "
                             f"{ok[seed]:.6g}: the tables are not of one run (copied, stale or cut short)")


def _check_test_agreement(results: pd.DataFrame, predictions: pd.DataFrame, train: bool = True) -> None:
    """Unreadable unless each seed's train_accuracy, test_error and test_accuracy are those of
    its rows in predictions.csv (mean |target - output|; outputs strictly on their target's side)."""
    threshold = results["threshold"].iloc[0]
    checks = []
    for split, columns in (("train", ["train_accuracy"] if train else []), ("test", ["test_error", "test_accuracy"])):
        if not columns:
            continue
        rows = predictions[predictions["split"] == split]
        ok = results[(results["status"] != "diverged") & results[columns[-1]].notna()].set_index("seed")
        if rows.empty or ok.empty:
            continue
        right = np.where(rows["target"] > 0.5, rows["output"] > threshold, rows["output"] < threshold)
        figures = {f"{split}_accuracy": pd.Series(right, index=rows.index).groupby(rows["seed"]).mean(),
                   "test_error": (rows["target"] - rows["output"]).abs().groupby(rows["seed"]).mean()}
        checks += [(column, figures[column].reindex(ok.index), ok) for column in columns]
    for column, values, ok in checks:
        wrong = ~np.isclose(values.to_numpy(), ok[column].to_numpy(), rtol=1e-9, atol=1e-12)
        if wrong.any():
            seed = ok.index[wrong][0]
            raise Unreadable(f"predictions.csv: seed {seed}'s rows give {column} {values[seed]:.6g}, but "
                             f"results.csv says {ok[column][seed]:.6g}: the tables are not of one run")


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


def _check_results(table: pd.DataFrame, expected: dict) -> pd.DataFrame:
    file = "results.csv"
    bad = ~table["status"].isin(RESULT_STATUSES).to_numpy()
    if bad.any():  # a row cut short has no status, or part of one
        raise Unreadable(f"{file}: row {_row(bad)} has status {_value(table['status'][bad].iloc[0])}, "
                         f"not one of {', '.join(RESULT_STATUSES)} (cut short?)")
    _numbers(table, file, ["seed", "iterations", "log_every"], whole=True)
    _numbers(table, file, ["lr", "threshold", "train_seconds"])
    _numbers(table, file, FIGURES, blank=(table["status"] == "diverged").to_numpy())
    if "epochs_to_fit" not in table:  # a run made before nnexp wrote it
        table["epochs_to_fit"] = np.nan
    _numbers(table, file, ["epochs_to_fit"], blank=True)  # empty: never fitted
    for column in TEST_FIGURES:
        if column not in table:  # a run made before nnexp had test sets
            table[column] = np.nan
    _numbers(table, file, TEST_FIGURES, blank=True)
    if expected["n_test"] == 0 and table[TEST_FIGURES].notna().any(axis=None):
        raise Unreadable(f"{file}: test figures, but .hydra/config.yaml holds out no test set: stale")
    if expected["n_test"] and table.loc[table["status"] != "diverged", TEST_FIGURES].isna().any(axis=None):
        raise Unreadable(f"{file}: test figures missing, though .hydra/config.yaml holds out a test set "
                         "(stale, or cut short)")
    seeds = sorted(table["seed"].tolist())
    if seeds != expected["seeds"]:
        raise Unreadable(f"{file}: seeds {_seeds(seeds)}, but .hydra/config.yaml asks for {_seeds(expected['seeds'])}"
                         f"{' (a seed twice)' if len(set(seeds)) < len(seeds) else ''}: stale or cut short")
    hidden = table["hidden"].map(_widths)
    settings = [("hidden", hidden, "model.hidden"), ("iterations", table["iterations"], "train.iterations"),
                ("lr", table["lr"], "train.lr"), ("log_every", table["log_every"], "train.log_every"),
                ("threshold", table["threshold"], "threshold")]
    for column, values, key in settings:
        wrong = np.array([value != expected[column] for value in values])
        if wrong.any():
            raise Unreadable(f"{file}: {column} {table[column][wrong].iloc[0]}, but .hydra/config.yaml has "
                             f"{key}={expected[column]}: stale (results of another config)")
    for column, value in expected["options"].items():
        if column not in table:  # a run made before nnexp had the option: trained with the default
            if not options.is_default(column, value):
                raise Unreadable(f"{file}: no {column} column, but .hydra/config.yaml has "
                                 f"{options.KEYS[column]}={value}: stale")
            table[column] = value
            continue
        wrong = np.array([options.normal(column, cell) != value for cell in table[column]])
        if wrong.any():
            key = options.KEYS[column]
            raise Unreadable(f"{file}: {column} {table[column][wrong].iloc[0]}, but .hydra/config.yaml has "
                             f"{key}={value}: stale (results of another config)")
        table[column] = [options.normal(column, cell) for cell in table[column]]
    if "data_digest" not in table:  # a run made before nnexp wrote the digest: its config says it
        table["data_digest"] = expected["data_digest"]
    wrong = table["data_digest"] != expected["data_digest"]
    if wrong.any() and expected["data_path"]:
        raise Unreadable(f"{file}: data_digest {table['data_digest'][wrong].iloc[0]}, but the file data.path "
                         f"{expected['data_path']} now holds data with {expected['data_digest']}: it changed after "
                         "the run (stale: results of other data)")
    if wrong.any():
        raise Unreadable(f"{file}: data_digest {table['data_digest'][wrong].iloc[0]}, but the data in "
                         f".hydra/config.yaml has {expected['data_digest']}: stale (results of other data)")
    return table[RESULT_COLUMNS]


def _check_history(table: pd.DataFrame, expected: dict) -> pd.DataFrame:
    file = "history.csv"
    _numbers(table, file, ["seed", "iteration"], whole=True)
    _numbers(table, file, ["error"], blank=True)  # a diverged seed's error may be nan
    logged = logged_iterations(expected["iterations"], expected["log_every"])
    seeds = expected["seeds"]
    if len(table) != len(seeds) * len(logged):
        raise Unreadable(f"{file}: {len(table)} rows, but {len(seeds)} seeds x {len(logged)} logged "
                         f"iterations make {len(seeds) * len(logged)} (cut short, or stale)")
    rows = table.sort_values(["seed", "iteration"], kind="stable")
    if not (np.array_equal(rows["seed"], np.repeat(seeds, len(logged)))
            and np.array_equal(rows["iteration"], np.tile(logged, len(seeds)))):
        raise Unreadable(f"{file}: its seeds and iterations are not those of .hydra/config.yaml (stale)")
    return table


def _check_predictions(table: pd.DataFrame, expected: dict, inputs: list[str]) -> pd.DataFrame:
    file = "predictions.csv"
    bad = ~table["split"].isin(["train", "test", "probe"]).to_numpy()
    if bad.any():
        raise Unreadable(f"{file}: row {_row(bad)} has split {_value(table['split'][bad].iloc[0])}, "
                         "not train, test or probe (cut short?)")
    _numbers(table, file, ["seed"], whole=True)
    _numbers(table, file, inputs)
    _numbers(table, file, ["target"], blank=(table["split"] == "probe").to_numpy())  # probes have none
    _numbers(table, file, ["output", "label"], blank=True)  # a diverged seed's output is nan
    n_rows = expected["n_samples"] + expected["n_test"] + expected["n_probes"]
    if len(table) != len(expected["seeds"]) * n_rows:
        raise Unreadable(f"{file}: {len(table)} rows, but {len(expected['seeds'])} seeds x {n_rows} rows "
                         f"of data and probes make {len(expected['seeds']) * n_rows} (cut short, or stale)")
    counts = table.groupby(["seed", "split"]).size()
    for seed in expected["seeds"]:
        for split, n in (("train", expected["n_samples"]), ("test", expected["n_test"]),
                         ("probe", expected["n_probes"])):
            if counts.get((seed, split), 0) != n:
                raise Unreadable(f"{file}: seed {seed} has {counts.get((seed, split), 0)} {split} rows, "
                                 f"not {n} (stale)")
    return table


def _numbers(table: pd.DataFrame, file: str, columns: list[str], whole: bool = False,
             blank: bool | np.ndarray = False) -> None:
    """Make `columns` numeric in place; Unreadable for text, or for a blank not allowed by
    `blank` (True: any row may be blank; a bool array: the rows that may)."""
    for column in columns:
        values = table[column]
        if not pd.api.types.is_numeric_dtype(values):  # pandas read some text in it (or all blank)
            numbers = pd.to_numeric(values, errors="coerce")
            text = (numbers.isna() & values.notna()).to_numpy()
            if text.any():
                raise Unreadable(f"{file}: {column} holds {values[text].iloc[0]!r} in row {_row(text)}, "
                                 "not a number")
            values = table[column] = numbers
        if blank is not True:
            empty = values.isna().to_numpy() & ~np.asarray(blank)
            if empty.any():
                raise Unreadable(f"{file}: {column} is empty in row {_row(empty)} (cut short?)")
        if whole and values.dtype.kind not in "iu":
            if not (np.isfinite(values) & (values == np.round(values))).all():
                raise Unreadable(f"{file}: {column} holds a number that is not whole")
            table[column] = values.astype("int64")


def _row(mask: np.ndarray) -> int:
    """The file's line number of the first True row (the header is line 1)."""
    return int(np.flatnonzero(mask)[0]) + 2


def _value(value) -> str:
    return repr(value) if isinstance(value, str) else "none"


def _seeds(seeds: list[int]) -> str:
    if seeds and seeds == list(range(seeds[0], seeds[0] + len(seeds))) and len(seeds) > 2:
        return f"{seeds[0]} to {seeds[-1]}"
    return ", ".join(map(str, seeds)) or "none"


def _widths(text: str) -> list[int] | str:
    """`[4, 4]` -> [4, 4]; anything else is returned as it is, to differ from every config."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


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
