"""The tray for real: Xvfb + trayer (an XEmbed system tray) + pystray's gtk backend, against a real daemon.

The icon docks and shows the daemon's state in its picture, a left click opens the dashboard (the
$BROWSER recorder sees the URL), the right-click menu's rows work when chosen with the keyboard as a
user would, and the tray follows the daemon through a restart on another port."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from musictool_tray.icons import LABEL_COLOURS
from testkit.fakes.discogs.server import FakeDiscogs, ServerThread
from testkit.fixtures_path import REPO
from tests.desktop.conftest import opened, require, wait_for
from tests.integration.discogs.test_daemon_discogs import TOKEN, discogs_config

SYNC_ROW_Y = 41  # px from the popup's top to the middle of its first selectable row (GTK 3, default theme)
COALESCE = 1.0  # time for the tray to take in a burst of events and rebuild its menu


class TrayProcess:
    def __init__(self, home: Path, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            ["dbus-run-session", "--", sys.executable, "-m", "musictool_tray", "--home", str(home)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(log, "wb"),  # noqa: SIM115 - closed with the process
            start_new_session=True,  # dbus-run-session, its bus and the app: one group to kill
        )

    def lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def wait_line(self, text: str, after: int = 0, timeout: float = 20.0) -> int:
        """Index of the first log line after `after` containing text."""
        def find() -> int | None:
            for i, line in enumerate(self.lines()[after:], after):
                if text in line:
                    return i + 1
            return None

        try:
            return wait_for(find, timeout, what=repr(text))
        except AssertionError:
            raise AssertionError(f"tray never logged {text!r}:\n" + "\n".join(self.lines()[-30:])) from None

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


def find_docked(d: Any, wm_class: str) -> tuple[int, int, int, int] | None:
    """(x, y, w, h) on screen of a window of this class that trayer reparented (= docked)."""
    root = d.screen().root
    stack = [root]
    while stack:
        w = stack.pop()
        for c in w.query_tree().children:
            stack.append(c)
            try:
                cls = c.get_wm_class()
            except Exception:  # noqa: BLE001 - windows come and go
                cls = None
            if cls and wm_class in cls and c.query_tree().parent.id != root.id:
                g = c.get_geometry()
                if g.width < 16:
                    continue
                t = c.translate_coords(root, 0, 0)
                return -t.x, -t.y, g.width, g.height
    return None


def screenshot(d: Any, path: Path) -> Any:
    import Xlib.X
    from PIL import Image

    root = d.screen().root
    g = root.get_geometry()
    raw = root.get_image(0, 0, g.width, g.height, Xlib.X.ZPixmap, 0xFFFFFFFF)
    img = Image.frombytes("RGB", (g.width, g.height), raw.data, "raw", "BGRX")
    img.save(path)
    return img


def label_pixels(img: Any, box: tuple[int, int, int, int], state: str) -> int:
    """Pixels of the icon's label colour for this state inside the docked icon."""
    x, y, w, h = box
    want = LABEL_COLOURS[state]
    return sum(
        1
        for p in img.crop((x, y, x + w, y + h)).getdata()
        if all(abs(a - b) <= 40 for a, b in zip(p, want, strict=False))
    )


def xdo(env: dict[str, str], *args: str) -> None:
    subprocess.run(["xdotool", *args], env=env, check=True, timeout=10)


def menu_geometry(env: dict[str, str]) -> tuple[int, int, int, int] | None:
    """(x, y, w, h) of the popup menu: a mapped window of the tray's class taller than the icon."""
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--class", "musictool-tray"],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=10,
    ).stdout.split()
    for wid in found:
        geo = subprocess.run(
            ["xdotool", "getwindowgeometry", "--shell", wid],
            env={**os.environ, **env}, capture_output=True, text=True, timeout=10,
        ).stdout
        v = dict(line.split("=", 1) for line in geo.split() if "=" in line)
        if int(v.get("HEIGHT", 0)) > 100:
            return int(v["X"]), int(v["Y"]), int(v["WIDTH"]), int(v["HEIGHT"])
    return None


def menu_open(env: dict[str, str]) -> bool:
    return menu_geometry(env) is not None


def right_click(env: dict[str, str], box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x, y, w, h = box
    xdo(env, "mousemove", str(x + w // 2), str(y + h // 2), "click", "3")
    geometry = wait_for(lambda: menu_geometry(env), 10, what="the tray menu to open")
    time.sleep(0.3)
    return geometry


def choose(env: dict[str, str], box: tuple[int, int, int, int], downs: int) -> None:
    """Right-click the icon, move `downs` rows down the menu (the title row is not selectable) and press Enter."""
    right_click(env, box)
    xdo(env, "key", "--delay", "80", *(["Down"] * downs), "Return")


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Screenshots go here; MUSICTOOL_SCREENSHOTS=dir keeps them (the README's come from this test)."""
    keep = os.environ.get("MUSICTOOL_SCREENSHOTS")
    return Path(keep) if keep else tmp_path


def test_tray_docks_follows_the_daemon_and_its_items_work(
    xdisplay: Any, browser: Any, daemon_factory: Any, tmp_path: Path, shots: Path
) -> None:
    require("dbus-run-session", modules=("gi", "pystray"))
    xenv, d = xdisplay
    benv, log = browser
    fake = FakeDiscogs(limit=1000, window=1.0)
    fake.add_user("demo", token=TOKEN, releases=12, wants=2)
    with ServerThread(fake) as srv:
        daemon = daemon_factory(discogs_config(srv.base_url))
        api = daemon.api()
        api.post("/notifications/test")  # one notification for the menu
        env = {
            **os.environ,
            **xenv,
            **benv,
            "PYSTRAY_BACKEND": "gtk",
            "PYTHONPATH": os.pathsep.join([str(REPO / "daemon"), str(REPO / "tray"), str(REPO)]),
        }
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        tray = TrayProcess(daemon.home, env, tmp_path / "tray.log")
        try:
            seen = tray.wait_line("state idle")
            box = wait_for(lambda: find_docked(d, "musictool-tray"), what="the icon to dock in trayer")
            time.sleep(0.3)
            img = screenshot(d, shots / "tray-docked.png")
            assert label_pixels(img, box, "idle") > 20, "the docked icon is not painted in the idle colour"

            # left click: the default item opens the dashboard with the token in the fragment
            x, y, w, h = box
            xdo(xenv, "mousemove", str(x + w // 2), str(y + h // 2), "click", "1")
            wait_for(lambda: opened(log), what="the dashboard to be opened")
            assert opened(log) == [f"http://127.0.0.1:{daemon.port}/#token={daemon.token}"]

            # a mouse click on "Sync Discogs now" (the row below the title and its separator) queues a sync
            mx, my, _mw, _mh = right_click(xenv, box)
            xdo(xenv, "mousemove", str(mx + 60), str(my + SYNC_ROW_Y), "click", "1")
            tray.wait_line("POST /discogs/sync", seen)
            job = wait_for(lambda: api.get("/jobs", kind="discogs.sync")["items"], what="a sync job")[0]
            assert daemon.wait_job(job["id"])["status"] == "succeeded"
            assert job["payload"]["manual"] is True

            # a price drop arrives: the menu lists it first among the latest notifications
            rid = sorted(fake.users["demo"].wants)[0]
            for price in (40.0, 30.0):
                srv.call(fake.set_price, rid, price, 3)
                assert daemon.wait_job(api.post("/discogs/prices")["id"])["status"] == "succeeded"
            seen = tray.wait_line("12 records", seen)
            time.sleep(COALESCE)
            right_click(xenv, box)
            screenshot(d, shots / "tray-menu.png")  # the README's picture
            xdo(xenv, "key", "Escape")
            wait_for(lambda: not menu_open(xenv), 10, what="the menu to close")
            # choosing it does its first action: open the listing
            choose(xenv, box, 3)
            wait_for(lambda: len(opened(log)) == 2, what="the listing to be opened")
            assert opened(log)[1] == f"https://www.discogs.com/sell/release/{rid}"

            # "Pause jobs" (second row): the daemon pauses, the icon turns grey with bars
            seen = len(tray.lines())
            choose(xenv, box, 2)
            tray.wait_line("state paused", seen)
            assert api.get("/status")["jobs"]["paused"] is True
            time.sleep(0.3)
            assert label_pixels(screenshot(d, tmp_path / "paused.png"), box, "paused") > 20

            # the daemon goes away and comes back on another port: the tray follows, no restart needed
            seen = len(tray.lines())
            daemon.stop()
            tray.wait_line("state down", seen)
            time.sleep(0.3)
            assert label_pixels(screenshot(d, tmp_path / "down.png"), box, "down") > 20
            daemon.start()
            api = daemon.api()  # port 0: the daemon came back on a port of its own choosing
            tray.wait_line("state paused", seen + 1, timeout=30)  # pausing survives a restart

            # "Resume jobs" is now the second row
            seen = len(tray.lines())
            choose(xenv, box, 2)
            tray.wait_line("POST /jobs/resume", seen)
            wait_for(lambda: api.get("/status")["jobs"]["paused"] is False, what="jobs resumed")

            # "Quit" is the last row (Up from the top wraps to it)
            right_click(xenv, box)
            xdo(xenv, "key", "Up", "Return")
            tray.wait_line("quit")
            wait_for(lambda: find_docked(d, "musictool-tray") is None, what="the icon to leave the tray")
        finally:
            tray.kill()
    if os.environ.get("MUSICTOOL_SCREENSHOTS"):
        shutil.copy(tmp_path / "tray.log", shots / "tray.log")


def test_once_prints_the_title_line(daemon_factory: Any) -> None:
    d = daemon_factory()
    out = subprocess.run(
        [sys.executable, "-m", "musictool_tray", "--home", str(d.home), "--once"],
        env=d.env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("MusicTool: 0 tracks, 0 records, 0 missing")
    d.stop()
    out = subprocess.run(
        [sys.executable, "-m", "musictool_tray", "--home", str(d.home), "--once"],
        env=d.env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.stdout.strip() == "MusicTool: daemon not running"
