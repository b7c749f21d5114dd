"""Training against references: the notebook's own loops, and finite differences."""

import warnings

import numpy as np
import pytest

from nnexp.data import make_dataset
from nnexp.network import Network
from nnexp.notebook import perceptron_loop, two_layer_loop
from nnexp.results import results_table
from nnexp.training import fit, logged_iterations

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
LINEAR = np.array([[0, 0, 1, 1]], dtype=float).T
XOR = np.array([[0, 1, 1, 0]], dtype=float).T
PROBE = np.array([[1.0, 0.0, 0.0]])


def trained(hidden, Y, iterations, seeds=(0,), lr=1.0, log_every=100):
    network = Network(hidden=hidden).init_weights(3, seeds=list(seeds))
    history = fit(network, X, Y, iterations=iterations, lr=lr, log_every=log_every)
    return network, history


def test_perceptron_training_is_the_notebooks_bit_for_bit():
    network = Network(hidden=[]).init_weights(3, seeds=[3])
    expected = perceptron_loop(X, LINEAR, network.weights_[0][0].copy(), 2000)
    fit(network, X, LINEAR, iterations=2000, lr=1.0, log_every=100)
    assert np.array_equal(network.weights_[0][0], expected)


def test_two_layer_training_is_the_notebooks_bit_for_bit():
    network = Network(hidden=[4]).init_weights(3, seeds=[3])
    W0, W1 = (W[0].copy() for W in network.weights_)
    two_layer_loop(X, XOR, W0, W1, 2000)
    fit(network, X, XOR, iterations=2000, lr=1.0, log_every=100)
    assert np.array_equal(network.weights_[0][0], W0)
    assert np.array_equal(network.weights_[1][0], W1)


def test_perceptron_learns_linear_in_10000_iterations():
    network, _ = trained([], LINEAR, 10_000)
    out = network.predict(X)[0, :, 0]
    assert (out[:2] < 0.02).all() and (out[2:] > 0.98).all()


def test_perceptron_cannot_learn_xor_and_answers_one_half():
    network, history = trained([], XOR, 100_000, seeds=range(3))
    probe = network.predict(PROBE)[:, 0, 0]
    np.testing.assert_allclose(probe, 0.5, atol=1e-6)
    np.testing.assert_allclose(network.predict(X), 0.5, atol=1e-6)
    np.testing.assert_allclose(history.error[:, -1], 0.5, atol=1e-6)


def test_two_layer_fits_xor():
    network, history = trained([4], XOR, 100_000)
    labels = (network.predict(X)[0, :, 0] > 0.5).astype(int)
    assert labels.tolist() == [0, 1, 1, 0]
    assert history.error[0, -1] < 0.01


def test_update_is_minus_the_gradient_of_half_the_squared_error():
    """One step with lr=1 moves each weight by -dE/dW, E = 1/2 sum (Y - out)^2: check by
    central finite differences on a network with two hidden layers."""
    Y = XOR
    network = Network(hidden=[3, 2]).init_weights(3, seeds=[11])
    start = [W.copy() for W in network.weights_]
    fit(network, X, Y, iterations=1, lr=1.0, log_every=1)
    step = [W - W0 for W, W0 in zip(network.weights_, start)]

    def loss(weights):
        probe = Network(hidden=[3, 2]).init_weights(3, seeds=[0])
        probe.weights_ = weights
        return 0.5 * np.sum((Y - probe.predict(X)[0]) ** 2)

    h = 1e-6
    for layer, W0 in enumerate(start):
        for index in np.ndindex(W0.shape):
            plus = [W.copy() for W in start]
            minus = [W.copy() for W in start]
            plus[layer][index] += h
            minus[layer][index] -= h
            gradient = (loss(plus) - loss(minus)) / (2 * h)
            assert step[layer][index] == pytest.approx(-gradient, rel=1e-5, abs=1e-9)


def test_lr_scales_the_step():
    a, _ = trained([4], XOR, 1, lr=1.0)
    b, _ = trained([4], XOR, 1, lr=0.25)
    start = Network(hidden=[4]).init_weights(3, seeds=[0]).weights_
    for Wa, Wb, W0 in zip(a.weights_, b.weights_, start):
        np.testing.assert_allclose(Wb - W0, 0.25 * (Wa - W0), rtol=1e-12, atol=1e-15)


def test_same_seed_trains_to_identical_numbers():
    a, history_a = trained([4], XOR, 3000, seeds=[5])
    b, history_b = trained([4], XOR, 3000, seeds=[5])
    assert all(np.array_equal(Wa, Wb) for Wa, Wb in zip(a.weights_, b.weights_))
    assert np.array_equal(history_a.error, history_b.error)


def test_networks_built_with_the_same_seed_share_nothing():
    """The notebook's __init__ defaults are arrays made once and trained in place by every
    instance; here, training one network leaves its twin untouched."""
    first = Network(hidden=[4]).init_weights(3, seeds=[0])
    twin = Network(hidden=[4]).init_weights(3, seeds=[0])
    fit(first, X, XOR, iterations=100, lr=1.0, log_every=10)
    fresh = Network(hidden=[4]).init_weights(3, seeds=[0])
    assert all(np.array_equal(Wt, Wf) for Wt, Wf in zip(twin.weights_, fresh.weights_))
    assert not np.array_equal(first.weights_[0], twin.weights_[0])


@pytest.mark.parametrize(
    "iterations, log_every, expected",
    [(250, 100, [0, 100, 200, 250]), (200, 100, [0, 100, 200]), (3, 1, [0, 1, 2, 3]), (5, 10, [0, 5])],
)
def test_history_keeps_every_kth_iteration_and_the_first_and_last(iterations, log_every, expected):
    assert logged_iterations(iterations, log_every).tolist() == expected
    network, history = trained([4], XOR, iterations, log_every=log_every)
    assert history.iterations.tolist() == expected
    assert history.error.shape == (1, len(expected))
    final_error = np.abs(XOR - network.predict(X)[0]).mean()
    assert history.error[0, -1] == pytest.approx(final_error, rel=1e-12)


def test_a_diverged_replica_is_recorded_and_harms_no_other():
    network = Network(hidden=[4]).init_weights(3, seeds=[0, 1])
    network.weights_[0][1, 0, 0] = np.inf  # replica 1 starts broken
    clean, _ = trained([4], XOR, 500, seeds=[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = fit(network, X, XOR, iterations=500, lr=1.0, log_every=100)
    assert np.allclose(network.weights_[0][0], clean.weights_[0][0], rtol=0, atol=1e-12)
    dataset = make_dataset("xor", X.tolist(), XOR[:, 0].tolist(), [[1, 0, 0]])
    outputs = network.predict(X)
    table = results_table({"model": "two_layer", "data": "xor"}, network, dataset, history, outputs, 0.5)
    assert table["status"].tolist() == ["ok", "diverged"]
    assert table.loc[1, ["final_error", "final_mse", "train_accuracy"]].isna().all()
    assert table.loc[0, ["final_error", "final_mse", "train_accuracy"]].notna().all()


@pytest.mark.parametrize("hidden", [[], [4], [3, 2]], ids=["perceptron", "two_layer", "mlp"])
def test_replica_i_trains_exactly_as_a_plain_run_with_seed_s_plus_i(hidden):
    """`seed=5 replicas=4` against four plain runs, seeds 5 to 8: the batched pass (np.matmul on
    stacks) and the single path (np.dot on 2-D views) give the same numbers, bit for bit."""
    stack, stack_history = trained(hidden, XOR, 3000, seeds=range(5, 9))
    stack_probe = stack.predict(PROBE)
    for i, seed in enumerate(range(5, 9)):
        single, history = trained(hidden, XOR, 3000, seeds=[seed])
        for W_stack, W_single in zip(stack.weights_, single.weights_):
            assert np.array_equal(W_stack[i], W_single[0])
        assert np.array_equal(stack_history.error[i], history.error[0])
        assert np.array_equal(stack_probe[i], single.predict(PROBE)[0])
