"""Run and sweep folders: each holds exactly one run, or one sweep, and is claimed before
anything is written into it.

A run claims its folder by creating manifest.json in it exclusively (O_EXCL); a sweep claims its
folder by creating `.nnexp_sweep` exclusively and holds a lock on that file while it runs. Both
creations are atomic between processes and on shared file systems, so runs started in the same
second, by any launcher, never share a folder: a folder named after the time gets `-2`, `-3`,
... when its name is taken, and a folder the user named that already holds something is refused.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import socket
from pathlib import Path

from omegaconf import OmegaConf

from nnexp.names import run_name

from nnexp.manifest import MANIFEST_FILE, claim

# In a sweep folder: created exclusively by the sweep that owns the folder, locked while it runs.
SWEEP_CLAIM = ".nnexp_sweep"

# Longest folder name nnexp makes: file systems allow 255 bytes, and the temporary files beside
# results (`.results.csv.<pid>.<hex>.tmp`) are not in these names, so this leaves room to spare.
MAX_NAME = 150


class FolderError(Exception):
    """A folder cannot be used, for a reason of the file system (exit code 1) or because another
    run or sweep holds it (exit code 2: the user chose it). The message is one line."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def safe_name(text: str) -> str:
    """`text` as one folder name: path separators and NUL replaced by `_`, so that no value
    (`data.name=../../x`) can place a folder outside outputs/ or its sweep; names longer than
    MAX_NAME bytes keep their start and end in a digest of the whole, so they stay distinct."""
    name = "".join("_" if char in "/\\\0" else char for char in str(text)) or "_"
    if name in (".", ".."):
        name = name.replace(".", "_")
    if len(name.encode()) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    start = name.encode()[: MAX_NAME - 14].decode(errors="ignore")
    return f"{start}~{digest}"


# `${nnexp.name:...}` in conf/config.yaml: run and job folder names. Registered on import, which
# every process that resolves a run's folder does (Hydra's main imports nnexp.run, a launcher's
# worker unpickles its task function from it).
OmegaConf.register_new_resolver("nnexp.name", safe_name, replace=True)
# `${nnexp.run_name:}`: a single run's folder says what it trained (nnexp.names.run_name).
OmegaConf.register_new_resolver("nnexp.run_name", lambda *, _root_: safe_name(run_name(_root_)), replace=True)


# What a job's folder name (hydra.sweep.subdir) may hold: folder names of letters, digits and
# `._-`, the job's number, and the job's overrides made into a name by nnexp.name.
JOB_NUMBER = "${hydra.job.num}"
SAFE_OVERRIDES = "${nnexp.name:${hydra.job.override_dirname}}"


def check_subdir(subdir: str) -> str | None:
    """Why `subdir` (hydra.sweep.subdir, unresolved) could put two jobs in one folder, or a job
    outside its sweep; None if it cannot. Hydra writes into a job's folder before any code of
    nnexp's runs there, so this is decided from the pattern, for every job at once: only the
    job's number tells jobs apart for sure (any other value may repeat, or hold `/` and `..`)."""
    if JOB_NUMBER not in subdir:
        return "must contain ${hydra.job.num}, so that every job of the sweep gets a folder of its own"
    rest = subdir.replace(SAFE_OVERRIDES, "x")
    if JOB_NUMBER + SAFE_OVERRIDES in subdir or SAFE_OVERRIDES + JOB_NUMBER in subdir or \
            re.search(r"\d\$\{hydra\.job\.num\}|\$\{hydra\.job\.num\}\d", rest):
        return ("must keep ${hydra.job.num} apart from digits and overrides, e.g. with a _, so that no two "
                "jobs can read the same (job 1 and job 11)")
    rest = rest.replace(JOB_NUMBER, "0")
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", rest):
        return ("may hold only folder names of letters, digits and ._-, ${hydra.job.num}, and "
                f"{SAFE_OVERRIDES}, which keeps a path out of the overrides (the default: "
                f"{JOB_NUMBER}_{SAFE_OVERRIDES})")
    if rest.startswith("/") or ".." in rest.split("/"):
        return "must name a folder inside the sweep folder"
    return None


def inside(folder: Path, parent: Path) -> bool:
    """True if `folder` lies strictly inside `parent`, links and `..` resolved."""
    folder, parent = folder.resolve(), parent.resolve()
    return folder != parent and parent in folder.parents


def claim_run_folder(path: Path, named_by_user: bool) -> tuple[Path, list[Path]]:
    """Create and claim a run folder at `path`; return it and the folders created on the way.

    named_by_user: the user chose `path` (hydra.run.dir=...): if it holds anything already, it is
    refused. Otherwise `path` is a name made from the time, and a taken name becomes path-2, ...
    The created folders are what a refused run removes again, so that it leaves nothing behind.
    """
    _refuse_nested(path, "run")
    created = _make_parents(path.parent)
    for candidate in _candidates(path, named_by_user):
        made = _make_folder(candidate)
        if made is None and named_by_user:
            raise FolderError(f"{candidate} is a file, not a folder; hydra.run.dir names the run's folder.", 2)
        if made is None:
            continue
        if made or not any(candidate.iterdir()):
            try:
                claim(candidate)
                global _claimed_run
                _claimed_run = (candidate, created + ([candidate] if made else []))
                return _claimed_run
            except FileExistsError:  # another run claimed it between our two calls
                pass
            except OSError as error:
                raise FolderError(f"Cannot write into {candidate}: {_reason(error)}.") from None
        if named_by_user:
            holds = "another run" if (candidate / MANIFEST_FILE).exists() or (candidate / ".hydra").exists() \
                else "files"
            raise FolderError(f"{candidate} already holds {holds}; each folder holds exactly one run. "
                              f"Choose a new hydra.run.dir, or leave it out for a folder of its own.", 2)
    raise FolderError(f"No free folder name beside {path}.")  # 1,000 runs in one second


def claim_sweep_folder(path: Path, named_by_user: bool, resume: bool) -> tuple[Path, list[Path]]:
    """Create (or, to resume, reopen) a sweep folder at `path`, claim it and lock it for as long
    as this process lives; return it and the folders created for it, outermost first (a sweep
    refused before any job started removes them again: `release_sweep_folder`). Refuses a folder
    that holds another sweep (unless resuming it) or a live sweep (always)."""
    _refuse_nested(path, "sweep")
    if resume:
        if not (path / "multirun.yaml").is_file():
            raise FolderError(f"{path} holds no sweep to resume (no multirun.yaml); "
                              f"resume=true completes the sweep in hydra.sweep.dir.", 2)
        _lock(path / SWEEP_CLAIM)
        return path, []
    created = _make_parents(path.parent)
    for candidate in _candidates(path, named_by_user):
        made = _make_folder(candidate)
        if made is None:
            continue
        try:
            descriptor = os.open(candidate / SWEEP_CLAIM, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.close(descriptor)
        except FileExistsError:
            if named_by_user:
                raise FolderError(f"{candidate} already holds a sweep. Add resume=true to complete it "
                                  f"(its finished jobs are kept), or choose a new hydra.sweep.dir.", 2) from None
            continue
        except OSError as error:
            raise FolderError(f"Cannot write into {candidate}: {_reason(error)}.") from None
        others = [entry.name for entry in candidate.iterdir() if entry.name != SWEEP_CLAIM]
        if others:
            (candidate / SWEEP_CLAIM).unlink()
            if named_by_user:
                what = "a sweep" if "multirun.yaml" in others else "files"
                hint = " Add resume=true to complete it," if what == "a sweep" else ""
                raise FolderError(f"{candidate} already holds {what}.{hint} Choose a new hydra.sweep.dir "
                                  f"(a sweep folder holds one sweep).", 2)
            continue
        _lock(candidate / SWEEP_CLAIM)
        return candidate, created + ([candidate] if made else [])
    raise FolderError(f"No free folder name beside {path}.")


# What a sweep folder holds before its first job starts: nnexp's claim and counter, Hydra's
# config of the sweep. Anything else (a job's folder, submitit's `.submitit/` of jobs handed to
# SLURM that will start later) means the sweep has work in the folder.
SWEEP_OWN_FILES = {SWEEP_CLAIM, ".nnexp_done", "multirun.yaml"}


def release_sweep_folder(sweep: Path, created: list[Path]) -> bool:
    """Remove a sweep folder in which no job ever started (a sweep refused by Hydra after nnexp
    claimed its folder, or stopped at once), with the folders made for it, so that the corrected
    command finds it free; True if removed. A folder with any job's trace is left as it is."""
    if sweep not in created or not sweep.is_dir() or {e.name for e in sweep.iterdir()} - SWEEP_OWN_FILES:
        return False
    _remove(sweep, SWEEP_OWN_FILES, created)
    return True


def _remove(folder: Path, names: set[str], created: list[Path]) -> None:
    """Remove `names` from `folder` (files, or folders of files), then the folders in `created`
    (outermost first), innermost first, each only while it is empty."""
    for name in names:
        target = folder / name
        if target.is_dir():
            for file in target.iterdir():
                file.unlink()
            target.rmdir()
        else:
            target.unlink(missing_ok=True)
    for made in reversed(created):
        try:
            made.rmdir()
        except OSError:  # not empty: another run or sweep lives there now; leave it
            return


def _refuse_nested(path: Path, what: str) -> None:
    """FolderError if `path` lies inside a run or sweep folder: a run there would be counted by
    that sweep's report as one of its jobs, or read as part of that run."""
    for parent in {*Path(os.path.abspath(path)).parents, *Path(path).resolve().parents}:  # links too
        if (parent / MANIFEST_FILE).is_file() or (parent / ".hydra").is_dir():
            raise FolderError(f"{path} lies inside the run folder {parent}; a {what} needs a folder outside "
                              f"any run.", 2)
        if (parent / SWEEP_CLAIM).exists() or (parent / "multirun.yaml").is_file():
            raise FolderError(f"{path} lies inside the sweep folder {parent}, whose report would count it; "
                              f"a {what} needs a folder outside any sweep.", 2)


# Open lock files of this process's sweeps; closing one (at exit) releases its lock.
_locks: list[int] = []


def _lock(file: Path) -> None:
    """Hold an exclusive lock on `file` for the rest of this process, or raise FolderError if a
    live process holds it. The kernel drops the lock when its process ends, however it ends, so
    a sweep killed half way never leaves its folder locked."""
    try:
        descriptor = os.open(file, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise FolderError(f"Cannot write into {file.parent}: {_reason(error)}.") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(file)
        os.close(descriptor)
        raise FolderError(f"A sweep is still running in {file.parent}{holder}; wait for it to end, "
                          f"or stop it, before resuming.", 2) from None
    except OSError as error:  # a file system without locks (some network mounts): go on unlocked
        if error.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
            raise
    os.ftruncate(descriptor, 0)
    os.write(descriptor, (json.dumps({"pid": os.getpid(), "hostname": socket.gethostname()}) + "\n").encode())
    _locks.append(descriptor)


def _read_holder(file: Path) -> str:
    try:
        holder = json.loads(file.read_text())
        return f" (process {holder['pid']} on {holder['hostname']})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _candidates(path: Path, named_by_user: bool):
    """`path`, then, unless the user named it, path-2 ... path-1000."""
    yield path
    if not named_by_user:
        for k in range(2, 1001):
            yield path.with_name(f"{path.name}-{k}")


def _make_folder(path: Path) -> bool | None:
    """Create `path`: True if created, False if it is a folder already, None if it is a file."""
    try:
        path.mkdir()
        return True
    except FileExistsError:
        return False if path.is_dir() else None
    except OSError as error:
        raise FolderError(f"Cannot create the folder {path}: {_reason(error)}.") from None


def _make_parents(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents; return those created, outermost first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for parent in reversed(missing):
        try:
            parent.mkdir(exist_ok=True)
        except OSError as error:
            raise FolderError(f"Cannot create the folder {parent}: {_reason(error)}.") from None
    return list(reversed(missing))


# The run folder this process claimed, and the folders it created for it: what a run refused
# after its claim (a mistake only Hydra's logging set-up finds) removes again.
_claimed_run: tuple[Path, list[Path]] | None = None
# What a run folder holds before its run writes results: the claim, Hydra's config and log, and
# the error that refused it.
RUN_OWN_FILES = {MANIFEST_FILE, ".hydra", "run.log", "error.txt"}


def release_refused_run() -> None:
    """Remove the run folder this process claimed, and the folders made for it, if they hold
    nothing but what nnexp and Hydra put there before the run began (manifest, .hydra/, log):
    a command refused for a mistake leaves nothing behind."""
    if _claimed_run is None:
        return
    run, created = _claimed_run
    if {entry.name for entry in run.iterdir()} - RUN_OWN_FILES:
        return  # the run wrote results: not a refusal's leftovers
    _remove(run, RUN_OWN_FILES, created)


def _reason(error: OSError) -> str:
    """The operating system's reason, in its words: `Permission denied`, `No space left on device`."""
    return error.strerror or str(error)
