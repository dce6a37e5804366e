"""Run a command as the terminal's foreground job: `python -m plantwright.foreground honcho start`.

`make run` stops with Ctrl-C. The terminal sends that SIGINT to its whole foreground process group,
make included, and make answers any SIGINT with "make: *** [Makefile: run] Interrupt" and exit code
130, however cleanly the servers stopped. Shells avoid this for their jobs by giving each its own
process group and handing it the terminal; this does the same for one command, so Ctrl-C reaches
the command (honcho stops every process) and make only sees it end. Without a terminal (CI, a
service manager) it just runs the command.
"""

import os
import signal
import subprocess
import sys


def _terminal() -> int | None:
    try:
        fd = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        return None
    try:
        if os.tcgetpgrp(fd) == os.getpgrp():  # we are in the foreground: the terminal is ours to lend
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def run(command: list[str]) -> int:
    fd = _terminal()
    if fd is None:
        return subprocess.call(command)
    ours = os.getpgrp()
    child = subprocess.Popen(command, process_group=0)
    # Taking the terminal from the background would stop us with SIGTTOU: ignore it meanwhile.
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        os.tcsetpgrp(fd, child.pid)
        signal.signal(signal.SIGTTOU, previous)
        while True:
            try:
                code = child.wait()
                break
            except KeyboardInterrupt:  # a SIGINT sent to us alone: pass it on
                child.send_signal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        os.tcsetpgrp(fd, ours)  # the terminal back to make (and the shell behind it)
        signal.signal(signal.SIGTTOU, previous)
        os.close(fd)
    return 128 + -code if code < 0 else code


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
