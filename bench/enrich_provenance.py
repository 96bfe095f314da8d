"""Provenance at library scale: recording the NML values of N tracks (what the `enrich.nml` job does after
a first Traktor ingest), the no-change re-run, reads (one track's metadata, a conflicts page), and the
Discogs values of N/2 matched tracks (`enrich.discogs` after `matches.updated`).

    .venv/bin/python bench/enrich_provenance.py [--tracks 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "daemon"))

from musictool.enrich import discogs_values  # noqa: E402
from musictool.enrich.pipeline import Enricher, Settings  # noqa: E402
from musictool.integrations.musicbrainz.client import MusicBrainzClient  # noqa: E402
from musictool.store import enrichment as store  # noqa: E402
from musictool.store import provenance  # noqa: E402
from musictool.store.db import Database  # noqa: E402

KEYS = ["A minor", "C major", "F# minor", "Bb major", "E minor", "G major"]


def track_rows(n: int) -> list[tuple]:
    rnd = random.Random(7)
    rows = []
    for i in range(1, n + 1):
        rows.append(
            (
                i,
                f"vol/:music/:{i}.mp3",
                f"/music/{i}.mp3",
                f"Artist {rnd.randint(1, n // 10 + 1)}",
                f"Title {i} (Original Mix)",
                f"Album {i // 8}",
                f"Label {i % 500}",
                f"CAT{i:06d}",
                rnd.choice(["Techno", "House", "Electro", None]),
                round(rnd.uniform(118, 140), 2),
                rnd.choice(KEYS),
                round(rnd.uniform(180, 480), 1),
                f"2010/{i % 12 + 1}/1",
            )
        )
    return rows


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "bench.db")
        await db.executemany(
            "INSERT INTO tracks (id, location_key, path, artist, title, album, label, catalog_no, genre, bpm, key, "
            "duration, release_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            track_rows(n),
        )
        size0 = (Path(tmp) / "bench.db").stat().st_size + (Path(tmp) / "bench.db-wal").stat().st_size
        enricher = Enricher(db, MusicBrainzClient("http://127.0.0.1:9", "0", "bench"), None, Settings())

        async def walk() -> tuple[float, int]:
            t0 = time.perf_counter()
            changed, mark = 0, ("", 0)
            while True:
                rows = await store.changed_tracks(db, mark, 1000)
                if not rows:
                    break
                changed += await enricher.record_nml(rows)
                mark = (rows[-1]["updated_at"], rows[-1]["id"])
            return time.perf_counter() - t0, changed

        first, changed = await walk()
        values = await db.fetchval("SELECT count(*) FROM metadata_values")
        again, changed2 = await walk()
        # a web source disagreeing on 10 % of titles -> conflicts
        rows = [(i, "title", f"Other {i}", "musicbrainz", 0.9) for i in range(1, n + 1, 10)]
        t0 = time.perf_counter()
        await provenance.record_many(db, rows)
        web = time.perf_counter() - t0
        lat_meta, lat_conf = [], []
        for i in range(200):
            t0 = time.perf_counter()
            await provenance.describe(db, 1 + (i * 7919) % n)
            lat_meta.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            await provenance.conflicts(db, 50, (i * 50) % max(1, n // 10 - 50))
            lat_conf.append((time.perf_counter() - t0) * 1000)
        # Discogs values: half the library matched to vinyl tracks, 6 to a record
        n_match = n // 2
        await db.executemany(
            "INSERT INTO releases (id, title, artists, year, labels_json) VALUES (?, ?, ?, ?, ?)",
            [
                (
                    r,
                    f"Release {r}",
                    f"Artist {r} (2)",
                    1990 + r % 30,
                    f'[{{"name": "Label {r % 300}", "catno": "C{r}"}}]',
                )
                for r in range(1, n_match // 6 + 2)
            ],
        )
        await db.executemany(
            "INSERT INTO release_tracks (release_id, position, idx, title, duration_seconds) VALUES (?, ?, ?, ?, ?)",
            [(i // 6 + 1, f"A{i % 6}", i % 6, f"Title {i + 1}", 300.0) for i in range(n_match)],
        )
        await db.executemany(
            "INSERT INTO matches (release_id, position, track_id, confidence, status) VALUES (?, ?, ?, 0.95, 'matched')",
            [(i // 6 + 1, f"A{i % 6}", i + 1) for i in range(n_match)],
        )
        t0 = time.perf_counter()
        first_sync = await discogs_values.sync(db)
        discogs_first = time.perf_counter() - t0
        t0 = time.perf_counter()
        await discogs_values.sync(db)
        discogs_again = time.perf_counter() - t0
        await db.close()
        size1 = (Path(tmp) / "bench.db").stat().st_size
        p95 = lambda xs: statistics.quantiles(xs, n=20)[-1]  # noqa: E731
        print(f"tracks                         {n}")
        print(
            f"NML values recorded            {values} rows ({changed} fields) in {first:.2f} s "
            f"({values / first:,.0f} rows/s)"
        )
        print(f"re-run, nothing changed        {again:.2f} s ({changed2} fields changed)")
        print(f"{len(rows)} web values (10 % disagree) {web:.2f} s")
        print(
            f"GET metadata (describe)        p50 {statistics.median(lat_meta):.2f} ms, p95 {p95(lat_meta):.2f} ms"
        )
        print(
            f"conflicts page of 50           p50 {statistics.median(lat_conf):.2f} ms, p95 {p95(lat_conf):.2f} ms"
        )
        print(
            f"Discogs values, {n_match} matches  {first_sync['written']} rows in {discogs_first:.2f} s; "
            f"re-sync, nothing changed {discogs_again:.2f} s"
        )
        print(
            f"database                       {size0 / 1e6:.1f} MB tracks only -> {size1 / 1e6:.1f} MB with provenance"
        )
        print(
            f"peak RSS                       {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracks", type=int, default=100_000)
    asyncio.run(main(ap.parse_args().tracks))
