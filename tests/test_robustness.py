"""The environment a command runs in: a console whose reader leaves, MPLBACKEND, SIGTERM, and the
processes a launcher starts. Each fails the way a user's mistake does, in one line, or not at all."""

import io
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from nnexp import console


def closed_pipe() -> int:
    """The writing end of a pipe whose reader has already gone, as `| head -1` leaves it."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_a_run_whose_reader_leaves_writes_every_file_and_says_nothing(tmp_path):
    # `python -m nnexp.run | head -1` printed a "--- Logging error ---" traceback per summary line.
    run_dir = tmp_path / "run"
    stdout = closed_pipe()
    try:
        done = subprocess.run([sys.executable, "-m", "nnexp.run", "train.iterations=10", f"hydra.run.dir={run_dir}"],
                              cwd=tmp_path, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=300)
    finally:
        os.close(stdout)
    assert (done.returncode, done.stderr) == (0, "")
    for name in ["results.csv", "history.csv", "predictions.csv", "error_curve.png", "run.log"]:
        assert (run_dir / name).exists(), name
    assert "run folder:" in (run_dir / "run.log").read_text()  # the log file has every line


def test_the_console_handler_goes_quiet_when_its_reader_leaves(capfd):
    stream = open(closed_pipe(), "w")
    handler = console.ConsoleHandler(stream)
    log = logging.getLogger("nnexp.test_console")
    log.addHandler(handler)
    log.propagate = False
    try:
        for k in range(3):
            log.warning(f"line {k}")
    finally:
        log.removeHandler(handler)
        stream.close()  # its buffer goes to /dev/null now: no error at close either
    assert capfd.readouterr().err == ""


def test_a_handler_that_is_not_about_the_pipe_still_reports(capfd):
    handler = console.ConsoleHandler(io.StringIO())
    try:
        raise ValueError("a real logging bug")
    except ValueError:
        handler.handleError(logging.makeLogRecord({"msg": "x"}))
    assert "a real logging bug" in capfd.readouterr().err


def test_prints_to_a_closed_stdout_go_nowhere_once_quieted(monkeypatch, capfd):
    stream = open(closed_pipe(), "w")
    monkeypatch.setattr(sys, "stdout", stream)
    console.quiet_when_stdout_closes()
    console.quiet_when_stdout_closes()  # twice is once
    try:
        for k in range(3):
            print(f"[{k}/3] a sweep's progress line", flush=True)
        print("x" * 100_000)  # more than a pipe holds
        sys.stdout.flush()
        assert sys.stdout.fileno() == stream.fileno()
    finally:
        stream.close()
    assert capfd.readouterr().err == ""


def test_a_bad_mplbackend_does_not_stop_a_run(tmp_path):
    # nnexp draws on an Agg canvas; matplotlib still refused MPLBACKEND=foo when first imported.
    run_dir = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "nnexp.run", "train.iterations=10", f"hydra.run.dir={run_dir}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "MPLBACKEND": "foo"})
    assert (done.returncode, done.stderr) == (0, "")
    assert (run_dir / "error_curve.png").exists()


def test_sigterm_raises_terminated_where_the_program_is_and_a_second_one_ends_it():
    before = signal.getsignal(signal.SIGTERM)
    try:
        console.install_signal_handlers()
        with pytest.raises(console.Terminated):
            signal.raise_signal(signal.SIGTERM)
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the clean-up is not interrupted twice
    finally:
        signal.signal(signal.SIGTERM, before)


def test_ctrl_c_and_sigterm_each_get_their_line_and_exit_code():
    assert console.stopped(KeyboardInterrupt()) == ("interrupted", 130)
    assert console.stopped(console.Terminated()) == ("terminated", 143)
    assert isinstance(console.Terminated(), KeyboardInterrupt)  # every Ctrl-C clean-up runs for it


def test_a_terminated_process_cleans_up_as_for_ctrl_c_and_exits_143(tmp_path):
    # `kill -TERM` ended a run or sweep with exit code 143 and no word, skipping its clean-up.
    script = tmp_path / "stopped.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        from nnexp import console
        console.install_signal_handlers()
        try:
            try:
                print("ready", flush=True)
                time.sleep(60)
            finally:
                print("clean-up ran", file=sys.stderr)
        except KeyboardInterrupt as stop:
            message, code = console.stopped(stop)
            print(f"nnexp: {message}", file=sys.stderr)
            sys.exit(code)
    """))
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline() == "ready\n"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143
    assert stderr.splitlines() == ["clean-up ran", "nnexp: terminated"]


def test_child_processes_write_their_stderr_to_a_log_and_the_console_keeps_ours(tmp_path):
    # hydra/launcher=submitit_local: Ctrl-C killed each job's controller process, and each printed
    # its KeyboardInterrupt traceback on the console it inherited.
    log = tmp_path / ".submitit" / "controllers.log"
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(f"""
        import subprocess, sys
        from pathlib import Path
        from nnexp import console
        console.send_child_stderr_to(Path({str(log)!r}))
        subprocess.run([sys.executable, "-c", "raise KeyboardInterrupt"])
        print("nnexp: interrupted", file=sys.stderr)
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "nnexp: interrupted\n"
    assert "Traceback" in log.read_text() and "KeyboardInterrupt" in log.read_text()


def test_ctrl_c_under_submitit_local_says_one_line_and_leaves_no_process(tmp_path):
    folder = tmp_path / "sweep"
    process = subprocess.Popen(
        [sys.executable, "-m", "nnexp.run", "-m", "seed=0,1", "train.iterations=50000000",
         "train.log_every=1000000", "hydra/launcher=submitit_local", f"hydra.sweep.dir={folder}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(folder.glob("*/.hydra/config.yaml"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)  # both jobs training
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: every process of the group
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    interrupted, stopped = stderr.strip().splitlines()
    assert interrupted == "nnexp: interrupted"
    assert stopped.startswith("nnexp: 0 of 2 jobs had finished when the sweep stopped; python -m nnexp.run -m ")
    assert stopped.endswith(f"hydra.sweep.dir={folder} resume=true completes the sweep")
    time.sleep(1)
    survivors = subprocess.run(["pgrep", "-f", str(folder)], capture_output=True, text=True).stdout.split()
    assert survivors == []
