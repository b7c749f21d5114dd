"""The entry point: `python -m nnexp.run model=two_layer data=xor`.

Config in, parts built, training called, results written into Hydra's run folder.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import NoReturn

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from nnexp import config, plots, presets, results
from nnexp.data import make_dataset
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
    network = Network(hidden=cfg.model.hidden).init_weights(dataset.n_inputs, seeds=[cfg.seed])
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

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    results.write_csv(results.history_table(network, history), run_dir / "history.csv")
    results.write_csv(predictions, run_dir / "predictions.csv")
    title = f"{cfg.model.name} on {dataset.name}, seed {cfg.seed}"
    plots.error_curve(history, network.seeds_, title, run_dir / "error_curve.png")
    # Written last: a folder with results.csv holds a finished run.
    results.write_csv(result_rows, run_dir / "results.csv")

    _log_summary(result_rows, predictions, run_dir)
    return float(result_rows["final_error"].mean())


def _refuse(error: config.ConfigError) -> NoReturn:
    """Stop on a user's mistake: one line and exit code 2 for a single run. In a sweep, raise,
    so that Hydra records this job as failed and still runs the others."""
    if HydraConfig.get().mode == RunMode.RUN:
        print(f"nnexp: {error}", file=sys.stderr)
        sys.exit(2)
    raise error


def _log_summary(result_rows, predictions, run_dir: Path) -> None:
    for row in result_rows.itertuples():
        if row.status != "ok":
            log.info(f"{row.model} on {row.data}, seed {row.seed}: DIVERGED (weights or outputs "
                     f"no longer finite numbers); try a smaller train.lr than {row.lr}")
            continue
        log.info(
            f"{row.model} on {row.data}, seed {row.seed}: final error {row.final_error:.4g}, "
            f"training accuracy {row.train_accuracy:.0%}, {row.iterations:,} iterations "
            f"in {row.train_seconds:.2f} s"
        )
    inputs = [c for c in predictions.columns if c.startswith("x")]
    for probe in predictions[predictions["split"] == "probe"].itertuples(index=False):
        probe = probe._asdict()
        shown = ", ".join(f"{probe[c]:g}" for c in inputs)
        log.info(f"  probe [{shown}] -> output {probe['output']:.4f}, label {probe['label']}")
    log.info(f"run folder: {run_dir}")


if __name__ == "__main__":
    main()
