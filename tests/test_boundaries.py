"""Decision boundary and hidden-unit pictures: the grid they are drawn on, which seeds get a
panel, and a PNG written whole, whatever the outputs (one panel or many, no test points, a
diverged net), with no warning and no temporary file left behind."""

import numpy as np
import pytest
from PIL import Image

from nnexp import boundaries

RESOLUTION = 30


def test_grid_widens_the_data_range_by_the_margin_and_runs_x_along_rows():
    points, extent = boundaries.grid(np.array([0.0, 10.0]), np.array([2.0, 30.0]), margin=0.1, resolution=5)
    assert points.shape == (25, 2)
    assert extent == pytest.approx((-0.2, 2.2, 8.0, 32.0))
    plane = points.reshape(5, 5, 2)  # [row i, column j] = (x[j], y[i]), as imshow(origin="lower") draws
    np.testing.assert_allclose(plane[0, :, 0], np.linspace(-0.2, 2.2, 5))
    np.testing.assert_allclose(plane[:, 0, 1], np.linspace(8.0, 32.0, 5))
    assert (plane[:, :, 0] == plane[0, :, 0]).all() and (plane[:, :, 1].T == plane[:, 0, 1]).all()


def test_grid_gives_an_input_of_zero_span_one_unit_each_side():
    points, extent = boundaries.grid(np.array([1.0, -2.0]), np.array([1.0, 2.0]), margin=0.25, resolution=3)
    assert extent == pytest.approx((0.0, 2.0, -3.0, 3.0))
    assert np.isfinite(points).all() and len(np.unique(points[:, 0])) == 3


def test_select_panels_keeps_every_panel_up_to_the_limit():
    np.testing.assert_array_equal(boundaries.select_panels(np.array([0.1, 0.9, 0.5]), limit=3), [0, 1, 2])


def test_select_panels_beyond_the_limit_keeps_those_nearest_the_median_sorted_by_index():
    accuracies = np.array([0.5, 1.0, 0.9, 0.91, 0.1, 0.89])  # median 0.895
    np.testing.assert_array_equal(boundaries.select_panels(accuracies, limit=3), [2, 3, 5])


def test_select_panels_breaks_ties_by_index_and_puts_diverged_seeds_last():
    np.testing.assert_array_equal(boundaries.select_panels(np.ones(5), limit=2), [0, 1])
    accuracies = np.array([np.nan, 0.8, 0.2, 0.5, np.nan])
    np.testing.assert_array_equal(boundaries.select_panels(accuracies, limit=3), [1, 2, 3])


def ring(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Points of two classes, an inner disc (1) and a ring around it (0): the circle dataset."""
    radius = np.concatenate([rng.uniform(0, 2, n - n // 2), rng.uniform(3, 5, n // 2)])
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]), (radius < 2.5).astype(int)


def circle_outputs(n_panels: int, points: np.ndarray) -> np.ndarray:
    """(n_panels, RESOLUTION, RESOLUTION): a sigmoid of the distance from the origin, sharper per panel."""
    radius = np.hypot(*points.T).reshape(RESOLUTION, RESOLUTION)
    return np.stack([1 / (1 + np.exp((radius - 2.5) * (1 + k))) for k in range(n_panels)])


def assert_png_alone(path):
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert list(path.parent.iterdir()) == [path]  # the temporary file was renamed, none is left


@pytest.mark.filterwarnings("error")
# 20 seeds take a second to draw (16 panels): drawn once, not for every combination.
@pytest.mark.parametrize(("n_seeds", "with_test_points"), [(1, False), (1, True), (20, True)])
def test_decision_boundary_writes_a_png_for_any_number_of_seeds_with_or_without_test_points(
        tmp_path, n_seeds, with_test_points):
    rng = np.random.default_rng(0)
    train_points, train_targets = ring(60, rng)
    test_points, test_targets = ring(20, rng) if with_test_points else (np.empty((0, 2)), np.empty(0))
    grid_points, extent = boundaries.grid(train_points.min(0), train_points.max(0), resolution=RESOLUTION)
    outputs = circle_outputs(n_seeds, grid_points)
    accuracies = np.linspace(0.6, 1.0, n_seeds)
    if n_seeds > 1:
        outputs[10] = np.nan  # a diverged seed, near the median: drawn grey
        outputs[11, 0, 0] = np.inf
        accuracies[10:12] = 0.8
    shown = boundaries.select_panels(accuracies)
    assert len(shown) == min(n_seeds, 16)
    assert n_seeds == 1 or {10, 11} <= set(shown)  # the diverged panels are drawn
    path = tmp_path / "boundary.png"
    boundaries.decision_boundary(outputs[shown], extent, train_points, train_targets, test_points, test_targets,
                                 [f"seed {i}: train {accuracies[i]:.0%}" for i in shown],
                                 "circle, two_layer hidden=[8] tanh " * 4, 0.5, path)
    assert_png_alone(path)


@pytest.mark.filterwarnings("error")
def test_decision_boundary_draws_outputs_with_no_boundary_in_them_and_every_seed_diverged(tmp_path):
    # An output all on one side of the threshold has no contour: matplotlib would warn.
    points, targets = ring(10, np.random.default_rng(1))
    _, extent = boundaries.grid(points.min(0), points.max(0), resolution=RESOLUTION)
    for name, outputs in {"constant.png": np.full((1, RESOLUTION, RESOLUTION), 0.2),
                          "diverged.png": np.full((2, RESOLUTION, RESOLUTION), np.nan)}.items():
        boundaries.decision_boundary(outputs, extent, points, targets, points[:0], targets[:0],
                                     ["seed"] * len(outputs), name, 0.5, tmp_path / name)
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["constant.png", "diverged.png"]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("activation", sorted(boundaries.ACTIVATION_RANGES))
def test_hidden_units_writes_a_png_for_every_activation(tmp_path, activation):
    points, targets = ring(40, np.random.default_rng(2))
    grid_points, extent = boundaries.grid(points.min(0), points.max(0), resolution=RESOLUTION)
    weights = np.random.default_rng(3).normal(size=(2, 3))
    z = (grid_points @ weights).T.reshape(3, RESOLUTION, RESOLUTION)
    units = {"sigmoid": 1 / (1 + np.exp(-z)), "tanh": np.tanh(z), "relu": np.maximum(z, 0), "identity": z}[activation]
    units[2] = np.nan  # a diverged unit: grey, and left out of the colour range
    path = tmp_path / "units.png"
    boundaries.hidden_units(units, extent, [f"unit {i + 1}" for i in range(3)], f"first hidden layer, {activation}",
                            activation, path, points, targets)
    assert_png_alone(path)


def test_hidden_units_draws_dead_relu_units_without_points(tmp_path):
    path = tmp_path / "dead.png"
    boundaries.hidden_units(np.zeros((2, RESOLUTION, RESOLUTION)), (0.0, 1.0, 0.0, 1.0), ["unit 1", "unit 2"],
                            "dead relu", "relu", path)
    assert_png_alone(path)


def test_hidden_units_names_the_activations_it_knows():
    with pytest.raises(ValueError, match="The 'activation' parameter of hidden_units must be one of"):
        boundaries.hidden_units(np.zeros((1, 2, 2)), (0, 1, 0, 1), ["unit 1"], "", "softplus", "never.png")


def test_decision_boundary_draws_the_grid_upright_high_y_at_the_top(tmp_path):
    # The classic slip: imshow draws row 0 at the top unless told otherwise.
    points, extent = boundaries.grid(np.array([-1.0, -1.0]), np.array([1.0, 1.0]), resolution=RESOLUTION)
    outputs = (points[:, 1] > 0).astype(float).reshape(1, RESOLUTION, RESOLUTION)  # 1 (blue) above y = 0
    path = tmp_path / "upright.png"
    boundaries.decision_boundary(outputs, extent, np.empty((0, 2)), np.empty(0), np.empty((0, 2)), np.empty(0),
                                 ["seed 0"], "upright", 0.5, path)
    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=int)
    column = pixels[:, pixels.shape[1] // 3]  # through the panel, left of the colorbar
    red, blue = column[:, 0] - column[:, 2] > 40, column[:, 2] - column[:, 0] > 40
    assert blue.any() and red.any() and np.flatnonzero(blue).max() < np.flatnonzero(red).min()
