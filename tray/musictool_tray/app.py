"""`musictool-tray`: a tray icon that shows the daemon's state and offers its everyday actions.

It talks only to the API (the same client the CLI uses) and follows the daemon live through GET /events:
an event marks the state stale, one refresh (GET /status and the latest notifications) follows, and
nothing runs while nothing happens. The daemon may stop and start again under it; the icon shows
"daemon not running" meanwhile and picks the daemon up again when it is back.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from typing import Any

from musictool.cli.client import ApiClient, ApiError, DaemonNotRunning
from musictool.config import ConfigError
from musictool.home import Home
from musictool.opener import dashboard_url_for, open_in_browser
from musictool_tray import icons
from musictool_tray.sse import EventStream, SseEvent
from musictool_tray.state import DOWN, state_of, summary, title

log = logging.getLogger("musictool_tray")
LATEST = 5  # notifications in the menu
COALESCE_SECONDS = 0.3  # a burst of events gives one refresh
QUIET_EVENTS = ("job.progress",)  # frequent and change nothing the tray shows


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Tray:
    def __init__(self, home: Home) -> None:
        self.home = home
        self.info: dict[str, Any] | None = None
        self.notifications: list[dict[str, Any]] = []
        self.icon: Any = None
        self._shown: tuple[str, str] | None = None
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.stream = EventStream(self._connection, self._on_event, self._on_connect, self._on_disconnect)

    # -- talking to the daemon ------------------------------------------------------------------------
    def api(self) -> ApiClient:
        client = ApiClient.from_home(self.home)  # port and token afresh: the daemon may have restarted
        client.timeout = 10.0
        return client

    def _connection(self) -> tuple[str, str | None]:
        client = self.api()
        return client.base_url, client.token

    def fetch(self) -> None:
        """One refresh: the state and the latest notifications, then the icon, title and menu."""
        try:
            api = self.api()
            info = summary(api.get("/status"))
            notes = api.get("/notifications", limit=LATEST)["items"]
        except (DaemonNotRunning, ApiError, OSError, KeyError, ValueError) as exc:
            log.debug("refresh failed: %s", exc)
            info, notes = None, self.notifications
        with self._lock:
            self.info, self.notifications = info, notes
        self.show()

    def show(self) -> None:
        state, line = state_of(self.info), title(self.info)
        if (state, line) != self._shown:
            self._shown = (state, line)
            log.info("state %s: %s", state, line)
        if self.icon is not None:
            self.icon.icon = icons.image(state)
            self.icon.title = line
            self.icon.update_menu()

    # -- the event stream (its own thread) -------------------------------------------------------------
    def _on_connect(self) -> None:
        log.info("connected to the daemon's event stream")
        self._dirty.set()

    def _on_event(self, event: SseEvent) -> None:
        if event.type not in QUIET_EVENTS:
            self._dirty.set()

    def _on_disconnect(self, reason: str) -> None:
        log.info("event stream lost (%s); waiting for the daemon", reason)
        with self._lock:
            self.info = None
        self.show()

    def _refresher(self) -> None:
        while not self._stop.is_set():
            self._dirty.wait()
            if self._stop.is_set():
                return
            self._stop.wait(COALESCE_SECONDS)
            self._dirty.clear()
            self.fetch()

    # -- menu actions (run off the GTK thread: they wait for the network or a browser) -----------------
    def _background(self, fn: Any, *args: Any) -> None:
        threading.Thread(target=self._guarded, args=(fn, *args), daemon=True).start()

    def _guarded(self, fn: Any, *args: Any) -> None:
        try:
            fn(*args)
        except (DaemonNotRunning, ApiError, ConfigError, OSError) as exc:
            log.warning("%s", exc)
            if self.icon is not None and getattr(self.icon, "HAS_NOTIFICATION", False):
                self.icon.notify(str(exc), "MusicTool")

    def open_dashboard(self) -> None:
        url = dashboard_url_for(self.home)
        log.info("opening the dashboard")
        open_in_browser(url)

    def post(self, path: str) -> None:
        log.info("POST %s", path)
        self.api().post(path)
        self._dirty.set()

    def toggle_pause(self) -> None:
        self.post("/jobs/resume" if self.info and self.info["paused"] else "/jobs/pause")

    def notification_clicked(self, note: dict[str, Any]) -> None:
        """What the notification's first button does (open its listing, or the dashboard)."""
        action = (note.get("actions") or [{"id": "open_dashboard"}])[0]["id"]
        log.info("notification %s: %s", note["id"], action)
        result = self.api().post(f"/notifications/{note['id']}/actions/{action}")
        if result.get("url"):
            open_in_browser(result["url"])
        self._dirty.set()

    def menu_items(self) -> list[Any]:
        import pystray

        item, sep = pystray.MenuItem, pystray.Menu.SEPARATOR
        up = self.info is not None
        with self._lock:
            notes = list(self.notifications) if up else []
        items = [
            item(lambda _: title(self.info), None, enabled=False),
            sep,
            item("Sync Discogs now", lambda *_: self._background(self.post, "/discogs/sync"), enabled=up),
            item(
                lambda _: "Resume jobs" if self.info and self.info["paused"] else "Pause jobs",
                lambda *_: self._background(self.toggle_pause),
                enabled=up,
            ),
        ]
        if notes:
            items.append(sep)
            for note in notes:
                mark = "" if note.get("read_at") else "• "
                items.append(
                    item(
                        mark + _short(note["title"]),
                        lambda *_, n=note: self._background(self.notification_clicked, n),
                    )
                )
        items += [
            sep,
            item("Open dashboard", lambda *_: self._background(self.open_dashboard), default=True),
            item("Quit", lambda *_: self.quit()),
        ]
        return items

    # -- life cycle -------------------------------------------------------------------------------------
    def quit(self) -> None:
        log.info("quit")
        self._stop.set()
        self._dirty.set()
        self.stream.stop()
        if self.icon is not None:
            self.icon.stop()

    def run(self) -> None:
        try:  # the X11 window class (WM_CLASS) and the name desktop shells show
            from gi.repository import GLib

            GLib.set_prgname("musictool-tray")
        except ImportError:
            pass
        import pystray

        self.icon = pystray.Icon(
            "musictool", icons.image(DOWN), title(None), menu=pystray.Menu(self.menu_items)
        )

        def setup(icon: Any) -> None:
            icon.visible = True
            threading.Thread(target=self.stream.run, name="tray-events", daemon=True).start()
            threading.Thread(target=self._refresher, name="tray-refresh", daemon=True).start()
            log.info("tray ready (%s backend)", type(icon).__module__.rsplit(".", 1)[-1].lstrip("_"))

        try:
            self.icon.run(setup=setup)
        except Exception:  # pystray's gtk teardown hides its own notifier and fails when none runs
            if not self._stop.is_set():
                raise
            log.debug("ignoring an error from the tray backend's teardown", exc_info=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="musictool-tray", description=__doc__)
    ap.add_argument("--home", help="MusicTool home folder")
    ap.add_argument("--once", action="store_true", help="print the tray's title line and exit")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="musictool-tray: %(message)s", stream=sys.stderr)
    tray = Tray(Home.resolve(args.home))
    if args.once:
        logging.getLogger().setLevel(logging.WARNING)
        tray.fetch()
        print(title(tray.info))
        return 0
    tray.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
