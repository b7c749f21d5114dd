"""The entry point: `python -m nnexp.run model=two_layer data=xor`.

Config in, parts built, training called, results written into Hydra's run folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from nnexp import cli, config, manifest, names, options, planes, presets, results, summary
from nnexp.data import Dataset, build
from nnexp.folders import FolderError, inside
from nnexp.network import Network
from nnexp.training import fit

config.register()
presets.register()  # a broken file in experiments/ fails only the commands that pick it


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> float:
    """Train the configured network and write its tables and plot; return the mean final error."""
    hydra_config = HydraConfig.get()
    run_dir = Path(hydra_config.runtime.output_dir)
    if hydra_config.mode == RunMode.MULTIRUN:
        # A single run claimed its folder before Hydra wrote into it (nnexp.callback); a sweep's
        # job folder lies in a sweep folder claimed the same way, and is claimed here.
        claim_job_folder(run_dir, hydra_config)
    dataset = checked_dataset(cfg, hydra_config.runtime.choices.get("data"), hydra_config.runtime.cwd)
    result_rows = train_and_write(cfg, dataset, run_dir)
    return float(result_rows["final_error"].mean())


def checked_dataset(cfg: DictConfig, data_choice: str | None, cwd: str | None = None) -> Dataset:
    """Check every value of `cfg` and build its dataset, named by what it holds (names.data_name);
    raise ConfigError, naming the key, for the first mistake. cwd: the folder the command was
    started in (Hydra's runtime.cwd), which a relative data.path is relative to, whatever
    hydra.job.chdir does to the current folder."""
    config.check(cfg)
    data = OmegaConf.to_container(cfg.data, resolve=True)
    dataset = build(data, name=names.data_name(cfg.data, data_choice), cwd=cwd)
    config.check_sizes(cfg, len(dataset.inputs) + len(dataset.test_inputs) + len(dataset.probes), dataset.n_inputs)
    return dataset


def claim_job_folder(run_dir: Path, hydra_config: DictConfig) -> None:
    """Claim a sweep job's folder with its manifest; a folder that holds another run fails the job."""
    job = " ".join(["python -m nnexp.run", *hydra_config.overrides.task])
    if not inside(run_dir, Path(hydra_config.sweep.dir)):  # nnexp.folders.check_subdir keeps it so
        raise FolderError(f"{run_dir} is not inside the sweep folder {hydra_config.sweep.dir}.")
    try:
        manifest.claim(run_dir, command=job, cwd=hydra_config.runtime.cwd)
    except FileExistsError:
        raise FolderError(f"{run_dir} already holds a run; each folder holds exactly one.") from None


def train_and_write(cfg: DictConfig, dataset: Dataset, run_dir: Path) -> pd.DataFrame:
    """What a run does once its config is checked: train, write the run's files into `run_dir`,
    log the summary. Returns the results.csv rows (one per replica)."""
    # Replica i is the network a plain run with seed + i trains, to the last bit (tests/test_train.py).
    seeds = list(range(cfg.seed, cfg.seed + cfg.replicas))
    model = {key: value for key, value in cfg.model.items() if key != "name"}
    network = Network(**model).init_weights(dataset.n_inputs, seeds=seeds)
    history = fit(network, dataset.inputs, dataset.targets, **cfg.train, threshold=cfg.threshold,
                  X_test=dataset.test_inputs, Y_test=dataset.test_targets)

    train_outputs = network.predict(dataset.inputs)
    test_outputs = network.predict(dataset.test_inputs) if len(dataset.test_inputs) else None
    probe_outputs = network.predict(dataset.probes)
    trained = options.effective(options.from_config(cfg), len(dataset.inputs))  # the options as trained
    settings = {
        "model": cfg.model.name,
        "data": dataset.name,
        "hidden": json.dumps(network.hidden),
        **{key: cfg.train[key] for key in ("iterations", "lr", "log_every")},
        **trained,
        "threshold": cfg.threshold,
        "data_digest": results.data_digest(dataset),
    }
    result_rows = results.results_table(settings, network, dataset, history, train_outputs, cfg.threshold)
    predictions = results.predictions_table(network, dataset, train_outputs, probe_outputs, cfg.threshold,
                                            test_outputs)

    results.write_csv(results.history_table(network, history), run_dir / "history.csv")
    results.write_npz(network.arrays(), run_dir / "weights.npz")
    results.write_csv(predictions, run_dir / "predictions.csv")
    if cfg.plot:
        from nnexp import plots  # matplotlib: half a second to import, which plot=false and refusals skip

        widths = f" {network.hidden}" if network.hidden else ""  # "two_layer [8] tanh bias": what was trained
        name = options.model_label(f"{cfg.model.name}{widths}", trained)
        rate = f", lr={cfg.train.lr:g}" if cfg.train.lr != 1.0 else ""  # the notebook's step unsaid
        title = f"{name} on {dataset.name}{rate}, {summary.seeds_text(seeds)}"
        plots.error_curve(history, network.seeds_, title, run_dir / "error_curve.png", loss=cfg.train.loss)
        planes.draw_run(network, dataset, _accuracy(result_rows), [planes.panel_title(row) for row in result_rows.itertuples()], title, cfg.threshold,
                        run_dir)
    # Written last: a folder with results.csv holds a finished run.
    results.write_csv(result_rows, run_dir / "results.csv")

    constant = (np.ptp(dataset.inputs, axis=0) == 0) & (dataset.inputs[0] != 0)  # a column of zeros is no bias
    if not cfg.model.bias and not constant.any():
        # The truth tables' constant third input stands in for a bias; other data has none.
        summary.log.info("note: the network has no biases (model.bias=false) and its inputs no constant column, "
                         "so every unit's boundary passes through the origin; model.bias=true adds biases")
    summary.log_summary(result_rows, predictions, run_dir)
    return result_rows


def _accuracy(rows: pd.DataFrame) -> np.ndarray:
    """(n_replicas,) what picks the seeds a picture shows: test accuracy, or training accuracy
    without a test set."""
    column = "test_accuracy" if rows["test_accuracy"].notna().any() else "train_accuracy"
    return rows[column].to_numpy(dtype=float)


if __name__ == "__main__":
    cli.run(main)
