"""Training: gradient descent for every model, loss, batch size and optimiser; one loop.

One step on a batch, for any number of layers and replicas:

    out   = forward pass                        (n_replicas, n_batch, 1)
    delta = the loss's descent at the output     -dE/dz: (Y - out) * out * (1 - out), or Y - out
    delta = (delta @ W.T) * slope(a)            each hidden layer, back to front
    g_W   = a_in.T @ delta,  g_b = sum of delta  into one (n_replicas, n_params) buffer
    g    -= l2 * W;  g /= n_batch (log_loss)    the penalty, and log_loss's mean over the batch
    params updated by the optimiser from g      sgd, sgd with momentum, or adam

g is the descent direction, -gradient, as in the notebook, whose step is W += lr * a_in.T @ delta.
With the defaults (squared_error, sgd, no momentum, no l2) the loop folds lr into the output
delta and adds g to the weights: the notebook's arithmetic, bit for bit, and its speed.
Otherwise the arithmetic is scikit-learn's MLPClassifier's, operation for operation up to the
sign (tests/test_sklearn.py).

The losses, over a batch of n rows (the history logs them over the whole training set):
    squared_error  E = 1/2 sum (Y - out)^2 + (l2 / 2) sum W^2                    (the notebook's)
    log_loss       E = -mean(Y log out + (1 - Y) log(1 - out)) + (l2 / 2n) sum W^2  (scikit-learn's)
Both penalties weigh a sample's loss against the weights alike; biases are never penalised.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from nnexp.network import ONE, SLOPES, Network, forward, matrix_product, sigmoid_slope

LOSSES = ("squared_error", "log_loss")
OPTIMIZERS = ("sgd", "adam")
# log_loss clips outputs to [EPS, 1 - EPS] inside the log, as scikit-learn does.
EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class History:
    """The training as it went, kept every `log_every` epochs and at the last.

    iterations: (n_points,) epochs done when measured: 0, k, 2k, ..., T
    error:      (n_replicas, n_points) mean |Y - out| over the training samples
    loss:       (n_replicas, n_points) the loss being minimised, over the whole training set
    accuracy:   (n_replicas, n_points) share of training samples labelled right
    seconds:    wall time of the whole training, all replicas together
    test_error, test_loss, test_accuracy: (n_replicas, n_points) the same over the held-out
                set, measured with the same weights; None without one. test_loss is the loss's
                data term only: the weight penalty is no property of the test rows.
    """

    iterations: np.ndarray
    error: np.ndarray
    loss: np.ndarray | None = None
    accuracy: np.ndarray | None = None
    seconds: float = 0.0
    test_error: np.ndarray | None = None
    test_loss: np.ndarray | None = None
    test_accuracy: np.ndarray | None = None


def answered_right(out: np.ndarray, targets: np.ndarray, threshold: float) -> np.ndarray:
    """True where an output is strictly on its target's side of the threshold: above it for a
    target 1, below it for a target 0. An output exactly at the threshold decides nothing and is
    never right, though the notebook's binary_threshold labels it 0: a net whose dead ReLUs leave
    every output at sigmoid(0) = 0.5 would otherwise be counted as having learned every 0 row."""
    return np.where(targets > 0.5, out > threshold, out < threshold)


def logged_iterations(iterations: int, log_every: int) -> np.ndarray:
    """The epoch numbers the history keeps: every log_every-th from 0, and always the last."""
    return np.append(np.arange(0, iterations, log_every), iterations)


def descent(loss: str, Y: np.ndarray, out: np.ndarray) -> np.ndarray:
    """-dE/dz at the sigmoid output, per sample: (Y - out) * out * (1 - out) for squared_error,
    the notebook's; Y - out for log_loss, where the sigmoid's slope cancels."""
    error = Y - out
    return error * sigmoid_slope(out) if loss == "squared_error" else error


def loss_value(network: Network, X: np.ndarray, Y: np.ndarray, loss: str, l2: float = 0.0) -> np.ndarray:
    """The loss `fit` minimises, over all of X: (n_replicas,). X: (n_samples, n_inputs), Y: (n_samples, 1)."""
    out = network.predict(X)
    with np.errstate(invalid="ignore", over="ignore"):  # a diverged replica's loss is nan, said by its status
        return _loss(network.params_[:, :network.n_weights_], Y, out, loss, l2)


def _loss(weights: np.ndarray, Y: np.ndarray, out: np.ndarray, loss: str, l2: float,
          n_batches: int = 1) -> np.ndarray:
    """weights: (n_replicas, n_weights); out: (n_replicas, n, 1) or (n, 1) -> (n_replicas,).
    n_batches: an epoch of mini-batches takes the penalty's step once per batch, so the loss it
    minimises counts the penalty that many times (as scikit-learn's loss_curve_ does)."""
    n_replicas, n = len(weights), Y.shape[-2]
    if loss == "squared_error":
        value = np.add.reduce((0.5 * (Y - out) ** 2).reshape(n_replicas, -1), axis=1)
        scale = 1.0
    else:
        p = np.clip(out, EPS, 1 - EPS)
        value = -np.add.reduce((Y * np.log(p) + (1 - Y) * np.log(1 - p)).reshape(n_replicas, -1), axis=1) / n
        scale = 1.0 / n
    if l2:
        value = value + 0.5 * l2 * np.add.reduce(weights**2, axis=1) * scale * n_batches
    return value


def gradient(network: Network, X: np.ndarray, Y: np.ndarray, loss: str, l2: float = 0.0) -> np.ndarray:
    """dE/dparams of `loss_value` at the network's parameters: (n_replicas, n_params), laid out
    as network.params_. Computed as `fit` computes its steps (tests check it against finite
    differences)."""
    grads = np.zeros_like(network.params_)
    with np.errstate(over="ignore"):
        activations = forward(network.weights_, X, network.biases_, network.activation_function())
    _backward(network, network.weights_, activations, descent(loss, Y, activations[-1]), X.T,
              *network.views(grads))
    _penalise_and_average(grads, network.params_, network.n_weights_, loss, l2, len(X))
    return -grads


def _backward(network: Network, weights: list[np.ndarray], activations: list[np.ndarray],
              delta: np.ndarray, inputs_T: np.ndarray, grad_weights: list[np.ndarray],
              grad_biases: list[np.ndarray]) -> None:
    """Back-propagate the output's `delta` (n_replicas, n, 1) into the gradient views: each
    layer's a_in.T @ delta and, with biases, the sum of delta over the batch. inputs_T is the
    batch's inputs transposed (the full batch's is computed once)."""
    product = matrix_product(weights)
    slope = SLOPES[network.activation]
    with_bias = bool(grad_biases)
    for layer in range(len(weights) - 1, -1, -1):
        a_in_T = activations[layer].mT if layer else inputs_T
        product(a_in_T, delta, out=grad_weights[layer])
        if with_bias:
            # np.add.reduce is np.sum without its ~5 us Python wrapper: the same sums, bit for bit.
            np.add.reduce(delta, axis=-2, keepdims=True, out=grad_biases[layer])
        if layer:
            delta = product(delta, weights[layer].mT)
            if slope is not None:
                delta *= slope(activations[layer])


def _penalise_and_average(grads: np.ndarray, params: np.ndarray, n_weights: int, loss: str,
                          l2: float, n: int) -> None:
    """grads -= l2 * W (the penalty's descent, biases spared); grads /= n for log_loss's mean.
    In scikit-learn's order: (a_in.T @ delta + alpha * W) / n."""
    if l2:
        grads[..., :n_weights] -= l2 * params[..., :n_weights]
    if loss == "log_loss":
        grads /= n


class SGD:
    """Plain steps params += lr * g, or with momentum scikit-learn's classical momentum
    (nesterovs_momentum=False): v = momentum * v + lr * g; params += v (g is -gradient).
    `folded`: the training loop has multiplied g by lr already (the notebook's arithmetic)."""

    def __init__(self, params: np.ndarray, lr: float, momentum: float, folded: bool = False) -> None:
        self.lr = np.array(float(lr))
        self.momentum = np.array(float(momentum))
        self.velocity = np.zeros_like(params) if momentum else None
        self.folded = folded

    def update(self, params: np.ndarray, grads: np.ndarray) -> None:
        if self.folded:
            params += grads
        elif self.velocity is None:
            params += self.lr * grads
        else:
            self.velocity *= self.momentum
            self.velocity += self.lr * grads
            params += self.velocity


class Adam:
    """scikit-learn's AdamOptimizer, its state (moments and step count) its own:
    m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;
    params += lr sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon).
    In place, into buffers made once: the same operations in scikit-learn's order, bit for bit,
    at half the calls' cost."""

    def __init__(self, params: np.ndarray, lr: float, beta1: float, beta2: float, epsilon: float) -> None:
        self.lr, self.beta1, self.beta2 = float(lr), float(beta1), float(beta2)
        self.decay1, self.decay2 = np.array(self.beta1), np.array(self.beta2)
        self.rate1, self.rate2 = np.array(1 - self.beta1), np.array(1 - self.beta2)
        self.epsilon = np.array(float(epsilon))
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)
        self.scratch = np.zeros_like(params)
        self.step = np.zeros_like(params)
        self.t = 0

    def update(self, params: np.ndarray, grads: np.ndarray) -> None:
        self.t += 1
        m, v, scratch, step = self.m, self.v, self.scratch, self.step
        m *= self.decay1
        np.multiply(self.rate1, grads, out=scratch)
        m += scratch
        v *= self.decay2
        np.multiply(grads, grads, out=scratch)
        scratch *= self.rate2
        v += scratch
        lr = np.array(self.lr * math.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t))
        np.sqrt(v, out=scratch)
        scratch += self.epsilon
        np.multiply(lr, m, out=step)
        step /= scratch
        params += step


def fit(network: Network, X: np.ndarray, Y: np.ndarray, iterations: int, lr: float, log_every: int,
        loss: str = "squared_error", batch_size: int | None = None, shuffle: bool = False,
        optimizer: str = "sgd", momentum: float = 0.0, l2: float = 0.0, beta1: float = 0.9,
        beta2: float = 0.999, epsilon: float = 1e-8, threshold: float = 0.5,
        X_test: np.ndarray | None = None, Y_test: np.ndarray | None = None) -> History:
    """Train `network.params_` in place for `iterations` epochs; the defaults are the notebook's.

    X: (n_samples, n_inputs), Y: (n_samples, 1) -> History. The keyword arguments are the keys
    of `train:` in conf/config.yaml (threshold: the top-level key, for the logged accuracy).
    X_test: (n_test, n_inputs), Y_test: (n_test, 1): a held-out set, measured at every logged
    epoch with the weights the training set is measured with; it never takes part in a step.
    batch_size None is the whole set; else consecutive slices of the rows, the last shorter.
    shuffle draws a new order of the rows every epoch, for each replica from a generator of its
    own (spawned from default_rng(seed), so it leaves the initial weights' stream alone).
    Replicas are independent: replica i ends bit for bit as a plain run of its seed, and one
    that blows up (non-finite weights) harms no other.
    """
    n_replicas, n_samples = network.n_replicas, len(X)
    single = n_replicas == 1
    # One replica trains on 2-D views of its parameters (sharing memory with params_), which
    # lets every product be np.dot, the cheapest call NumPy has: see `matrix_product`.
    params = network.params_[0] if single else network.params_
    weights, biases = network.views(params)
    grads = np.zeros_like(params)
    grad_weights, grad_biases = network.views(grads)
    # Same shape as the output, so `Y - out` needs no broadcasting (twice as fast).
    targets = Y if single else np.ascontiguousarray(np.broadcast_to(Y, (n_replicas, *Y.shape)))
    activation = network.activation_function()
    batch = n_samples if batch_size is None else min(int(batch_size), n_samples)
    starts = range(0, n_samples, batch)
    folded = loss == "squared_error" and optimizer == "sgd" and not momentum and not l2
    step = np.array(float(lr))
    if optimizer == "adam":
        updater = Adam(params, lr, beta1, beta2, epsilon)
    else:
        updater = SGD(params, lr, momentum, folded=folded)
    generators = [np.random.default_rng(seed).spawn(1)[0] for seed in network.seeds_] if shuffle else []
    # Without shuffling every epoch sees the same batches: cut them, and transpose, once.
    fixed = [] if shuffle else [(X[s:s + batch], np.ascontiguousarray(X[s:s + batch].T), targets[..., s:s + batch, :])
                                 for s in starts]

    notebook = folded and not biases and network.activation == "sigmoid" and len(fixed) == 1
    product, last_layer, XT = matrix_product(weights), len(weights) - 1, fixed[0][1] if fixed else None

    points = logged_iterations(iterations, log_every)
    tested = X_test is not None and len(X_test) > 0
    test_targets = None if not tested else Y_test if single else \
        np.ascontiguousarray(np.broadcast_to(Y_test, (n_replicas, *Y_test.shape)))
    # error, loss, accuracy over the training set; then over the test set
    logs = np.empty((6 if tested else 3, n_replicas, len(points)))
    n_logged = 0
    start = time.perf_counter()
    # A diverging replica overflows to inf and then nan; that is recorded, not warned about.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(iterations):
            if notebook:
                # The notebook's loop body, verbatim: most runs are this step, and at 4 samples its
                # cost is Python's calls, so it spends none on options it does not have.
                activations = [X]  # forward(weights, X), inlined: a call is 2% of a perceptron's step
                for W in weights:
                    activations.append(ONE / (ONE + np.exp(-product(activations[-1], W))))
                out = activations[-1]
                error = targets - out
                if epoch % log_every == 0:  # measured from this very pass: no second one
                    _record(logs[:3, :, n_logged], error, error * error * 0.5, out, targets, threshold)
                    if tested:
                        _measure(network, params, weights, biases, X_test, test_targets, loss, 0.0, threshold,
                                 logs[3:, :, n_logged])
                    n_logged += 1
                delta = error * sigmoid_slope(out)
                delta *= step
                for layer in range(last_layer, 0, -1):
                    W = weights[layer]
                    a_in = activations[layer]
                    # Propagate through W before it changes: the notebook's order.
                    back = product(delta, W.mT) * sigmoid_slope(a_in)
                    W += product(a_in.mT, delta)
                    delta = back
                weights[0] += product(XT, delta)
                continue
            if epoch % log_every == 0:
                _measure(network, params, weights, biases, X, targets, loss, l2, threshold, logs[:3, :, n_logged], len(starts))
                if tested:
                    _measure(network, params, weights, biases, X_test, test_targets, loss, 0.0, threshold,
                             logs[3:, :, n_logged])
                n_logged += 1
            for inputs, inputs_T, batch_targets in fixed or _shuffled(generators, X, targets, starts, batch):
                activations = forward(weights, inputs, biases, activation)
                delta = descent(loss, batch_targets, activations[-1])
                if folded:
                    delta *= step
                _backward(network, weights, activations, delta, inputs_T, grad_weights, grad_biases)
                if not folded:
                    _penalise_and_average(grads, params, network.n_weights_, loss, l2, inputs.shape[-2])
                updater.update(params, grads)
        _measure(network, params, weights, biases, X, targets, loss, l2, threshold, logs[:3, :, n_logged], len(starts))
        if tested:
            _measure(network, params, weights, biases, X_test, test_targets, loss, 0.0, threshold, logs[3:, :, n_logged])
    seconds = time.perf_counter() - start
    test = dict(test_error=logs[3], test_loss=logs[4], test_accuracy=logs[5]) if tested else {}
    return History(iterations=points, error=logs[0], loss=logs[1], accuracy=logs[2], seconds=seconds, **test)


def _shuffled(generators: list[np.random.Generator], X: np.ndarray, targets: np.ndarray, starts: range,
              batch: int):
    """This epoch's batches, each replica's rows in an order of its own:
    [(inputs (n_replicas, b, n_inputs), inputs transposed, targets (n_replicas, b, 1))]; with one
    replica 2-D, (b, n_inputs)."""
    order = np.stack([generator.permutation(len(X)) for generator in generators])
    if len(generators) == 1:
        order = order[0]
        rows, row_targets = X[order], targets[order]
    else:
        rows, row_targets = X[order], np.take_along_axis(targets, order[:, :, None], axis=1)
    return [(rows[..., s:s + batch, :], rows[..., s:s + batch, :].mT, row_targets[..., s:s + batch, :])
            for s in starts]


def _measure(network: Network, params: np.ndarray, weights: list[np.ndarray], biases: list[np.ndarray],
             X: np.ndarray, targets: np.ndarray, loss: str, l2: float, threshold: float, into: np.ndarray,
             n_batches: int = 1) -> None:
    """Write into `into` (3, n_replicas) the error, loss and accuracy over the whole training set."""
    n_replicas = network.n_replicas
    out = forward(weights, X, biases, network.activation_function())[-1]
    value = _loss(params.reshape(n_replicas, -1)[:, :network.n_weights_], targets, out, loss, l2, n_batches)
    _record(into, targets - out, None, out, targets, threshold)
    into[1] = value


def _record(into: np.ndarray, error: np.ndarray, loss: np.ndarray | None, out: np.ndarray, targets: np.ndarray,
            threshold: float) -> None:
    """into (3, n_replicas) = mean |error|, the sum of `loss` (per sample; None: set by the
    caller), and the accuracy. error = targets - out: (n_replicas, n, 1) or (n, 1).
    np.add.reduce(...) / n is np.mean's own arithmetic, without its Python wrapper, which costs
    more than the sum on arrays this small."""
    n_replicas = len(into[0])
    n = out.size // n_replicas
    into[0] = np.add.reduce(np.abs(error).reshape(n_replicas, -1), axis=1) / n
    if loss is not None:
        into[1] = np.add.reduce(loss.reshape(n_replicas, -1), axis=1)
    into[2] = np.add.reduce(answered_right(out, targets, threshold).reshape(n_replicas, -1), axis=1) / n
