"""API latency under 20 concurrent clients: p50/p95/p99 and requests/s for /status and /jobs on a real daemon,
beside a bare aiohttp handler in its own process measured in the same run (the floor).

    .venv/bin/python bench/api_latency.py [--smoke] [--requests 2000] [--jobs 10000]
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

from tests.support.daemon import Daemon  # noqa: E402

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


async def load(url: str, headers: dict[str, str], total: int, clients: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    remaining = total

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            t0 = time.perf_counter()
            async with session.get(url, headers=headers) as resp:
                await resp.read()
                assert resp.status == 200, resp.status
            latencies.append(time.perf_counter() - t0)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(min(50, total)):  # warm up
            async with session.get(url, headers=headers) as resp:
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
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=10_000, help="finished jobs in the table")
    args = ap.parse_args()
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
