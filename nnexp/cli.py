"""The command line around Hydra's main: every way a command can go wrong, said in one line.

    exit 0    the run or sweep finished
    exit 1    it failed for a reason outside the config: a job raised, the disk is full, a folder
              cannot be written, memory ran out
    exit 2    the command holds a mistake (a key, a value, a folder already used); nothing ran
    exit 130  Ctrl-C; 143: SIGTERM (both: what was written stays whole, manifests say so)

Hydra prints its own errors over several lines, with a hint to set HYDRA_FULL_ERROR=1. With
that variable set, Hydra raises instead, and `messages.explain` says what the user got wrong;
anything that is neither a config mistake nor a failure of the environment keeps its traceback,
since it is a bug to report. A user who sets HYDRA_FULL_ERROR=1 gets Hydra's own behaviour.
"""

from __future__ import annotations

import errno
import functools
import os
import sys
from typing import Callable

from omegaconf.errors import OmegaConfBaseException

from nnexp import config, console, folders, manifest, messages
from nnexp.callback import Refusal
from nnexp.folders import FolderError
from nnexp.sweep import JobsFailed, ReportNotWritten


def run(main: Callable[[], object], argv: list[str] | None = None) -> None:
    """Call Hydra's `main` (it reads sys.argv) and turn what goes wrong into one line and an exit code."""
    console.quiet_when_stdout_closes()  # here, not on import: a launcher's job processes import nnexp.run
    console.install_signal_handlers()
    if os.environ.get("HYDRA_FULL_ERROR") == "1":
        main()
        return
    os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        try:
            refuse_paths_as_choices(sys.argv[1:] if argv is None else argv)
            main()
        except Refusal as refusal:  # an error in one of nnexp's Hydra hooks: handled as any other
            raise refusal.error from None
    except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM: what was written stays whole; no traceback
        manifest.close_open("interrupted")
        _exit(*console.stopped(stop))
    except BrokenPipeError:  # the console's reader left (`| head`): the files are written; say nothing
        sys.exit(0)
    except Exception as error:
        code, message = _explain(error)
        manifest.close_open("failed", message or " ".join(f"{type(error).__name__}: {error}".split()))
        if code == 2:  # a mistake in the command: whatever was claimed for it goes again
            folders.release_refused_run()
        if message is None:
            raise
        _exit(message, code)
    finally:
        os.environ.pop("HYDRA_FULL_ERROR", None)


def refuse_paths_as_choices(arguments: list[str]) -> None:
    """Refuse a config group choice that is a path (`data=../../tmp/x/evil`, `model=/etc/x`):
    Hydra would load any YAML file on disk as the config and name the run folder after it, which
    lands outside outputs/ (or a sweep's job folder outside its sweep). Refuse a list of choices
    (`data=[xor,and]`) too: Hydra merges them into one config, which no name can honestly say."""
    for argument in arguments:
        key, equals, value = argument.partition("=")
        key = key.lstrip("+~")
        if not equals or argument.startswith("-") or "." in key:  # flags, and keys like hydra.run.dir
            continue
        if (key in _groups() or key.startswith("hydra/")) and value.strip().startswith("["):
            raise config.ConfigError(
                f"The '{key}' choice must be one config's name (e.g. {key}=...); a list ({value}) would "
                f"merge several into one run. To run each, sweep: -m {key}=a,b.")
        for choice in value.split(","):
            choice = choice.strip().strip("'\"[]")
            if choice.startswith("/") or ".." in choice.replace("\\", "/").split("/"):
                raise config.ConfigError(
                    f"The '{key}' choice must be the name of a config in its group (e.g. data=xor), "
                    f"not a path. Got {choice!r} instead.")


@functools.cache
def _groups() -> set[str]:
    """The config groups a command may choose from: conf/'s folders and experiments/' (studies)."""
    from nnexp.presets import EXPERIMENTS

    found = {"experiment"} | {folder.name for folder in EXPERIMENTS.iterdir() if folder.is_dir()}
    found |= {str(folder.relative_to(config.CONF)) for folder in config.CONF.rglob("*") if folder.is_dir()}
    return found


def _explain(error: Exception) -> tuple[int, str | None]:
    """(exit code, the one line that says what went wrong); message None for a bug, whose
    traceback is the report to file."""
    if isinstance(error, FolderError):
        return error.exit_code, str(error)
    if isinstance(error, (ReportNotWritten, JobsFailed)):
        return 1, str(error)
    if type(error).__name__ == "TerminatedWorkerError":  # joblib's: a worker died under a job
        return 1, ("a job's process was killed (out of memory, or a signal) and the sweep stopped; the jobs "
                   "that finished are kept, and resume=true with the same command completes the sweep")
    message = messages.explain(error)  # before OSError: Hydra's MissingConfigException is one
    if message is not None:
        return 2, message
    if isinstance(error, OmegaConfBaseException):  # a value that resolves only in a job (its folder's name)
        return 2, f"The '{error.full_key}' parameter cannot be read: {str(error.msg or error).splitlines()[0]}."
    if isinstance(error, OSError):  # a full disk, a read-only folder, a name too long, ...
        return 1, _os_error(error)
    if isinstance(error, MemoryError):
        return 1, "Out of memory. Lower replicas, or raise train.log_every to keep fewer history points."
    return 1, None


def _os_error(error: OSError) -> str:
    """`Cannot write X: No space left on device.`: the file, and the system's reason."""
    verb = "write" if error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS) else "use"
    where = f" {error.filename}" if error.filename else ""
    return f"Cannot {verb}{where}: {error.strerror or error}."


def _exit(message: str, code: int) -> None:
    try:
        print(f"nnexp: {message}", file=sys.stderr, flush=True)
    except OSError:  # stderr is gone too; the exit code still says it
        pass
    sys.exit(code)
