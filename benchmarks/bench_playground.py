"""Benchmark: a Playground-sized run, whole, as `python -m nnexp.run` does it in its process.

    python benchmarks/bench_playground.py [--repeats 3]

The work (issue 11's target: "a few seconds"): 20 replicas of a tanh [8] net with biases on
circle (200 points, half held out), log_loss, 300 epochs of shuffled batches of 10, logging every
10 epochs, so with the test curve at 31 points, then results, predictions, weights, the error
curve and decision_boundary.png (16 panels). Prints, measured in this one run:

1. the whole run, part by part: data, training with the test curve, tables, pictures;
2. training with the test curve against training without it (the test curve's cost, a ratio);
3. the 20 replicas together against 20 single-replica trainings one after another (a ratio).

Times are the best of `--repeats`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnexp import planes, plots, results  # noqa: E402
from nnexp.data import build  # noqa: E402
from nnexp.network import Network  # noqa: E402
from nnexp.training import fit  # noqa: E402

from bench_sweep import best  # noqa: E402  (this folder is on sys.path when a script of it runs)

DATA = {"name": "circle", "generator": "circle", "n_samples": 200, "noise": 0.1, "seed": 0, "test_fraction": 0.5,
        "features": ["x1", "x2"]}
TRAIN = {"iterations": 300, "lr": 0.1, "log_every": 10, "loss": "log_loss", "batch_size": 10, "shuffle": True}
SEEDS = list(range(20))


def whole_run(folder: Path) -> dict[str, float]:
    """One run's parts, timed: what nnexp.run.train_and_write does for this config."""
    parts = {}
    start = time.perf_counter()
    dataset = build(DATA)
    parts["data"] = time.perf_counter() - start
    network = Network([8], "tanh", True).init_weights(dataset.n_inputs, seeds=SEEDS)
    start = time.perf_counter()
    history = fit(network, dataset.inputs, dataset.targets, **TRAIN, X_test=dataset.test_inputs,
                  Y_test=dataset.test_targets)
    parts["training + test curve"] = time.perf_counter() - start
    start = time.perf_counter()
    outputs = network.predict(dataset.inputs)
    test_outputs = network.predict(dataset.test_inputs)
    settings = {"model": "two_layer", "data": "circle", "loss": "log_loss"}
    rows = results.results_table(settings, network, dataset, history, outputs, 0.5)
    results.write_csv(rows, folder / "results.csv")
    results.write_csv(results.history_table(network, history), folder / "history.csv")
    results.write_csv(results.predictions_table(network, dataset, outputs, network.predict(dataset.probes), 0.5,
                                                test_outputs), folder / "predictions.csv")
    results.write_npz(network.arrays(), folder / "weights.npz")
    parts["tables"] = time.perf_counter() - start
    start = time.perf_counter()
    plots.error_curve(history, network.seeds_, "bench", folder / "error_curve.png", loss="log_loss")
    titles = [f"seed {s}" for s in SEEDS]
    planes.draw_run(network, dataset, rows["test_accuracy"].to_numpy(), titles, "bench", 0.5, folder)
    parts["pictures"] = time.perf_counter() - start
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    dataset = build(DATA)

    def train(seeds, tested=True):
        network = Network([8], "tanh", True).init_weights(dataset.n_inputs, seeds=seeds)
        test = {"X_test": dataset.test_inputs, "Y_test": dataset.test_targets} if tested else {}
        fit(network, dataset.inputs, dataset.targets, **TRAIN, **test)

    with tempfile.TemporaryDirectory() as folder:
        whole_run(Path(folder))  # warm: imports, caches
        runs = [whole_run(Path(folder)) for _ in range(args.repeats)]
    parts = {name: min(run[name] for run in runs) for name in runs[0]}
    total = min(sum(run.values()) for run in runs)
    print(f"1. The whole run (20 replicas, tanh [8], circle, 300 epochs of batch 10), best of {args.repeats}:")
    for name, seconds in parts.items():
        print(f"   {name:<24} {seconds:6.3f} s")
    print(f"   {'total':<24} {total:6.3f} s")

    with_test = best(lambda: train(SEEDS), args.repeats)
    without = best(lambda: train(SEEDS, tested=False), args.repeats)
    print(f"2. Training with the test curve / without: {with_test:.3f} s / {without:.3f} s = "
          f"{with_test / without:.2f}x")
    together = with_test
    apart = best(lambda: [train([seed]) for seed in SEEDS], args.repeats)
    print(f"3. 20 single trainings one after another / replicas=20: {apart:.3f} s / {together:.3f} s = "
          f"{apart / together:.1f}x")
    assert np.isfinite(total)


if __name__ == "__main__":
    main()
