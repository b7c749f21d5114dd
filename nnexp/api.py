"""nnexp from Python, for notebooks and scripts:

    run = nnexp.train("model=two_layer", "data=xor", seed=3)   # python -m nnexp.run model=two_layer data=xor seed=3
    experiment = nnexp.load("outputs/")                         # python -m nnexp.report outputs/, as DataFrames

`train` runs one config the way the command does, in this process: Hydra composes it from conf/
and experiments/, nnexp's callback checks it and claims a folder of its own, Hydra's run_job
writes .hydra/ and run.log, nnexp.run trains and writes the tables; then the folder is read back
as the report reads it (nnexp.runs), so what `train` returns is what every report will count.
`load` builds its tables with the report's own functions. Neither imports matplotlib.
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nnexp.collect import ReportError, Runs, collect
from nnexp.comparison import comparison_table, mixed_code, repeated_seeds, with_probe_outputs
from nnexp.config import ConfigError
from nnexp.network import Network
from nnexp.pairs import pairs_table
from nnexp.runs import FINISHED, read_run

__all__ = ["Experiment", "Run", "load", "train", "ConfigError", "ReportError"]


# --- load: the report's tables ------------------------------------------------------------------

@dataclass(repr=False)
class Experiment:
    """The runs below a path, in the tables the report writes (python -m nnexp.report PATH)."""

    path: Path
    summary: pd.DataFrame  # summary.csv: a row per trained network, with run, overrides and probe outputs
    comparison: pd.DataFrame  # comparison.csv: a row per configuration, the seeds pooled
    histories: pd.DataFrame  # every finished run's history.csv rows, with run
    predictions: pd.DataFrame  # every finished run's predictions.csv rows (train, test, probe), with run
    problems: list[str] = field(default_factory=list)  # runs and jobs not counted, one line each
    notes: list[str] = field(default_factory=list)  # what the report warns about in what it counts
    runs: Runs | None = None  # what nnexp.collect found: records (name -> RunRecord), failed, missing, ...
    pairs: pd.DataFrame = field(default_factory=pd.DataFrame)  # pairs.csv: which differences are real

    def __repr__(self) -> str:
        n_runs = self.summary["run"].nunique() if not self.summary.empty else 0
        problems = f", {len(self.problems)} not counted" if self.problems else ""
        return (f"Experiment({str(self.path)!r}: {n_runs} finished runs, {len(self.summary)} networks, "
                f"{len(self.comparison)} configurations{problems})")


def load(path: str | Path) -> Experiment:
    """The runs below `path` (a sweep folder, a run folder, or outputs/) as DataFrames: the very
    tables `python -m nnexp.report PATH` writes, without writing anything. Runs that failed, did
    not finish, cannot be read or never started are listed in `problems` and warned about
    (UserWarning). ReportError if `path` holds no runs."""
    path = Path(path).expanduser()
    runs = collect([path])
    summary = with_probe_outputs(runs)
    comparison = comparison_table(summary) if not summary.empty else pd.DataFrame()
    predictions = [record.predictions.assign(run=name) for name, record in runs.records.items()]
    experiment = Experiment(path, _as_in_csv(summary), comparison, runs.histories,
                            pd.concat(predictions, ignore_index=True) if predictions else pd.DataFrame(),
                            _problems(runs), _notes(runs), runs, pairs_table(summary))
    if experiment.problems:
        shown = "; ".join(experiment.problems[:3]) + ("; ..." if len(experiment.problems) > 3 else "")
        resume = f" Complete the sweep with: {runs.resume_command}" if runs.resume_command else ""
        warnings.warn(f"{path}: {len(experiment.problems)} run(s) or job(s) not counted in these tables "
                      f"(.problems lists them): {shown}.{resume}", stacklevel=2)
    for note in experiment.notes:
        warnings.warn(f"{path}: {note}", stacklevel=2)
    return experiment


def _as_in_csv(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with the values a CSV file holds: a full batch's batch_size (None once read and
    checked) is empty in results.csv, and pandas reads it back as nan; so is it here, and a
    notebook's table equals the file's."""
    if "batch_size" in table:
        table = table.assign(batch_size=pd.to_numeric(table["batch_size"], errors="coerce"))
    return table


def _problems(runs: Runs) -> list[str]:
    """What the report lists as not counted, in the words it prints (nnexp.report.print_problems)."""
    return ([f"did not finish: {name}: {error}" for name, _, error in runs.failed]
            + [f"unreadable: {name}: {reason}" for name, _, reason in runs.unreadable]
            + [f"unreadable sweep: {error}: the jobs it asked for cannot be listed" for error in runs.sweep_errors]
            + [f"missing: {overrides} (asked for by the sweep, never started)" for overrides in runs.missing]
            + [f"missing: {name}: {overrides} (asked for by that sweep, never started; complete it with {command})"
               for name, missing, command in runs.incomplete for overrides in missing])


def _notes(runs: Runs) -> list[str]:
    """What the report warns about in the runs it counts."""
    notes = [mixed_code(runs)] if mixed_code(runs) else []
    n_repeated = len(repeated_seeds(runs.summary))
    if n_repeated:
        notes.append(f"{n_repeated} seed(s) trained more than once, by several runs of one configuration: the "
                     "comparison counts every run, so those seeds weigh more than the others")
    if runs.strays:
        notes.append(f"{len(runs.strays)} run(s) in the sweep folder that its sweep did not ask for are counted "
                     f"with its jobs: {', '.join(runs.strays[:5])}")
    return notes


# --- train: one run, as the command makes it ----------------------------------------------------

@dataclass(repr=False)
class Run:
    """One finished run, read back from its folder as the report reads it."""

    folder: Path
    config: dict  # the config as the run resolved it (manifest.json)
    results: pd.DataFrame  # results.csv: a row per seed
    history: pd.DataFrame  # history.csv
    predictions: pd.DataFrame  # predictions.csv: train, test and probe rows
    weights: dict[str, np.ndarray]  # weights.npz: W0, W1, ... (n_replicas, n_in, n_out), _initial, seed
    network: Network  # the trained networks: network.predict(X) -> (n_replicas, n_samples, 1)

    def __repr__(self) -> str:
        return f"Run({str(self.folder)!r}, {len(self.results)} network(s))"


def train(*overrides: str, **keywords) -> Run:
    """Train one config as `python -m nnexp.run OVERRIDES` does, in this process, into the same
    run folder (hydra.run.dir: outputs/<day>/<time>_<model>_<data> under the current folder).

    overrides: Hydra overrides as on the command line ("model=mlp", "model.hidden=[16,8]",
    "+key=..."). keywords: `key=value` overrides; `__` in a name stands for a dot
    (train__lr=0.5 is "train.lr=0.5"); strings are taken as Hydra values, lists and numbers are
    written out ([16, 8]), None is null. A mistake raises ConfigError (a bad folder FolderError)
    whose message is the command's one line, and writes nothing. One run only: a sweep (a,b)
    is refused.
    """
    arguments = [*overrides, *(f"{key.replace('__', '.')}={_value(value)}" for key, value in keywords.items())]
    _refuse_sweeps(arguments)
    folder = _run(arguments)
    record = read_run(folder)
    if record.status != FINISHED:  # the run wrote what no report can read: a bug, never a user's mistake
        raise RuntimeError(f"{folder}: the run ended, but its folder reads as {record.status}: {record.reason}")
    config = (record.manifest or {}).get("config") or record.config
    with np.load(folder / "weights.npz") as arrays:
        weights = dict(arrays)
    model = config["model"]
    network = Network(model["hidden"], model["activation"], model["bias"], model["init"]).load(weights)
    return Run(folder, config, _as_in_csv(record.results), record.history, record.predictions, weights, network)


def _value(value: object) -> str:
    """A Python value as a Hydra override's value: [16, 8], true, null, 0.5; strings as they are."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_quoted(item) for item in value) + "]"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return repr(float(value)) if isinstance(value, (float, np.floating)) else str(int(value))
    raise TypeError(f"nnexp.train cannot write {type(value).__name__} {value!r} as an override's value; "
                    "give it as a string")


def _quoted(item: object) -> str:
    """An element of a list: a string quoted, so that commas and brackets in it stay in it."""
    if isinstance(item, str):
        return "'" + item.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return _value(item)


def _refuse_sweeps(arguments: list[str]) -> None:
    """One run per call: refuse flags (-m, --cfg) and sweeps (a,b; range(...)), which the command
    would run as many jobs."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    for argument in arguments:
        if not isinstance(argument, str):
            raise TypeError(f"nnexp.train takes overrides as strings (\"seed=3\") or keywords (seed=3); "
                            f"got {type(argument).__name__} {argument!r}")
        if argument.startswith("-"):
            raise ConfigError(f"nnexp.train runs one config and takes overrides only, not '{argument}'; "
                              "for a sweep, run python -m nnexp.run -m ...")
    try:
        parsed = OverridesParser.create().parse_overrides(arguments)
    except Exception:  # noqa: BLE001 -- said in one line by composing them (messages.explain)
        return
    for override in parsed:
        if override.is_sweep_override() or (override.key_or_group == "hydra.mode" and override.value() != "RUN"):
            raise ConfigError(f"'{override.input_line}' asks for a sweep, and nnexp.train runs one config: call it "
                              "once per value, or sweep with python -m nnexp.run -m ... and nnexp.load the sweep's "
                              "folder.")


def _run(overrides: list[str]) -> Path:
    """Run the config as `python -m nnexp.run OVERRIDES` does and return its folder: Hydra.run's
    steps (compose, on_run_start, run_job, on_run_end), and errors as nnexp.cli says them."""
    from hydra import compose, initialize_config_dir
    from hydra._internal.callbacks import Callbacks
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig
    from hydra.core.utils import run_job
    from hydra.types import HydraContext

    from nnexp import cli, config, folders, manifest, run
    from nnexp.callback import Refusal
    from nnexp.files import one_line
    from nnexp.folders import FolderError

    claimed_before = folders._claimed_run  # noqa: SLF001 -- a refused run removes only its own folder
    hydra_config_before = HydraConfig.instance().cfg
    try:
        try:
            cli.refuse_paths_as_choices(overrides)
            with initialize_config_dir(config_dir=str(config.CONF), version_base="1.3", job_name="run"):
                mode = [] if any(o.lstrip("+~").startswith("hydra.mode=") for o in overrides) else ["hydra.mode=RUN"]
                cfg = compose(config_name="config", overrides=[*overrides, *mode], return_hydra_config=True)
                callbacks = Callbacks(cfg)
                callbacks.on_run_start(config=cfg, config_name="config")
                context = HydraContext(config_loader=GlobalHydra.instance().config_loader(), callbacks=callbacks)
                with _caller_logging_kept():
                    # main.__wrapped__: nnexp.run's task itself, without hydra.main's command-line parsing
                    job = run_job(task_function=run.main.__wrapped__, config=cfg, job_dir_key="hydra.run.dir",
                                  job_subdir_key=None, hydra_context=context)
                callbacks.on_run_end(config=cfg, config_name="config", job_return=job)
                return Path(cfg.hydra.runtime.output_dir)
        except Refusal as refusal:  # an error in one of nnexp's Hydra hooks, as nnexp.cli unwraps it
            raise refusal.error from None
    except KeyboardInterrupt:  # what was written stays whole, and its manifest says so
        manifest.close_open("interrupted")
        raise
    except Exception as error:
        code, message = cli._explain(error)  # noqa: SLF001 -- the command's one line, and its exit code
        manifest.close_open("failed", message or one_line(error))
        if code == 2 and folders._claimed_run is not claimed_before:  # noqa: SLF001
            folders.release_refused_run()  # a mistake leaves nothing behind
        if message is None:  # a bug: its traceback is the report to file
            raise
        if isinstance(error, FolderError):
            raise FolderError(message, error.exit_code) from None
        raise (ConfigError(message) if code == 2 else type(error)(message)) from None
    finally:
        HydraConfig.instance().cfg = hydra_config_before


@contextmanager
def _caller_logging_kept():
    """Hydra sets up logging for the run as for the command (the console and run.log), with
    logging.config.dictConfig, which closes every handler in the process and replaces the root
    logger's. Keep the caller's handlers out of its reach, and give the root logger back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    kept, named = logging._handlerList[:], dict(logging._handlers)  # noqa: SLF001 -- what dictConfig would close
    del logging._handlerList[:]  # noqa: SLF001
    try:
        yield
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()  # run.log, whole
        root.handlers[:] = handlers
        root.setLevel(level)
        logging._handlerList[:0] = kept  # noqa: SLF001
        logging._handlers.update(named)  # noqa: SLF001
