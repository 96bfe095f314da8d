"""`bench/api_latency.py --scale`: every read endpoint at 100k Traktor tracks / 10k Discogs releases.

Build (once per parameter set, cached in <repo>/.bench/api-scale-*/): a generated collection.nml (nmlgen
entries; `overlap` of the vinyl tracks also appear in it under their Discogs artist and title) ingested by
the daemon's Traktor component, a full Discogs sync of `releases` releases from the fake (testkit/fakes/discogs,
moving window shortened to `window` seconds, every request real), then the library.match the daemon queues
after both. Measure: a copy of the cached home, a real daemon, `clients` concurrent clients per endpoint.
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
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from testkit import nmlgen  # noqa: E402
from testkit.daemon import Daemon  # noqa: E402
from testkit.fakes.discogs.data import Catalog  # noqa: E402
from testkit.fakes.discogs.server import FakeDiscogs, ServerThread  # noqa: E402

GEN_VERSION = 1  # bump when the generator changes what it writes
TARGET_MS = 50.0
TOKEN = "bench-token"


def cache_dir(args: argparse.Namespace) -> Path:
    key = f"api-scale-t{args.tracks}-r{args.releases}-o{args.overlap:g}-v{GEN_VERSION}"
    return REPO / ".bench" / key


def vinyl_tracks(fake: FakeDiscogs, releases: int) -> list[tuple[str, str]]:
    """(artist, title) of every playable vinyl track in the user's collection, as the fake serves them."""
    out = []
    for i in range(releases):
        rel = fake.catalog.release(Catalog.release_id(i))
        main = " & ".join(a["name"] for a in rel["artists"])
        for t in rel["tracklist"]:
            if t.get("type_") != "track":
                continue
            artist = " & ".join(a["name"] for a in t["artists"]) if t.get("artists") else main
            out.append((artist, t["title"]))
    return out


def write_nml(path: Path, n: int, vinyl: list[tuple[str, str]], overlap: float, seed: int = 3) -> int:
    """nmlgen's collection, with `overlap` of the vinyl tracks placed at random entries (their tags)."""
    rnd = random.Random(seed)
    pick = random.Random(seed + 7)
    chosen = pick.sample(vinyl, min(n, int(len(vinyl) * overlap)))
    slots = dict(zip(pick.sample(range(n), len(chosen)), chosen, strict=True))
    keys = []
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(nmlgen.HEADER)
        f.write(f'<COLLECTION ENTRIES="{n}">')
        for i in range(n):
            e = nmlgen.entry(i, rnd)
            if i in slots:
                artist, title = slots[i]
                head, rest = e.split(">", 1)
                t0 = head.index(' TITLE="')
                head = head[:t0] + f' TITLE="{nmlgen._esc(title)}" ARTIST="{nmlgen._esc(artist)}"'
                e = head + ">" + rest
            start = e.index('DIR="') + 5
            fs = e.index('FILE="') + 6
            keys.append("Macintosh HD" + e[start : e.index('"', start)] + e[fs : e.index('"', fs)])
            f.write(e)
        f.write('</COLLECTION>\n<SETS ENTRIES="0"></SETS>\n')
        playlists, per = 50, 200
        f.write(f'<PLAYLISTS><NODE TYPE="FOLDER" NAME="$ROOT"><SUBNODES COUNT="{playlists}">')
        for p in range(playlists):
            f.write(
                f'<NODE TYPE="PLAYLIST" NAME="Set {p}"><PLAYLIST ENTRIES="{per}" TYPE="LIST" UUID="{p:032x}">'
            )
            for _ in range(per):
                f.write(
                    f'<ENTRY><PRIMARYKEY TYPE="TRACK" KEY="{nmlgen._esc(keys[rnd.randrange(n)])}"></PRIMARYKEY>\n</ENTRY>\n'
                )
            f.write("</PLAYLIST>\n</NODE>\n")
        f.write("</SUBNODES>\n</NODE>\n</PLAYLISTS>\n<INDEXING></INDEXING>\n</NML>\n")
    return len(chosen)


def daemon_config(nml: Path, base_url: str, window: float) -> dict[str, dict[str, Any]]:
    return {
        "log": {"level": "WARNING"},
        "traktor": {"collection": str(nml)},
        "discogs": {
            "username": "bench",
            "token": TOKEN,
            "base_url": base_url,
            "rate_window": window,
            "poll_interval": 0,
            "prices_interval": 0,
            "new_releases_interval": 0,
            "reconcile_interval": 10**9,
            "timeout": 30.0,
        },
    }


def busy_jobs(d: Daemon) -> int:
    api = d.api()
    return sum(api.get("/jobs", status=s, limit=1)["total"] for s in ("queued", "running"))


def wait_idle(d: Daemon, timeout: float, quiet: float = 3.0) -> None:
    """Until no job is queued or running for `quiet` seconds (one job's end may queue the next)."""
    deadline = time.time() + timeout
    still = None
    while time.time() < deadline:
        if busy_jobs(d) == 0:
            still = still or time.time()
            if time.time() - still >= quiet:
                return
        else:
            still = None
        time.sleep(0.5)
    raise TimeoutError(f"jobs still busy after {timeout} s:\n{d.output()}")


def fake_for(args: argparse.Namespace) -> FakeDiscogs:
    fake = FakeDiscogs(limit=60, window=args.window)
    fake.add_user("bench", token=TOKEN, releases=args.releases, wants=50)
    return fake


def build(args: argparse.Namespace, cache: Path) -> dict[str, Any]:
    if cache.exists():
        shutil.rmtree(cache)
    cache.mkdir(parents=True)
    t0 = time.monotonic()
    fake = fake_for(args)
    vinyl = vinyl_tracks(fake, args.releases)
    nml = cache / "Traktor" / "collection.nml"
    nml.parent.mkdir()
    placed = write_nml(nml, args.tracks, vinyl, args.overlap)
    t_gen = time.monotonic() - t0
    print(f"  generated {args.tracks:,} NML entries ({placed:,} from vinyl) in {t_gen:.0f} s", flush=True)
    with ServerThread(fake) as srv:
        d = Daemon(cache / "home", daemon_config(nml, srv.base_url, args.window))
        d.start(timeout=180)
        try:
            api = d.api()
            t1 = time.monotonic()
            d.wait_for(
                lambda: api.get("/tracks", limit=1)["total"] == args.tracks,
                timeout=900,
                interval=1,
                what="ingest",
            )
            t_ingest = time.monotonic() - t1
            print(f"  Traktor ingest visible after {t_ingest:.0f} s", flush=True)
            t1 = time.monotonic()
            job = api.post("/discogs/sync", {"full": True})
            done = d.wait_job(job["id"], timeout=3600)
            if done["status"] != "succeeded":
                raise RuntimeError(f"Discogs sync {done['status']}: {done.get('error')}")
            t_sync = time.monotonic() - t1
            print(f"  Discogs sync: {len(fake.log):,} requests in {t_sync:.0f} s", flush=True)
            t1 = time.monotonic()
            wait_idle(d, timeout=1800)
            t_match = time.monotonic() - t1
            print(f"  jobs idle (library.match and followers) after {t_match:.0f} s", flush=True)
        finally:
            d.stop(timeout=120)
    info = {
        "tracks": args.tracks,
        "releases": args.releases,
        "vinyl_tracks": len(vinyl),
        "vinyl_in_traktor": placed,
        "seconds": {"generate": t_gen, "ingest": t_ingest, "sync": t_sync, "match": t_match},
        "total_s": time.monotonic() - t0,
    }
    (cache / "ready.json").write_text(json.dumps(info, indent=1))
    return info


def urls(base: str, sample: dict[str, Any]) -> list[tuple[str, list[str]]]:  # noqa: C901
    """(name, URLs) per endpoint; URLs rotate over ids, terms and the first pages a UI would show."""
    rnd = random.Random(1)
    pages = [f"limit=50&offset={50 * k}" for k in range(10)]
    words = ["deep", "acid", "night", "echo", "velvet", "dub loop", "river 12", "moon sig"]
    words += [w for w in sample["artists"][:12]]
    keys = ["8A", "Am", "5A", "11B", "1m", "Fm"]
    bpm = [(120 + k, 124 + k) for k in range(0, 14, 2)]
    sorts = ["-bpm", "title", "-play_count", "-import_date", "key"]
    tids, rids = sample["track_ids"], sample["release_ids"]
    return [
        ("GET /status", [f"{base}/status"]),
        ("GET /jobs", [f"{base}/jobs?limit=50"]),
        ("GET /tracks (page)", [f"{base}/tracks?{p}" for p in pages]),
        ("GET /tracks?q=", [f"{base}/tracks?limit=50&q={w}" for w in words]),
        (
            "GET /tracks?bpm+key",
            [f"{base}/tracks?limit=50&bpm_min={lo}&bpm_max={hi}&key={k}" for lo, hi in bpm for k in keys],
        ),
        ("GET /tracks?sort=", [f"{base}/tracks?limit=50&sort={s}&{rnd.choice(pages)}" for s in sorts * 4]),
        ("GET /tracks/{id}", [f"{base}/tracks/{i}" for i in tids]),
        ("GET /playlists", [f"{base}/playlists"]),
        ("GET /discogs/releases", [f"{base}/discogs/releases?{p}" for p in pages]),
        (
            "GET /discogs/releases?q=",
            [f"{base}/discogs/releases?limit=50&q={w}" for w in sample["release_words"]],
        ),
        ("GET /discogs/releases/{id}", [f"{base}/discogs/releases/{i}" for i in rids]),
        ("GET /matches", [f"{base}/matches?{p}" for p in pages]),
        ("GET /gaps (page)", [f"{base}/gaps?{p}" for p in pages]),
        (
            "GET /gaps?artist=&min_prio",
            [f"{base}/gaps?limit=50&artist={a}" for a in sample["gap_artists"]]
            + [f"{base}/gaps?limit=50&min_priority={m}" for m in (20, 40, 60)],
        ),
        ("GET /completion", [f"{base}/completion?by={b}&limit=50" for b in ("release", "artist", "label")]),
        ("GET /timeline", [f"{base}/timeline?limit=50"]),
        ("GET /stats/* (charts)", [f"{base}/stats/{c}" for c in ("growth", "genres", "library", "spending")]),
    ]


def sample_values(d: Daemon) -> dict[str, Any]:
    api = d.api()
    rnd = random.Random(2)
    total = api.get("/tracks", limit=1)["total"]
    tracks = api.get("/tracks", limit=200, offset=rnd.randrange(max(1, total - 200)), sort="id")["items"]
    n_rel = api.get("/discogs/releases", limit=1)["total"]
    rels = api.get("/discogs/releases", limit=200, offset=min(500, n_rel // 2))["items"]
    n_gaps = api.get("/gaps", limit=1)["total"]
    gaps = api.get("/gaps", limit=200, offset=min(100, n_gaps // 2))["items"]
    return {
        "track_ids": [t["id"] for t in tracks],
        "artists": sorted({t["artist"].split()[0] for t in tracks if t.get("artist")}),
        "release_ids": [r["id"] for r in rels],
        "release_words": sorted({(r.get("title") or "x").split()[0] for r in rels})[:20],
        "gap_artists": sorted({g["artist"] for g in gaps if g.get("artist")})[:20],
    }


class Writer:
    """A write through the daemon every `every` seconds (POST /jobs/pause, /jobs/resume: one kv row each), so
    cached reads are dropped as they are while jobs run; the figures then show the uncached cost."""

    def __init__(self, d: Daemon, every: float) -> None:
        self.d, self.every, self.writes = d, every, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        api = self.d.api()
        while not self.stop.wait(self.every):
            api.post("/jobs/pause" if self.writes % 2 == 0 else "/jobs/resume")
            self.writes += 1

    def __enter__(self) -> Writer:
        if self.every > 0:
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(5)
        if self.writes % 2:
            self.d.api().post("/jobs/resume")


def run(args: argparse.Namespace, load: Callable[..., Any], floor_url: str | None = None) -> None:
    requests = args.requests or 600
    cache = cache_dir(args)
    if args.rebuild or not (cache / "ready.json").exists():
        print(f"building the database in {cache} (cached for later runs) ...", flush=True)
        info = build(args, cache)
    else:
        info = json.loads((cache / "ready.json").read_text())
    fake = fake_for(args)  # served again so nothing the daemon asks fails; no sync is queued
    with tempfile.TemporaryDirectory(prefix="api-scale-") as tmp, ServerThread(fake) as srv:
        t0 = time.monotonic()
        home = Path(tmp) / "home"
        shutil.copytree(cache / "home", home)
        d = Daemon(home, daemon_config(cache / "Traktor" / "collection.nml", srv.base_url, args.window))
        d.start(timeout=180)
        try:
            wait_idle(d, timeout=600)
            print(f"daemon on a copy of the cached database, idle after {time.monotonic() - t0:.0f} s")
            counts = d.api().get("/status")
            sample = sample_values(d)
            auth = {"Authorization": f"Bearer {d.token}"}
            only = [o.strip() for o in args.only.split(",") if o.strip()]
            print(
                f"{info['tracks']:,} tracks, {info['releases']:,} releases ({info['vinyl_tracks']:,} vinyl tracks, "
                f"{info['vinyl_in_traktor']:,} also in Traktor); {args.clients} concurrent clients, "
                f"{requests} requests per endpoint, best p95 of {max(1, args.rounds)} rounds"
                + (
                    f"; a write every {args.write_every:g} s drops cached reads"
                    if args.write_every > 0
                    else ""
                )
            )
            summary = {k: counts.get(k) for k in ("library", "discogs") if isinstance(counts.get(k), dict)}
            print("status:", json.dumps(summary)[:600])
            print(f"{'endpoint':<28} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>10}")
            results: dict[str, float] = {}
            runs = urls(d.base_url, sample)
            if floor_url:
                runs.insert(0, ("bare aiohttp (floor)", [floor_url]))
            for name, us in runs:
                if only and not any(o in name for o in only):
                    continue
                best = (
                    None  # the machine is shared: keep the round with the lowest p95, as bench/ingest.py does
                )
                for _ in range(max(1, args.rounds)):
                    with Writer(d, args.write_every):
                        latencies, elapsed = asyncio.run(load(us, auth, requests, args.clients))
                    q = statistics.quantiles(latencies, n=100)
                    if best is None or q[94] < best[0][94]:
                        best = (q, latencies, elapsed)
                q, latencies, elapsed = best
                if name.startswith("GET"):
                    results[name] = q[94] * 1000
                mark = "" if q[94] * 1000 <= TARGET_MS else "  MISS"
                print(
                    f"{name:<28} {q[49] * 1000:8.1f} {q[94] * 1000:8.1f} {q[98] * 1000:8.1f} "
                    f"{len(latencies) / elapsed:10.0f}{mark}",
                    flush=True,
                )
            misses = [k for k, v in results.items() if v > TARGET_MS]
            print(
                f"target p95 <= {TARGET_MS:.0f} ms: "
                + (
                    f"{len(misses)} of {len(results)} miss: {', '.join(misses)}"
                    if misses
                    else "all endpoints meet it"
                )
            )
            print(
                json.dumps(
                    {"p95_ms": {k: round(v, 1) for k, v in results.items()}, "target_p95_ms": TARGET_MS}
                )
            )
        finally:
            d.stop(timeout=120)
