"""Gaps and matches end to end: a real daemon syncs a fake Discogs collection and ingests a real NML file.

The NML is a real Traktor fixture with entries added for some of the fake collection's tracks, with the drift
real libraries have: "(Original Mix)" tags, a vinyl rip with empty tags named "A1 - Artist - Title.mp3", a
one-letter typo, and a remix of a vinyl track that must not count as the vinyl track.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import html
import io
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from musictool.cli.client import ApiError
from testkit.fakes.discogs.server import FakeDiscogs, start
from testkit.fixtures_path import FIXTURES, REPO

USER, TOKEN = "crate", "tok-crate"
BASE_NML = FIXTURES / "nml" / "polamjag__traktor-nml" / "spec" / "traktor" / "win.nml"


class FakeInThread:
    """The Discogs fake on its own loop in a thread, so the test can block on the daemon meanwhile."""

    def __init__(self, fake: FakeDiscogs) -> None:
        self.fake = fake
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        self.runner, url = asyncio.run_coroutine_threadsafe(start(self.fake), self.loop).result(10)
        return url

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def entry(artist: str, title: str, file: str, playtime: int = 300, plays: int = 0, album: str = "") -> str:
    return (
        f'<ENTRY MODIFIED_DATE="2026/11/1" MODIFIED_TIME="100" TITLE="{_attr(title)}" ARTIST="{_attr(artist)}">'
        f'<LOCATION DIR="/:Music/:Vinyl/:" FILE="{_attr(file)}" VOLUME="C:" VOLUMEID="C:"></LOCATION>\n'
        f'<ALBUM TITLE="{_attr(album)}"></ALBUM>\n'
        f'<INFO BITRATE="320000" PLAYTIME="{playtime}" PLAYCOUNT="{plays}" IMPORT_DATE="2026/11/1"></INFO>\n'
        "</ENTRY>\n"
    )


def write_nml(path: Path, entries: list[str]) -> None:
    text = BASE_NML.read_text(encoding="utf-8")
    text = re.sub(r"(<COLLECTION ENTRIES=\"\d+\">)", lambda m: m.group(1) + "".join(entries), text, count=1)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def playable(release: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in release["tracklist"] if t.get("type_") == "track" and t.get("position")]


def artist_of(release: dict[str, Any], track: dict[str, Any]) -> str:
    names = track.get("artists") or release["artists"]
    return " & ".join(a["name"] for a in names)


SPEC = yaml.safe_load((REPO / "api-spec" / "openapi.yaml").read_text(encoding="utf-8"))


def check(instance: Any, schema_name: str) -> None:
    """Validate a response body against a component schema of api-spec/openapi.yaml (JSON Schema 2020-12)."""
    jsonschema.Draft202012Validator({**SPEC, "$ref": f"#/components/schemas/{schema_name}"}).validate(
        instance
    )


def cli(home: Path, *args: str) -> str:
    """Run the real `musictool` CLI against the daemon of this home folder."""
    env = {**os.environ, "MUSICTOOL_HOME": str(home), "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-m", "musictool", *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def wait_job(api: Any, after: int, timeout: float = 60.0) -> dict[str, Any]:
    """The first library.match job with id > after that finished."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        jobs = api.get("/jobs", kind="library.match", limit=50)["items"]
        done = [j for j in jobs if j["id"] > after and j["status"] in ("succeeded", "failed")]
        if done:
            job = min(done, key=lambda j: j["id"])
            assert job["status"] == "succeeded", job.get("error")
            return job
        time.sleep(0.2)
    raise TimeoutError(f"no library.match job after {after} finished")


def last_job_id(api: Any) -> int:
    jobs = api.get("/jobs", kind="library.match", limit=1)["items"]
    return jobs[0]["id"] if jobs else 0


def test_gaps_matches_decisions_and_incremental_updates(daemon_factory: Any, tmp_path: Path) -> None:
    fake = FakeDiscogs(seed=5)
    user = fake.add_user(USER, TOKEN, releases=10, wants=0)
    releases = [fake.catalog.release(i["id"]) for i in user.instances]
    # Pick releases with distinct, version-free track titles so the expectations below are unambiguous.
    usable = [
        r
        for r in releases
        if len(playable(r)) >= 2
        and len({t["title"] for t in playable(r)}) == len(playable(r))
        and all("(" not in t["title"] for t in playable(r)[:2])
        and r["artists"][0]["name"] != "Various"
    ]
    assert len(usable) >= 3, "the fake's seed no longer gives three usable releases"
    full, partial, later = usable[0], usable[1], usable[2]
    f_tracks, p_tracks, l_tracks = playable(full), playable(partial), playable(later)

    entries = []
    ids_by_file: dict[str, tuple[int, str]] = {}
    for n, t in enumerate(f_tracks):  # every track of `full`, tagged the way stores tag them
        file = f"full-{n}.mp3"
        entries.append(
            entry(artist_of(full, t), f"{t['title']} (Original Mix)", file, plays=7, album=full["title"])
        )
        ids_by_file[file] = (full["id"], t["position"])
    # `partial`: the first track as a vinyl rip with empty tags, and a remix of the second (not the same track)
    p0, p1 = p_tracks[0], p_tracks[1]
    rip = f"{p0['position']} - {artist_of(partial, p0)} - {p0['title']}.mp3"
    entries.append(entry("", "", rip, plays=3))
    ids_by_file[rip] = (partial["id"], p0["position"])
    entries.append(entry(artist_of(partial, p1), f"{p1['title']} (Carl Craig Remix)", "remix.mp3"))

    nml = tmp_path / "collection.nml"
    write_nml(nml, entries)
    with FakeInThread(fake) as url:
        d = daemon_factory(
            config={
                "discogs": {"username": USER, "token": TOKEN, "base_url": url, "poll_interval": 3600},
                "traktor": {"collection": str(nml)},
            }
        )
        api = d.api()
        with contextlib.suppress(ApiError):  # the scheduled first sync runs anyway a few seconds after start
            api.post("/discogs/sync")
        d.wait_for(
            lambda: (
                api.get("/tracks", limit=1)["total"] >= len(entries)
                and api.get("/completion")["overall"]["tracks"]
            ),
            timeout=90,
            what="the Discogs sync and the Traktor ingest",
        )
        d.wait_for(
            lambda: (
                set(ids_by_file.values())
                <= {(m["release_id"], m["position"]) for m in api.get("/matches", limit=1000)["items"]}
            ),
            timeout=60,
            what="the library match after both inputs landed",
        )
        tracks = {
            t["location"].split("\\")[-1].split("/")[-1]: t["id"]
            for t in api.get("/tracks", limit=1000)["items"]
        }

        # -- matches ------------------------------------------------------------------------------------
        matches = api.get("/matches", limit=1000)["items"]
        got = {(m["release_id"], m["position"]): m for m in matches}
        for m in matches:
            check(m, "Match")
        for file, key in ids_by_file.items():
            m = got.get(key)
            assert m is not None, (key, file, matches)
            assert m["track_id"] == tracks[file] and m["confidence"] >= 0.85 and m["reasons"]
        assert (partial["id"], p1["position"]) not in got  # the remix is not the vinyl track

        # -- gaps, links, filters -----------------------------------------------------------------------
        page = api.get("/gaps", limit=1000)
        for item in page["items"]:
            check(item, "Gap")
        gap_keys = {(g["release_id"], g["position"]) for g in page["items"]}
        assert (partial["id"], p1["position"]) in gap_keys
        assert not any(k[0] == full["id"] for k in gap_keys)
        g = next(
            g for g in page["items"] if (g["release_id"], g["position"]) == (partial["id"], p1["position"])
        )
        assert g["title"] == p1["title"] and g["artist"] == artist_of(partial, p1)
        assert set(g["links"]) == {"beatport", "bandcamp", "juno", "traxsource", "discogs"}
        assert g["links"]["discogs"] == f"https://www.discogs.com/sell/release/{partial['id']}"
        assert g["priority"] > 0 and any(
            "played this record's other tracks 3 times" in r for r in g["reasons"]
        )
        only = api.get("/gaps", release_id=partial["id"])["items"]
        assert {x["release_id"] for x in only} == {partial["id"]}
        by_artist = api.get("/gaps", artist=artist_of(later, l_tracks[0]).upper(), limit=1000)["items"]
        assert (later["id"], l_tracks[0]["position"]) in {(x["release_id"], x["position"]) for x in by_artist}
        assert api.get("/gaps", min_priority=100.0)["total"] <= page["total"]

        # -- completion and the timeline -----------------------------------------------------------------
        completion = api.get("/completion", limit=1000)
        check(completion, "Completion")
        comp = {c["release_id"]: c for c in completion["items"]}
        assert comp[full["id"]]["rate"] == 1.0 and comp[full["id"]]["missing"] == 0
        assert api.get("/completion", by="label")["items"]
        timeline = api.get("/timeline", source="library")["items"]
        assert timeline and "of your vinyl tracks are in Traktor" in timeline[0]["summary"]

        # -- exports -------------------------------------------------------------------------------------
        text = api.get("/gaps/export.csv")
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        assert len(rows) == page["total"] and rows[0]["beatport"].startswith(
            "https://www.beatport.com/search?q="
        )
        page_html = api.get("/gaps/export.html")
        assert page_html.count('href="https://www.traxsource.com/search?term=') == page["total"]

        # -- decisions survive recomputes ----------------------------------------------------------------
        f0 = f_tracks[0]
        before = last_job_id(api)
        rejected = api.post(f"/matches/{full['id']}/{f0['position']}/reject")
        assert rejected["status"] == "none" and rejected["track_id"] is None
        wait_job(api, before)
        before = last_job_id(api)
        api.post("/matches/recompute")
        wait_job(api, before)
        assert (full["id"], f0["position"]) not in {
            (m["release_id"], m["position"]) for m in api.get("/matches", limit=1000)["items"]
        }
        before = last_job_id(api)
        confirmed = api.post(
            f"/matches/{full['id']}/{f0['position']}/confirm", {"track_id": tracks["full-0.mp3"]}
        )
        assert confirmed["status"] == "confirmed"
        check(confirmed, "MatchDecisionResult")
        wait_job(api, before)
        m = api.get("/matches", release_id=full["id"], status="confirmed")["items"]
        assert [(x["position"], x["track_id"]) for x in m] == [(f0["position"], tracks["full-0.mp3"])]

        # -- "no digital copy wanted" --------------------------------------------------------------------
        before = last_job_id(api)
        api.post(f"/gaps/{partial['id']}/{p1['position']}/ignore", {"reason": "only the A side matters"})
        wait_job(api, before)
        assert (partial["id"], p1["position"]) not in {
            (x["release_id"], x["position"]) for x in api.get("/gaps", limit=1000)["items"]
        }
        with pytest.raises(ApiError, match="404"):
            api.post("/gaps/999999/A1/ignore", {})
        before = last_job_id(api)
        assert api.delete(f"/gaps/{partial['id']}/{p1['position']}/ignore")["ignored"] is False
        wait_job(api, before)
        assert (partial["id"], p1["position"]) in {
            (x["release_id"], x["position"]) for x in api.get("/gaps", limit=1000)["items"]
        }
        before = last_job_id(api)
        api.post(f"/gaps/{partial['id']}/{p1['position']}/ignore", {})
        wait_job(api, before)

        # -- incremental: a new file for a gap is matched by a small job ---------------------------------
        l0 = l_tracks[0]
        before = last_job_id(api)
        typo = l0["title"][:-1] if len(l0["title"].split()[-1]) > 5 else l0["title"]  # a dropped last letter
        write_nml(nml, [*entries, entry(artist_of(later, l0), typo, "later-0.mp3")])
        job = wait_job(api, before, timeout=60)
        assert job["result"]["mode"] == "changes" and job["result"]["releases"] <= 3, job["result"]
        new_tracks = {t["location"].split("\\")[-1]: t["id"] for t in api.get("/tracks", limit=1000)["items"]}
        m = api.get("/matches", release_id=later["id"])["items"]
        assert (l0["position"], new_tracks["later-0.mp3"]) in {(x["position"], x["track_id"]) for x in m}

        # -- wishlist and plan ---------------------------------------------------------------------------
        gap = api.get("/gaps", limit=1)["items"][0]
        before = last_job_id(api)
        item = api.post("/wishlist", {"release_id": gap["release_id"], "position": gap["position"]})
        assert item["artist"] == gap["artist"] and item["title"] == gap["title"] and item["source"] == "api"
        wait_job(api, before)
        again = next(
            g
            for g in api.get("/gaps", release_id=gap["release_id"])["items"]
            if g["position"] == gap["position"]
        )
        assert again["priority"] > gap["priority"] and any("wishlist" in r for r in again["reasons"])
        free = api.post(
            "/wishlist", {"artist": "Someone", "title": "Dear Track", "priority": 90, "target_price": 30}
        )
        plan = api.post("/wishlist/plan", {"budget": 10})
        check(item, "WishlistItem")
        check(plan, "Plan")
        assert [c["id"] for c in plan["chosen"]] == [item["id"]] and plan["chosen"][0][
            "price_estimated"
        ] is True
        assert any(x["id"] == free["id"] for x in plan["left_out"])
        patched = api.patch(f"/wishlist/{item['id']}", {"status": "bought"})
        assert patched["status"] == "bought"
        api.delete(f"/wishlist/{free['id']}")
        assert api.get("/wishlist")["total"] == 1

        # -- the CLI -------------------------------------------------------------------------------------
        out = cli(d.home, "gaps", "--release", str(later["id"]), "--store", "juno")
        assert (
            l_tracks[-1]["title"] in out and "https://www.junodownload.com/search/?q%5Ball%5D%5B%5D=" in out
        )
        assert "gaps" in out.splitlines()[-1]
        out = cli(d.home, "gaps", "--all-links", "--limit", "1")
        assert all(f"{s} " in out for s in ("beatport", "bandcamp", "juno", "traxsource", "discogs"))
        api.post("/wishlist", {"artist": "Cheap", "title": "Tune", "target_price": 1.0, "priority": 10})
        out = cli(d.home, "plan", "--budget", "5")
        assert "fit the budget of 5.00 EUR" in out and "+ Cheap - Tune" in out
        assert d.stop() == 0
        assert "Traceback" not in d.output(), d.output()
