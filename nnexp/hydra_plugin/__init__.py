"""nnexp's sweeper, installed as `hydra_plugins.nnexp_sweeper` (pyproject.toml maps this folder
there: Hydra instantiates sweepers only from the `hydra_plugins` package).

It is Hydra's BasicSweeper, with two changes. For `resume=true`, it launches only the jobs that
nnexp.resume found unfinished, each pinned to the folder it had, instead of every job. And it
does not compose every job's config again before launching it: nnexp.jobs.check_jobs composed
each one (and checked its values, which Hydra's check does not) before the sweep started, and
a second composition cost ~0.2 s a job, a fifth of a small sweep's time. Hydra's
discovery of plugins cannot see a package installed in editable mode (`pip install -e .`), so
nnexp.run registers this class itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.types import Override

from nnexp import resume


class NnexpSweeper(BasicSweeper):
    """BasicSweeper (the same keys: max_batch_size, params) that completes a resumed sweep."""

    def split_arguments(self, overrides: List[Override], max_batch_size: Optional[int]) -> List[List[List[str]]]:
        plan = resume.plan_for(Path(self.config.hydra.sweep.dir))
        if plan is None:
            batches = BasicSweeper.split_arguments(overrides, max_batch_size)
        else:
            batches = [plan.to_run] if plan.to_run else []
        return batches

    def validate_batch_is_legal(self, batch) -> None:
        """Nothing to do: every job of the sweep was composed and checked by nnexp.jobs.check_jobs
        (the callback's on_multirun_start), which refuses the sweep before it starts."""
