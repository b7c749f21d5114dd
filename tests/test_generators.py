"""nnexp.generators against the formulas of TensorFlow Playground's src/dataset.ts and of
scikit-learn's make_moons: the geometry at noise 0, what noise does, the class split and the
documented order of draws (replayed here from a second rng with the same seed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnexp import generators as g
from nnexp.generators import GENERATORS, NOISE_RANGE

NAMES = list(GENERATORS)
SIZES = [0, 1, 2, 7, 200, 201]


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def counts(n: int) -> tuple[int, int]:
    return n // 2, n - n // 2


def test_registry():
    assert GENERATORS == {"circle": g.circle, "xor2d": g.xor2d, "gauss": g.gauss,
                          "spiral": g.spiral, "moons": g.moons}
    assert NOISE_RANGE == {"circle": (0, 0.5), "xor2d": (0, 0.5), "gauss": (0, 0.5),
                           "spiral": (0, 0.5), "moons": (0, math.inf)}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n", SIZES)
def test_shapes_dtypes_and_labels(name, n):
    points, labels = GENERATORS[name](rng(), n, 0.3)
    assert points.shape == (n, 2) and points.dtype == np.float64
    assert labels.shape == (n,) and labels.dtype == np.float64
    assert np.isfinite(points).all() and set(np.unique(labels)) <= {0.0, 1.0}


@pytest.mark.parametrize("name", [name for name in NAMES if name != "xor2d"])
@pytest.mark.parametrize("n", SIZES)
def test_class_split_is_scikit_learns(name, n):
    _, labels = GENERATORS[name](rng(), n, 0.0)
    assert (np.sum(labels == 0), np.sum(labels == 1)) == counts(n)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_data_and_rng_state_whatever_the_noise(name):
    a, b = rng(5), rng(5)
    first, second = GENERATORS[name](a, 100, 0.3), GENERATORS[name](b, 100, 0.3)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    quiet = rng(5)
    GENERATORS[name](quiet, 100, 0.0)
    # The draws do not depend on noise: whatever follows in the stream is the same.
    assert quiet.bit_generator.state == a.bit_generator.state


@pytest.mark.parametrize("name", NAMES)
def test_different_seeds_different_data(name):
    first, second = GENERATORS[name](rng(1), 100, 0.3), GENERATORS[name](rng(2), 100, 0.3)
    assert not np.array_equal(first[0], second[0])


def test_circle_noise_free():
    n0, n1 = counts(301)
    points, labels = g.circle(rng(), 301, 0.0)
    radii = np.hypot(points[:, 0], points[:, 1])
    assert (radii[:n1] < 2.5).all() and ((radii[n1:] >= 3.5) & (radii[n1:] <= 5)).all()
    np.testing.assert_array_equal(labels, np.r_[np.ones(n1), np.zeros(n0)])


def test_circle_noise_shifts_the_label_not_the_point():
    n, noise = 400, 0.5
    points, labels = g.circle(rng(3), n, noise)
    np.testing.assert_array_equal(points, g.circle(rng(3), n, 0.0)[0])
    replay, shifts = rng(3), []
    for m in reversed(counts(n)):  # class 1 block first, then class 0
        shifts.append((replay.random((m, 4))[:, 2:] * 10 - 5) * noise)
    seen = points + np.concatenate(shifts)
    np.testing.assert_array_equal(labels, (np.hypot(seen[:, 0], seen[:, 1]) < 2.5).astype(float))
    assert 0 < np.sum(labels != np.r_[np.ones(n - n // 2), np.zeros(n // 2)]) < n // 2


def test_xor2d_noise_free():
    points, labels = g.xor2d(rng(), 500, 0.0)
    x, y = points.T
    np.testing.assert_array_equal(labels, (x * y >= 0).astype(float))
    assert (np.abs(points) >= 0.3).all() and (np.abs(points) <= 5.3).all()
    assert 0 < labels.sum() < 500  # both classes, in whatever proportion the draws give


def test_xor2d_noise_shifts_the_label_not_the_point():
    n, noise = 500, 0.5
    points, labels = g.xor2d(rng(4), n, noise)
    np.testing.assert_array_equal(points, g.xor2d(rng(4), n, 0.0)[0])
    seen = points + (rng(4).random((n, 4))[:, 2:] * 10 - 5) * noise
    np.testing.assert_array_equal(labels, (seen[:, 0] * seen[:, 1] >= 0).astype(float))
    assert np.any(labels != (points[:, 0] * points[:, 1] >= 0))


@pytest.mark.parametrize("noise", [0.0, 0.2])
def test_gauss_means_and_variance(noise):
    n = 40_000
    points, labels = g.gauss(rng(6), n, noise)
    for label, centre in ((1.0, 2.0), (0.0, -2.0)):
        blob = points[labels == label]
        np.testing.assert_allclose(blob.mean(axis=0), [centre, centre], atol=0.05)
        np.testing.assert_allclose(blob.var(axis=0), [0.5 + 7 * noise] * 2, rtol=0.05)


def arms(n: int) -> np.ndarray:
    """The noise-free spiral recomputed another way: r = 5 i / m, t = 1.75 * 2 pi * i / m."""
    n0, n1 = counts(n)
    rows = []
    for m, delta in ((n1, 0.0), (n0, math.pi)):
        i = np.arange(m)
        r, t = 5 * i / m, 1.75 * 2 * math.pi * i / m + delta
        rows.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    return np.concatenate(rows)


@pytest.mark.parametrize("n", [200, 201])
def test_spiral_noise_free_on_the_arms(n):
    points, labels = g.spiral(rng(), n, 0.0)
    np.testing.assert_allclose(points, arms(n), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(labels, np.r_[np.ones(n - n // 2), np.zeros(n // 2)])


def test_spiral_noise_is_uniform_per_axis():
    n, noise = 201, 0.4
    offsets = g.spiral(rng(7), n, noise)[0] - arms(n)
    assert (np.abs(offsets) <= noise + 1e-12).all() and np.abs(offsets).max() > noise / 2
    replay = rng(7)
    expected = np.concatenate([replay.random((m, 2)) * 2 - 1 for m in reversed(counts(n))])
    np.testing.assert_allclose(offsets, expected * noise, rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", [200, 201, 1, 2])
def test_moons_is_scikit_learns(n):
    datasets = pytest.importorskip("sklearn.datasets")
    expected, expected_labels = datasets.make_moons(n, shuffle=False, noise=None)
    points, labels = g.moons(rng(), n, 0.0)
    np.testing.assert_array_equal(points, expected)
    np.testing.assert_array_equal(labels, expected_labels)
    # With noise: make_moons' one generator.normal(scale=noise, size=X.shape), from our rng
    # (make_moons itself takes only a RandomState, not a Generator).
    noisy, _ = g.moons(rng(8), n, 0.1)
    np.testing.assert_array_equal(noisy, expected + rng(8).normal(scale=0.1, size=(n, 2)))
