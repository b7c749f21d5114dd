"""The entry point: `python -m nnexp.run model=two_layer data=xor`.

Config in, parts built, training called, results written into Hydra's run folder.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import NoReturn

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
import pandas as pd
from omegaconf import DictConfig

from nnexp import config, plots, presets, results
from nnexp.data import Dataset, make_dataset
from nnexp.network import Network
from nnexp.train import fit

log = logging.getLogger("nnexp")

config.register()
try:
    presets.register()
except config.ConfigError as error:  # a broken file in experiments/: say which, run nothing
    sys.exit(f"nnexp: {error}")


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> float:
    """Train the configured network and write its tables and plot; return the mean final error."""
    try:
        config.check(cfg)
        dataset = make_dataset(**cfg.data)
    except config.ConfigError as error:
        _refuse(error)
    result_rows = train_and_write(cfg, dataset, Path(HydraConfig.get().runtime.output_dir))
    return float(result_rows["final_error"].mean())


def train_and_write(cfg: DictConfig, dataset: Dataset, run_dir: Path) -> pd.DataFrame:
    """What a run does once its config is checked: train, write the run's files into `run_dir`,
    log the summary. Returns the results.csv rows (one per replica)."""
    # Replica i is the network a plain run with seed + i trains, to the last bit (tests/test_train.py).
    seeds = list(range(cfg.seed, cfg.seed + cfg.replicas))
    network = Network(hidden=cfg.model.hidden).init_weights(dataset.n_inputs, seeds=seeds)
    history = fit(network, dataset.inputs, dataset.targets, **cfg.train)

    train_outputs = network.predict(dataset.inputs)
    probe_outputs = network.predict(dataset.probes)
    settings = {
        "model": cfg.model.name,
        "data": dataset.name,
        "hidden": json.dumps(network.hidden),
        **cfg.train,
        "threshold": cfg.threshold,
    }
    result_rows = results.results_table(settings, network, dataset, history, train_outputs, cfg.threshold)
    predictions = results.predictions_table(network, dataset, train_outputs, probe_outputs, cfg.threshold)

    results.write_csv(results.history_table(network, history), run_dir / "history.csv")
    results.write_csv(predictions, run_dir / "predictions.csv")
    if cfg.plot:
        title = f"{cfg.model.name} on {dataset.name}, {_seeds_text(seeds)}"
        plots.error_curve(history, network.seeds_, title, run_dir / "error_curve.png")
    # Written last: a folder with results.csv holds a finished run.
    results.write_csv(result_rows, run_dir / "results.csv")

    _log_summary(result_rows, predictions, run_dir)
    return result_rows


def _refuse(error: config.ConfigError) -> NoReturn:
    """Stop on a user's mistake: one line and exit code 2 for a single run, whose folder keeps
    the reason in error.txt for `nnexp.report`. In a sweep, raise, so that Hydra records this
    job as failed and still runs the others (the sweep's callback writes its error.txt)."""
    hydra_config = HydraConfig.get()
    if hydra_config.mode == RunMode.RUN:
        results.write_error(error, Path(hydra_config.runtime.output_dir))
        print(f"nnexp: {error}", file=sys.stderr)
        sys.exit(2)
    raise error


def _seeds_text(seeds: list[int]) -> str:
    return f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]} to {seeds[-1]}"


# Up to this many replicas, the summary has a line per seed; above it, one line for them all.
MAX_SEED_LINES = 10


def _log_summary(result_rows, predictions, run_dir: Path) -> None:
    probes = predictions[predictions["split"] == "probe"]
    inputs = [c for c in predictions.columns if c.startswith("x")]
    if len(result_rows) <= MAX_SEED_LINES:
        _log_each_seed(result_rows, probes, inputs)
    else:
        _log_all_seeds(result_rows, probes, inputs)
    log.info(f"run folder: {run_dir}")


def _log_each_seed(result_rows, probes, inputs) -> None:
    together = len(result_rows) > 1
    if together:
        first = result_rows.iloc[0]
        log.info(f"{first.model} on {first.data}: {len(result_rows)} networks trained together, "
                 f"{first.iterations:,} iterations in {result_rows['train_seconds'].sum():.2f} s")
    for row in result_rows.itertuples():
        if row.status != "ok":
            log.info(f"{row.model} on {row.data}, seed {row.seed}: DIVERGED (weights or outputs "
                     f"no longer finite numbers); try a smaller train.lr than {row.lr}")
            continue
        timing = "" if together else f", {row.iterations:,} iterations in {row.train_seconds:.2f} s"
        log.info(f"{row.model} on {row.data}, seed {row.seed}: final error {row.final_error:.4g}, "
                 f"training accuracy {row.train_accuracy:.0%}{timing}")
        for probe in probes[probes["seed"] == row.seed].itertuples(index=False):
            probe = probe._asdict()
            log.info(f"  probe [{_inputs_text(probe, inputs)}] -> output {probe['output']:.4f}, "
                     f"label {probe['label']}")


def _log_all_seeds(result_rows, probes, inputs) -> None:
    first = result_rows.iloc[0]
    ok = result_rows[result_rows["status"] == "ok"]
    error = ok["final_error"]
    seconds = result_rows["train_seconds"].sum()
    log.info(
        f"{first.model} on {first.data}, {_seeds_text(result_rows['seed'].tolist())} "
        f"({len(result_rows)} networks, {first.iterations:,} iterations, {seconds:.2f} s in all):"
    )
    log.info(f"  final error: median {error.median():.4g}, min {error.min():.4g}, max {error.max():.4g}")
    log.info(f"  training accuracy 100% at {(ok['train_accuracy'] == 1.0).sum()} of {len(result_rows)} seeds")
    if len(ok) < len(result_rows):
        log.info(f"  DIVERGED at {len(result_rows) - len(ok)} seeds; try a smaller train.lr than {first.lr}")
    probes = probes.assign(k=probes.groupby("seed").cumcount())
    for _, rows in probes.groupby("k"):
        output = rows["output"]
        log.info(f"  probe [{_inputs_text(rows.iloc[0], inputs)}] -> output median {output.median():.4f}, "
                 f"min {output.min():.4f}, max {output.max():.4f}; label 1 at {int(rows['label'].sum())} seeds")


def _inputs_text(probe, inputs) -> str:
    return ", ".join(f"{probe[c]:g}" for c in inputs)


def cli() -> None:
    """`python -m nnexp.run`: Hydra's main, with a mistake on the command line said in one line.

    Hydra prints its own errors over several lines, with a hint to set HYDRA_FULL_ERROR=1. With
    that variable set, Hydra raises instead, and `config.explain` says what the user got wrong;
    anything that is not a config mistake keeps its traceback, since it is a bug to report.
    A user who sets HYDRA_FULL_ERROR=1 gets Hydra's own behaviour. Ctrl-C exits with 130.
    """
    if os.environ.get("HYDRA_FULL_ERROR") == "1":
        main()
        return
    os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        main()
    except Exception as error:
        message = config.explain(error)
        if message is None:
            raise
        print(f"nnexp: {message}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:  # Ctrl-C: what was written stays whole (atomic files); no traceback
        print("nnexp: interrupted", file=sys.stderr)
        sys.exit(130)
    finally:
        del os.environ["HYDRA_FULL_ERROR"]


if __name__ == "__main__":
    cli()
