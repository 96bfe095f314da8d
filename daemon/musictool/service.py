"""The daemon: wires store, events, jobs, scheduler, components and API; owns start-up and clean shutdown."""

from __future__ import annotations

import asyncio
import concurrent.futures
import fcntl
import json
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from musictool import __version__, components, logs
from musictool import token as api_token
from musictool.config import Config, ConfigError, load_config, permission_warning
from musictool.events import EventBus
from musictool.home import Home, write_private
from musictool.jobs import JobQueue
from musictool.library.notification_actions import perform as perform_action
from musictool.model.notifications import Policy
from musictool.notify.desktop import DesktopDelivery
from musictool.opener import dashboard_url, open_in_browser
from musictool.redact import redact, redact_data
from musictool.redact import register as register_secrets
from musictool.store import Database, StoreError
from musictool.store import notifications as notifications_store
from musictool.workers import worker_init

log = logging.getLogger(__name__)
T = TypeVar("T")


class AlreadyRunning(Exception):
    def __init__(self, pid: str):
        super().__init__(pid)
        self.pid = pid


@dataclass
class AppContext:
    config: Config
    home: Home
    db: Database
    events: EventBus
    queue: JobQueue
    scheduler: AsyncIOScheduler
    token: str
    version: str = __version__
    started_at: float = field(default_factory=time.time)
    status_providers: dict[str, Callable[[], Awaitable[dict[str, Any]]]] = field(default_factory=dict)
    port: int = 0
    pairings: Any = None  # extension.pairing.Pairings, set by the extension component
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _shutdown_hooks: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    _process_pool: concurrent.futures.ProcessPoolExecutor | None = None
    _desktop: DesktopDelivery | None = None
    notify_policy: Policy = field(default_factory=Policy)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _token_mtime: int = 0

    async def run_cpu(self, fn: Callable[..., T], *args: Any) -> T:
        """CPU-bound work in the low-priority process pool, so the event loop stays responsive."""
        if self._process_pool is None:
            workers = self.config.get("analysis", "workers")
            # spawn, not fork: a forked worker would inherit the instance lock and the store's threads
            self._process_pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=workers,
                initializer=worker_init,
                initargs=(10, 1.0, os.getpid()),
                mp_context=multiprocessing.get_context("spawn"),
            )
        pool = self._process_pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, partial(fn, *args))
        except concurrent.futures.process.BrokenProcessPool:
            # a worker died in native code (e.g. a decoder crash): a broken pool never recovers, so
            # drop it and let the next call start a fresh one; the caller sees the error for this call
            if self._process_pool is pool:
                self._process_pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            raise

    async def run_io(self, fn: Callable[..., T], *args: Any) -> T:
        """A blocking client call (python3-discogs-client, musicbrainzngs) in a thread."""
        return await asyncio.to_thread(fn, *args)

    async def notify(
        self,
        kind: str,
        title: str,
        body: str = "",
        data: dict[str, Any] | None = None,
        dedupe_key: str | None = None,
        urgent: bool = False,
    ) -> dict[str, Any] | None:
        """Keep, stream and show a notification of any kind; None when its rule is off or it is a repeat.

        [notify] rules may switch a kind off (then it is not kept at all); quiet hours and the digest only
        delay the desktop bubble. `urgent` (the test notification) waits for the desktop and skips both."""
        if not self.notify_policy.enabled(kind):
            log.debug("notification %s switched off in [notify] rules: %s", kind, title)
            return None
        title, body, data = redact(title), redact(body), redact_data(data)
        row = await notifications_store.add(self.db, kind, title, body, data, dedupe_key)
        if row is None:
            return None
        self.events.publish(
            "notification",
            {"id": row["id"], "kind": kind, "title": title, "body": body, "data": data, "actions": row["actions"]},
        )
        if self._desktop:
            if urgent:
                row["desktop"] = await self._desktop.deliver(row, urgent=True)
            else:
                self._spawn(self._desktop.deliver(row))
        return row

    def _spawn(self, coro: Awaitable[Any]) -> None:
        """Fire and forget, but keep a reference so the task is not collected half-way."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def notification_clicked(self, row: dict[str, Any] | None, action: str) -> None:
        """A button on a desktop notification: do it here, and open what it names in the browser."""
        if row is None:  # a digest: its one button opens the dashboard
            url = dashboard_url(self.port, self.current_token())
        else:
            url = (await perform_action(self, row, action)).get("url")
        if url:
            await asyncio.to_thread(open_in_browser, url)

    def schedule_interval(
        self,
        name: str,
        seconds: float,
        kind: str,
        payload: dict[str, Any] | None = None,
        first_in: float = 5.0,
    ) -> None:
        """Periodic work enqueues a job (dedupe_key=name) rather than running inline."""
        if not seconds or seconds <= 0:
            return

        async def tick() -> None:
            await self.queue.enqueue(kind, payload or {}, dedupe_key=name)

        self.scheduler.add_job(
            tick,
            "interval",
            seconds=seconds,
            id=name,
            replace_existing=True,
            next_run_time=datetime.now() + timedelta(seconds=first_in),
            coalesce=True,
            max_instances=1,
        )

    def current_token(self) -> str:
        """The token file is re-read when it changes, so `musictool token rotate` works without a restart."""
        try:
            mtime = self.home.token.stat().st_mtime_ns
        except FileNotFoundError:
            return self.token
        if mtime != self._token_mtime:
            self.token = api_token.read(self.home.token) or self.token
            register_secrets(self.token)
            self._token_mtime = mtime
        return self.token

    def on_shutdown(self, fn: Callable[[], Awaitable[None]]) -> None:
        self._shutdown_hooks.append(fn)


class InstanceLock:
    """A POSIX record lock (lockf) on a file in the home folder: the OS releases it when the process dies, so
    no stale locks. Not flock: a flock is shared with forked children (the NML parse workers), so after a
    kill -9 a still-running child kept the lock and the restarted daemon refused to start."""

    def __init__(self, home: Home):
        self.path = home.lock
        self._fh = None

    def acquire(self) -> None:
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the process lifetime
        try:
            fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            pid = fh.read().strip() or "unknown"
            fh.close()
            raise AlreadyRunning(pid) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh:
            self._fh.seek(0)
            self._fh.truncate()
            fcntl.lockf(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


async def build_context(home: Home, config: Config) -> AppContext:
    db = await Database.open(home.database)
    events = EventBus()
    events.bind(asyncio.get_running_loop())
    jobs_cfg = config.section("jobs")
    queue = JobQueue(
        db,
        events,
        jobs_cfg["concurrency"],
        max_attempts=jobs_cfg["max_attempts"],
        backoff_base=jobs_cfg["backoff_base"],
        backoff_cap=jobs_cfg["backoff_cap"],
        max_queued=jobs_cfg["max_queued_per_kind"],
    )
    ctx = AppContext(
        config=config,
        home=home,
        db=db,
        events=events,
        queue=queue,
        scheduler=AsyncIOScheduler(),
        token=api_token.ensure(home.token),
        notify_policy=Policy.from_config(config.section("notify")),
    )
    ctx._desktop = DesktopDelivery(
        config.get("notify", "desktop"), ctx.notify_policy, on_action=ctx.notification_clicked
    )
    queue.app = ctx

    async def notification_status() -> dict[str, Any]:
        return await notifications_store.unread_counts(db)

    ctx.status_providers["notifications"] = notification_status
    register_secrets(ctx.token, config.get("discogs", "token"), config.get("acoustid", "api_key"))
    return ctx


async def serve(home: Home, config: Config, ready: Callable[[AppContext], None] | None = None) -> None:
    from musictool.api.app import create_app

    modules = components.discover() + components.plugins(config.get("plugins", "modules"))
    ctx = await build_context(home, config)
    try:
        await _run(ctx, modules, create_app, ready)
    finally:
        if ctx._process_pool:
            ctx._process_pool.shutdown(wait=False, cancel_futures=True)
        await ctx.db.close()  # also on a failed start: aiosqlite's threads would keep the process alive
        home.runtime.unlink(missing_ok=True)


async def _run(ctx: AppContext, modules: list, create_app: Callable, ready: Callable | None) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    for module in modules:
        log.debug("setting up %s", module.__name__)
        await module.setup(ctx)
    await ctx.queue.start()
    ctx.scheduler.start()

    app = create_app(ctx)
    # keepalive_timeout also bounds a connection that never completes its headers (aiohttp's default: an
    # hour), so half-sent requests cannot hold sockets and file descriptors; json_body bounds the body and
    # lingering_time the unread rest of a refused one.
    timeout = ctx.config.get("api", "request_timeout")
    runner = web.AppRunner(
        app, handle_signals=False, access_log=None, keepalive_timeout=timeout, lingering_time=timeout
    )
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", ctx.config.get("api", "port"), reuse_address=True)
    try:
        await site.start()
    except OSError:
        ctx.scheduler.shutdown(wait=False)
        await ctx.queue.stop()
        await runner.cleanup()
        raise
    ctx.port = runner.addresses[0][1]
    _write_runtime(ctx.home, ctx.port)
    log.info(
        "MusicTool %s listening on http://127.0.0.1:%d/api/v1 (token in %s)",
        __version__,
        ctx.port,
        ctx.home.token,
    )
    if ready:
        ready(ctx)

    await stop.wait()
    ctx.stopping.set()
    ctx.events.close()
    log.info("shutting down: no new requests or jobs; checkpointing running jobs")
    await site.stop()
    ctx.scheduler.shutdown(wait=False)
    await ctx.queue.stop()
    if ctx._desktop:
        await ctx._desktop.close()
    for hook in reversed(ctx._shutdown_hooks):
        try:
            await hook()
        except Exception:  # noqa: BLE001 - one bad hook must not stop the rest of the shutdown
            log.exception("shutdown hook failed")
    await runner.cleanup()
    log.info("stopped cleanly")


def _write_runtime(home: Home, port: int) -> None:
    write_private(home.runtime, json.dumps({"pid": os.getpid(), "port": port, "version": __version__}).encode())


def run(home: Home) -> int:
    """`musictool serve`: exit 0 after a clean shutdown, 1 when already running or the store is unusable,
    2 for a bad config."""
    os.umask(0o077)  # every file the daemon makes (database, WAL, logs, backups) is the user's alone
    home.ensure()
    try:
        config = load_config(home.config)
    except ConfigError as exc:
        print(f"musictool: configuration error: {exc}", file=sys.stderr)
        return 2
    secrets = [
        api_token.ensure(home.token),
        config.get("discogs", "token") or "",
        config.get("acoustid", "api_key") or "",
    ]
    logs.setup(home.logs, config.get("log", "level"), secrets)
    if warning := permission_warning(home.config):
        log.warning("%s", warning)
    lock = InstanceLock(home)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        print(
            f"musictool: another daemon (PID {exc.pid}) already runs with home {home.root}", file=sys.stderr
        )
        return 1
    # Threads that talk to SQLite release the GIL on every statement; with the default 5 ms switch interval a
    # busy Python thread (an index build) made each of a bulk write's thousands of statements wait its turn.
    sys.setswitchinterval(0.0005)
    try:
        asyncio.run(serve(home, config))
    except (StoreError, components.PluginError) as exc:
        log.error("%s", exc)
        return 1
    except OSError as exc:
        log.error("cannot start: %s", exc)
        return 1
    finally:
        lock.release()
    return 0
