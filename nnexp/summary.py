"""A run's summary, in words: what the console and run.log say when a run ends.

In a sweep, the summary goes to each job's run.log only: the console gets one progress line per
job from the sweep's report (nnexp.sweep.SweepReport), which a summary per job would bury.
"""

from __future__ import annotations

import logging
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

from nnexp import options
from nnexp.names import model_words

log = logging.getLogger("nnexp")


class NotOnConsoleInSweeps(logging.Filter):
    """For the console handler (conf/hydra/job_logging/nnexp.yaml): nnexp's records pass in a
    single run and are held back in a sweep's jobs; the log file, unfiltered, keeps them."""

    def filter(self, record: logging.LogRecord) -> bool:
        in_sweep = HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN
        return not (in_sweep and record.name.startswith("nnexp"))


def seeds_text(seeds: list[int]) -> str:
    """`seed 3`, or `seeds 0 to 19`."""
    return f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]} to {seeds[-1]}"


# What a saturated run is, in words (nnexp.results.saturated).
SATURATED = ("units stuck where training can no longer move them (sigmoid or tanh units pinned, an output "
             "confidently wrong, or a layer of dead relu units)")

# Up to this many replicas, the summary has a line per seed; above it, one line for them all.
MAX_SEED_LINES = 10


def log_summary(result_rows, predictions, run_dir: Path) -> None:
    probes = predictions[predictions["split"] == "probe"]
    inputs = list(predictions.columns[2:-3])  # the data's columns: between split and target
    if len(result_rows) <= MAX_SEED_LINES:
        _log_each_seed(result_rows, probes, inputs)
    else:
        _log_all_seeds(result_rows, probes, inputs)
    log.info(f"run folder: {run_dir}")


def _model(row) -> str:
    """`two_layer`, with its widths where they are not its config's, the options that differ
    from the notebook's and a step size other than its 1.0: `two_layer [8] tanh bias lr=0.1`."""
    row = row._asdict() if hasattr(row, "_asdict") else dict(row)
    rate = f" lr={row['lr']:g}" if row.get("lr", 1.0) != 1.0 else ""
    return options.model_label(model_words(row["model"], row["hidden"]), row) + rate


def _log_each_seed(result_rows, probes, inputs) -> None:
    together = len(result_rows) > 1
    if together:
        first = result_rows.iloc[0]
        log.info(f"{_model(first)} on {first.data}: {len(result_rows)} networks trained together, "
                 f"{first.iterations:,} epochs in {result_rows['train_seconds'].sum():.2f} s")
    for row in result_rows.itertuples():
        if row.status == "diverged":
            log.info(f"{_model(row)} on {row.data}, seed {row.seed}: DIVERGED (weights or outputs "
                     f"no longer finite numbers); try a smaller train.lr than {row.lr}")
            continue
        timing = "" if together else f", {row.iterations:,} epochs in {row.train_seconds:.2f} s"
        test = "" if row.test_accuracy != row.test_accuracy else f", test accuracy {row.test_accuracy:.0%}"
        log.info(f"{_model(row)} on {row.data}, seed {row.seed}: final error {row.final_error:.4g}, "
                 f"training accuracy {row.train_accuracy:.0%}{test}{timing}")
        if row.status == "saturated":
            log.info(f"  SATURATED: {SATURATED}; try a smaller train.lr than {row.lr}")
        for probe in probes[probes["seed"] == row.seed].itertuples(index=False):
            probe = probe._asdict()
            log.info(f"  probe [{_inputs_text(probe, inputs)}] -> output {output_text(probe['output'], row.threshold)}, "
                     f"label {probe['label']}")


def _log_all_seeds(result_rows, probes, inputs) -> None:
    first = result_rows.iloc[0]
    ok = result_rows[result_rows["status"] != "diverged"]
    error = ok["final_error"]
    seconds = result_rows["train_seconds"].sum()
    log.info(
        f"{_model(first)} on {first.data}, {seeds_text(result_rows['seed'].tolist())} "
        f"({len(result_rows)} networks, {first.iterations:,} epochs, {seconds:.2f} s in all):"
    )
    log.info(f"  final error: median {error.median():.4g}, min {error.min():.4g}, max {error.max():.4g}")
    log.info(f"  training accuracy 100% at {(ok['train_accuracy'] == 1.0).sum()} of {len(result_rows)} seeds")
    if ok["test_accuracy"].notna().any():
        test = ok["test_accuracy"]
        log.info(f"  test accuracy: median {test.median():.1%}, min {test.min():.1%}, max {test.max():.1%}")
    if len(ok) < len(result_rows):
        log.info(f"  DIVERGED at {len(result_rows) - len(ok)} seeds; try a smaller train.lr than {first.lr}")
    n_saturated = (result_rows["status"] == "saturated").sum()
    if n_saturated:
        log.info(f"  SATURATED at {n_saturated} seeds ({SATURATED}); try a smaller train.lr than {first.lr}")
    probes = probes.assign(k=probes.groupby("seed").cumcount())
    for _, rows in probes.groupby("k"):
        output = rows["output"]
        log.info(f"  probe [{_inputs_text(rows.iloc[0], inputs)}] -> output median {output.median():.4f}, "
                 f"min {output.min():.4f}, max {output.max():.4f}; label 1 at {int(rows['label'].sum())} seeds")


def output_text(output: float, threshold: float) -> str:
    """An output with four decimals, or with every digit it has when four would hide which side
    of the threshold it is on: the perceptron's 0.5000000000000001 on xor is labelled 1, and
    `0.5000, label 1` would read as a tie broken the wrong way."""
    text = f"{output:.4f}"
    if text == f"{threshold:.4f}" and output != threshold:
        return repr(float(output))
    return text


def _inputs_text(probe, inputs) -> str:
    return ", ".join(f"{probe[c]:g}" for c in inputs)
