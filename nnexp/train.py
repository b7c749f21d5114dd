"""Training: full-batch gradient descent with the notebook's arithmetic, for every model.

One iteration is the notebook's loop body, for any number of layers and replicas:

    out   = forward pass                       (n_replicas, n_samples, 1)
    error = Y - out
    delta = error * out * (1 - out)            output layer
    delta = (delta @ W.T) * a * (1 - a)        each hidden layer, back to front
    W    += lr * a_in.T @ delta                summed over samples: lr=1 is the notebook

This is a step down the gradient of E = 1/2 * sum((Y - out)**2) (tests check it against
finite differences).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from nnexp.network import Network, forward, matrix_product, sigmoid_slope


@dataclass(frozen=True)
class History:
    """The training error as it went, kept every `log_every` iterations and at the last.

    iterations: (n_points,) number of updates made when the error was measured: 0, k, 2k, ..., T
    error:      (n_replicas, n_points) mean |Y - out| over the training samples
    seconds:    wall time of the whole training, all replicas together
    """

    iterations: np.ndarray
    error: np.ndarray
    seconds: float


def logged_iterations(iterations: int, log_every: int) -> np.ndarray:
    """The iteration numbers the history keeps: every log_every-th from 0, and always the last."""
    return np.append(np.arange(0, iterations, log_every), iterations)


def fit(network: Network, X: np.ndarray, Y: np.ndarray, iterations: int, lr: float, log_every: int) -> History:
    """Train `network.weights_` in place for `iterations` full-batch updates.

    X: (n_samples, n_inputs), Y: (n_samples, n_outputs) -> History.
    Replicas are independent: a replica that blows up (non-finite weights) harms no other.
    """
    n_replicas = network.n_replicas
    if n_replicas == 1:
        # One replica trains on 2-D views of its weights (sharing memory with weights_), which
        # lets every product be np.dot, the cheapest call NumPy has: see `matrix_product`.
        weights = [W[0] for W in network.weights_]
        targets = Y
    else:
        weights = network.weights_
        # Same shape as the output, so `targets - out` needs no broadcasting (twice as fast).
        targets = np.ascontiguousarray(np.broadcast_to(Y, (n_replicas, *Y.shape)))
    product = matrix_product(weights)
    XT = np.ascontiguousarray(X.T)
    step = np.array(float(lr))
    points = logged_iterations(iterations, log_every)
    error_log = np.empty((n_replicas, len(points)))
    n_logged = 0
    last_layer = len(weights) - 1

    start = time.perf_counter()
    # A diverging replica overflows to inf and then nan; that is recorded, not warned about.
    with np.errstate(over="ignore", invalid="ignore"):
        for iteration in range(iterations):
            activations = forward(weights, X)
            out = activations[-1]
            error = targets - out
            if iteration % log_every == 0:
                error_log[:, n_logged] = np.abs(error).reshape(n_replicas, -1).mean(axis=1)
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
        error = targets - forward(weights, X)[-1]
        error_log[:, n_logged] = np.abs(error).reshape(n_replicas, -1).mean(axis=1)
    seconds = time.perf_counter() - start
    return History(iterations=points, error=error_log, seconds=seconds)
