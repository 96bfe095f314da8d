"""The dashboard's address and opening addresses in the user's browser (CLI, tray and notification clicks).

The token travels in the URL fragment, which a browser never sends to any server (DESIGN.md). Python's
webbrowser is used so $BROWSER is honoured; it may wait for the browser command, so async callers run it
in a thread.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
import webbrowser

from musictool import token as api_token
from musictool.config import load_config
from musictool.home import Home

log = logging.getLogger(__name__)


def dashboard_url(port: int, token: str | None) -> str:
    url = f"http://127.0.0.1:{port}/"
    return url + (f"#token={urllib.parse.quote(token, safe='')}" if token else "")


def dashboard_url_for(home: Home) -> str:
    """From the running daemon's port (daemon.json) or the configured one, and the token file."""
    try:
        port = json.loads(home.runtime.read_text(encoding="utf-8"))["port"]
    except (OSError, ValueError, KeyError):
        port = load_config(home.config).get("api", "port")
    return dashboard_url(port, api_token.read(home.token))


def open_in_browser(url: str) -> bool:
    """True when a browser took the address (False: none found, or $BROWSER's command failed)."""
    try:
        ok = webbrowser.open(url, new=2)
    except webbrowser.Error as exc:
        log.warning("no browser to open %s: %s", url.split("#", 1)[0], exc)
        return False
    if not ok:
        log.warning("the browser did not open %s", url.split("#", 1)[0])
    return bool(ok)
