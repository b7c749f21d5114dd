"""The tables a report shows, computed from the runs found on disk (nnexp.collect).

One row per configuration with the seed left out (`comparison_table`), a short label for each
configuration (`config_labels`), its seeds' error curves, the seeds more than one run trained,
and what code computed the runs (`provenance`). Tables in, tables out: nnexp.report writes them
into files and says them on the terminal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nnexp import options, stats
from nnexp.names import model_words
from nnexp.collect import Runs

# Columns of results.csv that identify a configuration once the seed is left out: runs pool
# over seeds only when all of these are equal, so xor and XNOR (equal names, different
# data_digest) are never one row.
CONFIG_COLUMNS = ["model", "data", "hidden", "iterations", "lr", "log_every", *options.COLUMNS, "threshold",
                  "data_digest"]


def numbered_probes(probes: pd.DataFrame) -> pd.DataFrame:
    """The probe rows with a `column` naming their summary column: probe_output when every
    run has one probe, else probe1_output, probe2_output, ... in each run's order."""
    number = probes.groupby(["run", "seed"]).cumcount() + 1
    if number.max() == 1:
        return probes.assign(column="probe_output")
    return probes.assign(column=[f"probe{k}_output" for k in number])


def with_probe_outputs(runs: Runs) -> pd.DataFrame:
    """summary plus one column per probe: probe_output (one probe) or probe1_output, ..."""
    summary = runs.summary
    if runs.probes.empty:
        return summary
    probes = numbered_probes(runs.probes)
    wide = probes.pivot(index=["run", "seed"], columns="column", values="output")
    return summary.merge(wide.reset_index(), on=["run", "seed"], how="left")


def comparison_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration, the seed left out: how the seeds' results spread, and how
    sure each figure is (nnexp.stats: 95% intervals).

    success_rate is the share of seeds whose training accuracy is 1.0 (a diverged seed fails),
    with its Wilson interval success_rate_low/high. Each mean has a bootstrap interval
    (`final_error_mean_low/high`, ...), and the figures a comparison is read by have medians
    with theirs too (`test_accuracy_median_low/high`, `epochs_to_fit_median_low/high`). With a
    test set, test_accuracy over the n_tested seeds that have one. n_saturated counts seeds with
    an output stuck at exactly 0 or 1 (figures kept, flagged).
    """
    keys = [c for c in CONFIG_COLUMNS if c in summary]
    groups = summary.groupby(keys, sort=False, dropna=False)
    # The intervals count each seed once: a seed trained twice is the same network twice, a copy
    # that is no more evidence (the figures above count every run, and the report says so).
    distinct = summary.drop_duplicates(subset=[*keys, "seed"]).groupby(keys, sort=False, dropna=False)
    table = groups.agg(
        n_seeds=("seed", "size"),
        # Fewer than n_seeds when runs trained a seed twice (report.repeated_seeds lists them).
        n_distinct_seeds=("seed", "nunique"),
        n_success=("train_accuracy", lambda accuracy: int((accuracy == 1.0).sum())),
    )
    table["success_rate"] = table["n_success"] / table["n_seeds"]
    once = distinct["train_accuracy"].agg(lambda accuracy: int((accuracy == 1.0).sum()))
    table[["success_rate_low", "success_rate_high"]] = [stats.wilson(k, n) for k, n in
                                                       zip(once, table["n_distinct_seeds"])]
    table = table.join(_spread(groups, distinct, "final_error", ["mean", "std", "min", "max"],
                               intervals=["mean", "median"]))
    if "final_loss" in summary:
        table = table.join(_spread(groups, distinct, "final_loss", ["mean"], intervals=["mean"]))
    table["train_accuracy_mean"] = groups["train_accuracy"].mean()
    # Over the seeds that fitted: the first logged epoch from which accuracy stayed at 1.0.
    table = table.join(_spread(groups, distinct, "epochs_to_fit", ["median", "mean"],
                               intervals=["median", "mean"]))
    table["n_epochs_to_fit"] = groups["epochs_to_fit"].count()  # runs made before nnexp measured it have none
    table["n_diverged"] = groups["status"].agg(lambda status: int((status == "diverged").sum()))
    table["n_saturated"] = groups["status"].agg(lambda status: int((status == "saturated").sum()))
    if "test_accuracy" in summary and summary["test_accuracy"].notna().any():
        # Held-out accuracy over the seeds that have it: a diverged seed has none (n_diverged says so).
        table = table.join(_spread(groups, distinct, "test_accuracy", ["mean", "std", "min", "max", "median"],
                                   intervals=["mean", "median"]))
        table["n_tested"] = groups["test_accuracy"].count()
    for column in [c for c in summary.columns if c.startswith("probe") and c.endswith("_output")]:
        table = table.join(_spread(groups, distinct, column, ["mean", "std", "min", "max"]))
    return table.reset_index()


def _spread(groups, distinct, column: str, statistics: list[str], intervals: tuple[str, ...] = ()) -> pd.DataFrame:
    """`column`'s statistics per group (`final_error_mean`, ...), each of `intervals` (mean,
    median) with its 95% bootstrap interval after it (`final_error_mean_low`, `..._high`)."""
    table = groups[column].agg(statistics)
    table.columns = [f"{column}_{statistic}" for statistic in statistics]
    for statistic in intervals:
        name = f"{column}_{statistic}"
        if name not in table:
            table[name] = groups[column].agg(statistic)
        ends = distinct[column].agg(lambda values, statistic=statistic: stats.bootstrap(values.to_numpy(), statistic))
        at = table.columns.get_loc(name) + 1
        table.insert(at, f"{name}_low", [low for low, _ in ends])
        table.insert(at + 1, f"{name}_high", [high for _, high in ends])
    return table


def primary_metric(table: pd.DataFrame) -> tuple[str, bool]:
    """(metric, higher_is_better) that comparisons of `table`'s configurations are read by:
    test accuracy when every row has a test set (a diverged seed aside: it has no figures at
    all), else the final training error, mean
    |target - output|. Not the loss: a sum of squares over 4 rows and a mean log loss over 100,
    or a loss with a weight penalty and one without, do not compare, and configurations that
    differ in those are compared all the same. table: results rows or comparison rows."""
    if "test_accuracy" in table:  # results rows: a diverged seed has no figures, test set or not
        trained = table[table["status"] != "diverged"] if "status" in table else table
        tested = trained["test_accuracy"]
    elif "test_accuracy_mean" in table:  # comparison rows: a configuration whose every seed diverged has none
        tested = table["test_accuracy_mean"][table["n_diverged"] < table["n_seeds"]] if "n_diverged" in table \
            else table["test_accuracy_mean"]
    else:
        return "final_error", False
    return ("test_accuracy", True) if len(tested) and tested.notna().all() else ("final_error", False)


def config_labels(summary: pd.DataFrame) -> pd.Series:
    """A short name for each row's configuration, from the settings that differ between rows:
    `perceptron`, `two_layer` for a sweep over models; `hidden=[1]`, ... for one over widths;
    `tanh bias`, `relu no bias` for one over options, and every option not at its default."""
    columns = [c for c in CONFIG_COLUMNS if c in summary]
    varying = [c for c in columns if summary[c].nunique(dropna=False) > 1] or ["model", "data"]
    # A model's config sets its hidden widths: when every model has one, its name says it, with
    # the widths where they are not its config's (`two_layer [8]`; names.model_words).
    if {"model", "hidden"} <= set(varying) and (summary.groupby("model")["hidden"].nunique() == 1).all():
        varying.remove("hidden")
    if "hidden" in summary and "hidden" not in varying:
        summary = summary.assign(model=[model_words(m, h) for m, h in zip(summary["model"], summary["hidden"])])
    # nnexp marks changed data in its name (`xor (targets=[1,0,0,1])`): the digest is shown
    # only where equal names hide different data.
    if {"data", "data_digest"} <= set(varying) and (summary.groupby("data")["data_digest"].nunique() == 1).all():
        varying.remove("data_digest")

    # An option away from its default is named even where every row shares it: no label calls
    # a tanh net the notebook's two_layer.
    varying += [c for c in options.COLUMNS if c in summary and c not in varying
                and not summary[c].map(lambda value, c=c: options.is_default(c, value)).all()]

    def label(row: pd.Series) -> str:
        # A net without hidden layers has no hidden activation to name.
        return " ".join(str(row[c]) if c in ("model", "data") else options.words(c, row[c]) if c in options.COLUMNS
                        else f"{c}={row[c]}" for c in varying
                        if not (c == "activation" and row.get("hidden") == "[]"))

    return summary[[*varying, *(["hidden"] if "hidden" in summary and "hidden" not in varying else [])]].apply(
        label, axis=1)


def split_features(name: str) -> tuple[str, str]:
    """A data name and the features it names apart: `circle (noise=0.2, features=x1,x1_squared)`
    -> (`circle (noise=0.2)`, `features=x1,x1_squared`); ('circle', '') for `circle`. Only
    nnexp's own mark is split (its items are joined by ', ', a feature list by ',')."""
    base, bracket, inner = name.partition(" (")
    if not bracket or not inner.endswith(")"):
        return name, ""
    items = inner[:-1].split(", ")
    features = [item for item in items if item.startswith("features=")]
    if len(features) != 1:
        return name, ""
    rest = [item for item in items if item not in features]
    return (f"{base} ({', '.join(rest)})" if rest else base), features[0]


def short_labels(rows: pd.DataFrame) -> tuple[pd.Series, str]:
    """A label per row naming what differs between the picture's configurations (`perceptron`,
    `two_layer tanh features=x1,x2,x1_squared,x2_squared`), and what they share that is not the
    notebook's, said once for the title (`: bias, log_loss, batch 10, lr=0.1, 300 epochs`)."""
    columns = [c for c in CONFIG_COLUMNS if c in rows and c != "log_every"]
    varying = [c for c in columns if rows[c].nunique(dropna=False) > 1]
    if "data_digest" in varying and (rows.groupby("data")["data_digest"].nunique() == 1).all():
        varying.remove("data_digest")  # the data's names tell them apart (as config_labels does)
    if {"model", "hidden"} <= set(varying) and (rows.groupby("model")["hidden"].nunique() == 1).all():
        varying.remove("hidden")  # the model's name says its widths (names.model_words)
    if "hidden" not in varying:
        rows = rows.assign(model=[model_words(m, h) for m, h in zip(rows["model"], rows["hidden"])])
    if "data" in varying:  # said last: `two_layer [8] tanh features=x1,x2,x1_squared,x2_squared`
        varying = [c for c in varying if c != "data"] + ["data"]
    def label(row) -> str:
        words = []
        for column in varying:
            value = row[column]
            if column == "data":  # `circle (features=...)` among circle's nets: the features alone
                base, features = split_features(value)
                words.append(features or ("" if base == common else value))
            elif column == "activation" and row["hidden"] == "[]":
                continue  # a net without hidden layers has no hidden activation to name
            elif column in options.COLUMNS:
                words.append(options.words(column, value))
            else:
                words.append(str(value) if column in ("model", "hidden") else f"{column}={value}")
        return " ".join(word for word in words if word) or str(row["model"])

    common = split_features(min(rows["data"], key=len))[0]
    first = rows.iloc[0]
    shared = [] if "model" in varying else [str(first["model"])]  # with its widths unless they vary
    shared += [options.words(c, first[c]) for c in options.COLUMNS
              if c in columns and c not in varying and not options.is_default(c, first[c])]
    shared += [f"lr={first['lr']:g}"] if "lr" not in varying else []
    shared += [f"{first['iterations']:,} epochs"] if "iterations" not in varying else []
    return rows.apply(label, axis=1), (": " + ", ".join(shared)) if shared else ""


def error_curves(summary: pd.DataFrame, histories: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{configuration: (iterations (n_points,), error (n_seeds, n_points))} from the runs' history.

    summary needs `run`, `seed` and `config` (the label); histories `run`, `seed`, `iteration`,
    `error`. The seeds of one configuration share its iterations and log_every, so their
    curves are logged at the same iterations.
    """
    rows = histories.merge(summary[["run", "seed", "config"]], on=["run", "seed"])
    curves = {}
    for config, group in rows.groupby("config", sort=False):
        wide = group.pivot(index=["run", "seed"], columns="iteration", values="error")
        curves[config] = (wide.columns.to_numpy(), wide.to_numpy())
    return curves


def repeated_seeds(summary: pd.DataFrame) -> pd.DataFrame:
    """The (configuration, seed) pairs that more than one run trained, with their runs: a run
    made twice, or overlapping `seed`/`replicas` ranges. The comparison counts every run."""
    if summary.empty:
        return pd.DataFrame()
    keys = [*[c for c in CONFIG_COLUMNS if c in summary], "seed"]
    repeats = summary[summary.duplicated(subset=keys, keep=False)]
    return repeats.groupby(keys, sort=False, dropna=False)["run"].agg(list).reset_index()


def _code_version(manifest: dict) -> str:
    """What computed a run, in one line: `nnexp 0.1.0, commit 1a2b3c4d5e6f; python 3.11.7, numpy 2.4.6, ...`."""
    git = manifest.get("git")
    if isinstance(git, dict) and git.get("commit"):
        commit = f"commit {str(git['commit'])[:12]}" + (" with uncommitted changes" if git.get("dirty") else "")
    else:
        commit = "not from a git checkout"
    versions = manifest.get("versions")
    libraries = ", ".join(f"{name} {version}" for name, version in versions.items()) \
        if isinstance(versions, dict) else "library versions unknown"
    return f"nnexp {manifest.get('nnexp_version', '(version unknown)')}, {commit}; {libraries}"


def provenance(runs: Runs) -> tuple[dict[str, int], int]:
    """({code version: number of finished runs it made}, number of finished runs without a manifest)."""
    versions = pd.Series([_code_version(m) for m in runs.manifests if m is not None], dtype=object)
    return versions.value_counts(sort=False).to_dict(), sum(m is None for m in runs.manifests)


def mixed_code(runs: Runs) -> str:
    """A warning when the finished runs came from different code ('' when not): their numbers
    may then differ for a reason no column of the comparison shows."""
    versions, _ = provenance(runs)
    if len(versions) < 2:
        return ""
    return (f"the finished runs came from {len(versions)} different versions of the code (nnexp, its git "
            "commit or the libraries): a difference between configurations may come from the code, not the settings")
