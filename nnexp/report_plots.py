"""The report's pictures: the plots of a sweep's configurations across seeds, drawn from the
tables nnexp.comparison and nnexp.by_setting compute (nnexp.plots_sweep draws each one), and the
markdown that shows them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nnexp import options
from nnexp.by_setting import swept
from nnexp.collect import Runs
from nnexp.comparison import config_labels, error_curves, numbered_probes
from nnexp.names import model_words


# The pictures a report draws: an earlier report's are removed before a new one draws its own, so
# that none is left to show runs or settings the new report no longer has.
PICTURES = ["error_curves.png", "final_error.png", "probe_output.png", "probe*_output.png", "by_*.png",
            "boundaries_*.png"]


def remove_plots(folder: Path) -> None:
    """Remove the pictures an earlier report drew into `folder`."""
    for pattern in PICTURES:
        for old in folder.glob(pattern):
            old.unlink(missing_ok=True)


def write_plots(summary: pd.DataFrame, runs: Runs, folder: Path, comparison: pd.DataFrame | None = None) -> list[str]:
    """Draw the report's plots into `folder`; return the markdown lines that show them.
    comparison: comparison_table(summary), computed here if not given."""
    from nnexp import plots_sweep as plots  # matplotlib: half a second to import, paid only where something is drawn

    remove_plots(folder)

    summary = summary.assign(config=config_labels(summary))
    configs = list(dict.fromkeys(summary["config"]))  # first-seen order, as in comparison.csv
    labels, common = _without_shared_options(summary, configs)
    number = {config: k for k, config in enumerate(configs, start=1)}  # the rows of comparison.csv
    first = summary.iloc[0]
    shared = [] if summary["model"].nunique() > 1 else [first["model"] if summary["hidden"].nunique() > 1
                                                        else model_words(first["model"], first["hidden"])]
    shared += [f"data={first['data']}"] if summary["data"].nunique() == 1 else []
    # The step size where every net shares one other than the notebook's: no title lets lr=0.1 pass for 1.0.
    shared += [f"lr={first['lr']:g}"] if summary["lr"].nunique() == 1 and first["lr"] != 1.0 else []
    shared += [f"{first['iterations']:,} epochs"] if summary["iterations"].nunique() == 1 else []
    shared += [f"every net: {common}"] if common else []
    about = f"\n{', '.join(shared)}" if shared else ""  # a second title line
    lines = ["## Plots", ""]

    curves = error_curves(summary, runs.histories)
    plots.sweep_error_curves({labels[c]: curves[c] for c in configs}, f"Training error across seeds{about}",
                             folder / "error_curves.png", numbers=list(number.values()))
    lines += ["Training error against iteration: each configuration's median over its seeds, "
              "with a band from the 25th to the 75th percentile.", "", "![error curves](error_curves.png)", ""]

    by_config = list(summary.groupby("config", sort=False))
    learned = {labels[c]: (rows["train_accuracy"] == 1.0).to_numpy() for c, rows in by_config}
    plots.per_seed({labels[c]: rows["final_error"].to_numpy() for c, rows in by_config},
                   "final training error (log scale)", f"Final training error of each seed{about}",
                   folder / "final_error.png", log=True, learned=learned, numbers=list(number.values()))
    lines += ["Final training error, one dot per seed, hollow where the seed did not learn the training set. "
              "Where the names do not fit, columns are numbered as the rows of comparison.csv.", "",
              "![final error per seed](final_error.png)", ""]

    if not runs.probes.empty:
        lines += _probe_plots(summary, runs, by_config, labels, learned, number, about, folder, plots)
    lines += _by_setting_plot(summary.drop(columns="config"), about, folder, plots, comparison)
    from nnexp.report_boundaries import write_boundaries

    return lines + write_boundaries(summary, runs, folder)


def _probe_plots(summary, runs, by_config, labels, learned, number, about, folder, plots) -> list[str]:
    """probe_output.png (probe1_output.png, ... for several probes): the configurations whose data has the probe."""
    probes = numbered_probes(runs.probes)
    inputs = [c for c in probes.columns if c.startswith("x") and c[1:].isdigit()]
    threshold = summary["threshold"].iloc[0] if summary["threshold"].nunique() == 1 else None
    lines = []
    for column, rows in probes.groupby("column", sort=True):
        points = rows[inputs].drop_duplicates()
        probe = (f"[{', '.join(f'{v:g}' for v in points.iloc[0])}]" if len(points) == 1
                 else column.removesuffix("_output"))
        probed = [(c, r) for c, r in by_config if r[column].notna().any()]
        plots.per_seed({labels[c]: r[column].to_numpy() for c, r in probed}, f"output for the probe {probe}",
                       f"Output for the probe {probe} at each seed{about}", folder / f"{column}.png",
                       threshold=threshold, learned={labels[c]: learned[labels[c]] for c, _ in probed},
                       numbers=[number[c] for c, _ in probed])
        above = (" Above each column: how many of its seeds answered above the threshold (dashed), "
                 "that is, label the probe 1.") if threshold is not None else ""
        lines += [f"Output for the probe {probe}, one dot per seed, hollow where the seed did not learn the "
                  f"training set; only the configurations whose data has this probe.{above}", "",
                  f"![{column}]({column}.png)", ""]
    return lines


def _by_setting_plot(summary: pd.DataFrame, about: str, folder: Path, plots,
                     comparison: pd.DataFrame | None = None) -> list[str]:
    """by_<setting>.png when the configurations differ in exactly one numeric setting (nnexp.by_setting)."""
    found = swept(summary, comparison)
    if found is None:
        return []
    table, metric = found.table, found.metric
    words, file = metric.replace("_", " "), f"by_{found.setting}.png"
    better = "higher" if found.higher_is_better else "lower"
    ends = ("", "_low", "_high")  # the estimate and its 95% interval
    plots.by_setting(table["value"].to_numpy(), table[[f"success_rate{end}" for end in ends]].to_numpy(),
                     table[[f"{metric}_median{end}" for end in ends]].to_numpy(), found.seeds,
                     setting=found.label, metric_name=f"{words}, median over seeds\n({better} is better)",
                     log_metric=metric == "final_error", path=folder / file,
                     epochs=table[[f"epochs_to_fit_median{end}" for end in ends]].to_numpy(),
                     epochs_seeds=found.epochs_seeds,
                     title=f"Seeds that learned the training set, {words} and epochs to fit, against {found.label}"
                           f"{about}")
    timed = table["epochs_to_fit_median"].notna().any()
    return [f"Against {found.label}: the share of seeds that learned the training set (top), the median "
            f"{words} over the seeds ({'middle' if timed else 'bottom'}, each seed a faint dot)"
            + (", and the median epochs to fit over the seeds that learned (bottom; to the epochs logged, every "
               "`train.log_every`)" if timed else "")
            + "; the bars are 95% intervals, Wilson's for the share and a bootstrap's for the medians, the "
            "numbers of comparison.csv.", "",
            f"![by {found.setting}]({file})", ""]


def _without_shared_options(summary: pd.DataFrame, configs: list[str]) -> tuple[dict[str, str], str]:
    """({label: the label without the options every net shares}, those options said once):
    `perceptron circle bias log_loss batch 10 shuffle` -> `perceptron circle`, and `bias,
    log_loss, batch 10, shuffle` for the title. Labels are left whole where they do not all end
    in those words."""
    words = [options.words(c, summary[c].iloc[0]) for c in options.COLUMNS if c in summary
             and summary[c].nunique(dropna=False) == 1 and not options.is_default(c, summary[c].iloc[0])]
    tail = " " + " ".join(words)
    if not words or len(configs) < 2 or not all(c.endswith(tail) and len(c) > len(tail) for c in configs):
        return {c: c for c in configs}, ""
    return {c: c[: -len(tail)] for c in configs}, ", ".join(words)

