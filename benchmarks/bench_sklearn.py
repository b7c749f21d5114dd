"""Benchmark: the same training in nnexp and in scikit-learn's MLPClassifier, in one run.

    python benchmarks/bench_sklearn.py [--epochs 300] [--seeds 20] [--repeats 3] [--log-every 100]
                                       [--quick]

The work: a tanh [8] net with biases and a sigmoid output, log_loss, Glorot initial weights, on
200 points of 2-D data (two interleaved half-moons drawn from numpy default_rng(0)), batches of
10 rows in a fixed order (shuffle=False in both), `--epochs` epochs (300; 30 with --quick),
no l2, a constant learning rate, for three optimiser setups:

    sgd       plain,          lr 0.1
    momentum  sgd, momentum 0.9 (classical: nesterovs_momentum=False), lr 0.1
    adam      lr 0.01, beta1 0.9, beta2 0.999, epsilon 1e-8

scikit-learn is held to every epoch with tol=0 and n_iter_no_change=10**9 (its
ConvergenceWarning at the end is silenced). nnexp logs error, loss and accuracy over the whole
training set every `--log-every` epochs, 100 by default as in conf/config.yaml: each log is one
more forward pass over all the rows, which scikit-learn does not make (its loss_curve_ averages
the batches' losses, computed in training). `--log-every 1` logs every epoch, at that cost.

First it checks that the work is the same: for each setup, scikit-learn trains from nnexp's
initial weights for seed 0 (handed over through warm_start), and the two sets of final weights
must agree to 1e-10.

Then it times, all in this process and best of `--repeats`, interleaved so that drifts in
machine speed hit both alike:

 (a) one network: `MLPClassifier(...).fit(X, y)` (its own initialisation included) against
     nnexp's `Network(...).init_weights(2, seeds=[0])` + `fit(...)`, wall time around both
     calls (History.seconds, the training loop alone, is printed alongside). Target: sklearn
     / nnexp >= 3.
 (b) `--seeds` networks: that many MLPClassifier fits, one after another, against one nnexp
     run of all the seeds together (`init_weights(2, seeds=range(N))`, replicas=N), timed
     the same way. Target: >= 30 with 20 seeds.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import LabelBinarizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnexp.network import Network  # noqa: E402
from nnexp.training import fit  # noqa: E402

HIDDEN, ACTIVATION, BATCH = [8], "tanh", 10
LOG_EVERY = 100  # conf/config.yaml's train.log_every
# name: (solver, learning rate, momentum)
SETUPS = {"sgd": ("sgd", 0.1, 0.0), "momentum": ("sgd", 0.1, 0.9), "adam": ("adam", 0.01, 0.0)}
TOLERANCE = 1e-10


def moons(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half-moons, alternating labels, from default_rng(0): X (n, 2), y (n,) of 0/1."""
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    t = rng.uniform(0.0, np.pi, n)
    X = np.column_stack([np.cos(t) + y, np.sin(t) * (1 - 2 * y) - 0.5 * y]) + rng.normal(0.0, 0.1, (n, 2))
    return X, y


def classifier(setup: str, epochs: int, seed: int, warm_start: bool = False) -> MLPClassifier:
    solver, lr, momentum = SETUPS[setup]
    return MLPClassifier(
        hidden_layer_sizes=HIDDEN, activation=ACTIVATION, solver=solver, alpha=0.0, batch_size=BATCH,
        learning_rate="constant", learning_rate_init=lr, max_iter=epochs, shuffle=False, tol=0.0,
        n_iter_no_change=10**9, momentum=momentum, nesterovs_momentum=False, beta_1=0.9, beta_2=0.999,
        epsilon=1e-8, random_state=seed, warm_start=warm_start,
    )


def sklearn_fit(clf: MLPClassifier, X: np.ndarray, y: np.ndarray) -> MLPClassifier:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, y)


def network(seeds) -> Network:
    return Network(HIDDEN, ACTIVATION, bias=True, init="glorot").init_weights(2, seeds=list(seeds))


def nnexp_fit(net: Network, X: np.ndarray, Y: np.ndarray, setup: str, epochs: int, log_every: int):
    solver, lr, momentum = SETUPS[setup]
    return fit(net, X, Y, epochs, lr=lr, log_every=log_every, loss="log_loss", batch_size=BATCH,
               shuffle=False, optimizer=solver, momentum=momentum, l2=0.0, beta1=0.9, beta2=0.999,
               epsilon=1e-8)


def same_work(setup: str, X: np.ndarray, y: np.ndarray, epochs: int, log_every: int) -> float:
    """Largest |difference| between nnexp's final weights and biases and scikit-learn's, both
    started from nnexp's initial weights for seed 0 (scikit-learn through warm_start: the
    attributes its own initialisation would set are set by hand)."""
    net = network([0])
    weights, biases = net.views(net.params_initial_[0])
    clf = classifier(setup, epochs, seed=0, warm_start=True)
    clf.coefs_ = [W.copy() for W in weights]
    clf.intercepts_ = [b[0].copy() for b in biases]
    clf.n_outputs_, clf.n_layers_, clf.out_activation_ = 1, len(weights) + 1, "logistic"
    clf._label_binarizer = LabelBinarizer().fit(y)
    clf.classes_ = clf._label_binarizer.classes_
    clf.n_features_in_ = X.shape[1]
    clf.n_iter_, clf.t_, clf.loss_curve_, clf._no_improvement_count = 0, 0, [], 0
    clf.best_loss_, clf.validation_scores_, clf.best_validation_score_ = np.inf, None, None
    sklearn_fit(clf, X, y)
    if clf.n_iter_ != epochs:
        sys.exit(f"bench_sklearn: scikit-learn stopped after {clf.n_iter_} of {epochs} epochs")
    nnexp_fit(net, X, y[:, None].astype(float), setup, epochs, log_every)
    ours_w, ours_b = net.views(net.params_[0])
    return max(*(np.abs(a - b).max() for a, b in zip(ours_w, clf.coefs_)),
               *(np.abs(a[0] - b).max() for a, b in zip(ours_b, clf.intercepts_)))


def time_sklearn(setup: str, X: np.ndarray, y: np.ndarray, epochs: int, seeds: range) -> float:
    """Wall seconds of len(seeds) MLPClassifier fits in a row, each with its own initialisation."""
    start = time.perf_counter()
    for seed in seeds:
        clf = sklearn_fit(classifier(setup, epochs, seed), X, y)
    seconds = time.perf_counter() - start
    if clf.n_iter_ != epochs:
        sys.exit(f"bench_sklearn: scikit-learn stopped after {clf.n_iter_} of {epochs} epochs")
    return seconds


def time_nnexp(setup: str, X: np.ndarray, Y: np.ndarray, epochs: int, seeds: range,
               log_every: int) -> tuple[float, float]:
    """(wall seconds of init_weights + fit, History.seconds) for all the seeds as one run."""
    start = time.perf_counter()
    history = nnexp_fit(network(seeds), X, Y, setup, epochs, log_every)
    return time.perf_counter() - start, history.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="300, or 30 with --quick")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=None, help="3, or 1 with --quick")
    parser.add_argument("--log-every", type=int, default=LOG_EVERY, help="nnexp's logging period, in epochs")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 30 epochs, 1 repeat (unless given)")
    args = parser.parse_args()
    epochs = args.epochs or (30 if args.quick else 300)
    repeats = args.repeats or (1 if args.quick else 3)
    X, y = moons()
    Y = y[:, None].astype(float)

    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}; tanh {HIDDEN} with biases, "
          f"log_loss, {len(X)} points, batch {BATCH}, {epochs} epochs, no shuffling; nnexp logs every "
          f"{args.log_every} epochs; best of {repeats}")
    print(f"\nsame work: final weights, nnexp vs scikit-learn from the same initial weights (seed 0), "
          f"tolerance {TOLERANCE:g}")
    agree = True
    for setup in SETUPS:
        gap = same_work(setup, X, y, epochs, args.log_every)
        agree &= gap <= TOLERANCE
        print(f"   {setup:9s} max |difference| {gap:.2e}  {'ok' if gap <= TOLERANCE else 'DIFFERENT'}")

    print("\nnnexp s: wall time of init_weights + fit; fit's own History.seconds in brackets. "
          "ratio: sklearn s / nnexp s")
    print(f"{'setup':9s} {'networks':>8s} {'sklearn s':>10s} {'nnexp s':>8s} {'(History)':>9s} "
          f"{'ratio':>7s} {'target':>7s}")
    passed = True
    for label, seeds, target in (("a", range(1), 3.0), ("b", range(args.seeds), 30.0)):
        for setup in SETUPS:
            theirs, ours, loop = [], [], []
            for _ in range(repeats):
                theirs.append(time_sklearn(setup, X, y, epochs, seeds))
                wall, seconds = time_nnexp(setup, X, Y, epochs, seeds, args.log_every)
                ours.append(wall)
                loop.append(seconds)
            ratio = min(theirs) / min(ours)
            passed &= ratio >= target
            print(f"{setup:9s} {len(seeds):8d} {min(theirs):10.3f} {min(ours):8.3f} {f'({min(loop):.3f})':>9s} "
                  f"{ratio:6.2f}x {target:6.0f}x  {'PASS' if ratio >= target else 'FAIL'}")
    print(f"\nsame work: {'ok' if agree else 'NOT the same'}; speed targets: {'all PASS' if passed else 'some FAIL'}")


if __name__ == "__main__":
    main()
