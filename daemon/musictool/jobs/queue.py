"""Dispatches queued jobs to registered handlers within per-resource concurrency limits.

State lives in the jobs table, so a killed process loses nothing: jobs found 'running' at start run again,
from their last checkpoint; finished jobs are final.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import random
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from musictool.events import EventBus
from musictool.redact import error_text, redact
from musictool.store import jobs as store
from musictool.store import kv
from musictool.store.db import Database
from musictool.store.jobs import QueueFull

__all__ = ["JobQueue", "JobContext", "QueueFull", "RetryableError", "PermanentError", "JobCancelled"]
log = logging.getLogger(__name__)
Handler = Callable[["JobContext"], Awaitable[dict[str, Any] | None]]


class RetryableError(Exception):
    """A failure worth trying again later (network down, 5xx, rate limited)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(Exception):
    """A failure that another attempt will not fix (bad input, bad credentials)."""


class JobCancelled(Exception):
    """Raised inside a handler at a safe point after the user cancelled the job."""


@dataclass
class _Registration:
    handler: Handler
    resource: str


@dataclass
class JobContext:
    job_id: int
    kind: str
    payload: dict[str, Any]
    state: dict[str, Any]
    attempt: int
    app: Any
    _queue: JobQueue = field(repr=False)
    cancelled: bool = False

    async def progress(
        self, done: int | None = None, total: int | None = None, message: str | None = None
    ) -> None:
        await store.set_progress(self._queue.db, self.job_id, done, total, message)
        self._queue.events.publish(
            "job.progress",
            {"job_id": self.job_id, "kind": self.kind, "done": done, "total": total, "message": message},
        )

    async def checkpoint(self, state: dict[str, Any]) -> None:
        self.state = dict(state)
        await store.set_state(self._queue.db, self.job_id, self.state)

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise JobCancelled(f"job {self.job_id} was cancelled")


DEFAULT_LIMITS = {"default": 4, "io": 4, "discogs": 1, "musicbrainz": 1, "acoustid": 1}


class JobQueue:
    def __init__(
        self,
        db: Database,
        events: EventBus,
        limits: dict[str, int] | None = None,
        *,
        max_attempts: int = 5,
        backoff_base: float = 2.0,
        backoff_cap: float = 3600.0,
        app: Any = None,
        max_queued: int = 20,
    ):
        self.db = db
        self.events = events
        self.app = app
        self.limits = dict(DEFAULT_LIMITS)
        self.limits.setdefault("cpu", max(1, (os.cpu_count() or 2) - 1))
        self.limits.update(limits or {})
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_queued = max_queued
        self._handlers: dict[str, _Registration] = {}
        self._running: dict[int, tuple[asyncio.Task[None], JobContext]] = {}
        self._wake = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        self._stopping = False
        self.paused = False

    # registration and submission -------------------------------------------------------------------------
    def register(self, kind: str, handler: Handler, resource: str = "default") -> None:
        if kind in self._handlers:
            raise ValueError(f"job kind {kind!r} is registered twice")
        self._handlers[kind] = _Registration(handler, resource)
        self._wake.set()

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)

    async def enqueue(
        self,
        kind: str,
        payload: dict[str, Any] | None = None,
        *,
        dedupe_key: str | None = None,
        priority: int = 0,
        max_attempts: int | None = None,
        delay: float = 0.0,
        max_queued: int | None = None,
    ) -> int:
        reg = self._handlers.get(kind)
        resource = reg.resource if reg else "default"
        job_id, created = await store.insert(
            self.db,
            kind,
            resource,
            payload or {},
            dedupe_key,
            priority,
            max_attempts or self.max_attempts,
            time.time() + delay,
            max_queued,
        )
        if created:
            self.events.publish("job.queued", {"job_id": job_id, "kind": kind})
        self._wake.set()
        return job_id

    async def submit(self, kind: str, payload: dict[str, Any], *, priority: int = 0) -> int:
        """A job a client asked for: the same request while a matching job is queued or running gets that
        job; past max_queued waiting jobs of the kind, QueueFull (a 429). One client cannot pile up work."""
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]
        return await self.enqueue(
            kind, payload, dedupe_key=f"{kind}:request:{digest}", priority=priority, max_queued=self.max_queued
        )

    # control ---------------------------------------------------------------------------------------------
    async def start(self) -> None:
        requeued = await store.requeue_interrupted(self.db)
        if requeued:
            log.info("requeued %d job(s) interrupted by the last shutdown or crash", requeued)
        self.paused = bool(await kv.get(self.db, "jobs.paused", False))
        self._dispatcher = asyncio.create_task(self._dispatch_loop(), name="job-dispatcher")

    async def pause(self) -> None:
        self.paused = True
        await kv.set(self.db, "jobs.paused", True)
        self.events.publish("jobs.paused", {})

    async def resume(self) -> None:
        self.paused = False
        await kv.set(self.db, "jobs.paused", False)
        self.events.publish("jobs.resumed", {})
        self._wake.set()

    async def cancel(self, job_id: int) -> dict[str, Any] | None:
        """Cancel a queued job at once, or ask a running one to stop; None if there is no such job."""
        if await store.cancel_queued(self.db, job_id):
            self.events.publish("job.finished", {"job_id": job_id, "status": "cancelled"})
        elif job_id in self._running:
            task, ctx = self._running[job_id]
            ctx.cancelled = True
            task.cancel()
            await asyncio.wait([task], timeout=10)
        return await store.get(self.db, job_id)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop taking work; interrupt running jobs and put them back in the queue with their checkpoints."""
        self._stopping = True
        self._wake.set()
        if self._dispatcher:
            self._dispatcher.cancel()
            await asyncio.gather(self._dispatcher, return_exceptions=True)
        tasks = [task for task, _ in self._running.values()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    def running_count(self, resource: str | None = None) -> int:
        return sum(
            1
            for _, ctx in self._running.values()
            if resource is None or self._handlers[ctx.kind].resource == resource
        )

    # dispatching -----------------------------------------------------------------------------------------
    async def _dispatch_loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            if not self.paused:
                await self._fill_slots()
            await self._sleep_until_due()

    async def _fill_slots(self) -> None:
        by_resource: dict[str, list[str]] = {}
        for kind, reg in self._handlers.items():
            by_resource.setdefault(reg.resource, []).append(kind)
        for resource, kinds in by_resource.items():
            limit = self.limits.get(resource, self.limits["default"])
            while self.running_count(resource) < limit and not self._stopping:
                job = await store.claim_next(self.db, resource, kinds)
                if job is None:
                    break
                self._launch(job)

    async def _sleep_until_due(self) -> None:
        due = await store.next_run_after(self.db, self.kinds)
        timeout = 60.0 if due is None else max(0.05, min(60.0, due - time.time()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=timeout)

    def _launch(self, job: dict[str, Any]) -> None:
        ctx = JobContext(
            job_id=job["id"],
            kind=job["kind"],
            payload=job["payload"] or {},
            state=job["state"] or {},
            attempt=job["attempts"],
            app=self.app,
            _queue=self,
        )
        task = asyncio.create_task(self._run(ctx, job), name=f"job-{job['id']}-{job['kind']}")
        self._running[job["id"]] = (task, ctx)
        self.events.publish(
            "job.started", {"job_id": job["id"], "kind": job["kind"], "attempt": job["attempts"]}
        )

    async def _run(self, ctx: JobContext, job: dict[str, Any]) -> None:
        reg = self._handlers[ctx.kind]
        status, result, error = "succeeded", None, None
        try:
            result = await reg.handler(ctx)
        except (JobCancelled, asyncio.CancelledError):
            if ctx.cancelled:
                status, error = "cancelled", "cancelled by the user"
            else:  # shutdown: keep the checkpoint and run again next start
                await asyncio.shield(store.back_to_queue(self.db, ctx.job_id))
                self._running.pop(ctx.job_id, None)
                return
        except PermanentError as exc:
            status, error = "failed", redact(str(exc)) or type(exc).__name__
        except Exception as exc:  # noqa: BLE001 - any handler failure is recorded on the job
            error = error_text(exc)
            retry_after = exc.retry_after if isinstance(exc, RetryableError) else None
            if job["attempts"] < job["max_attempts"]:
                delay = retry_after if retry_after is not None else self._backoff(job["attempts"])
                log.warning(
                    "job %s (%s) attempt %d failed, retrying in %.0f s: %s",
                    ctx.job_id,
                    ctx.kind,
                    job["attempts"],
                    delay,
                    error,
                )
                if not isinstance(exc, RetryableError):
                    log.debug("%s", traceback.format_exc())
                await store.retry_later(self.db, ctx.job_id, time.time() + delay, error)
                self.events.publish(
                    "job.retrying",
                    {"job_id": ctx.job_id, "kind": ctx.kind, "error": error, "retry_in": delay},
                )
                self._running.pop(ctx.job_id, None)
                self._wake.set()
                return
            status = "failed"
            log.error(
                "job %s (%s) failed after %d attempts: %s", ctx.job_id, ctx.kind, job["attempts"], error
            )
        await asyncio.shield(
            store.finish(self.db, ctx.job_id, status, result if status == "succeeded" else None, error)
        )
        self._running.pop(ctx.job_id, None)
        self.events.publish(
            "job.finished", {"job_id": ctx.job_id, "kind": ctx.kind, "status": status, "error": error}
        )
        if status == "failed":
            self.events.publish(
                "error", {"source": "jobs", "job_id": ctx.job_id, "kind": ctx.kind, "message": error}
            )
        self._wake.set()

    def _backoff(self, attempts: int) -> float:
        raw = min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempts - 1))
        return raw * random.uniform(0.5, 1.0)
