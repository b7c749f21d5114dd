"""The report on the terminal: what each configuration did, the few columns that answer the
question, which differences are real, and what could not be counted. Every line fits the
terminal (wrapped prose, a table in blocks of columns), never wrapped by the terminal itself.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pandas as pd

from nnexp import glance
from nnexp.collect import Runs
from nnexp.comparison import mixed_code, repeated_seeds
from nnexp.files import Unreadable, read_table


def read_pairs(folder: Path) -> pd.DataFrame:
    """pairs.csv of a report folder; empty when it has none or it cannot be read."""
    try:
        return read_table(folder / "pairs.csv", ["a", "b", "real"]) if (folder / "pairs.csv").is_file() \
            else pd.DataFrame()
    except Unreadable:
        return pd.DataFrame()


def print_comparison(comparison: pd.DataFrame, pairs: pd.DataFrame | None = None) -> None:
    """The comparison on the terminal: a numbered paragraph per configuration, the settings
    every row shares, the brief table (numbered rows, so long names never widen it), and each
    pair's verdict, all wrapped at the terminal's width."""
    if comparison.empty:
        print("No run finished.")
        return
    width = max(40, shutil.get_terminal_size().columns)
    for number, (label, text) in enumerate(glance.lines(comparison), start=1):
        print(textwrap.fill(f"{number}. {label}", width=width, subsequent_indent="   "))
        print(textwrap.fill(text, width=width, initial_indent="   ", subsequent_indent="   "))
    _, line = glance.shared_settings(comparison)
    if line:
        print(textwrap.fill(f"shared by every row: {line}", width=width, subsequent_indent="  "))
    # The numbers stand for the names said above; "learned" says the seeds, and the probe's
    # spread is said above too: what is left fits 80 columns.
    table = glance.brief(comparison)
    table = table.drop(columns=["configuration", "seeds", *[c for c in table if c.endswith(" output")]])
    # The number as the index: a table wider than the terminal comes in blocks, each with it.
    print(table.set_index("#").to_string(line_width=width, index_names=False))
    if pairs is not None and not pairs.empty:
        real = pairs[pairs["real"].astype(str) == "True"]
        print(textwrap.fill(f"differences real at the 5% level: {len(real)} of {len(pairs)} pairs compared"
                            + (f" ({'; '.join(f'{row.a} vs {row.b}' for row in real.head(5).itertuples())}"
                               f"{'; ...' if len(real) > 5 else ''})" if len(real) else "")
                            + ("; report.md says which need more seeds" if len(real) < len(pairs) else ""),
                            width=width, subsequent_indent="  "))


def strays_text(runs: Runs) -> str:
    names = ", ".join(f"`{name}`" for name in runs.strays[:5]) + (", ..." if len(runs.strays) > 5 else "")
    return (f"{len(runs.strays)} run{'s' * (len(runs.strays) > 1)} in the sweep folder that the sweep did not "
            f"ask for ({names}) {'are' if len(runs.strays) > 1 else 'is'} counted with its jobs")
def print_problems(runs: Runs) -> None:
    """On the terminal, what report.md warns about and lists besides the comparison: warnings
    wrapped at the terminal's width; a run's name, its error and a command each on one line,
    whole, to be searched for and pasted."""
    width = max(40, shutil.get_terminal_size().columns)

    def warn(text: str) -> None:
        print(textwrap.fill(f"warning: {text}", width=width, subsequent_indent="  ", break_on_hyphens=False))

    if runs.strays:
        warn(strays_text(runs).replace("`", ""))
    if mixed_code(runs):
        warn(f"{mixed_code(runs)} (report.md says which)")
    n_repeated = len(repeated_seeds(runs.summary))
    if n_repeated:
        warn(f"{n_repeated} seed{'s were' if n_repeated > 1 else ' was'} trained more than once, by several runs "
             "of one configuration; the comparison counts every run, so those seeds weigh more than the others "
             "(report.md lists them)")
    for name, _, error in runs.failed:
        print(f"did not finish: {name}: {error}")
    for name, _, reason in runs.unreadable:
        print(f"unreadable: {name}: {reason}")
    for error in runs.sweep_errors:
        print(f"unreadable sweep: {error}: the jobs it asked for cannot be listed")
    for overrides in runs.missing:
        print(f"missing: {overrides}")
    for name, missing, command in runs.incomplete:
        for overrides in missing:
            print(f"missing: {name}: {overrides}")
        print(f"complete the sweep {name}: {command}")
    if runs.resume_command and (runs.failed or runs.unreadable or runs.missing):
        first = "move the unreadable runs' folders away, then " if runs.unreadable else ""
        print(f"complete the sweep: {first}{runs.resume_command}")


