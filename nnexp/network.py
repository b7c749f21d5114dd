"""The network: fully connected layers, a sigmoid output unit, hidden layers of any activation.

The notebook's nets are sigmoid layers without biases: the inputs' constant last column plays
that part. That is the default; `activation`, `bias` and `init` give the nets scikit-learn's
MLPClassifier builds. One class serves every model: `Network(hidden=[])` is the perceptron,
`Network(hidden=[4])` the notebook's TwoLayerNNClassifier, `Network(hidden=[8, 8])` a deeper MLP.

Parameters carry a leading replica axis, so that many seeds train together in one batched pass,
and all of a replica's parameters live in one row of `params_`, so that an optimiser updates
every layer in one NumPy call:

    params_   (n_replicas, n_params): W_0, W_1, ..., then b_0, b_1, ... flattened
    weights_  layer l (n_replicas, n_in, n_out), a view of params_
    biases_   layer l (n_replicas, 1, n_out), a view of params_; [] without biases

Replica i is the network drawn from seed `seeds_[i]`.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

# 0-d arrays, not Python floats: NumPy combines a 0-d array with a small array in about half
# the time it takes for a Python float, and the training loop is dominated by such calls.
ONE = np.array(1.0)
ZERO = np.array(0.0)


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


def tanh_slope(a: np.ndarray) -> np.ndarray:
    """tanh's derivative in its output a = tanh(z): 1 - a^2."""
    return ONE - a * a


TWO = np.array(2.0)


def tanh(z: np.ndarray) -> np.ndarray:
    """tanh(z) = 1 - 2 / (exp(2z) + 1), computed in z's own memory (forward's z is a fresh array).

    Within 4e-16 of np.tanh and about 2.5x faster: on CPUs without AVX-512, NumPy's float64 tanh
    is scalar libm code at ~40 ns an element, and it was a quarter of a batched step's time. For
    z > 355, exp(2z) is inf and the result exactly 1 (run under np.errstate(over="ignore")).
    """
    z += z
    np.exp(z, out=z)
    z += ONE
    np.divide(TWO, z, out=z)
    return np.subtract(ONE, z, out=z)


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, ZERO)


def relu_slope(a: np.ndarray) -> np.ndarray:
    """ReLU's derivative in its output a = max(z, 0): 1 where a > 0, else 0 (scikit-learn's
    choice at z = 0)."""
    return a > ZERO


def identity(z: np.ndarray) -> np.ndarray:
    return z


# Hidden layers' activations by name, and their derivatives written in the activation's output
# (scikit-learn's ACTIVATIONS and DERIVATIVES); None: the slope is 1, nothing to multiply.
ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": sigmoid, "tanh": tanh, "relu": relu, "identity": identity,
}
SLOPES: dict[str, Callable[[np.ndarray], np.ndarray] | None] = {
    "sigmoid": sigmoid_slope, "tanh": tanh_slope, "relu": relu_slope, "identity": None,
}
# Activations that saturate: far from 0 their slope vanishes (nnexp.results.saturated).
SQUASHING = {"sigmoid", "tanh"}
INITS = ("uniform", "glorot")


def matrix_product(weights: Sequence[np.ndarray]):
    """np.dot for one network's 2-D weights, np.matmul for a stack with a replica axis.

    On arrays this small np.dot costs ~0.4 us less per call than np.matmul, and for 2-D
    operands the two mean the same; the training loop hands a single replica over as 2-D views.
    """
    return np.dot if weights[0].ndim == 2 else np.matmul


def forward(weights: Sequence[np.ndarray], X: np.ndarray, biases: Sequence[np.ndarray] = (),
            activation: Callable[[np.ndarray], np.ndarray] = sigmoid) -> list[np.ndarray]:
    """Every layer's activations, input first; the hidden layers apply `activation`, the
    output layer the sigmoid.

    weights: stacked, layer l (n_replicas, n_in, n_out); or one network's, layer l (n_in, n_out)
    biases:  [] (none), or layer l (n_replicas, 1, n_out); or one network's, (1, n_out)
    X: (n_samples, n_inputs), or one batch per replica: (n_replicas, n_samples, n_inputs)
    -> [X, a_1, ..., out], a_l: (n_replicas, n_samples, n_out) or (n_samples, n_out)

    Run it under `np.errstate(over="ignore")`: see `sigmoid`.
    """
    product = matrix_product(weights)
    activations = [X]
    for layer in range(len(weights) - 1):
        z = product(activations[-1], weights[layer])
        if biases:
            z += biases[layer]
        activations.append(activation(z))
    z = product(activations[-1], weights[-1])
    if biases:
        z += biases[-1]
    activations.append(sigmoid(z))
    return activations


class Network:
    """A stack of fully connected layers; `hidden` lists the hidden layers' widths.

    activation: the hidden layers' (ACTIVATIONS); the output unit is always a sigmoid
    bias:       a bias per unit, added to its input
    init:       'uniform', the notebook's U[-1, 1), or 'glorot', scikit-learn's
                U(-b, b) with b = sqrt(k / (fan_in + fan_out)), k = 2 for sigmoid, else 6

    Learned state (after `init_weights`): params_, weights_, biases_ (see the module), seeds_
    (n_replicas,), and params_initial_, a copy of params_ as drawn.
    """

    def __init__(self, hidden: Sequence[int] = (), activation: str = "sigmoid", bias: bool = False,
                 init: str = "uniform") -> None:
        self.hidden = list(hidden)
        self.activation = activation
        self.bias = bias
        self.init = init

    def init_weights(self, n_inputs: int, seeds: Sequence[int], n_outputs: int = 1) -> Network:
        """Draw the parameters, one generator `numpy.random.default_rng(seed)` per replica.

        Replica i of a stack is the very network a plain run with seed `seeds[i]` starts from,
        and no two networks ever share an array (the notebook's shared-default-argument bug).
        Every weight is drawn first, layer by layer as the notebook does, then the biases: a
        net with biases starts from the same weights as the same seed's net without.
        """
        self.sizes_ = [n_inputs, *self.hidden, n_outputs]
        shapes = list(zip(self.sizes_[:-1], self.sizes_[1:]))
        if self.init == "glorot":
            factor = 2.0 if self.activation == "sigmoid" else 6.0
            bounds = [np.sqrt(factor / (fan_in + fan_out)) for fan_in, fan_out in shapes]
        else:
            bounds = [1.0] * len(shapes)
        sizes = [n_in * n_out for n_in, n_out in shapes] + ([n_out for _, n_out in shapes] if self.bias else [])
        rows = []
        for seed in seeds:
            rng = np.random.default_rng(seed)
            weights = [rng.uniform(-bound, bound, size=shape) for bound, shape in zip(bounds, shapes)]
            biases = [rng.uniform(-bound, bound, size=n_out) for bound, (_, n_out) in zip(bounds, shapes)] \
                if self.bias else []
            rows.append(np.concatenate([array.ravel() for array in weights + biases]))
        self.params_ = np.stack(rows)
        self.params_initial_ = self.params_.copy()
        self.n_weights_ = sum(sizes[:len(shapes)])
        self.weights_, self.biases_ = self.views(self.params_)
        self.seeds_ = np.array(seeds, dtype=np.int64)
        return self

    def load(self, arrays: dict[str, np.ndarray]) -> Network:
        """Set the learned state from weights.npz's arrays (`arrays`): the trained network, its
        seeds, and the initial parameters. The widths come from the arrays."""
        n_layers = len(self.hidden) + 1
        weights = [np.asarray(arrays[f"W{layer}"], dtype=float) for layer in range(n_layers)]
        biases = [np.asarray(arrays[f"b{layer}"], dtype=float) for layer in range(n_layers)] if self.bias else []
        names = [f"W{layer}" for layer in range(n_layers)] + ([f"b{layer}" for layer in range(n_layers)]
                                                              if self.bias else [])
        initial = [np.asarray(arrays[f"{name}_initial"], dtype=float) for name in names]
        self.sizes_ = [weights[0].shape[1], *(W.shape[2] for W in weights)]
        n = len(weights[0])
        self.params_ = np.concatenate([array.reshape(n, -1) for array in weights + biases], axis=1)
        self.params_initial_ = np.concatenate([array.reshape(n, -1) for array in initial], axis=1)
        self.n_weights_ = sum(W[0].size for W in weights)
        self.weights_, self.biases_ = self.views(self.params_)
        self.seeds_ = np.asarray(arrays["seed"], dtype=np.int64)
        return self

    def views(self, flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(weights, biases) of a (n_replicas, n_params) array laid out as params_, as views;
        with 2-D `flat[0]`-style input (n_params,), one network's 2-D views."""
        shapes = list(zip(self.sizes_[:-1], self.sizes_[1:]))
        lead = flat.shape[:-1]
        weights, biases, start = [], [], 0
        for n_in, n_out in shapes:
            weights.append(flat[..., start:start + n_in * n_out].reshape(*lead, n_in, n_out))
            start += n_in * n_out
        for _, n_out in shapes if self.bias else []:
            biases.append(flat[..., start:start + n_out].reshape(*lead, 1, n_out))
            start += n_out
        return weights, biases

    @property
    def n_replicas(self) -> int:
        return len(self.seeds_)

    def activation_function(self) -> Callable[[np.ndarray], np.ndarray]:
        return ACTIVATIONS[self.activation]

    def pre_activations(self, X: np.ndarray) -> list[np.ndarray]:
        """Every layer's input to its activation, a_in @ W (+ b): layer l (n_replicas, n_samples, sizes_[l + 1])."""
        with np.errstate(over="ignore", invalid="ignore"):  # see `sigmoid`; a diverged replica has nan
            activations = forward(self.weights_, X, self.biases_, self.activation_function())
            return [np.matmul(a_in, W) + (self.biases_[layer] if self.biases_ else 0.0)
                    for layer, (a_in, W) in enumerate(zip(activations[:-1], self.weights_))]

    def predict(self, X: np.ndarray) -> np.ndarray:
        """X: (n_samples, n_inputs) -> outputs in [0, 1]: (n_replicas, n_samples, n_outputs)."""
        with np.errstate(over="ignore", invalid="ignore"):  # see `sigmoid`
            return forward(self.weights_, X, self.biases_, self.activation_function())[-1]

    def arrays(self) -> dict[str, np.ndarray]:
        """What weights.npz holds: W0, W1, ... (n_replicas, n_in, n_out); b0, b1, ...
        (n_replicas, n_out) with biases; the same with `_initial` as drawn; and `seed`."""
        arrays = {}
        for suffix, flat in (("", self.params_), ("_initial", self.params_initial_)):
            weights, biases = self.views(flat)
            arrays.update({f"W{layer}{suffix}": W.copy() for layer, W in enumerate(weights)})
            arrays.update({f"b{layer}{suffix}": b[:, 0, :].copy() for layer, b in enumerate(biases)})
        arrays["seed"] = self.seeds_.copy()
        return arrays
