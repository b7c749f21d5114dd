"""2-D toy datasets: TensorFlow Playground's four classification sets and scikit-learn's moons.

Formula for formula from tensorflow/playground src/dataset.ts and scikit-learn's make_moons
(sklearn/datasets/_samples_generator.py). U(a, b) is Playground's randUniform,
`Math.random() * (b - a) + a`, here `rng.random() * (b - a) + a`:

  circle  class 1: r ~ U(0, 2.5), class 0: r ~ U(3.5, 5) (radius R = 5: [0, .5 R), [.7 R, R));
          a ~ U(0, 2 pi); point (r sin a, r cos a); label 1 if |point + U(-5, 5) * noise| < 2.5
          (one shift per axis, deciding the label only: the stored point is unshifted).
  xor2d   x, y ~ U(-5, 5), each moved 0.3 away from 0 (x += 0.3 if x > 0 else -0.3);
          label 1 if (x + U(-5, 5) * noise) * (y + U(-5, 5) * noise) >= 0; point unshifted.
  gauss   class 1 ~ N((2, 2), v I), class 0 ~ N((-2, -2), v I), v = 0.5 + 7 * noise (Playground's
          d3 linear scale [0, .5] -> [0.5, 4] is the variance; std = sqrt(v)).
  spiral  a class of m points, i = 0..m-1: r = i / m * 5, t = 1.75 * i / m * 2 pi (+ pi for
          class 0); point (r sin t, r cos t) + U(-1, 1) * noise per axis.
  moons   class 0: (cos a, sin a), class 1: (1 - cos a, 1 - sin a - 0.5), a = linspace(0, pi, m)
          for each class's m; + N(0, noise^2) per axis.

nnexp's conventions, where they are not the sources':
- Class 0 gets n_samples // 2 rows, class 1 n_samples - n_samples // 2 (make_moons' split).
  Playground loops `i < numSamples / 2` per class, so an odd numSamples gives it numSamples + 1
  points, and spiral's m is numSamples / 2 for both classes; for even n_samples they agree.
  xor2d stays Playground's: n_samples points, each labelled by the rule, so its classes are
  balanced only on average. At noise > 0 circle's labels also come from the shifted point, so
  a class's region and its label can disagree, as in Playground.
- Labels are 0.0 / 1.0: Playground's -1 is 0.
- Rows come class by class in the source's order (the caller shuffles): class 1 first for
  circle, gauss and spiral (Playground's "positive examples" first), class 0 first for moons.
- All randomness comes from `rng`, in the order each function documents, and the draws do not
  depend on `noise` (noise 0 scales them to 0), so the same rng state gives the same data and
  leaves the rng in the same state. Playground's numbers are seedrandom's, its normals by the
  polar method: the distributions are the same, the numbers are not.

NOISE_RANGE: Playground's noise slider is 0..50 (index.html: min="0" max="50"), divided by 100
(playground.ts, generateData), so 0..0.5; moons' noise is a standard deviation, any >= 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

DataGenerator = Callable[[np.random.Generator, int, float], tuple[np.ndarray, np.ndarray]]


def _counts(n_samples: int) -> tuple[int, int]:
    """(n0, n1): class 0 gets n_samples // 2, class 1 the rest, as in make_moons."""
    return n_samples // 2, n_samples - n_samples // 2


def _uniform(u: np.ndarray, a: float, b: float) -> np.ndarray:
    """Playground's randUniform(a, b) from u ~ U[0, 1): u * (b - a) + a (same shape as u)."""
    return u * (b - a) + a


def _labels(first: float, n_first: int, n_second: int) -> np.ndarray:
    """(n_first + n_second,) float64: `first` n_first times, then the other class."""
    return np.repeat([first, 1.0 - first], [n_first, n_second])


def circle(rng: np.random.Generator, n_samples: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Playground's classifyCircleData: a disc (class 1) inside a ring (class 0).

    r ~ U(0, 2.5) for class 1, U(3.5, 5) for class 0; a ~ U(0, 2 pi); point (r sin a, r cos a);
    label 1 if the point shifted by U(-5, 5) * noise per axis is < 2.5 from (0, 0), else 0. The
    stored point is the unshifted one: noise moves the boundary between labels, not the points.
    Draws: class 1 block, then class 0 block, each rng.random((m, 4)), a row per point holding
    (r, a, shift x, shift y), Playground's order of calls within a point.

    -> points (n_samples, 2) float64, labels (n_samples,) float64 0/1; class 1 rows first.
    """
    radius = 5.0
    n0, n1 = _counts(n_samples)
    points, shifts = [], []
    for m, (low, high) in ((n1, (0.0, radius * 0.5)), (n0, (radius * 0.7, radius))):
        u = rng.random((m, 4))
        r, a = _uniform(u[:, 0], low, high), _uniform(u[:, 1], 0.0, 2 * math.pi)
        points.append(np.column_stack([r * np.sin(a), r * np.cos(a)]))
        shifts.append(_uniform(u[:, 2:], -radius, radius) * noise)
    xy = np.concatenate(points)
    seen = xy + np.concatenate(shifts)
    labels = np.sqrt(seen[:, 0] * seen[:, 0] + seen[:, 1] * seen[:, 1]) < radius * 0.5
    return xy, labels.astype(np.float64)


def xor2d(rng: np.random.Generator, n_samples: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Playground's classifyXORData: the four quadrants, label 1 where x and y share a sign.

    x, y ~ U(-5, 5), each pushed 0.3 away from 0 (x += 0.3 if x > 0 else -0.3), which leaves an
    empty band of width 0.6 along both axes; label 1 if (x + nx) * (y + ny) >= 0, with nx, ny ~
    U(-5, 5) * noise; the stored point is unshifted. Each point's label comes from the rule, so
    the class sizes are not fixed (Playground's formula, kept). Draws: rng.random((n_samples, 4)),
    a row per point holding (x, y, nx, ny), Playground's order of calls.

    -> points (n_samples, 2) float64, labels (n_samples,) float64 0/1.
    """
    u = rng.random((n_samples, 4))
    xy = _uniform(u[:, :2], -5.0, 5.0)
    xy = np.where(xy > 0, xy + 0.3, xy - 0.3)
    seen = xy + _uniform(u[:, 2:], -5.0, 5.0) * noise
    return xy, (seen[:, 0] * seen[:, 1] >= 0).astype(np.float64)


def gauss(rng: np.random.Generator, n_samples: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Playground's classifyTwoGaussData: two isotropic Gaussian blobs.

    Class 1 ~ N((2, 2), v I), class 0 ~ N((-2, -2), v I) with variance v = 0.5 + 7 * noise
    (Playground: d3.scale.linear().domain([0, .5]).range([0.5, 4]); normalRandom(mean, variance)
    returns mean + sqrt(variance) * z). Draws: rng.standard_normal((n1, 2)) for class 1, then
    rng.standard_normal((n0, 2)) for class 0, a row per point holding (z x, z y).

    -> points (n_samples, 2) float64, labels (n_samples,) float64 0/1; class 1 rows first.
    """
    n0, n1 = _counts(n_samples)
    std = math.sqrt(0.5 + 7.0 * noise)
    ones = np.array([2.0, 2.0]) + std * rng.standard_normal((n1, 2))
    zeros = np.array([-2.0, -2.0]) + std * rng.standard_normal((n0, 2))
    return np.concatenate([ones, zeros]), _labels(1.0, n1, n0)


def spiral(rng: np.random.Generator, n_samples: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Playground's classifySpiralData: two interleaved arms, one turned by pi from the other.

    For a class of m points, i = 0..m-1: r = i / m * 5, t = 1.75 * i / m * 2 pi + delta (delta 0
    for class 1, pi for class 0); point (r sin t, r cos t) + U(-1, 1) * noise per axis. The
    products run in Playground's order, left to right, so noise 0 gives its points to the bit.
    Draws: class 1 block, then class 0 block, each rng.random((m, 2)), a row per point.

    -> points (n_samples, 2) float64, labels (n_samples,) float64 0/1; class 1 rows first.
    """
    n0, n1 = _counts(n_samples)
    arms = []
    for m, delta in ((n1, 0.0), (n0, math.pi)):
        i = np.arange(m, dtype=np.float64)
        r = i / m * 5
        t = 1.75 * i / m * 2 * math.pi + delta
        arm = np.column_stack([r * np.sin(t), r * np.cos(t)])
        arms.append(arm + _uniform(rng.random((m, 2)), -1.0, 1.0) * noise)
    return np.concatenate(arms), _labels(1.0, n1, n0)


def moons(rng: np.random.Generator, n_samples: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's make_moons(n_samples, shuffle=False, noise=noise), drawing from `rng`.

    Class 0 (n0 = n_samples // 2): (cos a, sin a), a = linspace(0, pi, n0); class 1 (the rest,
    n1): (1 - cos a, 1 - sin a - 0.5), a = linspace(0, pi, n1); then + N(0, noise^2) per axis.
    Draws: one rng.normal(scale=noise, size=(n_samples, 2)) added to all rows, as make_moons does
    (with noise 0 too, where make_moons' noise=None adds nothing: the points are the same).

    -> points (n_samples, 2) float64, labels (n_samples,) float64 0/1; class 0 rows first.
    """
    n0, n1 = _counts(n_samples)
    a0, a1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    xy = np.column_stack([np.append(np.cos(a0), 1 - np.cos(a1)),
                          np.append(np.sin(a0), 1 - np.sin(a1) - 0.5)])
    return xy + rng.normal(scale=noise, size=xy.shape), _labels(0.0, n0, n1)


GENERATORS: dict[str, DataGenerator] = {
    "circle": circle, "xor2d": xor2d, "gauss": gauss, "spiral": spiral, "moons": moons,
}

# (low, high) of `noise`, both ends allowed: Playground's 0..50 % slider, moons' any std >= 0.
NOISE_RANGE: dict[str, tuple[float, float]] = {
    "circle": (0.0, 0.5), "xor2d": (0.0, 0.5), "gauss": (0.0, 0.5), "spiral": (0.0, 0.5),
    "moons": (0.0, math.inf),
}
