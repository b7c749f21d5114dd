"""The report's pictures: the plots of a sweep's configurations across seeds, drawn from the
tables nnexp.comparison computes (nnexp.plots draws each one), and the markdown that shows them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nnexp.collect import Runs
from nnexp.comparison import config_labels, error_curves, numbered_probes


def write_plots(summary: pd.DataFrame, runs: Runs, folder: Path) -> list[str]:
    """Draw the report's plots into `folder`; return the markdown lines that show them."""
    from nnexp import plots  # matplotlib: half a second to import, paid only where something is drawn

    summary = summary.assign(config=config_labels(summary))
    configs = list(dict.fromkeys(summary["config"]))  # first-seen order, as in comparison.csv
    shown = summary[summary["config"].isin(configs[: plots.MAX_CONFIGS])]
    shared = [f"{c}={shown[c].iloc[0]}" for c in ("data", "iterations") if shown[c].nunique() == 1]
    about = f"\n{', '.join(shared)}" if shared else ""  # a second title line
    lines = ["## Plots", ""]
    if len(configs) > plots.MAX_CONFIGS:
        lines += [f"The plots show the first {plots.MAX_CONFIGS} of {len(configs)} configurations; "
                  "comparison.csv holds them all.", ""]

    curves = error_curves(shown, runs.histories)
    plots.sweep_error_curves(curves, f"Training error across seeds{about}", folder / "error_curves.png")
    lines += ["Training error against iteration: each configuration's median over its seeds, "
              "with a band from the 25th to the 75th percentile.", "", "![error curves](error_curves.png)", ""]

    by_config = shown.groupby("config", sort=False)
    plots.per_seed({c: rows["final_error"].to_numpy() for c, rows in by_config},
                   "final training error (log scale)", f"Final training error of each seed{about}",
                   folder / "final_error.png", log=True)
    lines += ["Final training error, one dot per seed; the black bar is the median.", "",
              "![final error per seed](final_error.png)", ""]

    if not runs.probes.empty:
        probes = numbered_probes(runs.probes)
        inputs = [c for c in probes.columns if c.startswith("x") and c[1:].isdigit()]
        threshold = (shown["threshold"].iloc[0], f"threshold {shown['threshold'].iloc[0]:g}") \
            if shown["threshold"].nunique() == 1 else None
        for column, rows in probes.groupby("column", sort=True):
            points = rows[inputs].drop_duplicates()
            probe = (f"[{', '.join(f'{v:g}' for v in points.iloc[0])}]" if len(points) == 1
                     else column.removesuffix("_output"))
            plots.per_seed({c: r[column].to_numpy() for c, r in by_config}, f"output for the probe {probe}",
                           f"Output for the probe {probe} at each seed{about}", folder / f"{column}.png",
                           line=threshold)
            lines += [f"Output for the probe {probe}, one dot per seed; the black bar is the median "
                      "and the dashed line the threshold above which the label is 1.", "",
                      f"![{column}]({column}.png)", ""]
    from nnexp.report_boundaries import write_boundaries

    return lines + write_boundaries(summary, runs, folder)
