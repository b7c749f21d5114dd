"""Benchmark: what a sweep job costs beyond its training, measured in one run.

    python benchmarks/bench_sweep.py [--jobs 20] [--iterations 1000] [--repeats 3]

Runs `python -m nnexp.run -m model=two_layer seed=0..N-1 train.iterations=I` as a user would,
and the same sweep with one job, each best of `repeats`, in a temporary folder. Then:

  start-up + 1 job     the one-job sweep: Python, imports, Hydra's set-up, one job, the report
  per extra job        (T(N jobs) - T(1 job)) / (N - 1): the cost of one more job
  of which training    the mean of the jobs' train_seconds (from summary.csv)

and, to split the rest, times in this process what a job does besides training: Hydra composing
its config (twice per job with the basic sweeper: once to validate the batch, once to launch it),
and nnexp's own job (`nnexp.run.train_and_write`: training, tables, plot, summary) with and
without its error-curve plot. It prints each as a share of the
sweep's wall time, and the sweep's time with `plot=false`.

Last, the floor Hydra sets: the same sweep of a Hydra app whose task does nothing (no config,
no imports beyond Hydra), and the per-job cost beyond training that the sweep could afford and
still spend most of its time in start-up and training (issue 3, item 6):
(T(1 job) + (N - 1) * training) >= (N - 1) * (per-job cost beyond training).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def sweep_seconds(n_jobs: int, iterations: int, folder: Path, *extra: str) -> tuple[float, pd.DataFrame]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "nnexp.run", "-m", "model=two_layer", f"seed=range({n_jobs})",
         f"train.iterations={iterations}", f"hydra.sweep.dir={folder}", *extra],
        cwd=folder.parent, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench_sweep: the sweep failed:\n{done.stderr}")
    return seconds, pd.read_csv(folder / "summary.csv")


EMPTY_APP = """import hydra


@hydra.main(version_base="1.3", config_path=None, config_name=None)
def main(cfg):
    pass


if __name__ == "__main__":
    main()
"""


def empty_sweep_seconds(n_jobs: int, folder: Path) -> float:
    """Wall time of an N-job sweep of a Hydra app that does nothing: Hydra's own cost."""
    app = folder.parent / "empty_app.py"
    app.write_text(EMPTY_APP)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(app), "-m", f"+job=range({n_jobs})", f"hydra.sweep.dir={folder}"],
                          cwd=folder.parent, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench_sweep: the empty Hydra sweep failed:\n{done.stderr}")
    return time.perf_counter() - start


def best(function, repeats: int) -> float:
    """Best wall time of `function()` over `repeats` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def job_parts(iterations: int, folder: Path, repeats: int) -> dict[str, float]:
    """Seconds per job for what a job does besides training, timed in this process: Hydra's
    compositions, and nnexp's own job (`nnexp.run.train_and_write`) with and without its plot."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.types import RunMode

    from nnexp.data import make_dataset
    from nnexp.run import train_and_write  # registers the schema and the studies, as a run does

    job = ["model=two_layer", "seed=1", f"train.iterations={iterations}"]
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        loader = GlobalHydra.instance().hydra.config_loader
        master = loader.load_configuration("config", overrides=[], run_mode=RunMode.MULTIRUN)
        compose = best(lambda: loader.load_sweep_config(master, job), repeats)
        with_plot = loader.load_sweep_config(master, job)
        without_plot = loader.load_sweep_config(master, [*job, "plot=false"])

    dataset = make_dataset(**with_plot.data)
    training = []

    def run(cfg):
        training.append(float(train_and_write(cfg, dataset, folder)["train_seconds"].sum()))

    plotted, bare = best(lambda: run(with_plot), repeats), best(lambda: run(without_plot), repeats)
    return {"Hydra composing the job's config (x2)": 2 * compose, "error-curve plot": plotted - bare,
            "tables, summary (nnexp's job but training)": bare - min(training)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        one, many, no_plot, empty_one, empty_many = [], [], [], [], []
        for k in range(args.repeats):  # interleaved, so that machine noise hits all alike
            one.append(sweep_seconds(1, args.iterations, tmp / f"one{k}")[0])
            seconds, summary = sweep_seconds(args.jobs, args.iterations, tmp / f"many{k}")
            many.append(seconds)
            no_plot.append(sweep_seconds(args.jobs, args.iterations, tmp / f"no_plot{k}", "plot=false")[0])
            empty_one.append(empty_sweep_seconds(1, tmp / f"empty_one{k}"))
            empty_many.append(empty_sweep_seconds(args.jobs, tmp / f"empty_many{k}"))
        parts = job_parts(args.iterations, tmp, max(args.repeats, 5))

    total, fixed = min(many), min(one)
    per_job = (total - fixed) / (args.jobs - 1)
    training = float(summary["train_seconds"].mean())
    print(f"sweep of {args.jobs} jobs x {args.iterations:,} iterations (two_layer on xor), "
          f"best of {args.repeats}: {total:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in many)})")
    rest = per_job - training - sum(parts.values())
    rows = {"training (mean train_seconds)": training, **parts,
            "the rest (Hydra's run_job set-up, logging, the callback)": rest}
    print(f"  {'start-up + 1 job (the 1-job sweep)':60s}{fixed:8.2f} s")
    print(f"  {'per extra job':60s}{per_job * 1000:8.0f} ms")
    for name, seconds in rows.items():
        print(f"    {name:58s}{seconds * 1000:8.1f} ms")
    print("share of the sweep's wall time:")
    print(f"  {'fixed start-up + training':60s}{(fixed + (args.jobs - 1) * training) / total:8.0%}")
    for name, seconds in list(rows.items())[1:]:
        print(f"  {name:60s}{(args.jobs - 1) * seconds / total:8.0%}")
    print(f"the same sweep with plot=false: {min(no_plot):.2f} s")

    hydra_per_job = (min(empty_many) - min(empty_one)) / (args.jobs - 1)
    affordable = fixed / (args.jobs - 1) + training
    print(f"Hydra alone (a task that does nothing): {min(empty_one):.2f} s for 1 job, "
          f"{min(empty_many):.2f} s for {args.jobs}: {hydra_per_job * 1000:.0f} ms per extra job")
    print(f"for start-up + training to be most of this sweep, a job may cost at most "
          f"{affordable * 1000:.0f} ms beyond its training; it costs {(per_job - training) * 1000:.0f} ms, "
          f"of which Hydra's floor is {hydra_per_job * 1000:.0f} ms")


if __name__ == "__main__":
    main()
