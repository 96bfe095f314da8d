"""Real desktop parts: a private D-Bus session with a dbusmock notification daemon, Xvfb + trayer, and a
$BROWSER that records what it was asked to open. On Linux a missing part fails the test (CI must install
it: scripts/setup.sh); elsewhere these tests are skipped."""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
TOOLS = ("Xvfb", "trayer", "xdotool", "dbus-daemon", "dbus-run-session", "systemd-analyze", "desktop-file-validate")
MODULES = ("gi", "dbus", "dbusmock", "desktop_notifier", "pystray", "Xlib", "PIL")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not sys.platform.startswith("linux"):
        for item in items:
            if str(HERE) in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason="the desktop tests drive Linux parts (X11, D-Bus)"))


def require(*tools: str, modules: tuple[str, ...] = ()) -> None:
    """Fail, never skip: a desktop test that silently skips on CI tests nothing."""
    missing = [t for t in tools if shutil.which(t) is None]
    missing += [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        pytest.fail(f"desktop test parts missing: {', '.join(missing)} (run scripts/setup.sh as root)")


def wait_for(pred: Callable[[], Any], timeout: float = 15.0, step: float = 0.1, what: str = "condition") -> Any:
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        last = pred()
        if last:
            return last
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """($BROWSER env, the file it appends each opened URL to); Python's webbrowser honours $BROWSER."""
    log = tmp_path / "browser.log"
    script = tmp_path / "record-browser"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{log}"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    yield {"BROWSER": str(script)}, log


def opened(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").split() if log.exists() else []


@pytest.fixture(scope="module")
def session_bus() -> Iterator[str]:
    """A private dbus-daemon --session; DBUS_SESSION_BUS_ADDRESS points at it (daemons started now inherit it)."""
    require("dbus-daemon", modules=("dbus", "dbusmock"))
    import dbusmock

    old = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    dbusmock.DBusTestCase.start_session_bus()
    yield os.environ["DBUS_SESSION_BUS_ADDRESS"]
    dbusmock.DBusTestCase.tearDownClass()
    if old is None:
        os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
    else:
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = old


class NotifyMock:
    """The dbusmock org.freedesktop.Notifications on the private bus: what arrived, and clicking buttons."""

    def __init__(self, obj: Any, mock: Any) -> None:
        self.obj = obj
        self.mock = mock

    def calls(self) -> list[dict[str, Any]]:
        out = []
        for _ts, args in self.mock.GetMethodCalls("Notify"):
            app, _replaces, icon, summary, body, actions, _hints, _timeout = args
            pairs = dict(zip([str(a) for a in actions[::2]], [str(a) for a in actions[1::2]], strict=True))
            pairs.pop("default", None)  # the click on the bubble itself (its first action), not a button
            out.append({"app": str(app), "icon": str(icon), "title": str(summary), "body": str(body), "actions": pairs})
        return out

    def click(self, nid: int, label: str) -> None:
        """The user presses the button with this label on notification `nid` (1 for the first Notify)."""
        import dbus
        import dbusmock

        key = next(k for k, v in self.calls()[nid - 1]["actions"].items() if v == label)
        self.obj.EmitSignal(
            "org.freedesktop.Notifications",
            "ActionInvoked",
            "us",
            [dbus.UInt32(nid), key],
            dbus_interface=dbusmock.MOCK_IFACE,
        )

    def wait_calls(self, n: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        return wait_for(lambda: len(c := self.calls()) >= n and c, timeout, what=f"{n} Notify call(s)")


@pytest.fixture
def notify_mock(session_bus: str) -> Iterator[NotifyMock]:
    import dbus
    import dbusmock

    server, obj = dbusmock.DBusTestCase.spawn_server_template(
        str(HERE / "notify_signals_template.py"), {}, stdout=subprocess.PIPE
    )
    yield NotifyMock(obj, dbus.Interface(obj, dbusmock.MOCK_IFACE))
    server.stdout.close()
    server.terminate()
    server.wait(10)


@pytest.fixture
def xdisplay() -> Iterator[tuple[dict[str, str], Any]]:
    """Xvfb on a free display with trayer (an XEmbed system tray) docked at the top right."""
    require("Xvfb", "trayer", "xdotool", modules=("Xlib",))
    import Xlib.display

    r, w = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(w), "-screen", "0", "640x400x24", "-nolisten", "tcp"],
        pass_fds=(w,),
        stderr=subprocess.DEVNULL,
    )
    os.close(w)
    with os.fdopen(r) as f:  # Xvfb writes "N" and "\n" separately: read the whole line
        num = f.readline().strip()
    env = {"DISPLAY": f":{num}", "NO_AT_BRIDGE": "1"}

    def connect() -> Any:
        try:
            return Xlib.display.Display(env["DISPLAY"])
        except Exception:  # noqa: BLE001 - not up yet
            return None

    d = wait_for(connect, what="Xvfb")
    tray = subprocess.Popen(
        ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "32",
         "--transparent", "false", "--tint", "0xdddddd"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sel = d.intern_atom(f"_NET_SYSTEM_TRAY_S{d.get_default_screen()}")
    wait_for(lambda: getattr(d.get_selection_owner(sel), "id", 0) != 0, what="trayer to own the tray")
    yield env, d
    d.close()
    for p in (tray, xvfb):
        p.terminate()
        p.wait(5)
