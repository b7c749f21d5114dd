"""What each configuration answers on each row of a small dataset: the notebook printed these
(the perceptron answering 0.5 on every row of XOR), and for a truth table they say more than
any mean. Tables in, markdown lines out.
"""

from __future__ import annotations

import pandas as pd

from nnexp.collect import Runs
from nnexp.glance import markdown

# Datasets with at most this many training rows get a table of their rows' outputs.
MAX_ROWS = 8


def median_outputs(summary: pd.DataFrame, runs: Runs) -> list[tuple[str, pd.DataFrame]]:
    """[(data name, table)] for each small dataset of the report: a row per training row and
    probe (`input`, `target`; a probe has none), a column per configuration holding its median
    output over seeds and how many seeds answer above the threshold (`0.500 (10/20 above)`).
    summary: results rows with `run`, `seed`, `threshold` and `config` (the label)."""
    if not runs.records:
        return []
    predictions = pd.concat([record.predictions.assign(run=name) for name, record in runs.records.items()],
                            ignore_index=True)
    columns = [c for c in predictions.columns if c not in ("seed", "split", "target", "output", "label", "run")]
    rows = predictions.merge(summary[["run", "seed", "config", "data", "data_digest", "threshold"]],
                             on=["run", "seed"])
    rows = rows.assign(above=rows["output"] > rows["threshold"])
    tables = []
    for _, data in rows.groupby("data_digest", sort=False):
        data = data[data["split"].isin(["train", "probe"])]
        if (data["split"] == "train").groupby([data["run"], data["seed"]]).sum().max() > MAX_ROWS:
            continue
        inputs = [c for c in columns if data[c].notna().all()]  # this data's own columns
        # A run's rows are in its data's order; the row's number within its run and seed keeps it.
        data = data.assign(row=data.groupby(["run", "seed"]).cumcount())
        first = data.drop_duplicates("row").sort_values("row")
        table = pd.DataFrame({
            "input": ["[" + ", ".join(f"{v:g}" for v in values) + "]" for values in first[inputs].to_numpy()],
            "target": [f"{t:g}" if split == "train" else "probe" for t, split in zip(first["target"], first["split"])],
        })
        for config, seeds in data.groupby("config", sort=False):
            by_row = seeds.groupby("row")
            # A median between two clusters (three seeds at 0, three at 1: 0.5) is no seed's answer:
            # how many seeds answer above the threshold says it.
            table[config] = [f"{median:.3f} ({above}/{n} above)" for median, above, n in zip(
                by_row["output"].median().reindex(first["row"]), by_row["above"].sum().reindex(first["row"]),
                by_row["output"].count().reindex(first["row"]))]
        tables.append((data["data"].iloc[0], table))
    return tables


def section(summary: pd.DataFrame, runs: Runs) -> list[str]:
    """report.md's "Outputs on each row": the median_outputs tables, said in a sentence."""
    tables = median_outputs(summary, runs)
    if not tables:
        return []
    lines = ["## Outputs on each row", "",
             "Each configuration's median output over its seeds, and how many of its seeds answer above the "
             "threshold (read as 1), for every training row and probe of small datasets; a diverged seed has no "
             "output and is not counted.", ""]
    for name, table in tables:
        lines += [f"{name}:", "", markdown(table), ""]
    return lines
