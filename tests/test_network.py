"""The network on its own: sigmoid, weight initialisation, forward pass."""

import warnings

import numpy as np
import pytest

from nnexp.network import Network, forward, sigmoid

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)


def test_sigmoid_is_the_notebooks_formula_bit_for_bit():
    z = np.linspace(-40, 40, 1001)
    assert np.array_equal(sigmoid(z), 1 / (1 + np.exp(-z)))


def test_network_outputs_are_exact_and_silent_for_huge_pre_activations():
    network = Network(hidden=[]).init_weights(3, seeds=[0])
    network.weights_[0][0] = [[1000.0], [-2000.0], [0.0]]  # pre-activations 0, -2000, 1000, -1000
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning fails the test
        out = network.predict(X)
    assert out[0, :, 0].tolist() == [0.5, 0.0, 1.0, 0.0]


def test_weights_have_the_notebooks_shapes_and_range():
    perceptron = Network(hidden=[]).init_weights(3, seeds=[0])
    two_layer = Network(hidden=[4]).init_weights(3, seeds=[0])
    assert [W.shape for W in perceptron.weights_] == [(1, 3, 1)]
    assert [W.shape for W in two_layer.weights_] == [(1, 3, 4), (1, 4, 1)]
    many = Network(hidden=[8, 8]).init_weights(3, seeds=range(50))
    values = np.concatenate([W.ravel() for W in many.weights_])
    assert values.min() >= -1.0 and values.max() < 1.0
    assert values.min() < -0.95 and values.max() > 0.95  # uses the whole range


def test_same_seed_gives_the_same_weights_and_different_seeds_differ():
    a = Network(hidden=[4]).init_weights(3, seeds=[7])
    b = Network(hidden=[4]).init_weights(3, seeds=[7])
    c = Network(hidden=[4]).init_weights(3, seeds=[8])
    assert all(np.array_equal(Wa, Wb) for Wa, Wb in zip(a.weights_, b.weights_))
    assert not np.array_equal(a.weights_[0], c.weights_[0])


def test_replica_i_starts_from_the_network_of_seed_i():
    stack = Network(hidden=[4, 3]).init_weights(3, seeds=[5, 6, 7])
    for i, seed in enumerate([5, 6, 7]):
        single = Network(hidden=[4, 3]).init_weights(3, seeds=[seed])
        assert all(np.array_equal(Ws[i], W1[0]) for Ws, W1 in zip(stack.weights_, single.weights_))


def test_forward_on_a_stack_equals_forward_on_each_replica():
    stack = Network(hidden=[4]).init_weights(3, seeds=[1, 2])
    stacked = forward(stack.weights_, X)[-1]
    for i in range(2):
        single = forward([W[i] for W in stack.weights_], X)[-1]
        np.testing.assert_allclose(stacked[i], single, rtol=0, atol=1e-15)


@pytest.mark.parametrize("hidden", [[], [4], [8, 8]])
def test_predict_returns_replicas_by_samples_by_outputs(hidden):
    network = Network(hidden=hidden).init_weights(3, seeds=[0, 1])
    out = network.predict(X)
    assert out.shape == (2, 4, 1)
    assert ((out > 0) & (out < 1)).all()
