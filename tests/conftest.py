"""Shared helpers: run the real command line, and compose the real configs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"


def run_cli(*overrides: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m nnexp.run OVERRIDES...` in a subprocess, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "nnexp.run", *overrides],
        cwd=cwd, capture_output=True, text=True, timeout=300, env=env,
    )


class Recorder:
    """A stand-in for nnexp.plots_sweep that records what it is asked to draw."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.calls.append((name, args, kwargs))


def crashing_at(folder: Path, *seeds: int) -> dict:
    """An environment in which training crashes (RuntimeError) for a network of any of `seeds`,
    in every Python process started with it, joblib's workers included: a job that fails for a
    reason no config check can see (a bug, a lost disk, a killed worker), for the tests of how a
    sweep survives one. Every config a sweep launches is checked before any job runs
    (nnexp.hydra_plugin), so a bad value cannot make one job of a sweep fail."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        "import nnexp.training\n"
        "_fit = nnexp.training.fit\n"
        "def fit(network, *args, **kwargs):\n"
        f"    if int(network.seeds_[0]) in {sorted(seeds)}:\n"
        "        raise RuntimeError(f'crashed at seed {int(network.seeds_[0])}')\n"
        "    return _fit(network, *args, **kwargs)\n"
        "nnexp.training.fit = fit\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")])}


@pytest.fixture
def compose():
    """compose(*overrides, hydra=False) -> the DictConfig `python -m nnexp.run` would get."""
    from hydra import compose as hydra_compose, initialize_config_dir

    from nnexp import config, presets

    config.register()
    presets.register()

    def _compose(*overrides: str, hydra: bool = False):
        """hydra=True keeps the `hydra` node (sweeper params, overrides) in the result."""
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            return hydra_compose(config_name="config", overrides=list(overrides),
                                 return_hydra_config=hydra)

    return _compose
