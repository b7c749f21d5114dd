"""Which differences between configurations are real: pairs.csv and its words in the report.

A pair is two configurations that differ in one setting (a width, a learning rate, the data),
or any two when a comparison has at most MAX_ALL_PAIRS of them. For each pair, on the primary
metric (comparison.primary_metric: test accuracy with a test set, else final training error):
the probability that a seed of A beats a seed of B, and the Mann-Whitney U test; on the success
counts, Fisher's exact test. A difference holds at the 5% level when either test's p-value,
Holm-adjusted over every test of the table, is below 0.05: looking at many pairs does not make
chance differences pass for real ones. A seed trained twice counts once; a diverged seed, which
has no figures, ranks below every seed that trained.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from nnexp import stats
from nnexp.comparison import CONFIG_COLUMNS, config_labels, primary_metric
from nnexp.glance import markdown

MAX_ALL_PAIRS = 6
MAX_SHOWN = 30  # pairs in report.md's table; beyond, the real ones only (pairs.csv has them all)
ALPHA = 0.05
COLUMNS = ["a", "b", "setting", "metric", "higher_is_better", "n_a", "n_b", "median_a", "median_b", "p_a_beats_b",
           "p_mann_whitney", "success_a", "n_seeds_a", "success_b", "n_seeds_b", "p_fisher"]
METRIC_WORDS = {"test_accuracy": "test accuracy", "final_error": "final training error"}


def pairs_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of configurations compared (empty with fewer than two):

    a, b                 the configurations' labels (comparison.config_labels)
    setting              the one setting they differ in, or `several`
    metric               test_accuracy (higher is better) or final_error (lower is better)
    n_a, n_b             seeds compared: a diverged seed is among them, ranked below every seed that
                         trained (its metric is -inf or inf here)
    median_a, median_b   the metric's median over those seeds
    p_a_beats_b          P(a seed of A beats a seed of B), ties counting half
    p_mann_whitney       two-sided Mann-Whitney U test on the metric
    success_a, success_b seeds that learned the training set, of n_seeds_a, n_seeds_b
    p_fisher             Fisher's exact test on those counts
    p_mann_whitney_holm, p_fisher_holm   the two p-values, Holm-adjusted over the whole table
    real                 True when either adjusted p-value is below 0.05

    summary: results rows of every run (one per seed), as comparison.comparison_table takes.
    """
    if summary.empty:
        return pd.DataFrame(columns=[*COLUMNS, "p_mann_whitney_holm", "p_fisher_holm", "real"])
    keys = [c for c in CONFIG_COLUMNS if c in summary]
    # A seed trained twice trains the same network twice: a copy, which the tests would count
    # as more evidence than there is. Each (configuration, seed) counts once.
    summary = summary.drop_duplicates(subset=[*keys, "seed"])
    labelled = summary.assign(config=config_labels(summary))
    configs = list(labelled.groupby(keys, sort=False, dropna=False))
    first_rows = pd.DataFrame([rows.iloc[0] for _, rows in configs])
    chosen = [(i, j) for i, j in combinations(range(len(configs)), 2)
              if len(configs) <= MAX_ALL_PAIRS or len(_differing(first_rows.iloc[i], first_rows.iloc[j], keys)) == 1]
    records = []
    for i, j in chosen:
        a, b = configs[i][1], configs[j][1]
        metric, higher = primary_metric(pd.concat([a, b]))
        # A diverged seed has no figures; it lost, so it ranks below every seed that trained, never
        # left out: 7 diverged seeds of 8 must not let the one survivor speak for its configuration.
        worst = -np.inf if higher else np.inf
        a, b = (rows.assign(**{metric: rows[metric].mask(rows["status"] == "diverged", worst)}) for rows in (a, b))
        differ = _differing(first_rows.iloc[i], first_rows.iloc[j], keys)
        success_a, success_b = int((a["train_accuracy"] == 1.0).sum()), int((b["train_accuracy"] == 1.0).sum())
        records.append({
            "a": a["config"].iloc[0], "b": b["config"].iloc[0],
            "setting": differ[0] if len(differ) == 1 else "several",
            "metric": metric, "higher_is_better": higher,
            "n_a": int(a[metric].notna().sum()), "n_b": int(b[metric].notna().sum()),
            "median_a": a[metric].median(), "median_b": b[metric].median(),
            "p_a_beats_b": stats.beats(a[metric].to_numpy(), b[metric].to_numpy(), higher),
            "p_mann_whitney": stats.mann_whitney(a[metric].to_numpy(), b[metric].to_numpy()),
            "success_a": success_a, "n_seeds_a": len(a), "success_b": success_b, "n_seeds_b": len(b),
            "p_fisher": stats.fisher(success_a, len(a), success_b, len(b)),
        })
    table = pd.DataFrame(records, columns=COLUMNS)
    # One family: every p-value of the table, so that "real" holds at 5% over all of them.
    adjusted = stats.holm(np.concatenate([table["p_mann_whitney"], table["p_fisher"]]))
    table["p_mann_whitney_holm"] = adjusted[:len(table)]
    table["p_fisher_holm"] = adjusted[len(table):]
    table["real"] = (table["p_mann_whitney_holm"] < ALPHA) | (table["p_fisher_holm"] < ALPHA)
    return table


def _differing(a: pd.Series, b: pd.Series, keys: list[str]) -> list[str]:
    """The settings in which two configurations differ: the data and its digest are one
    setting (`data`), and so are a model and its widths (`model`) when the model differs."""
    differ = [k for k in keys if not (a[k] == b[k] or (pd.isna(a[k]) and pd.isna(b[k])))]
    if "data" in differ or "data_digest" in differ:
        differ = [k for k in differ if k not in ("data", "data_digest")] + ["data"]
    if "model" in differ and "hidden" in differ:
        differ.remove("hidden")
    return differ


def section(pairs: pd.DataFrame, repeated: bool = False) -> list[str]:
    """report.md's "Which differences are real": in words, the differences that hold at the 5%
    level and the pairs that need more seeds; then a row per pair, the better one first.
    repeated: some seed was trained more than once (counted once here)."""
    if pairs.empty:
        return []
    n_tests = int(pairs[["p_mann_whitney", "p_fisher"]].notna().sum().sum())
    oriented = [_oriented(row) for row in pairs.itertuples(index=False)]
    real = [claim for row in oriented for claim in row["claims"]]
    unsure = [f"{row['first']} vs {row['second']}" for row in oriented if not row["claims"]]
    lines = ["## Which differences are real", "",
             f"Pairs of configurations (every pair when there are at most {MAX_ALL_PAIRS}, else those that differ "
             "in one setting) are compared on test accuracy where both have a test set, else on the final training "
             "error, with the Mann-Whitney U test, and on how many seeds learned the training set, with Fisher's "
             f"exact test. A difference is real at the 5% level when its p-value, Holm-adjusted over all {n_tests} "
             "tests here, is below 0.05; one that is not may still exist, and more seeds would tell."
             + (" A seed trained more than once counts once here: its copies are no new evidence." if repeated
                else ""), "",
             f"**Real at the 5% level**: {'; '.join(real) if real else 'none'}.", "",
             "**Not shown, more seeds needed to tell**: " + (
                 "none" if not unsure else "; ".join(unsure) if len(unsure) <= MAX_SHOWN
                 else f"{len(unsure)} pairs (pairs.csv)") + ".", ""]
    table = pd.DataFrame({
        "real": [bool(row["claims"]) for row in oriented],
        "better": [row["first"] for row in oriented], "than": [row["second"] for row in oriented],
        "differ in": pairs["setting"].to_numpy(),
        "a seed of it beats one of the other": [_chance(row["beats"]) for row in oriented],
        "medians": [f"{METRIC_WORDS[row['metric']]} {_g(row['median_1'], row['metric'])} vs "
                    f"{_g(row['median_2'], row['metric'])}" for row in oriented],
        "Mann-Whitney p": [_p(p) for p in pairs["p_mann_whitney_holm"]],
        "learned": [f"{row['won_1']}/{row['n_1']} vs {row['won_2']}/{row['n_2']}" for row in oriented],
        "Fisher p": [_p(p) for p in pairs["p_fisher_holm"]],
    })
    shown = table if len(table) <= MAX_SHOWN else table[table["real"]]  # a long table: the real ones
    left = "" if len(shown) == len(table) else f" The {len(table) - len(shown)} pairs not shown are in pairs.csv."
    return lines + ([markdown(shown.drop(columns="real")), ""] if len(shown) else []) + ["The better one of a pair is the one whose seeds beat "
                    "the other's more often on the metric; p-values are Holm-adjusted over this report's pairs, so "
                    "a pair real in a report of its own sweep may not be in a larger one. Every pair, with both "
                    "p-values before and after the adjustment, is in pairs.csv." + left, ""]


def pair_words(row) -> str:
    """One pair in words, the better first: `two_layer beats perceptron on final training error
    (real at 5%)`, or `two_layer vs perceptron: not shown at 5%, more seeds needed to tell`."""
    oriented = _oriented(row)
    if oriented["claims"]:
        return "; ".join(oriented["claims"]) + " (real at 5%)"
    return f"{oriented['first']} vs {oriented['second']}: not shown at 5%, more seeds needed to tell"


def _oriented(row) -> dict:
    """A pairs_table row said from the better one's side (the one whose seeds beat the other's
    more often on the metric), with the differences that are real in words: that it beats the
    other on the metric (Mann-Whitney), and which learns the training set more often (Fisher),
    which may be either of the two."""
    said = {"first": row.a, "second": row.b, "beats": row.p_a_beats_b, "median_1": row.median_a,
            "median_2": row.median_b, "won_1": row.success_a, "won_2": row.success_b, "n_1": row.n_seeds_a,
            "n_2": row.n_seeds_b, "metric": row.metric}
    if said["beats"] < 0.5:
        said.update(first=row.b, second=row.a, beats=1 - row.p_a_beats_b, median_1=row.median_b,
                    median_2=row.median_a, won_1=row.success_b, won_2=row.success_a, n_1=row.n_seeds_b,
                    n_2=row.n_seeds_a)
    claims = []
    if row.p_mann_whitney_holm < ALPHA:
        claims.append(f"{said['first']} beats {said['second']} on {METRIC_WORDS[row.metric]}")
    if row.p_fisher_holm < ALPHA:
        more, fewer = (row.a, row.b) if row.success_a / row.n_seeds_a > row.success_b / row.n_seeds_b \
            else (row.b, row.a)
        claims.append(f"{more} learns the training set more often than {fewer}")
    return {**said, "claims": claims}


def _chance(value: float) -> str:
    return "no seeds to compare" if pd.isna(value) else f"{value:.0%} of pairs of seeds"


def _g(value: float, metric: str = "final_error") -> str:
    """`0.00254`; an accuracy as `97.5%`; `diverged` where most seeds did."""
    if pd.isna(value):
        return "none"
    if np.isinf(value):
        return "diverged"
    return f"{value:.1%}" if metric == "test_accuracy" else f"{value:.3g}"


def _p(value: float) -> str:
    """`0.0002`, `0.04`, `1`: two significant digits, `< 1e-06` below a millionth."""
    if pd.isna(value):
        return "none"
    return "< 1e-06" if value < 1e-6 else f"{value:.2g}"

