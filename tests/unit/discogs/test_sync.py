"""Collection and wantlist sync against the fake, through the real queue and a real database file."""

from __future__ import annotations

import math

from musictool.store import timeline
from testkit.fakes.discogs.server import FakeDiscogs
from tests.unit.discogs.conftest import Factory, run_job


async def test_first_sync_stores_everything_with_the_minimum_requests(
    fake: FakeDiscogs, app_factory: Factory
) -> None:
    ctx = await app_factory()
    job = await run_job(ctx, "discogs.sync")
    assert job["status"] == "succeeded", job["error"]
    # folders + ceil(40/100) collection pages + ceil(5/100) wantlist pages + 40 release details
    assert len(fake.log) == 1 + 1 + 1 + 40
    assert job["result"]["mode"] == "full" and job["result"]["requests"] == 43
    db = ctx.db
    assert await db.fetchval("SELECT count(*) FROM collection_items WHERE removed_at IS NULL") == 40
    assert await db.fetchval("SELECT count(*) FROM wants WHERE removed_at IS NULL") == 5
    assert await db.fetchval("SELECT count(*) FROM releases WHERE details_fetched_at IS NOT NULL") == 40
    assert await db.fetchval("SELECT count(*) FROM collection_folders") == 4
    inst = fake.users["demo"].instances[0]
    row = await db.fetchone("SELECT * FROM collection_items WHERE instance_id = ?", (inst["instance_id"],))
    assert row["release_id"] == inst["id"] and row["folder_id"] == inst["folder_id"]
    assert row["rating"] == inst["rating"] and row["date_added"] == inst["date_added"]
    body = fake.catalog.release(inst["id"])
    tracks = await db.fetchall(
        "SELECT * FROM release_tracks WHERE release_id = ? ORDER BY idx", (inst["id"],)
    )
    assert [t["title"] for t in tracks] == [t["title"] for t in body["tracklist"]]
    rel = await db.fetchone("SELECT * FROM releases WHERE id = ?", (inst["id"],))
    assert rel["title"] == body["title"] and rel["year"] == body["year"]
    items, _ = await timeline.list_(db, 50, 0, source="discogs")
    assert [i["kind"] for i in items] == ["collection.imported"]


async def test_incremental_poll_with_nothing_new_is_one_request(
    fake: FakeDiscogs, app_factory: Factory
) -> None:
    ctx = await app_factory()
    await run_job(ctx, "discogs.sync")
    fake.log.clear()
    job = await run_job(ctx, "discogs.sync", {"mode": "incremental"})
    assert job["status"] == "succeeded"
    assert job["result"]["mode"] == "incremental" and job["result"]["added"] == 0
    assert len(fake.log) == 1
    assert fake.log[0].query["sort"] == "added" and fake.log[0].query["sort_order"] == "desc"


async def test_incremental_add_fetches_only_the_new_records(fake: FakeDiscogs, app_factory: Factory) -> None:
    ctx = await app_factory()
    await run_job(ctx, "discogs.sync")
    fake.log.clear()
    new = [fake.add_instance("demo") for _ in range(3)]
    job = await run_job(ctx, "discogs.sync", {"mode": "incremental"})
    assert job["result"]["added"] == 3
    assert len(fake.log) == 1 + 3  # one page, three release details
    assert {e.path for e in fake.log[1:]} == {f"/releases/{n['id']}" for n in new}
    items, _ = await timeline.list_(ctx.db, 50, 0, source="discogs", kind="record.added")
    assert {i["data"]["instance_id"] for i in items} == {n["instance_id"] for n in new}


async def test_reconcile_catches_removals_moves_and_ratings(fake: FakeDiscogs, app_factory: Factory) -> None:
    ctx = await app_factory()
    await run_job(ctx, "discogs.sync")
    user = fake.users["demo"]
    gone, moved, rated = user.instances[3], user.instances[10], user.instances[20]
    fake.remove_instance("demo", gone["instance_id"])
    fake.move_instance("demo", moved["instance_id"], 2_000_001 if moved["folder_id"] != 2_000_001 else 1)
    fake.rate_instance("demo", rated["instance_id"], 5 if rated["rating"] != 5 else 1)
    lost_want = next(iter(user.wants))
    fake.remove_want("demo", lost_want)
    fake.log.clear()
    # incremental cannot see any of it (date_added is unchanged) and costs one request
    job = await run_job(ctx, "discogs.sync", {"mode": "incremental"})
    assert job["result"]["added"] == 0 and len(fake.log) == 1
    fake.log.clear()
    job = await run_job(ctx, "discogs.sync", {"mode": "full"})
    r = job["result"]
    assert (r["removed"], r["changed"], r["wants_removed"], r["details"]) == (1, 2, 1, 0)
    assert len(fake.log) == 3  # folders, one collection page, one wantlist page
    db = ctx.db
    assert (
        await db.fetchval(
            "SELECT removed_at FROM collection_items WHERE instance_id = ?", (gone["instance_id"],)
        )
        is not None
    )
    assert (
        await db.fetchval(
            "SELECT folder_id FROM collection_items WHERE instance_id = ?", (moved["instance_id"],)
        )
        == moved["folder_id"]
    )
    assert (
        await db.fetchval(
            "SELECT rating FROM collection_items WHERE instance_id = ?", (rated["instance_id"],)
        )
        == rated["rating"]
    )
    assert await db.fetchval("SELECT removed_at FROM wants WHERE release_id = ?", (lost_want,)) is not None
    kinds = [i["kind"] for i in (await timeline.list_(db, 50, 0, source="discogs"))[0]]
    assert kinds.count("record.removed") == 1 and kinds.count("record.changed") == 2


async def test_multi_page_collection_and_duplicate_copies(fake: FakeDiscogs, app_factory: Factory) -> None:
    fake.add_user("big", token="big-token", releases=250, wants=120, duplicates=4)
    ctx = await app_factory(username="big", token="big-token")
    job = await run_job(ctx, "discogs.sync")
    assert job["status"] == "succeeded", job["error"]
    copies = 254
    assert await ctx.db.fetchval("SELECT count(*) FROM collection_items") == copies
    pages = fake.requests("/users/big/collection/folders/0/releases")
    assert len(pages) == math.ceil(copies / 100)
    assert len(fake.requests("/users/big/wants")) == 2
    assert len(fake.requests("/releases/")) == 250  # one per distinct release, not per copy
