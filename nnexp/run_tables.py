"""A finished run's three tables checked against its config and against each other, trusted
for nothing (nnexp.runs reads the folder; this says what its tables must hold):

    results.csv      one row per seed the config asks for, its settings, whole figures
    history.csv      every logged epoch of every seed
    predictions.csv  every row of the data and every probe, per seed
    together         the final figures results.csv gives are those the other two hold

Each check raises nnexp.files.Unreadable naming the file, the row or column, and why.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from nnexp import options
from nnexp.files import Unreadable
from nnexp.results import TEST_FIGURES
from nnexp.training import logged_iterations

RESULT_COLUMNS = ["model", "data", "seed", "hidden", "iterations", "lr", "log_every", *options.COLUMNS,
                  "threshold", "data_digest", "final_error", "final_mse", "final_loss", "train_accuracy",
                  "epochs_to_fit", *TEST_FIGURES, "train_seconds", "status"]
# Columns a run made before nnexp wrote them lacks; its config says their values (epochs_to_fit:
# unknown, empty; final_loss: history.csv's last loss; the test figures: empty, as it had no test set).
LATER_COLUMNS = ["data_digest", *options.COLUMNS, "final_loss", "epochs_to_fit", *TEST_FIGURES]
RESULT_STATUSES = ["ok", "saturated", "diverged"]
FIGURES = ["final_error", "final_mse", "train_accuracy"]  # empty only for a diverged seed


def check_agreement(results: pd.DataFrame, history: pd.DataFrame, predictions: pd.DataFrame) -> None:
    """Unreadable unless each seed's final_error is the mean |target - output| of its training
    rows in predictions.csv and the last error of history.csv, and its final_loss history.csv's
    last loss (the same numbers, computed once in the run; 1e-9 covers summing in another
    order). A results.csv written before final_loss gets it from history.csv, in place."""
    train = predictions[predictions["split"] == "train"]
    from_predictions = (train["target"] - train["output"]).abs().groupby(train["seed"]).mean()
    last = history.sort_values("iteration", kind="stable").groupby("seed").last()
    finished = results["status"] != "diverged"
    if "loss" in history:  # a run made before results.csv had final_loss: its history says it
        unknown = finished & results["final_loss"].isna()
        results.loc[unknown, "final_loss"] = last["loss"].reindex(results.loc[unknown, "seed"]).to_numpy()
    ok = results[finished].set_index("seed")
    checks = [("predictions.csv", "final error", from_predictions, "final_error"),
              ("history.csv", "final error", last["error"], "final_error"),
              *([("history.csv", "final loss", last["loss"], "final_loss")] if "loss" in history else [])]
    for file, what, values, column in checks:
        values = values.reindex(ok.index)
        wrong = ~np.isclose(values.to_numpy(), ok[column].to_numpy(), rtol=1e-9, atol=0)
        if wrong.any():
            seed = ok.index[wrong][0]
            raise Unreadable(f"{file}: seed {seed}'s {what} is {values[seed]:.6g}, but results.csv says "
                             f"{ok[column][seed]:.6g}: the tables are not of one run (copied, stale or cut short)")


def check_figures(results: pd.DataFrame, predictions: pd.DataFrame, train: bool = True) -> None:
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


def check_results(table: pd.DataFrame, expected: dict) -> pd.DataFrame:
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
    if "final_loss" not in table:  # a run made before nnexp wrote it: check_agreement fills it from history.csv
        table["final_loss"] = np.nan
    _numbers(table, file, ["final_loss"], blank=True)
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


def check_history(table: pd.DataFrame, expected: dict) -> pd.DataFrame:
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


def check_predictions(table: pd.DataFrame, expected: dict, inputs: list[str]) -> pd.DataFrame:
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
