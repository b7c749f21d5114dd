"""The entry point: `python -m nnexp.run model=two_layer data=xor`.

Config in, parts built, training called, results written into Hydra's run folder.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
import pandas as pd
from omegaconf import DictConfig

from nnexp import config, plots, presets, results, summary
from nnexp.data import Dataset, make_dataset
from nnexp.network import Network
from nnexp.train import fit

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
        title = f"{cfg.model.name} on {dataset.name}, {summary.seeds_text(seeds)}"
        plots.error_curve(history, network.seeds_, title, run_dir / "error_curve.png")
    # Written last: a folder with results.csv holds a finished run.
    results.write_csv(result_rows, run_dir / "results.csv")

    summary.log_summary(result_rows, predictions, run_dir)
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
