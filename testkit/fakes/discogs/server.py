"""A protocol-faithful fake of the Discogs API v2 (aiohttp app factory).

What it keeps from the real service (../shared/research/apis.md section 1):
- bodies are the real fixture bodies, or generated copies of them; every https://api.discogs.com URL is
  rewritten to this server's base and the relative URLs of the joalla fixtures are made absolute;
- the token is accepted as python3-discogs-client sends it (`?token=`) and as
  `Authorization: Discogs token=...`; a bad token gets the real 401 body and WWW-Authenticate header;
- 60 requests per moving window (60 s unless lowered) with X-Discogs-Ratelimit, -Used and -Remaining,
  and the real 429 body when exceeded (25 per window without auth);
- page/per_page (max 100) and sort/sort_order on collection folders, pagination with urls and Link.

Test controls: `inject()` for 5xx, 429 storms and slow responses; mutations (add/remove/move/rate, wants,
prices); `log` records every request (method, path, query, status, auth mode, user agent, time).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import json
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from testkit.fakes.discogs import data
from testkit.fakes.discogs.data import Catalog, UserData

REAL_BASE = "https://api.discogs.com"


@dataclass
class LogEntry:
    t: float
    method: str
    path: str
    query: dict[str, str]
    status: int
    auth: str | None  # "query", "header" or None
    user_agent: str


@dataclass
class Injection:
    """Answer the next `count` matching requests with `status` (or delay them by `delay` seconds)."""

    status: int | None = None
    delay: float = 0.0
    count: int = 1
    path_prefix: str = ""
    method: str | None = None
    after: int = 0  # let this many matching requests through first


@dataclass
class FakeDiscogs:
    """State of the fake service; the aiohttp app reads and mutates it."""

    limit: int = 60
    unauth_limit: int = 25
    window: float = 60.0
    seed: int = 1
    catalog: Catalog = field(default_factory=Catalog)
    users: dict[str, UserData] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # token -> username
    prices: dict[int, dict[str, Any]] = field(default_factory=dict)  # release id -> stats body overrides
    suggestions_enabled: bool = True
    injections: list[Injection] = field(default_factory=list)
    log: list[LogEntry] = field(default_factory=list)
    base_url: str = "http://127.0.0.1"
    _stamps: deque[float] = field(default_factory=deque)

    def __post_init__(self) -> None:
        if self.catalog.seed != self.seed:
            self.catalog = Catalog(seed=self.seed)

    # -- setup ---------------------------------------------------------------------------------------
    def add_user(
        self,
        username: str,
        token: str | None = None,
        releases: int = 40,
        wants: int = 5,
        folders: int = 3,
        duplicates: int = 0,
    ) -> UserData:
        user = data.generate_user(self.catalog, username, releases, wants, folders, duplicates)
        self.users[username] = user
        if token:
            self.tokens[token] = username
        return user

    def add_fixture_user(self, token: str | None = None, username: str = "example") -> UserData:
        user = data.fixture_user(self.catalog, username)
        self.users[username] = user
        if token:
            self.tokens[token] = username
        return user

    def inject(
        self,
        status: int | None = None,
        delay: float = 0.0,
        count: int = 1,
        path_prefix: str = "",
        method: str | None = None,
        after: int = 0,
    ) -> Injection:
        """Answer the next `count` requests under `path_prefix` with `status` and/or after `delay` seconds
        (a delay longer than the client's timeout is a timeout), after letting `after` of them through."""
        inj = Injection(status, delay, count, path_prefix, method, after)
        self.injections.append(inj)
        return inj

    # -- mutations (what a user does on the website) ------------------------------------------------------
    def add_instance(
        self, username: str, release_id: int | None = None, folder_id: int = 1, rating: int = 0
    ) -> dict[str, Any]:
        user = self.users[username]
        if release_id is None:
            release_id = self.catalog.release_id(100_000 + user.next_instance_id % 100_000)
        item = data.make_instance(self.catalog, user, release_id, folder_id, rating)
        user.instances.append(item)
        return item

    def remove_instance(self, username: str, instance_id: int) -> None:
        user = self.users[username]
        user.instances = [i for i in user.instances if i["instance_id"] != instance_id]

    def move_instance(self, username: str, instance_id: int, folder_id: int) -> None:
        self._instance(username, instance_id)["folder_id"] = folder_id

    def rate_instance(self, username: str, instance_id: int, rating: int) -> None:
        self._instance(username, instance_id)["rating"] = rating

    def add_want(self, username: str, release_id: int, rating: int = 0, notes: str = "") -> dict[str, Any]:
        user = self.users[username]
        user.wants[release_id] = data.make_want(self.catalog, user, release_id, rating, notes)
        return user.wants[release_id]

    def remove_want(self, username: str, release_id: int) -> None:
        self.users[username].wants.pop(release_id, None)

    def set_price(
        self, release_id: int, lowest: float | None, num_for_sale: int | None = 5, currency: str = "USD"
    ) -> None:
        self.prices[release_id] = {
            "lowest_price": None if lowest is None else {"currency": currency, "value": lowest},
            "num_for_sale": num_for_sale,
            "blocked_from_sale": False,
        }

    def _instance(self, username: str, instance_id: int) -> dict[str, Any]:
        for i in self.users[username].instances:
            if i["instance_id"] == instance_id:
                return i
        raise KeyError(instance_id)

    # -- log helpers for tests ---------------------------------------------------------------------------
    def requests(self, path_prefix: str = "", status: int | None = None) -> list[LogEntry]:
        return [
            e for e in self.log if e.path.startswith(path_prefix) and (status is None or e.status == status)
        ]

    def max_in_window(self) -> int:
        """Largest number of accepted (non-429) requests inside any moving window: must stay <= limit."""
        times = sorted(e.t for e in self.log if e.status != 429)
        best, lo = 0, 0
        for hi, t in enumerate(times):
            while t - times[lo] >= self.window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    # -- rate limiting -----------------------------------------------------------------------------------
    def _admit(self, authed: bool) -> tuple[bool, int, int]:
        now = time.monotonic()
        while self._stamps and now - self._stamps[0] >= self.window:
            self._stamps.popleft()
        limit = self.limit if authed else self.unauth_limit
        if len(self._stamps) >= limit:
            return False, limit, len(self._stamps)
        self._stamps.append(now)
        return True, limit, len(self._stamps)


# --------------------------------------------------------------------------------------------------------
# HTTP layer

FAKE = web.AppKey("fake", FakeDiscogs)
USER = web.RequestKey("username", object)


def _rewrite(obj: Any, base: str, key: str = "") -> Any:
    """Real URLs -> this server; relative *url values (joalla fixtures) -> absolute."""
    if isinstance(obj, dict):
        return {k: _rewrite(v, base, k) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rewrite(v, base, key) for v in obj]
    if isinstance(obj, str):
        if obj.startswith(REAL_BASE) or obj.startswith("http://api.discogs.com"):
            return base + obj.split("api.discogs.com", 1)[1]
        if (key.endswith("url") or key in ("next", "prev", "first", "last")) and obj.startswith("/"):
            return base + obj
    return obj


def _json(
    request: web.Request, body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    fake = request.app[FAKE]
    text = json.dumps(_rewrite(body, fake.base_url))
    return web.Response(text=text, status=status, content_type="application/json", headers=headers)


def _error(
    request: web.Request, status: int, fixture: str, headers: dict[str, str] | None = None
) -> web.Response:
    return _json(request, data.load(fixture), status, headers)


def _paginate(request: web.Request, items: list[Any], key: str) -> web.Response:
    fake = request.app[FAKE]
    try:
        page = max(1, int(request.query.get("page", "1")))
        per_page = min(100, max(1, int(request.query.get("per_page", "50"))))
    except ValueError:
        return _json(request, {"message": "Invalid page or per_page."}, 422)
    pages = max(1, math.ceil(len(items) / per_page))
    if page > pages and items:
        return _json(request, {"message": "Page not found."}, 404)  # not observed; a plain 404 shape
    chunk = items[(page - 1) * per_page : page * per_page]
    base = f"{fake.base_url}{request.path}"
    keep = {k: v for k, v in request.query.items() if k not in ("page", "per_page", "token")}

    def url(p: int) -> str:
        return f"{base}?{urlencode({**keep, 'page': p, 'per_page': per_page})}"

    urls: dict[str, str] = {}
    if pages > 1:
        if page > 1:
            urls["first"], urls["prev"] = url(1), url(page - 1)
        if page < pages:
            urls["next"], urls["last"] = url(page + 1), url(pages)
    body = {
        "pagination": {"page": page, "pages": pages, "per_page": per_page, "items": len(items), "urls": urls},
        key: chunk,
    }
    link = ", ".join(f'<{u}>; rel="{rel}"' for rel, u in urls.items())
    return _json(request, body, headers={"Link": link} if link else None)


@web.middleware
async def discogs_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Auth, injections, rate limit, headers and the request log, around every route."""
    fake = request.app[FAKE]
    if request.path.startswith("/_fake/"):
        return await handler(request)
    token, auth = request.query.get("token"), "query" if "token" in request.query else None
    header = request.headers.get("Authorization", "")
    if header.startswith("Discogs token="):
        token, auth = header.split("=", 1)[1].strip(), "header"
    request[USER] = fake.tokens.get(token) if token else None
    entry = LogEntry(
        time.monotonic(),
        request.method,
        request.path,
        dict(request.query),
        0,
        auth,
        request.headers.get("User-Agent", ""),
    )
    entry.query.pop("token", None)
    fake.log.append(entry)
    resp: web.StreamResponse
    try:
        for inj in fake.injections:
            if (
                inj.count > 0
                and request.path.startswith(inj.path_prefix)
                and inj.method in (None, request.method)
            ):
                if inj.after > 0:
                    inj.after -= 1
                    continue
                inj.count -= 1
                if inj.delay:
                    await asyncio.sleep(inj.delay)
                if inj.status == 429:
                    resp = _error(request, 429, "error_429.json")
                    entry.status = 429
                    return resp
                if inj.status:
                    body = {"message": "Internal Server Error"} if inj.status >= 500 else {"message": "Error"}
                    resp = _json(request, body, inj.status)
                    entry.status = inj.status
                    return resp
                break
        if token and request[USER] is None:
            resp = _error(request, 401, "error_401.json", {"WWW-Authenticate": f'OAuth realm="{REAL_BASE}"'})
            entry.status = 401
            return resp
        ok, limit, used = fake._admit(request[USER] is not None)
        rl = {
            "X-Discogs-Ratelimit": str(limit),
            "X-Discogs-Ratelimit-Used": str(used),
            "X-Discogs-Ratelimit-Remaining": str(max(0, limit - used)),
        }
        if not ok:
            resp = _error(request, 429, "error_429.json", rl)
        else:
            try:
                resp = await handler(request)
            except _Reply as exc:
                resp = exc.resp
            resp.headers.update(rl)
        entry.status = resp.status
        return resp
    finally:
        if entry.status == 0:
            entry.status = 499  # the client went away


def _user(request: web.Request, need_owner: bool = False) -> UserData:
    fake = request.app[FAKE]
    name = request.match_info["username"]
    user = fake.users.get(name)
    if user is None:
        raise _as_exc(_json(request, {"message": "User does not exist or may have been deleted."}, 404))
    if need_owner and request[USER] != name:
        raise _as_exc(
            _error(
                request,
                401 if request[USER] is None else 403,
                "error_401.json" if request[USER] is None else "error_403.json",
            )
        )
    return user


class _Reply(Exception):
    """Raised by helpers to answer early with a ready response."""

    def __init__(self, resp: web.Response):
        super().__init__(resp.status)
        self.resp = resp


def _as_exc(resp: web.Response) -> _Reply:
    return _Reply(resp)


routes = web.RouteTableDef()


@routes.get("/oauth/identity")
async def identity(request: web.Request) -> web.Response:
    name = request[USER]
    if name is None:
        return _error(request, 401, "error_401.json")
    body = data.load("oauth_identity.json")
    body.update(username=name, resource_url=f"{REAL_BASE}/users/{name}", consumer_name="MusicTool")
    return _json(request, body)


@routes.get("/users/{username}")
async def user_profile(request: web.Request) -> web.Response:
    user = _user(request)
    body = data.load("users_username.json")
    u = user.username
    body.update(
        username=u,
        resource_url=f"{REAL_BASE}/users/{u}",
        uri=f"https://www.discogs.com/user/{u}",
        wantlist_url=f"{REAL_BASE}/users/{u}/wants",
        collection_folders_url=f"{REAL_BASE}/users/{u}/collection/folders",
        collection_fields_url=f"{REAL_BASE}/users/{u}/collection/fields",
        inventory_url=f"{REAL_BASE}/users/{u}/inventory",
        num_collection=len(user.instances),
        num_wantlist=len(user.wants),
    )
    return _json(request, body)


def _folder(user: UserData, fid: int) -> dict[str, Any]:
    count = len(user.instances) if fid == 0 else sum(1 for i in user.instances if i["folder_id"] == fid)
    name = "All" if fid == 0 else user.folders[fid]
    return {
        "id": fid,
        "count": count,
        "name": name,
        "resource_url": f"{REAL_BASE}/users/{user.username}/collection/folders/{fid}",
    }


@routes.get("/users/{username}/collection/folders")
async def folders(request: web.Request) -> web.Response:
    user = _user(request)
    owner = request[USER] == user.username
    ids = [0, *user.folders] if owner else [0]
    return _json(request, {"folders": [_folder(user, f) for f in ids]})


@routes.get("/users/{username}/collection/folders/{folder_id:\\d+}")
async def folder(request: web.Request) -> web.Response:
    user = _user(request)
    fid = int(request.match_info["folder_id"])
    if fid != 0 and fid not in user.folders:
        return _json(request, {"message": "Folder not found."}, 404)
    return _json(request, _folder(user, fid))


_SORTS = {
    "added": lambda i: (datetime.fromisoformat(i["date_added"]), i["instance_id"]),
    "artist": lambda i: i["basic_information"]["artists"][0]["name"].lower(),
    "title": lambda i: i["basic_information"]["title"].lower(),
    "year": lambda i: i["basic_information"]["year"],
    "rating": lambda i: i["rating"],
    "label": lambda i: i["basic_information"]["labels"][0]["name"].lower(),
    "catno": lambda i: i["basic_information"]["labels"][0]["catno"].lower(),
    "format": lambda i: i["basic_information"]["formats"][0]["name"].lower(),
}


@routes.get("/users/{username}/collection/folders/{folder_id:\\d+}/releases")
async def folder_releases(request: web.Request) -> web.Response:
    user = _user(request)
    fid = int(request.match_info["folder_id"])
    owner = request[USER] == user.username
    if fid != 0 and fid not in user.folders:
        return _json(request, {"message": "Folder not found."}, 404)
    if fid != 0 and not owner:
        return _error(request, 403, "error_403.json")
    items = [i for i in user.instances if fid == 0 or i["folder_id"] == fid]
    sort = request.query.get("sort")
    if sort:
        if sort not in _SORTS:
            return _json(request, {"message": f"Invalid sort key: {sort}"}, 422)
        items = sorted(items, key=_SORTS[sort], reverse=request.query.get("sort_order", "asc") == "desc")
    if not owner:
        items = [{k: v for k, v in i.items() if k != "notes"} for i in items]
    return _paginate(request, items, "releases")


@routes.post("/users/{username}/collection/folders/{folder_id:\\d+}/releases/{release_id:\\d+}")
async def add_to_folder(request: web.Request) -> web.Response:
    user = _user(request, need_owner=True)
    fid = int(request.match_info["folder_id"])
    if fid == 0:
        return _json(request, {"message": "Cannot add to folder 0."}, 422)
    item = request.app[FAKE].add_instance(user.username, int(request.match_info["release_id"]), fid)
    return _json(
        request,
        {
            "instance_id": item["instance_id"],
            "resource_url": f"{REAL_BASE}/users/{user.username}/collection/folders/{fid}/releases/{item['id']}"
            f"/instances/{item['instance_id']}",
        },
        201,
    )


@routes.post(
    "/users/{username}/collection/folders/{folder_id:\\d+}/releases/{release_id:\\d+}/instances/{iid:\\d+}"
)
async def edit_instance(request: web.Request) -> web.Response:
    user = _user(request, need_owner=True)
    body = await request.json()
    fake = request.app[FAKE]
    iid = int(request.match_info["iid"])
    if "folder_id" in body:
        fake.move_instance(user.username, iid, int(body["folder_id"]))
    if "rating" in body:
        fake.rate_instance(user.username, iid, int(body["rating"]))
    return web.Response(status=204)


@routes.delete(
    "/users/{username}/collection/folders/{folder_id:\\d+}/releases/{release_id:\\d+}/instances/{iid:\\d+}"
)
async def delete_instance(request: web.Request) -> web.Response:
    user = _user(request, need_owner=True)
    request.app[FAKE].remove_instance(user.username, int(request.match_info["iid"]))
    return web.Response(status=204)


@routes.get("/users/{username}/collection/releases/{release_id:\\d+}")
async def collection_by_release(request: web.Request) -> web.Response:
    user = _user(request)
    rid = int(request.match_info["release_id"])
    return _paginate(request, [i for i in user.instances if i["id"] == rid], "releases")


@routes.get("/users/{username}/wants")
async def wants(request: web.Request) -> web.Response:
    user = _user(request)
    owner = request[USER] == user.username
    items = list(user.wants.values())
    if not owner:
        items = [{k: v for k, v in w.items() if k not in ("notes", "notes_public")} for w in items]
    return _paginate(request, items, "wants")


@routes.put("/users/{username}/wants/{release_id:\\d+}")
async def put_want(request: web.Request) -> web.Response:
    user = _user(request, need_owner=True)
    rid = int(request.match_info["release_id"])
    body = await request.json() if request.can_read_body else {}
    want = request.app[FAKE].add_want(
        user.username, rid, int(body.get("rating") or 0), body.get("notes") or ""
    )
    return _json(request, want, 201)


@routes.post("/users/{username}/wants/{release_id:\\d+}")
async def edit_want(request: web.Request) -> web.Response:
    user = _user(request, need_owner=True)
    rid = int(request.match_info["release_id"])
    if rid not in user.wants:
        return _error(request, 404, "error_404.json")
    body = await request.json()
    for k in ("rating", "notes", "notes_public"):
        if k in body:
            user.wants[rid][k] = body[k]
    return _json(request, user.wants[rid])


@routes.delete("/users/{username}/wants/{release_id:\\d+}")
async def delete_want(request: web.Request) -> web.Response:
    user = _user(request, need_owner=True)
    rid = int(request.match_info["release_id"])
    if rid not in user.wants:
        return _error(request, 404, "error_404.json")
    request.app[FAKE].remove_want(user.username, rid)
    return web.Response(status=204)


@routes.get("/releases/{release_id:\\d+}")
async def release(request: web.Request) -> web.Response:
    rid = int(request.match_info["release_id"])
    for name in ("releases_id.json", "releases_id.2014.json"):
        if data.fixture(name)["id"] == rid:
            return _json(request, data.load(name))
    if rid >= 100_000_000:
        return _error(request, 404, "error_404_release.json")
    return _json(request, request.app[FAKE].catalog.release(rid))


@routes.get("/masters/{master_id:\\d+}")
async def master(request: web.Request) -> web.Response:
    body = data.load("masters_id.json")
    body["id"] = int(request.match_info["master_id"])
    return _json(request, body)


def _entity(
    request: web.Request, fixture: str, entities: list, collection: str, entity_id: int
) -> web.Response:
    """An artist or label body from its fixture, named as in the generated catalogue."""
    body = data.load(fixture)
    name = next((e.name for e in entities if e.id == entity_id), body["name"])
    body.update(
        id=entity_id,
        name=name,
        resource_url=f"{REAL_BASE}/{collection}/{entity_id}",
        releases_url=f"{REAL_BASE}/{collection}/{entity_id}/releases",
    )
    return _json(request, body)


@routes.get("/artists/{artist_id:\\d+}")
async def artist(request: web.Request) -> web.Response:
    catalog = request.app[FAKE].catalog
    return _entity(
        request, "artists_id.json", catalog.artists, "artists", int(request.match_info["artist_id"])
    )


@routes.get("/artists/{artist_id:\\d+}/releases")
async def artist_releases(request: web.Request) -> web.Response:
    items = request.app[FAKE].catalog.artist_releases(int(request.match_info["artist_id"]))
    sort = request.query.get("sort")
    if sort in ("year", "title", "format"):
        items = sorted(
            items, key=lambda r: r.get(sort) or 0, reverse=request.query.get("sort_order") == "desc"
        )
    return _paginate(request, items, "releases")


@routes.get("/labels/{label_id:\\d+}")
async def label(request: web.Request) -> web.Response:
    catalog = request.app[FAKE].catalog
    return _entity(request, "labels_id.json", catalog.labels, "labels", int(request.match_info["label_id"]))


@routes.get("/labels/{label_id:\\d+}/releases")
async def label_releases(request: web.Request) -> web.Response:
    return _paginate(
        request, request.app[FAKE].catalog.label_releases(int(request.match_info["label_id"])), "releases"
    )


@routes.get("/marketplace/stats/{release_id:\\d+}")
async def stats(request: web.Request) -> web.Response:
    fake = request.app[FAKE]
    rid = int(request.match_info["release_id"])
    body = data.load("marketplace_stats_id.json")
    currency = request.query.get("curr_abbr", "USD")
    if rid in fake.prices:
        body.update(copy.deepcopy(fake.prices[rid]))
    else:
        r = fake.catalog.release(rid)
        body["lowest_price"] = {"currency": currency, "value": r["lowest_price"]}
        body["num_for_sale"] = r["num_for_sale"]
    return _json(request, body)


@routes.get("/marketplace/price_suggestions/{release_id:\\d+}")
async def price_suggestions(request: web.Request) -> web.Response:
    fake = request.app[FAKE]
    if request[USER] is None:
        return _error(request, 401, "error_401.json")
    if not fake.suggestions_enabled:
        return _json(request, {})
    rid = int(request.match_info["release_id"])
    body = data.load("marketplace_price_suggestions_id.json")
    factor = 0.5 + (rid % 17) / 10
    for v in body.values():
        v["value"] = round(v["value"] * factor, 4)
    return _json(request, body)


@routes.get("/database/search")
async def search(request: web.Request) -> web.Response:
    if request[USER] is None:
        return _error(request, 401, "error_401.json")
    return _json(request, data.load("database_search.json"))


# -- control endpoints for the standalone demo (never reached by the product client) ----------------------
@routes.get("/_fake/log")
async def fake_log(request: web.Request) -> web.Response:
    fake = request.app[FAKE]
    return web.json_response([e.__dict__ for e in fake.log[-500:]])


@routes.post("/_fake/users/{username}/add")
async def fake_add(request: web.Request) -> web.Response:
    fake = request.app[FAKE]
    return web.json_response(fake.add_instance(request.match_info["username"]))


def create_app(fake: FakeDiscogs | None = None) -> web.Application:
    """The aiohttp app; set `fake.base_url` to where it listens before the first request."""
    app = web.Application(middlewares=[discogs_middleware])
    app[FAKE] = fake or FakeDiscogs()
    app.add_routes(routes)
    return app


async def start(fake: FakeDiscogs, port: int = 0, host: str = "127.0.0.1") -> tuple[web.AppRunner, str]:
    """Listen on host:port (0 = any free port); returns the runner and the base URL."""
    runner = web.AppRunner(create_app(fake), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sock = site._server.sockets[0]  # type: ignore[union-attr]
    fake.base_url = f"http://{host}:{sock.getsockname()[1]}"
    return runner, fake.base_url


class ServerThread:
    """The fake on its own event loop in a thread, for tests whose own thread blocks (daemon processes)."""

    def __init__(self, fake: FakeDiscogs, port: int = 0) -> None:
        self.fake = fake
        self.port = port
        self.base_url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ServerThread:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            self._runner, self.base_url = loop.run_until_complete(start(self.fake, self.port))
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-discogs", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Discogs did not start")
        return self

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a mutation on the server's loop thread (no request sees half of it)."""
        assert self._loop is not None
        fut: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def go() -> None:
            try:
                fut.set_result(fn(*args, **kwargs))
            except Exception as exc:  # noqa: BLE001 - handed to the caller
                fut.set_exception(exc)

        self._loop.call_soon_threadsafe(go)
        return fut.result(10)

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
