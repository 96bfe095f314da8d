"""The reads behind the API: paging, search, folder filter, copies of one release."""

from __future__ import annotations

import asyncio

from musictool.integrations.discogs import mapping
from musictool.store import discogs as store
from testkit.fakes.discogs.server import FakeDiscogs
from tests.unit.discogs.conftest import Factory, run_job


async def test_list_search_folder_and_copies(fake: FakeDiscogs, app_factory: Factory) -> None:
    fake.add_user("dup", token="dup-token", releases=60, wants=0, duplicates=3)
    ctx = await app_factory(username="dup", token="dup-token")
    await run_job(ctx, "discogs.sync")
    db = ctx.db
    user = fake.users["dup"]
    items, total = await store.list_collection_releases(db, 25, 0)
    assert total == 60 and len(items) == 25
    everything = items + (await store.list_collection_releases(db, 50, 25))[0]
    assert len({i["id"] for i in everything}) == 60
    assert [i["date_added"] for i in everything] == sorted(
        (i["date_added"] for i in everything), reverse=True
    )
    assert sum(i["copies"] for i in everything) == 63

    word = fake.catalog.release(user.instances[7]["id"])["title"].split()[0]
    expected = {
        i["id"]
        for i in user.instances
        if word.lower()
        in (
            fake.catalog.release(i["id"])["title"]
            + " "
            + " ".join(a["name"] for a in fake.catalog.release(i["id"])["artists"])
            + " "
            + " ".join(lb["name"] for lb in fake.catalog.release(i["id"])["labels"])
        ).lower()
    }
    hits, n = await store.list_collection_releases(db, 100, 0, q=word)
    assert {h["id"] for h in hits} == expected and n == len(expected)

    folder = user.instances[0]["folder_id"]
    in_folder = {i["id"] for i in user.instances if i["folder_id"] == folder}
    rows, n = await store.list_collection_releases(db, 100, 0, folder_id=folder)
    assert {r["id"] for r in rows} == in_folder and n == len(in_folder)

    dup = await store.get_release(db, user.instances[-1]["id"])
    assert len(dup["instances"]) == 2 and dup["in_collection"]


async def test_a_want_added_during_a_walk_is_not_marked_removed(
    fake: FakeDiscogs, app_factory: Factory
) -> None:
    ctx = await app_factory()
    await run_job(ctx, "discogs.sync")
    db = ctx.db
    wants = list(fake.users["demo"].wants.values())
    await asyncio.sleep(0.01)
    started = mapping.now_iso()
    run_id = 424242
    await store.apply_wants(db, [], [mapping.want_row(w) for w in wants[:4]], run_id, mapping.now_iso())
    await asyncio.sleep(0.01)
    # the fifth was (re)written after the walk began, e.g. by POST /discogs/wants
    await store.apply_wants(db, [], [mapping.want_row(wants[4])], None, mapping.now_iso())
    assert await store.mark_unseen_wants_removed(db, run_id, mapping.now_iso(), started) == []
    await asyncio.sleep(0.01)
    later = mapping.now_iso()
    assert await store.mark_unseen_wants_removed(db, run_id, mapping.now_iso(), later) == [wants[4]["id"]]
