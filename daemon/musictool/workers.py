"""Set-up for the daemon's worker processes.

A pool worker blocks on its call queue, whose pipe it also holds open, so it never notices that the daemon
was killed (SIGKILL, a crash): without a watch it would live on as an orphan. Workers also run at a lower
priority so the daemon and the user's desktop stay responsive during a library-wide analysis.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time


def _exit_with_parent(parent: int, interval: float) -> None:
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(0)


def die_with_parent(parent: int) -> None:
    """Linux: SIGKILL this process when `parent` dies; exit now if it died already.

    `parent` is the pid its creator recorded, not os.getppid() read here: a worker still starting when the
    daemon was killed is already re-parented by then and would watch the wrong process for ever (found by
    the kill -9 test: 73 MB orphans that never exited)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def worker_init(nice: int = 10, interval: float = 1.0, parent: int | None = None) -> None:
    """Pool initializer; pass the creating process's pid as `parent` (see die_with_parent)."""
    parent = os.getppid() if parent is None else parent
    die_with_parent(parent)
    with contextlib.suppress(OSError):
        os.nice(nice)
    threading.Thread(target=_exit_with_parent, args=(parent, interval), name="parent-watch", daemon=True).start()
