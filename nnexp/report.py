"""The sweep report: one table and one page for many runs, built from the files on disk.

    python -m nnexp.report PATH [PATH ...]

PATH is a sweep folder, a single run folder, or any folder above them (`outputs/`). Every run
folder below it (one holding `.hydra/config.yaml`) is read; one without `results.csv` did not
finish and is listed as failed. For a sweep folder, jobs the sweep asked for but that have no
folder at all (an interrupted sweep) are listed as missing.

It writes into the (first) PATH:
  summary.csv       every trained network of every run, one row each, with its run folder and overrides
  comparison.csv    one row per configuration with the seed left out: n_seeds, final_error_mean, ...
  error_curves.png  each configuration's error curve across seeds: median line, middle-half band
  final_error.png   each seed's final error, per configuration, so that outliers show
  probe_output.png  each seed's output for the probe input, per configuration (when there are probes)
  report.md         what was swept, the comparison, the plots, and any failed or missing jobs

It reads only files, so it works on any folder, finished or not, whichever launcher ran it.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, ListConfig, OmegaConf

from nnexp import plots

from nnexp.results import ERROR_FILE, atomic_path, write_csv
# Columns of results.csv that identify a configuration once the seed is left out.
CONFIG_COLUMNS = ["model", "data", "hidden", "iterations", "lr", "log_every", "threshold"]


class ReportError(Exception):
    """A path given to the report cannot be read as runs."""


@dataclass
class Runs:
    """What was found on disk below the report's paths."""

    summary: pd.DataFrame  # results.csv rows of every finished run, plus run and overrides
    probes: pd.DataFrame  # predictions.csv probe rows of every finished run, plus run
    histories: pd.DataFrame  # history.csv rows of every finished run, plus run
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (run folder, overrides, error)
    missing: list[str] = field(default_factory=list)  # overrides of jobs with no folder
    sweep_command: str | None = None


def run_folders(path: Path) -> list[Path]:
    """Every run folder at or below `path`: those holding .hydra/config.yaml, in natural name
    order, so that a sweep's job 2 comes before its job 10."""
    def natural(run: Path) -> list:
        return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", run.as_posix())]

    return sorted((config.parent.parent for config in path.rglob(".hydra/config.yaml")), key=natural)


def _overrides(run: Path) -> list[str]:
    file = run / ".hydra" / "overrides.yaml"
    return _as_written(OmegaConf.load(file)) if file.exists() else []


def _as_written(node: DictConfig | ListConfig) -> list[str] | dict[str, str]:
    """Overrides as the user wrote them: `train.log_every=${train.iterations}` stays that string.
    Reading a ListConfig's items would resolve the `${...}` against the file they sit in, giving
    a wrong value or, for a key that file lacks, an error."""
    return OmegaConf.to_container(node, resolve=False)


def sweep_jobs(config: DictConfig) -> list[list[str]]:
    """The overrides of every job a sweep's config (multirun.yaml) asks for, in launch order."""
    # Imported here: only sweeps need Hydra's override grammar.
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    params = _as_written(OmegaConf.select(config, "hydra.sweeper.params") or DictConfig({}))
    arguments = [f"{key}={value}" for key, value in params.items()]
    arguments += _as_written(config.hydra.overrides.task)
    parsed = OverridesParser.create().parse_overrides(arguments)
    return [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]


def _multirun_config(sweep: Path) -> DictConfig | None:
    file = sweep / "multirun.yaml"
    return OmegaConf.load(file) if file.exists() else None


def _sweep_command(config: DictConfig) -> str:
    return " ".join(["python -m nnexp.run -m", *_as_written(config.hydra.overrides.task)])


def _error_message(run: Path) -> str:
    file = run / ERROR_FILE
    return file.read_text().strip() if file.exists() else "no results.csv: failed, or still running"


def collect(paths: list[Path]) -> Runs:
    """Read every run below `paths`; raise ReportError for a bad path or no runs at all."""
    summaries, probes, histories, failed, missing = [], [], [], [], []
    command = None
    for path in paths:
        if not path.is_dir():
            raise ReportError(f"{path} is not a folder: give a sweep folder, a run folder or outputs/")
        folders = run_folders(path)
        if not folders:
            raise ReportError(f"{path} holds no nnexp runs (no folder with .hydra/config.yaml below it)")
        found = set()
        for run in folders:
            # Relative to the first path, so that runs under several paths keep distinct names.
            name = os.path.relpath(run, paths[0]) if run != paths[0] else run.name
            job = _overrides(run)
            found.add(tuple(job))
            overrides = " ".join(job)
            if not (run / "results.csv").exists():
                failed.append((name, overrides, _error_message(run)))
                continue
            summaries.append(pd.read_csv(run / "results.csv").assign(run=name, overrides=overrides))
            predictions = pd.read_csv(run / "predictions.csv")
            probes.append(predictions[predictions["split"] == "probe"].assign(run=name))
            histories.append(pd.read_csv(run / "history.csv").assign(run=name))
        multirun = _multirun_config(path)
        if multirun is not None:
            missing += [" ".join(job) for job in sweep_jobs(multirun) if tuple(job) not in found]
            if path == paths[0]:
                command = _sweep_command(multirun)

    def table(parts: list[pd.DataFrame]) -> pd.DataFrame:
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    return Runs(table(summaries), table(probes), table(histories), failed, missing, command)


def _numbered_probes(probes: pd.DataFrame) -> pd.DataFrame:
    """The probe rows with a `column` naming their summary column: probe_output when every
    run has one probe, else probe1_output, probe2_output, ... in each run's order."""
    number = probes.groupby(["run", "seed"]).cumcount() + 1
    if number.max() == 1:
        return probes.assign(column="probe_output")
    return probes.assign(column=[f"probe{k}_output" for k in number])


def _with_probe_outputs(runs: Runs) -> pd.DataFrame:
    """summary plus one column per probe: probe_output (one probe) or probe1_output, ..."""
    summary = runs.summary
    if runs.probes.empty:
        return summary
    probes = _numbered_probes(runs.probes)
    wide = probes.pivot(index=["run", "seed"], columns="column", values="output")
    return summary.merge(wide.reset_index(), on=["run", "seed"], how="left")


def comparison_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration, the seed left out: how the seeds' results spread.

    success_rate is the share of seeds whose training accuracy is 1.0 (a diverged seed fails).
    """
    groups = summary.groupby(CONFIG_COLUMNS, sort=False, dropna=False)
    table = groups.agg(
        n_seeds=("seed", "size"),
        final_error_mean=("final_error", "mean"),
        final_error_std=("final_error", "std"),
        final_error_min=("final_error", "min"),
        final_error_max=("final_error", "max"),
        train_accuracy_mean=("train_accuracy", "mean"),
        success_rate=("train_accuracy", lambda accuracy: (accuracy == 1.0).mean()),
        n_diverged=("status", lambda status: (status == "diverged").sum()),
    )
    for column in [c for c in summary.columns if c.startswith("probe") and c.endswith("_output")]:
        stats = groups[column].agg(["mean", "std", "min", "max"])
        stats.columns = [f"{column}_{stat}" for stat in stats.columns]
        table = table.join(stats)
    return table.reset_index()


def config_labels(summary: pd.DataFrame) -> pd.Series:
    """A short name for each row's configuration, from the settings that differ between rows:
    `perceptron`, `two_layer` for a sweep over models; `hidden=[1]`, ... for one over widths."""
    varying = [c for c in CONFIG_COLUMNS if summary[c].nunique(dropna=False) > 1] or ["model", "data"]
    # A model's config sets its hidden widths: when every model has one, its name says it.
    if {"model", "hidden"} <= set(varying) and (summary.groupby("model")["hidden"].nunique() == 1).all():
        varying.remove("hidden")

    def label(row: pd.Series) -> str:
        return " ".join(str(row[c]) if c in ("model", "data") else f"{c}={row[c]}" for c in varying)

    return summary[varying].apply(label, axis=1)


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


def write_plots(summary: pd.DataFrame, runs: Runs, folder: Path) -> list[str]:
    """Draw the report's plots into `folder`; return the markdown lines that show them."""
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
        probes = _numbered_probes(runs.probes)
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
    return lines


def _markdown(table: pd.DataFrame) -> str:
    """A pipe table, without pandas' optional `tabulate` dependency."""
    def cell(value) -> str:
        if isinstance(value, float):
            return "" if pd.isna(value) else f"{value:.4g}"
        return str(value)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def _shared(comparison: pd.DataFrame) -> tuple[list[str], str]:
    """The settings every row shares, and a line that says them once: `data=xor, lr=1.0, ...`."""
    shared = [c for c in CONFIG_COLUMNS if comparison[c].nunique(dropna=False) == 1]
    return shared, ", ".join(f"{c}={comparison[c].iloc[0]}" for c in shared)


def _comparison_section(comparison: pd.DataFrame) -> list[str]:
    """The comparison as markdown: settings shared by every row said once, above the table."""
    if comparison.empty:
        return ["No run finished."]
    shared, line = _shared(comparison)
    lines = ["Shared by every row: " + line, ""] if shared else []
    return lines + [_markdown(comparison.drop(columns=shared))]


def _glance(comparison: pd.DataFrame) -> list[tuple[str, str]]:
    """(configuration, what its seeds did): how many learned the training set, and the spread of
    the final error and probe output, the questions a sweep over seeds is usually asked."""
    lines = []
    for label, row in zip(config_labels(comparison), comparison.itertuples(index=False)):
        solved = round(row.success_rate * row.n_seeds)
        text = (f"learned the training set (accuracy 1.0) at {solved} of {row.n_seeds} seeds; "
                f"final error {_spread(row.final_error_min, row.final_error_max)}")
        if "probe_output_min" in comparison.columns:
            text += f"; probe output {_spread(row.probe_output_min, row.probe_output_max)}"
        lines.append((label, text))
    return lines


def _at_a_glance(comparison: pd.DataFrame) -> list[str]:
    if comparison.empty:
        return []
    return ["## At a glance", "", *(f"- **{label}**: {text}" for label, text in _glance(comparison)), ""]


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


def repeated_seeds(summary: pd.DataFrame) -> pd.DataFrame:
    """The (configuration, seed) pairs that more than one run trained, with their runs: a run
    made twice, or overlapping `seed`/`replicas` ranges. The comparison counts every run."""
    if summary.empty:
        return pd.DataFrame()
    keys = [*CONFIG_COLUMNS, "seed"]
    repeats = summary[summary.duplicated(subset=keys, keep=False)]
    return repeats.groupby(keys, sort=False, dropna=False)["run"].agg(list).reset_index()


def _repeated_seeds(summary: pd.DataFrame) -> list[str]:
    repeats = repeated_seeds(summary)
    if repeats.empty:
        return []
    lines = ["## Seeds trained more than once", "",
             "The comparison counts each of these runs, so these seeds weigh more than the others:", ""]
    for label, row in zip(config_labels(repeats), repeats.itertuples(index=False)):
        lines.append(f"- {label}, seed {row.seed}: {', '.join(f'`{run}`' for run in row.run)}")
    return lines + [""]


def write_report(paths: list[Path]) -> tuple[pd.DataFrame, Runs]:
    """Collect the runs below `paths` and write summary.csv, comparison.csv and report.md into
    the first path. Returns the comparison table and what was found."""
    runs = collect(paths)
    folder = paths[0]
    summary = _with_probe_outputs(runs)
    comparison = comparison_table(summary) if not summary.empty else pd.DataFrame()
    write_csv(summary, folder / "summary.csv")
    write_csv(comparison, folder / "comparison.csv")

    n_runs = summary["run"].nunique() if not summary.empty else 0
    lines = ["# nnexp report", ""]
    if runs.sweep_command:
        lines += [f"Sweep: `{runs.sweep_command}`", ""]
    lines += [
        f"Read from: {', '.join(str(p) for p in paths)}",
        f"Runs: {n_runs} finished, {len(runs.failed)} failed, {len(runs.missing)} missing; "
        f"{len(summary)} trained networks.",
        "",
        *_at_a_glance(comparison),
        "## Comparison across seeds",
        "",
        *_comparison_section(comparison),
        "",
        "success_rate: share of seeds whose training accuracy is 1.0. Every row of every run is in "
        "summary.csv; this table is comparison.csv.",
        "",
        *_repeated_seeds(summary),
    ]
    if not summary.empty:
        lines += write_plots(summary, runs, folder)
    if runs.failed:
        lines += ["", "## Runs that did not finish", ""]
        for name, overrides, error in runs.failed:
            lines += [f"- `{name}`: {error}", f"  rerun just it: `python -m nnexp.run {overrides}`"]
    if runs.missing:
        lines += ["", "## Missing jobs (asked for, never started)", ""]
        lines += [f"- rerun with `python -m nnexp.run {overrides}`" for overrides in runs.missing]
    with atomic_path(folder / "report.md") as temporary:
        temporary.write_text("\n".join(lines) + "\n")
    return comparison, runs


def print_comparison(comparison: pd.DataFrame) -> None:
    """The comparison on the terminal: a line per configuration, then the table without the
    settings every row shares, in blocks of columns as wide as the terminal, not wrapped lines."""
    if comparison.empty:
        print("No run finished.")
        return
    for label, text in _glance(comparison):
        print(f"{label}: {text}")
    shared, line = _shared(comparison)
    if shared:
        print(f"shared by every row: {line}")
    table = comparison.drop(columns=shared)
    print(table.to_string(index=False, float_format="{:.4g}".format,
                          line_width=shutil.get_terminal_size().columns))


def main(argv: list[str] | None = None) -> int:
    paths = [Path(p) for p in (sys.argv[1:] if argv is None else argv)]
    if not paths:
        print("usage: python -m nnexp.report PATH [PATH ...]  (a sweep folder, a run folder or outputs/)",
              file=sys.stderr)
        return 2
    try:
        comparison, runs = write_report(paths)
    except ReportError as error:
        print(f"nnexp.report: {error}", file=sys.stderr)
        return 2
    print_comparison(comparison)
    for name, _, error in runs.failed:
        print(f"did not finish: {name}: {error}")
    for overrides in runs.missing:
        print(f"missing: {overrides}")
    print(f"report: {paths[0] / 'report.md'}")
    return 1 if runs.failed or runs.missing else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `python -m nnexp.report DIR | head`: the reader left; say nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # as Python's docs advise
        sys.exit(1)
