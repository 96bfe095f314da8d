"""The fake keeps the real protocol: auth both ways, rewritten URLs, headers, 429 body, pagination."""

from __future__ import annotations

import json

import aiohttp

from testkit.fakes.discogs import data
from testkit.fakes.discogs.server import FakeDiscogs
from tests.unit.discogs.conftest import TOKEN


async def test_token_in_header_or_query_and_the_real_401(fake: FakeDiscogs) -> None:
    async with aiohttp.ClientSession() as s:
        url = f"{fake.base_url}/users/demo/wants"
        async with s.get(url, headers={"Authorization": f"Discogs token={TOKEN}"}) as r:
            assert r.status == 200 and "notes" in (await r.json())["wants"][0]
        async with s.get(url, params={"token": TOKEN}) as r:
            assert r.status == 200
        async with s.get(url, params={"token": "bad"}) as r:
            assert r.status == 401
            assert await r.json() == data.load("error_401.json")
            assert r.headers["WWW-Authenticate"] == 'OAuth realm="https://api.discogs.com"'
    assert [e.auth for e in fake.log] == ["header", "query", "query"]


async def test_replayed_bodies_point_at_the_fake(fake: FakeDiscogs) -> None:
    fake.add_fixture_user(token="ex-token")
    async with aiohttp.ClientSession() as s:
        async with s.get(
            f"{fake.base_url}/users/example/collection/folders/0/releases", params={"token": "ex-token"}
        ) as r:
            body = await r.json()
        async with s.get(f"{fake.base_url}/releases/249504") as r:
            release = await r.json()
    original = data.load("users_collection_folders_0_releases.relative_urls.json")["releases"]
    assert {i["instance_id"] for i in body["releases"]} == {i["instance_id"] for i in original}
    item = body["releases"][0]["basic_information"]
    assert item["resource_url"].startswith(fake.base_url + "/releases/")  # relative -> absolute
    assert release["title"] == "Never Gonna Give You Up"
    assert release["artists"][0]["resource_url"] == f"{fake.base_url}/artists/72872"  # real host -> fake
    assert "api.discogs.com" not in json.dumps(release).replace("realm", "")


async def test_rate_headers_and_429(fake: FakeDiscogs) -> None:
    fake.limit = 3
    fake.window = 30.0
    statuses, used = [], []
    async with aiohttp.ClientSession() as s:
        for _ in range(4):
            async with s.get(f"{fake.base_url}/releases/3000000", params={"token": TOKEN}) as r:
                statuses.append(r.status)
                used.append(
                    (
                        r.headers["X-Discogs-Ratelimit"],
                        r.headers["X-Discogs-Ratelimit-Used"],
                        r.headers["X-Discogs-Ratelimit-Remaining"],
                    )
                )
                last = await r.json()
    assert statuses == [200, 200, 200, 429]
    assert used == [("3", "1", "2"), ("3", "2", "1"), ("3", "3", "0"), ("3", "3", "0")]
    assert last == {"message": "You are making requests too quickly."}


async def test_pagination_and_sorting(fake: FakeDiscogs) -> None:
    params = {"token": TOKEN, "per_page": "15", "page": "2", "sort": "added", "sort_order": "desc"}
    url = f"{fake.base_url}/users/demo/collection/folders/0/releases"
    async with aiohttp.ClientSession() as s, s.get(url, params=params) as r:
        body = await r.json()
        link = r.headers["Link"]
    p = body["pagination"]
    assert (p["page"], p["pages"], p["per_page"], p["items"]) == (2, 3, 15, 40)
    assert set(p["urls"]) == {"first", "prev", "next", "last"} and 'rel="next"' in link
    dates = [i["date_added"] for i in body["releases"]]
    assert dates == sorted(dates, reverse=True)


def test_generated_data_is_deterministic_and_realistic() -> None:
    a, b = data.Catalog(seed=3), data.Catalog(seed=3)
    u1, u2 = data.generate_user(a, "x", 30, 4), data.generate_user(b, "x", 30, 4)
    assert u1.instances == u2.instances and list(u1.wants) == list(u2.wants)
    r = a.release(a.release_id(5))
    assert set(r) == set(data.fixture("releases_id.json"))  # the real key set
    assert r["tracklist"] and all(t["position"] or t["type_"] == "heading" for t in r["tracklist"])
    assert len({i["instance_id"] for i in u1.instances}) == 30
