"""How long the browser extension waits for a store page's badge: POST /pages/lookup on a real daemon.

Three kinds of page, each answered by a different path of extension/pages.py:
- a Discogs release page of a record in the collection (release id from the URL; counts from `matches`);
- a store page of a record in the collection known only by artist, title and tracks (the release is found by
  title, then `matches`);
- a store page of a record we do not know (8 tracks matched on demand against the library by the gap matcher).
Each kind is timed one request at a time (what one browser tab waits) and under 20 concurrent clients.

The database is the one bench/api_latency.py --scale builds (bench/api_scale.py; cached in .bench/, or
--cache DIR names a built one); --smoke builds a small one (3,000 tracks, 200 releases) in a temp folder.

    .venv/bin/python bench/page_lookup.py --smoke
    .venv/bin/python bench/page_lookup.py [--tracks 100000] [--releases 10000] [--cache DIR] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import api_scale  # noqa: E402

from testkit.daemon import Daemon  # noqa: E402
from testkit.fakes.discogs.data import Catalog  # noqa: E402
from testkit.fakes.discogs.server import ServerThread  # noqa: E402

WORDS = ["velvet", "orbit", "hollow", "saffron", "lantern", "quartz", "ember", "tundra", "cobalt", "marrow"]


def pages(fake: Any, releases: int, n: int) -> dict[str, list[dict[str, Any]]]:
    rnd = random.Random(7)
    owned, by_title, unknown = [], [], []
    for _ in range(n):
        rid = Catalog.release_id(rnd.randrange(releases))
        rel = fake.catalog.release(rid)
        artist = " & ".join(a["name"] for a in rel["artists"])
        tracks = [{"title": t["title"]} for t in rel["tracklist"] if t.get("type_") == "track"]
        owned.append(
            {
                "store": "discogs",
                "url": f"https://www.discogs.com/release/{rid}",
                "release_id": rid,
                "tracks": tracks,
            }
        )
        by_title.append(
            {
                "store": "beatport",
                "url": f"https://www.beatport.com/release/x/{rid}",
                "artist": artist,
                "title": rel["title"],
                "tracks": tracks,
                "price": 5.99,
                "currency": "USD",
            }
        )
        unknown.append(
            {
                "store": "bandcamp",
                "url": f"https://someone{rnd.randrange(10**6)}.bandcamp.com/album/x",
                "artist": f"{rnd.choice(WORDS).title()} {rnd.choice(WORDS).title()}",
                "title": f"{rnd.choice(WORDS).title()} EP",
                "tracks": [{"title": f"{rnd.choice(WORDS).title()} {rnd.choice(WORDS)}"} for _ in range(8)],
                "price": 7.0,
                "currency": "EUR",
            }
        )
    return {
        "collection release by id": owned,
        "collection record by title": by_title,
        "unknown record": unknown,
    }


async def timed(
    url: str, token: str, bodies: list[dict[str, Any]], clients: int
) -> tuple[list[float], list[str]]:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    statuses: list[str] = []
    queue = list(bodies)

    async def client(session: aiohttp.ClientSession) -> None:
        while queue:
            body = queue.pop()
            t0 = time.perf_counter()
            async with session.post(url, json=body, headers=headers) as r:
                data = await r.json()
                assert r.status == 200, data
            latencies.append(time.perf_counter() - t0)
            statuses.append(data["status"])

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(client(session) for _ in range(clients)))
    return latencies, statuses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="a small database, few requests (CI)")
    ap.add_argument("--tracks", type=int, default=100_000)
    ap.add_argument("--releases", type=int, default=10_000)
    ap.add_argument("--overlap", type=float, default=0.6)
    ap.add_argument("--window", type=float, default=0.25)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--cache", type=Path, help="a database folder api_scale built (holds home/ and Traktor/)")
    args = ap.parse_args()
    if args.smoke:
        args.tracks, args.releases, args.requests = 3000, 200, 40
    with tempfile.TemporaryDirectory(prefix="page-lookup-") as tmp:
        cache = args.cache or (Path(tmp) / "db" if args.smoke else api_scale.cache_dir(args))
        if not (cache / "ready.json").exists():
            print(f"building the database in {cache} ...", flush=True)
            api_scale.build(args, cache)
        info = json.loads((cache / "ready.json").read_text())
        fake = api_scale.fake_for(args)
        with ServerThread(fake) as srv:
            home = Path(tmp) / "home"
            shutil.copytree(cache / "home", home)
            d = Daemon(
                home, api_scale.daemon_config(cache / "Traktor" / "collection.nml", srv.base_url, args.window)
            )
            d.start(timeout=300)
            try:
                api_scale.wait_idle(d, timeout=900)
                print(
                    f"{info['tracks']:,} tracks, {info['releases']:,} releases; {args.requests} lookups per kind; "
                    "one client, then {args.clients} concurrent".replace("{args.clients}", str(args.clients))
                )
                print(f"{'page':<28} {'clients':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  statuses")
                out: dict[str, Any] = {}
                url = f"{d.base_url}/pages/lookup"
                for name, bodies in pages(fake, info["releases"], args.requests).items():
                    for clients in (1, args.clients):
                        lat, statuses = asyncio.run(timed(url, d.token, bodies, clients))
                        q = statistics.quantiles(lat, n=100)
                        counts = {s: statuses.count(s) for s in sorted(set(statuses))}
                        print(
                            f"{name:<28} {clients:>7} {q[49] * 1000:>8.1f} {q[94] * 1000:>8.1f} "
                            f"{max(lat) * 1000:>8.1f}  {counts}"
                        )
                        out[f"{name} x{clients}"] = {
                            "p50_ms": round(q[49] * 1000, 1),
                            "p95_ms": round(q[94] * 1000, 1),
                        }
                print(json.dumps(out))
            finally:
                d.stop(timeout=120)


if __name__ == "__main__":
    main()
