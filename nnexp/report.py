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
  comparison.csv    one row per configuration with the seed left out: n_seeds, final_error_mean, ...
  error_curves.png  each configuration's error curve across seeds: median line, middle-half band
  final_error.png   each seed's final error, per configuration, so that outliers show
  probe_output.png  each seed's output for the probe input, per configuration (when there are probes)
  boundaries_<data>.png  decision boundaries, a row per configuration, a few seeds each (data with a plane)
  report.md         what was swept, the comparison, the plots, what produced the runs, and any
                    failed, unreadable or missing jobs

Exit codes: 0 every run finished, 1 some run failed, did not finish, is unreadable or missing,
2 a usage error or a report that cannot be written, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pandas as pd

from nnexp.collect import ReportError, Runs, collect
from nnexp import options
from nnexp.comparison import (CONFIG_COLUMNS, comparison_table, config_labels, mixed_code, provenance,
                              repeated_seeds, with_probe_outputs)
from nnexp import console, glance
from nnexp.report_plots import write_plots
from nnexp.glance import markdown
from nnexp.results import atomic_path, write_csv


def _shared(comparison: pd.DataFrame) -> tuple[list[str], str]:
    """The settings every row shares, and a line that says them once: `data=xor, lr=1.0, ...`.
    A shared data_digest is left out of the line: the data's name says it to a reader; so are
    options at the notebook's defaults, and the others are said in words (`tanh, bias`)."""
    shared = [c for c in CONFIG_COLUMNS if c in comparison and comparison[c].nunique(dropna=False) == 1]
    said = [options.words(c, comparison[c].iloc[0]) if c in options.COLUMNS else f"{c}={comparison[c].iloc[0]}"
            for c in shared if c != "data_digest"
            and not (c in options.COLUMNS and options.is_default(c, comparison[c].iloc[0]))]
    return shared, ", ".join(said)


def _comparison_section(comparison: pd.DataFrame) -> list[str]:
    """The comparison as markdown: settings shared by every row said once, above the table."""
    if comparison.empty:
        return ["No run finished."]
    shared, line = _shared(comparison)
    lines = ["Shared by every row: " + line, ""] if line else []
    return lines + [markdown(comparison.drop(columns=shared))]


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
    if lines and runs.resume_command:
        # Resuming never overwrites results (nnexp.resume): unreadable ones are for a person to look at.
        unreadable = " Move the folders of the runs that cannot be read away first." if runs.unreadable else ""
        lines += ["## Completing the sweep", "", f"`{runs.resume_command}` runs, in the sweep's own folder, "
                  f"every job that has not finished; the finished jobs are kept.{unreadable}", ""]
    return lines


def write_report(paths: list[Path], out: Path | None = None) -> tuple[pd.DataFrame, Runs]:
    """Collect the runs below `paths` and write summary.csv, comparison.csv, the plots and
    report.md into `out` (default: the first path). Returns the comparison table and what was
    found. ReportError for paths with no runs, or a folder the report cannot be written into."""
    runs = collect(paths)
    folder = out or paths[0]
    summary = with_probe_outputs(runs)
    comparison = comparison_table(summary) if not summary.empty else pd.DataFrame()
    n_runs = summary["run"].nunique() if not summary.empty else 0
    n_failed = len(runs.failed) - runs.n_unfinished
    lines = ["# nnexp report", ""]
    if runs.sweep_command:
        lines += [f"Sweep: `{runs.sweep_command}`", ""]
    lines += [
        f"Read from: {', '.join(str(p) for p in paths)}",
        f"Runs: {n_runs} finished, {n_failed} failed, {runs.n_unfinished} unfinished, {len(runs.unreadable)} "
        f"unreadable, {len(runs.missing)} missing; {len(summary)} trained networks."
        + (" (Unfinished: interrupted, or still running.)" if runs.n_unfinished else ""),
        "",
        *([f"**Warning**: {mixed_code(runs)}; see Provenance below.", ""] if mixed_code(runs) else []),
        *([f"**Warning**: {_strays(runs)}.", ""] if runs.strays else []),
        *glance.section(comparison),
        "## Comparison across seeds",
        "",
        *_comparison_section(comparison),
        "",
        "success_rate: share of seeds whose training accuracy is 1.0. Every row of every run is in "
        "summary.csv; this table is comparison.csv.",
        "",
        *_repeated_seeds(summary),
    ]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_csv(summary, folder / "summary.csv")
        write_csv(comparison, folder / "comparison.csv")
        if not summary.empty:
            lines += write_plots(summary, runs, folder)
        lines += _provenance_section(runs) + _incomplete_sections(runs)
        with atomic_path(folder / "report.md") as temporary:
            temporary.write_text("\n".join(lines).rstrip("\n") + "\n")
    except OSError as error:  # a read-only folder, a full disk, --out under a file
        raise ReportError(f"cannot write the report into {folder}: {error.strerror or error}; "
                          "--out DIR writes it into another folder") from None
    return comparison, runs


def print_comparison(comparison: pd.DataFrame) -> None:
    """The comparison on the terminal: a line per configuration, then the table without the
    settings every row shares, in blocks of columns as wide as the terminal, not wrapped lines."""
    if comparison.empty:
        print("No run finished.")
        return
    for label, text in glance.lines(comparison):
        print(f"{label}: {text}")
    shared, line = _shared(comparison)
    if line:
        print(f"shared by every row: {line}")
    table = comparison.drop(columns=shared)
    print(table.to_string(index=False, float_format="{:.4g}".format,
                          line_width=shutil.get_terminal_size().columns))


def _strays(runs: Runs) -> str:
    names = ", ".join(f"`{name}`" for name in runs.strays[:5]) + (", ..." if len(runs.strays) > 5 else "")
    return (f"{len(runs.strays)} run{'s' * (len(runs.strays) > 1)} in the sweep folder that the sweep did not "
            f"ask for ({names}) {'are' if len(runs.strays) > 1 else 'is'} counted with its jobs")


def print_problems(runs: Runs) -> None:
    """On the terminal, what report.md warns about and lists besides the comparison."""
    if runs.strays:
        print(f"warning: {_strays(runs)}".replace("`", ""))
    if mixed_code(runs):
        print(f"warning: {mixed_code(runs)} (report.md says which)")
    n_repeated = len(repeated_seeds(runs.summary))
    if n_repeated:
        print(f"warning: {n_repeated} seed{'s were' if n_repeated > 1 else ' was'} trained more than once, "
              "by several runs of one configuration; the comparison counts every run, so those seeds weigh "
              "more than the others (report.md lists them)")
    for name, _, error in runs.failed:
        print(f"did not finish: {name}: {error}")
    for name, _, reason in runs.unreadable:
        print(f"unreadable: {name}: {reason}")
    for error in runs.sweep_errors:
        print(f"unreadable sweep: {error}: the jobs it asked for cannot be listed")
    for overrides in runs.missing:
        print(f"missing: {overrides}")
    if runs.resume_command and (runs.failed or runs.unreadable or runs.missing):
        first = "move the unreadable runs' folders away, then " if runs.unreadable else ""
        print(f"complete the sweep: {first}{runs.resume_command}")


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
        first = arguments.paths[0].resolve()
        apart = [path for path in arguments.paths[1:] if first != path.resolve() and first not in path.resolve().parents]
        if apart and arguments.out is None:  # the pooled tables would replace the first folder's own
            print(f"nnexp.report: {arguments.paths[0]} and {apart[0]} are reported together: give --out DIR "
                  f"for the pooled report, which would otherwise replace {arguments.paths[0]}'s own",
                  file=sys.stderr)
            return 2
        try:
            comparison, runs = write_report(arguments.paths, arguments.out)
        except ReportError as error:
            print(f"nnexp.report: {error}", file=sys.stderr)
            return 2
        print_comparison(comparison)
        print_problems(runs)
        print(f"report: {(arguments.out or arguments.paths[0]) / 'report.md'}")
        return 1 if runs.failed or runs.unreadable or runs.missing or runs.sweep_errors else 0
    except KeyboardInterrupt:  # Ctrl-C: every file written is whole (atomic); no traceback
        print("nnexp.report: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    # `python -m nnexp.report DIR | head`: once the reader leaves, the console goes quiet and the
    # report is still written; the exit code says what the report found, not that head left.
    console.quiet_when_stdout_closes()
    sys.exit(main())
