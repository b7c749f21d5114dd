"""Shared helpers: run the real command line, and compose the real configs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"


def run_cli(*overrides: str, cwd: Path) -> subprocess.CompletedProcess:
    """`python -m nnexp.run OVERRIDES...` in a subprocess, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "nnexp.run", *overrides],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )


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
