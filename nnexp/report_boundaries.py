"""The report's decision boundaries: for each dataset with an input plane, one picture with a
row per configuration and a few of its seeds side by side, drawn from the runs on disk.

Each network is read back from its run's weights.npz (whose sha256 the run's manifest records,
so a file changed since is never drawn: nnexp.runs reads it as unreadable) and evaluated over
the plane of its data as the run built it (nnexp.planes), in one batched pass per run.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from nnexp.collect import Runs
from nnexp.comparison import config_labels, short_labels, split_features
from nnexp.data import Dataset
from nnexp.network import Network
from nnexp.planes import RESOLUTION, layer_outputs, panel_title, plane_rows

SEEDS_SHOWN = 4  # per configuration: those of median accuracy (nnexp.boundaries.select_panels)
MAX_ROWS = 10  # configurations per picture, as the report's other plots


def write_boundaries(summary: pd.DataFrame, runs: Runs, folder: Path) -> list[str]:
    """Draw boundaries_<data>.png into `folder` for every dataset with a plane (and threshold);
    return the markdown lines that show them ([] when no run's data has a plane). The pictures of
    an earlier report in `folder` are removed first: none is left to contradict this one."""
    from nnexp import boundaries

    for old in folder.glob("boundaries_*.png"):
        old.unlink(missing_ok=True)
    # One row per configuration as the comparison has it (config_labels: never two in one).
    planes: dict[tuple, list[pd.DataFrame]] = {}  # (raw data digest, threshold): configurations' rows
    datasets: dict[tuple, Dataset] = {}
    for _, rows in summary.assign(config=config_labels(summary)).groupby("config", sort=False):
        dataset = runs.records[rows["run"].iloc[0]].dataset
        if dataset is None or dataset.plane is None:
            continue
        # A picture draws one threshold's boundary: other thresholds get pictures of their own.
        key = (_plane_key(dataset), float(rows["threshold"].iloc[0]))
        planes.setdefault(key, []).append(rows)
        datasets.setdefault(key, dataset)
    lines, files, titles = [], set(), set()
    for key, groups in planes.items():
        dataset = datasets[key]
        shown = pd.concat(groups[:MAX_ROWS])
        labels, shared = short_labels(shown)
        configs = [(title, rows) for title, rows in zip(_titles(groups[:MAX_ROWS], labels), groups[:MAX_ROWS])]
        # The data's name with the features its rows differ in (said in each row) set apart:
        # every row of a picture has the same points, so the rest of the name is shared.
        name = " / ".join(sorted({split_features(rows["data"].iloc[0])[0] for rows in groups}))
        if key[1] != 0.5:
            shared += f"{', ' if shared else ': '}threshold={key[1]:g}"
        if name + shared in titles:  # data nnexp cannot tell apart by name (data.name given): its digest
            name += f" (data_digest {groups[0]['data_digest'].iloc[0]})"
        titles.add(name + shared)
        file = f"boundaries_{_slug(name)}"
        file += f"_{len(files) + 1}.png" if f"{file}.png" in files else ".png"
        files.add(file)
        drawn, notes = _draw(dataset, configs, runs, folder / file, f"{name}{shared}", boundaries)
        if not drawn:
            lines += [f"Decision boundaries on {name}{shared}: none drawn ({'; '.join(notes)}).", ""]
            continue
        lines += [f"Decision boundaries on {name}{shared}: a row per configuration, {SEEDS_SHOWN} of its seeds (those "
                  "of median accuracy), training points filled, test points hollow."
                  + (f" The first {MAX_ROWS} of {len(groups)} configurations." if len(groups) > MAX_ROWS else "")
                  + (f" Not drawn: {'; '.join(notes)}." if notes else ""), "", f"![boundaries on {name}]({file})", ""]
    return (["## Decision boundaries", "", *lines]) if lines else []


def _titles(groups: list[pd.DataFrame], labels: pd.Series) -> list[str]:
    """Each configuration's row title: its short label (`short_labels`), or its label in the
    comparison (config_labels) where two configurations would share the short one."""
    short = [labels.loc[rows.index[0]] for rows in groups]
    return [title if short.count(title) == 1 else rows["config"].iloc[0] for title, rows in zip(short, groups)]


def _draw(dataset: Dataset, configs: list[tuple[str, pd.DataFrame]], runs: Runs, path: Path, name: str,
          boundaries) -> tuple[bool, list[str]]:
    """One picture: a row per configuration. -> (drawn, notes on configurations left out)."""
    points, extent, rows_of_plane = plane_rows(dataset)
    outputs, titles, notes, networks = [], [], [], {}
    for config, rows in configs:
        accuracy = rows["test_accuracy"] if rows["test_accuracy"].notna().any() else rows["train_accuracy"]
        chosen = rows.iloc[boundaries.select_panels(accuracy.to_numpy(dtype=float), SEEDS_SHOWN)]
        row_outputs = []
        for row in chosen.itertuples(index=False):
            record = runs.records[row.run]
            try:
                network = networks.get(row.run) or networks.setdefault(row.run, _network(record))
            except (OSError, KeyError, ValueError) as error:  # made before weights.npz, or cut short
                notes.append(f"{config}: {row.run}/weights.npz cannot be read ({type(error).__name__})")
                row_outputs = []
                break
            replica = np.flatnonzero(network.seeds_ == row.seed)[:1]
            if len(replica) == 0:  # weights.npz of another run (one without a manifest to catch it)
                notes.append(f"{config}: {row.run}/weights.npz holds no network of seed {row.seed}")
                row_outputs = []
                break
            inputs = record.dataset.featurize(rows_of_plane)
            row_outputs.append(layer_outputs(network, replica, inputs)[0, :, 0].reshape(RESOLUTION, RESOLUTION))
        if not row_outputs:
            continue
        for row, output in zip(chosen.itertuples(index=False), row_outputs):
            outputs.append(output)
            titles.append(f"{config}\n{panel_title(row)}")
        blanks = SEEDS_SHOWN - len(row_outputs)  # a configuration with fewer seeds: empty slots
        outputs += [np.zeros((RESOLUTION, RESOLUTION))] * blanks
        titles += [None] * blanks
    if not outputs:
        return False, notes
    columns = list(dataset.plane)
    test = dataset.test_points.reshape(-1, len(dataset.columns))
    threshold = float(configs[0][1]["threshold"].iloc[0])
    boundaries.decision_boundary(
        np.stack(outputs), extent, dataset.points[:, columns], dataset.targets[:, 0], test[:, columns],
        dataset.test_targets[:, 0], titles, f"Decision boundaries on {name}", threshold, path,
        axis_names=tuple(dataset.columns[c] for c in columns), columns=SEEDS_SHOWN)
    return True, notes


def _network(record) -> Network:
    """The trained networks of a run, from its config and weights.npz."""
    model = ((record.manifest or {}).get("config") or record.config)["model"]
    with np.load(record.folder / "weights.npz") as arrays:
        return Network(model["hidden"], model.get("activation", "sigmoid"), model.get("bias", False)).load(
            dict(arrays))


def _plane_key(dataset: Dataset) -> str:
    """Equal for data with the same rows in its own columns, whatever features a net saw."""
    digest = hashlib.sha256()
    for array in (dataset.points, dataset.targets, dataset.test_points, dataset.test_targets):
        digest.update(np.ascontiguousarray(array, dtype=float).tobytes())
    return digest.hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-")[:60] or "data"
