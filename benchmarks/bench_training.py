"""Benchmark: nnexp's training against the notebook's own loop, in one process and one run.

    python benchmarks/bench_training.py [--iterations 100000] [--repeats 3]

For `two_layer` and `perceptron` on xor it times the notebook's loop (nnexp.notebook, verbatim)
and nnexp's `fit` (which also records the error history) from the same initial weights,
interleaved, and reports the best time of each and their ratio: nnexp / notebook
must be <= 1.0. It also times drawing and saving the error-curve plot of a default run
(matplotlib's import included) against that run's training.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnexp.network import Network  # noqa: E402
from nnexp.notebook import perceptron_loop, two_layer_loop  # noqa: E402
from nnexp.training import fit  # noqa: E402

# The notebook's arrays are ints, which NumPy converts to floats in every np.dot; the stricter
# baseline, the same loop on float arrays, is timed too.
X_INT = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
Y_INT = np.array([[0, 1, 1, 0]]).T


def time_notebook(hidden, iterations, dtype):
    weights = [W[0].copy() for W in Network(hidden=hidden).init_weights(3, seeds=[0]).weights_]
    X, Y = X_INT.astype(dtype), Y_INT.astype(dtype)
    start = time.perf_counter()
    if hidden:
        two_layer_loop(X, Y, *weights, iterations)
    else:
        perceptron_loop(X, Y, *weights, iterations)
    return time.perf_counter() - start


def time_nnexp(hidden, iterations):
    network = Network(hidden=hidden).init_weights(3, seeds=[0])
    return fit(network, X_INT.astype(float), Y_INT.astype(float), iterations, lr=1.0, log_every=100).seconds


def time_plot(iterations):
    """Seconds to import the plotting module and draw a default run's curve; and its training."""
    network = Network(hidden=[4]).init_weights(3, seeds=[0])
    history = fit(network, X_INT.astype(float), Y_INT.astype(float), iterations, lr=1.0, log_every=100)
    start = time.perf_counter()
    from nnexp import plots  # first import in this process: matplotlib's import is counted

    with tempfile.TemporaryDirectory() as folder:
        plots.error_curve(history, network.seeds_, "two_layer on xor, seed 0", Path(folder) / "curve.png")
    return time.perf_counter() - start, history.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--iterations", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import nnexp.results  # noqa: F401  pandas, imported by every run before plotting starts

    print(f"numpy {np.__version__}; {args.iterations:,} iterations on xor; best of {args.repeats}")
    print(f"{'model':11s} {'notebook s':>10s} {'(float X) s':>11s} {'nnexp s':>8s} "
          f"{'nnexp/notebook':>14s} {'(float X)':>9s}")
    for name, hidden in (("two_layer", [4]), ("perceptron", [])):
        notebook, notebook_float, ours = [], [], []
        for _ in range(args.repeats):  # interleaved, so drifts in machine speed hit all alike
            notebook.append(time_notebook(hidden, args.iterations, int))
            notebook_float.append(time_notebook(hidden, args.iterations, float))
            ours.append(time_nnexp(hidden, args.iterations))
        ratio, ratio_float = min(ours) / min(notebook), min(ours) / min(notebook_float)
        verdict = "ok" if max(ratio, ratio_float) <= 1.0 else "SLOWER than the notebook"
        print(f"{name:11s} {min(notebook):10.3f} {min(notebook_float):11.3f} {min(ours):8.3f} "
              f"{ratio:14.3f} {ratio_float:9.3f}  {verdict}")

    plot_seconds, train_seconds = time_plot(args.iterations)
    print(f"error-curve plot (import + draw + save) {plot_seconds:.3f} s vs the run's training "
          f"{train_seconds:.3f} s: ratio {plot_seconds / train_seconds:.3f}")


if __name__ == "__main__":
    main()
