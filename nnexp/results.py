"""A run's results as pandas tables, and writing files so that none is ever half-written.

Three tables per run, each one CSV in the run folder, and the weights:
  results.csv      one row per trained network (replica): settings and final figures
  history.csv      the training curves: seed, iteration, error, loss, accuracy (and test_*)
  predictions.csv  one row per network and per training, test or probe row
  weights.npz      final and initial weights and biases (nnexp.network.Network.arrays)
"""

from __future__ import annotations

import hashlib
import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from nnexp.data import Dataset
from nnexp.network import SQUASHING, Network
from nnexp.training import History, answered_right


def labels(outputs: np.ndarray, threshold: float) -> np.ndarray:
    """The notebook's binary_threshold: 1 where an output is above `threshold`, else 0."""
    return (outputs > threshold).astype(int)


def diverged(network: Network, train_outputs: np.ndarray) -> np.ndarray:
    """(n_replicas,) True where a replica's weights, biases or outputs are no longer finite numbers."""
    finite = np.isfinite(train_outputs).reshape(network.n_replicas, -1).all(axis=1)
    return ~(finite & np.isfinite(network.params_).all(axis=1))


# A sigmoid unit whose input is beyond PINNED_Z is pinned: its slope s * (1 - s) is below
# 1.4e-11, so gradient descent at lr=1 would need some 1e10 steps to move it. Beyond STUCK_Z its
# slope is below 1e-6: a wrong output there, or a hidden unit there for every sample, barely moves.
# Healthy trainings stay far below both (measured on xor and linear, widths [1] to [32, 32] and
# [8, 8, 8], lr 1 to 20, 30 seeds, up to 1e6 iterations: no unit beyond 17, no wrong output
# beyond 0.7); lr=1e3 throws every seed past them in its first steps, lr=100 four seeds of five.
PINNED_Z = 25.0
STUCK_Z = 13.8
# ... on at least this share of the training rows: one row of a 4-row truth table, as ever; but
# not the few far-out points of 200 (a net confidently wrong on a handful of points it cannot
# separate, or a unit pinned by inputs of 25 from x1_squared, is no stuck training).
SHARE = 0.25


def saturated(network: Network, X: np.ndarray, Y: np.ndarray, loss: str = "squared_error") -> np.ndarray:
    """(n_replicas,) True where training is stuck where it matters, so that a failure it ends on
    would read as an honest one: outputs on the wrong side with their input beyond +-STUCK_Z (a
    confident wrong answer: under squared error its slope has vanished, and under log_loss only
    a step far too large can leave it there, outputs flipping between 0 and 1) on SHARE of the
    rows; a sigmoid or tanh hidden unit with its input beyond +-PINNED_Z on SHARE of the rows,
    or beyond +-STUCK_Z on every
    sample; or a layer of relu units all dead (input <= 0) on every sample, so that the output no
    longer depends on the input. Almost always the first steps of a train.lr far too large threw
    the weights out; lr=1e3 on xor ends with outputs at 0 and 1 and a final error of 0.5, which
    alone looks like the perceptron's honest failure. A net that answers every training row right
    is never flagged, and a right output may be as confident as it likes (Adam drives them far
    past +-25). X: (n_samples, n_inputs), Y: (n_samples, 1).
    """
    n = network.n_replicas
    pre = network.pre_activations(X)  # layer l: (n_replicas, n_samples, width)
    stuck = np.zeros(n, dtype=bool)
    for z in pre[:-1]:  # (n_replicas, n_samples, width)
        if network.activation in SQUASHING:
            stuck |= ((np.abs(z) > PINNED_Z).mean(axis=1) >= SHARE).any(axis=1)
            stuck |= (np.abs(z) > STUCK_Z).all(axis=1).any(axis=1)
        elif network.activation == "relu":
            stuck |= (z <= 0).all(axis=(1, 2))
    with np.errstate(over="ignore", invalid="ignore"):
        wrong = np.abs(Y - network.predict(X)) >= 0.5
    stuck |= (wrong & (np.abs(pre[-1]) > STUCK_Z)).reshape(n, -1).mean(axis=1) >= SHARE
    # A net that answers every training row right is not stuck where it matters, however pinned
    # a unit of it (a long log_loss training pushes hidden units past +-25 on some sample).
    return stuck & wrong.reshape(n, -1).any(axis=1)


def epochs_to_fit(history: History) -> np.ndarray:
    """(n_replicas,) the first logged epoch from which the training accuracy stays at 1.0 to the
    end; nan for a replica that does not end at 1.0. Exact to history's log_every."""
    fitted = history.accuracy == 1.0  # (n_replicas, n_points)
    # Points from the last miss on: the run of 1.0s that reaches the end.
    stays = np.flip(np.logical_and.accumulate(np.flip(fitted, axis=1), axis=1), axis=1)
    first = np.argmax(stays, axis=1)
    return np.where(stays[:, -1], history.iterations[first].astype(float), np.nan)


def data_digest(dataset: Dataset) -> str:
    """12 hex digits that change whenever the training or test inputs, targets or probes change
    (the inputs as the network sees them: features included): runs are
    compared (pooled over seeds) only when their digests are equal."""
    digest = hashlib.sha256()
    held_out = (dataset.test_inputs, dataset.test_targets) if len(dataset.test_inputs) else ()
    # A dataset without a test set hashes as it did before nnexp had test sets.
    for array in (dataset.inputs, dataset.targets, dataset.probes, *held_out):
        array = np.ascontiguousarray(array, dtype=np.float64)
        digest.update(repr(array.shape).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:12]


# The final figures on the held-out set: empty without one (and for a diverged seed).
TEST_FIGURES = ["test_error", "test_loss", "test_accuracy"]


def results_table(
    settings: dict, network: Network, dataset: Dataset, history: History,
    train_outputs: np.ndarray, threshold: float,
) -> pd.DataFrame:
    """One row per replica: `settings` (model, data, hidden, ...), the seed, the final figures.

    train_outputs: (n_replicas, n_samples, 1), the outputs after the last update.
    status: 'ok'; 'saturated' (see `saturated`: figures kept, the run flagged); or 'diverged'
    (weights or outputs not finite), whose figures are left empty: no claim without a result.
    """
    n_replicas = network.n_replicas
    residual = (dataset.targets - train_outputs).reshape(n_replicas, -1)
    correct = answered_right(train_outputs, dataset.targets, threshold).reshape(n_replicas, -1)
    failed = diverged(network, train_outputs)
    stuck = saturated(network, dataset.inputs, dataset.targets, settings.get("loss", "squared_error")) & ~failed
    figures = pd.DataFrame({
        "seed": network.seeds_,
        "final_error": np.abs(residual).mean(axis=1),
        "final_mse": (residual**2).mean(axis=1),
        "final_loss": _last(history.loss, n_replicas),  # the loss minimised, penalty included
        "train_accuracy": correct.mean(axis=1),
        "epochs_to_fit": epochs_to_fit(history),
        **{column: _last(getattr(history, column), n_replicas) for column in TEST_FIGURES},
        # Replicas train together; each is charged an equal share of the wall time.
        "train_seconds": history.seconds / n_replicas,
        "status": np.where(failed, "diverged", np.where(stuck, "saturated", "ok")),
    })
    figures.loc[failed, ["final_error", "final_mse", "final_loss", "train_accuracy", "epochs_to_fit", *TEST_FIGURES]] = np.nan
    # Columns: model, data, seed, then the other settings, then the figures.
    columns = [*list(settings)[:2], "seed", *list(settings)[2:], *figures.columns.drop("seed")]
    return figures.assign(**settings)[columns]


def _last(curve: np.ndarray | None, n_replicas: int) -> np.ndarray:
    """A history curve's last point per replica; nan without a curve (no test set)."""
    return np.full(n_replicas, np.nan) if curve is None else curve[:, -1]


def history_table(network: Network, history: History) -> pd.DataFrame:
    """Long format, one row per replica and logged epoch: seed, iteration (epochs done), error
    (mean |target - output|), loss (the loss minimised, penalty included), accuracy (training);
    with a test set, test_error, test_loss (the loss's data term) and test_accuracy."""
    n_points = len(history.iterations)
    curves = ["error", "loss", "accuracy"] + (TEST_FIGURES if history.test_error is not None else [])
    return pd.DataFrame({
        "seed": np.repeat(network.seeds_, n_points),
        "iteration": np.tile(history.iterations, network.n_replicas),
        **{name: getattr(history, name).ravel() for name in curves},
    })


def predictions_table(
    network: Network, dataset: Dataset, train_outputs: np.ndarray, probe_outputs: np.ndarray,
    threshold: float, test_outputs: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per replica and per row of the data: seed, split (train / test / probe), the
    data's own columns (x1..xn, or a CSV's; not the derived features), target, output, label.

    train_outputs: (n_replicas, n_samples, 1); test_outputs: (n_replicas, n_test, 1);
    probe_outputs: (n_replicas, n_probes, 1). Probes have no target; a non-finite output has no label.
    """
    parts = []
    test_outputs = np.empty((network.n_replicas, 0, 1)) if test_outputs is None else test_outputs
    for split, inputs, targets, outputs in (
        ("train", dataset.points, dataset.targets[:, 0], train_outputs),
        ("test", dataset.test_points.reshape(-1, len(dataset.columns)), dataset.test_targets[:, 0], test_outputs),
        ("probe", dataset.probe_points, np.full(len(dataset.probes), np.nan), probe_outputs),
    ):
        # One frame per split, replica after replica: inputs and targets repeat per replica.
        n_rows = len(inputs)
        output = outputs[:, :, 0].ravel()
        part = pd.DataFrame(np.tile(inputs, (network.n_replicas, 1)),
                            columns=list(dataset.columns))
        part.insert(0, "seed", np.repeat(network.seeds_, n_rows))
        part.insert(1, "split", split)
        part["target"] = np.tile(targets, network.n_replicas)
        part["output"] = output
        part["label"] = pd.Series(labels(output, threshold), dtype="Int64").mask(~np.isfinite(output))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success rename it onto `path`, else delete it.

    A reader (or a crash) never sees a half-written file: the rename is atomic on one file
    system, and the temporary file sits in the same folder to be on the same one.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as error:  # name the file meant, not its temporary (pandas names neither)
        raise OSError(error.errno, error.strerror or str(error), str(path)) from None
    finally:
        temporary.unlink(missing_ok=True)


def write_npz(arrays: dict[str, np.ndarray], path: Path) -> None:
    """Write `arrays` to `path` as one .npz file (np.load reads it), atomically."""
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as file:  # a file object: np.savez would append .npz to a name
            np.savez(file, **arrays)


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write `table` to `path` as CSV (no index), atomically."""
    with atomic_path(path) as temporary:
        table.to_csv(temporary, index=False)


# A run that failed leaves its error message here, in place of results.csv, for the report.
ERROR_FILE = "error.txt"


def write_error(error: BaseException, run_dir: Path) -> str:
    """Write `error` to run_dir/error.txt as one line, `Type: message`, atomically; return it."""
    message = " ".join(f"{type(error).__name__}: {error}".split())
    with atomic_path(run_dir / ERROR_FILE) as temporary:
        temporary.write_text(message + "\n")
    return message
