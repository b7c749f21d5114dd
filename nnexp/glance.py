"""report.md's "At a glance": what each configuration's seeds did, in a line each, and for a
comparison over several datasets a grid of data x network: which network solves which problem,
on held-out data where there is some. Tables in, markdown lines out.
"""

from __future__ import annotations

import pandas as pd

from nnexp.comparison import config_labels, short_labels, split_features

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
        # getattr: a comparison.csv written before nnexp measured it has no epochs_to_fit_median.
        epochs = getattr(row, "epochs_to_fit_median", float("nan"))
        if solved and epochs == epochs:
            measured = getattr(row, "n_epochs_to_fit", solved)
            text += f", in a median {epochs:,.0f} epochs" + (
                "" if measured == solved else f" (of the {measured} seeds whose runs recorded it)")
        text += f"; final error {_spread(row.final_error_min, row.final_error_max)}"
        tested = getattr(row, "n_tested", 0)
        if tested == tested and tested:  # nan: this configuration held out no test set
            text += (f"; test accuracy {row.test_accuracy_mean:.1%} on average, "
                     f"{_percent_spread(row.test_accuracy_min, row.test_accuracy_max)}")
        if "probe_output_min" in comparison.columns and row.probe_output_min == row.probe_output_min:
            text += f"; probe output {_spread(row.probe_output_min, row.probe_output_max)}"
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
    return ["## At a glance", "", *(f"- **{label}**: {text}" for label, text in lines(comparison)), "",
            *grid(comparison)]


def _percent_spread(low: float, high: float) -> str:
    """`91% to 99% across seeds`, or `97% at every seed`."""
    low_text, high_text = f"{low:.0%}", f"{high:.0%}"
    return f"{low_text} at every seed" if low_text == high_text else f"{low_text} to {high_text} across seeds"


def _spread(low: float, high: float) -> str:
    """`0.0024 to 0.00323`, or `0.5 at every seed` when the two read the same."""
    low_text, high_text = _short(low), _short(high)
    return f"{low_text} at every seed" if low_text == high_text else f"{low_text} to {high_text}"


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
