"""nnexp: config-driven experiments with small NumPy neural networks.

Run `python -m nnexp.run` (see README.md). Modules, in the order data flows through them:
config (schema and checks; messages says Hydra's errors in one line) -> data -> network -> train
-> results and plots -> run (entry point); then, from the files on disk: files (read, never
trusted) -> runs (one run folder) -> collect (every run below a path) -> comparison (the tables)
-> report.
"""

__version__ = "0.1.0"
