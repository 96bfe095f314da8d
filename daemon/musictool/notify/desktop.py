"""Desktop delivery through desktop-notifier; a missing notification service is logged, never fatal."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


class DesktopDelivery:
    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._notifier = None
        self._broken = False

    async def show(self, title: str, body: str) -> None:
        if not self.enabled or self._broken:
            return
        try:
            if self._notifier is None:
                from desktop_notifier import DesktopNotifier

                self._notifier = DesktopNotifier(app_name="MusicTool")
            await asyncio.wait_for(self._notifier.send(title=title, message=body), timeout=5)
        except Exception as exc:  # noqa: BLE001 - no session bus, no notification daemon, ...
            self._broken = True
            log.info("desktop notifications unavailable (%s); they stay in the API and the tray", exc)
