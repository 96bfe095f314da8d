"""Desktop delivery through desktop-notifier, with buttons, quiet hours, a digest for bursts and dedupe.

Nothing here may break the daemon: with no session bus or no notification service the notification is
logged once and stays in the API and the tray; delivery is tried again a minute later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from musictool.model.notifications import Policy, actions_for

log = logging.getLogger(__name__)
APP_NAME = "MusicTool"
ICON = Path(__file__).with_name("musictool.png")  # the tray's idle record (musictool_tray.icons)
RETRY_SECONDS = 60.0
SAME_SECONDS = 600.0  # the same title and text again within this long is not shown twice
DIGEST_LINES = 4

# (notification row or None for a digest, action id) -> awaitable
ActionHandler = Callable[[dict[str, Any] | None, str], Awaitable[Any]]


class DesktopDelivery:
    def __init__(
        self,
        enabled: bool,
        policy: Policy | None = None,
        on_action: ActionHandler | None = None,
        clock: Callable[[], datetime] = datetime.now,
    ):
        self.enabled = enabled
        self.policy = policy or Policy()
        self.on_action = on_action
        self.clock = clock
        self._notifier: Any = None
        self._down_until = 0.0
        self._shown: deque[float] = deque()  # monotonic times of recent sends (burst detection)
        self._recent: dict[tuple[str, str, str], float] = {}
        self._held: list[dict[str, Any]] = []
        self._flush: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.sent: int = 0

    # -- deciding ---------------------------------------------------------------------------------------
    async def deliver(self, row: dict[str, Any], urgent: bool = False) -> str:
        """'sent', 'held' (quiet hours or a burst: comes later in a digest), 'duplicate', 'off' or
        'unavailable'. Urgent ones (the test notification) skip quiet hours and the digest."""
        if not self.enabled:
            return "off"
        now = time.monotonic()
        same = (row["kind"], row["title"], row.get("body") or "")
        self._recent = {k: t for k, t in self._recent.items() if now - t < SAME_SECONDS}
        if same in self._recent and not urgent:
            return "duplicate"
        self._recent[same] = now
        if not urgent:
            quiet_end = self.policy.quiet_until(self.clock())
            if quiet_end is not None:
                self._hold(row, (quiet_end - self.clock()).total_seconds())
                return "held"
            while self._shown and now - self._shown[0] > self.policy.digest_window:
                self._shown.popleft()
            if self._held or len(self._shown) >= self.policy.digest_after:
                self._hold(row, self.policy.digest_window)
                return "held"
            self._shown.append(now)
        return await self._send_row(row)

    def _hold(self, row: dict[str, Any], delay: float) -> None:
        self._held.append(row)
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_later(max(0.0, delay), self._start_flush)

    def _start_flush(self) -> None:
        self._flush = None
        held, self._held = self._held, []
        if held:
            self._spawn(self._send_row(held[0]) if len(held) == 1 else self._send_digest(held))

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- sending ----------------------------------------------------------------------------------------
    async def _send_row(self, row: dict[str, Any]) -> str:
        actions = row.get("actions") or actions_for(row["kind"], row.get("data"))
        return await self._send(row["title"], row.get("body") or "", row, actions)

    async def _send_digest(self, rows: list[dict[str, Any]]) -> str:
        lines = [r["title"] for r in rows[:DIGEST_LINES]]
        if len(rows) > DIGEST_LINES:
            lines.append(f"… and {len(rows) - DIGEST_LINES} more")
        actions = [{"id": "open_dashboard", "label": "Open dashboard"}]
        return await self._send(f"MusicTool: {len(rows)} notifications", "\n".join(lines), None, actions)

    async def _send(
        self, title: str, body: str, row: dict[str, Any] | None, actions: list[dict[str, str]]
    ) -> str:
        if time.monotonic() < self._down_until:
            return "unavailable"
        try:
            from desktop_notifier import Button, DesktopNotifier, Icon

            if self._notifier is None:
                self._notifier = DesktopNotifier(app_name=APP_NAME, app_icon=Icon(path=ICON))
            buttons = [Button(title=a["label"], on_pressed=self._pressed(row, a["id"])) for a in actions]
            dispatched: list[bool] = []
            await asyncio.wait_for(
                self._notifier.send(
                    title=title,
                    message=body,
                    buttons=buttons,
                    on_clicked=self._pressed(row, actions[0]["id"]) if actions else None,
                    on_dispatched=lambda: dispatched.append(True),
                ),
                timeout=5,
            )
            if not dispatched:  # desktop-notifier logs and swallows its failures; this is how we learn
                raise RuntimeError("the notification service did not take it (see the warning above)")
        except Exception as exc:  # noqa: BLE001 - no session bus, no notification service, ...
            self._notifier = None
            self._down_until = time.monotonic() + RETRY_SECONDS
            log.info("desktop notifications unavailable (%s); they stay in the API and the tray", exc)
            return "unavailable"
        self.sent += 1
        return "sent"

    def _pressed(self, row: dict[str, Any] | None, action: str) -> Callable[[], None]:
        def pressed() -> None:
            log.info("desktop notification action %s on %s", action, row["id"] if row else "a digest")
            if self.on_action is not None:
                self._spawn(self._run_action(row, action))

        return pressed

    async def _run_action(self, row: dict[str, Any] | None, action: str) -> None:
        try:
            await self.on_action(row, action)  # type: ignore[misc]
        except Exception:  # noqa: BLE001 - a failing click must not take anything down
            log.exception("notification action %s failed", action)

    async def close(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        for task in list(self._tasks):
            task.cancel()
