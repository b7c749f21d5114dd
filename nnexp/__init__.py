"""nnexp: config-driven experiments with small NumPy neural networks.

Run `python -m nnexp.run` (see README.md). Modules, in the order data flows through them:
config (schema and checks; messages says Hydra's errors in one line) -> data -> network ->
training -> results and plots -> run (entry point); then, from the files on disk: files (read,
never trusted) -> runs (one run folder) -> collect (every run below a path) -> comparison and
stats (the tables, their intervals and tests) -> report.

From Python (nnexp.api): `nnexp.train("model=two_layer", "data=xor", seed=3)` runs a config as
the command does; `nnexp.load(PATH)` reads runs as the report does. Both are imported on first
use, so that `import nnexp` stays cheap and the command never pays for them.
"""

__version__ = "0.1.0"

_API = ("train", "load", "Experiment", "Run")


def __getattr__(name: str):
    if name in _API:
        from nnexp import api

        return getattr(api, name)
    raise AttributeError(f"module 'nnexp' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
