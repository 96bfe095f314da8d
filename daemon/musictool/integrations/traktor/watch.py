"""Notice when Traktor rewrites collection.nml (or saves a History file) and call back once things are quiet.

watchdog watches the folders (not the files: Traktor replaces the file, which a file watch would lose). Events
arrive on watchdog's thread and are handed to the event loop. A replaced file (created / moved into place) that
already ends with </NML> is complete, so it is read at once; an in-place write is read after `debounce` seconds
without further events. A slow poll of (size, mtime) backs watchdog up on file systems that drop events.
Traktor creates its History folder on the first saved set, possibly long after we started: its parent is watched
too (and polled), so the folder is watched, and the sets already in it are read, as soon as it appears.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

from .reader import file_is_complete

log = logging.getLogger(__name__)
MOVE_PAIRING_DELAY = 0.05


def _shorten_move_pairing() -> None:
    """watchdog holds an inotify MOVED_FROM for 0.5 s to pair it with its MOVED_TO, and its reader often sleeps
    out the whole hold even when the pair arrived at once: a file replaced by rename would be noticed half a
    second late. Both halves of a rename come from one syscall, so a short hold still pairs them."""
    for module, cls in (
        ("watchdog.observers.inotify_move_event_grouper", "InotifyMoveEventGrouper"),  # watchdog >= 6
        ("watchdog.observers.inotify_buffer", "InotifyBuffer"),  # older
    ):
        with contextlib.suppress(ImportError, AttributeError, OSError):
            getattr(importlib.import_module(module), cls).delay = MOVE_PAIRING_DELAY
            return

Callback = Callable[[set[str]], Awaitable[None]]


def stat_key(path: str | os.PathLike) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def folder_id(path: Path) -> tuple[int, int] | None:
    """(device, inode) of a folder, None if there is none: a replaced folder needs a new watch."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None


_CHANGES = frozenset({"created", "modified", "moved", "deleted", "closed"})


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: CollectionWatcher):
        self.w = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        # reads (ours included: "opened", "closed_no_write") must not look like changes
        if event.event_type not in _CHANGES:
            return
        if event.is_directory and event.event_type not in ("created", "moved", "deleted"):
            return  # a folder's "modified" only repeats what its files' events say
        paths = [os.fsdecode(event.src_path)]
        dest = getattr(event, "dest_path", None)
        if dest:
            paths.append(os.fsdecode(dest))
        for p in paths:
            self.w.notify_threadsafe(p, event.event_type, is_directory=event.is_directory)


class CollectionWatcher:
    """Calls `callback({"collection"} | {"history"})` after changes settle. Start/stop on the event loop."""

    def __init__(
        self,
        collection: Path,
        history_dir: Path | None,
        callback: Callback,
        *,
        debounce: float = 1.0,
        poll_interval: float = 10.0,
    ):
        self.collection = collection
        self.history_dir = history_dir
        self.callback = callback
        self.debounce = max(0.0, debounce)
        self.poll_interval = poll_interval
        self._loop: asyncio.AbstractEventLoop | None = None
        self._observer: Observer | None = None  # type: ignore[valid-type]
        self._handler = _Handler(self)
        self._history_watch: ObservedWatch | None = None
        self._history_id: tuple[int, int] | None = None  # folder_id of the History folder being watched
        self._timer: asyncio.TimerHandle | None = None
        self._pending: set[str] = set()
        self._poll_task: asyncio.Task | None = None
        self._last_seen: dict[str, tuple[int, int] | None] = {}
        self._incomplete_since: float | None = None
        self.max_incomplete_wait = max(10.0, 3 * self.debounce)

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        _shorten_move_pairing()
        obs = Observer()
        obs.daemon = True
        folder = self.collection.parent
        if folder.is_dir():
            obs.schedule(self._handler, str(folder), recursive=False)
        parent = self.history_dir.parent if self.history_dir else None
        if parent and parent != folder and parent.is_dir():
            obs.schedule(self._handler, str(parent), recursive=False)  # to see History appear
        obs.start()  # even with nothing to watch yet: the History folder is added when it appears
        self._observer = obs
        self._watch_history()  # sets already there are read by the component's first ingest
        self._last_seen["collection"] = stat_key(self.collection)
        self._poll_task = asyncio.ensure_future(self._poll())

    async def stop(self) -> None:
        if self._timer:
            self._timer.cancel()
        if self._poll_task:
            self._poll_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._poll_task
        if self._observer is not None:
            obs = self._observer
            self._observer = None
            await asyncio.to_thread(lambda: (obs.stop(), obs.join(timeout=5)))

    def mark_seen(self, what: str = "collection") -> None:
        """Remember the file's current (size, mtime) so the poll does not report what was just read."""
        self._last_seen[what] = stat_key(self.collection)

    def notify_threadsafe(self, path: str, event_type: str, *, is_directory: bool = False) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            if is_directory:
                loop.call_soon_threadsafe(self._on_folder, path)
            else:
                loop.call_soon_threadsafe(self._on_event, path, event_type)

    def _watch_history(self) -> bool:
        """Watch the History folder if it is there and not watched yet (or was replaced); True if newly watched."""
        ident = folder_id(self.history_dir) if self.history_dir else None
        if ident == self._history_id:
            return False
        self._history_id = ident
        obs = self._observer
        if obs is not None and self._history_watch is not None:
            with contextlib.suppress(Exception):  # its folder is gone: watchdog may have dropped it already
                obs.unschedule(self._history_watch)
        self._history_watch = None
        if ident is None:
            return False
        if obs is not None:
            try:
                self._history_watch = obs.schedule(self._handler, str(self.history_dir), recursive=False)
            except OSError as e:
                log.warning("cannot watch %s (%s): new sets are seen by the poll", self.history_dir, e)
        return True

    def _on_folder(self, path: str) -> None:
        """A folder appeared, moved or went: if the History folder appeared, read the sets already in it."""
        if self.history_dir and Path(path) == self.history_dir and self._watch_history():
            self._queue("history", self.debounce)

    def _classify(self, path: str) -> str | None:
        p = Path(path)
        if p == self.collection:
            return "collection"
        if self.history_dir and p.parent == self.history_dir and p.suffix.lower() == ".nml":
            return "history"
        return None

    def _on_event(self, path: str, event_type: str) -> None:
        what = self._classify(path)
        if what is None:
            return
        delay = self.debounce
        if what == "collection" and event_type in ("created", "moved", "closed"):
            self._incomplete_since = None
            if file_is_complete(self.collection):
                delay = min(delay, 0.05)  # replaced, or closed after writing: the new file is whole already
            elif event_type != "closed":
                self._incomplete_since = -1e18  # replaced by an incomplete file: it is broken, read it now
        self._queue(what, delay)

    def _queue(self, what: str, delay: float) -> None:
        """Add `what` to the next callback and (re)start the quiet period before it."""
        self._pending.add(what)
        if self._timer:
            self._timer.cancel()
        assert self._loop is not None
        self._timer = self._loop.call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        assert self._loop is not None
        if "collection" in self._pending and not file_is_complete(self.collection):
            # Traktor may still be writing in place: wait for the end tag a while before reading (and
            # failing on) a half-written file; a file that stays incomplete is then reported as truncated
            now = self._loop.time()
            if self._incomplete_since is None:
                self._incomplete_since = now
            if now - self._incomplete_since < self.max_incomplete_wait:
                self._timer = self._loop.call_later(max(self.debounce, 0.25), self._fire)
                return
        self._incomplete_since = None
        what, self._pending = self._pending, set()
        if what:
            asyncio.ensure_future(self._run(what))

    async def _run(self, what: set[str]) -> None:
        try:
            await self.callback(what)
        except Exception:  # noqa: BLE001 - a failed callback must not stop the watcher
            log.exception("traktor watcher callback failed")

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            now = stat_key(self.collection)
            if now != self._last_seen.get("collection"):
                self._last_seen["collection"] = now
                if now is not None:
                    self._on_event(str(self.collection), "modified")
            if self._watch_history():  # the History folder appeared unreported
                self._queue("history", self.debounce)
