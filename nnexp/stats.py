"""How sure a comparison is: intervals for rates and for means or medians over seeds, and the
tests that say whether two configurations differ. Built on SciPy; used by the report's tables,
its pictures, the console and the Python API alike.

Every interval is 95%. Rates (k of n seeds) get Wilson's score interval, which stays inside
[0, 1] and is honest at k = 0 or k = n, where the textbook p +- 1.96 se collapses to a point.
Means and medians get a percentile bootstrap from a generator of fixed seed, so a report
rebuilt from the same runs says the same numbers.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

LEVEL = 0.95
# Resamples of the bootstrap: the interval's ends move by well under 1% of its width between
# generators at this many, and it costs a few milliseconds per configuration.
N_RESAMPLES = 9999
BOOTSTRAP_SEED = 0
# A bootstrap of fewer values is barely more than their range (of 2 values, exactly it), far
# from a 95% interval: no interval is given below this many.
MIN_BOOTSTRAP = 5
# Ties and at most this many ways to split the seeds (7 against 7: 3,432): Mann-Whitney's exact
# p-value by counting them, in a tenth of a second. Above, the normal approximation is close.
MAX_PERMUTATIONS = 5000


def _scipy_stats():
    """scipy.stats, imported on first use: a second to import, which every sweep job that only
    trains would otherwise pay when nnexp's report modules are loaded."""
    from scipy import stats

    return stats


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson interval of a rate of k successes in n trials; (nan, nan) for n = 0.
    wilson(15, 20) = (0.531, 0.888)."""
    if n <= 0:
        return np.nan, np.nan
    interval = _scipy_stats().binomtest(int(k), int(n)).proportion_ci(confidence_level=LEVEL, method="wilson")
    return float(interval.low), float(interval.high)


def bootstrap(values: np.ndarray, statistic: str = "mean") -> tuple[float, float]:
    """The 95% percentile-bootstrap interval of the mean or median of `values` (n_seeds,),
    nan left out; (v, v) when every value is v, (nan, nan) with fewer than MIN_BOOTSTRAP values.

    Percentile rather than BCa: BCa needs a jackknife that fails on the ties small sweeps are
    full of (test accuracies of 0.98 at many seeds, epochs_to_fit in steps of log_every)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) < MIN_BOOTSTRAP:
        return np.nan, np.nan
    if np.all(values == values[0]):
        return float(values[0]), float(values[0])
    function = np.mean if statistic == "mean" else np.median
    result = _scipy_stats().bootstrap((values,), function, n_resamples=N_RESAMPLES, confidence_level=LEVEL,
                             method="percentile", rng=np.random.default_rng(BOOTSTRAP_SEED))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def beats(a: np.ndarray, b: np.ndarray, higher_is_better: bool) -> float:
    """The probability that a seed of A beats a seed of B on a metric, ties counting half:
    P(A > B) + P(A = B) / 2 over every pair of their seeds (nan left out); nan if either has none.
    It is the Mann-Whitney U statistic over n_a * n_b."""
    a, b = _finite(a), _finite(b)
    if not len(a) or not len(b):
        return np.nan
    sign = 1 if higher_is_better else -1
    with np.errstate(invalid="ignore"):  # inf - inf: two seeds that both diverged, a tie
        difference = np.where(a[:, None] == b[None, :], 0.0, sign * (a[:, None] - b[None, :]))
    return float(((difference > 0) + 0.5 * (difference == 0)).mean())


def mann_whitney(a: np.ndarray, b: np.ndarray) -> float:
    """The two-sided Mann-Whitney U test's p-value for A and B coming from one distribution
    (nan left out); 1.0 when every value of both is equal, nan if either has none."""
    a, b = _finite(a), _finite(b)
    if not len(a) or not len(b):
        return np.nan
    both = np.concatenate([a, b])
    if np.all(both == a[0]):
        return 1.0  # nothing to rank: no evidence of a difference
    stats = _scipy_stats()
    method = "auto"  # SciPy's exact distribution for small samples without ties, the normal one above
    n_orders = math.comb(len(both), len(a))
    if len(np.unique(both)) < len(both) and n_orders <= MAX_PERMUTATIONS:
        # With ties SciPy falls back to the normal approximation, whose p-values are too small for
        # few seeds (4 seeds at 0.5 against 4 at 0.1: 0.013, where no split is rarer than 0.029).
        # Every split of the seeds into two groups is counted instead: the exact p-value.
        method = stats.PermutationMethod(n_resamples=n_orders, rng=np.random.default_rng(BOOTSTRAP_SEED))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.mannwhitneyu(a, b, alternative="two-sided", method=method).pvalue)


def fisher(k_a: int, n_a: int, k_b: int, n_b: int) -> float:
    """Fisher's exact test's two-sided p-value for success counts k_a of n_a against k_b of n_b."""
    if n_a <= 0 or n_b <= 0:
        return np.nan
    return float(_scipy_stats().fisher_exact([[k_a, n_a - k_a], [k_b, n_b - k_b]]).pvalue)


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values tested together (nan kept, not counted): a
    difference holds at the 5% level when its adjusted p-value is below 0.05, whatever the
    number of pairs looked at."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    order = tested[np.argsort(p[tested], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted


def _finite(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values[~np.isnan(values)]
