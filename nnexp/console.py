"""The console: nnexp's lines on a terminal or a pipe, and how a command stops on a signal.

A reader that leaves early (`python -m nnexp.run | head -1`) costs nothing: the run still writes
all its files and exits quietly. SIGTERM stops a command the way Ctrl-C does, with its own line
and exit code. The jobs that hydra/launcher=submitit_local starts keep their tracebacks off the
console when Ctrl-C stops them with the sweep.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path
from typing import TextIO


def stop_writing(stream: TextIO) -> None:
    """Point `stream` at /dev/null, as Python's docs advise once its reader has gone (BrokenPipeError,
    "Note on SIGPIPE" in the `signal` module's docs): what is still buffered, and every later
    line, go nowhere instead of failing again, down to the flush at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)


class ConsoleHandler(logging.StreamHandler):
    """The console's log handler (conf/hydra/job_logging/nnexp.yaml).

    When the console's reader has gone (`| head -1`, a closed terminal), the plain StreamHandler
    prints a '--- Logging error ---' traceback for every line that follows. This one stops
    writing to the console instead, and the run goes on: its files are written all the same,
    and its run.log keeps every line.
    """

    def handleError(self, record: logging.LogRecord) -> None:
        if isinstance(sys.exc_info()[1], OSError):  # a closed pipe, a full /dev/full, a gone terminal
            stop_writing(self.stream)
        else:
            super().handleError(record)


def quiet_when_stdout_closes() -> None:
    """Make sys.stdout go quiet once its reader has gone, for every print() and every log handler
    that writes to it from now on (Hydra's own "[HYDRA] ..." lines included), as ConsoleHandler
    does for nnexp's log lines: the command goes on, writes its files, and says nothing about it.

    Call it in the process the user started, before Hydra configures its logging.
    """
    if sys.stdout is not None and not isinstance(sys.stdout, _QuietStream):
        sys.stdout = _QuietStream(sys.stdout)


class _QuietStream:
    """A text stream that stops writing when a write or flush fails: a closed pipe, or a console
    that cannot take more (`> /dev/full`). The command's files are what it is for; its console
    is a courtesy that must never cost them."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError:
            stop_writing(self._stream)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError:
            stop_writing(self._stream)

    def __getattr__(self, name: str):  # fileno, encoding, isatty, ...: the stream's own
        return getattr(self._stream, name)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, as Ctrl-C raises KeyboardInterrupt: every
    `except KeyboardInterrupt` and `finally` on the way out runs as it does for Ctrl-C."""


def install_signal_handlers() -> None:
    """Make SIGTERM (`kill PID`, a scheduler ending a job) stop the command as Ctrl-C does.

    Call it in the process the user started, not in a sweep's job processes: there, the
    launcher decides what a signal does.
    """
    signal.signal(signal.SIGTERM, _terminate)


def _terminate(signum: int, frame: object) -> None:
    # A second SIGTERM, while the first one's clean-up runs, ends the process at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise Terminated()


def stopped(interrupt: KeyboardInterrupt) -> tuple[str, int]:
    """What to say for a command stopped by Ctrl-C or SIGTERM, and its exit code: 128 plus the
    signal's number (130, 143), as a shell reports a process the signal ended."""
    if isinstance(interrupt, Terminated):
        return "terminated", 128 + signal.SIGTERM
    return "interrupted", 128 + signal.SIGINT


def send_child_stderr_to(log_file: Path) -> None:
    """From now on, processes this one starts write their stderr to `log_file` (appended); this
    process keeps writing its own to the console.

    For hydra/launcher=submitit_local: submitit starts a controller process per job
    (`python -m submitit.local._local`), which runs the job in a process of its own and waits
    for it. Both are in the terminal's process group, so Ctrl-C reaches them as well as the
    sweep: each job's traceback goes to its own log in .submitit/, but each controller dies of
    KeyboardInterrupt in its wait loop and prints a traceback on the console it inherited. With
    this, those land in `log_file`, and the console keeps the sweep's own lines.
    """
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError:  # no log, no diversion: tracebacks on the console are better than no sweep
        return
    sys.stderr.flush()
    console = os.dup(2)  # not inherited (os.dup's default): the console stays this process's own
    os.dup2(log, 2)  # file descriptor 2 is what child processes inherit as their stderr
    os.close(log)
    # This process's Python-level stderr: tracebacks, warnings, print(..., file=sys.stderr).
    sys.stderr = open(console, "w", buffering=1, encoding=sys.stderr.encoding, errors=sys.stderr.errors)
