"""`musictool-tray`: a tray icon that shows the daemon's state and offers its everyday actions.

It talks only to the API (the same client the CLI uses), so it works with any running daemon.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Any

from musictool.cli.client import ApiClient, ApiError, DaemonNotRunning
from musictool.home import Home


def summary(api: ApiClient) -> dict[str, Any]:
    """The few figures the tray shows, from GET /status."""
    status = api.get("/status")
    counts = status["jobs"]["counts"]
    library = status.get("library", {}).get("digitization", {})
    return {
        "tracks": status.get("traktor", {}).get("tracks"),
        "records": status.get("discogs", {}).get("counts", {}).get("releases"),
        "missing": library.get("missing"),
        "running": counts.get("running", 0),
        "queued": counts.get("queued", 0),
        "paused": status["jobs"]["paused"],
    }


def title(info: dict[str, Any] | None) -> str:
    if info is None:
        return "MusicTool: daemon not running"
    parts = [
        f"{info['tracks'] or 0} tracks",
        f"{info['records'] or 0} records",
        f"{info['missing'] or 0} missing",
    ]
    if info["running"] or info["queued"]:
        parts.append(f"{info['running']} running, {info['queued']} queued")
    if info["paused"]:
        parts.append("paused")
    return "MusicTool: " + ", ".join(parts)


def _image():  # noqa: ANN202 - a PIL image
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((4, 4, 60, 60), fill=(20, 20, 20, 255))
    draw.ellipse((24, 24, 40, 40), fill=(230, 80, 60, 255))
    return img


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="musictool-tray", description=__doc__)
    ap.add_argument("--home", help="MusicTool home folder")
    ap.add_argument("--once", action="store_true", help="print the tray's title line and exit")
    args = ap.parse_args(argv)
    api = ApiClient.from_home(Home.resolve(args.home))

    def fetch() -> dict[str, Any] | None:
        try:
            return summary(api)
        except (DaemonNotRunning, ApiError):
            return None

    if args.once:
        print(title(fetch()))
        return 0

    import pystray

    def act(path: str):  # noqa: ANN202
        def run(icon, item) -> None:  # noqa: ANN001
            try:
                api.post(path)
            except (DaemonNotRunning, ApiError) as exc:
                icon.notify(str(exc), "MusicTool")

        return run

    icon = pystray.Icon(
        "musictool",
        _image(),
        "MusicTool",
        menu=pystray.Menu(
            pystray.MenuItem(lambda item: title(fetch()), None, enabled=False),
            pystray.MenuItem("Sync Discogs now", act("/discogs/sync")),
            pystray.MenuItem("Pause jobs", act("/jobs/pause")),
            pystray.MenuItem("Resume jobs", act("/jobs/resume")),
            pystray.MenuItem("Quit", lambda icon, item: icon.stop()),
        ),
    )

    def refresh() -> None:
        while True:
            icon.title = title(fetch())
            time.sleep(10)

    threading.Thread(target=refresh, daemon=True).start()
    icon.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
