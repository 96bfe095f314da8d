"""New releases of the artists and labels collected most (plus follows); nothing announced on the first run."""

from __future__ import annotations

from musictool.store import discogs as store
from musictool.store import notifications
from testkit.fakes.discogs.server import FakeDiscogs
from tests.unit.discogs.conftest import Factory, run_job


async def test_first_run_is_silent_then_new_releases_are_announced_once(
    fake: FakeDiscogs, app_factory: Factory
) -> None:
    follow = fake.catalog.artists[-1].id
    ctx = await app_factory(top_artists=3, top_labels=2, follow_artists=[follow])
    await run_job(ctx, "discogs.sync")
    events = ctx.events.subscribe()
    top = await store.top_entities(ctx.db, "artist", 3)
    assert len(top) == 3 and top[0]["copies"] >= top[-1]["copies"]
    fake.log.clear()
    job = await run_job(ctx, "discogs.new_releases")
    assert job["result"] == {"entities": 6, "announced": 0}
    assert len(fake.requests("/artists/")) == 4  # 3 top + 1 followed, one page each
    assert 2 <= len(fake.requests("/labels/")) <= 4
    assert fake.requests("/artists/")[0].query["sort"] == "year"

    fake.catalog.add_artist_release(top[0]["id"], "Brand New EP")
    fake.catalog.add_artist_release(follow, "Followed Single")
    job = await run_job(ctx, "discogs.new_releases")
    assert job["result"]["announced"] == 2
    items, _ = await notifications.list_(ctx.db, 50, 0, False, "new_release")
    assert sorted(n["title"].split(" – ")[-1] for n in items) == ["Brand New EP", "Followed Single"]
    seen = []
    while not events.empty():
        e = events.get_nowait()
        if e.type == "discogs.new_release":
            seen.append(e.data["title"])
    assert sorted(seen) == ["Brand New EP", "Followed Single"]
    job = await run_job(ctx, "discogs.new_releases")
    assert job["result"]["announced"] == 0
