"""Set-up for the daemon's worker processes.

A pool worker blocks on its call queue, whose pipe it also holds open, so it never notices that the daemon
was killed (SIGKILL, a crash): without a watch it would live on as an orphan. Workers also run at a lower
priority so the daemon and the user's desktop stay responsive during a library-wide analysis.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time


def _exit_with_parent(parent: int, interval: float) -> None:
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(0)


def worker_init(nice: int = 10, interval: float = 1.0) -> None:
    with contextlib.suppress(OSError):
        os.nice(nice)
    threading.Thread(
        target=_exit_with_parent, args=(os.getppid(), interval), name="parent-watch", daemon=True
    ).start()
