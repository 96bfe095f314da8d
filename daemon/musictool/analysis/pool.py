"""Analyse many files in a pool of low-priority processes, in input order, surviving worker crashes.

Used by `musictool analyze FILE...` (the daemon uses its own pool through ctx.run_cpu). A Python error
inside a worker already comes back as a per-file `error`; this layer also survives a worker that dies in
native code (a decoder segfault): the pool is rebuilt, the files it was holding are retried one at a
time, and a file that kills a worker again is reported as such.
"""

from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool

from musictool.analysis.analyze import AnalysisOptions, AnalysisResult, analyze_file, lower_priority


def _worker_init(quiet: bool) -> None:
    lower_priority()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    if quiet:  # decoders print resync chatter for damaged MP3s straight to fd 2
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)


def _pool(workers: int, quiet: bool) -> concurrent.futures.ProcessPoolExecutor:
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, initializer=_worker_init, initargs=(quiet,)
    )


def _alone(path: str, options: AnalysisOptions, quiet: bool) -> AnalysisResult:
    with _pool(1, quiet) as pool:
        try:
            return pool.submit(analyze_file, path, options).result()
        except BrokenProcessPool:
            return AnalysisResult(
                path=path, error=f"{path}: the decoder crashed on this file (damaged or unsupported)"
            )


def analyze_many(
    paths: Iterable[str], options: AnalysisOptions | None = None, workers: int = 1, quiet: bool = True
) -> Iterator[AnalysisResult]:
    """Yield one AnalysisResult per path, in the order given, as soon as each is ready."""
    opts = options or AnalysisOptions()
    todo = [str(p) for p in paths]
    window = max(1, workers) * 2
    pool = _pool(max(1, workers), quiet)
    try:
        futures: dict[int, concurrent.futures.Future[AnalysisResult]] = {}
        nxt = 0
        for i, path in enumerate(todo):
            while nxt < len(todo) and nxt < i + window:
                futures[nxt] = pool.submit(analyze_file, todo[nxt], opts)
                nxt += 1
            try:
                yield futures.pop(i).result()
            except BrokenProcessPool:
                # every pending future of the dead pool failed too: rebuild and retry them singly
                pool.shutdown(wait=False, cancel_futures=True)
                yield _alone(path, opts, quiet)
                pool = _pool(max(1, workers), quiet)
                for j in list(futures):
                    futures[j] = pool.submit(analyze_file, todo[j], opts)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
