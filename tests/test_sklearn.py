"""Training against references: scikit-learn's MLPClassifier, finite differences, and itself.

Every option of `fit` outside the notebook's defaults (log_loss, biases, Glorot init, mini-batches,
momentum, adam, l2) is scikit-learn's arithmetic: started from nnexp's initial weights with
warm_start, MLPClassifier must end on the same weights to 1e-10. scikit-learn is a test-only
dependency: without it this module is skipped.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import LabelBinarizer

from nnexp.network import Network
from nnexp.training import fit, gradient, loss_value

SKLEARN_ACTIVATION = {"sigmoid": "logistic", "tanh": "tanh", "relu": "relu", "identity": "identity"}
ACTIVATIONS = list(SKLEARN_ACTIVATION)

# Optimiser setups: (solver, momentum, lr). Momentum is classical (nesterovs_momentum=False).
OPTIMIZERS = {
    "sgd": ("sgd", 0.0, 0.1),
    "momentum": ("sgd", 0.9, 0.1),
    "adam": ("adam", 0.0, 0.01),
}
FULL_EPOCHS = 100
MINI_EPOCHS = 40
MINI_BATCH = 7  # 32 rows: four batches of 7 and a last one of 4

_rng = np.random.default_rng(0)
DATA_X = _rng.normal(size=(32, 2))
DATA_y = (DATA_X[:, 0] * DATA_X[:, 1] > 0).astype(int)
DATA_Y = DATA_y[:, None].astype(float)


def sklearn_fit(network: Network, X: np.ndarray, y: np.ndarray, epochs: int, lr: float,
                batch_size: int | None, solver: str, momentum: float, l2: float) -> MLPClassifier:
    """MLPClassifier trained for `epochs` from replica 0's initial weights of `network`, without
    shuffling, early stopping or learning-rate schedule: warm_start keeps the weights set here."""
    weights, biases = network.views(network.params_initial_[0])
    clf = MLPClassifier(
        hidden_layer_sizes=network.hidden, activation=SKLEARN_ACTIVATION[network.activation],
        solver=solver, alpha=l2, batch_size=len(X) if batch_size is None else batch_size,
        learning_rate="constant", learning_rate_init=lr, max_iter=epochs, shuffle=False, tol=0.0,
        n_iter_no_change=10**9, momentum=momentum, nesterovs_momentum=False, beta_1=0.9,
        beta_2=0.999, epsilon=1e-8, warm_start=True,
    )
    # The fitted state MLPClassifier checks before it continues a warm start.
    clf.coefs_ = [W.copy() for W in weights]
    clf.intercepts_ = [b[0].copy() for b in biases]
    clf.n_outputs_ = 1
    clf.n_layers_ = len(weights) + 1
    clf.out_activation_ = "logistic"
    clf._label_binarizer = LabelBinarizer().fit(y)
    clf.classes_ = clf._label_binarizer.classes_
    clf.n_iter_ = 0
    clf.t_ = 0
    clf.loss_curve_ = []
    clf._no_improvement_count = 0
    clf.best_loss_ = np.inf
    clf.validation_scores_ = None
    clf.best_validation_score_ = None
    clf.n_features_in_ = X.shape[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning; batch_size clipped
        clf.fit(X, y)
    assert clf.n_iter_ == epochs and len(clf.loss_curve_) == epochs
    return clf


def assert_matches_sklearn(hidden, activation, init, optimizer, batch_size, l2, epochs,
                           check_loss_curve):
    solver, momentum, lr = OPTIMIZERS[optimizer]
    network = Network(hidden, activation, bias=True, init=init).init_weights(2, seeds=[1])
    history = fit(network, DATA_X, DATA_Y, iterations=epochs, lr=lr, log_every=1, loss="log_loss",
                  batch_size=batch_size, optimizer=solver, momentum=momentum, l2=l2)
    clf = sklearn_fit(network, DATA_X, DATA_y, epochs, lr, batch_size, solver, momentum, l2)

    assert np.all(np.isfinite(network.params_))
    # The training moved the weights far more than the tolerance: the comparison means something.
    assert np.abs(network.params_ - network.params_initial_).max() > 1e-2
    weights, biases = network.views(network.params_[0])
    assert len(weights) == len(clf.coefs_) and len(biases) == len(clf.intercepts_)
    for ours, theirs in zip(weights, clf.coefs_):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)
    for ours, theirs in zip(biases, clf.intercepts_):
        np.testing.assert_allclose(ours[0], theirs, rtol=0, atol=1e-10)
    if check_loss_curve:
        np.testing.assert_allclose(history.loss[0, :-1], clf.loss_curve_, rtol=0, atol=1e-10)
    return network, history, clf


@pytest.mark.parametrize("l2", [0.0, 0.01])
@pytest.mark.parametrize("batch_size", [None, MINI_BATCH], ids=["full", "mini7"])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_log_loss_training_matches_sklearn_mlpclassifier(activation, optimizer, batch_size, l2):
    full = batch_size is None
    assert_matches_sklearn([5, 3], activation, "glorot", optimizer, batch_size, l2,
                           FULL_EPOCHS if full else MINI_EPOCHS, check_loss_curve=full)


@pytest.mark.parametrize("batch_size", [None, MINI_BATCH], ids=["full", "mini7"])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("hidden, activation, init", [
    ([5, 3], "sigmoid", "uniform"),
    ([5, 3], "relu", "uniform"),
    ([4], "tanh", "glorot"),
    ([4], "sigmoid", "uniform"),
    ([], "sigmoid", "glorot"),
], ids=["uniform-sigmoid", "uniform-relu", "one-hidden-tanh", "one-hidden-uniform", "no-hidden"])
def test_other_inits_and_depths_match_sklearn_mlpclassifier(hidden, activation, init, optimizer,
                                                             batch_size):
    full = batch_size is None
    assert_matches_sklearn(hidden, activation, init, optimizer, batch_size, 0.01,
                           FULL_EPOCHS if full else MINI_EPOCHS, check_loss_curve=full)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_batch_larger_than_the_data_is_the_full_batch_and_sklearns(optimizer):
    solver, momentum, lr = OPTIMIZERS[optimizer]
    options = {"iterations": 60, "lr": lr, "log_every": 1, "loss": "log_loss", "optimizer": solver,
               "momentum": momentum, "l2": 0.01}
    full = Network([5, 3], "tanh", True, "glorot").init_weights(2, seeds=[1])
    full_history = fit(full, DATA_X, DATA_Y, batch_size=None, **options)
    huge = Network([5, 3], "tanh", True, "glorot").init_weights(2, seeds=[1])
    huge_history = fit(huge, DATA_X, DATA_Y, batch_size=10 * len(DATA_X), **options)
    assert np.array_equal(huge.params_, full.params_)
    assert np.array_equal(huge_history.loss, full_history.loss)
    assert np.array_equal(huge_history.error, full_history.error)

    clf = sklearn_fit(huge, DATA_X, DATA_y, 60, lr, 10 * len(DATA_X), solver, momentum, 0.01)
    weights, biases = huge.views(huge.params_[0])
    for ours, theirs in zip(weights, clf.coefs_):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)
    for ours, theirs in zip(biases, clf.intercepts_):
        np.testing.assert_allclose(ours[0], theirs, rtol=0, atol=1e-10)
    np.testing.assert_allclose(huge_history.loss[0, :-1], clf.loss_curve_, rtol=0, atol=1e-10)


# Finite differences -------------------------------------------------------------------------

FD_STEP = 1e-6


def central_differences(network: Network, X, Y, loss, l2) -> np.ndarray:
    """d loss_value / d params by central differences, every parameter of every replica at once
    (replicas are independent, so moving parameter j of all of them moves each loss by its own)."""
    numeric = np.empty_like(network.params_)
    for j in range(network.params_.shape[1]):
        saved = network.params_[:, j].copy()
        network.params_[:, j] = saved + FD_STEP
        up = loss_value(network, X, Y, loss, l2)
        network.params_[:, j] = saved - FD_STEP
        down = loss_value(network, X, Y, loss, l2)
        network.params_[:, j] = saved
        numeric[:, j] = (up - down) / (2 * FD_STEP)
    return numeric


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("l2", [0.0, 0.1])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("loss", ["squared_error", "log_loss"])
def test_gradient_equals_central_differences_of_the_loss(loss, bias, l2, activation):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(9, 3))
    Y = (rng.random((9, 1)) > 0.5).astype(float)
    network = Network([4, 3], activation, bias, "glorot").init_weights(3, seeds=[2, 7, 12])
    # Move the parameters off the initial draw (and the biases off a pattern), deterministically.
    network.params_ += 0.3 * rng.normal(size=network.params_.shape)
    if activation == "relu":
        # Away from the kinks: no hidden pre-activation within far more than the step of 0.
        hidden = network.pre_activations(X)[:-1]
        assert min(np.abs(z).min() for z in hidden) > 1e-4
        assert any((z > 0).any() and (z < 0).any() for z in hidden)  # both sides of the kink
    before = network.params_.copy()

    analytic = gradient(network, X, Y, loss, l2)
    assert np.array_equal(network.params_, before)  # gradient leaves the parameters alone
    assert analytic.shape == network.params_.shape
    numeric = central_differences(network, X, Y, loss, l2)
    assert np.abs(numeric).max() > 1e-2  # not a vacuous comparison
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_gradient_of_replica_i_is_the_gradient_of_seed_i_alone():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(9, 3))
    Y = (rng.random((9, 1)) > 0.5).astype(float)
    seeds = [4, 5, 6]
    stack = Network([4, 3], "tanh", True, "glorot").init_weights(3, seeds=seeds)
    together = gradient(stack, X, Y, "log_loss", 0.1)
    for i, seed in enumerate(seeds):
        one = Network([4, 3], "tanh", True, "glorot").init_weights(3, seeds=[seed])
        np.testing.assert_allclose(gradient(one, X, Y, "log_loss", 0.1)[0], together[i],
                                   rtol=1e-13, atol=1e-15)


# Replicas -----------------------------------------------------------------------------------

REPLICA_CASES = [
    # hidden, activation, bias, init, loss, batch_size, shuffle, optimizer, momentum, l2
    ([4], "sigmoid", False, "uniform", "squared_error", None, False, "sgd", 0.0, 0.0),
    ([], "sigmoid", False, "uniform", "squared_error", 5, True, "sgd", 0.0, 0.0),
    ([4], "sigmoid", True, "glorot", "log_loss", None, False, "sgd", 0.0, 0.0),
    ([3, 5], "tanh", True, "glorot", "log_loss", 5, True, "adam", 0.0, 0.01),
    ([3, 5], "relu", True, "glorot", "log_loss", 5, False, "sgd", 0.9, 0.01),
    ([4], "relu", False, "uniform", "squared_error", 5, True, "sgd", 0.9, 0.0),
    ([4], "identity", True, "uniform", "squared_error", None, True, "adam", 0.0, 0.01),
    ([3, 5], "sigmoid", True, "uniform", "squared_error", 5, True, "sgd", 0.0, 0.01),
    ([4], "tanh", False, "glorot", "log_loss", None, False, "sgd", 0.9, 0.0),
    ([3, 5], "identity", False, "glorot", "log_loss", 5, True, "sgd", 0.9, 0.01),
    ([], "tanh", True, "glorot", "log_loss", 5, True, "adam", 0.0, 0.0),
]


@pytest.mark.parametrize("hidden, activation, bias, init, loss, batch_size, shuffle, optimizer, "
                         "momentum, l2", REPLICA_CASES)
def test_replica_i_ends_bit_for_bit_as_a_plain_run_of_seed_i(hidden, activation, bias, init, loss,
                                                             batch_size, shuffle, optimizer,
                                                             momentum, l2):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(23, 3))
    Y = (rng.random((23, 1)) > 0.5).astype(float)
    seeds = [4, 5, 6]
    options = {"iterations": 7, "lr": 0.3, "log_every": 2, "loss": loss, "batch_size": batch_size,
               "shuffle": shuffle, "optimizer": optimizer, "momentum": momentum, "l2": l2}
    stack = Network(hidden, activation, bias, init).init_weights(3, seeds=seeds)
    history = fit(stack, X, Y, **options)
    assert np.all(np.isfinite(stack.params_))
    assert not np.array_equal(stack.params_, stack.params_initial_)
    for i, seed in enumerate(seeds):
        one = Network(hidden, activation, bias, init).init_weights(3, seeds=[seed])
        alone = fit(one, X, Y, **options)
        assert np.array_equal(one.params_initial_[0], stack.params_initial_[i])
        assert np.array_equal(one.params_[0], stack.params_[i])
        assert np.array_equal(alone.iterations, history.iterations)
        assert np.array_equal(alone.loss[0], history.loss[i])
        assert np.array_equal(alone.error[0], history.error[i])
        assert np.array_equal(alone.accuracy[0], history.accuracy[i])


# Shuffling ----------------------------------------------------------------------------------

SHUFFLE_OPTIONS = {"iterations": 30, "lr": 0.1, "log_every": 5, "loss": "log_loss",
                   "batch_size": MINI_BATCH, "optimizer": "sgd", "momentum": 0.9, "l2": 0.01}


def shuffle_run(shuffle: bool, seeds=(1, 2), **changes):
    network = Network([5, 3], "tanh", True, "glorot").init_weights(2, seeds=list(seeds))
    history = fit(network, DATA_X, DATA_Y, shuffle=shuffle, **{**SHUFFLE_OPTIONS, **changes})
    return network, history


def test_shuffled_training_with_the_same_seed_is_repeatable():
    first, first_history = shuffle_run(True)
    second, second_history = shuffle_run(True)
    assert np.array_equal(first.params_, second.params_)
    assert np.array_equal(first_history.loss, second_history.loss)
    assert np.array_equal(first_history.error, second_history.error)


def test_shuffling_mini_batches_changes_the_final_weights_but_not_the_initial_ones():
    shuffled, _ = shuffle_run(True)
    ordered, _ = shuffle_run(False)
    fresh = Network([5, 3], "tanh", True, "glorot").init_weights(2, seeds=[1, 2])
    assert np.array_equal(shuffled.params_initial_, ordered.params_initial_)
    assert np.array_equal(shuffled.params_initial_, fresh.params_)
    assert np.abs(shuffled.params_ - ordered.params_).max() > 1e-3


def test_replicas_of_the_same_seed_shuffle_alike():
    # Each replica's order comes from its own seed, not from its place in the stack.
    network = Network([5, 3], "tanh", True, "glorot").init_weights(2, seeds=[1, 1])
    fit(network, DATA_X, DATA_Y, shuffle=True, **SHUFFLE_OPTIONS)
    assert np.array_equal(network.params_[0], network.params_[1])


def test_shuffling_a_full_batch_only_reorders_the_sum():
    # Rows and targets move together: a full batch in any order is the same step up to rounding.
    shuffled, shuffled_history = shuffle_run(True, batch_size=None)
    ordered, ordered_history = shuffle_run(False, batch_size=None)
    np.testing.assert_allclose(shuffled.params_, ordered.params_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(shuffled_history.loss, ordered_history.loss, rtol=0, atol=1e-10)


def test_one_shuffled_epoch_is_an_ordered_epoch_over_the_permuted_rows():
    # fit's documented order: each replica's rows permuted by a generator spawned from
    # default_rng(seed), so the initial weights' stream is left alone.
    seed = 3
    order = np.random.default_rng(seed).spawn(1)[0].permutation(len(DATA_X))
    options = {**SHUFFLE_OPTIONS, "iterations": 1}
    shuffled = Network([5, 3], "tanh", True, "glorot").init_weights(2, seeds=[seed])
    fit(shuffled, DATA_X, DATA_Y, shuffle=True, **options)
    permuted = Network([5, 3], "tanh", True, "glorot").init_weights(2, seeds=[seed])
    fit(permuted, DATA_X[order], DATA_Y[order], shuffle=False, **options)
    assert np.array_equal(shuffled.params_, permuted.params_)


# Initialisation -----------------------------------------------------------------------------

INIT_SEEDS = list(range(400))  # enough draws that every layer's extremes come within 3% of its bound


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("hidden", [[6], [5, 3]])
def test_glorot_weights_and_biases_lie_within_their_layers_bound(activation, hidden):
    network = Network(hidden, activation, bias=True, init="glorot").init_weights(4, seeds=INIT_SEEDS)
    k = 2.0 if activation == "sigmoid" else 6.0
    sizes = [4, *hidden, 1]
    weights, biases = network.views(network.params_initial_)
    assert len(weights) == len(biases) == len(sizes) - 1
    for layer, (W, b) in enumerate(zip(weights, biases)):
        fan_in, fan_out = sizes[layer], sizes[layer + 1]
        bound = np.sqrt(k / (fan_in + fan_out))
        assert W.shape == (len(INIT_SEEDS), fan_in, fan_out)
        assert b.shape == (len(INIT_SEEDS), 1, fan_out)
        for values in (W, b):
            assert np.all(np.abs(values) <= bound)
            # The bound is the one used, not merely an upper limit: draws come near it, on both sides.
            assert values.max() > 0.97 * bound and values.min() < -0.97 * bound


@pytest.mark.parametrize("hidden", [[], [6], [5, 3]])
def test_uniform_weights_and_biases_lie_within_minus_one_and_one(hidden):
    network = Network(hidden, "sigmoid", bias=True, init="uniform").init_weights(4, seeds=INIT_SEEDS)
    values = network.params_initial_
    assert np.all(values >= -1.0) and np.all(values < 1.0)
    assert values.max() > 0.99 and values.min() < -0.99


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("init", ["uniform", "glorot"])
def test_initial_parameters_are_every_weight_then_every_bias_drawn_from_the_seed(init, activation):
    # init_weights' documented order: default_rng(seed), each layer's weights, then each layer's
    # biases, U(-bound, bound) with bound 1 (uniform) or Glorot's sqrt(k / (fan_in + fan_out)).
    sizes = [3, 5, 4, 1]
    k = 2.0 if activation == "sigmoid" else 6.0
    network = Network(sizes[1:-1], activation, bias=True, init=init).init_weights(3, seeds=[8, 13])
    for replica, seed in enumerate([8, 13]):
        rng = np.random.default_rng(seed)
        shapes = list(itertools.pairwise(sizes))
        bounds = [1.0 if init == "uniform" else np.sqrt(k / (a + b)) for a, b in shapes]
        weights = [rng.uniform(-bound, bound, size=shape) for bound, shape in zip(bounds, shapes)]
        biases = [rng.uniform(-bound, bound, size=n_out) for bound, (_, n_out) in zip(bounds, shapes)]
        ours_weights, ours_biases = network.views(network.params_initial_[replica])
        for ours, expected in zip(ours_weights, weights):
            assert np.array_equal(ours, expected)
        for ours, expected in zip(ours_biases, biases):
            assert np.array_equal(ours[0], expected)


@pytest.mark.parametrize("init", ["uniform", "glorot"])
@pytest.mark.parametrize("hidden", [[], [4], [5, 3]])
def test_a_net_with_biases_starts_from_the_same_weights_as_without(hidden, init):
    with_bias = Network(hidden, "tanh", bias=True, init=init).init_weights(3, seeds=[0, 9])
    without = Network(hidden, "tanh", bias=False, init=init).init_weights(3, seeds=[0, 9])
    assert with_bias.n_weights_ == without.n_weights_ == without.params_.shape[1]
    assert with_bias.params_.shape[1] == without.n_weights_ + sum([*hidden, 1])
    assert without.biases_ == []
    for a, b in zip(with_bias.weights_, without.weights_):
        assert np.array_equal(a, b)
    assert not np.any(with_bias.params_[:, with_bias.n_weights_:] == 0)  # biases are drawn, not zero


# Defaults -----------------------------------------------------------------------------------

NOTEBOOK_X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
XOR = np.array([[0, 1, 1, 0]], dtype=float).T


@pytest.mark.parametrize("seeds", [[3], [3, 4, 5]], ids=["plain", "replicas"])
@pytest.mark.parametrize("hidden", [[], [4], [3, 2]])
def test_defaults_are_the_notebooks_options_spelled_out(hidden, seeds):
    default = Network(hidden).init_weights(3, seeds=seeds)
    spelled = Network(hidden=hidden, activation="sigmoid", bias=False, init="uniform").init_weights(
        3, seeds=seeds, n_outputs=1)
    assert np.array_equal(default.params_, spelled.params_)
    default_history = fit(default, NOTEBOOK_X, XOR, 500, 1.0, 50)
    spelled_history = fit(spelled, NOTEBOOK_X, XOR, iterations=500, lr=1.0, log_every=50,
                          loss="squared_error", batch_size=None, shuffle=False, optimizer="sgd",
                          momentum=0.0, l2=0.0, beta1=0.9, beta2=0.999, epsilon=1e-8, threshold=0.5)
    assert np.array_equal(default.params_, spelled.params_)
    assert not np.array_equal(default.params_, default.params_initial_)
    for field in ("iterations", "error", "loss", "accuracy"):
        assert np.array_equal(getattr(default_history, field), getattr(spelled_history, field))
