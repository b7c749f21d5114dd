"""The sweep report: one table and one page for many runs, built from the files on disk.

    python -m nnexp.report [--out DIR] PATH [PATH ...]

PATH is a sweep folder, a single run folder, or any folder above them (`outputs/`). Every run
folder below it (one holding `.hydra/config.yaml`) is read once and checked (nnexp.collect): a
finished run is counted, a run that failed or did not finish is listed with its error, and a
run whose files cannot be trusted (empty, cut short, of another config) is listed as unreadable
with the reason, never counted. For a sweep folder, jobs the sweep asked for but that have no
folder at all (an interrupted sweep) are listed as missing. The tables are computed by
nnexp.comparison; this module writes them, report.md around them, and says them on the terminal.

It writes into the first PATH (or DIR):
  summary.csv       every trained network of every run, one row each, with its run folder and overrides
  comparison.csv    one row per configuration with the seed left out: n_seeds, success_rate and its
                    interval, final_error_mean and its interval, ... (nnexp.comparison, nnexp.stats)
  pairs.csv         which differences between configurations are real (nnexp.pairs)
  error_curves.png  each configuration's error curve across seeds: median line, middle-half band
  final_error.png   each seed's final error, per configuration, so that outliers show
  probe_output.png  each seed's output for the probe input, per configuration (when there are probes)
  by_<setting>.png  success rate and the primary metric against a swept numeric setting (nnexp.by_setting)
  boundaries_<data>.png  decision boundaries, a row per configuration, a few seeds each (data with a plane)
  report.md         what was swept, the comparison, which differences are real, the plots, what
                    produced the runs, and any failed, unreadable or missing jobs
  report.html       the same page, pictures inside (nnexp.html); index.html for a folder above runs

Exit codes: 0 every run finished, 1 some run failed, did not finish, is unreadable or missing,
2 a usage error or a report that cannot be written, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from nnexp.collect import ReportError, Runs, collect
from nnexp.comparison import (comparison_table, config_labels, mixed_code, provenance,
                              repeated_seeds, with_probe_outputs)
from nnexp import console, glance, row_outputs
from nnexp.pairs import pairs_table, section as pair_section
from nnexp.report_console import print_comparison, print_problems, read_pairs, strays_text
from nnexp.report_plots import remove_plots, write_plots
from nnexp.glance import markdown
from nnexp.html import write_html, write_index
from nnexp.results import atomic_path, write_csv


def _comparison_section(comparison: pd.DataFrame) -> list[str]:
    """The comparison as markdown: settings shared by every row said once, above the few
    columns that answer the question (glance.brief); comparison.csv holds them all."""
    if comparison.empty:
        return ["No run finished."]
    _, line = glance.shared_settings(comparison)
    lines = ["Shared by every row: " + line, ""] if line else []
    brief = glance.brief(comparison)
    return lines + [markdown(brief), "", glance.brief_key(brief) + ". Every column (spreads, "
                    "means and medians with their intervals, counts of diverged and saturated seeds) is in "
                    "comparison.csv; every trained network's row in summary.csv."]


def _repeated_seeds(summary: pd.DataFrame) -> list[str]:
    repeats = repeated_seeds(summary)
    if repeats.empty:
        return []
    lines = ["## Seeds trained more than once", "",
             "The comparison counts each of these runs, so these seeds weigh more than the others:", ""]
    for label, row in zip(config_labels(repeats), repeats.itertuples(index=False)):
        lines.append(f"- {label}, seed {row.seed}: {', '.join(f'`{run}`' for run in row.run)}")
    return lines + [""]


def _provenance_section(runs: Runs) -> list[str]:
    versions, n_without = provenance(runs)
    if not versions and not n_without:
        return []
    lines = ["## Provenance", "", "What computed the finished runs, from each run's manifest.json:", ""]
    lines += [f"- {n} run{'s' * (n > 1)}: {version}" for version, n in versions.items()]
    if n_without:
        lines.append(f"- {n_without} run{'s' * (n_without > 1)} without manifest.json (made before nnexp "
                     f"recorded one): what code computed {'them' if n_without > 1 else 'it'} is unknown")
    return lines + [""]


def _incomplete_sections(runs: Runs) -> list[str]:
    """Runs that failed, cannot be read or never started; for a sweep, the one command that
    completes it in its folder, else the command that reruns each run."""
    def rerun(overrides: str) -> list[str]:
        return [] if runs.resume_command else [f"  rerun just it: `python -m nnexp.run {overrides}`"]

    lines = []
    if runs.failed:
        lines += ["## Runs that did not finish", ""]
        for name, overrides, error in runs.failed:
            lines += [f"- `{name}`: {error}", *rerun(overrides)]
        lines.append("")
    if runs.unreadable:
        lines += ["## Runs that cannot be read", "", "Not counted anywhere above: their files cannot be "
                  "trusted (empty, cut short, or results of another config).", ""]
        for name, overrides, reason in runs.unreadable:
            lines += [f"- `{name}`: {reason}", *rerun(overrides)]
        lines.append("")
    if runs.sweep_errors:
        lines += ["## Sweeps that cannot be read", ""]
        lines += [f"- {error}: the jobs it asked for cannot be listed, so jobs that never started are "
                  "not counted as missing" for error in runs.sweep_errors]
        lines.append("")
    if runs.missing:
        lines += ["## Missing jobs (asked for, never started)", ""]
        lines += [f"- `{overrides}`" + ("" if runs.resume_command else f": rerun with `python -m nnexp.run {overrides}`")
                  for overrides in runs.missing]
        lines.append("")
    if runs.incomplete:
        lines += ["## Sweeps with jobs that never started", "",
                  "Sweeps below the folders reported, each with the command that completes it in its own folder:", ""]
        for name, missing, command in runs.incomplete:
            lines += [f"- `{name}`: {len(missing)} job{'s' * (len(missing) > 1)} never started "
                      f"({', '.join(f'`{o}`' for o in missing[:5])}{', ...' if len(missing) > 5 else ''}); "
                      f"complete it with `{command}`"]
        lines.append("")
    if lines and runs.resume_command:
        # Resuming never overwrites results (nnexp.resume): unreadable ones are for a person to look at.
        unreadable = " Move the folders of the runs that cannot be read away first." if runs.unreadable else ""
        lines += ["## Completing the sweep", "", f"`{runs.resume_command}` runs, in the sweep's own folder, "
                  f"every job that has not finished; the finished jobs are kept.{unreadable}", ""]
    return lines


def write_report(paths: list[Path], out: Path | None = None, plots: bool = True) -> tuple[pd.DataFrame, Runs]:
    """Collect the runs below `paths` and write summary.csv, comparison.csv, pairs.csv, the plots
    (unless `plots` is false) and report.md and report.html into `out` (default: the first path).
    Returns the comparison table and what was found. ReportError for paths with no runs, or a
    folder the report cannot be written into."""
    runs = collect(paths)
    folder = out or paths[0]
    summary = with_probe_outputs(runs)
    comparison = comparison_table(summary) if not summary.empty else pd.DataFrame()
    pairs = pairs_table(summary)
    n_runs = summary["run"].nunique() if not summary.empty else 0
    n_failed = len(runs.failed) - runs.n_unfinished
    lines = ["# nnexp report", ""]
    if runs.sweep_command:
        lines += [f"Sweep: `{runs.sweep_command}`", ""]
    lines += [
        f"Read from: {', '.join(str(p.resolve()) for p in paths)}",
        f"Runs: {n_runs} finished, {n_failed} failed, {runs.n_unfinished} unfinished, {len(runs.unreadable)} "
        f"unreadable, {len(runs.missing) + sum(len(m) for _, m, _ in runs.incomplete)} missing; "
        f"{len(summary)} trained networks."
        + (" (Unfinished: interrupted, or still running.)" if runs.n_unfinished else ""),
        "",
        *([f"**Warning**: {mixed_code(runs)}; see Provenance below.", ""] if mixed_code(runs) else []),
        *([f"**Warning**: {strays_text(runs)}.", ""] if runs.strays else []),
        *glance.section(comparison),
        "## Comparison across seeds",
        "",
        *_comparison_section(comparison),
        "",
        *pair_section(pairs, repeated=not repeated_seeds(summary).empty),
        *(row_outputs.section(summary.assign(config=config_labels(summary)), runs) if not summary.empty else []),
        *_repeated_seeds(summary),
    ]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_csv(summary, folder / "summary.csv")
        write_csv(comparison, folder / "comparison.csv")
        write_csv(pairs, folder / "pairs.csv")  # header only with fewer than two configurations: never stale
        if not summary.empty and plots:
            lines += write_plots(summary, runs, folder, comparison)
        elif not summary.empty:
            remove_plots(folder)  # an earlier report's pictures, of other runs maybe: never left to contradict
            again = " ".join(["python -m nnexp.report", *map(str, paths), *(["--out", str(out)] if out else [])])
            lines += ["## Plots", "", f"Not drawn (report_plots=false, or --no-plots): `{again}` draws them.", ""]
        lines += _provenance_section(runs) + _incomplete_sections(runs)
        with atomic_path(folder / "report.md") as temporary:
            temporary.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
        # The same page, pictures inside, for a browser: a folder copied off a cluster opens by double-click.
        write_html("\n".join(lines), folder, title=f"nnexp report: {folder.resolve().name}")
        write_index(paths, folder)  # outputs/: a page linking every sweep and run found
    except OSError as error:  # a read-only folder, a full disk, --out under a file
        raise ReportError(f"cannot write the report into {folder}: {error.strerror or error}; "
                          "--out DIR writes it into another folder") from None
    return comparison, runs


def _holds_other_runs(out: Path, paths: list[Path]) -> bool:
    """True if `out` is a run or sweep folder other than the one folder reported: its report.md
    and tables would then describe runs that are not its own."""
    reported = paths[0].resolve() if len(paths) == 1 else None
    for folder in (out.resolve(), *out.resolve().parents):  # the folder itself, or one it lies in
        if folder == reported:
            return False  # the reported folder's own report (or a folder in it)
        if (folder / "multirun.yaml").is_file() or (folder / ".hydra" / "config.yaml").is_file():
            return True
    return False


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nnexp.report", description="Compare the runs below each PATH: write summary.csv, "
        "comparison.csv, plots and report.md, and print the comparison.",
        epilog="exit codes: 0 every run finished; 1 some run failed, did not finish, cannot be read or is "
        "missing; 2 a usage error, or a report that cannot be written; 130 interrupted.")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="a sweep folder, a run folder, or any folder above them (outputs/)")
    parser.add_argument("--out", metavar="DIR",
                        help="write the report's files into DIR (created if need be), not into the first PATH")
    parser.add_argument("--no-plots", dest="plots", action="store_false",
                        help="write the tables and report.md without pictures, seconds sooner for a big sweep; an "
                        "earlier report's pictures in the folder are removed, as they may no longer match")
    return parser


def main(argv: list[str] | None = None) -> int:
    """`python -m nnexp.report [--out DIR] PATH...`; returns the exit code (see the module's docstring)."""
    try:
        try:
            arguments = _parser().parse_args(argv)
        except SystemExit as exit:  # --help (0), or a usage error, said by argparse (2)
            return exit.code
        if arguments.out is not None and not arguments.out.strip():
            print("nnexp.report: --out needs a folder; it got an empty name", file=sys.stderr)
            return 2
        arguments.out = Path(arguments.out) if arguments.out is not None else None
        if arguments.out is not None and _holds_other_runs(arguments.out, arguments.paths):
            print(f"nnexp.report: --out {arguments.out} is (or lies in) a run or sweep folder of its own, whose report "
                  "would be replaced by one of other runs: give a folder of its own", file=sys.stderr)
            return 2
        first = arguments.paths[0].resolve()
        apart = [path for path in arguments.paths[1:] if first != path.resolve() and first not in path.resolve().parents]
        if apart and arguments.out is None:  # the pooled tables would replace the first folder's own
            print(f"nnexp.report: {arguments.paths[0]} and {apart[0]} are reported together: give --out DIR "
                  f"for the pooled report, which would otherwise replace {arguments.paths[0]}'s own",
                  file=sys.stderr)
            return 2
        try:
            comparison, runs = write_report(arguments.paths, arguments.out, plots=arguments.plots)
        except ReportError as error:
            print(f"nnexp.report: {error}", file=sys.stderr)
            return 2
        print_comparison(comparison, read_pairs(arguments.out or arguments.paths[0]))
        print_problems(runs)
        print(f"report: {(arguments.out or arguments.paths[0]) / 'report.md'}")
        return 1 if runs.failed or runs.unreadable or runs.missing or runs.incomplete or runs.sweep_errors else 0
    except KeyboardInterrupt:  # Ctrl-C: every file written is whole (atomic); no traceback
        print("nnexp.report: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    # `python -m nnexp.report DIR | head`: once the reader leaves, the console goes quiet and the
    # report is still written; the exit code says what the report found, not that head left.
    console.quiet_when_stdout_closes()
    sys.exit(main())
