"""A plugin (loaded through [plugins] modules) with job kinds that make the queue's guarantees observable.

test.ticker counts steps with a checkpoint after each, and appends "done <job id>" to a ledger file when it
finishes, so a test can prove that a job killed mid-way resumes and that no job finishes twice.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from musictool.jobs import JobContext, RetryableError

LEDGER = Path(os.environ.get("TICKER_LEDGER", "/tmp/ticker-ledger.txt"))


def _append(line: str) -> None:
    with open(LEDGER, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


async def ticker(job: JobContext) -> dict:
    steps = int(job.payload.get("steps", 5))
    delay = float(job.payload.get("delay", 0.05))
    start = int(job.state.get("step", 0))
    for step in range(start, steps):
        job.raise_if_cancelled()
        await asyncio.sleep(delay)
        _append(f"step {job.job_id} {step}")
        await job.checkpoint({"step": step + 1})
        await job.progress(step + 1, steps, f"step {step + 1}")
    _append(f"done {job.job_id}")
    return {"steps": steps, "resumed_from": start}


async def flaky(job: JobContext) -> dict:
    failures = int(job.payload.get("failures", 2))
    if job.attempt <= failures:
        raise RetryableError(f"planned failure {job.attempt}", retry_after=0.2)
    return {"attempt": job.attempt}


async def setup(ctx) -> None:  # noqa: ANN001
    ctx.queue.register("test.ticker", ticker, resource="test")
    ctx.queue.register("test.flaky", flaky)
    count = int(os.environ.get("TICKER_JOBS", "0"))
    for i in range(count):
        await ctx.queue.enqueue(
            "test.ticker",
            {
                "steps": int(os.environ.get("TICKER_STEPS", "5")),
                "delay": float(os.environ.get("TICKER_DELAY", "0.05")),
            },
            dedupe_key=f"ticker-{i}",
        )
    if os.environ.get("FLAKY_JOB"):
        await ctx.queue.enqueue("test.flaky", {"failures": 2}, dedupe_key="flaky")
