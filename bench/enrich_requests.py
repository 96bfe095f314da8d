"""How many web requests identifying a track costs, per path (ISRC, search, a recording id from AcoustID),
for albums whose tracks share a release (the release is looked up once, then cached), and what that means
at 1 request/s. Paths are interleaved over the same albums, as in a real library.

Runs the real pipeline against the fakes with the rate limit lifted (so it finishes in seconds) and counts
the requests the fakes served; the projection uses the production spacing.

    .venv/bin/python bench/enrich_requests.py [--albums 5 --tracks-per-album 4]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "daemon")]

from aiohttp.test_utils import TestServer  # noqa: E402

from musictool.enrich.limiter import RateLimiter  # noqa: E402
from musictool.enrich.pipeline import Enricher, Settings  # noqa: E402
from musictool.integrations.acoustid.client import AcoustIDClient  # noqa: E402
from musictool.integrations.musicbrainz import client as mbclient  # noqa: E402
from musictool.store.db import Database  # noqa: E402
from testkit.fakes.acoustid.server import FakeAcoustID  # noqa: E402
from testkit.fakes.musicbrainz.server import FakeMusicBrainz, Release  # noqa: E402


async def main(albums: int, per_album: int) -> None:
    mb, ac = FakeMusicBrainz(min_interval=0.0), FakeAcoustID(rate=10_000)
    mb_srv, ac_srv = TestServer(mb.app(), host="127.0.0.1"), TestServer(ac.app(), host="127.0.0.1")
    await mb_srv.start_server()
    await ac_srv.start_server()
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "bench.db")
        enricher = Enricher(
            db,
            mbclient.MusicBrainzClient(
                f"http://127.0.0.1:{mb_srv.port}", "0", "bench", limiter=RateLimiter(0.0)
            ),
            AcoustIDClient(f"http://127.0.0.1:{ac_srv.port}/v2", "test-key", limiter=RateLimiter(0.0)),
            Settings(),
        )
        tid = 0
        plan: dict[str, list[tuple[int, str]]] = {"isrc": [], "search": [], "recording id (AcoustID)": []}
        for a in range(albums):
            release = None
            for t in range(per_album):
                tid += 1
                rec = mb.add_recording(
                    f"Track {a}-{t}",
                    f"Artist {a}",
                    300000,
                    isrcs=[f"GBAAA{a:02d}{t:05d}"],
                    release=f"Album {a}",
                )
                if release is None:
                    release = rec.releases[0]
                else:  # the same release for the whole album
                    mb.releases.pop(rec.releases[0].id)
                    rec.releases = [Release(**vars(release))]
                path = ("isrc", "search", "recording id (AcoustID)")[tid % 3]
                isrc = rec.isrcs[0] if path == "isrc" else None
                await db.execute(
                    "INSERT INTO tracks (id, location_key, artist, title, isrc, duration) VALUES (?, ?, ?, ?, ?, ?)",
                    (tid, f"k{tid}", f"Artist {a}", f"Track {a}-{t}", isrc, 300.0),
                )
                plan[path].append((tid, rec.id))
        print(
            f"{albums} albums x {per_album} tracks; MusicBrainz requests per track (AcoustID requests apart)"
        )
        t0 = time.perf_counter()
        for path, items in plan.items():
            counts = []
            for track_id, rid in items:
                before = len(mb.requests)
                if path.startswith("recording"):
                    await enricher.enrich(track_id, recording_id=rid, confidence=0.9, method="acoustid")
                else:
                    await enricher.enrich(track_id, use_acoustid=False)
                counts.append(len(mb.requests) - before)
            cold, warm = counts[0], (sum(counts[1:]) / max(1, len(counts) - 1))
            print(f"  {path:<24} first track {cold}, then {warm:.2f} on average over {len(counts)} tracks")
        total = len(mb.requests)
        elapsed = time.perf_counter() - t0
        per = total / tid
        print(f"all paths                  {total} MusicBrainz requests for {tid} tracks ({per:.2f}/track)")
        print(f"local overhead             {elapsed / tid * 1000:.1f} ms/track without the rate limit")
        hours = 10_000 * per * mbclient.MIN_INTERVAL / 3600
        print(f"10,000 tracks at 1 req/s   about {hours:.1f} h (spacing {mbclient.MIN_INTERVAL} s)")
        await db.close()
    await mb_srv.close()
    await ac_srv.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--albums", type=int, default=5)
    ap.add_argument("--tracks-per-album", type=int, default=6)
    args = ap.parse_args()
    asyncio.run(main(args.albums, args.tracks_per_album))
