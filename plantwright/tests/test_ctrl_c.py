"""Ctrl-C stops `make run` without make calling it an error: honcho runs through
`plantwright.foreground` as the terminal's foreground job, so the terminal's SIGINT reaches honcho
and its processes, not make. Checked in a real pseudo-terminal with GNU make, the way a person
presses Ctrl-C."""

import os
import pty
import select
import shutil
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVER = "import signal, sys, time; signal.signal(2, lambda *a: (print('stopped'), sys.exit(130))); print('up', flush=True); time.sleep(60)"  # noqa: E501


def press_ctrl_c_in(folder: Path, recipe: str) -> tuple[str, int]:
    (folder / "Makefile").write_text(f"run:\n\t@{recipe} || [ $$? -eq 130 ]\n")
    pid, fd = pty.fork()
    if pid == 0:  # the child: a new session whose controlling terminal is the pty, like a terminal window
        os.chdir(folder)
        os.environ["PYTHONPATH"] = str(REPO)
        os.execvp("make", ["make", "--no-print-directory", "run"])
    seen, deadline = b"", time.monotonic() + 20
    while b"up" not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.2)[0]:
            seen += os.read(fd, 1024)
    os.write(fd, b"\x03")  # the terminal turns it into SIGINT for its foreground process group
    while select.select([fd], [], [], 10)[0]:
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the other end closed: make is gone
            break
        if not chunk:
            break
        seen += chunk
    _pid, status = os.waitpid(pid, 0)
    os.close(fd)
    return seen.decode(errors="replace"), os.waitstatus_to_exitcode(status)


@pytest.fixture
def folder(tmp_path):
    if not shutil.which("make"):
        pytest.skip("GNU make is missing")
    return tmp_path


def test_ctrl_c_stops_the_processes_and_make_ends_quietly(folder):
    output, code = press_ctrl_c_in(folder, f'{sys.executable} -m plantwright.foreground {sys.executable} -c "{SERVER}"')
    assert "stopped" in output and "Interrupt" not in output and "Error" not in output, output
    assert code == 0


def test_without_it_make_reports_an_interrupt(folder):
    """Why the wrapper exists (if make ever stops doing this, the wrapper can go). Make's words
    depend on when the signal finds it: "Interrupt", or, when its child has already exited,
    "*** wait: No child processes. Stop." Either way it complains and fails."""
    output, code = press_ctrl_c_in(folder, f'{sys.executable} -c "{SERVER}"')
    assert ("Interrupt" in output or "***" in output) and code != 0, output


def test_make_run_starts_honcho_through_it():
    recipe = (REPO / "Makefile").read_text()
    assert "-m plantwright.foreground $(BIN)/honcho start" in recipe
