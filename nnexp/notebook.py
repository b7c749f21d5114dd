"""The teaching notebook's training loops, verbatim: the reference nnexp is checked against
(tests/test_train.py, bit for bit) and timed against (benchmarks/bench_training.py).

Only what it takes to call them changed: the arrays and initial weights are arguments, where
the notebook used globals and `np.random.random` (or, in TwoLayerNNClassifier, default
arguments evaluated once and shared by every instance, a bug nnexp does not copy).
"""

import numpy as np


def sigmoid(x, deriv=False):
    if deriv == True:  # noqa: E712
        return x * (1 - x)
    return 1 / (1 + np.exp(-x))


def perceptron_loop(X, Y, W, iterations):
    """Cells 45 and 50. X: (n_samples, 3), Y: (n_samples, 1), W: (3, 1) -> trained W."""
    i = 0
    while i < iterations:
        i += 1
        output = sigmoid(np.dot(X, W))
        error = Y - output
        W = W + np.dot(X.T, error * sigmoid(output, True))
    return W


def two_layer_loop(X, Y, W0, W1, iterations):
    """TwoLayerNNClassifier.fit. W0: (3, 4), W1: (4, 1), trained in place -> last outputs."""
    for i in range(iterations):
        layer0 = X
        layer1 = sigmoid(np.dot(layer0, W0))
        layer2 = sigmoid(np.dot(layer1, W1))
        l2_error = Y - layer2
        l2_delta = l2_error * sigmoid(layer2, deriv=True)
        l1_error = l2_delta.dot(W1.T)
        l1_delta = l1_error * sigmoid(layer1, deriv=True)
        W1 += layer1.T.dot(l2_delta)
        W0 += layer0.T.dot(l1_delta)
    return layer2
