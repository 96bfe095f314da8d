"""The dashboard's static files at GET / and /ui/…: shipped in the package, holding no data, so they need no
token (the page reads the token from its URL fragment and sends it to /api/v1 as a Bearer header). The Host
and Origin checks of the guard still apply; the Content-Security-Policy keeps the page to its own origin."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from aiohttp import web

from musictool.api.util import problem

STATIC_DIR = Path(__file__).resolve().parent.parent / "web"
UI_PREFIX = "/ui/"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}
TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml"}


def is_dashboard_path(path: str) -> bool:
    return path == "/" or path.startswith(UI_PREFIX)


def _file(relative: str) -> web.FileResponse:
    target = (STATIC_DIR / relative).resolve()
    if not target.is_relative_to(STATIC_DIR) or not target.is_file() or target.name.startswith("."):
        raise problem(404, "Not found", f"no dashboard file {relative!r}")
    content_type = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    response = web.FileResponse(target, headers={**HEADERS, "Content-Type": content_type})
    return response


async def index(request: web.Request) -> web.FileResponse:
    return _file("index.html")


async def asset(request: web.Request) -> web.FileResponse:
    return _file(request.match_info["path"])


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get(UI_PREFIX + "{path:.+}", asset)
