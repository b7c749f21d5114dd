"""A trained net evaluated over its data's input plane, for the pictures of nnexp.boundaries.

A run's data has a plane when exactly two of its columns vary (the 2-D sets; a truth table's
x1, x2 with its constant third input held at 1): a grid over those two, the other columns at
their one value, goes through the data's features and then through every replica at once:

    grid (G, 2) -> rows (G, n_columns) -> features (G, n_inputs) -> outputs (n_replicas, G)

G = RESOLUTION**2. Only the replicas drawn are evaluated, so a thousand replicas cost what 16 do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nnexp.data import Dataset
from nnexp.network import Network, forward

RESOLUTION = 100  # grid points per axis: 10,000 forward passes per replica drawn
PANELS = 16  # seeds drawn at most in decision_boundary.png; then the median-accuracy ones


def plane_rows(dataset: Dataset) -> tuple[np.ndarray, tuple, np.ndarray] | None:
    """The plane to draw on, or None if the data has none (nnexp.data.Dataset.plane):
    grid points (G, 2), their extent for imshow, and the same points as rows of the data's
    columns (G, n_columns)."""
    from nnexp.boundaries import grid

    plane = dataset.plane
    if plane is None:
        return None
    rows = np.concatenate([dataset.points, dataset.test_points.reshape(-1, len(dataset.columns))])
    columns = list(plane)
    points, extent = grid(rows[:, columns].min(axis=0), rows[:, columns].max(axis=0), resolution=RESOLUTION)
    full = np.repeat(rows[:1], len(points), axis=0)  # the columns that do not vary, at their one value
    full[:, columns] = points
    return points, extent, full


def layer_outputs(network: Network, replicas: np.ndarray, inputs: np.ndarray, layer: int = -1) -> np.ndarray:
    """The activations of `layer` (-1: the output; 1: the first hidden layer) of the chosen
    replicas over `inputs` (G, n_inputs): (len(replicas), G, width), in one batched pass."""
    weights, biases = network.views(network.params_[replicas])
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged replica draws grey, not a warning
        return forward(weights, inputs, biases, network.activation_function())[layer]


def panel_title(row) -> str:
    """A results.csv row (a namedtuple) as a panel's title: `seed 3: train 100%, test 97%`;
    a diverged seed says so, a saturated one is marked."""
    if row.status == "diverged":
        return f"seed {row.seed}: diverged"
    test = f", test {row.test_accuracy:.0%}" if row.test_accuracy == row.test_accuracy else ""
    flag = " (saturated)" if row.status == "saturated" else ""
    return f"seed {row.seed}: train {row.train_accuracy:.0%}{test}{flag}"


def draw_run(network: Network, dataset: Dataset, accuracy: np.ndarray, titles: list[str], suptitle: str,
             threshold: float, run_dir: Path) -> list[str]:
    """decision_boundary.png for up to PANELS replicas (the median-accuracy ones beyond that),
    and, for a single network with hidden layers, hidden_units.png. Returns the files written
    ([] for data without a plane). accuracy: (n_replicas,) picks the panels; titles: one per replica."""
    from nnexp import boundaries

    found = plane_rows(dataset)
    if found is None:
        return []
    points, extent, rows = found
    inputs = dataset.featurize(rows)
    chosen = boundaries.select_panels(accuracy, PANELS)
    shape = (RESOLUTION, RESOLUTION)
    outputs = layer_outputs(network, chosen, inputs)[..., 0].reshape(len(chosen), *shape)
    columns = list(dataset.plane)
    names = tuple(dataset.columns[c] for c in columns)
    held = [f"{name} held at {rows[0, c]:g}" for c, name in enumerate(dataset.columns) if c not in columns]
    if held:  # a truth table's constant third input
        suptitle += f" ({', '.join(held)})"
    if len(chosen) < network.n_replicas:
        suptitle += (f" ({len(chosen)} of {network.n_replicas} seeds drawn: those nearest the median accuracy, "
                     "diverged ones only if too few others)")
    boundaries.decision_boundary(
        outputs, extent, dataset.points[:, columns], dataset.targets[:, 0],
        dataset.test_points.reshape(-1, len(dataset.columns))[:, columns], dataset.test_targets[:, 0],
        [titles[i] for i in chosen], suptitle, threshold, run_dir / "decision_boundary.png", axis_names=names)
    written = ["decision_boundary.png"]
    if network.n_replicas == 1 and network.hidden:
        units = layer_outputs(network, np.array([0]), inputs, layer=1)[0]  # (G, width)
        boundaries.hidden_units(
            units.T.reshape(-1, *shape), extent, [f"unit {i + 1}" for i in range(units.shape[1])],
            f"{suptitle}: each first-layer unit's {network.activation} over the plane", network.activation,
            run_dir / "hidden_units.png", points=dataset.points[:, columns], targets=dataset.targets[:, 0],
            axis_names=names)
        written.append("hidden_units.png")
    return written
