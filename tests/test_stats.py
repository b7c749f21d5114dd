"""The report's statistics (nnexp.stats, nnexp.pairs, the comparison's intervals), checked
against values computed independently of SciPy and against what real trainings show."""

import math

import numpy as np
import pandas as pd
import pytest

from nnexp import comparison, glance, pairs, stats
from nnexp.network import Network
from nnexp.training import fit

XOR_X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=float)


def wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's score interval, from its formula."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("k, n", [(15, 20), (0, 20), (20, 20), (1, 3), (7, 10)])
def test_the_wilson_interval_is_its_formula(k, n):
    assert stats.wilson(k, n) == pytest.approx(wilson_by_hand(k, n), abs=1e-12)


def test_fifteen_of_twenty_seeds_is_53_to_89_percent():
    low, high = stats.wilson(15, 20)
    assert round(low, 3) == 0.531 and round(high, 3) == 0.888


def test_the_bootstrap_interval_is_a_percentile_bootstrap_and_the_same_every_time():
    values = np.random.default_rng(5).exponential(size=20)
    rng = np.random.default_rng(1)  # an independent bootstrap: resample, take the middle 95%
    means = values[rng.integers(0, len(values), size=(40000, len(values)))].mean(axis=1)
    expected = np.percentile(means, [2.5, 97.5])
    low, high = stats.bootstrap(values, "mean")
    assert (low, high) == pytest.approx(expected, abs=0.03 * (expected[1] - expected[0]))
    assert stats.bootstrap(values, "mean") == (low, high)  # a fixed generator: reports rebuild the same


def test_the_bootstrap_of_equal_values_is_that_value_and_of_one_value_is_unknown():
    assert stats.bootstrap(np.full(5, 0.25), "median") == (0.25, 0.25)
    assert all(math.isnan(end) for end in stats.bootstrap(np.array([0.3, np.nan]), "mean"))


def test_beating_is_counted_over_every_pair_of_seeds_ties_half():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 0.0])
    # pairs (a > b): (1,0) (2,0) (3,2) (3,0) = 4, ties (2,2) = 1, of 6
    assert stats.beats(a, b, higher_is_better=True) == pytest.approx(4.5 / 6)
    assert stats.beats(a, b, higher_is_better=False) == pytest.approx(1.5 / 6)


def test_holm_multiplies_the_smallest_p_by_the_number_of_tests_and_keeps_the_order():
    assert stats.holm(np.array([0.01, 0.04, np.nan, 0.03])).tolist()[:2] == pytest.approx([0.03, 0.06])
    assert np.isnan(stats.holm(np.array([0.01, 0.04, np.nan, 0.03]))[2])


def trained_rows(hidden: list[int], seeds: list[int], **settings) -> pd.DataFrame:
    """results.csv-like rows of networks really trained on XOR."""
    network = Network(hidden=hidden).init_weights(3, seeds=seeds)
    history = fit(network, XOR_X, XOR_Y, iterations=3000, lr=1.0, log_every=100)
    outputs = network.predict(XOR_X)[..., 0]  # (n_replicas, 4)
    return pd.DataFrame({
        "model": "two_layer" if hidden else "perceptron", "data": "xor", "seed": seeds, "hidden": str(hidden),
        "iterations": 3000, "lr": 1.0, "log_every": 100, "threshold": 0.5, "data_digest": "d",
        "final_error": np.abs(outputs - XOR_Y[:, 0]).mean(axis=1), "final_loss": history.loss[:, -1],
        "train_accuracy": ((outputs > 0.5) == (XOR_Y[:, 0] > 0.5)).mean(axis=1), "epochs_to_fit": np.nan,
        "status": "ok", **settings})


def test_two_layer_beating_the_perceptron_on_xor_is_real_at_ten_seeds():
    summary = pd.concat([trained_rows([], list(range(10))), trained_rows([4], list(range(10)))])
    (pair,) = pairs.pairs_table(summary).itertuples()
    assert (pair.a, pair.b, pair.metric, pair.setting) == ("perceptron", "two_layer", "final_error", "model")
    assert pair.p_a_beats_b == 0.0 and pair.real
    assert pair.success_a == 0 and pair.success_b == 10
    assert pairs.pair_words(pair) == ("two_layer beats perceptron on final training error; two_layer learns the "
                                      "training set more often than perceptron (real at 5%)")


def test_a_difference_between_two_identical_configurations_is_not_real():
    # log_every changes what is logged, never what is trained: two samples of one configuration.
    summary = pd.concat([trained_rows([2], list(range(10)), log_every=100),
                         trained_rows([2], list(range(10, 20)), log_every=50)])
    (pair,) = pairs.pairs_table(summary).itertuples()
    assert pair.setting == "log_every" and not pair.real
    assert "more seeds needed to tell" in pairs.pair_words(pair)


def test_more_than_six_configurations_are_paired_only_where_one_setting_differs():
    trained = trained_rows([4], [0, 1])
    rows = [trained.assign(lr=lr, iterations=iterations) for lr in (0.5, 1.0, 2.0) for iterations in (100, 3000, 6000)]
    table = pairs.pairs_table(pd.concat(rows))
    assert len(table) == 18 and set(table["setting"]) == {"lr", "iterations"}  # 9 configs: 3 x 3 + 3 x 3 pairs


def test_the_comparison_carries_each_rate_and_mean_with_its_interval():
    summary = trained_rows([3], list(range(12)))  # 3 units: most seeds learn XOR, some do not
    summary["epochs_to_fit"] = np.where(summary["train_accuracy"] == 1.0, 100.0 * np.arange(12), np.nan)
    (row,) = comparison.comparison_table(summary).itertuples()
    k = int((summary["train_accuracy"] == 1.0).sum())
    assert k >= stats.MIN_BOOTSTRAP  # else no interval of the epochs to check
    assert (row.n_success, row.success_rate_low, row.success_rate_high) == (k, *stats.wilson(k, 12))
    assert (row.final_error_mean_low, row.final_error_mean_high) == stats.bootstrap(summary["final_error"], "mean")
    assert (row.epochs_to_fit_median_low, row.epochs_to_fit_median_high) == \
        stats.bootstrap(summary["epochs_to_fit"], "median")
    ((_, text),) = glance.lines(comparison.comparison_table(summary))
    low, high = stats.wilson(k, 12)
    assert f"at {k} of 12 seeds ({k / 12:.0%}, 95% CI {low:.0%}-{high:.0%})".replace("%-", "-") in text


def test_a_seed_trained_twice_is_one_seed_to_the_intervals():
    once = trained_rows([2], list(range(6)))
    twice = pd.concat([once, once])
    (single,), (double,) = (comparison.comparison_table(rows).itertuples() for rows in (once, twice))
    assert double.n_seeds == 12 and double.n_distinct_seeds == 6
    assert (double.success_rate_low, double.success_rate_high) == (single.success_rate_low, single.success_rate_high)
    assert (double.final_error_mean_low, double.final_error_mean_high) == \
        (single.final_error_mean_low, single.final_error_mean_high)


def test_fewer_than_five_seeds_get_no_bootstrap_interval_and_ties_an_exact_test():
    assert all(math.isnan(end) for end in stats.bootstrap(np.array([0.1, 0.2, 0.3, 0.4]), "mean"))
    # 4 seeds at 0.5 against 4 at 0.1: no split of the 8 into two groups of 4 is rarer than 2 of 70.
    assert stats.mann_whitney(np.full(4, 0.5), np.full(4, 0.1)) == pytest.approx(2 / 70)
    # Said as such, never as "95% CI nan-nan".
    rows = trained_rows([4], [0, 1, 2]).assign(train_accuracy=1.0, epochs_to_fit=[100.0, 200.0, 300.0])
    table = comparison.comparison_table(rows)
    ((_, text),) = glance.lines(table)
    assert "too few seeds for an interval" in text and "nan" not in text
    assert "nan" not in glance.brief(table).to_string()


def test_a_diverged_seed_ranks_last_never_left_out():
    rows = trained_rows([4], list(range(6)))
    diverged = rows.assign(lr=1e300, status=["diverged"] * 5 + ["ok"],
                           final_error=[np.nan] * 5 + [0.001], train_accuracy=[np.nan] * 5 + [1.0])
    (pair,) = pairs.pairs_table(pd.concat([rows, diverged])).itertuples()
    assert (pair.n_a, pair.n_b) == (6, 6)  # every seed compared, the diverged among them
    assert pair.p_a_beats_b > 0.5  # the one survivor of lr=1e300 does not speak for its five diverged seeds


def test_each_real_difference_is_said_for_the_side_it_favours():
    # a has the lower errors but learned at no seed; b learned at every seed: both hold, each its own way.
    rows = trained_rows([2], list(range(10)))
    a = rows.assign(hidden="[2]", final_error=0.01 + 0.001 * np.arange(10), train_accuracy=0.75)
    b = rows.assign(hidden="[3]", final_error=0.2 + 0.001 * np.arange(10), train_accuracy=1.0)
    (pair,) = pairs.pairs_table(pd.concat([a, b])).itertuples()
    assert pairs.pair_words(pair) == ("hidden=[2] beats hidden=[3] on final training error; hidden=[3] learns the "
                                      "training set more often than hidden=[2] (real at 5%)")
