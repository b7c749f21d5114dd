"""report.md's "At a glance": what each configuration's seeds did, in a line each, and for a
comparison over several datasets a grid of data x network: which network solves which problem,
on held-out data where there is some. Tables in, markdown lines out.
"""

from __future__ import annotations

import pandas as pd

from nnexp import options
from nnexp.comparison import CONFIG_COLUMNS, config_labels, short_labels, split_features

nan = float("nan")


def markdown(table: pd.DataFrame) -> str:
    """A pipe table, without pandas' optional `tabulate` dependency."""
    def cell(value) -> str:
        if isinstance(value, float):
            return "" if pd.isna(value) else f"{value:.4g}"
        # A `|` in a name would end its cell and shift every later value one column along.
        return " ".join(str(value).split()).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(str(c)) for c in table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)




def shared_settings(comparison: pd.DataFrame) -> tuple[list[str], str]:
    """The settings every row shares, and a line that says them once: `data=xor, lr=1.0, ...`.
    A shared data_digest is left out of the line: the data's name says it to a reader; so are
    options at the notebook's defaults, and the others are said in words (`tanh, bias`)."""
    shared = [c for c in CONFIG_COLUMNS if c in comparison and comparison[c].nunique(dropna=False) == 1]
    said = [options.words(c, comparison[c].iloc[0]) if c in options.COLUMNS else f"{c}={comparison[c].iloc[0]}"
            for c in shared if c != "data_digest"
            and not (c in options.COLUMNS and options.is_default(c, comparison[c].iloc[0]))]
    return shared, ", ".join(said)


def lines(comparison: pd.DataFrame) -> list[tuple[str, str]]:
    """(configuration, what its seeds did): how many learned the training set, and the spread of
    the final error and probe output, the questions a sweep over seeds is usually asked."""
    lines = []
    for label, row in zip(config_labels(comparison), comparison.itertuples(index=False)):
        solved = round(row.success_rate * row.n_seeds)
        distinct = getattr(row, "n_distinct_seeds", row.n_seeds)
        counted = (f"{row.n_seeds} networks from {distinct} distinct seeds (seeds trained more than "
                   f"once are counted each time)") if distinct < row.n_seeds \
            else f"{row.n_seeds} seed{'s' * (row.n_seeds != 1)}"
        text = f"learned the training set (accuracy 1.0) at {solved} of {counted}"
        if row.n_seeds > 1:  # one seed is no estimate of a rate
            text += f" ({row.success_rate:.0%}, 95% CI {_percent_range(row.success_rate_low, row.success_rate_high)})"
        # getattr: a comparison.csv written before nnexp measured it has no epochs_to_fit_median.
        epochs = getattr(row, "epochs_to_fit_median", float("nan"))
        if solved and epochs == epochs:
            measured = getattr(row, "n_epochs_to_fit", solved)
            low, high = getattr(row, "epochs_to_fit_median_low", nan), getattr(row, "epochs_to_fit_median_high", nan)
            # Timed at the logged epochs only: an interval of 100-100 would claim a precision it has not.
            every = min(row.log_every, row.iterations) if hasattr(row, "log_every") else 0  # and always the last
            timed = f"timed every {every:,} epochs" if every else "timed at logged epochs"
            if low == high or measured == 1:  # every seed that learned took as long, or one learned
                seeds = "every seed" if measured > 1 else "the seed"
                text += f", in {epochs:,.0f} epochs at {seeds} that did ({timed})"
            elif low != low:  # too few seeds for an interval (stats.MIN_BOOTSTRAP)
                text += f", in a median {epochs:,.0f} epochs ({timed}; too few seeds for an interval)"
            else:
                text += f", in a median {epochs:,.0f} epochs (95% CI {low:,.0f}-{high:,.0f}; {timed})"
            text += "" if measured == solved else f" (of the {measured} seeds whose runs recorded it)"
        alive = row.n_seeds - row.n_diverged  # a diverged seed has no figures: the rest are over the others
        over = "" if alive == row.n_seeds else f" (over the {alive} seed{'s' * (alive != 1)} that did not diverge)"
        text += ("; no final error (every seed diverged)" if row.final_error_min != row.final_error_min
                 else f"; final error {_spread(row.final_error_min, row.final_error_max, alive)}{over}")
        tested = getattr(row, "n_tested", 0)
        if tested == tested and tested:  # nan: this configuration held out no test set
            low, high = getattr(row, "test_accuracy_mean_low", nan), getattr(row, "test_accuracy_mean_high", nan)
            text += (f"; test accuracy {row.test_accuracy_mean:.1%} on average"
                     + (f" (95% CI {_percent_range(low, high, 1)})" if low == low and low < high else "")
                     + f", {_percent_spread(row.test_accuracy_min, row.test_accuracy_max, alive)}{over}")
        if "probe_output_min" in comparison.columns and row.probe_output_min == row.probe_output_min:
            text += f"; probe output {_spread(row.probe_output_min, row.probe_output_max, alive)}{over}"
        # getattr: a comparison.csv written before saturation was counted has no n_saturated.
        if getattr(row, "n_saturated", 0):
            text += (f"; {row.n_saturated} of {row.n_seeds} seeds saturated (units stuck: "
                     "lower train.lr)")
        if row.n_diverged:
            text += f"; {row.n_diverged} of {row.n_seeds} seeds diverged (no figures: lower train.lr)"
        lines.append((label, text))
    return lines


def section(comparison: pd.DataFrame) -> list[str]:
    """report.md's "At a glance": a line per configuration, then, where the comparison spans
    several datasets, the grid of data x network."""
    if comparison.empty:
        return []
    # Numbered as comparison.csv's rows, as the pictures number their columns where names do not fit.
    return ["## At a glance", "", *(f"{k}. **{label}**: {text}" for k, (label, text) in
                                    enumerate(lines(comparison), start=1)), "", *grid(comparison)]


def _percent_range(low: float, high: float, digits: int = 0) -> str:
    """`53-89%`; `94.1-96.3%` with digits=1."""
    return f"{low * 100:.{digits}f}-{high * 100:.{digits}f}%"


def _percent_spread(low: float, high: float, n_seeds: int = 2) -> str:
    """`91% to 99% across seeds`, or `97% at every seed` (`97%` for one seed)."""
    low_text, high_text = f"{low:.0%}", f"{high:.0%}"
    if low_text == high_text:
        return f"{low_text} at every seed" if n_seeds > 1 else low_text
    return f"{low_text} to {high_text} across seeds"


def _spread(low: float, high: float, n_seeds: int = 2) -> str:
    """`0.0024 to 0.00323`, or `0.5 at every seed` when the two read the same (`0.5` for one seed)."""
    low_text, high_text = _short(low), _short(high)
    if low_text == high_text:
        return f"{low_text} at every seed" if n_seeds > 1 else low_text
    return f"{low_text} to {high_text}"


def _short(value: float) -> str:
    """Three significant digits, more where three would round a sigmoid's output up to 1:
    0.9995 stays 0.9995, since an output of exactly 1 is never reached."""
    for digits in range(3, 7):
        text = f"{value:.{digits}g}"
        if text != "1" or value >= 1:
            return text
    return text


def grid(comparison: pd.DataFrame) -> list[str]:
    """Markdown lines: a table with a row per dataset and a column per network, when the
    comparison holds several datasets and each (dataset, network) pair once. A cell says the
    mean test accuracy (training accuracy without a test set) and at how many seeds the network
    learned the training set. A dataset changed only in its features (`circle (features=...)`) is
    a row of its own data's: the features are the network's input, named in its column."""
    if "data" not in comparison or comparison["data"].nunique() < 2:
        return []
    parts = [split_features(name) for name in comparison["data"]]
    base = pd.Series([b for b, _ in parts], index=comparison.index)
    change = pd.Series([f for _, f in parts], index=comparison.index)
    if base.nunique() < 2:
        return []
    nets, shared = short_labels(comparison.drop(columns="data_digest", errors="ignore").assign(data=change))
    if pd.DataFrame({"base": base, "net": nets}).duplicated().any():
        return []  # some pair has two configurations: the per-line list above says each
    tested = "test_accuracy_mean" in comparison and comparison["test_accuracy_mean"].notna().all()
    accuracy = comparison["test_accuracy_mean" if tested else "train_accuracy_mean"]
    solved = (comparison["success_rate"] * comparison["n_seeds"]).round().astype(int)
    cells = [f"{_percent(a)} ({k}/{n})" for a, k, n in zip(accuracy, solved, comparison["n_seeds"])]
    table = pd.DataFrame({"data": base, "net": nets, "cell": cells}).pivot(index="data", columns="net",
                                                                           values="cell")
    table = table.reindex(index=list(dict.fromkeys(base)), columns=list(dict.fromkeys(nets))).fillna("")
    what = "test accuracy" if tested else "training accuracy"
    return [f"Mean {what} over the seeds of each network on each dataset, and (k/n) the seeds that learned "
            f"the training set{' (' + shared.removeprefix(': ') + ')' if shared else ''}:", "",
            markdown(table.reset_index()), ""]


def _percent(value: float) -> str:
    """`97%`; `99.6%` where whole percents would round up to 100% or down to 0%; `none` for nan
    (every seed diverged)."""
    if value != value:
        return "none"
    text = f"{value:.0%}"
    if (text == "100%" and value < 1) or (text == "0%" and value > 0):
        return f"{value:.1%}" if f"{value:.1%}" not in ("100.0%", "0.0%") else f"{value:.2%}"
    return text


def brief(comparison: pd.DataFrame) -> pd.DataFrame:
    """The few columns that answer a comparison's question, as text, a row per configuration:
    configuration, seeds, how many learned the training set (with its 95% interval), test
    accuracy (mean, 95% interval) where there is a test set, the final training error (median,
    95% interval) where some configuration has none, epochs to fit (median, 95% interval), and
    the probe's output across seeds. comparison.csv holds every column."""
    def interval(value, low, high, text) -> str:
        if value != value:
            return ""
        # low == high: every seed alike (or one), no spread to bootstrap; a (1-1) would look like certainty.
        return text(value) + (f" ({text(low)}-{text(high)})" if low == low and low < high else "")

    def error_interval(value, low, high) -> str:
        """`0.0304 (0.0304-0.0305)`: as many digits as tell the ends apart, never `0.03 (0.03-0.03)`."""
        if value != value:
            return ""
        if not (low == low and low < high):
            return f"{value:.2g}"
        digits = next((d for d in range(2, 7) if f"{low:.{d}g}" != f"{high:.{d}g}"), 6)
        return f"{value:.{digits}g} ({low:.{digits}g}-{high:.{digits}g})"

    table = pd.DataFrame({"#": range(1, len(comparison) + 1), "configuration": config_labels(comparison).to_numpy(),
                          "seeds": comparison["n_seeds"].to_numpy()})
    table["learned"] = [f"{k}/{n} ({_percent_range(low, high)})" if n > 1 else f"{k}/{n}" for k, n, low, high in
                        zip(comparison["n_success"], comparison["n_seeds"], comparison["success_rate_low"],
                            comparison["success_rate_high"])]
    tested = "test_accuracy_mean" in comparison
    if tested:
        table["test accuracy"] = ["" if v != v else f"{v:.1%}" + (f" ({_percent_range(low, high, 1)})"
                                  if low == low and low < high else "") for v, low, high in zip(
            comparison["test_accuracy_mean"], comparison["test_accuracy_mean_low"],
            comparison["test_accuracy_mean_high"])]
    if not tested or comparison["test_accuracy_mean"].isna().any():
        table["final error"] = [error_interval(v, low, high) for v, low, high in zip(
            comparison["final_error_median"], comparison["final_error_median_low"],
            comparison["final_error_median_high"])]
    if comparison["n_diverged"].any():  # the figures beside are over the seeds that did not
        table["diverged"] = [f"{d}/{n}" if d else "" for d, n in zip(comparison["n_diverged"], comparison["n_seeds"])]
    table["epochs to fit"] = [interval(v, low, high, lambda x: f"{x:,.0f}") for v, low, high in zip(
        comparison["epochs_to_fit_median"], comparison["epochs_to_fit_median_low"],
        comparison["epochs_to_fit_median_high"])]
    for column in [c for c in comparison if c.startswith("probe") and c.endswith("_output_min")]:
        name = column.removesuffix("_output_min").replace("probe", "probe ").strip()
        table[f"{name} output"] = ["" if low != low else _spread(low, high) for low, high in
                                   zip(comparison[column], comparison[column.replace("_min", "_max")])]
    return table


def brief_key(table: pd.DataFrame) -> str:
    """What brief's columns say, for a line under the table."""
    said = {"learned": "learned: seeds that learned the training set (accuracy 1.0), with the rate's 95% interval",
            "test accuracy": "test accuracy: mean over the seeds",
            "final error": "final error: median over the seeds of mean |target - output| on the training set",
            "epochs to fit": "epochs to fit: median over the seeds that learned, timed at the logged epochs "
                             "(train.log_every)"}
    return "; ".join(text for column, text in said.items() if column in table) + \
        "; each with its 95% interval in brackets, left out where every seed gives the same value"
