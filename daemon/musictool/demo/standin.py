"""A small stand-in for the Discogs API that serves the bundled demo collection, so `musictool demo` shows
MusicTool working without a Discogs account or a network.

It answers only what the daemon asks for (folders, collection pages sorted by date added, the wantlist,
release details, marketplace statistics, artist and label release lists) in the shapes of the Discogs API
v2 documentation, from `discogs.json` in this folder. It listens on 127.0.0.1 and runs on its own event
loop in a thread, so a blocking caller (the CLI) can start it and carry on.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
from importlib import resources
from typing import Any

from aiohttp import web

PER_PAGE_MAX = 100


def load_collection() -> dict[str, Any]:
    """The bundled demo Discogs collection (see SOURCES.md beside it)."""
    return json.loads(resources.files(__package__).joinpath("discogs.json").read_text(encoding="utf-8"))


class DemoDiscogs:
    """The demo collection as Discogs would serve it to its owner."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data = data or load_collection()
        self.username: str = self.data["username"]
        self.releases = {int(r["id"]): r for r in self.data["releases"]}
        self.base_url = ""

    def basic(self, release_id: int) -> dict[str, Any]:
        r = self.releases[release_id]
        keys = ("id", "title", "year", "artists", "labels", "formats", "genres", "styles")
        return {
            **{k: r.get(k) for k in keys},
            "thumb": "",
            "master_id": 0,
            "resource_url": f"{self.base_url}/releases/{release_id}",
        }

    def page(self, request: web.Request, key: str, items: list[dict[str, Any]]) -> web.Response:
        try:
            page = max(1, int(request.query.get("page", 1)))
            per_page = min(PER_PAGE_MAX, max(1, int(request.query.get("per_page", 50))))
        except ValueError:
            return web.json_response({"message": "Invalid page."}, status=400)
        pages = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        pagination = {"page": page, "pages": pages, "per_page": per_page, "items": len(items), "urls": {}}
        return web.json_response({"pagination": pagination, key: chunk})

    # -- handlers -------------------------------------------------------------------------------------
    def _user(self, request: web.Request) -> None:
        if request.match_info["user"] != self.username:
            raise web.HTTPNotFound(
                text=json.dumps({"message": "User does not exist or may have been deleted."}),
                content_type="application/json",
            )

    async def folders(self, request: web.Request) -> web.Response:
        self._user(request)
        items = self.data["collection"]
        body = [{"id": 0, "name": "All", "count": len(items)}] + [
            {**f, "count": sum(1 for i in items if i["folder_id"] == f["id"])} for f in self.data["folders"]
        ]
        url = f"{self.base_url}/users/{self.username}/collection/folders"
        return web.json_response({"folders": [{**f, "resource_url": f"{url}/{f['id']}"} for f in body]})

    async def folder_releases(self, request: web.Request) -> web.Response:
        self._user(request)
        folder = int(request.match_info["folder"])
        items = [i for i in self.data["collection"] if folder in (0, i["folder_id"])]
        items.sort(key=lambda i: i["date_added"], reverse=request.query.get("sort_order") == "desc")
        body = [
            {
                "id": i["release_id"],
                "instance_id": i["instance_id"],
                "folder_id": i["folder_id"],
                "rating": i["rating"],
                "date_added": i["date_added"],
                "notes": i.get("notes") or [],
                "basic_information": self.basic(i["release_id"]),
            }
            for i in items
        ]
        return self.page(request, "releases", body)

    async def wants(self, request: web.Request) -> web.Response:
        self._user(request)
        body = [
            {"id": w["release_id"], "rating": w["rating"], "notes": w["notes"], "basic_information": self.basic(w["release_id"])}
            for w in self.data["wants"]
        ]
        return self.page(request, "wants", body)

    async def release(self, request: web.Request) -> web.Response:
        rid = int(request.match_info["id"])
        if rid not in self.releases:
            return web.json_response({"message": "Release not found."}, status=404)
        body = {**self.releases[rid], "resource_url": f"{self.base_url}/releases/{rid}", "uri": ""}
        return web.json_response(body)

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response({"lowest_price": None, "num_for_sale": 0, "blocked_from_sale": False})

    async def suggestions(self, request: web.Request) -> web.Response:
        return web.json_response({})

    async def no_releases(self, request: web.Request) -> web.Response:
        return self.page(request, "releases", [])

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/users/{user}/collection/folders", self.folders)
        app.router.add_get("/users/{user}/collection/folders/{folder:\\d+}/releases", self.folder_releases)
        app.router.add_get("/users/{user}/wants", self.wants)
        app.router.add_get("/releases/{id:\\d+}", self.release)
        app.router.add_get("/marketplace/stats/{id:\\d+}", self.stats)
        app.router.add_get("/marketplace/price_suggestions/{id:\\d+}", self.suggestions)
        app.router.add_get("/artists/{id:\\d+}/releases", self.no_releases)
        app.router.add_get("/labels/{id:\\d+}/releases", self.no_releases)
        return app


class StandIn:
    """Runs a DemoDiscogs on 127.0.0.1 in a background thread: start() returns its base URL."""

    def __init__(self, service: DemoDiscogs | None = None) -> None:
        self.service = service or DemoDiscogs()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="demo-discogs", daemon=True)
        self._runner: web.AppRunner | None = None

    async def _start(self, port: int) -> int:
        self._runner = web.AppRunner(self.service.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def start(self, port: int = 0) -> str:
        self._thread.start()
        bound = asyncio.run_coroutine_threadsafe(self._start(port), self._loop).result(timeout=10)
        self.service.base_url = f"http://127.0.0.1:{bound}"
        return self.service.base_url

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
