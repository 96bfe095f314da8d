"""A pool worker does not outlive a killed daemon."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

SCRIPT = textwrap.dedent(
    """
    import concurrent.futures, multiprocessing, os, sys, time
    from musictool.workers import worker_init
    if __name__ == "__main__":
        pool = concurrent.futures.ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"), initializer=worker_init, initargs=(10, 0.1))
        print(pool.submit(os.getpid).result(), flush=True)
        time.sleep(60)
    """
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie waiting for its reaper counts as gone
        return fh.read().split(") ")[1][0] != "Z"


def test_worker_exits_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    assert alive(worker)
    ours = os.getpriority(os.PRIO_PROCESS, 0)  # other tests in this process may have lowered it already
    assert os.getpriority(os.PRIO_PROCESS, worker) >= min(19, ours + 10)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(worker)
