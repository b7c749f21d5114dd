"""manifest.json: what produced a run, and how it ended.

Every run folder gets one. It is created exclusively when the folder is claimed (so no two runs
ever share a folder: see nnexp.folders) and rewritten atomically when the run ends:

    nnexp_version, command, argv, cwd        what was run, from where
    git {commit, dirty} or null               the checkout nnexp ran from, when it is one
    versions {python, numpy, hydra-core, ...} the libraries that computed the numbers
    platform, hostname, pid
    started, ended, wall_seconds              ISO 8601 times in UTC
    status                                    running | finished | failed | interrupted
    config_sha256                             sha256 of .hydra/config.yaml when the run ended:
                                              results belong to that config and no other
    config                                    that config as the run resolved it (${oc.env:...},
                                              ${hydra:...} and the like read in the run itself)
    files {name: sha256}                      the tables as the run wrote them: a copied, edited
                                              or cut file no longer matches
    error                                     one line, when the run failed

The report reads it to say which versions and commits made a table, and to refuse results
whose .hydra/config.yaml has changed since (nnexp.runs).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import shlex
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import nnexp
from nnexp.results import atomic_path

MANIFEST_FILE = "manifest.json"

# The libraries whose versions can change a result or its files.
LIBRARIES = ["numpy", "hydra-core", "omegaconf", "pandas", "matplotlib"]

# Folders whose manifest this process created and has not yet closed: {folder: manifest}. An
# interrupted process closes them (`close_open`); a run that ends closes its own (`finish`).
_open: dict[Path, dict] = {}
_started: dict[Path, float] = {}


def claim(folder: Path, command: str | None = None, cwd: str | None = None) -> dict:
    """Create folder/manifest.json with status running; FileExistsError if it is there already.

    command: the run as a command line; by default this process's own (a sweep's job passes its
    own overrides, which its process's argv does not show under a parallel launcher). cwd: the
    folder the command was started in (Hydra's runtime.cwd; by default this process's), which a
    relative data.path is read from again by the report, even under hydra.job.chdir=true.

    Creating the file with O_EXCL is atomic between processes and on shared file systems, so of
    two runs that try to claim one folder, exactly one succeeds.
    """
    manifest = {
        "nnexp_version": nnexp.__version__,
        "command": command or command_line(sys.argv),
        "argv": list(sys.argv),
        "cwd": cwd or os.getcwd(),
        "git": git_state(),
        "versions": versions(),
        "platform": platform.platform(),
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
        "started": _now(),
        "ended": None,
        "wall_seconds": None,
        "status": "running",
        "config_sha256": None,
    }
    descriptor = os.open(folder / MANIFEST_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(descriptor, "w") as file:
        file.write(json.dumps(manifest, indent=2) + "\n")
    _open[folder] = manifest
    _started[folder] = time.perf_counter()
    return manifest


def is_claimed_here(folder: Path) -> bool:
    """True if this process claimed `folder` and has not closed its manifest."""
    return folder in _open


# The tables a run writes, whose digests its manifest keeps.
TABLES = ["results.csv", "history.csv", "predictions.csv", "weights.npz"]


def finish(folder: Path, status: str, error: str | None = None, config: dict | None = None) -> None:
    """Close the manifest this process opened in `folder`: its end, status, config (resolved,
    as `config`) and the digests of its config file and tables."""
    manifest = _open.pop(folder)
    manifest |= {
        "ended": _now(),
        "wall_seconds": round(time.perf_counter() - _started.pop(folder), 3),
        "status": status,
        "config_sha256": config_digest(folder),
        "config": config,
        "files": {name: _sha256(folder / name) for name in TABLES if (folder / name).is_file()},
    }
    if error is not None:
        manifest["error"] = error
    write(folder, manifest)


def close_open(status: str, error: str | None = None) -> None:
    """Close every manifest still open in this process with `status` (interrupted: Ctrl-C or
    SIGTERM; failed: a failure outside the run's own code, such as Hydra's logging set-up, which
    no hook of the run sees)."""
    for folder in list(_open):
        try:
            finish(folder, status, error)
        except OSError:  # the folder may be gone or unwritable; the run is lost either way
            _open.pop(folder, None)


def write(folder: Path, manifest: dict) -> None:
    with atomic_path(folder / MANIFEST_FILE) as temporary:
        temporary.write_text(json.dumps(manifest, indent=2) + "\n")


def config_digest(folder: Path) -> str | None:
    """sha256 of folder/.hydra/config.yaml, None if it does not exist."""
    file = folder / ".hydra" / "config.yaml"
    return _sha256(file) if file.exists() else None


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def command_line(argv: list[str]) -> str:
    """The command as a user would retype it: `python -m nnexp.run model=two_layer seed=3`."""
    program = "python -m nnexp.run" if argv and argv[0].endswith(("nnexp/run.py", "-m")) else shlex.quote(argv[0])
    return " ".join([program, *map(shlex.quote, argv[1:])])


@functools.cache
def versions() -> dict[str, str]:
    """Python's version and those of the libraries in LIBRARIES, read without importing them."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


@functools.cache
def git_state() -> dict | None:
    """{commit, dirty} of the git checkout nnexp's code comes from; None outside one (an
    installed copy, a cluster node without git)."""
    source = Path(nnexp.__file__).resolve().parent
    try:
        # nnexp's own files must be tracked there: an installed copy inside a user's repository
        # (site-packages in a project's .venv) would otherwise report the project's commit.
        tracked = subprocess.run(["git", "ls-files", "--error-unmatch", "__init__.py"], cwd=source,
                                 capture_output=True, text=True, timeout=10)
        if tracked.returncode != 0:
            return None
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=source, capture_output=True,
                                text=True, timeout=10)
        if commit.returncode != 0:
            return None
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=source,
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")
