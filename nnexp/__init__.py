"""nnexp: config-driven experiments with small NumPy neural networks.

Run `python -m nnexp.run` (see README.md). Modules, in the order data flows through them:
config (schema and checks) -> data -> network -> train -> results and plots -> run (entry point).
"""

__version__ = "0.1.0"
