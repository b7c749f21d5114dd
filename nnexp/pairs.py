"""Which differences between configurations are real: pairs.csv and its words in the report.

A pair is two configurations that differ in one setting (a width, a learning rate, the data),
or any two when a comparison has at most MAX_ALL_PAIRS of them. For each pair, on the primary
metric (comparison.primary_metric: test accuracy with a test set, else final training error):
the probability that a seed of A beats a seed of B, and the Mann-Whitney U test; on the success
counts, Fisher's exact test. A difference holds at the 5% level when either test's p-value,
Holm-adjusted over every test of the table, is below 0.05: looking at many pairs does not make
chance differences pass for real ones.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from nnexp import stats
from nnexp.comparison import CONFIG_COLUMNS, config_labels, primary_metric

MAX_ALL_PAIRS = 6
ALPHA = 0.05
COLUMNS = ["a", "b", "setting", "metric", "higher_is_better", "n_a", "n_b", "median_a", "median_b", "p_a_beats_b",
           "p_mann_whitney", "success_a", "n_seeds_a", "success_b", "n_seeds_b", "p_fisher"]
METRIC_WORDS = {"test_accuracy": "test accuracy", "final_error": "final training error"}


def pairs_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of configurations compared (empty with fewer than two):

    a, b                 the configurations' labels (comparison.config_labels)
    setting              the one setting they differ in, or `several`
    metric               test_accuracy (higher is better) or final_error (lower is better)
    n_a, n_b             seeds with a value of the metric
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
    """report.md's "Which differences are real": a line per pair, the real ones first.
    repeated: some seed was trained more than once (counted once here)."""
    if pairs.empty:
        return []
    n_tests = int(pairs[["p_mann_whitney", "p_fisher"]].notna().sum().sum())
    lines = ["## Which differences are real", "",
             f"Pairs of configurations (every pair when there are at most {MAX_ALL_PAIRS}, else those that differ "
             "in one setting), compared on test accuracy where both have a test set, else on the final training "
             "error: how often a seed of one beats a seed of the other, with the Mann-Whitney U test, and how many "
             "seeds learned the training set, with Fisher's exact test. A difference is real at the 5% level when "
             f"a p-value, Holm-adjusted over all {n_tests} tests here, is below 0.05; one that is not may still "
             "exist, and more seeds would tell. Every pair is in pairs.csv."
             + (" A seed trained more than once counts once here: its copies are no new evidence." if repeated
                else ""), ""]
    for row in pairs.sort_values("real", ascending=False, kind="stable").itertuples(index=False):
        lines.append(f"- {pair_words(row)}")
    return lines + [""]


def pair_words(row) -> str:
    """One pair in words, the better first: `**two_layer** vs **perceptron** (differ in model):
    **real**. A seed of two_layer beats one of perceptron with probability 1.00 on ...`."""
    first, second, beats, median_1, median_2, won_1, won_2, n_1, n_2 = (
        row.a, row.b, row.p_a_beats_b, row.median_a, row.median_b, row.success_a, row.success_b,
        row.n_seeds_a, row.n_seeds_b)
    if beats < 0.5:  # said from the better one's side
        first, second, beats, median_1, median_2, won_1, won_2, n_1, n_2 = (
            second, first, 1 - beats, median_2, median_1, won_2, won_1, n_2, n_1)
    verdict = "**real**" if row.real else "not shown at 5%: more seeds needed to tell"
    about = "" if row.setting == "several" else f" (differ in {row.setting})"
    chance = "no seeds to compare" if pd.isna(beats) else f"probability {beats:.2f}"
    return (f"**{first}** vs **{second}**{about}: {verdict}. A seed of {first} beats one of {second} with "
            f"{chance} on {METRIC_WORDS[row.metric]} (medians {_g(median_1)} vs {_g(median_2)}, "
            f"{'higher' if row.higher_is_better else 'lower'} is better; Mann-Whitney p = "
            f"{_p(row.p_mann_whitney_holm)}); learned the training set at {won_1}/{n_1} vs {won_2}/{n_2} seeds "
            f"(Fisher p = {_p(row.p_fisher_holm)}); p-values Holm-adjusted")


def _g(value: float) -> str:
    return "none" if pd.isna(value) else f"{value:.3g}"


def _p(value: float) -> str:
    """`0.0002`, `0.04`, `1`: two significant digits, `< 1e-06` below a millionth."""
    if pd.isna(value):
        return "none"
    return "< 1e-06" if value < 1e-6 else f"{value:.2g}"
