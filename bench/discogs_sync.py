"""Discogs sync cost: requests used and wall time for first and incremental syncs, beside the API minimum.

Runs the daemon's real sync (DiscogsService through the real job queue and a real SQLite file) against
the fake Discogs (testkit/fakes/discogs) with collections of 100, 1,000 and 5,000 releases.

Time is scaled, not faked: the fake enforces Discogs' 60 requests per *moving window* exactly as the real
service does, but with the window lowered from 60 s to `--window` seconds (default 0.25 s, i.e. 240x
faster), and the daemon's limiter is told the same window ([discogs] rate_window). Every limit, header
and 429 rule still applies, so the request counts are what the real API would see, and the wall time
at the real limit is projected as: 60 requests at once, then one per second (the moving window).

Minimum the API allows (first sync): ceil(N/100) collection pages (100 is the largest page) + one
/releases/{id} per release (the tracklist is only there) + 1 folder list + ceil(W/100) wantlist pages
(at least 1). Incremental poll with nothing new: 1 request; with k new records: 1 + k.

    .venv/bin/python bench/discogs_sync.py [--sizes 100,1000,5000] [--window 0.25] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musictool.config import load_config  # noqa: E402
from musictool.home import Home  # noqa: E402
from musictool.integrations.discogs import component  # noqa: E402
from musictool.service import build_context  # noqa: E402
from musictool.store import discogs as discogs_store  # noqa: E402
from musictool.store import jobs as jobs_store  # noqa: E402
from testkit.fakes.discogs.server import FakeDiscogs, ServerThread  # noqa: E402

LIMIT = 60
WANTS = 50
NEW = 5


async def wait(ctx, job_id: int) -> dict:  # noqa: ANN001
    while True:
        job = await jobs_store.get(ctx.db, job_id)
        if job["status"] in ("succeeded", "failed", "cancelled"):
            if job["status"] != "succeeded":
                raise RuntimeError(f"sync {job['status']}: {job['error']}")
            return job
        await asyncio.sleep(0.01)


def projected(requests: int, limit: int = LIMIT) -> float:
    """Seconds at the real limit: a full window's worth at once, then one slot per 60/limit seconds."""
    return max(0, requests - limit) * 60.0 / limit


async def run_size(n: int, window: float, root: Path) -> dict:
    fake = FakeDiscogs(limit=LIMIT, window=window)
    fake.add_user("bench", token="bench-token", releases=n, wants=WANTS)
    with ServerThread(fake) as srv:
        home = Home(root / f"home-{n}")
        home.ensure()
        home.config.write_text("[notify]\ndesktop = false\n", encoding="utf-8")
        config = load_config(home.config)
        config.values["discogs"].update(
            username="bench",
            token="bench-token",
            base_url=srv.base_url,
            poll_interval=0,
            prices_interval=0,
            new_releases_interval=0,
            rate_window=window,
            timeout=10.0,
        )
        ctx = await build_context(home, config)
        await component.setup(ctx)
        await ctx.queue.start()
        try:
            t0 = time.perf_counter()
            first = await wait(ctx, await ctx.queue.enqueue("discogs.sync", {"mode": "full"}))
            t_first = time.perf_counter() - t0
            r_first = len(fake.log)
            max_window = fake.max_in_window()
            n429 = len(fake.requests(status=429))

            fake.log.clear()
            t0 = time.perf_counter()
            await wait(ctx, await ctx.queue.enqueue("discogs.sync", {"mode": "incremental"}))
            t_idle = time.perf_counter() - t0
            r_idle = len(fake.log)

            for _ in range(NEW):
                srv.call(fake.add_instance, "bench")
            fake.log.clear()
            t0 = time.perf_counter()
            await wait(ctx, await ctx.queue.enqueue("discogs.sync", {"mode": "incremental"}))
            t_new = time.perf_counter() - t0
            r_new = len(fake.log)
            reads = await time_reads(ctx, [i["id"] for i in fake.users["bench"].instances[:200]])
        finally:
            await ctx.queue.stop()
            for hook in reversed(ctx._shutdown_hooks):
                await hook()
            await ctx.db.close()
    minimum = math.ceil(n / 100) + n + 1 + max(1, math.ceil(WANTS / 100))
    return {
        "n": n,
        "first": (r_first, minimum, t_first, first["result"]),
        "idle": (r_idle, 1, t_idle),
        "new": (r_new, 1 + NEW, t_new),
        "max_window": max_window,
        "n429": n429,
        "reads": reads,
    }


async def time_reads(ctx, ids: list[int]) -> dict[str, tuple[float, float]]:  # noqa: ANN001
    """p50/p95 ms of the store reads behind GET /discogs/releases (a page of 50 with tracklists, and a
    search) and GET /discogs/releases/{id}, on the database the sync just filled."""

    def pct(xs: list[float]) -> tuple[float, float]:
        xs = sorted(xs)
        return xs[len(xs) // 2] * 1000, xs[min(len(xs) - 1, int(len(xs) * 0.95))] * 1000

    out: dict[str, list[float]] = {"list page": [], "search q=": [], "one release": []}
    total = (await discogs_store.counts(ctx.db))["releases"]
    for k in range(40):
        t = time.perf_counter()
        await discogs_store.list_collection_releases(ctx.db, 50, (k * 97) % max(1, total - 50))
        out["list page"].append(time.perf_counter() - t)
        t = time.perf_counter()
        await discogs_store.list_collection_releases(ctx.db, 50, 0, "Deep")
        out["search q="].append(time.perf_counter() - t)
    for rid in ids:
        t = time.perf_counter()
        await discogs_store.get_release(ctx.db, rid)
        out["one release"].append(time.perf_counter() - t)
    return {k: pct(v) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,5000")
    ap.add_argument("--window", type=float, default=0.25, help="the fake's (and limiter's) window in seconds")
    ap.add_argument("--smoke", action="store_true", help="100 releases only (CI)")
    args = ap.parse_args()
    sizes = [100] if args.smoke else [int(s) for s in args.sizes.split(",")]
    scale = 60.0 / args.window
    print(
        f"Discogs sync against the fake: {LIMIT} requests per moving {args.window:g} s window "
        f"(= the real 60/min sped up {scale:g}x); {WANTS} wants; incremental adds {NEW} records"
    )
    print()
    head = (
        f"{'releases':>8}  {'sync':<17} {'requests':>8} {'minimum':>7} {'wall (scaled)':>13} "
        f"{'at real 60/min':>14}  {'max/window':>10} {'429s':>4}"
    )
    print(head)
    print("-" * len(head))
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            r = asyncio.run(run_size(n, args.window, Path(tmp)))
            rows = [
                ("first (full)", *r["first"][:3]),
                ("incremental, idle", *r["idle"]),
                (f"incremental, +{NEW}", *r["new"]),
            ]
            for i, (label, used, minimum, wall) in enumerate(rows):
                real = projected(used)
                real_s = f"{real / 60:.1f} min" if real >= 60 else f"{real:.0f} s"
                extra = f"  {r['max_window']:>10} {r['n429']:>4}" if i == 0 else ""
                print(
                    f"{n if i == 0 else '':>8}  {label:<17} {used:>8} {minimum:>7} {wall:>12.2f}s "
                    f"{real_s:>14}{extra}"
                )
            reads = "  ".join(f"{k} {p50:.1f}/{p95:.1f}" for k, (p50, p95) in r["reads"].items())
            print(f"{'':>8}  store reads, p50/p95 ms: {reads}")
            sys.stdout.flush()
    print()
    print(
        "requests = counted in the fake's request log; minimum = what the API makes necessary (see the docstring);"
    )
    print(
        f"max/window = most requests the fake accepted in any moving window (limit {LIMIT}); 429s = rejections."
    )


if __name__ == "__main__":
    main()
