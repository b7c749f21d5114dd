"""Benchmark: many seeds in one batched pass (`replicas=N`) against the notebook's loop, one run.

    python benchmarks/bench_replicas.py [--iterations 100000] [--seeds 20] [--repeats 3]
                                        [--throughput-iterations 10000]

Prints, all measured in this one run on this machine:

1. For `perceptron` and `two_layer` on xor: the notebook's loop (nnexp.notebook, verbatim, int
   inputs as in the notebook) run once per seed, one after another, against nnexp training the
   same seeds together (`replicas=N`). Target: nnexp at least 10x faster for both models.
2. One replica against one notebook loop: nnexp must be no slower (ratio <= 1).
3. Throughput, replica-iterations per second, at 1, 20, 100 and 1,000 replicas, for both models
   (`--throughput-iterations` each, 10,000 by default, so that 1,000 replicas stay quick).
4. The whole command `python -m nnexp.run -m model=perceptron,two_layer data=xor replicas=N
   train.iterations=I`, start-up, plots and report included, against the notebook's loops for
   the same 2N trainings. Target: at least 8x faster.

Times are the best of `--repeats`; the notebook's loops and nnexp's are interleaved, so that
drifts in machine speed hit both alike.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnexp.network import Network  # noqa: E402
from nnexp.notebook import perceptron_loop, two_layer_loop  # noqa: E402
from nnexp.training import fit  # noqa: E402

X_INT = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])  # the notebook's own arrays
Y_INT = np.array([[0, 1, 1, 0]]).T
MODELS = {"perceptron": [], "two_layer": [4]}


def notebook_loops(hidden: list[int], seeds: range, iterations: int) -> float:
    """Seconds for the notebook's loop run once per seed, one after another."""
    starts = [[W[0].copy() for W in Network(hidden).init_weights(3, seeds=[s]).weights_] for s in seeds]
    start = time.perf_counter()
    for weights in starts:
        if hidden:
            two_layer_loop(X_INT, Y_INT, *weights, iterations)
        else:
            perceptron_loop(X_INT, Y_INT, *weights, iterations)
    return time.perf_counter() - start


def nnexp_fit(hidden: list[int], seeds: range, iterations: int) -> float:
    """Seconds for nnexp's `fit` of all the seeds together (history recording included)."""
    network = Network(hidden).init_weights(3, seeds=list(seeds))
    return fit(network, X_INT.astype(float), Y_INT.astype(float), iterations, lr=1.0, log_every=100).seconds


def whole_command(seeds: int, iterations: int) -> float:
    """Wall seconds of the sweep command, as a user runs it, in a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "nnexp.run", "-m", "model=perceptron,two_layer", "data=xor",
             f"replicas={seeds}", f"train.iterations={iterations}", f"hydra.sweep.dir={folder}/sweep"],
            cwd=folder, capture_output=True, text=True,
        )
        seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench_replicas: the sweep failed:\n{done.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--throughput-iterations", type=int, default=10_000)
    args = parser.parse_args()
    seeds, iterations = range(args.seeds), args.iterations

    print(f"numpy {np.__version__}; xor; {iterations:,} iterations; best of {args.repeats}")
    print(f"\n1. {args.seeds} seeds: the notebook's loop {args.seeds} times in a row vs nnexp replicas={args.seeds}")
    loops_total = 0.0
    for name, hidden in MODELS.items():
        loops, ours = [], []
        for _ in range(args.repeats):
            loops.append(notebook_loops(hidden, seeds, iterations))
            ours.append(nnexp_fit(hidden, seeds, iterations))
        loops_total += min(loops)
        speedup = min(loops) / min(ours)
        print(f"   {name:10s} notebook {min(loops):7.2f} s   nnexp {min(ours):6.3f} s   "
              f"{speedup:5.1f}x  {'ok' if speedup >= 10 else 'BELOW the 10x target'}")

    print("\n2. one seed: the notebook's loop vs nnexp replicas=1")
    for name, hidden in MODELS.items():
        loops, ours = [], []
        for _ in range(args.repeats):
            loops.append(notebook_loops(hidden, range(1), iterations))
            ours.append(nnexp_fit(hidden, range(1), iterations))
        ratio = min(ours) / min(loops)
        print(f"   {name:10s} notebook {min(loops):6.3f} s   nnexp {min(ours):6.3f} s   "
              f"nnexp/notebook {ratio:.3f}  {'ok' if ratio <= 1.0 else 'SLOWER than the notebook'}")

    t = args.throughput_iterations
    print(f"\n3. throughput, replica-iterations per second ({t:,} iterations each)")
    print(f"   {'replicas':>8s} " + " ".join(f"{name:>12s}" for name in MODELS))
    for n in (1, 20, 100, 1000):
        rates = [n * t / min(nnexp_fit(hidden, range(n), t) for _ in range(args.repeats))
                 for hidden in MODELS.values()]
        print(f"   {n:8d} " + " ".join(f"{rate:12.3g}" for rate in rates))

    print(f"\n4. the whole command, start-up and report included, vs the notebook's {2 * args.seeds} loops")
    command = min(whole_command(args.seeds, iterations) for _ in range(args.repeats))
    speedup = loops_total / command
    print(f"   python -m nnexp.run -m model=perceptron,two_layer data=xor replicas={args.seeds} "
          f"train.iterations={iterations}")
    print(f"   {command:.2f} s against {loops_total:.2f} s: {speedup:.1f}x  "
          f"{'ok' if speedup >= 8 else 'BELOW the 8x target'}")


if __name__ == "__main__":
    main()
