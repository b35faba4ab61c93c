"""Every core busy: 2-process exports running one after another beside a test or a benchmark
(tests/test_live_load.py, bench/live_soak.py --load)."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys


def busy_cores(scratch: str) -> subprocess.Popen:
    """2-process exports of an hour of thunderstorm into the folder ``scratch``, one after another
    until :func:`rest` stops them, beside the play."""
    export = (f"{shlex.quote(sys.executable)} -m sensory export thunderstorm -d 1h -j 2 --force "
              f"-o {shlex.quote(os.path.join(scratch, 'load.flac'))}")
    return subprocess.Popen(["bash", "-c", f"while :; do {export} >/dev/null 2>&1; done"], start_new_session=True)


def rest(load: subprocess.Popen) -> None:
    """Stop the exports of :func:`busy_cores`, the loop and its children together."""
    os.killpg(load.pid, signal.SIGKILL)
    load.wait()
