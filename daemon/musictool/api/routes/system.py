"""Health, status, jobs and the event stream: the daemon's own state."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time

from aiohttp import web

from musictool.api.util import ctx_of, json_response, list_response, no_fields, page_params, path_int, problem
from musictool.store import jobs as jobs_store

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
KEEPALIVE_SECONDS = 15.0


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok", "version": ctx_of(request).version})


@routes.get("/status")
async def status(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    body = {
        "version": ctx.version,
        "pid": os.getpid(),
        "started_at": ctx.started_at,
        "uptime_seconds": round(time.time() - ctx.started_at, 1),
        "home": str(ctx.home.root),
        "jobs": {
            "paused": ctx.queue.paused,
            "counts": await jobs_store.counts(ctx.db),
            "kinds": ctx.queue.kinds,
        },
        "recent_errors": [{"id": e.id, "at": e.at, **e.data} for e in ctx.events.recent("error", 10)],
    }
    for name, provider in sorted(ctx.status_providers.items()):
        try:
            body[name] = await provider()
        except Exception as exc:  # noqa: BLE001 - one failing part must not hide the rest of the status
            log.exception("status provider %s failed", name)
            body[name] = {"error": str(exc)}
    return json_response(body)


@routes.get("/jobs")
async def list_jobs(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    limit, offset = page_params(request)
    status_filter = request.query.get("status")
    if status_filter is not None and status_filter not in JOB_STATUSES:
        raise problem(400, "Bad parameter", f"status must be one of {', '.join(JOB_STATUSES)}")
    items, total = await jobs_store.list_(
        ctx.db, limit, offset, status_filter, request.query.get("kind") or None
    )
    return list_response(items, total)


@routes.get(r"/jobs/{id:\d+}")
async def get_job(request: web.Request) -> web.Response:
    job = await jobs_store.get(ctx_of(request).db, path_int(request, "id"))
    if job is None:
        raise problem(404, "Not found", "no such job")
    return json_response(job)


@routes.post(r"/jobs/{id:\d+}/cancel")
async def cancel_job(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    await no_fields(request)
    job_id = path_int(request, "id")
    job = await ctx.queue.cancel(job_id)
    if job is None:
        raise problem(404, "Not found", "no such job")
    if job["status"] in ("succeeded", "failed"):
        raise problem(409, "Already finished", f"job {job_id} has already {job['status']}")
    return json_response(job)


@routes.post("/jobs/pause")
async def pause_jobs(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    await no_fields(request)
    await ctx.queue.pause()
    return json_response({"paused": True})


@routes.post("/jobs/resume")
async def resume_jobs(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    await no_fields(request)
    await ctx.queue.resume()
    return json_response({"paused": False})


@routes.get("/events")
async def events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events; Last-Event-ID resumes from the in-memory ring of recent events."""
    ctx = ctx_of(request)
    limit = ctx.config.get("api", "max_event_streams")
    if ctx.events.subscribers >= limit:  # each stream holds a socket and a queue for as long as it stays
        raise problem(
            429, "Too many event streams", f"{limit} event streams are open already; close one first",
            headers={"Retry-After": "5"},
        )  # fmt: skip
    queue = ctx.events.subscribe()
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
    try:
        await response.prepare(request)
        await response.write(b"retry: 3000\n\n")
        for event in ctx.events.since(request.headers.get("Last-Event-ID")):
            await response.write(event.sse())
        quiet_since = time.monotonic()
        while not ctx.stopping.is_set():
            try:  # wake every second to notice a client that left: its slot counts against the cap
                event = await asyncio.wait_for(queue.get(), timeout=1.0)
            except TimeoutError:
                if request.transport is None or request.transport.is_closing():
                    break
                if time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
                    await response.write(b": keep-alive\n\n")
                    quiet_since = time.monotonic()
                continue
            if event is None:  # the daemon is shutting down
                break
            await response.write(event.sse())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        ctx.events.unsubscribe(queue)
    with contextlib.suppress(ConnectionResetError, RuntimeError):
        await response.write_eof()
    return response
