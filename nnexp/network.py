"""The network: fully connected sigmoid layers without bias terms, as in the notebook.

The notebook's nets have no biases: the inputs' constant last column plays that part. One class
serves every model: `Network(hidden=[])` is the perceptron, `Network(hidden=[4])` the notebook's
TwoLayerNNClassifier, `Network(hidden=[8, 8])` a deeper MLP.

Weights carry a leading replica axis, so that many seeds train together in one batched pass:
layer l has weights of shape (n_replicas, n_in, n_out), and replica i is the network drawn from
seed `seeds[i]`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

# 0-d arrays, not Python floats: NumPy combines a 0-d array with a small array in about half
# the time it takes for a Python float, and the training loop is dominated by such calls.
ONE = np.array(1.0)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) elementwise: the notebook's sigmoid, operation for operation.

    For z < -709, exp(-z) is inf and the result 1 / (1 + inf) = 0.0 is the correctly rounded
    value: nothing overflows in the output. NumPy still raises its floating-point overflow flag
    for that inf, so callers run under `np.errstate(over="ignore")`, entered once around many
    calls (entering one costs as much as a sigmoid on these small arrays).
    """
    return ONE / (ONE + np.exp(-z))


def sigmoid_slope(s: np.ndarray) -> np.ndarray:
    """The sigmoid's derivative written in its output s = sigmoid(z): s * (1 - s)."""
    return s * (ONE - s)


def matrix_product(weights: Sequence[np.ndarray]):
    """np.dot for one network's 2-D weights, np.matmul for a stack with a replica axis.

    On arrays this small np.dot costs ~0.4 us less per call than np.matmul, and for 2-D
    operands the two mean the same; the training loop hands a single replica over as 2-D views.
    """
    return np.dot if weights[0].ndim == 2 else np.matmul


def forward(weights: Sequence[np.ndarray], X: np.ndarray) -> list[np.ndarray]:
    """Every layer's activations, input first.

    weights: stacked, layer l (n_replicas, n_in, n_out); or one network's, layer l (n_in, n_out)
    X: (n_samples, n_inputs)
    -> [X, a_1, ..., out], a_l: (n_replicas, n_samples, n_out) or (n_samples, n_out)

    Run it under `np.errstate(over="ignore")`: see `sigmoid`.
    """
    product = matrix_product(weights)
    activations = [X]
    for W in weights:
        activations.append(sigmoid(product(activations[-1], W)))
    return activations


class Network:
    """A stack of sigmoid layers; `hidden` lists the hidden layers' widths.

    Learned state (after `init_weights`):
    weights_: list of arrays, layer l of shape (n_replicas, sizes_[l], sizes_[l + 1])
    seeds_:   the seed each replica was drawn from, (n_replicas,)
    """

    def __init__(self, hidden: Sequence[int] = ()) -> None:
        self.hidden = list(hidden)

    def init_weights(self, n_inputs: int, seeds: Sequence[int], n_outputs: int = 1) -> Network:
        """Draw every weight uniform in [-1, 1), as the notebook, one generator per seed.

        Each replica draws from its own `numpy.random.default_rng(seed)`, so replica i of a
        stack is the very network a plain run with seed `seeds[i]` starts from, and no two
        networks ever share an array (the notebook's shared-default-argument bug).
        """
        self.sizes_ = [n_inputs, *self.hidden, n_outputs]
        shapes = list(zip(self.sizes_[:-1], self.sizes_[1:]))
        per_seed = []
        for seed in seeds:
            rng = np.random.default_rng(seed)
            per_seed.append([rng.uniform(-1.0, 1.0, size=shape) for shape in shapes])
        self.weights_ = [np.stack(layer) for layer in zip(*per_seed)]
        self.seeds_ = np.array(seeds, dtype=np.int64)
        return self

    @property
    def n_replicas(self) -> int:
        return len(self.seeds_)

    def pre_activations(self, X: np.ndarray) -> list[np.ndarray]:
        """Every layer's input to its sigmoid, a_in @ W: layer l (n_replicas, n_samples, sizes_[l + 1])."""
        with np.errstate(over="ignore", invalid="ignore"):  # see `sigmoid`; a diverged replica has nan
            activations = forward(self.weights_, X)
        return [np.matmul(a_in, W) for a_in, W in zip(activations[:-1], self.weights_)]

    def predict(self, X: np.ndarray) -> np.ndarray:
        """X: (n_samples, n_inputs) -> outputs in [0, 1]: (n_replicas, n_samples, n_outputs)."""
        with np.errstate(over="ignore"):  # see `sigmoid`
            return forward(self.weights_, X)[-1]
